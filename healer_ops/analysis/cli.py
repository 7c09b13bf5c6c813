"""`healer-ops` commands of the analysis capability (typer only at module level)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
