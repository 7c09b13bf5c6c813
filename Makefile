# Every target creates .venv from requirements.txt when it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export AIRFLOW_HOME ?= $(CURDIR)/.healer/airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False

.PHONY: demo test lint airflow cluster cluster-down cluster-status venv clean

# The CeleryExecutor deployment as local processes (cluster.env, shared with compose), against
# this machine's PostgreSQL and Redis unless HEALER_CLUSTER_METADATA_URL,
# HEALER_CLUSTER_BROKER_URL or HEALER_DATABASE_URL say otherwise.
WORKERS ?= 2

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/healer-ops demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# `make airflow PORT=8081` (or AIRFLOW__API__PORT=8081 make airflow): the api-server, the
# links it prints and the execution API its task runners call all follow the port.
# `make airflow DB=demo`: the UI on the demo's database (after `make demo`).
PORT ?= $(or $(AIRFLOW__API__PORT),8080)
DB_NAME = $(if $(filter demo,$(DB)),healer_demo,$(DB))
DB_ENV = $(if $(DB_NAME),HEALER_DATABASE_URL="$$($(BIN)/healer-ops db url --database $(DB_NAME))")

airflow: $(STAMP)
	$(DB_ENV) $(BIN)/healer-ops db migrate
	$(DB_ENV) \
	AIRFLOW_CONN_HEALER_DB="$$($(DB_ENV) $(BIN)/healer-ops db airflow-conn)" \
	AIRFLOW__API__PORT=$(PORT) \
	AIRFLOW__API__BASE_URL=http://localhost:$(PORT) \
	AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://localhost:$(PORT)/execution/ \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/airflow standalone

cluster: $(STAMP)
	$(BIN)/healer-ops cluster up --workers $(WORKERS)

cluster-down: $(STAMP)
	$(BIN)/healer-ops cluster down

cluster-status: $(STAMP)
	$(BIN)/healer-ops cluster status

clean:
	rm -rf .healer .pytest_cache
