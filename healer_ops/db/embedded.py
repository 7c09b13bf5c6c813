"""The embedded PostgreSQL (the `pgserver` wheel) under HEALER_HOME/pg: the default database
of the demo and the tests, so a fresh machine needs no database server installed."""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from pathlib import Path

from healer_ops.settings import get_settings

EMBEDDED_DATABASE = "healer"


@lru_cache(maxsize=4)
def embedded_url(home: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL under HEALER_HOME/pg; its `healer` database URL."""
    pgdata = Path(home or get_settings().home) / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs at interpreter exit
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode=None)  # keeps running for psql
    admin_url = server.get_uri()
    _ensure(admin_url, EMBEDDED_DATABASE)
    return _with(admin_url, EMBEDDED_DATABASE)


def _ensure(admin_url: str, dbname: str) -> None:
    from healer_ops.db import ensure_database

    ensure_database(admin_url, dbname)


def _with(url: str, dbname: str) -> str:
    from healer_ops.db import with_database

    return with_database(url, dbname)
