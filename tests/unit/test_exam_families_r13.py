"""The thirteenth exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import (
    anomalies,
    every_file,
    generated_round,
    minutes_after,
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r13
from healer_ops.devkit.nab.exam_families_r13 import extents
from healer_ops.devkit.nab.exam_r13_fleet import next_tick

TIMEOUTS_MS = (30_000, 45_000, 60_000, 120_000)
DAY_MINUTES = 24 * 60


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r13)


def _down(s):
    """Sites down, in sites (counts) or in percent of the fleet (the share of sites up)."""
    return 100 - s.values if s.name.startswith("uptime_sites_up_percent") else s.values


def _one_site(s):
    """The smallest change of the file's sites down: one site."""
    steps = np.abs(np.diff(_down(s)))
    return steps[steps > 0].min()


def test_helpers_follow_their_mechanisms():
    """The next tick of a twice-daily schedule; InnoDB's files in 1 MB extents, 4 MB ones from
    32 MB on."""
    np.testing.assert_array_equal(next_tick([0, 100, 101, np.inf], 100, 720),
                                  [100, 100, 820, np.inf])
    np.testing.assert_array_equal(extents(np.array([0, 0.3, 31.2, 33, 1000.5])),
                                  [0.1, 1, 32, 36, 1004])


def test_values_are_of_their_kind(generated):
    """Pending updates and sites down are whole counts (or a percent of sites up, in
    hundredths); database sizes are positive whole MB (or GB in hundredths); checkout runs are
    positive milliseconds (whole) or seconds (thousandths), never beyond the file's timeout."""
    for s in every_file(generated, "synthPendingUpdates"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthSitesDown"):
        if s.name.startswith("uptime_sites_up_percent"):
            assert s.values.min() >= 0 and s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        else:
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthDatabaseSize"):
        assert s.values.min() > 0
        whole = (s.values == np.round(s.values)).all()
        assert whole or (s.name.startswith("mysql_datadir")
                         and (s.values == np.round(s.values, 2)).all())
    for s in every_file(generated, "synthTransactionCheck"):
        assert s.values.min() > 0
        in_ms = s.values.max() > 1000
        np.testing.assert_array_equal(s.values, np.round(s.values, 0 if in_ms else 3))
        timeouts = TIMEOUTS_MS if in_ms else tuple(t / 1000 for t in TIMEOUTS_MS)
        assert s.values.max() <= max(timeouts)


def test_pending_updates_climb_one_site_at_a_time_and_fall_in_bulk(generated):
    """A release is found by each site at its own check, one update at a time; updates are
    applied a site (or a managed run) at a time: every file's normal part rises and falls, and
    in most files rises are more frequent than falls."""
    more_rises = []
    for s in every_file(generated, "synthPendingUpdates"):
        steps = np.diff(normal_part(s))
        assert (steps > 0).any() and (steps < 0).any()
        more_rises.append((steps > 0).mean() > (steps < 0).mean())
    assert sum(more_rises) > 0.6 * len(more_rises)


def test_sites_go_down_one_at_a_time(generated):
    """Sites fail for their own reasons: in most files at least four in five of the normal
    part's changes are of one site, and the normal part's median is a small part of the
    fleet (under 5% in most percent files)."""
    single, small = [], []
    for s in every_file(generated, "synthSitesDown"):
        down = _down(s)[:len(normal_part(s))]
        changes = np.abs(np.diff(down))
        changes = changes[changes > 0]
        if len(changes):
            single.append(np.mean(np.abs(changes - _one_site(s)) <= 0.011) >= 0.8)
        if s.name.startswith("uptime_sites_up_percent"):
            small.append(np.median(down) < 5)
    assert sum(single) > 0.75 * len(single)
    assert small and sum(small) > 0.75 * len(small)


def test_database_files_grow_in_extents_and_shrink_when_rebuilt(generated):
    """Files grow only past the most their tables held, in whole extents, and shrink only when
    rebuilt (binary logs also when the oldest are purged): the normal part rises more often
    than it falls; a database's own size (no binary logs) falls in at most 1% of its steps
    and holds in most steps of most files."""
    holds = []
    for s in every_file(generated, "synthDatabaseSize"):
        steps = np.diff(normal_part(s))
        assert (steps > 0).mean() >= (steps < 0).mean()
        if s.name.startswith("wordpress_db_size"):
            assert (steps < 0).mean() <= 0.01
            holds.append((steps == 0).mean() > 0.75)
    assert holds and sum(holds) > 0.75 * len(holds)


def test_checkout_runs_reach_the_timeout_now_and_then(generated):
    """A run now and then hangs until the timeout: in most files the normal part reaches the
    file's highest value, in fewer than 1% of its runs."""
    reached = []
    for s in every_file(generated, "synthTransactionCheck"):
        part = normal_part(s)
        at_top = (part == s.values.max()).mean()
        assert at_top < 0.01
        reached.append(at_top > 0)
    assert sum(reached) > 0.5 * len(reached)


def test_fleet_anomalies_have_their_shapes(generated):
    """Blocked update checks freeze the count once the dashboard has synced every site (6 to 12
    hours on); disconnected sites take a fifth or more from it within 6 hours; a lapsed
    license's release climbs within a day. A server down or a DNS outage puts three sites or
    more down within half an hour; a paused monitor hides most of the usual few."""
    frozen, cut, climbed = [], [], []
    for s, row, kind in anomalies(generated, "synthPendingUpdates"):
        if kind == "update_checks_blocked" and quiet_for(s, row, 12 * 60):
            frozen.append(len(set(within(s, row, 6 * 60, 12 * 60))) <= 2)
        elif kind == "sites_disconnected":
            cut.append(within(s, row, 0, 6 * 60).min() <= 0.8 * s.values[row - 1])
        elif kind == "license_lapsed":
            climbed.append(within(s, row, 0, 24 * 60).max() > s.values[row - 1])
    assert frozen and all(frozen)
    assert cut and sum(cut) > 0.9 * len(cut)
    assert climbed and sum(climbed) > 0.75 * len(climbed)
    jumped, hidden = [], []
    for s, row, kind in anomalies(generated, "synthSitesDown"):
        down, minutes = _down(s), minutes_after(s, row)
        before = down[(minutes >= -60) & (minutes < 0)]
        if kind in ("server_down", "dns_outage"):
            peak = down[(minutes >= 0) & (minutes <= 30)].max()
            jumped.append(peak - np.median(before) >= 3 * _one_site(s) - 0.02)
        elif kind == "monitoring_paused":
            usual = down[(minutes >= -6 * 60) & (minutes < 0)].mean()
            hidden.append(down[(minutes >= 60) & (minutes <= 3 * 60)].mean() < 0.7 * usual)
    assert jumped and sum(jumped) > 0.9 * len(jumped)
    assert hidden and sum(hidden) > 0.75 * len(hidden)


def test_database_and_checkout_anomalies_have_their_shapes(generated):
    """A dropped table takes a tenth or more within half an hour; a restore dips while tables
    are re-imported (a database's own size: the datadir's binary logs grow with the import);
    a logging plugin run away has grown the files 6 hours on. A hanging
    third-party script holds most runs at the timeout; a broken add to cart moves the runs'
    median; a bypassed page cache and bloated autoloaded options slow the runs."""
    dropped, dipped, grown = [], [], []
    for s, row, kind in anomalies(generated, "synthDatabaseSize"):
        before = s.values[row - 1]
        if kind == "table_dropped":
            dropped.append(within(s, row, 0, 30).min() <= 0.92 * before)
        elif kind == "restored_from_backup" and s.name.startswith("wordpress_db_size"):
            dipped.append(within(s, row, 0, 120).min() < before)
        elif kind == "logging_runaway" and quiet_for(s, row, 6 * 60):
            later = within(s, row, 6 * 60 - 20, 6 * 60 + 20)
            grown.append(len(later) > 0 and later.mean() > before)
    assert dropped and all(dropped)
    assert dipped and sum(dipped) > 0.75 * len(dipped)
    assert grown and sum(grown) > 0.75 * len(grown)
    held, moved, slower = [], [], []
    for s, row, kind in anomalies(generated, "synthTransactionCheck"):
        minutes = minutes_after(s, row)
        usual = np.median(s.values[(minutes >= -120) & (minutes < 0)])
        if kind == "third_party_hang":
            held.append((within(s, row, 0, 60) == s.values.max()).mean() > 0.5)
        elif kind == "cart_broken":
            moved.append(abs(np.log(np.median(within(s, row, 0, 120)) / usual)) > 0.15)
        elif kind == "cache_bypassed":
            slower.append(np.median(within(s, row, 0, 180)) > 1.1 * usual)
        elif kind == "autoload_bloat":
            day_before = np.median(s.values[(minutes >= -DAY_MINUTES) & (minutes < 0)])
            later = within(s, row, 12 * 60, DAY_MINUTES)
            slower.append(len(later) > 0 and np.median(later) > 1.1 * day_before)
    assert held and sum(held) > 0.75 * len(held)
    assert moved and sum(moved) > 0.75 * len(moved)
    assert slower and sum(slower) > 0.75 * len(slower)
