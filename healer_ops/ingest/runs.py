"""One run of the site_metrics_ingest DAG: plan it (mode, interval, files), then load it.

Modes: "probe" (HTTP probes of the live fleet, observed at the end of the run's interval),
"files" (the drop folder's rows of the interval), "auto" (the default: files for backfill
runs, probe otherwise), so that `airflow backfill create --dag-id site_metrics_ingest ...`
loads each interval from the drop folder with no extra configuration; `--dag-run-conf
'{"mode": "files", "drop_dir": "..."}'` says the same explicitly.

`plan_ingest` decides everything a run will load and reads nothing (cheap, and a bad
interval, mode or folder fails there); `load_planned` probes or reads and writes exactly
that, so a retry of the load loads the same thing. `run_ingest` does both in one call.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from healer_ops.timeutil import as_utc

log = logging.getLogger(__name__)

PERIOD = timedelta(minutes=5)  # site_metrics_ingest's interval
DAY = timedelta(days=1)  # site_metrics_backfill's
# A probe measures now: it may stand for a slot this recent, never for older history.
PROBE_MAX_LAG = timedelta(hours=1)


def run_ingest(url: str, *, mode: str, run_type: str, interval_start: datetime | None,
               interval_end: datetime | None, start: str | None = None, end: str | None = None,
               site_ids: list[str] | None = None, drop_dir: str | None = None,
               run_id: str | None = None, run_after: datetime | None = None) -> dict:
    """Ingest the run's interval ([start, end) overrides it); the summary of counts."""
    plan = plan_ingest(mode=mode, run_type=run_type, interval_start=interval_start,
                       interval_end=interval_end, start=start, end=end, site_ids=site_ids,
                       drop_dir=drop_dir, run_after=run_after)
    return load_planned(url, plan, run_id=run_id)


def plan_ingest(*, mode: str, run_type: str, interval_start: datetime | None,
                interval_end: datetime | None, start: str | None = None,
                end: str | None = None, site_ids: list[str] | None = None,
                drop_dir: str | None = None, run_after: datetime | None = None,
                period: timedelta = PERIOD) -> dict:
    """What one run loads (plain data, nothing read yet): mode, [start, end), site_ids, and
    for files the drop folder, its day files of the interval and the days without one; for
    probes the slot the observations stand for.

    A manual run without a logical date has no interval: it covers the `period` (the
    DAG's schedule: 5 minutes, or a day) before it was triggered (`run_after`), unless
    `start`/`end` say otherwise."""
    from healer_ops.intervals import effective_interval

    mode = resolve_mode(mode, run_type)
    if start or end:
        if not (start and end):
            raise ValueError("give both start and end, or neither")
        first, last = as_utc(start, "start"), as_utc(end, "end")
    else:
        first, last = effective_interval(interval_start, interval_end, period, run_after)
    if last <= first:
        raise ValueError(f"empty interval [{first.isoformat()}, {last.isoformat()})")
    plan = {"mode": mode, "start": first.isoformat(), "end": last.isoformat(),
            "site_ids": list(site_ids) if site_ids else None}
    if mode == "files":
        from healer_ops.ingest.drop import day_files

        folder = Path(drop_dir or default_drop_dir())
        if not folder.is_dir():
            raise FileNotFoundError(f"drop folder {folder} does not exist")
        files, missing = day_files(folder, first, last)
        return plan | {"drop_dir": str(folder), "files": [p.name for _, p in files],
                       "missing_days": [d.isoformat() for d in missing]}
    now = datetime.now(UTC)
    if now - last > PROBE_MAX_LAG:
        raise ValueError(f"probe mode observes the present; the interval ends "
                         f"{last.isoformat()}, {now - last} ago: load history with mode=files")
    return plan | {"observed_at": min(last, now.replace(microsecond=0)).isoformat()}


def load_planned(url: str, plan: dict, *, run_id: str | None = None) -> dict:
    """Probe or read what `plan` says, validate, write; the summary of counts."""
    first, last = datetime.fromisoformat(plan["start"]), datetime.fromisoformat(plan["end"])
    if plan["mode"] == "files":
        from healer_ops.ingest.files import ingest_drop

        summary = ingest_drop(url, plan["drop_dir"], first, last, site_ids=plan["site_ids"],
                              run_id=run_id, files=plan["files"])
        summary["drop_dir"] = plan["drop_dir"]
    else:
        from healer_ops.ingest.probe import probe_sites

        summary = probe_sites(url, site_ids=plan["site_ids"], observed_at=plan["observed_at"],
                              run_id=run_id, id_range=(plan.get("from_id"), plan.get("to_id")))
    summary |= {"mode": plan["mode"], "start": plan["start"], "end": plan["end"]}
    if "shard" in plan:
        summary |= {"shard": plan["shard"], "shards": plan["shards"]}
    log.info("site_metrics_ingest %s [%s, %s): input=%d loaded=%d quarantined=%d %s "
             "duplicates merged=%d", plan["mode"], summary["start"], summary["end"],
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
