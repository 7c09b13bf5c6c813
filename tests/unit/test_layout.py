"""The house rules that a reviewer would otherwise check by hand: the product never imports
its kit, and no product module grows past 500 lines."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "healer_ops"
MAX_LINES = 500


def _product_top_level() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return {f"healer_ops.{n}" for n in names} - {
        "healer_ops.__init__", "healer_ops.__main__", "healer_ops.devkit"}


def test_the_import_contract_lists_every_product_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = config["contracts"][0]
    assert contract["forbidden_modules"] == ["healer_ops.devkit"]
    assert set(contract["source_modules"]) == _product_top_level()


def test_no_product_module_imports_the_devkit():
    graph = grimp.build_graph("healer_ops")
    kit = {m for m in graph.modules if m == "healer_ops.devkit" or
           m.startswith("healer_ops.devkit.")}
    product = graph.modules - kit - {"healer_ops"}
    offenders = {(importer, imported)
                 for importer in product for imported in graph.find_modules_directly_imported_by(
                     importer) if imported in kit}
    assert not offenders, f"product modules import the devkit: {sorted(offenders)}"
    assert kit, "the devkit was not found: the check would pass vacuously"


def test_no_module_outside_detect_is_over_500_lines():
    too_long = {}
    for path in PACKAGE.rglob("*.py"):
        if "detect" in path.relative_to(PACKAGE).parts[:1]:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, f"split these modules along their ideas: {too_long}"


def test_a_devkit_command_module_imports_alone_without_a_plug_in_warning():
    done = subprocess.run([sys.executable, "-c", "import healer_ops.devkit.cli.bench_nab"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "not loaded" not in done.stderr, done.stderr
