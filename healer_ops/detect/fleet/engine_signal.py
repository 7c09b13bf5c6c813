"""Response time judged by the shared detection engine (the one `healer-ops detect` runs):
the fleet's default (``Rules.engine``).

Per site, the engine scores the response time of the grid's cells (``engine_history_days``
of history before the cell's block) against the seasonal baseline of each cell (the
``reference``: a daily peak that does not come, or comes at the wrong hour, is news), in
both directions (``Rules.engine_direction``). Its decision is the fleet's: a cell where the
engine alerts opens PERFORMANCE_DEGRADATION, the alert stays open while the engine's
episode lasts, and after a lasting level shift the engine's episode ends (at most
``max_episode_holds`` holds of the fleet's 6-hour hold, ``rules.FLEET_ENGINE_CONFIG``): the
new level is the new normal, one alert and not one a day.

Fleet rules sit on top:

- an engine alert counts only once half an hour of the last hour is materially slow
  (``materially_slow``: ``perf_ratio`` x the baseline and ``engine_material_z`` robust
  sigmas above it) or, for a downward alert, materially fast (``materially_fast``): a
  single slow probe, a few slow answers around a gap, or a noisy site's ordinary swing is
  not worth a page; the engine says when the problem began and whether it is new;
- a single answer ``engine_spike_ratio`` x the baseline (``extreme_rows``) confirms an
  upward engine alert at that very row: a spike far beyond the site's slow blips, new for
  the site, is worth a page though no slow half hour follows it;
- a single answer whose delay beyond the baseline is ``engine_record_factor`` x the
  site's record (its longest delay of the last ``engine_history_days``; ``record_rows``)
  confirms itself: each site's own history calibrates what a page-worthy answer is, so a
  quiet site is paged for its first answer far beyond anything it did and a site with a
  heavy tail is never paged for its tail;
- such an hour that lasts two hours (the hand rules' trigger) alerts where the engine's
  score came near an alert (``engine_lasting_score``): a steady degradation is never quite
  new at any one row;
- a site younger than ``engine_min_history_days`` is judged by the hand rules (their flag
  sustained by their trigger) once its baseline knows the day's rhythm;
- the engine runs only where its result can matter (the sites with a materially slow or
  fast hour, or a hand-rule flag, in the run's interval; their blocks with such a cell;
  their rows up to the last such cell), and only those sites load the engine's history: a
  1,000-site run stays one numpy pass plus a few dozen engine calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from healer_ops.detect import engine
from healer_ops.detect.fleet.baselines import BaselineGrid, baseline_grid
from healer_ops.detect.fleet.grid import Grid, build_grid, load_observations
from healer_ops.detect.fleet.signals import rolling_sum


def engine_history_start(start: float, rules) -> float:
    """Epoch seconds of the first row the engine sees when it scores the cell at `start`:
    ``engine_history_days`` before the start of that cell's block."""
    block = rules.engine_block_days * 86400.0
    return math.floor(start / block) * block - rules.engine_history_days * 86400.0


