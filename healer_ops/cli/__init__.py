"""The `healer-ops` command line (also `python -m healer_ops`).

One module per command group: `db`, `ingest`, `detect` (detect, baselines, alerts scan),
`analysis` (classify), `operate` (alert lifecycle, analyze, labels, report), `notify`
(tokens, notify), `patterns` (people deciding on learned fixes), `incidents` (sites
set-server, incidents list). Each imports only typer at
module level so that `healer-ops --help` stays fast. The devkit (demo, fleet, benchmarks,
evaluation against ground truth) plugs its commands in through the `healer_ops.commands`
entry point group; the product never imports it, and says so on stderr when a plugged-in
group cannot load.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points

import typer

from healer_ops.cli import (
    analysis,
    cluster,
    db,
    detect,
    incidents,
    ingest,
    model,
    notify,
    operate,
    patterns,
)

ENTRY_POINT_GROUP = "healer_ops.commands"

app = typer.Typer(help="HealerOps: fleet intelligence for WordPress self-healing.",
                  no_args_is_help=True, add_completion=False)
# Sub-command groups that several modules (and plug-ins) add commands to.
groups: dict[str, typer.Typer] = {
    "alerts": typer.Typer(help="Predictive alerts of the fleet.", no_args_is_help=True),
}

for _module in (db, ingest, detect, analysis, model, operate, notify, patterns, cluster,
                incidents):
    _module.register(app, groups)


def _plug_in() -> None:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register = entry_point.load()
        except Exception as exc:  # a broken plug-in must not take the product's commands down
            print(f"healer-ops: commands of {entry_point.value} not loaded: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        register(app, groups)


_plug_in()
app.add_typer(groups["alerts"], name="alerts")


def main() -> None:
    """`healer-ops`: every failure ends in one `error:` line on stderr, never a traceback.

    Commands refuse bad input themselves (exit 2, naming the file and line); this is the
    last line of defence for the unforeseen (exit 1). HEALER_DEBUG=1 shows the traceback.
    """
    try:
        app()
    except Exception as exc:
        if os.environ.get("HEALER_DEBUG"):
            raise
        print(f"error: {describe_failure(exc)} (HEALER_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        sys.exit(1)


def describe_failure(exc: BaseException) -> str:
    """One line: the exception's type and the first line of its message."""
    message = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    return text if len(text) <= 500 else text[:500] + "..."


if __name__ == "__main__":
    main()
