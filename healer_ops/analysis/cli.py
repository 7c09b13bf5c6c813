"""`healer-ops` commands of the analysis capability (typer only at module level)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
    bench_app.command("accuracy")(bench_accuracy)


def bench_accuracy(
    folds: int = typer.Option(5, min=2, help="Stratified folds over the dev corpus"),
    seed: int = typer.Option(0, help="Fold shuffling seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cross-validated accuracy of the local analyzer on the dev corpus (held-out dev
    examples never in training), per type and strategy, with calibration figures."""
    import json

    from healer_ops.analysis.training import accuracy_report

    report = accuracy_report(k=folds, seed=seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    corpus = report["corpus"]
    typer.echo(f"dev corpus {corpus['dev']} examples, {report['folds']}-fold CV; "
               f"{corpus['written']} written examples always in training")
    for name, figures in report["strategies"].items():
        marker = " (selected)" if name == report["selected_strategy"] else ""
        typer.echo(f"{name:18} accuracy {figures['accuracy']:.3f}  with alt "
                   f"{figures['accuracy_with_alt']:.3f}  brier {figures['brier_confidence']:.4f}"
                   f"  ece {figures['ece']:.4f}{marker}")
    selected = report["strategies"][report["selected_strategy"]]
    for diagnosis_type, row in selected["per_type"].items():
        typer.echo(f"  {diagnosis_type:18} {row['correct']}/{row['n']}  {row['accuracy']:.3f}")
    typer.echo("reliability (selected): " + ", ".join(
        f"{r['bin']}: n={r['n']} conf={r['mean_confidence']:.2f} acc={r['accuracy']:.2f}"
        for r in selected["reliability"]))
    typer.echo(f"cv {report['cv_seconds']} s, fit on the full corpus "
               f"{report['fit_seconds_full_corpus']} s (shared CPU: noisy)")
