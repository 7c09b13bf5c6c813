"""Data intervals of DAG runs, as plain datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta


def effective_interval(start: datetime, end: datetime,
                       period: timedelta) -> tuple[datetime, datetime]:
    """The [start, end) a run covers.

    Airflow 3 gives manual runs (and `dag.test()`) an empty interval at the logical date;
    such a run covers the schedule's period that ends there. Scheduled and backfill runs
    keep their own interval.
    """
    if end <= start:
        return end - period, end
    return start, end
