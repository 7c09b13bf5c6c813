"""``synthOpenFds`` and ``synthCpuThrottling`` of the twenty-third exam families
(``exam_families_r23``): two limits a web server's processes run into. The descriptors nginx
holds are, in every one of its processes, the logs of its virtual hosts and its listening
sockets (twice over while old workers drain after a reload), plus one for each visitor's open
connection and one for each request in flight to PHP, each held as long as its connection or
request lasts, and no worker holds more than its RLIMIT_NOFILE. A container's CPU quota is
enforced per 100 ms period: a period is throttled when what the container's runnable threads
want in it exceeds the quota, so the share of throttled periods follows the bursts of
concurrent requests rather than the mean load, and it is a share of the periods that had
anything to run (a minute with none has no share at all)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY


def until_next(rng: np.random.Generator, onset: int, later: int, span: int, minutes: float
               ) -> int:
    """The minute an anomaly lasting ``minutes`` from ``onset`` is over; when the next one
    (at ``later``) would start first, it is over earlier, somewhere in the second half of the
    time between them: its end is not taken for the next one's start."""
    end = onset + int(minutes)
    if end < later or later >= span:
        return min(end, span)
    return onset + max(1, int((later - onset) * rng.uniform(0.5, 0.9)))

# ---------------------------------------------------------------- nginx's file descriptors

FD_LIMITS = (8192, 16384, 65535, 65536, 131072, 1048576)  # worker_rlimit_nofile, LimitNOFILE
SOFT_DEFAULTS = (1024, 4096)  # what a worker gets when the override is lost


def held(arrivals: np.ndarray, hold: float, settled: bool = True) -> np.ndarray:
    """Open a minute, on average, of ``arrivals`` a minute each held an exponential time of
    mean ``hold`` minutes (from a steady start, or from none open)."""
    keep = np.exp(-1 / max(hold, 1e-3))
    gain = (1 - keep) * hold
    start = keep * hold * arrivals[0] if settled else 0.0
    return lfilter([gain], [1, -keep], arrivals, zi=[start])[0]


def since_reset(increments: np.ndarray, resets: np.ndarray) -> np.ndarray:
    """The running sum of ``increments``, started again at every minute where ``resets``."""
    total = np.cumsum(increments)
    at_reset = np.where(resets, total - increments, 0.0)
    return total - np.maximum.accumulate(at_reset)


