"""Benchmarks (`healer-ops bench ...`): each runs on a scratch database of its own."""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager


@contextmanager
def scratch_database(purpose: str, *, keep: bool = False):
    """A fresh, migrated database on the resolved server for one benchmark; its URL.

    Dropped afterwards unless `keep`, so benchmarks never touch the data in use.
    """
    from healer_ops import db

    admin_url = db.resolve_url()
    name = f"healer_bench_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    db.ensure_database(admin_url, name)
    url = db.with_database(admin_url, name)
    try:
        db.migrate(url)
        yield url
    finally:
        if not keep:
            db.drop_database(admin_url, name)


def timed(function, *args, **kwargs):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start
