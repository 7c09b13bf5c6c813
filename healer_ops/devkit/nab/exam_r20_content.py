"""``synthUploadSizes`` and ``synthZeroResultSearches`` of the twentieth exam families
(``exam_families_r20``): what editors put into a site and what visitors look for in it. An
upload's row is stamped at its second and holds the size WordPress stored (a phone photo scaled
to 2560 pixels and, on some networks, squeezed by an optimizer; a PDF or a video as sent), so
its rows come in editors' hours, galleries and nightly imports, and a change shows in the mix of
sizes. The share of site searches that found nothing is a ratio of small counts per dashboard
window (no row where nobody searched), made of visitors' typos and bots' gibberish."""

from __future__ import annotations

import math

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


def labels_fit(rows: int, starts: list[int]) -> bool:
    """A file of 2,000 to 16,000 rows whose onsets are after NAB's probation, in order, with
    NAB windows that stay apart (files that add or drop rows around their onsets are checked
    after, and drawn again where this fails)."""
    if not 2000 <= rows <= 16000 or starts != sorted(set(starts)):
        return False
    if any(not math.ceil(0.15 * rows) <= row < rows for row in starts):
        return False
    windows = label_windows(rows, starts)
    return all(last < following for (_, last), (following, _) in zip(windows, windows[1:],
                                                                       strict=False))


def unique_seconds(start: pd.Timestamp, minutes: np.ndarray) -> pd.DatetimeIndex:
    """Stamps to the second of sorted event times, one a second (a collision moves on)."""
    seconds = np.floor(minutes * 60).astype(np.int64)
    order = np.arange(len(seconds))
    seconds = np.maximum.accumulate(seconds - order) + order
    return pd.DatetimeIndex(start + pd.to_timedelta(seconds, unit="s")).as_unit("ns")


# ---------------------------------------------------------------- media upload sizes

UPLOAD_LIMITS_MB = (32, 64, 64, 128, 256, 512)  # upload_max_filesize a host sets
DEFAULT_LIMITS_MB = (2.0, 2.0, 1.0)  # PHP's own default, nginx's client_max_body_size
PHOTO, WEB_IMAGE, DOCUMENT, VIDEO, AUDIO, ICON = range(6)
MOST_ADDED = 0.2  # rows an anomaly may add, as a share of the file's normal rows


class Uploads:
    """A network's uploads: editors in their office hours (one to three time zones, a few at
    weekends), what they send (phone and camera photos, web images and screenshots, PDFs, some
    video and audio, icons), what WordPress keeps of a photo (scaled to 2560 pixels where the
    big-image threshold is on, squeezed further where an optimizer plugin is), the upload
    limit, galleries sent at once, and a nightly import of product images on some networks."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        weekday = np.asarray(grid.day_of_week) < 5
        peak = rng.uniform(10, 15)
        zones = rng.uniform(-5, 5, int(rng.integers(1, 4))) * (rng.random() < 0.5)
        office = np.mean([daily_cycle(hours, peak + zone, rng.uniform(2, 3.5))
                          for zone in zones], axis=0)
        desk = (office * np.where(weekday, 1, rng.uniform(0.05, 0.3))
                + rng.uniform(0.002, 0.03)) * np.exp(0.3 * common.wander(rng, span, 3 * DAY))
        self.desk = desk / desk.mean()
        self.per_day = float(np.exp(rng.uniform(np.log(40), np.log(220))))  # single uploads
        self.mix = rng.dirichlet([6, 4, 2, 0.3, 0.2, 0.5])
        self.camera = rng.uniform(2, 6)  # MB: the median photo as the phone or camera sends it
        self.scaled = rng.uniform(0.25, 0.5) if rng.random() < 0.85 else 1.0
        self.optimizer = rng.random() < 0.6
        self.squeeze = rng.uniform(0.15, 0.4) if self.optimizer else 1.0
        self.limit = float(rng.choice(UPLOAD_LIMITS_MB))
        self.galleries = self.per_day * rng.uniform(0, 0.2) / 30  # a day, ~30 photos each
        self.imports = rng.random() < 0.4
        self.import_hour = rng.uniform(0, 6)
        self.import_size = rng.uniform(0.08, 0.6)  # MB: a supplier's product image
        self.import_count = self.per_day * rng.uniform(0.05, 0.25)

    def originals(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(MB sent, kind) of ``n`` single uploads."""
        kind = rng.choice(6, n, p=self.mix)
        median = np.array([self.camera, 0.25, 0.6, 40, 30, 0.01])[kind]
        spread = np.array([0.35, 0.8, 1.0, 1.0, 0.5, 0.7])[kind]
        return median * rng.lognormal(0, spread, n), kind

    def stored(self, original: np.ndarray, kind: np.ndarray, squeezed: np.ndarray
               ) -> np.ndarray:
        """MB WordPress keeps: photos scaled (and squeezed where ``squeezed``), web images
        squeezed a little, the rest as sent."""
        photo = original * self.scaled * np.where(squeezed, self.squeeze, 1.0)
        web = original * np.where(squeezed, np.sqrt(self.squeeze), 1.0)
        return np.where(kind == PHOTO, photo, np.where(kind == WEB_IMAGE, web, original))


