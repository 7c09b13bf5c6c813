"""Progress of long CLI work: plain lines when the output is not a terminal, a bar when it
is; standard output is never touched."""

from __future__ import annotations

import io
import threading

from healer_ops.cli import progress as progress_module
from healer_ops.cli.progress import progress


def test_plain_lines_every_tenth_and_at_the_end(monkeypatch):
    monkeypatch.setattr(progress_module, "PLAIN_MIN_SECONDS", 0.0)
    out = io.StringIO()
    with progress("classify", 1000, unit="logs", stream=out) as advance:
        workers = [threading.Thread(target=lambda: [advance(1) for _ in range(250)])
                   for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    lines = out.getvalue().splitlines()
    assert 10 <= len(lines) <= 11
    assert lines[-1].startswith("classify: 1,000/1,000 logs (100%)")
    assert "\x1b" not in out.getvalue()  # no terminal escapes in a log


def test_plain_lines_are_rate_limited(monkeypatch):
    out = io.StringIO()
    with progress("ingest", 100, stream=out) as advance:
        for _ in range(100):
            advance(1)
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[-1]]


def test_a_bar_on_a_terminal():
    out = io.StringIO()
    with progress("demo", 3, unit="steps", stream=out, terminal=True) as advance:
        for step in range(3):
            advance(1, f"step {step}")
    text = out.getvalue()
    assert "demo" in text and "3/3" in text and "steps" in text
