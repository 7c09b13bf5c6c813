"""Airflow connections, read and written in one place.

HealerOps reads two connections: `healer_db` (the Healer database) and `openai_default` (the
LLM's key and endpoint). Inside a DAG task they come from Airflow's secrets backends; the
commands see the same connection through `AIRFLOW_CONN_<ID>` when it is set. Airflow is
imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import json
import os
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
    """The connection's fields, or None when Airflow is not installed or it is not defined.

    A connection that exists but cannot be read (a malformed AIRFLOW_CONN_* value, a secrets
    backend that does not answer) raises, naming it: falling through to another source
    would use another database or key in silence.
    """
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:  # not defined: the caller's next source ...
        variable = f"AIRFLOW_CONN_{conn_id.upper()}"
        if os.environ.get(variable):  # ... unless it is, in a form Airflow cannot parse
            raise RuntimeError(f"the Airflow connection {conn_id!r} is defined ({variable}) but "
                               f"could not be read: not a connection URI or JSON") from exc
        return None
    except Exception as exc:
        # the type only: the message may quote the connection's URI, password included
        raise RuntimeError(f"the Airflow connection {conn_id!r} is defined but could not be "
                           f"read ({type(exc).__name__}): check its definition") from exc
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


def redact_url(database_url: str) -> str:
    """A database URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