def _batch(rng: np.random.Generator, start: float, sizes: np.ndarray, seconds: tuple[float, float]
           ) -> np.ndarray:
    """Times of a batch sent one after another, ``seconds`` apart plus the sending."""
    gaps = rng.uniform(*seconds, len(sizes)) + sizes / rng.uniform(1, 10)
    return start + np.cumsum(gaps) / 60


def _normal_uploads(rng: np.random.Generator, up: Uploads, grid: pd.DatetimeIndex
                    ) -> dict[str, np.ndarray]:
    span = len(grid)
    count = rng.poisson(up.per_day / DAY * up.desk)
    times = [np.repeat(np.arange(span), count) + rng.random(count.sum())]
    original, kind = up.originals(rng, int(count.sum()))
    originals, kinds = [original], [kind]
    for start in np.flatnonzero(rng.random(span) < up.galleries / DAY * up.desk):
        photos = up.camera * rng.lognormal(0, 0.3) * rng.lognormal(0, 0.12, rng.integers(5, 60))
        times.append(_batch(rng, start, photos, (1, 4)))
        originals.append(photos)
        kinds.append(np.full(len(photos), PHOTO))
    if up.imports:
        for start in common.daily_rows(grid, up.import_hour):
            images = up.import_size * rng.lognormal(0, 0.5, int(up.import_count
                                                               * rng.uniform(0.5, 1.5)))
            times.append(_batch(rng, start, images, (2, 15)))
            originals.append(images)
            kinds.append(np.full(len(images), WEB_IMAGE))
    events = {"time": np.concatenate(times), "original": np.concatenate(originals),
              "kind": np.concatenate(kinds)}
    events["kind"][events["original"] > up.limit] = -1  # refused: no row
    keep = (events["kind"] >= 0) & (events["time"] < span)
    order = np.argsort(events["time"][keep], kind="stable")
    return {key: value[keep][order] for key, value in events.items()}


def _upload_fits(kind: str, up: Uploads, before: dict[str, np.ndarray], low_limit: float
                 ) -> str:
    """The kind, or one that would show where it would not (see ``_upload_anomalies``)."""
    if kind == "compression_quota_out" and (not up.optimizer or np.mean(
            before["kind"] == PHOTO) < 0.15):
        kind = "upload_limit_lowered"
    if kind == "upload_limit_lowered" and np.mean(before["original"] > low_limit) < 0.15:
        kind = "bot_uploads"
    return kind


def _upload_anomalies(rng: np.random.Generator, up: Uploads, ev: dict[str, np.ndarray],
                      onsets: list[float], kinds: list[str]) -> dict[str, np.ndarray]:
    """``ev`` with the anomalies: refused uploads dropped, stored sizes changed, the bots' and
    a looping import's uploads added (a ``"stored"`` array, ``"added"`` flags)."""
    last = float(ev["time"][-1])
    keep = np.ones(len(ev["time"]), bool)
    squeezed = np.full(len(keep), up.optimizer)
    added_times, added_sizes = [np.empty(0)], [np.empty(0)]
    room = MOST_ADDED * len(keep)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, last),
                                           strict=True)):
        in_day = (ev["time"] >= onset - DAY) & (ev["time"] < onset)
        low_limit = float(rng.choice(DEFAULT_LIMITS_MB))
        kinds[i] = _upload_fits(kinds[i], up, {k: v[in_day] for k, v in ev.items()}, low_limit)
        end = min(later, onset + rng.uniform(2 * 60, 3 * DAY))
        inside = (ev["time"] >= onset) & (ev["time"] < end)
        if kinds[i] == "upload_limit_lowered":  # a PHP update back to its 2 MB default
            keep &= ~(inside & (ev["original"] > low_limit))
        elif kinds[i] == "compression_quota_out":  # the optimizer's monthly quota used up
            squeezed[inside] = False
        elif kinds[i] == "bot_uploads":  # an unauthenticated upload hole: one payload again
            period = rng.uniform(0.5, 15)
            n = int(min((end - onset) / period, room / 2) + 10)
            times = onset + np.r_[0, np.cumsum(period * rng.uniform(0.7, 1.3, n - 1))]
            payloads = np.exp(rng.uniform(np.log(0.002), np.log(0.5), int(rng.integers(1, 4))))
            added_times.append(times[times < later])
            added_sizes.append(rng.choice(payloads, n)[times < later])
        else:  # import_loop: a product import that lost its lock, sideloading its list again
            images = up.import_size * rng.lognormal(0, 0.5, int(rng.integers(10, 120)))
            images *= np.sqrt(up.squeeze)
            run = _batch(rng, 0.0, images, (2, 10))
            every = max(rng.uniform(5, 60), run[-1] + 1)
            runs = int(min((end - onset) / every, room / len(images)) + 1)
            times = (onset + np.arange(runs)[:, None] * every + run).ravel()
            added_times.append(times[times < later])
            added_sizes.append(np.tile(images, runs)[times < later])
    stored = up.stored(ev["original"], ev["kind"], squeezed)
    times = np.r_[ev["time"][keep], np.concatenate(added_times)]
    sizes = np.r_[stored[keep], np.concatenate(added_sizes)]
    order = np.argsort(times, kind="stable")
    inside = times[order] <= last
    return {"time": times[order][inside], "stored": sizes[order][inside]}


