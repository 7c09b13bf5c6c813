"""The demo fleet's drop files: one CSV of metrics per UTC day, with a few deliberately bad
rows (unknown sites, negative sizes, bad statuses, future times, unparsable numbers,
duplicates) for the ingest DAG to quarantine."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from healer_ops.devkit.fleet.incidents import Incident
from healer_ops.devkit.fleet.metrics import METRIC_COLUMNS
from healer_ops.devkit.fleet.seeding import stable_uuid, stream
from healer_ops.devkit.fleet.sites import Site

BAD_ROW_KINDS = ("unknown_site", "negative_size", "bad_status", "future_time",
                 "unparsable_number", "duplicate")


def metrics_csv(frame: pd.DataFrame) -> str:
    """The frame as the drop files' CSV (ISO 8601 UTC times, empty for null, lowercase bools)."""
    out = frame[METRIC_COLUMNS].copy()
    out["error"] = np.where(out["error"].to_numpy(bool), "true", "false")
    return out.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ", float_format="%.1f",
                      lineterminator="\n")


def write_day_files(frame: pd.DataFrame, drop_dir: Path, seed: int,
                    incidents: list[Incident], known_sites: list[Site]) -> dict[str, int]:
    """One `site_metrics_YYYY-MM-DD.csv` per UTC day, with a few deliberately bad rows.

    Returns the count of bad rows written by kind.
    """
    drop_dir = Path(drop_dir)
    drop_dir.mkdir(parents=True, exist_ok=True)
    rng = stream(seed, "bad_rows")
    incident_sites = {i.site_id for i in incidents}
    days = frame["observed_at"].dt.floor("D")
    bounds = np.flatnonzero(np.r_[True, days.to_numpy()[1:] != days.to_numpy()[:-1], True])
    bad_counts = dict.fromkeys(BAD_ROW_KINDS, 0)
    for number, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        day_frame = frame.iloc[lo:hi]
        lines = metrics_csv(day_frame).splitlines()
        kinds = [BAD_ROW_KINDS[(2 * number) % 6], BAD_ROW_KINDS[(2 * number + 1) % 6]]
        kinds += list(rng.choice(BAD_ROW_KINDS, int(rng.poisson(0.5))))
        eligible = np.flatnonzero(~day_frame["site_id"].isin(incident_sites).to_numpy()
                                  & day_frame["status_code"].notna().to_numpy())
        if eligible.size == 0:
            continue
        for kind in kinds:
            row = int(eligible[rng.integers(eligible.size)]) + 1  # +1: header line
            _corrupt(lines, row, str(kind), rng, seed, known_sites)
            bad_counts[str(kind)] += 1
        day = days.iloc[lo].strftime("%Y-%m-%d")
        (drop_dir / f"site_metrics_{day}.csv").write_text("\n".join(lines) + "\n")
    return bad_counts


def _corrupt(lines: list[str], row: int, kind: str, rng: np.random.Generator, seed: int,
             known_sites: list[Site]) -> None:
    fields = lines[row].split(",")
    col = {name: i for i, name in enumerate(METRIC_COLUMNS)}
    if kind == "duplicate":
        lines.insert(row + 1, lines[row])
        return
    if kind == "unknown_site":
        fields[col["site_id"]] = (str(stable_uuid("unknown-site", seed, rng.integers(1 << 30)))
                                  if rng.random() < 0.6
                                  else f"site-{len(known_sites) + 1 + rng.integers(9):03d}"
                                       ".example.test")
        lines.insert(row + 1, ",".join(fields))
        return
    if kind == "future_time":
        when = datetime.strptime(fields[col["observed_at"]], "%Y-%m-%dT%H:%M:%SZ")
        fields[col["observed_at"]] = (when + timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.insert(row + 1, ",".join(fields))
        return
    if kind == "negative_size":
        fields[col["page_size_bytes"]] = str(-int(rng.integers(1, 90_000)))
    elif kind == "bad_status":
        fields[col["status_code"]] = str(rng.choice([0, 999]))
    elif kind == "unparsable_number":
        target = ("response_time_ms", "ttfb_ms", "page_size_bytes")[rng.integers(3)]
        value = fields[col[target]]
        fields[col[target]] = rng.choice([value.replace("0", "o", 1) if "0" in value
                                          else value + "ms", value + "ms", f'"1,{value}"',
                                          "~" + value])
    lines[row] = ",".join(fields)
