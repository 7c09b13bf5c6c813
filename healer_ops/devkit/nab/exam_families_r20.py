"""Twentieth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these WordPress hosting metrics behave in
production, without reading the detection engine and without scoring anything on them: their
held-out figures estimate how the engine does on kinds of data it was not built on. Each family
puts the oddities that are normal for its kind into the normal data too, so a detector is
rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a count of files changed that is
nothing most of the time and thousands at once when a plugin update lands (in waves, as each
site of a fleet reaches its twice-daily update check), a row for each upload stamped at its
second whose value is the size of whatever an editor sent, a ratio of small counts per window
that only exists where somebody searched, and a percentile of requests' memory that moves in
PHP's 2 MB chunks and is set by whichever requests a window happened to hold.

- ``synthFileChanges``: files created, modified or deleted under the sites' document roots as
  a file-integrity monitor counts them: an inotify agent's count per 1-5 minute bucket, or a
  scheduled scan every 5-15 minutes (a file changed twice between scans counts once); over a
  single site or a server of up to 40, code only or the whole root (uploads, backups, logs).
  Normal: plugin, theme and language-pack updates (each release reaching every site that has
  it at the site's next twice-daily update check, or by hand in office hours days later: the
  plugin's files, deleted and written again), an agency's deploys, plugins regenerating
  sitemaps or combined assets every hour, editors' uploads (each image with its thumbnails and
  WebP copies), backup archives written into wp-content at night and the previous set deleted,
  log files appended with the visitors. Anomalies: malware injected into every writable PHP
  file within minutes (its cron job re-touching them for hours after, in most), SEO spam files
  generated at a steady rate day and night (hours to days), the monitor's exclusions lost
  (the page cache's writes counted with the visitors, hours to days), the monitor blind (the
  inotify watch limit reached: nothing counted for hours to days, routine changes included).
- ``synthUploadSizes``: each media upload over a multisite network, a row at its second, the
  size WordPress stored in MB (thousandths) or KB (``exam_r20_content``). Normal: editors'
  hours in one to three time zones, few at weekends; photos scaled by the big-image threshold
  (and squeezed by an optimizer on some networks), web images, PDFs, now and then a video or
  podcast; galleries of similar photos seconds apart; a nightly import of product images on
  some networks; uploads over the host's limit refused (no row). Anomalies: the upload limit
  back at a default of 1-2 MB after a PHP or nginx update (the big uploads gone, hours to
  days), the optimizer's quota used up (photos stored as big as scaled, hours to days), bots
  using an upload hole (one to three payload sizes again and again, day and night), an import
  looping (its list of images sideloaded again every run).
- ``synthZeroResultSearches``: the share of site searches that found nothing, per 5-15 minute
  window of a search plugin's log, in percent or as a fraction; a window with fewer searches
  than the dashboard's minimum has no row, so small sites have no night
  (``exam_r20_content``). Normal: visitors' typos (more on phones in the evening), a
  newsletter's readers searching its terms, bots' gibberish day and night (a level of their own
  each day, crawlers following spam links to search pages for hours), the nightly reindex on
  some sites (nothing found until it is done), the analytics down for hours now and then.
  Anomalies: the index emptied (a failed reindex: nearly every search fails until a rebuild,
  half an hour to two days), search spam (bots searching spam strings by the thousand so the
  result pages get indexed, hours to days), stemming and synonyms lost (an update resetting the
  plugin's settings: more of the visitors' searches fail, days), every word matching (an
  update ORing a query's words, stopwords included: nearly nothing fails, hours to days).
- ``synthPhpMemoryPeak``: the 95th percentile, or the maximum, of PHP requests' peak memory
  (memory_get_peak_usage) per 1-5 minute window, in MB or bytes; in 2 MB steps where the real
  (chunked) usage is reported. Normal: page-cache misses (lighter pages and heavier archives
  or shop pages), checkouts, editors' admin pages and heartbeats in office hours, health checks
  on a tiny status script, cron (a heavy job at a fixed minute each hour, a backup resuming
  every few minutes at night on some sites; in quiet windows they set the percentile), deploys
  and updates moving the baseline a little for good, scripts compiled after a deploy. Anomalies:
  an autoloaded option bloating (every request heavier by the hour until requests die at
  memory_limit, or it is cleaned), admin code loaded on the front end by an update (hours to
  days), a runaway cron job dying at the limit at every run (hours to days), maintenance mode
  stuck (a failed update's .maintenance file: every request stops at once, minutes to hours).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r20_content import (
    upload_sizes_series,
    zero_result_searches_series,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R20 = ("synthFileChanges", "synthUploadSizes", "synthZeroResultSearches",
                     "synthPhpMemoryPeak")
FILES_PER_FAMILY = {"synthFileChanges": 9, "synthUploadSizes": 8,
                    "synthZeroResultSearches": 9, "synthPhpMemoryPeak": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthFileChanges": frozenset({"malware_injection", "seo_spam_files", "exclusion_lost",
                                   "monitor_blind"}),
    "synthUploadSizes": frozenset({"upload_limit_lowered", "compression_quota_out",
                                   "bot_uploads", "import_loop"}),
    "synthZeroResultSearches": frozenset({"index_emptied", "search_spam", "stemming_lost",
                                          "match_everything"}),
    "synthPhpMemoryPeak": frozenset({"autoload_bloat", "frontend_regression", "runaway_cron",
                                     "maintenance_stuck"}),
}
# Uploads are stamped as they come: nights and Poisson spacing give every file gaps of more
# than ten steps, so the shared check's "some files have holes" does not apply to them.
FAMILIES_WITHOUT_HOLES = ("synthUploadSizes",)
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY
TWICE_DAILY = DAY // 2  # WordPress checks for updates every 12 hours

# ---------------------------------------------------------------- files changed


def next_office_minute(grid: pd.DatetimeIndex) -> np.ndarray:
    """For each minute, the first minute at or after it in office hours (weekdays 9-18), or
    the grid's length where none follows."""
    hours = hour_of_day(grid)
    office = np.flatnonzero((np.asarray(grid.day_of_week) < 5) & (hours >= 9) & (hours < 18))
    return np.r_[office, len(grid)][np.searchsorted(office, np.arange(len(grid)))]