def upload_sizes_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
    while True:  # drawn again until its onsets keep NAB's windows apart
        rows = int(rng.integers(2400, 9000))
        up, days = None, 14
        while True:
            grid = pd.date_range(start, periods=days * DAY, freq="min")
            up = Uploads(rng, grid)
            normal = _normal_uploads(rng, up, grid)
            if len(normal["time"]) > rows:
                break
            days *= 2
        normal = {key: value[:rows] for key, value in normal.items()}
        starts = common.spaced_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, ("upload_limit_lowered", "compression_quota_out",
                                           "bot_uploads", "import_loop"))
        onsets = [float(normal["time"][row]) for row in starts]
        events = _upload_anomalies(rng, up, normal, onsets, kinds)
        rows_at = [int(np.searchsorted(events["time"], onset)) for onset in onsets]
        steps = np.diff(np.floor(events["time"] * 60)) / 60
        if labels_fit(len(events["time"]), rows_at) and 0.85 <= np.median(steps) <= 15:
            break
    stamps = unique_seconds(start, events["time"])
    if name.startswith("attachment_filesize_kb"):
        values = np.ceil(events["stored"] * 1024)
    else:
        values = np.round(np.maximum(events["stored"], 0.001), 3)
    return SyntheticSeries(name, stamps, values, rows_at, kinds)


# ---------------------------------------------------------------- searches without results

SEARCH_ROWS = {5: (2500, 9000), 10: (2200, 5000), 15: (2000, 3300)}


