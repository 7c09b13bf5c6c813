# The HealerOps Airflow image: the official Airflow 3.3.2 image (Python 3.11) plus the project's
# exact pins (the Celery provider, Celery and the Redis client included: the image runs the
# versions the tests ran, not whatever the base image ships) and the healer_ops package.
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/healer
COPY --chown=airflow:root requirements.txt pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=airflow:root healer_ops ./healer_ops
COPY --chown=airflow:root include ./include
RUN pip install --no-cache-dir --no-deps -e .

ENV HEALER_SQL_DIR=/opt/healer/include/sql \
    HEALER_HOME=/opt/airflow/healer
# The local analyzer's model, fitted once at build time: tasks load it instead of refitting.
RUN healer-ops model build
WORKDIR /opt/airflow
