"""`healer-ops model ...`: the local analyzer's fitted model artifact."""

from __future__ import annotations

import json

import typer

model_app = typer.Typer(help="The local analyzer's fitted model (one artifact per version).",
                        no_args_is_help=True)


@model_app.command("info")
def info() -> None:
    """The model version (part of every cache key) and where its artifact is."""
    from healer_ops.analysis.artifact import artifact_path, model_version

    path = artifact_path()
    typer.echo(json.dumps({"version": model_version(), "artifact": str(path),
                           "stored": path.is_file()}))


@model_app.command("build")
def build() -> None:
    """Fit the model on the packaged corpus and store it (e.g. when building an image)."""
    from healer_ops.analysis import artifact

    model = artifact.build()
    typer.echo(json.dumps({"version": artifact.model_version(),
                           "artifact": str(artifact.artifact_path()),
                           "examples": model.n_examples,
                           "fit_seconds": round(model.fit_seconds, 2)}))


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(model_app, name="model")
