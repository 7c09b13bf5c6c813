"""Connection pools for processes that serve many short requests (the Healer HTTP API).

`pooled(url)` lends a connection from this process's pool of `url` (a psycopg_pool
ConnectionPool), made on first use, never at import: a DAG file or a command that never
serves a request opens nothing. Sized by `HEALER_API_POOL_MIN_SIZE` (kept open) and
`HEALER_API_POOL_MAX_SIZE` (at most, per process); a request waits at most
`HEALER_API_POOL_TIMEOUT_S` for a free connection, then fails (`PoolTimeout`).

Every connection is checked with a round trip before it is lent (a connection the server
closed, after a restart, is replaced, not handed to a request), rolled back if it comes back
inside a transaction, and replaced after an hour. The block commits when it ends normally
and rolls back on an exception, as `db.connect` does.

One pool per URL: a URL that changes (a rotated password in the `healer_db` connection)
gets a new pool, and past `MAX_POOLS` the least recently used one is closed. A forked child
never uses its parent's pools. `close_pools()` closes them all (the app's shutdown, and at
the process' exit).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

MAX_POOLS = 4
MAX_LIFETIME_S = 3600.0
_pools: OrderedDict[str, object] = OrderedDict()
_owner = os.getpid()
_lock = threading.Lock()


@contextmanager
def pooled(url: str, timeout_s: float | None = None) -> Iterator[psycopg.Connection]:
    """A connection of this process's pool for `url` (not autocommit: the block commits when
    it ends normally, rolls back on an exception), back to the pool afterwards."""
    settings = get_settings()
    with pool_for(url).connection(timeout=timeout_s or settings.api_pool_timeout_s) as conn:
        yield conn


def pool_for(url: str):
    """This process's open pool of `url`, made now if there is none."""
    global _owner
    from psycopg_pool import ConnectionPool

    with _lock:
        if os.getpid() != _owner:  # a forked child: its parent's pools are not its own
            _pools.clear()
            _owner = os.getpid()
        found = _pools.get(url)
        if found is not None and not found.closed:
            _pools.move_to_end(url)
            return found
        settings = get_settings()
        made = ConnectionPool(
            url, min_size=settings.api_pool_min_size, max_size=settings.api_pool_max_size,
            timeout=settings.api_pool_timeout_s, check=ConnectionPool.check_connection,
            max_lifetime=MAX_LIFETIME_S, name=f"healer-{len(_pools) + 1}",
            kwargs={"connect_timeout": max(1, round(settings.api_pool_timeout_s))},
            open=False)
        made.open(wait=False)  # connections are made in the background; a request waits
        _pools[url] = made
        retired = []
        while len(_pools) > MAX_POOLS:
            retired.append(_pools.popitem(last=False)[1])
    for old in retired:
        old.close(timeout=5)
    return made


def pool_stats() -> list[dict]:
    """Each open pool's counters (psycopg_pool's get_stats), for logs and tests."""
    with _lock:
        pools = list(_pools.values()) if os.getpid() == _owner else []
    return [{"name": p.name, **p.get_stats()} for p in pools if not p.closed]


def close_pools() -> None:
    """Close every pool of this process (idempotent)."""
    with _lock:
        pools = list(_pools.values()) if os.getpid() == _owner else []
        _pools.clear()
    for pool in pools:
        try:
            pool.close(timeout=5)
        except Exception as exc:  # closing at exit never raises
            log.warning("closing connection pool %s: %s", pool.name, type(exc).__name__)


atexit.register(close_pools)