def spread_writes(writes: np.ndarray, at: np.ndarray, files: np.ndarray) -> None:
    """Add ``files`` written from minutes ``at`` (big sets over two or three minutes)."""
    span = len(writes)
    inside = (at >= 0) & (at < span)
    at, files = at[inside].astype(int), files[inside]
    minutes = 1 + (files > 300) + (files > 1500)
    for k in range(3):
        np.add.at(writes, np.minimum(at + k, span - 1), np.where(k < minutes, files / minutes,
                                                                 0))


def _updates(rng: np.random.Generator, grid: pd.DatetimeIndex, sites: int) -> np.ndarray:
    """Files a minute of plugin, theme and language-pack updates: each release applied by
    the sites that auto-update it at their next twice-daily check (WP-cron waiting for a
    visit), by hand in office hours days later on most of the others."""
    span = len(grid)
    writes = np.zeros(span)
    office = next_office_minute(grid)
    phase = rng.uniform(0, TWICE_DAILY, sites)
    auto_share = rng.uniform(0.1, 0.9)
    for _ in range(int(rng.integers(8, 40) if sites == 1 else rng.integers(20, 80))):
        pack = rng.random() < 0.3  # a language pack: a few files, often
        files = rng.integers(1, 8) if pack else np.clip(rng.lognormal(np.log(120), 1.2), 2, 6000)
        every = (rng.uniform(2, 10) if pack else rng.uniform(7, 45)) * DAY
        installed = rng.random(sites) < (1.0 if sites == 1 else rng.uniform(0.05, 1))
        auto = installed & (rng.random(sites) < auto_share)
        by_hand = installed & ~auto & (rng.random(sites) < 0.7)
        releases = -rng.uniform(0, every) + np.cumsum(rng.exponential(every,
                                                                      int(3 * span / every) + 5))
        for release in releases[releases < span]:
            checks = phase[auto] + TWICE_DAILY * np.ceil((release - phase[auto]) / TWICE_DAILY)
            checks += rng.exponential(rng.uniform(1, 30), len(checks))
            later = release + rng.exponential(2 * DAY, by_hand.sum())
            later = later[(later >= 0) & (later < span)]
            later = office[later.astype(int)] + rng.uniform(0, 60, len(later))
            at = np.r_[checks, later]
            spread_writes(writes, at, files * rng.uniform(1, 2, len(at)))
    return writes


