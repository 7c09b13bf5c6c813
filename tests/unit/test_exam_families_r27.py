"""The twenty-seventh exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from exam_family_checks import (
    anomalies,
    every_file,
    generated_round,
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r27
from healer_ops.devkit.nab.exam_families_r27 import poller
from healer_ops.devkit.nab.exam_r27_acme import DAY, schedule, scheduled_orders
from healer_ops.devkit.nab.exam_r27_pagecache import Cache, coverage
from healer_ops.devkit.nab.synthetic import label_windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r27)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def test_helpers_follow_their_mechanisms():
    """certbot's timer runs once in each half day; a run renews what came due since the last
    (a forced one everything) and a run starting while the last still orders is skipped; a
    cache holds no more pages than it has, and no more than the views since a purge; a
    stopped garbage collection only adds files; a poller's train has a request a period."""
    rng = np.random.default_rng(7)
    runs = schedule(rng, "twice_daily", 10 * DAY, 0.0)
    assert (np.bincount(((runs + 720) // 720).astype(int)) == 1).all()
    due = np.array([10.0, 20, 30, 500, 510])
    _, ran = scheduled_orders(rng, np.array([100.0, 100.5, 600, 700]),
                              np.array([False, False, False, True]), due, 50, 1, 1, 30.0)
    assert [run for run, _ in ran] == [100.0, 600.0, 700.0]  # 100.5: three orders still going
    assert ran[0][1] == 4 and ran[1][1] >= 3 and ran[2][1] == 51
    popularity = np.arange(1, 501) ** -1.0
    f = coverage(popularity / popularity.sum())
    views = np.array([0, 1, 10, 100, 1e4, 1e9])
    assert f(views)[0] == 0 and (np.diff(f(views)) > 0).all() and f(1e9) <= 500 + 1e-6
    assert (f(views) <= views + 1e-9).all()
    grid = pd.date_range("2026-01-05", periods=5 * DAY, freq="min")
    cache = Cache(rng, grid, False)
    cache.preload = False
    purge = 3 * DAY
    files = cache.entries(np.array([0, purge]), [], [], np.zeros(len(grid)))
    fresh = (cache.views[purge + 1] - cache.views[purge]
             + cache.crawled[purge + 1] - cache.crawled[purge]) * cache.files
    assert files[purge] <= fresh + 1e-9 and files.max() <= cache.files * (
        cache.pages + cache.tail) + 1e-6
    if np.isfinite(cache.lifespan):
        frozen = cache.entries(np.array([0]), [], [(DAY, 2 * DAY)], np.zeros(len(grid)))
        assert (frozen >= cache.entries(np.array([0]), [], [], np.zeros(len(grid))) - 1e-9
                ).all()
    assert poller(rng, 6000, 60.0, 2).sum() in (198, 200, 202)


def test_values_are_of_their_kind(generated):
    """Orders, files and feed requests are whole counts; the HTTP/3 share is a percent in
    tenths or hundredths, or a ratio in ten-thousandths."""
    for family in ("synthAcmeOrders", "synthPageCacheFiles", "synthFeedFetches"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthHttp3Share"):
        ratio = s.name.startswith("quic_requests_ratio")
        assert s.values.min() >= 0 and s.values.max() <= (1 if ratio else 100)
        np.testing.assert_array_equal(s.values, np.round(s.values, 4 if ratio else 2))


def test_acme_orders_come_in_bursts(generated):
    """Orders come when the client runs or a site is added: most buckets of most files have
    none, and the busiest bucket is many times the mean."""
    empty, bursty = [], []
    for s in every_file(generated, "synthAcmeOrders"):
        part = normal_part(s)
        empty.append((part == 0).mean() > 0.5)
        bursty.append(part.max() > 5 * max(part.mean(), 0.01))
    assert sum(empty) > 0.6 * len(empty)
    assert sum(bursty) > 0.75 * len(bursty)


def test_page_cache_is_emptied_by_purges(generated):
    """Before any anomaly, some files fall to under a third of the row before (a full purge)
    and recover to their median within the day; the others change slowly."""
    purged = []
    for s in every_file(generated, "synthPageCacheFiles"):
        part = normal_part(s)
        drops = np.flatnonzero(part[1:] < part[:-1] / 3) + 1
        purged.append(any(within(s, row, 0, DAY).max() >= np.median(part) for row in drops
                          if quiet_for(s, row, DAY)))
    assert 0 < sum(purged) < len(purged)


def test_feeds_are_polled_more_than_read(generated):
    """Most requests come from machines: in most files the busiest two hours of the day
    average under three times the quietest; and where servers' cron jobs poll, the files of
    a minute's step show the comb on the hour."""
    flat, comb = [], []
    for s in every_file(generated, "synthFeedFetches"):
        part = normal_part(s)
        hourly = [_hours(s, part, h, h + 2).mean() for h in range(0, 24, 2)]
        flat.append(max(hourly) < 3 * max(min(hourly), 0.1))
        if np.median(np.diff(s.timestamps.asi8)) / 6e10 == 1:
            minute = np.asarray(s.timestamps.minute)[:len(part)]
            comb.append(part[minute == 0].mean() > 1.2 * part[minute % 15 == 7].mean())
    assert sum(flat) > 0.6 * len(flat)
    assert comb and any(comb)


def test_http3_share_follows_who_asks(generated):
    """The share is higher when browsers are many (the afternoon more than the small hours in
    most files) and noisier when requests are few (the night's steps larger)."""
    higher, noisier = [], []
    for s in every_file(generated, "synthHttp3Share"):
        part = normal_part(s)
        day, night = _hours(s, part, 12, 18), _hours(s, part, 2, 6)
        higher.append(np.median(day) > np.median(night))
        noisier.append(np.abs(np.diff(night)).mean() > np.abs(np.diff(day)).mean())
    assert sum(higher) > 0.6 * len(higher)
    assert sum(noisier) > 0.6 * len(noisier)


def test_acme_anomalies_have_their_shapes(generated):
    """A stopped timer orders less in the next day than the day before; a retry storm fills
    more buckets of the next six hours than the six before (or lifts their median, where all
    were filled); a mass reissue orders twice as many in six hours as the six before; forced
    renewals order more in a day than in six half days before."""
    stopped, storm, reissue, forced = [], [], [], []
    for s, row, kind in anomalies(generated, "synthAcmeOrders"):
        if kind == "timer_stopped" and quiet_for(s, row, DAY):
            stopped.append(within(s, row, 0, DAY - 1).sum() < within(s, row, -DAY, -1).sum())
        elif kind == "retry_storm":
            after, before = within(s, row, 0, 360), within(s, row, -360, -1)
            storm.append((after > 0).mean() > (before > 0).mean() or np.median(after) > np.median(
                before))
        elif kind == "mass_reissue":
            reissue.append(within(s, row, 0, 360).sum() > 2 * within(s, row, -360, -1).sum())
        elif kind == "force_renewal" and quiet_for(s, row, DAY):
            forced.append(within(s, row, 0, DAY - 1).sum() > 6 * within(s, row, -720, -1).sum())
    assert stopped and sum(stopped) > 0.75 * len(stopped)
    assert storm and sum(storm) > 0.75 * len(storm)
    assert reissue and sum(reissue) > 0.75 * len(reissue)
    assert forced and sum(forced) > 0.75 * len(forced)


def test_page_cache_anomalies_have_their_shapes(generated):
    """A purge loop keeps the cache under half its usual size (of the hours or the day before)
    for the next hour; a URL explosion lifts it by a third within a day; a stopped collector
    lets it grow past its size within the day; a preloader that does not run leaves the next
    hours emptier than the hours before, or than the same hours the day before (a daily warmer's
    rise missing)."""
    looped, exploded, piled, unloaded = [], [], [], []
    for s, row, kind in anomalies(generated, "synthPageCacheFiles"):
        usual = np.median(within(s, row, -360, -1))
        if kind == "purge_loop":  # (after a purge of its own the hours before are low)
            looped.append(within(s, row, 10, 60).mean() < 0.5 * max(usual, np.median(
                within(s, row, -DAY, -1))))
        elif kind == "url_explosion":
            exploded.append(within(s, row, 0, DAY).max() > 1.3 * usual)
        elif kind == "gc_stopped" and quiet_for(s, row, DAY):
            piled.append(within(s, row, 0, DAY).max() > 1.1 * within(s, row, -120, -1).mean())
        elif kind == "preload_stopped":  # a purge not refilled, pages expiring, no rise
            unloaded.append(within(s, row, 0, 360).min() < 0.8 * usual or within(
                s, row, 0, 360).mean() < 0.8 * within(s, row, -DAY, -DAY + 360).mean())
    assert looped and sum(looped) > 0.75 * len(looped)
    assert exploded and sum(exploded) > 0.75 * len(exploded)
    assert piled and sum(piled) > 0.75 * len(piled)
    assert unloaded and sum(unloaded) > 0.75 * len(unloaded)


def test_feed_anomalies_have_their_shapes(generated):
    """A runaway poller lifts the median of the next six hours; a redirect loop makes a bucket
    of the next hour six requests at least and thrice the usual; blocked clients take 15% off
    the next half day against the same hours the day before; a scraper swarm doubles the
    next ten minutes."""
    runaway, looped, blocked, swarmed = [], [], [], []
    for s, row, kind in anomalies(generated, "synthFeedFetches"):
        before = within(s, row, -120, -1)
        if kind == "runaway_poller":
            runaway.append(np.median(within(s, row, 0, 360)) > 1.2 * np.median(
                within(s, row, -360, -1)))
        elif kind == "redirect_loop":
            looped.append(within(s, row, 0, 60).max() >= max(6, 3 * before.mean()))
        elif kind == "clients_blocked" and quiet_for(s, row, 720):
            blocked.append(within(s, row, 0, 720).mean() < 0.85 * within(
                s, row, -DAY, -DAY + 720).mean())
        else:
            swarmed.append(within(s, row, 0, 10).mean() > 2 * before.mean())
    assert runaway and sum(runaway) > 0.75 * len(runaway)
    assert looped and sum(looped) > 0.9 * len(looped)
    assert blocked and sum(blocked) > 0.75 * len(blocked)
    assert swarmed and sum(swarmed) > 0.75 * len(swarmed)


def test_http3_anomalies_have_their_shapes(generated):
    """UDP blocked takes the share near zero within half an hour; a lost Alt-Svc header has
    lowered it a few hours later; QUIC partly broken lowers the next hours' median; an HTTP/1
    flood dips it within the hour."""
    blocked, lost, broken, flooded = [], [], [], []
    for s, row, kind in anomalies(generated, "synthHttp3Share"):
        usual = np.median(within(s, row, -360, -1))
        if kind == "udp_blocked":
            blocked.append(np.median(within(s, row, 1, 30)) < 0.2 * usual)
        elif kind == "alt_svc_lost":
            lost.append(np.median(within(s, row, 120, 480)) < 0.8 * usual)
        elif kind == "quic_partly_broken":
            broken.append(np.median(within(s, row, 0, 120)) < 0.9 * usual)
        else:
            flooded.append(within(s, row, 0, 60).min() < 0.8 * usual)
    assert blocked and sum(blocked) > 0.9 * len(blocked)
    assert lost and sum(lost) > 0.75 * len(lost)
    assert broken and sum(broken) > 0.75 * len(broken)
    assert flooded and sum(flooded) > 0.75 * len(flooded)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r27.EXAM_FAMILIES_R27:
        first = exam_families_r27.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
