"""The noisy stream generator of the kit: deterministic, its two halves disjoint, its noise
around the fault (never inside it), and the analyzer's acceptance figures on a short stream."""

from __future__ import annotations

import random
import re

import pytest

from healer_ops.devkit.bench.analysis import load_labelled_logs
from healer_ops.devkit.noise import pool, wrappers
from healer_ops.devkit.noise.evaluate import evaluate_noisy_stream, noisy_stream
from healer_ops.devkit.noise.stream import cut_trace, entries_of, noisy_variant

pytest_plugins = ("openai_server",)  # the local_analyzer fixture

FATAL = ("[12-Nov-2025 19:20:15 UTC] PHP Fatal error:  Uncaught Error: Call to undefined "
         "function acme_boot() in /var/www/html/wp-content/plugins/acme-forms/inc/boot.php:41\n"
         "Stack trace:\n#0 /var/www/html/wp-includes/class-wp-hook.php(324): acme_init('')\n"
         "#1 /var/www/html/wp-settings.php(700): do_action('init')\n#2 {main}\n"
         "  thrown in /var/www/html/wp-content/plugins/acme-forms/inc/boot.php on line 41")


def test_the_parts_of_the_generator_share_nothing():
    for items in (pool.templates, pool.plugins, pool.themes, pool.classes, pool.component_files,
                  pool.array_keys, pool.request_paths, wrappers.zones):
        parts = [set(items(part)) for part in pool.PARTS]
        assert all(parts), items
        assert all(not a & b for i, a in enumerate(parts) for b in parts[i + 1:]), items
    names = [{name for name, _ in wrappers.wrappers(part)} for part in pool.PARTS]
    assert all(not a & b for i, a in enumerate(names) for b in names[i + 1:])
    with pytest.raises(ValueError, match="part must be one of"):
        pool.templates("all")


def test_the_fresh_part_has_line_ends_and_multi_line_noise_of_its_own():
    rng = random.Random(2)
    ends, multi_line = set(), False
    for _ in range(60):
        log, changes = noisy_variant(FATAL, "/var/www/html", "shop.example.org", "203.0.113.9",
                                     rng, "fresh")
        ends |= {c for c in changes if c.startswith("ends:")}
        multi_line |= "script_filename = /var/www/html/index.php" in log
        assert "acme_boot()" in log
    assert {"ends:cr", "ends:crcrlf", "ends:nul-lead"} <= ends and multi_line


def test_the_stream_is_deterministic_and_every_fault_recurs_on_every_site():
    examples = load_labelled_logs()[:5]
    first = noisy_stream(examples, 3, "tune", seed=11)
    assert first == noisy_stream(examples, 3, "tune", seed=11)
    assert first != noisy_stream(examples, 3, "tune", seed=12)
    assert sorted((i.fault_id, i.site) for i in first) == sorted(
        (e["id"], n) for e in examples for n in range(3))


@pytest.mark.parametrize("part", pool.PARTS)
def test_noise_goes_between_entries_and_never_names_the_culprit(part):
    rng = random.Random(5)
    for _ in range(30):
        log, changes = noisy_variant(FATAL, "/var/www/html", "shop.example.org", "203.0.113.9",
                                     rng, part)
        assert "acme_boot()" in log and any(c.startswith("noise:") for c in changes)
        text = log.replace("\r\n", "\n").replace("\r", "\n").replace("\\n", "\n")
        # only the fault itself names its plugin: noise comes from other plugins and themes
        named = [line for line in text.split("\n") if "acme-forms" in line]
        assert named and all("acme" in line for line in named)
        if "wrapper:apache-proxy-fcgi" not in changes:  # Apache keeps the trace on one line
            lines = [line for line in text.split("\n") if line.strip()]
            head = next(i for i, line in enumerate(lines) if "acme_boot() in" in line)
            assert "Stack trace" in lines[head + 1] or "cut-trace" in changes


def test_a_cut_trace_keeps_its_head_and_drops_deeper_frames():
    entry = entries_of(FATAL.split("\n"))[0]
    cuts = {cut_trace(entry, random.Random(seed)).lines for seed in range(40)}
    assert len(cuts) > 3
    for lines in cuts:
        assert lines[0] == entry.lines[0] and len(lines) <= len(entry.lines)
        frames = [int(m.group(1)) for line in lines for m in [re.match(r"#(\d+)", line)] if m]
        assert frames == list(range(len(frames)))  # from the top, never a gap


def test_noise_never_changes_a_diagnosis_on_a_short_stream(local_analyzer):
    """The acceptance figures of issue 14 on a short stream (the bench runs 20 sites)."""
    examples = load_labelled_logs()
    tune = evaluate_noisy_stream(examples, sites=3, part="tune", local=local_analyzer)
    assert tune["called_healthy"] == 0
    assert tune["diagnosis_differs_share"] <= 0.005, tune["examples_differing"]
    assert tune["hit_rate_of_ideal"] >= 0.98
    for part in ("held-out", "fresh"):  # (both looked at since: see pool.py)
        held_out = evaluate_noisy_stream(examples, sites=3, part=part, local=local_analyzer,
                                         show=0)
        assert held_out["called_healthy"] == 0, part
        assert held_out["diagnosis_differs_share"] <= 0.005, part
    assert held_out["diagnosis_differs_share"] <= 0.03  # never tuned on: a guard, not a target