def _routine(rng: np.random.Generator, grid: pd.DatetimeIndex, load: np.ndarray, sites: int,
             whole_root: bool) -> tuple[np.ndarray, np.ndarray]:
    """(files a minute, which log files are written each minute): deploys, hourly
    regenerated files, and in whole-root monitors uploads, nightly backups and logs."""
    span = len(grid)
    writes = np.zeros(span)
    if rng.random() < 0.4:  # an agency's deploys
        deploys = office_hour_rows(rng, grid, rng.uniform(0.1, 2))
        spread_writes(writes, deploys, np.ceil(rng.lognormal(np.log(20), 1.2, len(deploys))))
    regenerating = rng.binomial(sites, rng.uniform(0, 0.5)) if sites > 1 else rng.random() < 0.5
    for _ in range(int(regenerating)):  # sitemaps, combined CSS and JS
        writes[np.asarray(grid.minute) == rng.integers(0, 60)] += rng.integers(1, 15)
    if whole_root:
        uploads = office_hour_rows(rng, grid, sites * rng.uniform(0.2, 3))
        np.add.at(writes, uploads, rng.integers(4, 13, len(uploads)) * rng.choice(
            [1, 2], len(uploads)))  # an image, its thumbnails, their WebP copies
        for _ in range(rng.binomial(sites, 0.4)):  # a backup plugin's archives in wp-content
            parts, length = int(rng.integers(2, 30)), int(rng.uniform(5, 60))
            for start in common.daily_rows(grid, rng.uniform(0, 6)):
                spread_writes(writes, start + np.arange(parts) * length // parts,
                              np.ones(parts))
                writes[min(start + length, span - 1)] += parts  # the oldest set deleted
    logs = int(rng.integers(0, 3)) + (int(rng.integers(0, 3)) if whole_root else 0) + (sites > 5)
    rates = np.exp(rng.uniform(np.log(0.03), np.log(5), (logs, 1)))
    return writes, rng.random((logs, span)) < 1 - np.exp(-rates * load)


def files_per_row(writes: np.ndarray, logs: np.ndarray, at: np.ndarray, step: int
                  ) -> np.ndarray:
    """Files changed in each row's bucket (``step`` minutes to the row's minute): a log file
    written in many of its minutes counts once."""
    total = np.r_[0, np.cumsum(np.round(writes))]
    values = total[at + 1] - total[at + 1 - step]
    for written in logs:
        times = np.r_[0, np.cumsum(written)]
        values = values + (times[at + 1] - times[at + 1 - step] > 0)
    return values


