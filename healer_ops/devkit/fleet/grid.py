"""The 5-minute time grid the demo fleet's metrics and incidents are laid on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

STEP = timedelta(minutes=5)
STEPS_PER_DAY = 288


def default_end(now: datetime | None = None) -> datetime:
    """Now in UTC, rounded down to the 5-minute grid."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=now.minute % 5)


def time_grid(end: datetime, days: float) -> pd.DatetimeIndex:
    """The grid points of the `days` days that end at `end` (exclusive)."""
    steps = int(round(days * STEPS_PER_DAY))
    if steps < 1:
        raise ValueError(f"days must cover at least one 5-minute step, got {days}")
    return pd.date_range(end=end - STEP, periods=steps, freq="5min", tz="UTC", unit="ns")
