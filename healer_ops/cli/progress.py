"""Progress of long command-line work, on standard error: a rich progress bar on a terminal,
plain lines otherwise (a log, CI, a pipe: one line every tenth of the way, at most every few
seconds, and one at the end), so standard output stays the command's result.

    with progress("classify", total=len(records), unit="logs") as advance:
        for record in records:
            ...
            advance(1)
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PLAIN_MIN_SECONDS = 5.0


@contextmanager
def progress(description: str, total: int | None, *, unit: str = "items", stream=None,
             terminal: bool | None = None) -> Iterator[Callable[..., None]]:
    """Yields `advance(n=1, note=None)`, safe to call from several threads."""
    stream = stream or sys.stderr
    terminal = stream.isatty() if terminal is None else terminal
    if terminal:
        with _bar(description, total, unit, stream) as advance:
            yield advance
    else:
        plain = _Plain(description, total, unit, stream)
        yield plain.advance
        plain.finish()


@contextmanager
def _bar(description: str, total: int | None, unit: str, stream):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[note]}")]
    with Progress(*columns, console=Console(file=stream), transient=False) as bar:
        task = bar.add_task(description, total=total, note="")
        lock = threading.Lock()

        def advance(n: int = 1, note: str | None = None) -> None:
            with lock:
                bar.update(task, advance=n, **({"note": note} if note is not None else {}))

        yield advance


class _Plain:
    def __init__(self, description: str, total: int | None, unit: str, stream):
        self.description, self.total, self.unit, self.stream = description, total, unit, stream
        self.done = 0
        self.started = self.last_line = time.monotonic()
        self.next_share = 0.1
        self.lock = threading.Lock()
        self.note = ""

    def advance(self, n: int = 1, note: str | None = None) -> None:
        with self.lock:
            self.done += n
            if note is not None:
                self.note = note
            now = time.monotonic()
            share = self.done / self.total if self.total else None
            due = (share is not None and share >= self.next_share
                   and now - self.last_line >= PLAIN_MIN_SECONDS)
            if due or (share is None and now - self.last_line >= PLAIN_MIN_SECONDS):
                self._line(now)
                if share is not None:
                    self.next_share = (int(share * 10) + 1) / 10

    def finish(self) -> None:
        with self.lock:
            self._line(time.monotonic())

    def _line(self, now: float) -> None:
        of = f"/{self.total:,}" if self.total else ""
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        note = f" {self.note}" if self.note else ""
        print(f"{self.description}: {self.done:,}{of} {self.unit}{share} in "
              f"{now - self.started:.0f} s{note}", file=self.stream, flush=True)
        self.last_line = now


@contextmanager
def activity(description: str, *, stream=None, terminal: bool | None = None):
    """Work without a count (a benchmark): a spinner with the elapsed time on a terminal,
    a start and an end line otherwise."""
    stream = stream or sys.stderr
    terminal = stream.isatty() if terminal is None else terminal
    started = time.monotonic()
    if terminal:
        from rich.console import Console

        with Console(file=stream).status(f"{description} ..."):
            yield
        print(f"{description}: {time.monotonic() - started:.1f} s", file=stream)
        return
    print(f"{description} ...", file=stream, flush=True)
    yield
    print(f"{description}: done in {time.monotonic() - started:.1f} s", file=stream, flush=True)


def with_activity(description: str, command: Callable) -> Callable:
    """`command` (a typer command) run inside `activity(description)`."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        with activity(description):
            return command(*args, **kwargs)

    return run
