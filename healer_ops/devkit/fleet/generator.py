"""The demo fleet: sites, 5-minute metrics with labelled incidents, executions and patterns.

Everything is deterministic by ``seed``: ids are uuid5 of stable names, values come from
numpy generators seeded per stream (sites, metrics, incidents, bad rows, history), so the
same seed and ``end`` give the same rows and re-running upserts them in place.

The parts: sites.py, incidents.py, metrics.py, day_files.py, history/ (executions and
patterns), store.py (writes); this module puts them together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from healer_ops import db
from healer_ops.devkit import kitdb
from healer_ops.devkit.fleet import history
from healer_ops.devkit.fleet.day_files import write_day_files
from healer_ops.devkit.fleet.grid import default_end
from healer_ops.devkit.fleet.incidents import INCIDENT_TYPES
from healer_ops.devkit.fleet.metrics import generate_metrics
from healer_ops.devkit.fleet.sites import make_sites
from healer_ops.devkit.fleet.store import load_metrics, upsert_incidents, upsert_sites


def generate_fleet(url: str, *, sites: int = 50, days: float = 14, seed: int = 7,
                   end: datetime | None = None, drop_dir: Path | str | None = None,
                   metrics_to_db: bool = False, incidents: bool = True,
                   site_url_template: str | None = None) -> dict:
    """Write the demo fleet into the database at `url` (and day files into `drop_dir`).

    Metrics go to `drop_dir` as day files for the ingest DAG, and/or straight into
    site_metrics with `metrics_to_db`. With neither, they go to the settings' drop folder.
    `site_url_template` (e.g. "http://127.0.0.1:8800/{domain}/") points the sites' url at
    loopback servers. Returns a summary of what was written.
    """
    kitdb.migrate(url)
    end = default_end(end)
    site_list = make_sites(sites, seed, end, site_url_template)
    frame, planned, _ = generate_metrics(site_list, days, seed, end, incidents)
    if drop_dir is None and not metrics_to_db:
        drop_dir = default_drop_dir()
    bad_rows = (write_day_files(frame, Path(drop_dir), seed, planned, site_list)
                if drop_dir is not None else {})
    plan = history.build_history(site_list, planned, seed, end, days)
    if metrics_to_db and len(frame):
        from healer_ops.storage.partitions import ensure_for_interval

        ensure_for_interval(url, frame["observed_at"].min(), frame["observed_at"].max()
                            + timedelta(seconds=1))
    with db.transaction(url) as conn:
        upsert_sites(conn, site_list)
        upsert_incidents(conn, planned)
        if metrics_to_db:
            load_metrics(conn, frame)
        history_summary = history.write_history(conn, plan)
    incidents_by_type = {kind: sum(i.incident_type == kind for i in planned)
                         for kind in INCIDENT_TYPES}
    return {
        "sites": len(site_list), "days": days, "seed": seed, "end": end.isoformat(),
        "metric_rows": len(frame), "metric_rows_to_db": len(frame) if metrics_to_db else 0,
        "drop_dir": str(drop_dir) if drop_dir is not None else None,
        "day_files": len(list(Path(drop_dir).glob("site_metrics_*.csv"))) if drop_dir else 0,
        "bad_rows": sum(bad_rows.values()), "bad_rows_by_kind": bad_rows,
        "incidents": len(planned), "incidents_by_type": incidents_by_type,
        **history_summary,
    }


def default_drop_dir() -> Path:
    from healer_ops.settings import get_settings

    settings = get_settings()
    return Path(settings.drop_dir or settings.home / "drop")
