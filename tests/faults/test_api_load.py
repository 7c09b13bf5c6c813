"""A short run of `healer-ops bench api`: real HTTP on loopback, a bounded load, no error."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from healer_ops.cli import app

pytestmark = pytest.mark.slow


def test_a_short_load_gets_no_error(db_url):
    result = CliRunner().invoke(app, ["bench", "api", "--duration", "3", "--concurrency", "8",
                                      "--sites", "5", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["requests"] > 20 and figures["errors"] == 0, figures
    assert {"fleet", "alerts", "analysis", "health"} <= set(figures["by_route"])
    assert figures["p99_ms"] >= figures["p50_ms"] > 0


@pytest.mark.parametrize("args", [["--duration", "0"], ["--duration", "301"],
                                  ["--concurrency", "0"], ["--concurrency", "1000"]])
def test_the_load_is_bounded(args):
    result = CliRunner().invoke(app, ["bench", "api", *args])
    assert result.exit_code == 2
