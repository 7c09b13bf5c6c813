"""Observations on a (cell x site) grid: every later step is one numpy operation over the
fleet, not a loop over sites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from healer_ops import db
from healer_ops.baselines import site_list
from healer_ops.db.pgcopy import read_array_rows


@dataclass
class Grid:
    """Observations placed on (cell x site) arrays; cell c covers [c * step, (c+1) * step)."""

    start: int                      # first cell number
    step: int
    site_ids: list[str]
    observations: int
    n: np.ndarray                   # samples per cell
    n_error: np.ndarray
    n_timeout: np.ndarray
    n_5xx: np.ndarray
    n_wsod: np.ndarray
    rt: np.ndarray                  # mean response time of answered, non-error samples
    ttfb: np.ndarray
    page: np.ndarray                # mean page size of non-error samples
    cert: np.ndarray                # latest certificate expiry seen (epoch seconds)
    rows: dict = field(repr=False, default_factory=dict)   # per-sample arrays (flat cell)

    @property
    def shape(self) -> tuple[int, int]:
        return self.n.shape

    def times(self) -> np.ndarray:
        """Epoch seconds of each cell's start."""
        return (self.start + np.arange(self.shape[0])) * float(self.step)


def load_observations(conn, start: float, end: float,
                      site_ids: list[str] | None) -> list[tuple[str, list[np.ndarray]]]:
    """Every observation of [start, end) (epoch seconds), per site: (site_id, [observed_at,
    response_time_ms, ttfb_ms, page_size_bytes, status*4+flags, cert_expires_at]) arrays,
    read with one binary COPY."""
    params = {"start": datetime.fromtimestamp(start, UTC),
              "end": datetime.fromtimestamp(end, UTC), "site_ids": site_list(site_ids)}
    conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # arrays combine slowly
    return sorted(read_array_rows(conn, db.query("detect_metrics"), params))


def build_grid(per_site: list, start: int, stop: int, step: int) -> Grid:
    """Place the observations on [start, stop) cells of `step` seconds."""
    ids = [row[0] for row in per_site]
    cells, sites = stop - start, len(ids)
    if not ids:
        zero = np.zeros((max(cells, 0), 0))
        return Grid(start, step, [], 0, zero, zero, zero, zero, zero, zero, zero, zero, zero)
    lengths = np.array([len(row[1][0]) for row in per_site])
    t, rt, ttfb, page, packed, cert = (np.concatenate([row[1][k] for row in per_site])
                                       for k in range(6))
    status, flags = packed // 4, packed % 4
    site = np.repeat(np.arange(sites), lengths)
    cell = np.floor(t / step).astype(np.int64) - start
    inside = (cell >= 0) & (cell < cells)
    flat = cell * sites + site
    size = cells * sites
    error = ((flags & 1) > 0) | (status >= 500)
    timeout = np.isnan(rt)
    answered = ~error & ~timeout

    def count(mask):
        return np.bincount(flat[mask & inside], minlength=size).reshape(cells, sites)

    def mean(values, mask):
        mask = mask & inside & ~np.isnan(values)
        total = np.bincount(flat[mask], weights=values[mask], minlength=size)
        n = np.bincount(flat[mask], minlength=size)
        with np.errstate(invalid="ignore"):
            return (total / np.where(n > 0, n, np.nan)).reshape(cells, sites)

    certs = np.full(size, np.nan)
    known = inside & ~np.isnan(cert)
    np.fmax.at(certs, flat[known], cert[known])
    return Grid(
        start=start, step=step, site_ids=ids, observations=int(inside.sum()),
        n=count(np.ones_like(inside)), n_error=count(error), n_timeout=count(timeout),
        n_5xx=count(status >= 500), n_wsod=count((flags & 2) > 0),
        rt=mean(rt, answered), ttfb=mean(ttfb, answered), page=mean(page, answered),
        cert=certs.reshape(cells, sites),
        rows={"flat": flat[inside], "page": page[inside], "status": status[inside],
              "failed": (error | timeout | ((flags & 2) > 0))[inside]},
    )


WORK_MEM = "512MB"