def _file_anomalies(rng: np.random.Generator, writes: np.ndarray, load: np.ndarray,
                    sites: int, usual: list[float], onsets: list[int], kinds: list[str]
                    ) -> np.ndarray:
    """Adds the anomalies' files to ``writes``; returns the minutes the monitor is blind.
    ``usual``: files a minute the monitor counted in the day before each onset."""
    span = len(writes)
    blind = np.zeros(span, bool)
    for onset, kind, later, before in zip(onsets, kinds, common.next_onsets(onsets, span),
                                          usual, strict=True):
        end = min(later, onset + int(rng.uniform(3 * 60, 3 * DAY)))
        if kind == "monitor_blind":  # the inotify watch limit reached
            blind[onset:end] = True
        elif kind == "malware_injection":  # every writable PHP file, within minutes
            infected = sites * rng.uniform(2000, 15000) * rng.uniform(0.2, 1)
            minutes = int(rng.integers(2, 30))
            writes[onset:onset + minutes] += infected / minutes
            if rng.random() < 0.6:  # its cron job re-touching .htaccess and index.php files
                every = rng.uniform(10, 120)
                runs = onset + np.arange(every, min(later, onset + rng.uniform(2 * 60, 2 * DAY))
                                         - onset, every).astype(int)
                writes[runs] += rng.uniform(0.01, 0.2) * infected * rng.uniform(0.8, 1.2,
                                                                                len(runs))
        elif kind == "seo_spam_files":  # spam pages written by a script, day and night
            period = int(rng.choice([1, 1, 5, 10, 15]))
            ticks = np.arange(onset, end, period)
            writes[ticks] += rng.poisson(rng.uniform(0.3, 30) * period, len(ticks))
        else:  # exclusion_lost: the page cache's files counted as visitors miss the cache
            pages = max(np.exp(rng.uniform(np.log(0.2), np.log(20))) * sites ** 0.7,
                        3 * before + 1)
            writes[onset:end] += rng.poisson(pages * rng.uniform(1, 3) * load[onset:end])
    return blind


def file_changes_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    scans = name.startswith("integrity_scan_changes")
    step = int(rng.choice([5, 10, 15] if scans else [1, 2, 5, 5]))
    stamps, at, grid = minute_grid(rng, step)
    sites = 1 if rng.random() < 0.4 else int(rng.integers(2, 40))
    whole_root = rng.random() < 0.5
    load = common.traffic(grid, rng)
    writes = _updates(rng, grid, sites)
    routine, logs = _routine(rng, grid, load, sites, whole_root)
    writes += routine
    normal = files_per_row(writes, logs, at, step)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("malware_injection", "seo_spam_files", "exclusion_lost",
                                       "monitor_blind"))
    onsets = [int(at[row]) for row in starts]
    usual = []
    for i, onset in enumerate(onsets):
        day = normal[(at >= onset - DAY) & (at < onset)]
        usual.append(float(np.median(day)) / step if len(day) else 0.0)
        hours = normal[(at >= onset - 6 * 60) & (at < onset)]
        if kinds[i] == "monitor_blind" and (len(hours) == 0 or np.mean(hours > 0) < 0.3):
            kinds[i] = "malware_injection"  # too little counted to be missed
    blind = _file_anomalies(rng, writes, load, sites, usual, onsets, kinds)
    writes[blind] = 0
    logs[:, blind] = False
    return SyntheticSeries(name, stamps, files_per_row(writes, logs, at, step), starts, kinds)


# ---------------------------------------------------------------- PHP requests' peak memory

MEMORY_LIMITS = (128, 256, 256, 512)  # MB: memory_limit
SAMPLED = 150  # requests a row's percentile is taken from, at most
CHUNK = 2.0  # MB: the Zend allocator's chunk, the step of the real usage
# request classes: page-cache misses (light and heavy pages), checkouts, admin pages,
# heartbeats, cron runs, health checks on a tiny status script
CLASSES = ("light", "heavy", "checkout", "admin", "ajax", "cron", "health")
SPREAD = np.array([0.08, 0.15, 0.15, 0.25, 0.1, 0.05, 0.02])