class Searches:
    """Searches a minute and the chance each finds nothing: visitors (the site's day, more
    typos on phones in the evening, a newsletter's readers searching its terms, a catalogue
    that changes slowly), bots (gibberish and spam strings day and night at a level of their
    own each day, crawlers following links to search pages for hours), the search plugin's
    nightly reindex on some sites (results missing until it is done), the analytics pipeline
    down for hours now and then (no counts)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, level: float) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        surge = decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.3)), span, (0.5, 4),
                         (60, 600))
        self.humans = level * load * (1 + surge)
        typos = 1 + rng.uniform(0, 0.4) * daily_cycle(hours, 21, 2.5)
        newsletter = 1 + rng.uniform(-0.3, 0.5) * surge / (1 + surge)
        self.p_human = np.clip(rng.uniform(0.05, 0.35) * typos * newsletter * np.exp(
            0.15 * common.wander(rng, span, 3 * DAY)), 0.01, 0.9)
        days = np.repeat(rng.normal(0, 0.5, span // DAY + 2), DAY)[:span]
        self.bots = (level * rng.uniform(0, 0.15) + np.exp(rng.uniform(np.log(0.002),
                                                                       np.log(0.1)))) * np.exp(days)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 1) / DAY):
            self.bots[start:start + int(rng.uniform(20, 240))] += rng.uniform(0.2, 3)
        self.p_bot = np.full(span, rng.uniform(0.5, 0.95))
        self.indexed = np.ones(span)  # the share of the content in the index
        if rng.random() < 0.5:  # rebuilt in place every night
            for start in common.daily_rows(grid, rng.uniform(1, 5)):
                length = len(self.indexed[start:start + int(rng.uniform(5, 40))])
                self.indexed[start:start + length] = np.linspace(0, 1, length)
        self.up = np.ones(span, bool)
        if rng.random() < 0.3:
            lost = int(rng.integers(0, span))
            self.up[lost:lost + int(rng.uniform(60, 8 * 60))] = False
        self.spam = np.zeros(span)
        self.p_spam = rng.uniform(0.85, 1.0)


def _search_windows(rng: np.random.Generator, window: int, rows: int, least: int
                    ) -> tuple[pd.DatetimeIndex, Searches, np.ndarray, np.ndarray]:
    """(every minute, the searches, visitors' and bots' searches a minute), over as many days
    as ``rows`` windows with ``least`` searches take."""
    level = float(np.exp(rng.uniform(np.log(0.05), np.log(20))))  # visitors' a minute, mean
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, window))
    days = rows * window / DAY * 2
    while True:
        grid = pd.date_range(start, periods=int(days * DAY) // window * window, freq="min")
        searches = Searches(rng, grid, level)
        humans = rng.poisson(searches.humans) * searches.up
        bots = rng.poisson(searches.bots) * searches.up
        shown = np.flatnonzero((humans + bots).reshape(-1, window).sum(axis=1) >= least)
        if len(shown) >= rows:
            end = (shown[rows - 1] + 1) * window
            for name in ("humans", "p_human", "bots", "p_bot", "indexed", "up", "spam"):
                setattr(searches, name, getattr(searches, name)[:end])
            return grid[:end], searches, humans[:end], bots[:end]
        days *= 2


def _search_anomalies(rng: np.random.Generator, s: Searches, humans: np.ndarray,
                      bots: np.ndarray, onsets: list[int], kinds: list[str]) -> None:
    span = len(humans)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        day = slice(max(0, onset - DAY), onset)
        searched = humans[day].sum() + bots[day].sum()
        if kinds[i] == "stemming_lost" and bots[day].sum() > 0.5 * searched:
            kinds[i] = "index_emptied"  # the visitors' change drowned in the bots' gibberish
        if kinds[i] == "match_everything" and s.p_human[day].mean() < 0.05:
            kinds[i] = "index_emptied"  # too few empty results to lose
        if kinds[i] == "index_emptied":  # a failed reindex left it empty, then a rebuild
            end = min(later, onset + int(rng.uniform(30, 2 * DAY)))
            s.indexed[onset:end] = rng.uniform(0, 0.07)
            rebuild = len(s.indexed[end:min(later, end + int(rng.uniform(10, 60)))])
            s.indexed[end:end + rebuild] = np.linspace(s.indexed[end - 1], 1, rebuild)
        elif kinds[i] == "search_spam":  # spam strings searched to get result pages indexed
            end = min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))
            s.spam[onset:end] = rng.uniform(2, 40) * max(float(np.mean(s.humans)), 0.3)
        elif kinds[i] == "stemming_lost":  # an update reset the plugin's stemming, synonyms
            end = min(later, onset + int(rng.uniform(DAY, 5 * DAY)))
            s.p_human[onset:end] = np.minimum(s.p_human[onset:end] * rng.uniform(1.6, 3), 0.95)
        else:  # match_everything: an update matches any word of a query, stopwords too
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            s.p_human[onset:end] *= rng.uniform(0, 0.1)
            s.p_bot[onset:end] *= rng.uniform(0, 0.3)


def zero_result_searches_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    window = int(rng.choice([5, 5, 10, 15]))
    least = int(rng.choice([1, 1, 3, 5]))  # searches a window needs for a row
    while True:  # drawn again until its onsets keep NAB's windows apart
        rows = int(rng.integers(*SEARCH_ROWS[window]))
        grid, searches, humans, bots = _search_windows(rng, window, rows, least)
        shown = np.flatnonzero((humans + bots).reshape(-1, window).sum(axis=1) >= least)
        starts = common.spaced_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, ("index_emptied", "search_spam", "stemming_lost",
                                           "match_everything"))
        onsets = [int(shown[row] * window) for row in starts]
        _search_anomalies(rng, searches, humans, bots, onsets, kinds)
        spam = rng.poisson(searches.spam) * searches.up
        empty_human = rng.binomial(humans, 1 - searches.indexed * (1 - searches.p_human))
        empty_bot = rng.binomial(bots, 1 - searches.indexed * (1 - searches.p_bot))
        empty_spam = rng.binomial(spam, searches.p_spam)
        total = (humans + bots + spam).reshape(-1, window).sum(axis=1)
        empty = (empty_human + empty_bot + empty_spam).reshape(-1, window).sum(axis=1)
        shown = np.flatnonzero(total >= least)
        rows_at = [int(np.searchsorted(shown, onset // window)) for onset in onsets]
        if labels_fit(len(shown), rows_at) and np.median(np.diff(shown)) == 1:
            break  # (a site so quiet that most windows have no row is drawn again too)
    share = empty[shown] / total[shown]
    stamps = grid[shown * window].as_unit("ns")
    in_percent = name.startswith("search_zero_results_pct")
    values = np.round(100 * share, 2) if in_percent else np.round(share, 4)
    return SyntheticSeries(name, stamps, values, rows_at, kinds)
