"""Start the embedded PostgreSQL of one HEALER_HOME from several processes at once.

Usage: python first_start.py HOME PROCESSES. Prints one JSON object: each process's exit code,
URL or error, and whether the `healer` database answers. Used by test_first_run.py inside
`.ci/first-run view`, where the machine looks as if pgserver never ran on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

STARTER = """
import sys, time
from pathlib import Path
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
from healer_ops.db.embedded import embedded_url
print(embedded_url(Path(sys.argv[1])))
"""


def main(home: str, processes: int) -> dict:
    start = time.time() + 3  # every process imports first, then all start together
    runs = [subprocess.Popen([sys.executable, "-c", STARTER, home, str(start)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(processes)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        results.append({"rc": run.returncode, "url": out.strip(), "stderr": err[-20000:]})
    answer = None
    if results and results[0]["rc"] == 0:
        import psycopg

        with psycopg.connect(results[0]["url"]) as conn:
            answer = conn.execute("SELECT current_database()").fetchone()[0]
    return {"results": results, "database": answer}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