class WebServer:
    """nginx on a web server: its workers (busier ones take more connections), what each
    process holds whatever the load (the virtual hosts' logs, listening sockets, channels),
    the visitors' connections, the requests proxied to PHP, static files in open_file_cache,
    and the reloads of deploys and certificate renewals (the old workers draining)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.workers = int(rng.choice([2, 4, 4, 8, 8, 16]))
        self.shares = rng.dirichlet(np.full(self.workers, rng.uniform(1, 20)))
        vhosts = float(int(np.exp(rng.uniform(0, np.log(600)))))
        per_vhost = 2 * rng.uniform(0.3, 1)  # an access and an error log, if its own
        fixed = rng.uniform(8, 20) + 2 * int(rng.integers(1, 4))  # epoll, channels, listeners
        deploys = office_hour_rows(rng, grid, rng.uniform(0.2, 3))
        renewals = np.flatnonzero(rng.random(span) < min(vhosts / 60, rng.uniform(0.1, 1)) / DAY)
        self.reloads = np.unique(np.r_[deploys, renewals]).astype(int)
        sites = np.zeros(span)
        for reload in deploys:  # a site added or removed goes live with a reload
            sites[reload:] += rng.choice([1, 1, 1, 0, -1])
        self.base = np.round(fixed + per_vhost * np.maximum(vhosts + sites, 1))  # every process
        self.lingering = np.zeros(span)  # what old workers hold until they exit
        for reload in self.reloads:
            drain = int(1 + rng.exponential(1.5))
            self.lingering[reload:reload + drain] += self.workers * self.base[reload]
            if rng.random() < 0.1:  # a long download or websocket keeps an old worker for hours
                self.lingering[reload:reload + int(rng.uniform(30, 6 * 60))] += self.base[reload]
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))  # a campaign, a post going viral
        level = float(np.exp(rng.uniform(np.log(20), np.log(30000))))  # connections a minute
        shape = rng.uniform(5, 30)
        self.arrivals = level * load * rng.gamma(shape, 1 / shape, span)
        self.hold = rng.uniform(0.3, 2.5)  # minutes a visitor's connection stays open (keepalive)
        self.requests = self.arrivals * rng.uniform(1, 8)
        self.php = self.requests * rng.uniform(0.03, 0.5)  # not served from the page cache
        self.response = rng.uniform(0.1, 1.5) / 60  # minutes PHP takes
        pool = self.workers * float(rng.choice([0, 0, 8, 16, 32]))  # upstream keepalive
        self.idle_upstream = pool * (1 - np.exp(-self.php / (10 * self.workers)))
        cache = float(rng.choice([0, 0, 1000, 10000]))  # open_file_cache max, per worker
        catalogue = float(np.maximum(vhosts, 1) * rng.uniform(50, 2000))  # static files
        statics = (self.requests - self.php) / self.workers * rng.uniform(0.3, 1)  # in 20-60 s
        self.cached = np.round(min(cache, catalogue) * (1 - np.exp(-statics / catalogue)))
        nights = common.daily_rows(grid, rng.uniform(5, 7))  # nginx updated by unattended-upgrades
        self.restarts = nights[rng.random(len(nights)) < 0.03].astype(int)
        normal_limit = float(min(size for size in FD_LIMITS if size >= 3 * self.worker_peak()))
        self.limit = np.full(span, normal_limit)

    def connections(self, arrivals: np.ndarray, response: np.ndarray) -> np.ndarray:
        """Descriptors of connections (a visitor's, and an upstream one for each request in
        flight to PHP, ``response``: minutes PHP takes), emptied at restarts."""
        fresh = np.ones(self.span)
        for restart in self.restarts:
            since = np.arange(min(30, self.span - restart))
            fresh[restart:restart + len(since)] = 1 - np.exp(-since / max(self.hold, 0.5))
        return (held(arrivals, self.hold) + self.php * response + self.idle_upstream) * fresh

    def worker_peak(self) -> float:
        usual = self.connections(self.arrivals, np.full(self.span, self.response))
        return float(np.quantile(self.base + self.shares.max() * usual + self.cached, 0.99))


def _fd_anomalies(rng: np.random.Generator, server: WebServer, onsets: list[int],
                  kinds: list[str]) -> tuple[np.ndarray, list[slice]]:
    """The descriptors the anomalies add (connections waiting on a stalled PHP, leaked
    handles), and the minutes the workers hang; lowers ``server.limit`` where it was lost."""
    span = server.span
    usual = server.connections(server.arrivals, np.full(span, server.response))
    extra, leaked, hung = np.zeros(span), np.zeros(span), []
    resets = np.zeros(span, bool)
    resets[np.r_[server.reloads, server.restarts].astype(int)] = True
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        before = slice(max(0, onset - DAY), onset)
        per_worker = (server.base + server.shares.max() * usual + server.cached)[before]
        peak = float(np.quantile(per_worker, 0.95)) if onset else 0.0
        lower = [size for size in SOFT_DEFAULTS
                 if 1.2 * size < peak and server.base[onset] < 0.8 * size]
        if kinds[i] == "nofile_lowered" and not lower:
            kinds[i] = "upstream_stall"  # a worker never needs more than the default
        stall = rng.uniform(0.3, 1)  # minutes a request waits: up to proxy_read_timeout
        total = server.workers * server.base[before] + usual[before]
        if kinds[i] == "upstream_stall" and 2 * server.php[onset:onset + 60].mean() * stall < (
                0.15 * np.median(total)):
            kinds[i] = "workers_hung"  # too few requests to PHP to be missed
        if kinds[i] == "nofile_lowered":  # restarted without the LimitNOFILE override
            end = until_next(rng, onset, later, span, rng.uniform(6 * 60, 4 * DAY))
            server.limit[onset:end] = float(rng.choice(lower))
            server.restarts = np.r_[server.restarts, onset, [end] if end < span else []]
            server.restarts = server.restarts.astype(int)  # and again once it is put back
        elif kinds[i] == "upstream_stall":  # PHP or its database stuck: requests wait
            end = until_next(rng, onset, later, span, rng.uniform(10, 3 * 60))
            tail = min(span, end + 30)
            waiting = np.zeros(tail - onset)
            waiting[:end - onset] = server.php[onset:end] * rng.uniform(1, 1.3)  # retries
            extra[onset:tail] += 2 * held(waiting, stall, settled=False)  # client, upstream
        elif kinds[i] == "workers_hung":  # blocked on a hung NFS mount: nothing opens or closes
            hung.append(slice(onset, until_next(rng, onset, later, span, rng.uniform(5, 2 * 60))))
        else:  # fd_leak: a module losing a handle on some requests until it is fixed
            end = until_next(rng, onset, later, span, rng.uniform(6 * 60, 4 * DAY))
            busy = server.requests[before].mean()
            grows = rng.uniform(0.3, 3) * np.median(total) / (6 * 60 * max(busy, 1e-9))
            increments = np.zeros(span)
            increments[onset:end] = server.requests[onset:end] * grows
            fixed = resets.copy()
            fixed[min(end, span - 1)] |= end < span  # updated and restarted
            leaked += since_reset(increments, fixed)
    return extra + leaked, hung


def open_fds_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    server = WebServer(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("fd_leak", "upstream_stall", "workers_hung",
                                       "nofile_lowered"))
    extra, hung = _fd_anomalies(rng, server, [int(at[s]) for s in starts], kinds)
    shared = server.connections(server.arrivals, np.full(server.span, server.response))
    shared = (shared + extra)[at]
    # each worker: what every process holds, its share of the connections, its cached files
    per_worker = (server.base[at] + server.cached[at])[None, :] + rng.poisson(
        server.shares[:, None] * shared[None, :])
    per_worker = np.minimum(per_worker, server.limit[at][None, :])  # EMFILE past the limit
    total = server.base[at] + per_worker.sum(axis=0) + rng.poisson(server.lingering[at])
    worst = per_worker.max(axis=0) / server.limit[at]
    for minutes in hung:  # /proc still answers: the count the hang froze
        frozen = (at >= minutes.start) & (at < minutes.stop)
        first = int(np.argmax(frozen))
        total[frozen], worst[frozen] = total[first], worst[first]
    values = np.round(worst, 6) if name.startswith("nginx_worst_fd_ratio") else total
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- a container's CPU throttling

QUOTAS = (0.5, 1, 1, 2, 2, 4)  # CPUs: cpu.cfs_quota_us / cpu.cfs_period_us
PERIODS = 600  # 100 ms periods a minute
RHO_GRID = np.geomspace(1e-4, 64, 72)  # CPUs wanted on average, where the odds are drawn


def period_odds(rng: np.random.Generator, quota: float, shape: float, steady: float,
                draws: int = 3000) -> tuple[np.ndarray, ...]:
    """For a container wanting ``RHO_GRID`` CPUs on average in bursts (its runnable threads in
    a period negative binomial of ``shape``, each running 30-100% of it), plus ``steady``
    CPUs always runnable: (the chance a period has anything to run, the chance it is
    throttled, the mean share of a period spent throttled)."""
    rho = RHO_GRID[:, None]
    threads = rng.negative_binomial(shape, shape / (shape + rho), (len(RHO_GRID), draws))
    spread = np.sqrt(threads) * 0.2 * rng.standard_normal(threads.shape)
    demand = np.clip(0.65 * threads + spread, 0.3 * threads, threads) + steady
    active = (threads > 0) | (steady > 0)
    throttled = demand > quota
    waiting = np.where(throttled, 1 - quota / np.maximum(demand, 1e-9), 0.0)
    return active.mean(axis=1), throttled.mean(axis=1), waiting.mean(axis=1)


class Container:
    """A site's container: page views (a share missing the page cache reaches PHP, each
    request some CPU), WP-cron's runs, ImageMagick resizing uploads on every core of the host,
    a warm-up after each deploy, a nightly export compressing on one core, the health checks;
    the quota of its plan (one the site fits in, or most often a size or two bigger)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, quiet: bool) -> None:
        span = len(grid)
        self.span = span
        self.shape = rng.uniform(0.3, 3)  # small: requests arrive in bunches
        views = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        views *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                              (0.5, 3), (60, 600))
        lumps = rng.uniform(3, 20)
        self.miss = rng.uniform(0.05, 0.6)
        # PHP requests a minute on average (a sleeping site's few leave minutes with none)
        level = np.exp(rng.uniform(np.log(1), np.log(3)) if quiet else rng.uniform(
            np.log(0.3), np.log(300)))
        self.views = level / self.miss * views * rng.gamma(lumps, 1 / lumps, span)
        self.cpu = float(np.exp(rng.uniform(np.log(0.05), np.log(1))))  # seconds a request
        peak = float(np.quantile(self.views * self.miss, 0.98)) * self.cpu / 60
        fits = sorted({q for q in QUOTAS if q * rng.uniform(0.05, 0.8) >= peak}) or [QUOTAS[-1]]
        bigger = int(rng.choice([0, 1, 1, 2]))  # most sites on a plan bigger than they need
        self.quota = np.full(span, float(fits[min(bigger, len(fits) - 1)]))
        runs = common.runner_minutes(rng, grid, (0.2, 20))  # CPUs a run takes over its minute
        heavy = rng.random(span) < rng.uniform(0, 0.1)  # a batch of scheduled actions
        self.cron = runs * (rng.exponential(rng.uniform(0.002, 0.03), span)
                            + heavy * rng.uniform(0.2, 1, span))
        warm = np.zeros(span)
        for deploy in office_hour_rows(rng, grid, rng.uniform(0, 2)):
            warm[deploy:deploy + int(rng.integers(2, 6))] += rng.uniform(0.5, 3)
        self.other = self.cron + warm
        self.quiet = quiet  # no health checks, no system cron: WP-cron runs on a visit
        self.steady = np.zeros(span)
        if not quiet and rng.random() < 0.5:  # the nightly export, compressed on one core
            core = rng.uniform(0.6, 1)
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.steady[start:start + int(rng.uniform(20, 90))] = core
        self.cores = float(rng.choice([4, 8, 16, 32]))  # what ImageMagick's threads see
        hours = hour_of_day(grid)
        office = (np.asarray(grid.day_of_week) < 5) & (hours >= 9) & (hours < 18)
        uploads = office * rng.uniform(0, 20) / (9 * 60)  # editors' images a minute, a few a day
        self.image_periods = uploads * rng.uniform(5, 15) * rng.uniform(2, 20)  # sizes, 0.1 s
        # health checks and the FPM master: some run every minute, unless the site sleeps
        self.background = 0.0 if quiet else rng.uniform(0.005, 0.05)

    def wanted(self, rng: np.random.Generator | None, miss: np.ndarray, blocked: np.ndarray
               ) -> np.ndarray:
        """CPUs wanted a minute (on average over its requests without ``rng``);
        ``blocked``: minutes PHP waits on its database."""
        requests = self.views * miss
        if rng is not None:
            requests = rng.poisson(requests)
        php = requests * self.cpu / 60
        other = np.where(requests > 0, self.other, 0) if self.quiet else self.other
        return np.where(blocked, 0.02 * php, php + other)


