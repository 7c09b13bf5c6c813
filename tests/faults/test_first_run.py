"""The first start of the embedded PostgreSQL on a fresh machine, by several processes at once.

As root this runs in `.ci/first-run view`: a private view of the machine where pgserver's OS
user and runtime folder were never made (the machine's own stay untouched), so every run of
the suite is a first run, as a new user's `make test` with two workers is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from healer_ops.db.embedded import SYSTEM_USER

ROOT = Path(__file__).resolve().parents[2]
STARTS = 4


def test_four_processes_start_the_embedded_database_on_a_fresh_machine(tmp_path):
    script = [sys.executable, str(Path(__file__).with_name("first_start.py")),
              str(tmp_path / "home"), str(STARTS)]
    (tmp_path / "home").mkdir()
    as_root = os.geteuid() == 0
    if as_root:
        if not shutil.which("unshare"):
            pytest.skip("as root the fresh view needs unshare (util-linux)")
        script = ["bash", str(ROOT / ".ci" / "first-run"), "view", *script]
    done = subprocess.run(script, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    if as_root:
        assert "without the OS user pgserver" in done.stdout
    report = json.loads(done.stdout.strip().splitlines()[-1])
    failures = [run["stderr"][-1500:] for run in report["results"] if run["rc"] != 0]
    assert not failures, failures
    urls = {run["url"] for run in report["results"]}
    assert len(urls) == 1 and report["database"] == "healer"
    assert (tmp_path / "home" / "pg" / "PG_VERSION").exists()
    if as_root:
        assert (tmp_path / "home" / "pg").stat().st_uid != 0  # owned by the view's pgserver


def test_the_system_user_is_the_one_pgserver_runs_as():
    from pgserver import postgres_server

    source = Path(postgres_server.__file__).read_text()
    assert f"self.system_user = '{SYSTEM_USER}'" in source