def engine_flags(conn, grid: Grid, base: BaselineGrid, first: int, rules,
                 rules_flag: np.ndarray) -> EngineCells:
    """The engine's cells of `grid` (see ``EngineCells``) from the look-back
    (``rules.lookback_hours`` before cell ``first``) on.

    The engine runs only where its result can matter: for the sites with a materially
    slow (or fast) hour (``materially_slow``) among the run's cells, or flagged by the hand
    rules (`rules_flag`: a site too young for the engine is judged by them); only their
    engine history is loaded (``engine_history_days`` before the look-back's block: an
    incremental run of one cell loads weeks of rows for a few sites, not for the fleet).
    """
    cells, sites = grid.shape
    found = EngineCells(*(np.zeros((cells, sites), dtype=bool) for _ in range(3)),
                        np.zeros((cells, sites)), np.zeros((cells, sites)))
    lo = max(0, first - int(rules.lookback_hours * 3600 // grid.step))
    recent = rolling_any(materially_slow(grid, base, rules) | materially_fast(grid, base, rules)
                         | extreme_rows(grid, base, rules) | record_rows(grid, base, rules),
                         rules.perf_recent_hold)
    wanted = np.flatnonzero((recent | rules_flag)[first:].any(axis=0))
    if not wanted.size:
        return found
    history, history_base = load_history(conn, grid, wanted, lo, rules)
    offset = grid.start - history.start  # cell c of `grid` is cell c + offset of `history`
    of_history = engine_cells(history, history_base, lo + offset, rules)
    columns = [history.site_ids.index(grid.site_ids[site]) for site in wanted]
    for name in ("alert", "active", "young", "score", "record"):
        getattr(found, name)[:, wanted] = getattr(of_history, name)[offset:, columns]
    return found


@dataclass
class EngineCells:
    """Per (cell x site): the engine opens an alert (``alert``), its problem is not yet
    over (``active``), the site is too young for the engine (``young``: fewer than
    ``engine_min_history_days`` since its first row, the hand rules judge it), and the
    engine's score, the highest of the last ``perf_recent_hold`` cells (``score``), and where
    an answer broke the site's record (``record_rows``), how many times its record it was
    (``record``, else 0)."""

    alert: np.ndarray
    active: np.ndarray
    young: np.ndarray
    score: np.ndarray
    record: np.ndarray


def load_history(conn, grid: Grid, sites: np.ndarray, lo: int, rules
                 ) -> tuple[Grid, BaselineGrid]:
    """The grid and baselines of `sites` from their engine history (see
    ``engine_history_start``) to the end of `grid`, cells of the same length: the cells
    before `grid` are loaded, the others are `grid`'s (a cell's figures are its own
    observations', whichever run loads them)."""
    begin = min(engine_history_start(grid.times()[lo], rules), grid.times()[0])
    first = math.floor(begin / grid.step)
    ids = [grid.site_ids[site] for site in sites]
    early = build_grid(load_observations(conn, first * grid.step, grid.times()[0], ids),
                       first, grid.start, grid.step)
    column = {site_id: i for i, site_id in enumerate(early.site_ids)}
    known = [k for k, site_id in enumerate(ids) if site_id in column]

    def stacked(name: str, missing: float) -> np.ndarray:
        top = np.full((grid.start - first, len(ids)), missing)
        top[:, known] = getattr(early, name)[:, [column[ids[k]] for k in known]]
        return np.vstack([top, getattr(grid, name)[:, sites]])

    history = Grid(start=first, step=grid.step, site_ids=ids,
                   observations=early.observations + int(grid.n[:, sites].sum()),
                   **{name: stacked(name, 0) for name in GRID_COUNTS},
                   **{name: stacked(name, np.nan) for name in GRID_MEANS})
    return history, baseline_grid(conn, history, rules)


GRID_COUNTS = ("n", "n_error", "n_timeout", "n_5xx", "n_wsod")
GRID_MEANS = ("rt", "ttfb", "page", "cert")


def engine_cells(grid: Grid, base: BaselineGrid, lo: int, rules) -> EngineCells:
    """The ``EngineCells`` of the cells from ``lo`` on, every site of `grid` (which holds
    the engine's history).

    The engine's result at a row depends on every row it was given before, so for a run
    and for the same cells split over consecutive runs to agree, each cell is scored with
    history from a fixed point: cells of block b (``engine_block_days`` long, from the
    epoch) are scored with the rows from ``engine_history_days`` before the block's start.
    A cell alerts where the engine's episode began within the last ``perf_recent_hold``
    cells, still lasts, and the hour is materially slow (``materially_slow``): the engine
    finds when a problem began, the hour confirms it is worth a page; and only once the
    site has ``engine_min_history_days`` of history (before, neither the engine's
    calibration nor the baseline knows its rhythm); a single extreme cell
    (``extreme_rows``) where the engine alerts upward confirms itself, and so does an
    answer that broke the site's record (``record_rows``, once the site has
    ``engine_record_min_days`` of history). It is not yet
    normal while the engine's episode lasts and the hour was materially slow within the last
    ``perf_recent_hold`` cells. A materially slow (or fast) hour that lasts as long as
    the hand rules' trigger also alerts where the engine's score came within reach of an
    alert (``engine_lasting_score``), and stays not yet normal while it is recent. The engine
    runs only on the rows whose result can count (``engine_calls``).
    """
    cells, sites = grid.shape
    alert = np.zeros((cells, sites), dtype=bool)
    active = np.zeros((cells, sites), dtype=bool)
    grown_sites = history_of(grid, rules.engine_min_history_days)
    young = np.isfinite(grid.rt).any(axis=0) & ~grown_sites
    strength = np.zeros((cells, sites))
    slow, fast = materially_slow(grid, base, rules), materially_fast(grid, base, rules)
    spike = extreme_rows(grid, base, rules)
    multiples = record_multiples(grid, base, rules)
    record = record_rows(grid, base, rules, multiples) & history_of(
        grid, rules.engine_record_min_days)
    recent = rolling_any(slow | fast | spike | record, rules.perf_recent_hold)
    # a cell's result counts where it is recent, or its alert confirms a later recent cell
    matters = rolling_any(recent[::-1], rules.perf_recent_hold)[::-1]
    times = grid.times()
    block = np.floor(times / (rules.engine_block_days * 86400.0)).astype(np.int64)
    stamps = pd.DatetimeIndex(pd.to_datetime(times, unit="s", utc=True))
    config = replace(rules.engine_config, direction=rules.engine_direction)
    cell = np.arange(cells)
    up = np.zeros((cells, sites), dtype=bool)
    for site in range(sites):
        known = np.isfinite(grid.rt[:, site])
        if not known.any():
            continue
        grown = grown_sites[:, site]
        for first_row, first_cell, last_cell in engine_calls(
                known, times, block, cell >= lo, matters[:, site], rules):
            rows = np.flatnonzero(known[:last_cell + 1])
            rows = rows[rows >= first_row]
            if rows.size < config.min_history_rows:
                continue
            detection = engine.score_series(grid.rt[rows, site], stamps[rows],
                                            rt_reference_of(base, rows, site), config)
            mine = rows >= max(lo, first_cell)
            target = rows[mine]
            alert[target, site] = (detection.alert[mine] > 0) & grown[target]
            up[target, site] = detection.direction[mine] >= 0  # a frozen value: either side
            active[target, site] = detection.active[mine]
            strength[target, site] = detection.score[mine]
    # the engine finds the start of a problem; it pages once the hour confirms it (a
    # single slow probe is not an incident, unless it is extreme and new for the site)
    hold = rules.perf_recent_hold
    confirmed = active & ((rolling_any(alert & up, hold) & slow)
                          | (rolling_any(alert & ~up, hold) & fast) | (alert & up & spike))
    peak = pd.DataFrame(strength).rolling(rules.perf_recent_hold, min_periods=1).max()
    peak = peak.to_numpy()
    lasting = np.zeros_like(confirmed)
    if rules.engine_lasting_score is not None:
        k = rules.triggers["PERFORMANCE_DEGRADATION"].k
        lasting = (((rolling_sum(slow, k) >= k) | (rolling_sum(fast, k) >= k))
                   & (peak >= rules.engine_lasting_score) & ~young)
        confirmed = confirmed | lasting
    confirmed = confirmed | record
    started = first_in_each_run(confirmed, recent)
    hot = ((active | rolling_any(lasting, 2 * rules.perf_recent_hold)) & recent) | started
    broke = np.where(record, multiples, 0.0)
    return EngineCells(started, hot, young, peak, broke)


def engine_calls(known: np.ndarray, times: np.ndarray, block: np.ndarray, scored: np.ndarray,
                 matters: np.ndarray, rules) -> list[tuple[int, int, int]]:
    """(first row, first cell, last cell) of each engine call one site needs: the rows
    from a block's fixed history start (its first known row) to its last ``scored`` cell
    whose result matters; the call's results count from the block's first cell on. The
    engine is causal, so later rows cannot change the result, and consecutive blocks that
    start from the same row (a site younger than the history) share one call: the shorter
    call would be a prefix of the longer one."""
    calls: dict[int, list[int]] = {}
    for b in np.unique(block[scored & matters]):
        in_block = np.flatnonzero(block == b)
        cells = np.flatnonzero((block == b) & scored & matters)
        after = np.flatnonzero(known & (times >= engine_history_start(times[cells[0]], rules)))
        if after.size:
            call = calls.setdefault(int(after[0]), [int(in_block[0]), int(cells[-1])])
            call[1] = max(call[1], int(cells[-1]))
    return [(first_row, first_cell, last_cell)
            for first_row, (first_cell, last_cell) in sorted(calls.items())]


def first_in_each_run(flags: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """Per column, the first True cell of `flags` inside each run of True `runs` cells.

    One alert per lasting problem: while the site stays materially slow (or fast) the
    problem goes on, so an engine that finds it again (its episode ended: the new level is
    its new normal; its hold passed) opens no second alert; the site has to be back to
    normal for ``perf_recent_hold`` cells first."""
    out = np.zeros_like(flags)
    for column in np.flatnonzero(flags.any(axis=0)):
        run = np.cumsum(~runs[:, column])  # one number per run (and the quiet cell before)
        cells = np.flatnonzero(flags[:, column] & runs[:, column])
        _, first = np.unique(run[cells], return_index=True)
        out[cells[first], column] = True
    return out


def rt_reference_of(base: BaselineGrid, rows: np.ndarray, site: int) -> np.ndarray | None:
    """The seasonal baseline of the rows (None when the site has none yet)."""
    reference = base.rt_med[rows, site]
    return reference if np.isfinite(reference).any() else None


def materially_slow(grid: Grid, base: BaselineGrid, rules) -> np.ndarray:
    """Cells whose last hour (``perf_window`` cells) answered materially slower than the
    baseline in at least half of its cells: at least ``perf_ratio`` x the seasonal median
    and ``engine_material_z`` robust sigmas above it (slower than this site routinely is
    at this hour, so a noisy site's ordinary swings are not pages).

    Half of the hour's cells, not the median of the answered ones: a cell without an
    answer (a gap, failing probes) is no evidence of slowness, so a few slow answers at
    the edges of a gap are not an hour of slowness (failures are DOWNTIME's and
    ERROR_SPIKE's evidence)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        slow = ((grid.rt >= rules.perf_ratio * base.rt_med)
                & material(grid.rt - base.rt_med, base.rt_scale, rules))
    return for_half_the_hour(slow, rules)


def material(excess: np.ndarray, scale: np.ndarray, rules) -> np.ndarray:
    """Where a deviation from the baseline (`excess`, in the direction that matters) is at
    least ``engine_material_z`` robust sigmas (`scale`): beyond this site's routine swing at
    this hour."""
    return excess >= rules.engine_material_z * scale


def materially_fast(grid: Grid, base: BaselineGrid, rules) -> np.ndarray:
    """The mirror of ``materially_slow`` (at most 1 / ``perf_ratio`` x the baseline and
    ``engine_material_z`` robust sigmas below it), where ``engine_direction`` is "both";
    else no cell.

    A site that answers much faster than it does at this hour, for half an hour, is
    probably not doing its usual work: an error or maintenance page, a redirect, a cache
    answering for a broken backend. Its page size may not show it (PAGE_SIZE_ANOMALY's
    error-page rule needs a smaller page); the engine says whether it is new for the site.
    """
    if rules.engine_direction != "both":
        return np.zeros(grid.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        fast = ((grid.rt * rules.perf_ratio <= base.rt_med)
                & material(base.rt_med - grid.rt, base.rt_scale, rules))
    return for_half_the_hour(fast, rules)


def extreme_rows(grid: Grid, base: BaselineGrid, rules) -> np.ndarray:
    """Cells that alone answered ``engine_spike_ratio`` x the baseline or slower (and
    ``engine_material_z`` robust sigmas above it); no cell where the ratio is None.

    A probe that took many times the site's usual time is a page where the engine finds it
    new at that very row: no half hour of slowness follows a spike, yet a site that never
    spiked like this before (a stuck worker, a lock, a crawler storm) is worth a look; the
    engine says whether this site spikes like this routinely."""
    if rules.engine_spike_ratio is None:
        return np.zeros(grid.shape, dtype=bool)
    return extreme_answers(grid.rt, base.rt_med, base.rt_scale, rules)


def extreme_answers(rt: np.ndarray, median: np.ndarray, scale: np.ndarray, rules
                    ) -> np.ndarray:
    """Where a response time is ``engine_spike_ratio`` x its baseline `median` or more, and
    ``engine_material_z`` robust sigmas (`scale`) above it (element by element)."""
    with np.errstate(invalid="ignore"):
        return ((rt >= rules.engine_spike_ratio * median)
                & material(rt - median, scale, rules))


def record_rows(grid: Grid, base: BaselineGrid, rules,
                multiples: np.ndarray | None = None) -> np.ndarray:
    """Cells whose answer broke the site's record (``record_multiples`` at least
    ``engine_record_factor``) and is ``engine_material_z`` robust sigmas above its baseline;
    no cell where the factor is None.

    A site's own record calibrates the page: one that never answered much beyond its usual
    time is worth a look at its first answer far beyond it (a stuck worker, a lock), one
    that answers 20x slow every few hours has set a record no ordinary spike breaks. The
    engine's verdict is not asked: its hold after an alert hides a spike that comes
    minutes after a milder one. `multiples`: ``record_multiples``, when already known."""
    if rules.engine_record_factor is None:
        return np.zeros(grid.shape, dtype=bool)
    if multiples is None:
        multiples = record_multiples(grid, base, rules)
    with np.errstate(invalid="ignore"):
        return ((multiples >= rules.engine_record_factor)
                & material(grid.rt - base.rt_med, base.rt_scale, rules))


def history_of(grid: Grid, days: float) -> np.ndarray:
    """Cells at least `days` after their site's first answer in `grid` (which holds the
    engine's history); False for a site with no answer: too young for the engine
    (``engine_min_history_days``) or for its record to be the site's
    (``engine_record_min_days``)."""
    known = np.isfinite(grid.rt)
    first = grid.times()[np.argmax(known, axis=0)]
    return known.any(axis=0) & (grid.times()[:, None] >= first + days * 86400.0)


def record_multiples(grid: Grid, base: BaselineGrid, rules) -> np.ndarray:
    """Per cell, its answer's delay beyond the baseline (rt / baseline - 1) over the site's
    record: the longest delay of its last ``engine_history_days`` before the cell, at least
    ``perf_ratio`` - 1 (a site that never answered slowly has not set a record of nothing).
    Cells without an answer do not lower the record."""
    with np.errstate(invalid="ignore", divide="ignore"):
        delay = grid.rt / base.rt_med - 1.0
    window = int(round(rules.engine_history_days * 86400 / grid.step))
    record = pd.DataFrame(delay).shift(1).rolling(window, min_periods=1).max().to_numpy()
    return delay / np.fmax(np.nan_to_num(record, nan=0.0), rules.perf_ratio - 1.0)


def for_half_the_hour(cells: np.ndarray, rules) -> np.ndarray:
    """True where at least half of the last hour's cells (``perf_window``) are."""
    return rolling_sum(cells, rules.perf_window) >= math.ceil(rules.perf_window / 2)


def rolling_any(flags: np.ndarray, window: int) -> np.ndarray:
    """True where any of the last ``window`` cells (fewer at the start) is True."""
    return rolling_sum(flags, window) > 0
