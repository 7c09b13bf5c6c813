"""``synthRedirects`` and ``synthCaptchaScores`` of the twenty-first exam families
(``exam_families_r21``): two traces the visitors of a WordPress site leave at its front door.
Redirects are counted from the access log: a share of the visits' first requests (typed or
linked without https or www), old addresses still linked or in search results, bots probing
wp-admin, editors logging in, crawls of old URLs; a bucket without a redirect has no row where
the count comes from a log filter without a default value. reCAPTCHA v3's scores are logged
one row per verified action (a form sent, a login, a checkout): people score high, bots low,
a token that expired before the form was sent scores nothing, and a site with little traffic
gets only four of the eleven levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    first_week_minute,
    hour_of_day,
    label_windows,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY
REDIRECT_KINDS = ("redirect_loop", "permalink_change", "https_redirect_lost", "spam_redirect")
CAPTCHA_KINDS = ("bot_wave", "token_expired", "human_score_drift", "form_broken")


def onsets_fit(starts: list[int], rows: int) -> bool:
    """Onsets after NAB's probation, in the file, in windows that do not overlap."""
    if any(not np.ceil(0.15 * rows) <= s < rows for s in starts):
        return False
    windows = label_windows(rows, sorted(starts))
    return all(last < following for (_, last), (following, _) in zip(windows, windows[1:],
                                                                     strict=False))


