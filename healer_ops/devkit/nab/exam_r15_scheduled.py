"""``synthWpCronRequests`` and ``synthRenewalPayments`` of the fifteenth exam families
(``exam_families_r15``): WordPress's scheduled work as it reaches the server. A site's cron runs
when a crontab's minute comes round, or when a page view finds an event due (at most once a
minute, behind a lock); a subscription renews on its day of the month at the time its customer
signed up, whenever the shop's queue runner next runs, as many a run as the runner gets through."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY


SETTLED = 60  # minutes: an anomaly is over this long before the next starts


def ends_by(onsets: list[int], span: int) -> list[int]:
    """For each onset, the minute its anomaly is over by: an hour before the next onset (so
    one of the same kind starts afresh), or the end of the file."""
    return [later - SETTLED if later < span else span
            for later in common.next_onsets(onsets, span)]


def in_window(counts: np.ndarray, at: np.ndarray, step: int) -> np.ndarray:
    """What ``counts`` (a minute) add up to over the ``step`` minutes up to each of ``at``."""
    total = np.r_[0, np.cumsum(counts)]
    return total[at + 1] - total[np.maximum(at + 1 - step, 0)]


# ---------------------------------------------------------------- wp-cron.php requests

CRONTAB_EVERY = (1, 5, 5, 5, 10, 15, 15, 30, 60)  # minutes: the */N of sites' crontab lines


def spawn_chance(views: np.ndarray, due: np.ndarray | float) -> np.ndarray:
    """The chance a site requests wp-cron.php in a minute of ``views`` page views (Poisson): the
    first view that finds an event due spawns it (``due``: the share of minutes with one), and
    the doing_cron lock holds the other views off for 60 seconds."""
    return due * -np.expm1(-views)


def crontab_ticks(minute_of_hour: np.ndarray, every: int, offset: int) -> np.ndarray:
    """The minutes a crontab line ``offset-59/every`` fires (``every`` divides 60)."""
    return (minute_of_hour - offset) % every == 0


class CronServer:
    """The sites on one server and how their cron reaches wp-cron.php: page views (a few
    audiences, each site its own level), the share of minutes with an event due (WooCommerce's
    Action Scheduler every minute, or hourly and daily events), crontab lines (DISABLE_WP_CRON
    and a system or external cron, mostly on the hour's multiples of five), sites moved onto the
    server in office hours, scanners trying the URL."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        sites = int(np.exp(rng.uniform(np.log(5), np.log(400))))
        self.audiences = [common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
                          * rng.gamma(10, 0.1, span) for _ in range(3)]
        self.audience = rng.integers(0, 3, sites)
        self.level = rng.lognormal(np.log(rng.uniform(0.05, 1)), 1.5, sites)  # views a minute
        busy = rng.random(sites) < rng.uniform(0.1, 0.6)
        self.due = np.where(busy, rng.uniform(0.6, 1, sites), rng.uniform(0.005, 0.1, sites))
        self.crontab = rng.random(sites) < rng.uniform(0, 0.85)
        # some sites with a crontab line still spawn from page views (DISABLE_WP_CRON forgotten)
        self.spawns = ~self.crontab | (rng.random(sites) < 0.25)
        self.every = rng.choice(CRONTAB_EVERY, sites)
        spread = rng.random(sites) < rng.uniform(0, 0.5)  # a panel spreading them over the hour
        self.offset = np.where(spread, rng.integers(0, 60, sites), 0) % self.every
        self.joined = np.zeros(sites, int)
        moved = office_hour_rows(rng, grid, rng.uniform(0, 0.1))[:sites]
        self.joined[rng.choice(sites, len(moved), replace=False)] = moved
        self.minute_of_hour = np.asarray(grid.minute)
        self.bots = rng.uniform(0.001, 0.05) * np.ones(span)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 1) / DAY):
            self.bots[start:start + int(rng.uniform(1, 15))] += rng.uniform(0.5, 5)  # a scanner

    def views(self, site: int) -> np.ndarray:
        return self.level[site] * self.audiences[self.audience[site]]

    def visitor_part(self) -> np.ndarray:
        """Expected wp-cron.php requests a minute spawned by page views."""
        out = np.zeros(self.span)
        for audience, load in enumerate(self.audiences):
            members = np.flatnonzero((self.audience == audience) & self.spawns & (self.joined == 0))
            if len(members):  # sum over the sites through a table of the audience's load
                loads = np.linspace(0, load.max(), 257)
                table = spawn_chance(np.outer(loads, self.level[members]), self.due[members])
                out += np.interp(load, loads, table.sum(axis=1))
        for site in np.flatnonzero(self.spawns & (self.joined > 0)):
            since = self.joined[site]
            out[since:] += spawn_chance(self.views(site)[since:], self.due[site])
        return out

    def crontab_part(self) -> np.ndarray:
        """wp-cron.php requests a minute from crontab lines."""
        out = np.zeros(self.span)
        for site in np.flatnonzero(self.crontab):
            since = self.joined[site]
            ticks = crontab_ticks(self.minute_of_hour, self.every[site], self.offset[site])
            out[since:] += ticks[since:]
        return out


