"""One run of the site_metrics_ingest DAG: which mode, which interval, then probe or files.

Modes: "probe" (HTTP probes of the live fleet, observed at the end of the run's interval),
"files" (the drop folder's rows of the interval), "auto" (the default: files for backfill
runs, probe otherwise), so that `airflow backfill create --dag-id site_metrics_ingest ...`
loads each interval from the drop folder with no extra configuration; `--dag-run-conf
'{"mode": "files", "drop_dir": "..."}'` says the same explicitly.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from healer_ops.timeutil import as_utc

log = logging.getLogger(__name__)

PERIOD = timedelta(minutes=5)
# A probe measures now: it may stand for a slot this recent, never for older history.
PROBE_MAX_LAG = timedelta(hours=1)


def run_ingest(url: str, *, mode: str, run_type: str, interval_start: datetime,
               interval_end: datetime, start: str | None = None, end: str | None = None,
               site_ids: list[str] | None = None, drop_dir: str | None = None,
               run_id: str | None = None) -> dict:
    """Ingest the run's interval ([start, end) overrides it); the summary of counts."""
    from healer_ops.intervals import effective_interval

    mode = resolve_mode(mode, run_type)
    first, last = effective_interval(interval_start, interval_end, PERIOD)
    if start or end:
        if not (start and end):
            raise ValueError("give both start and end, or neither")
        first, last = as_utc(start, "start"), as_utc(end, "end")
    if mode == "files":
        from healer_ops.ingest.files import ingest_drop

        folder = drop_dir or str(default_drop_dir())
        summary = ingest_drop(url, folder, first, last, site_ids=site_ids, run_id=run_id)
        summary["drop_dir"] = folder
    else:
        from healer_ops.ingest.probe import probe_sites

        lag = datetime.now(UTC) - last
        if lag > PROBE_MAX_LAG:
            raise ValueError(f"probe mode observes the present; the interval ends "
                             f"{last.isoformat()}, {lag} ago: load history with mode=files")
        summary = probe_sites(url, site_ids=site_ids, observed_at=min(last, datetime.now(UTC)),
                              run_id=run_id)
    summary |= {"mode": mode, "start": first.isoformat(), "end": last.isoformat()}
    log.info("site_metrics_ingest %s [%s, %s): input=%d loaded=%d quarantined=%d %s "
             "duplicates merged=%d", mode, summary["start"], summary["end"],
             summary["input_rows"], summary["loaded"], summary["quarantined"],
             summary["quarantined_by_reason"], summary["duplicates"])
    return summary


def resolve_mode(mode: str, run_type: str) -> str:
    if mode not in ("auto", "probe", "files"):
        raise ValueError(f"mode must be auto, probe or files, not {mode!r}")
    if mode == "auto":
        return "files" if run_type == "backfill" else "probe"
    return mode


def default_drop_dir():
    """HEALER_DROP_DIR, else HEALER_HOME/drop (where `fleet generate` writes day files)."""
    from healer_ops.settings import get_settings

    settings = get_settings()
    return settings.drop_dir or settings.home / "drop"
