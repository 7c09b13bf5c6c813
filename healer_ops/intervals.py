"""Data intervals of DAG runs, as plain datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta

from healer_ops.timeutil import as_utc


def effective_interval(start: datetime | None, end: datetime | None, period: timedelta,
                       run_after: datetime | None = None) -> tuple[datetime, datetime]:
    """The [start, end) a run covers.

    - Scheduled and backfill runs keep their own interval.
    - A manual run with a logical date (and `dag.test()`) has an empty interval at it: the
      run covers the schedule's period that ends there.
    - A manual run without a logical date (Airflow 3's default for the UI's trigger button,
      the REST API and `airflow dags trigger`) has no interval: it covers the period that
      ends when it was triggered (`run_after`, to the second).
    """
    if start is None or end is None:
        if run_after is None:
            raise ValueError("a run without a data interval needs its run_after time")
        end = as_utc(run_after, "run_after").replace(microsecond=0)
        return end - period, end
    if end <= start:
        return end - period, end
    return start, end