def day_grid(rng: np.random.Generator, days: float, step: int = 1) -> pd.DatetimeIndex:
    """Every minute of ``days`` days from a minute of the first week (on a ``step`` grid)."""
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, step))
    return pd.date_range(start, periods=int(days * DAY) // step * step, freq="min")


# ---------------------------------------------------------------- redirects


class Visits:
    """Requests a minute to a WordPress site and the redirects they make: canonical ones (the
    first request of a visit by http or without www, one or two hops), old addresses (renamed
    posts, a trailing slash: rules added by editors now and then), bots probing wp-admin
    (scanners in bursts), editors logging in (office hours), crawlers re-reading old URLs."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        surge = decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY),
                         span, (0.5, 4), (60, 600))  # a newsletter, a post shared widely
        level = float(np.exp(rng.uniform(np.log(1), np.log(2500))))  # requests a minute
        shape = rng.uniform(3, 20)
        self.requests = level * load * (1 + surge) * rng.gamma(shape, 1 / shape, span)
        self.entrances = self.requests * rng.uniform(0.2, 0.6)  # a visit's first request
        self.search = rng.uniform(0.2, 0.7)  # of the entrances, from a search engine
        self.mobile = np.clip(rng.uniform(0.35, 0.7) + 0.15 * (daily_cycle(hours, 21, 2.5)
                                                                - 0.4), 0.05, 0.95)
        self.canonical = rng.uniform(0.01, 0.15) * int(rng.integers(1, 3))  # hops included
        old = np.full(span, rng.uniform(0.002, 0.04))
        for change in office_hour_rows(rng, grid, rng.uniform(0.05, 0.5)):  # rules edited
            old[change:] *= rng.lognormal(0.05, 0.25)
        self.old = old
        probes = rng.uniform(0.05, 2) * np.exp(0.3 * common.wander(rng, span, 3 * DAY))
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.5, 5) / DAY):
            probes[start:start + int(rng.uniform(2, 40))] += rng.uniform(2, 60)  # a scanner
        office = (np.asarray(grid.day_of_week) < 5) * daily_cycle(hours, 13, 3)
        self.other = probes + rng.uniform(0, 0.4) * office  # editors' logins and wp-admin
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 2) / DAY):
            minutes = slice(start, start + int(rng.uniform(20, 150)))  # a crawl of old URLs
            self.other[minutes] += rng.uniform(0.2, 8)

    def cut(self, end: int) -> Visits:
        """The same visits up to minute ``end``."""
        for attr in ("requests", "entrances", "mobile", "old", "other"):
            setattr(self, attr, getattr(self, attr)[:end])
        return self

    def redirects(self, extra: np.ndarray, canonical: np.ndarray) -> np.ndarray:
        """The rate a minute; ``canonical``: 1 where the canonical redirect works, else 0."""
        return (self.entrances * self.canonical * canonical + self.requests * self.old
                + self.other + extra)


def _redirect_anomalies(rng: np.random.Generator, visits: Visits, onsets: list[int],
                        kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    span = len(visits.requests)
    extra, canonical = np.zeros(span), np.ones(span)
    rate = visits.redirects(extra, canonical)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        before = slice(max(0, onset - 6 * 60), onset)
        usual = rate[before].mean()
        if kinds[i] == "https_redirect_lost" and (
                visits.entrances[before].mean() * visits.canonical < 0.3 * usual):
            kinds[i] = "redirect_loop"  # too few canonical redirects to be missed
        if kinds[i] == "redirect_loop":  # the site (or a section) bouncing to itself
            end = min(later, onset + int(rng.uniform(10, 3 * 60)))
            affected = 1.0 if rng.random() < 0.4 else rng.uniform(0.05, 0.5)
            hops = 20 * rng.uniform(1, 2.5)  # the browser gives up after 20, some retry
            extra[onset:end] += (visits.entrances[onset:end] * affected * hops
                                 + visits.other[onset:end] * hops * 0.5)
        elif kinds[i] == "permalink_change":  # old addresses of every post, fading
            since = np.arange(span - onset)
            fading = np.exp(-since / rng.uniform(DAY, 10 * DAY))
            floor = rng.uniform(0.05, 0.25)  # bookmarks and old backlinks never update
            extra[onset:] += visits.entrances[onset:] * rng.uniform(0.3, 0.9) * (
                floor + (1 - floor) * fading)
            # links in the posts still point to the old addresses until a search-replace
            replaced = onset + int(rng.uniform(3 * 60, 5 * DAY))
            inside = visits.requests[onset:replaced] - visits.entrances[onset:replaced]
            extra[onset:replaced] += inside * rng.uniform(0.1, 0.5)
        elif kinds[i] == "https_redirect_lost":  # a migration dropped the rule
            canonical[onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = 0
        else:  # spam_redirect: search visitors (on phones only, in some) sent to a spam site
            end = min(later, onset + int(rng.uniform(DAY, 7 * DAY)))
            phones = visits.mobile[onset:end] if rng.random() < 0.5 else 1.0
            extra[onset:end] += (visits.entrances[onset:end] * visits.search * phones
                                 * rng.uniform(0.6, 1))  # once a day each (a cookie)
    return extra, canonical


def _redirect_buckets(rng: np.random.Generator, step: int, rows: int
                      ) -> tuple[pd.DatetimeIndex, Visits, bool]:
    """(every minute, the visits, whether empty buckets have no row), over as many days as
    ``rows`` rows take."""
    sparse = rng.random() < 0.5  # a log filter without a default value
    days = rows * step / DAY * 1.3 + 1
    while True:
        grid = day_grid(rng, days, step)
        visits = Visits(rng, grid)
        rate = visits.redirects(np.zeros(len(grid)), np.ones(len(grid)))
        counts = rng.poisson(rate).reshape(-1, step).sum(axis=1)
        shown = np.flatnonzero(counts > 0) if sparse else np.arange(len(counts))
        if len(shown) >= rows:
            end = (shown[rows - 1] + 1) * step
            return grid[:end], visits.cut(end), sparse
        days *= 2


def redirects_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    while True:
        step = int(rng.choice([1, 1, 2, 5, 5]))
        rows = int(rng.integers(*common.ROWS_BY_STEP[step]))
        grid, visits, sparse = _redirect_buckets(rng, step, rows)
        span = len(grid)
        buckets = span // step
        normal = rng.poisson(visits.redirects(np.zeros(span), np.ones(span)))
        keep = np.ones(buckets, bool)
        if sparse:
            keep = normal.reshape(-1, step).sum(axis=1) > 0
        starts = common.spaced_starts(rng, int(keep.sum()),
                                      anomaly_count(rng, common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, REDIRECT_KINDS, once="permalink_change")
        onsets = [int(np.flatnonzero(keep)[s]) * step for s in starts]
        extra, canonical = _redirect_anomalies(rng, visits, onsets, kinds)
        counts = rng.poisson(visits.redirects(extra, canonical)).reshape(-1, step).sum(axis=1)
        keep = counts > 0 if sparse else np.ones(buckets, bool)
        if rng.random() < 0.4:  # the log shipper's buffer overflowed: lines lost
            for _ in range(int(rng.integers(1, 3))):
                lost = int(rng.integers(0, buckets))
                keep[lost:lost + int(rng.uniform(60, 6 * 60) / step)] = False
        stamps = grid[::step].as_unit("ns")
        stamps, values, starts = common.keep_rows(stamps, counts.astype(float), keep,
                                                  [o // step for o in onsets])
        minutes = np.diff(stamps.asi8) / 6e10
        if (2000 <= len(values) <= 16000 and onsets_fit(starts, len(values))
                and 0.9 <= np.median(minutes) <= 15):
            return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- reCAPTCHA v3 scores

COARSE = np.array([0.1, 0.3, 0.7, 0.9])  # the levels a site with little traffic gets
FINE = np.round(np.arange(1, 11) / 10, 1)
# how people and bots score on each level (before a site's own mix)
HUMAN_FINE = np.array([2, 2, 4, 3, 4, 5, 10, 15, 55, 0.5])
BOT_FINE = np.array([50, 15, 20, 5, 4, 2, 3, 0.5, 0.5, 0.1])
HUMAN_COARSE, BOT_COARSE = np.array([3, 7, 30, 60]), np.array([70, 25, 4, 1])


class Verifier:
    """A site's verified actions a minute and how they score: people (the visitors' day and
    week; a share took too long and their token expired: logged as 0), bots (day and night at
    a level that changes from day to day, spam runs of hours), the staff testing the forms."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, per_day: float
                 ) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        bots = rng.uniform(0.05, 0.6)  # of the actions
        load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, DAY))
        self.people = (1 - bots) * per_day / DAY * load
        days = np.repeat(rng.normal(0, rng.uniform(0.2, 0.7), span // DAY + 2), DAY)[:span]
        self.bots = bots * per_day / DAY * np.exp(days + 0.3 * common.wander(rng, span, DAY))
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.5) / DAY):
            self.bots[start:start + int(rng.uniform(20, 4 * 60))] *= rng.uniform(1.5, 4)
        office = (np.asarray(grid.day_of_week) < 5) * daily_cycle(hours, 11, 2)
        self.people += rng.uniform(0, 0.02) * office  # the staff trying the forms
        self.coarse = rng.random() < 0.5
        levels = COARSE if self.coarse else FINE
        human, bot = (HUMAN_COARSE, BOT_COARSE) if self.coarse else (HUMAN_FINE, BOT_FINE)
        self.levels = levels
        self.human_mix = rng.dirichlet(human * rng.uniform(2, 6))
        self.bot_mix = rng.dirichlet(bot * rng.uniform(2, 6))
        self.expired = rng.uniform(0.003, 0.04)
        self.down = np.zeros(span, bool)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.15) / DAY):
            self.down[start:start + int(rng.uniform(30, 4 * 60))] = True  # the site down

    def draw(self, rng: np.random.Generator, rate: np.ndarray, mix: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, scores) of actions arriving at ``rate`` a minute, scored by ``mix``."""
        counts = rng.poisson(np.where(self.down, 0, np.maximum(rate, 0)))
        minutes = np.repeat(np.arange(len(rate)), counts) + rng.random(counts.sum())
        return minutes, rng.choice(self.levels, len(minutes), p=mix)


def _captcha_anomalies(rng: np.random.Generator, verifier: Verifier, people: list,
                       bots: list, onsets: list[float], kinds: list[str]) -> None:
    """Change the people's and bots' (minutes, scores) in place."""
    span = len(verifier.people)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span),
                                  strict=True):
        when, score = people
        if kind == "bot_wave":  # a spam campaign: naive scripts, or real browsers by proxy
            end = min(later, onset + rng.uniform(60, 12 * 60))
            rate = np.zeros(span)
            first, last = int(np.ceil(onset)), int(end)
            usual = (verifier.people + verifier.bots)[max(0, first - DAY):first].mean()
            rate[first:last] = usual * rng.uniform(1.5, 8)
            stealthy = rng.random() < 0.35
            mix = verifier.human_mix if stealthy else verifier.bot_mix
            new_when, new_score = verifier.draw(rng, rate, mix)
            if stealthy:  # good scores, but never the best
                new_score = np.minimum(new_score, verifier.levels[-2])
            bots[0], bots[1] = np.r_[bots[0], new_when], np.r_[bots[1], new_score]
        elif kind == "token_expired":  # the token fetched at page load, not at submit
            end = min(later, onset + rng.uniform(3 * 60, 3 * DAY))
            hit = (when >= onset) & (when < end) & (rng.random(len(when)) < rng.uniform(0.3,
                                                                                        0.8))
            score[hit] = 0.0
        elif kind == "human_score_drift":  # a browser's privacy change: a segment distrusted
            ramp = rng.uniform(DAY / 4, 2 * DAY)
            share = rng.uniform(0.35, 0.8) * np.clip((when - onset) / ramp, 0, 1)
            hit = (when >= onset) & (when < later) & (rng.random(len(when)) < share)
            score[hit] = rng.choice(verifier.levels, int(hit.sum()), p=verifier.bot_mix)
        else:  # form_broken: a script conflict after a deploy, people cannot send the form
            end = min(later, onset + rng.uniform(60, DAY))
            gone = (when >= onset) & (when < end) & (rng.random(len(when)) > rng.uniform(0,
                                                                                       0.15))
            people[0], people[1] = when[~gone], score[~gone]


def _office_rows(minutes: np.ndarray, grid: pd.DatetimeIndex) -> np.ndarray:
    """Rows of ``minutes`` on weekdays from 9 to 17 o'clock (deploys)."""
    at = grid[np.minimum(minutes.astype(int), len(grid) - 1)]
    hours = hour_of_day(at)
    return np.flatnonzero((np.asarray(at.day_of_week) < 5) & (hours >= 9) & (hours < 17))