def _cron_anomalies(rng: np.random.Generator, server: CronServer, parts: dict[str, np.ndarray],
                    onsets: list[int], kinds: list[str]) -> dict[str, np.ndarray]:
    """Scales of the visitors' and the crontabs' parts, and extra requests a minute."""
    span = server.span
    out = {"visitor": np.ones(span), "crontab": np.ones(span), "extra": np.zeros(span)}
    total = parts["visitor"] + parts["crontab"] + server.bots
    spawning = np.flatnonzero(server.spawns & (server.joined == 0))
    for i, (onset, later) in enumerate(zip(onsets, ends_by(onsets, span), strict=True)):
        usual = total[onset:onset + 120].mean()
        loads = np.array([load[onset:onset + 120].mean() for load in server.audiences])
        views = server.level[spawning] * loads[server.audience[spawning]]
        if kinds[i] == "spawn_loop" and (not len(views) or views.max() < 0.5 * usual):
            kinds[i] = "cron_flood"  # no site busy enough to be seen
        for part, kind in (("crontab", "system_cron_stopped"), ("visitor", "loopback_blocked")):
            if kinds[i] == kind and parts[part][onset:onset + 120].mean() < 0.3 * usual:
                kinds[i] = "cron_flood"  # too small a part of the requests to be missed
        if kinds[i] == "spawn_loop":  # the lock not kept: a spawn on every page view of a site
            end = min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))
            site = spawning[int(np.argmax(views))]
            out["extra"][onset:end] += server.views(site)[onset:end]
        elif kinds[i] == "system_cron_stopped":  # crond gone after a migration or an upgrade
            out["crontab"][onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = 0
        elif kinds[i] == "loopback_blocked":  # a WAF rule or basic auth stopping the spawns
            out["visitor"][onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = 0
        else:  # cron_flood: a bot hammering wp-cron.php, or an external cron every second
            end = min(later, onset + int(rng.uniform(20, 6 * 60)))
            rise = np.minimum((np.arange(end - onset) + 1) / rng.uniform(1, 5), 1)
            out["extra"][onset:end] += rng.uniform(3, 30) * max(usual, 0.5) * rise
    return out


def wp_cron_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5]))
    stamps, at, grid = minute_grid(rng, step)
    server = CronServer(rng, grid)
    parts = {"visitor": server.visitor_part(), "crontab": server.crontab_part()}
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("spawn_loop", "system_cron_stopped", "loopback_blocked",
                                       "cron_flood"))
    scale = _cron_anomalies(rng, server, parts, [int(at[row]) for row in starts], kinds)
    requests = (rng.poisson(parts["visitor"] * scale["visitor"] + server.bots + scale["extra"])
                + rng.binomial(parts["crontab"].astype(int), 0.998) * scale["crontab"])
    nights = common.daily_rows(grid, rng.uniform(2, 6))
    for reboot in nights[rng.random(len(nights)) < rng.uniform(0, 0.04)]:  # kernel updates
        requests[reboot:reboot + int(rng.uniform(2, 6))] = 0
    return SyntheticSeries(name, stamps, in_window(requests, at, step).astype(float), starts,
                           kinds)


