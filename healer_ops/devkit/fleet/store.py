"""Writing the demo fleet's sites, incidents and metrics to the database (re-runs upsert
them in place)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from healer_ops.devkit import kitdb
from healer_ops.devkit.fleet.incidents import Incident
from healer_ops.devkit.fleet.sites import Site


def load_metrics(conn, frame: pd.DataFrame, source: str = "demo") -> int:
    """Write generated metrics through the ingest loader (the one site_metrics write path),
    upserting on (site_id, observed_at); returns the rows inserted or changed."""
    from healer_ops.ingest.columns import LOAD_COLUMNS
    from healer_ops.ingest.load import upsert_metrics

    no_answer = frame["status_code"].isna().to_numpy() & frame["error"].to_numpy(bool)
    server_error = frame["status_code"].fillna(0).to_numpy() >= 500
    rows = frame.assign(error_class=np.where(no_answer, "timeout",
                                             np.where(server_error, "http", None)),
                        wsod_marker=False)
    return upsert_metrics(conn, rows[list(LOAD_COLUMNS)], source)


def upsert_sites(conn, sites: list[Site]) -> None:
    rows = [{"id": s.id, "domain": s.domain, "url": s.url, "path": s.path,
             "wp_version": s.wp_version, "php_version": s.php_version,
             "healing_mode": s.healing_mode, "blacklisted_plugins": list(s.blacklisted_plugins),
             "created_at": s.created_at, "server": s.server or None} for s in sites]
    with conn.cursor() as cur:
        cur.executemany(kitdb.query("fleet_upsert_sites"), rows)
    stored = dict(conn.execute(kitdb.query("fleet_site_ids"),
                               {"domains": [s.domain for s in sites]}).fetchall())
    mismatched = [s.domain for s in sites if stored.get(s.domain) != s.id]
    if mismatched:
        raise ValueError(f"wp_sites already holds {mismatched[0]} (and {len(mismatched) - 1} "
                         "more) under another id; generate the demo fleet into a fresh database")


def upsert_incidents(conn, incidents: list[Incident]) -> None:
    with conn.cursor() as cur:
        cur.executemany(kitdb.query("fleet_upsert_incidents"),
                        [{**i.row(), "details": json.dumps(i.details)} for i in incidents])
