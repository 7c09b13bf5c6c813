"""The prober against real loopback servers: every error class, white screens, redirect loops
and certificate expiry read from a real TLS server with a certificate made here."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

import pytest
import trustme

from healer_ops.devkit.fleet.server import FleetServer, register_sites, site_domain
from healer_ops.ingest import probe_sites

PROFILES = {1: "healthy", 2: "hang", 3: "redirect_loop", 4: "wsod_blank", 5: "wsod_critical",
            6: "http_500", 7: "slow", 8: "healthy"}
CERT_EXPIRY = datetime(2031, 7, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def fleet():
    with FleetServer(len(PROFILES), profiles=PROFILES, incidents=[]) as server:
        yield server


@pytest.fixture(scope="module")
def tls_fleet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost", not_after=CERT_EXPIRY)
    leaf.cert_chain_pems[0].write_to_path(folder / "cert.pem")
    leaf.private_key_pem.write_to_path(folder / "key.pem")
    with FleetServer(2, profiles={1: "healthy", 2: "wsod_critical"}, incidents=[],
                     certfile=str(folder / "cert.pem"), keyfile=str(folder / "key.pem")) as server:
        yield server, ca


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stored(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT w.domain, m.status_code, m.error, m.error_class, m.wsod_marker,"
        " m.response_time_ms, m.ttfb_ms, m.page_size_bytes, m.cert_expires_at, m.observed_at"
        " FROM site_metrics m JOIN wp_sites w ON w.id = m.site_id").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_every_outcome_is_recorded_with_its_class(fleet, conn, db_url):
    register_sites(db_url, fleet.base_url, len(PROFILES))
    conn.execute("INSERT INTO wp_sites (domain, url) VALUES ('dns.test', 'http://x.invalid/'),"
                 " ('refused.test', %s), ('off.test', 'http://x.invalid/')",
                 [f"http://127.0.0.1:{closed_port()}/"])
    conn.execute("UPDATE wp_sites SET is_healer_enabled = false WHERE domain = 'off.test'")
    conn.commit()
    summary = probe_sites(db_url, timeout_s=3)
    assert summary["probed"] == len(PROFILES) + 2  # the disabled site is not probed
    assert summary["loaded"] == summary["input_rows"] == len(PROFILES) + 2
    got = stored(conn)

    def outcome(domain):  # status, error, class, wsod marker
        return got[domain][:4]

    assert outcome(site_domain(1)) == (200, False, None, False)
    assert got[site_domain(1)][4] > 0 and 0 < got[site_domain(1)][5] <= got[site_domain(1)][4]
    assert got[site_domain(1)][6] > 1000  # a real page
    assert outcome(site_domain(2)) == (None, True, "timeout", False)
    assert got[site_domain(2)][4] is None  # no response arrived
    assert outcome(site_domain(3)) == (302, True, "http", False)  # redirect loop
    assert outcome(site_domain(4)) == (200, True, "wsod", False)  # blank page
    assert got[site_domain(4)][6] == 0
    assert outcome(site_domain(5)) == (500, True, "wsod", True)  # critical error text
    assert outcome(site_domain(6)) == (500, True, "http", False)
    assert outcome(site_domain(7))[:3] == (200, False, None)
    assert got[site_domain(7)][4] > got[site_domain(8)][4]  # slow is slower
    assert outcome("dns.test") == (None, True, "dns", False)
    assert outcome("refused.test") == (None, True, "connection", False)
    assert summary["errors_by_class"] == {"timeout": 1, "http": 2, "wsod": 2, "dns": 1,
                                          "connection": 1}


def test_a_retried_probe_round_replaces_its_rows(fleet, conn, db_url):
    ids = register_sites(db_url, fleet.base_url, len(PROFILES))
    healthy = [ids[0], ids[7]]
    slot = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
    for _ in range(2):
        summary = probe_sites(db_url, observed_at=slot, site_ids=healthy, timeout_s=3)
        assert summary["loaded"] == 2
    rows = conn.execute("SELECT observed_at FROM site_metrics").fetchall()
    assert rows == [(slot,), (slot,)]


def test_site_ids_limit_the_round(fleet, conn, db_url):
    ids = register_sites(db_url, fleet.base_url, 3)
    summary = probe_sites(db_url, site_ids=[ids[0]], timeout_s=3)
    assert summary["probed"] == 1
    assert conn.execute("SELECT site_id::text FROM site_metrics").fetchall() == [(ids[0],)]


def test_certificate_expiry_from_a_verified_tls_server(tls_fleet, conn, db_url):
    server, ca = tls_fleet
    register_sites(db_url, server.base_url, 2)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    probe_sites(db_url, verify=trusted, timeout_s=5)
    got = stored(conn)
    assert got[site_domain(1)][:3] == (200, False, None)
    assert got[site_domain(1)][7] == CERT_EXPIRY
    assert got[site_domain(2)][:4] == (500, True, "wsod", True)
    assert got[site_domain(2)][7] == CERT_EXPIRY


def test_an_untrusted_certificate_is_a_tls_error_that_still_shows_its_expiry(tls_fleet, conn,
                                                                            db_url):
    server, _ = tls_fleet
    register_sites(db_url, server.base_url, 1)
    summary = probe_sites(db_url, timeout_s=5)  # the default trust store: not our CA
    assert summary["errors_by_class"] == {"tls": 1}
    status, error, error_class, _, response_ms, *_rest = stored(conn)[site_domain(1)]
    assert (status, error, error_class, response_ms) == (None, True, "tls", None)
    assert stored(conn)[site_domain(1)][7] == CERT_EXPIRY


def test_a_round_dealt_over_worker_processes_keeps_the_order(fleet):
    from healer_ops.ingest.prober import probe_round

    targets = [(f"site-{i}", fleet.site_url(i)) for i in (1, 4, 5, 6, 8, 1)]
    observations = probe_round(targets, concurrency=4, timeout_s=3, max_redirects=5,
                               processes=2, min_sites_per_process=2)
    assert [o.site_id for o in observations] == [t[0] for t in targets]
    assert [(o.status_code, o.error_class) for o in observations] == [
        (200, None), (200, "wsod"), (500, "wsod"), (500, "http"), (200, None), (200, None)]
