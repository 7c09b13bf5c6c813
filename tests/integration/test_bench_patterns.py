"""`healer-ops bench patterns` on a small population: the real refresh code decides, and the
report has the figures the issue asks for."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def test_bench_patterns_reports_its_figures(db_url):
    from healer_ops.cli import app

    result = CliRunner().invoke(app, ["bench", "patterns", "--good", "30", "--bad", "60",
                                      "--turning", "10", "--weeks", "3", "--json"])
    assert result.exit_code == 0, result.output
    # the JSON object is the one line of its own (progress lines may come with it)
    (line,) = [line for line in result.output.splitlines() if line.startswith("{")]
    report = json.loads(line)
    for key in ("good_approved_share", "bad_approved_share", "uses_to_approve_median",
                "failures_to_revoke_max", "good_revoked_share"):
        assert key in report
    assert report["good_approved_share"] > 0.3  # good fixes do get approved ...
    assert report["bad_approved_share"] <= 0.05  # ... bad ones (nearly) never
    assert report["failures_to_revoke_max"] is not None and report["failures_to_revoke_max"] <= 3
    assert report["uses_to_approve_median"] >= 19  # never before 19 successes