def _throttle_anomalies(rng: np.random.Generator, box: Container, onsets: list[int],
                        kinds: list[str], in_percent: bool) -> tuple[np.ndarray, np.ndarray]:
    """(the share of views reaching PHP, minutes PHP is blocked); lowers ``box.quota`` and adds
    runaway threads to ``box.steady``. ``in_percent``: the share of periods is shown."""
    span = box.span
    miss, blocked = np.full(span, box.miss), np.zeros(span, bool)
    usual = box.wanted(None, miss, blocked)
    _, throttled, _ = period_odds(rng, box.quota[0], box.shape, 0.0)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        wants = max(np.median(usual[max(0, onset - 60):onset + 60]), RHO_GRID[0])
        if kinds[i] == "blocked_on_database" and PERIODS * np.interp(
                np.log(wants), np.log(RHO_GRID), throttled) < 1:
            kinds[i] = "runaway_process"  # too little throttled to lose
        bypassed = box.miss + (1 - box.miss) * rng.uniform(0.6, 1)
        day = slice(onset, onset + DAY)
        php = box.views[day] * box.miss * box.cpu / 60
        odds = [np.interp(np.log(np.maximum(wanted, RHO_GRID[0])), np.log(RHO_GRID),
                          throttled).mean() * PERIODS
                for wanted in (usual[day], usual[day] + php * (bypassed / box.miss - 1))]
        if kinds[i] == "cache_bypassed" and odds[1] - odds[0] < max(
                1, 0.5 * (odds[0] + box.image_periods[day].mean())):
            kinds[i] = "quota_lowered"  # far under its quota, or its CPU is its cron's
        if kinds[i] == "cache_bypassed" and in_percent and box.quota[onset] <= 0.5:
            kinds[i] = "runaway_process"  # one request outruns the quota: as throttled as ever
        if kinds[i] == "quota_lowered":  # redeployed with the namespace's default limit
            end = until_next(rng, onset, later, span, rng.uniform(3 * 60, 4 * DAY))
            box.quota[onset:end] = 0.5 if box.quota[onset] > 0.5 else 0.25
        elif kinds[i] == "cache_bypassed":  # a cookie on every page: every view reaches PHP
            end = until_next(rng, onset, later, span, rng.uniform(6 * 60, 4 * DAY))
            miss[onset:end] = bypassed
        elif kinds[i] == "blocked_on_database":  # PHP waiting on a database that is down
            blocked[onset:until_next(rng, onset, later, span, rng.uniform(10, 3 * 60))] = True
        else:  # runaway_process: a miner on every core, or cron runs stuck piling up
            end = until_next(rng, onset, later, span, rng.uniform(2 * 60, 3 * DAY))
            if rng.random() < 0.4:
                box.steady[onset:end] += box.cores * rng.uniform(0.9, 1)
            else:
                every = float(rng.choice([5, 15, 30, 60]))
                stuck = np.minimum(np.arange(end - onset) // every + 1, rng.integers(3, 9))
                box.steady[onset:end] += stuck
    return miss, blocked


def cpu_throttling_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    quiet = rng.random() < 0.3  # a sleeping site: minutes with nothing to run
    in_percent = not name.startswith("cfs_throttled_seconds")
    step = 1 if quiet and in_percent else int(rng.choice([1, 2, 2, 5]))
    window = max(step, int(rng.choice([1, 5])))  # a rate over the scrape, or over 5 minutes
    window = 1 if quiet and in_percent else window  # so a quiet minute has no row
    stamps, at, grid = minute_grid(rng, step)
    box = Container(rng, grid, quiet)
    starts = common.spaced_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("quota_lowered", "runaway_process", "cache_bypassed",
                                       "blocked_on_database"))
    miss, blocked = _throttle_anomalies(rng, box, [int(at[s]) for s in starts], kinds,
                                        in_percent)
    rho = box.wanted(rng, miss, blocked)
    active_p, throttled_p, waiting = np.zeros(box.span), np.zeros(box.span), np.zeros(box.span)
    where = np.log(np.clip(rho, RHO_GRID[0], RHO_GRID[-1]))
    for quota, steady in sorted(set(zip(box.quota, box.steady, strict=True))):
        minutes = (box.quota == quota) & (box.steady == steady)
        if steady == 0:
            minutes &= rho > 0  # nothing to run: no period counted
        odds = period_odds(rng, quota, box.shape, steady)
        active_p[minutes], throttled_p[minutes], waiting[minutes] = (
            np.interp(where[minutes], np.log(RHO_GRID), table) for table in odds)
    # a request waiting on its database runs slivers of a few periods (connecting, retrying,
    # the error page), never past the quota
    throttled_p[blocked] = 0
    waking = np.minimum(3 * box.views * miss / PERIODS, 1)
    active_p[blocked] = np.maximum(active_p, waking)[blocked]
    active_p = 1 - (1 - active_p) * (1 - box.background)  # health checks, the FPM master
    active = rng.binomial(PERIODS, np.clip(active_p, 0, 1))
    throttled = rng.binomial(active, np.clip(throttled_p / np.maximum(active_p, 1e-12), 0, 1))
    waited = 0.1 * throttled * waiting / np.maximum(throttled_p, 1e-12)  # seconds
    images = np.minimum(rng.poisson(box.image_periods * ~blocked), PERIODS - active)
    active += images
    over = box.cores > box.quota  # a thread on every core wants more than the quota
    throttled += images * over
    waited += 0.1 * images * over * (1 - box.quota / box.cores)
    summed = [np.r_[0, np.cumsum(x)] for x in (active, throttled, waited)]
    first = np.maximum(at + 1 - window, 0)
    active_n, throttled_n, waited_s = (x[at + 1] - x[first] for x in summed)
    if not in_percent:
        seconds = waited_s / (60 * (at + 1 - first))
        return SyntheticSeries(name, stamps, np.round(seconds, 4), starts, kinds)
    keep = active_n > 0  # no period had anything to run: no share, no row
    percent = 100 * throttled_n / np.maximum(active_n, 1)
    stamps, values, starts = common.keep_rows(stamps, np.round(percent, 2), keep, starts)
    return SyntheticSeries(name, stamps, values, starts, kinds)
