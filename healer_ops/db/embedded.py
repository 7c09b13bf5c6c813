"""The embedded PostgreSQL (the `pgserver` wheel) under HEALER_HOME/pg: the default database
of the demo and the tests, so a fresh machine needs no database server installed.

What a first start creates, and how it stays safe when several processes start at once
(two pytest workers, `make demo` beside `make test`, the Airflow task processes):

* as root, pgserver runs PostgreSQL as an operating-system user `pgserver` that it creates
  with `useradd` when missing, outside any lock: two processes racing there made the loser
  fail (`useradd` exit 9, "already exists"), or both added the user and one entry was lost
  (initdb: "could not look up effective user ID"). We create the user first, one process
  of the machine at a time;
* the data folder (initdb), the server start and the `healer` database are done under an
  exclusive file lock, HEALER_HOME/pg.lock: the first process creates them, the others wait
  and then reuse the running server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from healer_ops.settings import get_settings

EMBEDDED_DATABASE = "healer"
SYSTEM_USER = "pgserver"  # the name pgserver gives the OS user it runs PostgreSQL as (root)
START_TIMEOUT_S = 300  # how long a process waits for another one's first start (initdb)
USERADD_EXISTS = 9
USERADD_LOCK = "healer-ops-useradd-pgserver.lock"  # in the temp folder: one per machine


class EmbeddedDatabaseError(RuntimeError):
    """The embedded PostgreSQL could not be created or started; the message says why."""


@lru_cache(maxsize=4)
def embedded_url(home: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL under HEALER_HOME/pg; its `healer` database URL."""
    home = Path(home or get_settings().home)
    pgdata = home / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    ensure_system_user()
    with start_lock(home):
        admin_url = _start_server(pgdata)
        _ensure(admin_url, EMBEDDED_DATABASE)
    return _with(admin_url, EMBEDDED_DATABASE)


@contextmanager
def start_lock(home: Path):
    """The exclusive lock every process takes to create or start the server of `home`."""
    import fasteners

    lock = fasteners.InterProcessLock(str(Path(home) / "pg.lock"))
    if not lock.acquire(timeout=START_TIMEOUT_S):
        raise EmbeddedDatabaseError(f"{home}/pg.lock: another process has held it for "
                                    f"{START_TIMEOUT_S} s while starting the embedded database")
    try:
        yield
    finally:
        lock.release()


def ensure_system_user() -> None:
    """As root, the OS user pgserver runs PostgreSQL as: created once, whoever comes first.

    `useradd` checks the name before it locks the passwd file: two at once can both add the
    user (two entries, or one's write lost), so every process of the machine serializes its
    check-and-add on one lock file.
    """
    if os.name != "posix" or os.geteuid() != 0 or _user_exists():
        return
    import fasteners

    lock = fasteners.InterProcessLock(str(Path(tempfile.gettempdir()) / USERADD_LOCK))
    if not lock.acquire(timeout=START_TIMEOUT_S):
        raise EmbeddedDatabaseError(f"{lock.path}: held for {START_TIMEOUT_S} s by another "
                                    f"process creating the OS user {SYSTEM_USER!r}")
    try:
        if _user_exists():
            return
        result = subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER],
                                capture_output=True, text=True, check=False)
        if result.returncode not in (0, USERADD_EXISTS) or not _user_exists():
            raise EmbeddedDatabaseError(
                f"cannot create the OS user {SYSTEM_USER!r} the embedded PostgreSQL runs as "
                f"(as root): {result.stderr.strip() or f'useradd exit {result.returncode}'}")
    finally:
        lock.release()


def _user_exists() -> bool:
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        return False
    return True


def _start_server(pgdata: Path) -> str:
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs at interpreter exit
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers
        warnings.simplefilter("ignore")
        import pgserver

        try:
            server = pgserver.get_server(pgdata, cleanup_mode=None)  # keeps running for psql
        except (OSError, subprocess.SubprocessError) as exc:
            log = pgdata / "log"
            raise EmbeddedDatabaseError(
                f"the embedded PostgreSQL in {pgdata} did not start: {exc}"
                + (f" (its log: {log})" if log.exists() else "")) from exc
    return server.get_uri()


def _ensure(admin_url: str, dbname: str) -> None:
    from healer_ops.db import ensure_database

    ensure_database(admin_url, dbname)


def _with(url: str, dbname: str) -> str:
    from healer_ops.db import with_database

    return with_database(url, dbname)
