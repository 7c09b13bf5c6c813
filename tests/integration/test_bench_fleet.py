"""`healer-ops bench fleet` on a small fleet: one JSON object with cycle_s and the figures
the issue asks for, consistent with the fleet it built."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def test_bench_fleet_reports_a_cycle_storage_and_retention(db_url):
    from healer_ops.cli import app

    result = CliRunner().invoke(app, ["bench", "fleet", "--sites", "30", "--workers", "2",
                                      "--shard-size", "10", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("{")]
    report = json.loads(line)
    assert report["cycle_s"] > 0
    assert report["cycle_s"] >= report["ingest_s"] + report["detect_s"] - 0.01
    assert (report["ingest_shards"], report["ingest_rows"]) == (3, 30)  # every site, once
    assert report["detect_shards"] == 2
    # a day of 5-minute rows per site before the cycle, plus the cycle's row
    assert report["detect_observations"] == 30 * 289
    assert report["rollup_rows"] == 30 * 24
    assert 0 < report["rollup_bytes_per_site_day"] < report["raw_bytes_per_site_day"]
    assert len(report["retention_dropped"]) == 1
    for key in ("baseline_raw_s", "baseline_hourly_s", "rollup_day_s", "retention_drop_day_s",
                "cycle_ms_per_site"):
        assert report[key] >= 0
