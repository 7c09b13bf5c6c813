"""Benchmarks of the analysis pipeline: cache hit rate on a fleet stream, and a full
ai_failure_analysis run over many failed executions against the loopback OpenAI server."""

from __future__ import annotations

import json
import math
import time
import uuid
from pathlib import Path

from healer_ops.devkit.bench import scratch_database
from healer_ops.settings import get_settings


def load_labelled_logs(path: Path | None = None) -> list[dict]:
    """{"id", "log", "diagnosis_type"} objects from a JSON Lines file (default: the packaged
    copy of the dev corpus)."""
    from healer_ops.analysis.corpus import DEV_CORPUS

    path = Path(path or DEV_CORPUS)
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            examples.append({"id": str(item["id"]), "log": str(item["log"]),
                             "diagnosis_type": str(item.get("diagnosis_type") or "UNKNOWN")})
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled log ({exc})") from exc
    if not examples:
        raise ValueError(f"{path}: no labelled logs")
    return examples


def cache_hit_rate(corpus: Path | None = None, sites: int = 20, seed: int | None = None,
                   noisy_parts: tuple[str, ...] = ()) -> dict:
    """Hit rate of the cache key on the corpus's faults recurring on `sites` sites, and on
    the noisy stream of each half of its generator in `noisy_parts` (under "noisy")."""
    from healer_ops.analysis.local import LocalAnalyzer
    from healer_ops.devkit.bench.fleet_stream import SEED, evaluate_hit_rate
    from healer_ops.devkit.noise.evaluate import evaluate_noisy_stream

    seed = SEED if seed is None else seed
    examples = load_labelled_logs(corpus)
    local = LocalAnalyzer()
    started = time.perf_counter()
    report = evaluate_hit_rate(examples, sites=sites, seed=seed, local=local)
    report["seconds"] = round(time.perf_counter() - started, 2)
    if noisy_parts:
        report["noisy"] = {}
    for part in noisy_parts:
        started = time.perf_counter()
        noisy = evaluate_noisy_stream(examples, sites=sites, part=part, local=local, seed=seed,
                                      show=0 if part != "tune" else 10)
        noisy["seconds"] = round(time.perf_counter() - started, 2)
        report["noisy"][part] = noisy
    return report


def analyze_executions(executions: int = 1000, sites: int | None = None,
                       latency_ms: float = 300.0, concurrency: int | None = None,
                       corpus: Path | None = None, keep_database: bool = False,
                       ask: str = "unsure") -> dict:
    """Seed a scratch database with failed executions whose logs are the corpus's faults on
    many sites, then run the ai_failure_analysis function (openai mode, loopback server with
    the given latency; the LLM asked about the logs `ask` says) until every execution is
    analyzed. Seconds are end to end."""
    from healer_ops.analysis.executions import analyze_failed_executions
    from healer_ops.analysis.openai_analyzer import OpenAIAnalyzer
    from healer_ops.devkit.bench.fleet_stream import fleet_stream
    from healer_ops.devkit.loopback_openai import LoopbackOpenAI

    settings = get_settings().model_copy(update={"ai_ask": ask})
    examples = load_labelled_logs(corpus)
    sites = sites or max(1, math.ceil(executions / len(examples)))
    stream = fleet_stream(examples, sites)[:executions]
    report: dict = {"executions": len(stream), "sites": sites, "faults": len(examples),
                    "latency_ms": latency_ms, "model": settings.ai_model, "ask": ask,
                    "concurrency": concurrency or settings.ai_concurrency}
    setup_started = time.perf_counter()
    with scratch_database("analyze", keep=keep_database) as url:
        _seed(url, stream, sites)
        report["setup_seconds"] = round(time.perf_counter() - setup_started, 2)
        with LoopbackOpenAI(latency_s=latency_ms / 1000) as server:
            llm = OpenAIAnalyzer(settings, api_key="sk-bench", base_url=server.base_url)
            started = time.perf_counter()
            runs = []
            while True:
                summary = analyze_failed_executions(url, analyzer="openai", llm=llm,
                                                    concurrency=concurrency, settings=settings)
                if not summary["claimed"]:
                    break
                runs.append(summary)
            report["seconds"] = round(time.perf_counter() - started, 2)
            report["llm_requests"] = len(server.chat_requests())
        report.update(_totals(runs, len(stream)))
        report["best_possible_hit_rate"] = round(
            1 - len({i.fault_id for i in stream}) / len(stream), 4)
    report["note"] = "shared CPU: timings are noisy"
    return report


def _seed(url: str, stream, sites: int) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        site_ids = [str(uuid.uuid4()) for _ in range(sites)]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                [(sid, f"bench-{n}.example", f"https://bench-{n}.example/")
                 for n, sid in enumerate(site_ids)])
            with cur.copy("COPY healer_executions (site_id, status, logs_analyzed, started_at) "
                          "FROM STDIN") as copy:
                for n, item in enumerate(stream):
                    copy.write_row((site_ids[item.site], "FAILED", item.log,
                                    _started_at(n)))
        conn.commit()


def _started_at(n: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=n)).isoformat()


def _totals(runs: list[dict], executions: int) -> dict:
    analyzed = sum(r["analyzed"] for r in runs)
    hits = sum(r["cache_hits"] for r in runs)
    cost = sum(r["cost_usd"] for r in runs)
    calls = sum(r["llm_calls"] for r in runs)
    fallbacks: dict[str, int] = {}
    for run in runs:
        for reason, count in run["fallbacks"].items():
            fallbacks[reason] = fallbacks.get(reason, 0) + count
    return {
        "runs": len(runs),
        "analyzed": analyzed,
        "failed": sum(r["failed"] for r in runs),
        "cache_hits": hits,
        "hit_rate": round(hits / analyzed, 4) if analyzed else 0.0,
        "llm_calls": calls,
        "fallbacks": fallbacks,
        "tokens": sum(r["tokens"] for r in runs),
        "cost_usd": round(cost, 6),
        "cost_per_diagnosis_usd": round(cost / analyzed, 8) if analyzed else 0.0,
        "cost_per_llm_call_usd": round(cost / calls, 8) if calls else 0.0,
        "all_analyzed": analyzed == executions,
    }
