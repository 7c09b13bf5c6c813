"""``synthAcmeOrders`` of the twenty-seventh exam families (``exam_families_r27``): the ACME
orders a hosting platform's certificate client sends for its sites. Every certificate lives 90
days and is renewed when 30 are left, so each day's renewals are the certificates issued 60
days before (a migration that issued hundreds at once comes due together). A scheduled client
(certbot's twice-daily timer with its random delay of up to twelve hours, a daily or hourly
cron job) renews at each run whatever has come due since the last one, one order after
another, so orders come in bursts as long as the run's list; a run that starts while the last
is still ordering is skipped (the client's lock). A controller (cert-manager) renews each
certificate at its moment. New sites order in office hours, and a site whose DNS does not
point at the platform yet is retried with a growing delay until it does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY
RENEW_EVERY = 60 * DAY  # a 90-day certificate renewed with 30 days left
MODES = ("twice_daily", "daily", "hourly", "continuous")
RETRIED = 0.02  # renewals failing at a run (a timeout, the CA busy), retried at the next
ACME_KINDS = ("timer_stopped", "retry_storm", "mass_reissue", "force_renewal")


def bucket_start(at: np.ndarray, row: int) -> int:
    """The first minute the row ``row`` counts (the minute after the row before's)."""
    return int(at[row - 1] + 1) if row > 0 else int(at[0])


def recovered_by(onsets: list[int], span: int) -> list[int]:
    """For each onset, the minute its anomaly must be over: half way to the next onset (twelve
    hours before it at most), so the next one starts from normal data; the last may run to the
    end (``span``)."""
    return [later if later >= span else later - min(DAY // 2, (later - onset) // 2)
            for onset, later in zip(onsets, common.next_onsets(onsets, span), strict=True)]


def schedule(rng: np.random.Generator, mode: str, span: int, clock: float) -> np.ndarray:
    """Minutes (from the grid's first, whose time of day is ``clock`` minutes) at which a
    scheduled client starts, from a day before the grid to its end."""
    if mode == "twice_daily":  # certbot.timer: 00:00 and 12:00, RandomizedDelaySec=43200
        slots = np.arange(-(clock % 720) - 720, span, 720)
        return np.sort(slots + rng.uniform(0, 720, len(slots)))
    period = DAY if mode == "daily" else 60
    first = (rng.uniform(0, period) - clock) % period - period
    runs = np.arange(first, span, period)
    return runs + rng.uniform(0, 0.05, len(runs))  # cron's second or two


def order_times(rng: np.random.Generator, start: float, count: int, concurrency: int,
                seconds: float) -> np.ndarray:
    """When each of ``count`` orders placed one after another from ``start`` is sent, with
    ``concurrency`` at a time, an order taking ``seconds`` (the challenge, the finalize)."""
    took = rng.lognormal(np.log(seconds), 0.4, count) / 60 / concurrency
    return start + np.r_[0, np.cumsum(took)[:-1]] if count else np.empty(0)


def scheduled_orders(rng: np.random.Generator, runs: np.ndarray, forced: np.ndarray,
                     due: np.ndarray, certificates: int, chronic: int, concurrency: int,
                     seconds: float) -> tuple[np.ndarray, list[tuple[float, int]]]:
    """(order times, (run, orders) of each run that ran): at each run, every certificate due
    since the last (the ones whose renewal failed then again, and the few that fail at every
    run); at a ``forced`` run every certificate. A run starting while the last one is still
    ordering is skipped and its certificates left to the next."""
    due = np.sort(due)
    done, retried, busy = 0, 0, -np.inf
    times, ran = [], []
    for run, force in zip(runs, forced, strict=True):
        if run < busy:
            continue
        upto = int(np.searchsorted(due, run, "right"))
        fresh = upto - done + retried
        count = certificates + chronic if force else fresh + chronic
        placed = order_times(rng, run, count, concurrency, seconds)
        times.append(placed)
        ran.append((float(run), count))
        busy = placed[-1] + seconds / 60 if count else run
        done, retried = upto, 0 if force else int(rng.binomial(fresh, RETRIED))
    return (np.concatenate(times) if times else np.empty(0)), ran


def _due(rng: np.random.Generator, certificates: int) -> np.ndarray:
    """Minutes at which each certificate comes due: spread over the 60 days, but for the
    cohorts of past migrations and bulk imports (issued together, due together)."""
    due = rng.uniform(0, RENEW_EVERY, certificates)
    cohort = rng.random(certificates) < rng.uniform(0, 0.4)
    if cohort.any():
        groups = int(rng.integers(1, 5))
        at = rng.uniform(0, RENEW_EVERY, groups)
        which = rng.integers(0, groups, cohort.sum())
        due[cohort] = at[which] + rng.uniform(0, rng.uniform(30, 600), cohort.sum())
    return due


def _new_sites(rng: np.random.Generator, grid: pd.DatetimeIndex, certificates: int
               ) -> np.ndarray:
    """Orders of new sites in office hours (a certificate or two each); a site whose DNS does
    not point here yet is retried with a doubling delay until it does."""
    per_day = certificates * rng.uniform(0.001, 0.01) + rng.uniform(0.2, 2)
    times = []
    for minute in office_hour_rows(rng, grid, per_day):
        times.append(minute + rng.uniform(0, 2, int(rng.integers(1, 3))))
        if rng.random() < 0.15:  # DNS not yet pointed: retried until it propagates
            delay, cap = rng.uniform(2, 10), rng.uniform(60, 240)
            waits = np.cumsum(np.minimum(delay * 2.0 ** np.arange(40), cap))
            times.append(minute + waits[waits < rng.uniform(30, DAY)])
    return np.concatenate(times) if times else np.empty(0)


def _continuous(rng: np.random.Generator, due: np.ndarray, chronic: int, span: int,
                stalls: list[tuple[int, int]], loops: list[tuple[int, int, float]]
                ) -> np.ndarray:
    """Orders of a controller: each certificate at its moment (a failed one an hour later),
    the chronic failures every few hours (its backoff's ceiling); ``stalls``: the renewals of
    each (start, end) held until its end; ``loops``: (start, end, a minute's orders)."""
    times = due + rng.uniform(0, 3, len(due))
    failed = rng.random(len(due)) < RETRIED
    times = np.r_[times, times[failed] + 60]
    for start, end in stalls:
        held = (times >= start) & (times < end)
        times[held] = end + np.sort(rng.uniform(0, held.sum() / 20 + 1, held.sum()))
    every = rng.uniform(60, 12 * 60)
    for _ in range(chronic):
        times = np.r_[times, np.arange(rng.uniform(-every, 0), span, every)]
    for start, end, rate in loops:
        times = np.r_[times, rng.uniform(start, end, rng.poisson(rate * (end - start)))]
    return times


def acme_orders_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    span, rows = len(grid), len(stamps)
    clock = float(hour_of_day(grid[:1])[0] * 60)
    certificates = int(np.exp(rng.uniform(np.log(50), np.log(20000))))
    certbot = name.startswith("certbot")
    mode = str(rng.choice(MODES[:3] if certbot else MODES))
    concurrency = 1 if certbot else int(rng.choice([1, 2, 4, 8]))
    seconds = rng.uniform(4, 20)
    due = _due(rng, certificates)
    chronic = int(rng.poisson(certificates * rng.uniform(0, 0.004)))  # domains gone elsewhere
    runs = schedule(rng, mode, span, clock) if mode != "continuous" else np.empty(0)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ACME_KINDS)
    if mode != "continuous":  # a stopped timer or a changed config shows at the next run
        run_rows = np.unique(np.searchsorted(at, np.floor(runs[runs >= 0])))
        snap_onsets(("timer_stopped", "force_renewal"), "mass_reissue",
                    run_rows[run_rows < rows], starts, kinds, rows)
        order = np.argsort(starts)
        starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    if certificates * DAY / RENEW_EVERY < 4:  # too few renewals a day to miss
        kinds = ["mass_reissue" if k == "timer_stopped" else k for k in kinds]
    extra = [_new_sites(rng, grid, certificates)]
    forced = np.zeros(len(runs), bool)
    stalls, loops = [], []
    onsets = [bucket_start(at, row) for row in starts]

    def renewals(rng: np.random.Generator) -> np.ndarray:
        if mode == "continuous":
            return _continuous(rng, due, chronic, span, stalls, loops)
        return scheduled_orders(rng, runs, forced, due, certificates, chronic, concurrency,
                                seconds)[0]

    normal = np.r_[renewals(np.random.default_rng(rng.integers(2 ** 32))), extra[0]]
    usual = max(((normal >= 0) & (normal < span)).sum() / span, 0.001)  # orders a minute
    for onset, kind, later in zip(onsets, kinds, recovered_by(onsets, span), strict=True):
        if kind == "timer_stopped":  # disabled by an upgrade: fixed by hand days later
            end = min(later, onset + int(rng.uniform(DAY, 6 * DAY)))
            if mode == "continuous":
                stalls.append((onset, end))
            else:
                skipped = (runs >= onset) & (runs < end)
                runs, forced = runs[~skipped], forced[~skipped]
                runs, forced = np.r_[runs, end], np.r_[forced, False]
                order = np.argsort(runs)
                runs, forced = runs[order], forced[order]
        elif kind == "force_renewal":  # --force-renewal, or renew_before set past the lifetime
            end = min(later, onset + int(rng.uniform(DAY / 2, 4 * DAY)))
            if mode == "continuous":
                rate = min(certificates / rng.uniform(60, 720), concurrency * 60 / seconds)
                loops.append((onset, end, max(rate, 20 * usual)))
            else:
                forced |= (runs >= onset) & (runs < end)
        elif kind == "retry_storm":  # a provisioning loop re-ordering hostnames that fail
            end = min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))
            period = rng.uniform(5, 60)
            hostnames = max(int(rng.integers(1, 10)), int(np.ceil(0.5 * usual * period)))
            for _ in range(hostnames):
                extra.append(np.arange(onset + rng.uniform(0, period), end, period))
        else:  # mass_reissue: a CA's revocation, a move to new servers: everything again
            count = int(certificates * rng.uniform(0.3, 1)) + chronic
            placed = order_times(rng, onset, count, concurrency * int(rng.choice([1, 2, 4])),
                                 seconds)
            extra.append(placed[placed < later])
    times = np.concatenate([renewals(rng), *extra])
    times = times[(times >= 0) & (times < span)]
    per_minute = np.bincount(times.astype(int), minlength=span)
    sent = np.r_[0, np.cumsum(per_minute)]
    return SyntheticSeries(name, stamps, (sent[at + 1] - sent[at + 1 - step]).astype(float),
                           starts, kinds)
