"""Great Expectations stays quiet in task logs: its import alone logs about 200 INFO lines."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, logging
seen = []
class Collect(logging.Handler):
    def emit(self, record):
        seen.append((record.name, record.levelname, record.getMessage()))
logging.getLogger().addHandler(Collect())
logging.getLogger().setLevel(logging.INFO)  # as Airflow's task logging is set up
import pandas as pd
from healer_ops.ingest.validate import run_expectations
failures = run_expectations(pd.DataFrame({"a": [1.0, None, 3.0]}),
                            [("a:missing", "ExpectColumnValuesToNotBeNull", {"column": "a"})])
print(json.dumps({"failures": {k: v.tolist() for k, v in failures.items()},
                  "gx_lines": [s for s in seen if s[0].startswith("great_expectations")]}))
"""


def test_great_expectations_logs_nothing_at_info():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["failures"] == {"a:missing": [1]}  # the validation itself still runs
    assert result["gx_lines"] == []