def _seconds_apart(minutes: np.ndarray, origin: pd.Timestamp) -> pd.DatetimeIndex:
    """Minutes after ``origin`` to the second, one second apart at least."""
    seconds = np.round(minutes * 60).astype(np.int64)
    rank = np.arange(len(seconds))
    seconds = np.maximum.accumulate(seconds - rank) + rank
    return pd.DatetimeIndex(origin + pd.to_timedelta(seconds, unit="s")).as_unit("ns")


def captcha_scores_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    while True:
        per_day = float(np.exp(rng.uniform(np.log(120), np.log(900))))
        rows = int(rng.integers(2100, 15000))
        grid = day_grid(rng, rows / per_day * 1.4 + 1.5)
        verifier = Verifier(rng, grid, per_day)
        people = list(verifier.draw(rng, verifier.people, verifier.human_mix))
        people[1][rng.random(len(people[1])) < verifier.expired] = 0.0
        bots = list(verifier.draw(rng, verifier.bots, verifier.bot_mix))
        normal = np.sort(np.r_[people[0], bots[0]])
        opens = rng.uniform(0.2, 1) * DAY
        shown = normal[normal >= opens][:rows]
        if len(shown) < 2000:
            continue
        starts = common.spaced_starts(rng, len(shown), anomaly_count(rng,
                                                                     common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, CAPTCHA_KINDS, once="human_score_drift")
        office = _office_rows(shown, grid)
        for i, kind in enumerate(kinds):  # deploys and plugin updates in office hours
            if kind in ("form_broken", "token_expired"):
                near = office[np.abs(office - starts[i]).argmin()] if len(office) else -1
                if abs(near - starts[i]) < 0.02 * len(shown) and near not in starts:
                    starts[i] = int(near)
                else:
                    kinds[i] = "bot_wave"
        order = np.argsort(starts)
        starts, kinds = [starts[j] for j in order], [kinds[j] for j in order]
        onsets = [float(shown[s]) - 1e-6 for s in starts]
        _captcha_anomalies(rng, verifier, people, bots, onsets, kinds)
        when, score = np.r_[people[0], bots[0]], np.r_[people[1], bots[1]]
        order = np.argsort(when, kind="stable")
        when, score = when[order], score[order]
        inside = (when >= opens) & (when <= shown[-1])
        when, score = when[inside], score[inside]
        starts = [int(np.searchsorted(when, onset)) for onset in onsets]
        steps = np.diff(when)
        if (2000 <= len(when) <= 16000 and onsets_fit(starts, len(when))
                and 0.8 <= np.median(steps) <= 15):
            return SyntheticSeries(name, _seconds_apart(when, grid[0]), np.round(score, 1),
                                   starts, kinds)