class Requests:
    """PHP requests a minute by class and what each class weighs (MB): a baseline moved a
    little by updates and deploys for good, the extra of heavy pages, checkouts, admin pages
    and heartbeats, scripts compiled after a deploy, cron's jobs."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        weekday = np.asarray(grid.day_of_week) < 5
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))  # a newsletter, a sale
        self.load = load
        misses = float(np.exp(rng.uniform(np.log(0.3), np.log(300)))) * load
        heavy = rng.uniform(0.1, 0.4)
        editors = rng.uniform(0, 3) * daily_cycle(hours, rng.uniform(11, 15), 3) * weekday
        shop = rng.uniform(0.02, 0.1) if rng.random() < 0.4 else 0.0
        health = float(rng.choice([0, 0, 1, 2, 6]))
        if health or rng.random() < 0.5:  # WP-cron: at most a run a minute, with a visit
            cron = (rng.random(span) < 1 - np.exp(-misses)).astype(float)
        else:  # a system cron every minute
            cron = (rng.random(span) > 0.005).astype(float)
        self.rates = np.stack([misses * (1 - heavy), misses * heavy, misses * shop, editors,
                               editors * rng.uniform(1, 4), cron, np.full(span, health)])
        changes = np.zeros(span)
        deploys = office_hour_rows(rng, grid, rng.uniform(0.1, 1))
        nights = common.daily_rows(grid, rng.uniform(0, 6))
        for change in np.r_[deploys, nights[rng.random(len(nights)) < 0.3]].astype(int):
            changes[change] += rng.normal(0, 0.06)
        self.base = rng.uniform(12, 60) * np.exp(np.cumsum(changes))
        self.extra = np.array([0, self.base[0] * rng.uniform(0.1, 0.6), rng.uniform(6, 30),
                               rng.uniform(10, 60), rng.uniform(2, 8), rng.uniform(1, 5), 0])
        self.compile = np.zeros(span)
        for deploy in deploys:
            self.compile[deploy:deploy + int(rng.integers(1, 4))] = rng.uniform(5, 20)
        self.job = np.zeros(span)  # cron's extra MB
        if rng.random() < 0.6:  # an hourly job: feeds, sitemaps, a sync
            hourly = np.flatnonzero(np.asarray(grid.minute) == rng.integers(0, 60))
            self.job[hourly] = rng.uniform(20, 150)
        if rng.random() < 0.6:  # a backup plugin resuming every few minutes at night
            every, length = int(rng.integers(3, 9)), int(rng.uniform(10, 90))
            size = rng.uniform(50, 300)
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.job[start:start + length:every] = size * rng.uniform(0.8, 1.2)
        self.rates[5][self.job > 0] = 1  # the jobs' runs are cron runs
        self.health_mb = rng.uniform(0.5, 4)
        heaviest = self.base.max() + max(self.extra.max(), self.job.max())
        self.limit = float(min([m for m in MEMORY_LIMITS if m >= 1.8 * heaviest],
                               default=MEMORY_LIMITS[-1]))

    def weights(self, bloat: np.ndarray, regression: np.ndarray, runaway: np.ndarray,
                maintenance: np.ndarray, maintenance_mb: float) -> np.ndarray:
        """MB a request of each class weighs, a minute (classes by rows)."""
        wp = self.base + bloat
        front = wp + regression + self.compile
        mean = np.stack([front, front + self.extra[1], front + self.extra[2],
                         wp + self.extra[3], wp + self.extra[4], wp + self.extra[5] + self.job,
                         np.full(len(wp), self.health_mb)])
        mean[5] = np.where(runaway, self.limit, mean[5])
        mean[:6, maintenance] = maintenance_mb
        return np.minimum(mean, self.limit)


def _memory_anomalies(rng: np.random.Generator, req: Requests, onsets: list[int],
                      kinds: list[str], percentile: bool) -> dict[str, np.ndarray]:
    span = len(req.base)
    flags = {"bloat": np.zeros(span), "regression": np.zeros(span),
             "runaway": np.zeros(span, bool), "maintenance": np.zeros(span, bool)}
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        hours = slice(max(0, onset - 6 * 60), onset)
        runs = req.rates[5][hours].sum() / max(req.rates[:, hours].sum(), 1)
        if kinds[i] == "runaway_cron" and percentile and runs < 0.1:
            kinds[i] = "autoload_bloat"  # a run now and then among many requests: no p95
        if kinds[i] == "autoload_bloat":  # an option growing with the visits that write it
            to_full = rng.uniform(4 * 60, 3 * DAY)  # then max_allowed_packet stops it growing
            last = to_full + rng.uniform(30, 12 * 60) if rng.random() < 0.7 else rng.uniform(
                6 * 60, to_full)
            end = min(later, onset + int(last))
            full = rng.uniform(40, 400)  # MB unserialized: past memory_limit on many sites
            visits = np.cumsum(req.load[onset:end]) / (req.load.mean() * to_full)
            flags["bloat"][onset:end] = full * np.minimum(visits, 1)
        elif kinds[i] == "frontend_regression":  # an update loading admin code everywhere
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            flags["regression"][onset:end] = rng.uniform(0.5, 2.5) * req.base[onset]
        elif kinds[i] == "runaway_cron":  # a job loading every order, dying at the limit
            flags["runaway"][onset:min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))] = True
        else:  # maintenance_stuck: a failed update's .maintenance file left behind
            flags["maintenance"][onset:min(later, onset + int(rng.uniform(20, 8 * 60)))] = True
    return flags


def peak_memory(rng: np.random.Generator, counts: np.ndarray, weights: np.ndarray,
                limit: float, chunked: bool, quantile: float) -> np.ndarray:
    """Each row's ``quantile`` (nearest rank) of its requests' peak memory, none above
    ``limit``; ``counts`` and ``weights``: requests and their mean MB by row and class; rows
    must have a request."""
    rows, classes = counts.shape
    total = counts.sum(axis=1)
    many = total > SAMPLED
    counts = counts.copy()
    counts[many] = rng.multinomial(SAMPLED, counts[many] / total[many, None])
    which = np.repeat(np.arange(rows * classes), counts.ravel())
    row, kind = which // classes, which % classes
    mb = np.minimum(weights[row, kind] * rng.lognormal(0, SPREAD[kind]), limit)
    if chunked:
        mb = np.maximum(np.ceil(mb / CHUNK), 1) * CHUNK
    order = np.lexsort((mb, row))
    per_row = counts.sum(axis=1)
    first = np.r_[0, np.cumsum(per_row)[:-1]]
    return mb[order][first + np.ceil(quantile * per_row).astype(int) - 1]


def php_memory_peak_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, step)
    req = Requests(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("autoload_bloat", "frontend_regression", "runaway_cron",
                                       "maintenance_stuck"))
    highest = name.startswith("php_memory_peak_max")
    flags = _memory_anomalies(rng, req, [int(at[row]) for row in starts], kinds, not highest)
    weights = req.weights(flags["bloat"], flags["regression"], flags["runaway"],
                          flags["maintenance"], rng.uniform(0.4, 1.2))
    per_minute = rng.poisson(req.rates.T)
    totals = np.vstack([np.zeros(len(CLASSES)), np.cumsum(per_minute, axis=0)])
    counts = (totals[at + 1] - totals[at + 1 - step]).astype(int)
    keep = counts.sum(axis=1) > 0  # a window without a PHP request has no row
    chunked = rng.random() < 0.6
    values = np.zeros(len(at))
    values[keep] = peak_memory(rng, counts[keep], weights.T[at[keep]], req.limit, chunked,
                               1.0 if highest else 0.95)
    stamps, values, starts = common.keep_rows(stamps, values, keep, starts)
    if rng.random() < 0.3:  # bytes
        return SyntheticSeries(name, stamps, np.round(values * 2 ** 20), starts, kinds)
    return SyntheticSeries(name, stamps, values if chunked else np.round(values, 2), starts,
                           kinds)


GENERATORS = {"synthFileChanges": file_changes_series, "synthUploadSizes": upload_sizes_series,
              "synthZeroResultSearches": zero_result_searches_series,
              "synthPhpMemoryPeak": php_memory_peak_series}
STEMS = {"synthFileChanges": ("fim_files_changed", "integrity_scan_changes"),
         "synthUploadSizes": ("media_upload_mb", "attachment_filesize_kb"),
         "synthZeroResultSearches": ("search_zero_results_pct", "searches_no_results_ratio"),
         "synthPhpMemoryPeak": ("php_memory_peak_p95", "php_memory_peak_max")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R20, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2000)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
