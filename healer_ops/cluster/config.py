"""What a local cluster is: its endpoints, its size, its secrets and its processes' environment."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from healer_ops.settings import PROJECT_ROOT

ENV_FILE = PROJECT_ROOT / "cluster.env"
DEFAULT_METADATA_URL = "postgresql://postgres@127.0.0.1:5432/healer_airflow"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
DEFAULT_HEALER_URL = "postgresql://postgres@127.0.0.1:5432/healer"
ADMIN_USER = "admin"
# Keys the cluster sets itself: neither cluster.env nor the caller's environment changes them.
OWNED_KEYS = ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__PLUGINS_FOLDER",
              "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
              "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
              "AIRFLOW__API__BASE_URL", "AIRFLOW__API__PORT", "AIRFLOW__API_AUTH__JWT_SECRET",
              "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY",
              "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
              "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
              "AIRFLOW__OPERATORS__DEFAULT_QUEUE", "AIRFLOW_CONN_HEALER_DB")
# Inherited from the caller and never passed on: the cluster's tasks read AIRFLOW_CONN_HEALER_DB.
DROPPED_KEYS = ("HEALER_DATABASE_URL", "AIRFLOW_CONFIG", "AIRFLOW__CORE__HOSTNAME_CALLABLE")


@dataclass(frozen=True)
class ClusterSpec:
    """One local cluster. URLs are libpq/redis URLs; `queue` isolates clusters sharing a
    broker (the workers serve only it, and it is every task's default queue)."""

    home: Path
    metadata_url: str = DEFAULT_METADATA_URL
    broker_url: str = DEFAULT_BROKER_URL
    healer_url: str = DEFAULT_HEALER_URL
    workers: int = 2
    concurrency: int = 2
    api_port: int = 8080
    queue: str = "default"
    env_file: Path = ENV_FILE
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.workers < 1 or self.concurrency < 1:
            raise ValueError("a cluster needs at least one worker with at least one slot")
        for name, url, schemes in (("metadata_url", self.metadata_url, ("postgresql",)),
                                   ("healer_url", self.healer_url, ("postgresql",)),
                                   ("broker_url", self.broker_url, ("redis", "rediss"))):
            scheme = urlsplit(url).scheme.split("+")[0]
            if scheme == "postgres":
                scheme = "postgresql"
            if scheme not in schemes:
                raise ValueError(f"{name} must be a {' or '.join(schemes)}:// URL, not {url!r}")

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def as_dict(self) -> dict:
        data = asdict(self)
        return data | {"home": str(self.home), "env_file": str(self.env_file)}

    @classmethod
    def from_dict(cls, data: dict) -> ClusterSpec:
        return cls(**(data | {"home": Path(data["home"]), "env_file": Path(data["env_file"])}))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file (compose's format: comments, optional quotes)."""
    from dotenv import dotenv_values

    if not Path(path).is_file():
        raise FileNotFoundError(f"cluster env file {path} does not exist")
    values = dotenv_values(path, interpolate=False)
    empty = [key for key, value in values.items() if value is None]
    if empty:
        raise ValueError(f"{path}: {', '.join(empty)} without a value (write KEY=VALUE)")
    return dict(values)


def new_secrets() -> dict[str, str]:
    """The cluster's own JWT secret, Fernet key and admin password (kept in its home)."""
    from cryptography.fernet import Fernet

    return {"jwt_secret": secrets.token_urlsafe(32), "api_secret_key": secrets.token_urlsafe(32),
            "fernet_key": Fernet.generate_key().decode(),
            "admin_password": secrets.token_urlsafe(12)}


def passwords_file(spec: ClusterSpec) -> Path:
    return spec.home / "admin-password.json"


def write_private(path: Path, data: dict) -> None:
    """JSON readable by the owner only (the cluster's secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)


def sqlalchemy_url(url: str, prefix: str = "") -> str:
    """A libpq URL as SQLAlchemy's psycopg2 form (Airflow's metadata DB, Celery results)."""
    parts = urlsplit(url)
    return prefix + "postgresql+psycopg2:" + url[len(parts.scheme) + 1:]


def cluster_environment(spec: ClusterSpec, keys: dict[str, str],
                        base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every cluster process: the env file, then the caller's environment,
    then the endpoints and secrets the cluster owns, then `extra_env`."""
    from healer_ops.connections import postgres_connection_json

    base = dict(os.environ if base is None else base)
    env = read_env_file(spec.env_file) | base
    for key in DROPPED_KEYS:
        env.pop(key, None)
    env |= {
        "AIRFLOW_HOME": str(spec.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(spec.metadata_url),
        "AIRFLOW__CELERY__BROKER_URL": spec.broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": sqlalchemy_url(spec.metadata_url, "db+"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{spec.api_url}/execution/",
        "AIRFLOW__API__BASE_URL": f"{spec.api_url}/",
        "AIRFLOW__API__PORT": str(spec.api_port),
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__API__SECRET_KEY": keys["api_secret_key"],
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(spec)),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": spec.queue,
        "AIRFLOW_CONN_HEALER_DB": postgres_connection_json(spec.healer_url),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")]),
    }
    return env | spec.extra_env


def worker_environment(env: dict[str, str], node: str) -> dict[str, str]:
    """A worker's environment: its own node name, which its task instances record as their
    hostname (several workers on one machine stay apart in the UI and the metadata)."""
    return env | {"HEALER_CLUSTER_NODE": node,
                  "AIRFLOW__CORE__HOSTNAME_CALLABLE": "healer_ops.cluster.node.hostname"}
