"""``synthCertExpiry`` and ``synthHeartbeat`` of the seventh exam families
(``exam_families_r7``): values set by schedules rather than by load. A certificate's days
left fall by one a day and jump back when the ACME client's timer renews it; heartbeats come
from the admin tabs editors keep open in their working hours, at fixed intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY


def in_order(starts: list[int], kinds: list[str]) -> tuple[list[int], list[str]]:
    """Onsets and their kinds sorted by row (snapping may have moved an onset past another)."""
    pairs = sorted(zip(starts, kinds, strict=True))
    return [row for row, _ in pairs], [kind for _, kind in pairs]


# ---------------------------------------------------------------- TLS certificate expiry


@dataclass
class Cert:
    """One hostname's certificate: how long each lives, how many minutes before expiry the
    client renews it, when the client runs, and when the certificate served at the start
    expires (minutes from the file's first row)."""

    lifetime: float
    renew_left: float
    runs: np.ndarray
    expiry: float
    reload_delay: float = 0.0


def _client_runs(rng: np.random.Generator, stamps: pd.DatetimeIndex, span: float
                 ) -> np.ndarray:
    """When the ACME client checks its certificates: certbot's timer twice a day at a random
    minute of each half day, or a daily cron at a fixed time (acme.sh, the panel's AutoSSL)."""
    clock = stamps[0].hour * 60 + stamps[0].minute
    if rng.random() < 0.6:
        halves = np.arange(span / 720 + 2)
        runs = (halves + rng.random(len(halves))) * 720 - clock
    else:
        runs = np.arange(span / DAY + 2) * DAY + rng.uniform(0, DAY) - clock
    return runs[runs > 0]


def _cert(rng: np.random.Generator, stamps: pd.DatetimeIndex, policy: str, runs: np.ndarray
          ) -> Cert:
    """Let's Encrypt's 90-day certificates renewed 30 days (or the panel's 20) before expiry,
    six-day short-lived ones renewed with a third to a half left, or a commercial certificate
    of 200 or 365 days that an admin renews by hand some days after the reminder email."""
    span = elapsed_minutes(stamps)[-1]
    if policy == "commercial":
        lifetime = float(rng.choice([200, 365])) * DAY
        renew_left = rng.uniform(5, 40) * DAY
        runs = elapsed_minutes(stamps)[office_hour_rows(rng, stamps, 0.2)]
    elif policy == "short":
        lifetime = 160 * 60.0  # Let's Encrypt's short-lived profile: 160 hours
        renew_left = lifetime * rng.uniform(0.33, 0.5)
    else:
        lifetime, renew_left = 90 * DAY, float(rng.choice([30, 30, 30, 20])) * DAY
    delay = rng.uniform(0, 20 * 60) if rng.random() < 0.3 else 0.0  # nginx reloaded by logrotate
    expiry = rng.uniform(renew_left, lifetime) if policy != "commercial" else rng.uniform(
        3 * DAY, lifetime)
    return Cert(lifetime, renew_left, runs[runs < span], expiry, delay)


def served(cert: Cert, failing: tuple[float, float] = (np.inf, np.inf),
           forced: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(times the served certificate changes, its expiry from then, the client runs that
    renewed). A run renews a certificate due within ``renew_left``, unless it falls in
    ``failing``; a ``forced`` run reissues it anyway (a domain added by hand)."""
    switches, expiries, renewed = [-np.inf], [cert.expiry], []
    events = sorted([(run, False) for run in cert.runs] + [(run, True) for run in forced])
    latest = cert.expiry
    for run, force in events:
        due = latest - run < cert.renew_left or force
        if due and not failing[0] <= run < failing[1]:
            latest = run + cert.lifetime - 60  # Let's Encrypt backdates notBefore an hour
            switches.append(run + cert.reload_delay)
            expiries.append(latest)
            renewed.append(run)
    return np.array(switches), np.array(expiries), renewed


def _days_left(elapsed: np.ndarray, switches: np.ndarray, expiries: np.ndarray,
               rng: np.random.Generator, rollout: float = 0.0) -> np.ndarray:
    """Days until the served certificate expires; for ``rollout`` minutes after a renewal a
    CDN's edges serve the old or the new one at random (normal while it propagates)."""
    which = np.searchsorted(switches, elapsed, side="right") - 1
    if rollout:
        since = elapsed - switches[which]
        mixed = (which > 0) & (since < rollout) & (rng.random(len(elapsed)) < 0.5)
        which = np.where(mixed, which - 1, which)
    return (expiries[which] - elapsed) / DAY


def _policy(rng: np.random.Generator, hostnames: int) -> str:
    if hostnames > 1:
        return "short" if rng.random() < 0.2 else "letsencrypt"
    return str(rng.choice(["letsencrypt", "short", "commercial"], p=[0.4, 0.35, 0.25]))


def cert_expiry_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    whole_days = name.startswith("cert_expiry_days")  # some checkers report whole days
    minutes = int(rng.choice([1, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.01, int(rng.integers(0, 4)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    # the least over a site's hostnames, or over every site of a server
    hostnames = int(np.exp(rng.uniform(np.log(2), np.log(60)))) if name.startswith(
        "cert_min") else 1
    policy = _policy(rng, hostnames)
    runs = _client_runs(rng, stamps, elapsed[-1])  # one client renews every hostname
    certs = [_cert(rng, stamps, policy, runs) for _ in range(hostnames)]
    office = elapsed[office_hour_rows(rng, stamps, 0.05)]
    forced = [(float(rng.choice(office)),) if len(office) and rng.random() < 0.2 else ()
              for _ in certs]  # a domain added to a certificate: reissued early
    rollout = rng.uniform(60, 12 * 60) if hostnames == 1 and rng.random() < 0.35 else 0.0
    timelines = [served(cert, forced=extra) for cert, extra in zip(certs, forced, strict=True)]
    renewals = sorted(run for _, _, renewed in timelines for run in renewed)
    # a renewal seen before the failed one shows where they happen
    by_row = {int(np.searchsorted(elapsed, run)): run for run in renewals[1:]}
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("wrong_cert", "renewal_failed", "old_cert_node",
                                       "cert_reverted"), once="renewal_failed")
    rows_renewed = np.array(sorted(row for row in by_row if row < rows), dtype=int)
    snap_onsets(("renewal_failed",), "cert_reverted", rows_renewed, starts, kinds, rows)
    starts, kinds = in_order(starts, kinds)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "renewal_failed":  # every challenge blocked (a WAF rule, DNS moved away)
            failing = (by_row[start], by_row[start] + certs[0].renew_left * rng.uniform(0.2, 1.4))
            timelines = [served(cert, failing, extra) for cert, extra in zip(certs, forced,
                                                                               strict=True)]
    days = np.min([_days_left(elapsed, switches, expiries, rng, rollout)
                   for switches, expiries, _ in timelines], axis=0)
    lifetime = certs[0].lifetime / DAY
    for start, kind in zip(starts, kinds, strict=True):
        since = (elapsed - elapsed[start]) / DAY
        if kind == "wrong_cert":  # a vhost lost: the default (snakeoil or the panel's) served
            span = common.span_rows(elapsed, start, rng.uniform(30, DAY))
            other = float(rng.choice([rng.uniform(1000, 3650), rng.uniform(1, 89),
                                      rng.uniform(-400, -1)]))
            other = other if abs(other - days[start]) > 10 else days[start] + 3000
            days[span] = other - since[span]
        elif kind == "old_cert_node":  # a node from an old image joins the pool
            span = common.span_rows(elapsed, start, rng.uniform(2 * 60, 3 * DAY))
            old = rng.random(span.stop - start) < 1 / rng.integers(2, 5)
            old[0] = True
            days[span] -= old * lifetime * rng.uniform(0.3, 1.0)
        elif kind == "cert_reverted":  # a restore or a config run ships an old certificate
            old = days[start] - lifetime * rng.uniform(0.3, 0.9)
            # browsers refuse an expired one and users call within hours; a valid one can
            # go unnoticed for days
            lasting = rng.uniform(1, 12) * 60 if old < 0 else rng.uniform(1, 8) * DAY
            span = common.span_rows(elapsed, start, lasting)
            days[span] = old - since[span]
    values = np.floor(days) if whole_days else np.round(days, 4)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- WordPress heartbeat

# heartbeats a minute from one tab: editing a post (every 15 s), another admin screen (60 s),
# a tab in the background (120 s)
TAB_RATES = np.array([4.0, 1.0, 0.5])
TAB_SHARES = (0.35, 0.4, 0.25)


def _add(rate: np.ndarray, clock: np.ndarray, begin: float, end: float, value: float) -> None:
    rate[np.searchsorted(clock, begin):np.searchsorted(clock, end)] += value


def _working_day(rng: np.random.Generator, rate: np.ndarray, clock: np.ndarray, begin: float,
                 end: float, second_tab: bool) -> None:
    """One editor's day: screens switched every half hour or so, maybe a second tab in the
    background, and some evenings the tabs left open until the laptop sleeps (or all night)."""
    time = begin
    while time < end:
        dwell = rng.exponential(30) + 2
        _add(rate, clock, time, min(time + dwell, end), TAB_RATES[rng.choice(3, p=TAB_SHARES)])
        time += dwell
    if second_tab:
        _add(rate, clock, begin, end, 0.5)
    if rng.random() < 0.25:
        asleep = end + (rng.uniform(15, 240) if rng.random() < 0.6 else rng.uniform(10, 15) * 60)
        _add(rate, clock, end, asleep, 0.5 * (1 + second_tab))


def _editor_heartbeats(rng: np.random.Generator, stamps: pd.DatetimeIndex, clock: np.ndarray
                       ) -> np.ndarray:
    """Heartbeats a minute from every editor's tabs. Editors work weekdays in their own time
    zone (a few on weekends too), some days off; in some sites a holiday nobody works, or a
    new editor from some day on."""
    rate = np.zeros(len(clock))
    days, weekday = int(clock[-1] // DAY) + 1, int(stamps[0].day_of_week)
    editors = int(np.exp(rng.uniform(0, np.log(30))))
    zone = rng.integers(-8, 10)  # the server logs UTC, the newsroom keeps local hours
    holidays = {int(rng.integers(days))} if rng.random() < 0.3 else set()
    joined = np.zeros(editors)
    office = office_hour_rows(rng, stamps, 0.2)
    if rng.random() < 0.3 and len(office):
        joined[-1] = clock[int(rng.choice(office))]
    for editor in range(editors):
        weekends, second_tab = rng.random() < 0.15, rng.random() < 0.5
        for day in range(-1, days):  # from the evening before the first row
            weekend = (weekday + day) % 7 >= 5
            works = rng.random() < (0.3 * weekends if weekend else 0.9)
            begin = day * DAY + 60 * (rng.normal(9, 0.7) - zone)
            end = begin + 60 * (rng.uniform(0.5, 3) if weekend else rng.normal(8.5, 0.8))
            if works and day not in holidays and begin >= joined[editor]:
                _working_day(rng, rate, clock, begin, end, second_tab)
    return rate


def heartbeat_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    with_frontend = name.startswith("admin_ajax")  # every admin-ajax.php request
    minutes = int(rng.choice([1, 1, 2, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    clock = elapsed + stamps[0].hour * 60 + stamps[0].minute  # from the first day's midnight
    heartbeat = _editor_heartbeats(rng, stamps, clock)
    visitors = common.traffic(stamps, rng) * np.exp(0.2 * common.wander(rng, rows, 600))
    frontend = rng.uniform(0.1, 30) * visitors if with_frontend else np.zeros(rows)
    blocked = np.zeros(rows, dtype=bool)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("heartbeat_storm", "ajax_flood", "admin_blocked",
                                       "heartbeat_disabled"), once="heartbeat_disabled")
    weekdays = np.asarray(stamps.day_of_week) < 5
    snap_onsets(("admin_blocked", "heartbeat_disabled"), "heartbeat_storm",
                np.flatnonzero(weekdays & (heartbeat >= 1)), starts, kinds, rows)
    starts, kinds = in_order(starts, kinds)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "heartbeat_storm":  # a tab polling every second or few: a JS retry loop
            span = common.span_rows(elapsed, start, rng.uniform(2 * 60, 3 * DAY))
            heartbeat[span] += np.exp(rng.uniform(np.log(6), np.log(60)))
        elif kind == "ajax_flood":  # a frontend script polling admin-ajax for every visitor
            span = common.span_rows(elapsed, start, rng.uniform(0.5, 5) * DAY)
            per_visitor = max(frontend.mean(), heartbeat.mean(), 1) * rng.uniform(3, 20)
            frontend[span] += per_visitor * visitors[span]
        elif kind == "admin_blocked":  # a WAF or security-plugin rule denies admin-ajax.php
            blocked[common.span_rows(elapsed, start, rng.uniform(60, 2 * DAY))] = True
        else:  # heartbeat_disabled: a performance plugin's update switched it off
            heartbeat[start:] = 0
    # each tab beats on its own clock: a count off its mean by a beat at most, not Poisson;
    # a bucket after a hole is one bucket
    beats = np.floor(heartbeat * minutes + rng.random(rows))
    values = beats + rng.poisson(frontend * minutes)
    values[blocked] = 0
    return SyntheticSeries(name, stamps, values.astype(float), starts, kinds)