# ---------------------------------------------------------------- subscription renewals

RETRY_AFTER = (12 * 60, 12 * 60, 24 * 60, 48 * 60, 72 * 60)  # WooCommerce Subscriptions' rules
PLAN_PRICES = (4.99, 9.0, 9.99, 12.0, 14.99, 19.0, 29.0, 49.0, 99.0)  # a month


def anniversaries(signed: np.ndarray, months: int, first: np.datetime64, span: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(minute from ``first``, subscription) of each renewal in [0, span) minutes of the
    subscriptions signed up at ``signed`` (datetime64[m]) and renewed every ``months`` months:
    the same day of the month (the month's last day where it is shorter), the same time."""
    day = signed.astype("datetime64[D]")
    minute_of_day = (signed - day.astype("datetime64[m]")).astype(int)
    month = day.astype("datetime64[M]")
    day_of_month = (day - month.astype("datetime64[D]")).astype(int)
    first_month = first.astype("datetime64[M]") - 1
    last_month = (first + np.timedelta64(span, "m")).astype("datetime64[M]")
    lowest = np.maximum(1, -((month - first_month).astype(int) // months))  # the first in range
    minutes, owners = [], []
    for more in range((last_month - first_month).astype(int) // months + 2):
        target = month + (lowest + more) * months
        length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
            int)
        due = (target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1)).astype(
            "datetime64[m]") + minute_of_day
        offset = (due - first).astype(int)
        keep = (offset >= 0) & (offset < span) & (target <= last_month)
        minutes.append(offset[keep])
        owners.append(np.flatnonzero(keep))
    return np.concatenate(minutes), np.concatenate(owners)


def drained(arrivals: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Items handled a minute by a first-in first-out queue that gets through ``capacity`` a
    minute (0 when its runner does not run)."""
    excess = np.cumsum(arrivals) - np.cumsum(capacity)
    waiting = excess - np.minimum(np.minimum.accumulate(excess), 0)
    done = np.cumsum(arrivals) - waiting
    return np.diff(np.r_[0, done])


def at_next_run(arrivals: np.ndarray, runner: np.ndarray) -> np.ndarray:
    """Items handled a minute when each is handled at the runner's next run (no limit)."""
    runs = np.flatnonzero(runner)
    out = np.zeros(len(arrivals))
    out[runs] = np.diff(np.r_[0, np.cumsum(arrivals)[runs]])
    return out


class Shop:
    """A shop's subscriptions: signed up over two years (at the hours its customers shop, some
    in a campaign's cohort), monthly, yearly and in some shops weekly, cancelled in time; in some
    shops most monthly ones synchronised to a day of the month. Its queue runner (a system cron,
    or WP-cron waiting for page views) and how many renewals a run gets through."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        self.span = len(grid)
        self.first = np.datetime64(grid[0], "m")
        count = int(np.exp(rng.uniform(np.log(3000), np.log(80000))))  # ever signed up
        hours = np.arange(DAY) / 60
        shopping = rng.uniform(0.05, 0.3) + daily_cycle(hours, rng.uniform(10, 21),
                                                         rng.uniform(3, 6))
        self.minute_of_day = shopping / shopping.sum()
        weekly = rng.uniform(0.2, 0.6) if rng.random() < 0.2 else 0.0  # boxes, meal kits
        yearly = (1 - weekly) * rng.uniform(0, 0.4)
        self.counts = rng.multinomial(count, [1 - weekly - yearly, yearly, weekly])
        self.signed = [self._signups(rng, n, days)  # monthly, yearly, weekly
                       for n, days in zip(self.counts, (730, 4 * 365, 120), strict=True)]
        if rng.random() < 0.25:  # renewals synchronised to one day of the month
            synced = rng.random(self.counts[0]) < rng.uniform(0.3, 1)
            month = self.signed[0][synced].astype("datetime64[M]").astype("datetime64[m]")
            day = int(rng.choice([1, 1, 1, 15]))
            self.signed[0][synced] = month + (day - 1) * DAY + int(rng.integers(0, 180))
        self.cancelled = [rng.exponential(rng.uniform(1, 3) * 365 * DAY, n) for n in self.counts]
        self.runner = common.runner_minutes(rng, grid, (0.2, 30))
        self.capacity = self.runner * int(rng.integers(8, 40))
        self.card_fails = rng.uniform(0.02, 0.1)  # a first attempt declined by the card's bank
        self.card_fails_again = rng.uniform(0.5, 0.75)
        self.retries = rng.random() < 0.7
        plans = rng.choice(len(PLAN_PRICES), int(rng.integers(1, 5)), replace=False)
        self.prices = np.array(PLAN_PRICES)[plans]
        self.plan_share = rng.dirichlet(np.ones(len(plans)))
        self.year_price = float(rng.choice([10, 12]))  # a year costs ten or twelve months

    def _signups(self, rng: np.random.Generator, count: int, days_back: int) -> np.ndarray:
        days = rng.uniform(-days_back, self.span / DAY, count).astype(int)
        cohorts = rng.uniform(-days_back, 0, int(rng.integers(0, 4))).astype(int)
        if len(cohorts):  # a launch, a Black Friday: many signed up the same day
            joined = rng.random(count) < rng.uniform(0.05, 0.3)
            days[joined] = rng.choice(cohorts, joined.sum())
        minutes = rng.choice(DAY, count, p=self.minute_of_day)
        start = self.first.astype("datetime64[D]").astype("datetime64[m]")
        return start + days * DAY + minutes

    def renewals(self, reset: tuple[int, float] | None = None,
                 rng: np.random.Generator | None = None) -> np.ndarray:
        """Renewals due a minute: the subscriptions' anniversaries before they are cancelled;
        ``reset``: (minute, share) of monthly subscriptions whose next payment date a bulk edit
        set to that minute (their later renewals move with it)."""
        due = []
        for kind, (signed, months) in enumerate(zip(self.signed, (1, 12, 0), strict=True)):
            if months:
                minutes, owner = anniversaries(signed, months, self.first, self.span)
            else:
                minutes, owner = _weekly(signed, self.first, self.span)
            alive = minutes < (signed[owner] - self.first).astype(int) + self.cancelled[kind][
                owner]
            minutes, owner = minutes[alive], owner[alive]
            if kind == 0 and reset is not None:
                onset, share = reset
                ended = (signed - self.first).astype(int) + self.cancelled[0] <= onset
                moved = (rng.random(len(signed)) < share) & ~ended & (
                    signed < self.first + np.timedelta64(onset, "m"))
                minutes = minutes[~(moved[owner] & (minutes >= onset))]
                later, _ = anniversaries(np.full(moved.sum(), self.first + np.timedelta64(
                    onset, "m")), 1, self.first, self.span)
                minutes = np.r_[minutes, np.full(moved.sum(), onset), later]
            due.append(minutes)
        return np.bincount(np.concatenate(due).astype(int), minlength=self.span).astype(float)

    def paid(self, rng: np.random.Generator, first_attempts: np.ndarray, gateway: np.ndarray
             ) -> np.ndarray:
        """Renewals paid a minute: first attempts declined by the card's bank or by a failing
        gateway, retried (in most shops) 12, 24, 48, 96 and 168 hours on at the next run."""
        paid = np.zeros(self.span)
        fresh, declined = first_attempts, np.zeros(self.span)
        for level in range(len(RETRY_AFTER) + 1):
            card = rng.binomial(fresh.astype(int), self.card_fails) + rng.binomial(
                declined.astype(int), self.card_fails_again)
            passed = fresh + declined - card
            refused = rng.binomial(passed.astype(int), gateway)
            paid += passed - refused
            if level == len(RETRY_AFTER) or not self.retries:
                break
            shift = RETRY_AFTER[level]
            fresh = at_next_run(np.r_[np.zeros(shift), refused][:self.span], self.runner)
            declined = at_next_run(np.r_[np.zeros(shift), card][:self.span], self.runner)
        return paid

    def revenue(self, rng: np.random.Generator, paid: np.ndarray) -> np.ndarray:
        """Money a minute of ``paid`` renewals, each at one of the shop's plans' prices."""
        by_kind = self.counts / max(self.counts.sum(), 1)
        prices = np.r_[self.prices, self.prices * self.year_price, np.round(self.prices / 4, 2)]
        share = np.r_[self.plan_share * by_kind[0], self.plan_share * by_kind[1],
                      self.plan_share * by_kind[2]]
        return rng.multinomial(paid.astype(int), share / share.sum()) @ prices


def _weekly(signed: np.ndarray, first: np.datetime64, span: int) -> tuple[np.ndarray, np.ndarray]:
    """(minute from ``first``, subscription) of weekly renewals in [0, span)."""
    offset = (signed - first).astype(int)
    week = 7 * DAY
    lowest = np.maximum(1, -(offset // week))
    minutes, owners = [], []
    for more in range(span // week + 2):
        due = offset + (lowest + more) * week
        keep = (due >= 0) & (due < span)
        minutes.append(due[keep])
        owners.append(np.flatnonzero(keep))
    return np.concatenate(minutes), np.concatenate(owners)


def renewal_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    shop = Shop(rng, grid)
    normal = shop.renewals()
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("renewals_stalled", "gateway_declines",
                                       "duplicate_renewals", "dates_reset"), once="dates_reset")
    onsets = [int(at[row]) for row in starts]
    for i in reversed(range(len(onsets))):
        if kinds[i] != "dates_reset" and normal[onsets[i]:onsets[i] + 6 * 60].sum() < 6:
            if "dates_reset" in kinds:  # too few renewals due to be missed, and reset once
                del starts[i], kinds[i], onsets[i]
            else:
                kinds[i] = "dates_reset"
    reset, stalled = None, np.zeros(span, bool)
    gateway = np.zeros(span)
    for outage in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.05) / DAY):
        gateway[outage:outage + int(rng.uniform(5, 30))] = 1  # the gateway's own short outages
    duplicated = np.zeros(span)
    for i, (onset, later) in enumerate(zip(onsets, ends_by(onsets, span), strict=True)):
        if kinds[i] == "renewals_stalled":  # a fatal error in one action, or WP-cron off
            stalled[onset:min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))] = True
        elif kinds[i] == "gateway_declines":  # an expired API key, off-session payments refused
            gateway[onset:min(later, onset + int(rng.uniform(3 * 60, 12 * 60)))] = rng.uniform(
                0.85, 1)
        elif kinds[i] == "duplicate_renewals":  # a migration leaving two actions a renewal
            duplicated[onset:min(later, onset + int(rng.uniform(DAY, 5 * DAY)))] = rng.uniform(
                0.8, 1)
        else:  # dates_reset: an import setting next payment dates to now
            reset = (onset, rng.uniform(0.3, 1))
    due = shop.renewals(reset, rng) if reset else normal
    due = due + rng.binomial(due.astype(int), duplicated)
    shop.runner &= ~stalled
    first_attempts = drained(due, shop.capacity * ~stalled)
    paid = shop.paid(rng, first_attempts, gateway)
    if name.startswith("subscription_renewal_revenue"):
        values = np.round(in_window(shop.revenue(rng, paid), at, step), 2)
    else:
        values = in_window(paid, at, step)
    return SyntheticSeries(name, stamps, values, starts, kinds)
