"""The loopback fleet server over real HTTP: routing, site profiles, scripted incidents,
registration into wp_sites."""

from __future__ import annotations

import httpx
import pytest

from healer_ops.devkit.fleet.server import (
    CRITICAL_ERROR,
    FleetServer,
    Incident,
    make_fleet,
    register_sites,
    site_domain,
)

PROFILES = {1: "healthy", 2: "wsod_blank", 3: "wsod_critical", 4: "http_500",
            5: "redirect_loop", 6: "healthy"}


@pytest.fixture(scope="module")
def fleet():
    # site 6 is healthy but a scripted incident makes it fail all hour long
    with FleetServer(len(PROFILES), profiles=PROFILES,
                     incidents=[Incident(6, "http_500", 0, 3600)]) as server:
        yield server


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as session:
        yield session


def test_sites_answer_by_path_and_by_host(fleet, client):
    by_path = client.get(fleet.site_url(1))
    by_host = client.get(fleet.base_url + "/", headers={"host": site_domain(1)})
    short = client.get(fleet.base_url + "/site-1/wp-login.php")
    assert by_path.status_code == by_host.status_code == short.status_code == 200
    assert by_path.content == by_host.content == short.content
    assert b'content="WordPress' in by_path.content and site_domain(1).encode() in by_path.content
    assert client.get(fleet.base_url + "/site-999.example.test/").status_code == 404
    assert client.get(fleet.base_url + "/_fleet/health").text == "ok"


def test_profiles_answer_as_broken_wordpress_sites_do(fleet, client):
    blank = client.get(fleet.site_url(2))
    critical = client.get(fleet.site_url(3))
    failing = client.get(fleet.site_url(4))
    assert (blank.status_code, blank.content) == (200, b"")
    assert critical.status_code == 500 and CRITICAL_ERROR in critical.content
    assert failing.status_code == 500 and CRITICAL_ERROR not in failing.content
    hops = client.get(fleet.site_url(5), follow_redirects=False)
    assert hops.status_code == 302
    assert client.get(fleet.base_url + hops.headers["location"],
                      follow_redirects=False).status_code == 302
    with pytest.raises(httpx.TooManyRedirects):
        client.get(fleet.site_url(5), follow_redirects=True)


def test_a_scripted_incident_overrides_the_profile(fleet, client):
    assert client.get(fleet.site_url(6)).status_code == 500
    assert client.get(fleet.site_url(1)).status_code == 200


def test_behaviour_is_deterministic_by_seed():
    one, same, other = make_fleet(200, seed=3), make_fleet(200, seed=3), make_fleet(200, seed=4)
    profiles = [s.profile for s in one.sites.values()]
    assert profiles == [s.profile for s in same.sites.values()]
    assert profiles != [s.profile for s in other.sites.values()]
    assert [s.base_ms for s in one.sites.values()] == [s.base_ms for s in same.sites.values()]
    assert profiles.count("healthy") > 150 and len(set(profiles)) > 3
    assert one.incidents == same.incidents and one.incidents
    with pytest.raises(ValueError, match="unknown profile"):
        make_fleet(2, profiles={1: "on_fire"})


def test_daily_cycle_moves_response_time():
    fleet = make_fleet(1, seed=1)
    site = fleet.sites[1]
    site.noise = 0.0
    peak = site.peak_hour * 3600
    assert fleet.latency_s(site, peak) > fleet.latency_s(site, peak + 12 * 3600) * 1.1


def test_register_sites_points_wp_sites_at_the_fleet(fleet, conn, db_url):
    ids = register_sites(db_url, fleet.base_url, 3)
    again = register_sites(db_url, fleet.base_url, 3)
    rows = conn.execute("SELECT id::text, domain, url FROM wp_sites ORDER BY domain").fetchall()
    assert ids == again == [row[0] for row in rows]
    assert [row[2] for row in rows] == [fleet.site_url(i) for i in (1, 2, 3)]
