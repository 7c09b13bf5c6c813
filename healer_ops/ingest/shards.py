"""Fan-out of one ingest run: the plan split into shards (one mapped `load` task each), and
the shards' summaries merged into the run's summary (the fan-in).

A probe round is split by key range of `wp_sites.id`, `HEALER_PROBE_SHARD_SIZE` sites a
shard: shard k probes the enabled sites from its first id up to the next shard's first id,
so a retry of one shard probes the same range for the same slot and upserts the same rows.
A file load stays one shard: every shard would parse the same day files.
"""

from __future__ import annotations

from collections import Counter

from healer_ops import db

# Counts summed over shards; dicts of counts merged; the rest taken from the first shard.
SUMMED = ("input_rows", "loaded", "quarantined", "duplicates", "changed_rows", "out_of_scope",
          "probed")
MERGED = ("quarantined_by_reason", "errors_by_class")


def shard_plan(url: str | None, plan: dict, shard_size: int | None = None) -> list[dict]:
    """The plan's shards: the whole plan for files, key ranges of the fleet for probes."""
    if plan["mode"] != "probe":
        return [plan | {"shard": 0, "shards": 1}]
    from healer_ops.settings import get_settings

    size = shard_size or get_settings().probe_shard_size
    if size < 1:
        raise ValueError(f"probe shard size must be at least 1, not {size}")
    with db.connect(url) as conn:
        starts = [row[0] for row in conn.execute(db.query("ingest_probe_shards"), {
            "site_ids": plan["site_ids"], "size": size})]
    if not starts:  # no enabled site: one shard that probes nothing and says so
        starts = [None]
    bounds = [*starts[1:], None]
    return [plan | {"shard": k, "shards": len(starts), "from_id": first, "to_id": bound}
            for k, (first, bound) in enumerate(zip(starts, bounds, strict=True))]


def merge_summaries(summaries: list[dict]) -> dict:
    """One run's summary from its shards' summaries (in shard order)."""
    summaries = list(summaries)
    if not summaries:
        raise ValueError("no shard summary to merge")
    merged = dict(summaries[0])
    for key in SUMMED:
        if any(key in s for s in summaries):
            merged[key] = sum(s.get(key, 0) for s in summaries)
    for key in MERGED:
        if any(key in s for s in summaries):
            total = Counter()
            for s in summaries:
                total.update(s.get(key) or {})
            merged[key] = dict(sorted(total.items()))
    if "probe_s" in merged:
        merged["probe_s"] = max(s.get("probe_s") or 0 for s in summaries)
        merged["probes_per_s"] = (round(merged["probed"] / merged["probe_s"], 1)
                                  if merged["probe_s"] else None)
    merged.pop("shard", None)
    merged["shards"] = len(summaries)
    if merged["input_rows"] != merged["loaded"] + merged["quarantined"] + merged["duplicates"]:
        raise AssertionError(f"shard summaries lost track of rows: {merged}")
    return merged
