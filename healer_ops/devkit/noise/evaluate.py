"""The noisy stream and what it shows: cache hit rate against the ideal, and how often noise
changes a diagnosis (`healer-ops bench cache`, `healer-ops bench accuracy`).

Every labelled fault is replayed once per site: as that site logs it
(`fleet_stream.site_variant`), then with noise, another zone, a cut trace, a wrapper and line
ends (`stream.noisy_variant`). Keyed the way the pipeline keys a log (redact, local type and
culprit, signature, input_hash), the stream's ideal hit rate is 1 - faults / logs (one key
per fault). A variant's diagnosis is compared with the diagnosis of its clean log (the
corpus's text as is): noise must not change it (nor its culprit, counted apart), and must
never make it HEALTHY.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from healer_ops.devkit.bench.fleet_stream import SEED, make_site, site_variant
from healer_ops.devkit.noise.stream import noisy_variant


@dataclass(frozen=True)
class NoisyItem:
    fault_id: str
    label: str
    site: int
    log: str
    changes: tuple[str, ...]


def noisy_stream(examples: list[dict], sites: int, part: str = "tune",
                 seed: int = SEED) -> list[NoisyItem]:
    """Every labelled fault ({"id", "log", "diagnosis_type"}) once per site with noise,
    shuffled; `part` is the tuning or the held-out half of the generator."""
    rng = random.Random(f"{seed}:{part}")
    fleet = [make_site(rng, n) for n in range(sites)]
    items = []
    for example in examples:
        for number, site in enumerate(fleet):
            site_log = site_variant(example["log"], site, rng)
            log, changes = noisy_variant(site_log, site.root, site.domain, site.ip, rng, part)
            items.append(NoisyItem(example["id"], example["diagnosis_type"], number, log,
                                   changes))
    rng.shuffle(items)
    return items


def _change_kinds(changes: tuple[str, ...]) -> list[str]:
    kinds = []
    for change in changes:
        name, _, value = change.partition(":")
        kinds.append(change if name in ("wrapper", "ends") else name)
        if name == "noise":
            kinds[-1] = f"noise:{'1-2' if int(value) <= 2 else '3-5' if int(value) <= 5 else '6+'}"
    return kinds


def evaluate_noisy_stream(examples: list[dict], sites: int = 20, part: str = "tune",
                          local=None, seed: int = SEED, show: int = 10) -> dict:
    """Hit rate of the pipeline's cache key on the noisy stream, and diagnosis changes."""
    from healer_ops.analysis.redact import redact
    from healer_ops.analysis.signature import error_signature, input_hash

    if local is None:
        from healer_ops.analysis.local import LocalAnalyzer

        local = LocalAnalyzer()
    clean = {e["id"]: local.analyze(redact(e["log"])) for e in examples}
    stream = noisy_stream(examples, sites, part, seed)
    seen: set[str] = set()
    hits = differs = culprits = healthy = correct = 0
    hashes_by_fault: dict[str, set[str]] = defaultdict(set)
    labels_by_hash: dict[str, set[str]] = defaultdict(set)
    by_change: dict[str, Counter] = defaultdict(Counter)
    shown: list[dict] = []
    for item in stream:
        redacted = redact(item.log)
        analysis = local.analyze(redacted)
        key = input_hash(error_signature(redacted), analysis.diagnosis_type, analysis.culprit)
        hits += key in seen
        seen.add(key)
        hashes_by_fault[item.fault_id].add(key)
        labels_by_hash[key].add(item.label)
        before = clean[item.fault_id]
        changed = analysis.diagnosis_type != before.diagnosis_type
        culprits += not changed and analysis.culprit != before.culprit
        differs += changed
        healthy += analysis.diagnosis_type == "HEALTHY"
        correct += analysis.diagnosis_type == item.label
        for kind in _change_kinds(item.changes):
            by_change[kind]["n"] += 1
            by_change[kind]["differs"] += changed
        if (changed or analysis.culprit != before.culprit) and len(shown) < show:
            shown.append({"fault": item.fault_id, "changes": list(item.changes),
                          "clean": [before.diagnosis_type, before.culprit],
                          "noisy": [analysis.diagnosis_type, analysis.culprit],
                          "log_head": item.log[:300]})
    total = len(stream)
    ideal = 1 - len(examples) / total if total else 0.0
    hit_rate = hits / total if total else 0.0
    return {
        "part": part,
        "faults": len(examples),
        "sites": sites,
        "logs": total,
        "distinct_hashes": len(seen),
        "hit_rate": round(hit_rate, 4),
        "ideal_hit_rate": round(ideal, 4),
        "hit_rate_of_ideal": round(hit_rate / ideal, 4) if ideal else 0.0,
        "diagnosis_differs": differs,
        "diagnosis_differs_share": round(differs / total, 4) if total else 0.0,
        "culprit_differs": culprits,
        "called_healthy": healthy,
        "accuracy_vs_label": round(correct / total, 4) if total else 0.0,
        "hashes_per_fault_max": max((len(h) for h in hashes_by_fault.values()), default=0),
        "worst_faults": sorted(((len(h), f) for f, h in hashes_by_fault.items()),
                               reverse=True)[:5],
        "hashes_shared_by_types": sum(len(v) > 1 for v in labels_by_hash.values()),
        "differs_by_change": {kind: round(c["differs"] / c["n"], 4)
                              for kind, c in sorted(by_change.items())},
        "examples_differing": shown,
    }
