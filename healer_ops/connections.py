"""Airflow connections, read and written in one place.

HealerOps reads two connections: `healer_db` (the Healer database) and `openai_default` (the
LLM's key and endpoint). Inside a DAG task they come from Airflow's secrets backends; the
commands see the same connection through `AIRFLOW_CONN_<ID>` when it is set. Airflow is
imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConnectionFields:
    """The parts of an Airflow connection HealerOps uses."""

    conn_id: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = None
    schema: str | None = None
    extra: dict = field(default_factory=dict)


def airflow_connection(conn_id: str) -> ConnectionFields | None:
    """The connection's fields, or None when Airflow is not installed or it is not defined."""
    try:
        from airflow.sdk import BaseHook
    except ImportError:
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException and friends: the caller's next source
        return None
    return ConnectionFields(conn_id, conn.host or None, conn.port or None, conn.login or None,
                            conn.password or None, conn.schema or None,
                            dict(conn.extra_dejson or {}))


def postgres_connection_json(database_url: str) -> str:
    """A PostgreSQL URL as Airflow's JSON connection form (socket folders survive as host)."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(database_url)
    conn = {
        "conn_type": "postgres",
        "host": params.get("host", "localhost"),
        "port": int(params["port"]) if params.get("port") else 5432,
        "login": params.get("user"),
        "password": params.get("password"),
        "schema": params.get("dbname"),
    }
    return json.dumps({k: v for k, v in conn.items() if v is not None})
