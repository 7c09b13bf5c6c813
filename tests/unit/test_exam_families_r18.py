"""The eighteenth exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import (
    anomalies,
    every_file,
    generated_round,
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r18
from healer_ops.devkit.nab.exam_families_r18 import Orders, Shop, _missing_digit
from healer_ops.devkit.nab.exam_r18_edge import DAY, GRACES, TTLS, EdgeCache, excess, over_by
from healer_ops.devkit.nab.synthetic import label_windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r18)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _most_repeated(values) -> int:
    """How many times the most common value occurs."""
    return int(np.unique(values, return_counts=True)[1].max()) if len(values) else 0


def _cache(ttl, swr=0.0, grace=3600.0, busy=True):
    """An edge cache of ``ttl`` seconds over a day, busy (requests every few milliseconds)
    or quiet (one an hour), that never evicts the page."""
    cache = EdgeCache(np.random.default_rng(0), np.ones(DAY), ttl, swr, grace)
    cache.per_second = np.full(DAY, 200.0 if busy else 1 / 3600)
    cache.evict = np.inf
    return cache


def test_helpers_follow_their_mechanisms():
    """limit_req rejects only what a key sends over its limit; an anomaly is over before the
    next one starts. A cached page's Age rises with the clock from each fetch and falls at
    the TTL (busy cache) or at the probe's own refetch (quiet cache), at a purge, and climbs
    past the TTL only while the origin is down, until the grace runs out (then an error).
    An order's total: its items less the discount, the fee below the free-shipping threshold,
    the tax; a price that lost its first digit."""
    np.testing.assert_array_equal(excess(np.array([0.0, 50, 130]), 100), [0, 0, 30])
    assert over_by([100, 200], 1000) == [180, 1000]
    rng = np.random.default_rng(1)
    probes = np.arange(30.0, 12 * 3600, 60)
    ages = _cache(600).ages(rng, probes, np.array([]), [])
    assert ages.max() <= 600 and ages.min() >= 0
    rises = np.diff(ages)
    assert (np.isclose(rises, 60, atol=0.1) | (rises < 0)).all()
    assert ((rises < 0).sum() - 12 * 3600 / 600) ** 2 <= 4  # a refetch every TTL
    quiet = _cache(600, busy=False).ages(rng, probes, np.array([]), [])
    assert (quiet == 0).sum() >= 5 and quiet.max() <= 600 + 60  # the probe refetched it
    purged = _cache(86400).ages(rng, probes, np.array([3600.0 * 5]), [])
    after = probes > 3600 * 5
    assert purged[after][0] <= probes[after][0] - 3600 * 5 + 1
    down = _cache(600, grace=3600).ages(rng, probes, np.array([]), [(7200.0, 7200.0 + 3 * 3600)])
    during = (probes >= 7200) & (probes < 7200 + 3 * 3600)
    served = down[during]
    assert np.nanmax(served) > 600 and np.nanmax(served) <= 600 + 3600
    assert np.isnan(served).any() and not np.isnan(down[~during]).any()
    shop = Shop(np.random.default_rng(2))
    shop.fee, shop.free_from, shop.tax = 4.95, 50.0, 0.0
    orders = Orders(np.arange(4.0), np.array([0, 0, 0, 9.9]), np.array([0, 0, 1.0, 0]),
                    np.array([np.nan, np.nan, np.nan, np.nan]), np.array([True, True, True,
                                                                          False]),
                    np.array([0, 1, 2, 3]), np.zeros(4, int), np.array([30.0, 60, 30, 30]),
                    np.ones(4, int))
    np.testing.assert_allclose(shop.totals(orders), [34.95, 60, 4.95, 39.9])
    assert [_missing_digit(p) for p in (24.99, 129.0, 8.99)] == [4.99, 29.0, 0.99]


def test_values_are_of_their_kind(generated):
    """Rejections are whole counts; ages whole seconds no older than the longest TTL and
    grace; queries per request positive means in hundredths; order totals cents, at
    irregular seconds."""
    for s in every_file(generated, "synthRateLimited"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthCdnAge"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
        assert s.values.max() <= max(TTLS) + max(GRACES) + 10 * DAY * 60
    for s in every_file(generated, "synthQueriesPerRequest"):
        assert s.values.min() > 0
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))
    for s in every_file(generated, "synthOrderTotals"):
        assert s.values.min() >= 0
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        seconds = np.diff(s.timestamps.asi8) / 1e9
        assert seconds.std() > seconds.mean() / 2  # orders come when customers do


def test_rejections_are_a_few_clients_excess(generated):
    """Rejections come in lumps (a crawler, a bot at the login, an office at its peak): the
    busiest normal bucket is many times the median in most files; some files have many
    buckets without any."""
    lumpy, empty = [], []
    for s in every_file(generated, "synthRateLimited"):
        part = normal_part(s)
        lumpy.append(part.max() > 5 * max(np.median(part), 1))
        empty.append((part == 0).mean() > 0.25)
    assert sum(lumpy) > 0.75 * len(lumpy) and any(empty)


def test_age_saws_with_the_clock(generated):
    """Between two probes of the same cache the age grows by the time between them: in files
    whose probe reaches one busy cache, most rows rise by exactly the seconds since the row
    before (the regions of a rotation each saw on their own)."""
    sawing = []
    for s in every_file(generated, "synthCdnAge"):
        part = normal_part(s)
        seconds = np.diff(s.timestamps.asi8)[:len(part) - 1] / 1e9
        sawing.append((np.abs(np.diff(part) - seconds) <= 2).mean())
    assert sum(share > 0.5 for share in sawing) >= 3


def test_queries_per_request_spike_and_orders_repeat_price_points(generated):
    """A heavy cron run or a flushed cache spikes a bucket's mean in many query files; order
    totals repeat (the price points of single items, shipping added), and in most shops orders
    come more in the afternoon than at night."""
    spiky = [normal_part(s).max() > 2 * np.median(normal_part(s))
             for s in every_file(generated, "synthQueriesPerRequest")]
    assert sum(spiky) > 0.5 * len(spiky)
    afternoons = []
    for s in every_file(generated, "synthOrderTotals"):
        part = normal_part(s)
        _, counts = np.unique(part, return_counts=True)
        assert counts[counts > 1].sum() > 0.5 * len(part)
        afternoons.append(len(_hours(s, part, 12, 18)) > len(_hours(s, part, 0, 6)))
    assert sum(afternoons) > 0.75 * len(afternoons)


def test_rate_limit_anomalies_have_their_shapes(generated):
    """A lost real IP and a tightened limit at least double the rejections of the next two
    hours; a scraper's hour is well over the usual busiest buckets; a removed limiter rejects
    nothing from its second bucket on."""
    tripped, hammered, removed = [], [], []
    for s, row, kind in anomalies(generated, "synthRateLimited"):
        before = within(s, row, -12 * 60, -1)
        if kind in ("real_ip_lost", "limit_tightened"):
            tripped.append(within(s, row, 0, 120).mean() > 2 * max(before.mean(), 1))
        elif kind == "scraper_hammering":
            hammered.append(np.median(within(s, row, 0, 60)) > 1.5 * max(np.percentile(
                before, 95), 1))
        elif quiet_for(s, row, 6 * 60):
            removed.append((within(s, row, 16, 6 * 60) == 0).all())
    assert tripped and sum(tripped) > 0.75 * len(tripped)
    assert hammered and sum(hammered) > 0.75 * len(hammered)
    assert removed and all(removed)


def test_age_anomalies_have_their_shapes(generated):
    """The origin unreachable ages the page past any age of the day before; a bypassed cache
    shows Age 0; failing purges let the page age past the day and a half before (or past 18
    hours, more than a night without editors); a purge storm keeps it young."""
    stale, bypassed, unpurged, stormed = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCdnAge"):
        if kind == "origin_unreachable":
            stale.append(within(s, row, 0, 12 * 60).max() > within(s, row, -DAY, -1).max())
        elif kind == "cache_bypassed" and quiet_for(s, row, 60):
            bypassed.append((within(s, row, 0, 55) == 0).all())
        elif kind == "purges_failing":  # past the days before, or far past a night's age
            unpurged.append(within(s, row, 0, 1.5 * DAY).max() > min(within(
                s, row, -1.5 * DAY, -1).max(), 18 * 3600))
        elif kind == "purge_storm" and len(within(s, row, 10, 60)):
            stormed.append(within(s, row, 10, 60).max() < 0.5 * within(s, row, -DAY, -1).max())
    assert stale and sum(stale) > 0.75 * len(stale)
    assert bypassed and all(bypassed)
    assert unpurged and sum(unpurged) > 0.6 * len(unpurged)
    assert stormed and sum(stormed) > 0.75 * len(stormed)


def test_query_anomalies_have_their_shapes(generated):
    """The object cache down and a faceted crawl raise the mean of the next hour or two; a
    query loop raises the day after over the day before; an ajax polling loop lowers it."""
    raised, crawled, looped, polled = [], [], [], []
    for s, row, kind in anomalies(generated, "synthQueriesPerRequest"):
        usual = np.median(within(s, row, -180, -1))
        if kind == "object_cache_down":
            raised.append(np.median(within(s, row, 0, 60)) > 1.3 * usual)
        elif kind == "faceted_crawl":
            crawled.append(np.median(within(s, row, 0, 120)) > 1.5 * usual)
        elif kind == "ajax_polling_loop":
            polled.append(np.median(within(s, row, 0, 120)) < 0.9 * usual)
        elif quiet_for(s, row, DAY):
            looped.append(np.median(within(s, row, 0, DAY)) > 1.1 * np.median(
                within(s, row, -DAY, -1)))
    assert raised and sum(raised) > 0.75 * len(raised)
    assert crawled and sum(crawled) > 0.75 * len(crawled)
    assert polled and sum(polled) > 0.75 * len(polled)
    assert looped and sum(looped) > 0.75 * len(looped)


def test_order_anomalies_have_their_shapes(generated):
    """A price error and card testing bring one total again and again (the product at its
    wrong price, the cheapest one), far more often than in the hours before; a leaked coupon
    drops the median total of the next two hours."""
    repeated, leaked = [], []
    for s, row, kind in anomalies(generated, "synthOrderTotals"):
        if kind in ("price_error", "card_testing"):
            top = _most_repeated(within(s, row, 0, 120))
            repeated.append(top >= 4 and top > 2 * _most_repeated(within(s, row, -120, -1)))
        elif kind == "coupon_leak":
            leaked.append(np.median(within(s, row, 0, 120)) < 0.7 * np.median(
                within(s, row, -DAY, -1)))
    assert repeated and sum(repeated) > 0.75 * len(repeated)
    assert leaked and sum(leaked) > 0.75 * len(leaked)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r18.EXAM_FAMILIES_R18:
        first = exam_families_r18.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
