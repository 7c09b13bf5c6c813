"""The distributed deployment as local processes: Airflow's CeleryExecutor layout of
docker-compose.yaml (scheduler, dag-processor, api-server, triggerer, N Celery workers)
against a given PostgreSQL metadata database and Redis broker.

`healer-ops cluster up` (and `make cluster`) reads the same `cluster.env` as compose, adds
the endpoints and secrets, migrates both databases and starts the processes detached, each
in its own process group, recording them under the cluster's home; `down` stops exactly
those processes; `status` says what runs and what the api-server reports.
"""

from healer_ops.cluster.config import ClusterSpec, cluster_environment, read_env_file
from healer_ops.cluster.supervisor import cluster_down, cluster_status, cluster_up

__all__ = ["ClusterSpec", "cluster_down", "cluster_environment", "cluster_status",
           "cluster_up", "read_env_file"]
