"""The drop folder: one metrics file per UTC day, `site_metrics_YYYY-MM-DD.csv` (or `.jsonl`,
`.parquet`). Finding a run's files reads none of them, so planning a run stays cheap."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SUFFIXES = (".csv", ".jsonl", ".parquet")  # a day with several files: loaded in this order
DAY_FILE = re.compile(r"^site_metrics_(\d{4}-\d{2}-\d{2})(\.csv|\.jsonl|\.parquet)$")


def day_files(drop_dir: Path, start: datetime, end: datetime, names: list[str] | None = None
              ) -> tuple[list[tuple[date, Path]], list[date]]:
    """([(day, path)], [days without a file]) for the UTC days overlapping [start, end).

    `names` (a run's plan) takes exactly those files of the folder instead of listing it.
    """
    if names is None:
        by_day = _by_day(p for p in sorted(drop_dir.iterdir()) if p.is_file())
    else:
        unknown = [n for n in names if not DAY_FILE.match(n)]
        if unknown:
            raise ValueError(f"not day files of a drop folder: {unknown}")
        by_day = _by_day(drop_dir / name for name in names)
    files, missing = [], []
    day = start.astimezone(UTC).date()
    while datetime.combine(day, datetime.min.time(), UTC) < end:
        if day in by_day:
            files += [(day, p) for p in sorted(by_day[day], key=lambda p: SUFFIXES.index(
                p.suffix))]
        else:
            missing.append(day)
        day += timedelta(days=1)
    return files, missing


def _by_day(paths) -> dict[date, list[Path]]:
    by_day: dict[date, list[Path]] = {}
    for path in paths:
        match = DAY_FILE.match(path.name)
        if not match:
            continue
        try:
            day = datetime.strptime(match.group(1), "%Y-%m-%d").date()
        except ValueError:
            continue
        by_day.setdefault(day, []).append(path)
    return by_day
