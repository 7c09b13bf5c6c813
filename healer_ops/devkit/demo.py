"""`healer-ops demo`: the whole pipeline on a generated fleet, end to end, in-process.

Migrate, generate a deterministic fleet (metrics as daily file drops), run the six DAGs in
order through dag.test(), and summarize what each one did.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from healer_ops import db
from healer_ops.devkit import kitdb
from healer_ops.settings import get_settings

DEMO_DATABASE = "healer_demo"


@dataclass
class DemoRun:
    url: str
    start: datetime
    end: datetime
    generated: dict
    dag_runs: dict[str, dict] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    detection_score: dict = field(default_factory=dict)
    pattern_score: dict = field(default_factory=dict)


def demo_database_url(database: str = DEMO_DATABASE, *, fresh: bool = True) -> str:
    """The demo's own database on the resolved server, recreated when fresh."""
    server_url = db.resolve_url()
    if fresh:
        db.drop_database(server_url, database)
    db.ensure_database(server_url, database)
    return db.with_database(server_url, database)


def demo_end(now: datetime | None = None) -> datetime:
    """The demo's data ends at the last midnight (UTC): one day gives one deterministic fleet."""
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def run_demo(url: str, *, sites: int = 50, days: int = 14, seed: int = 7,
             end: datetime | None = None, work_dir: Path | None = None, progress=print,
             log_file: Path | None = None) -> DemoRun:
    """Run the pipeline on `url` (an empty or demo database). Airflow must be prepared.

    The DAG runs' own logs go to `log_file` when given.
    """
    from healer_ops.devkit.dagrun import run_dag
    from healer_ops.devkit.fleet.generator import generate_fleet

    end = end or demo_end()
    start = end - timedelta(days=days)
    drop_dir = Path(work_dir or get_settings().home / "demo") / "drop"
    shutil.rmtree(drop_dir, ignore_errors=True)
    drop_dir.mkdir(parents=True)

    kitdb.migrate(url)
    progress(f"generating {sites} sites x {days} days (seed {seed}) ...")
    generated = generate_fleet(url, sites=sites, days=days, seed=seed, end=end,
                               drop_dir=drop_dir)
    demo = DemoRun(url=url, start=start, end=end, generated=generated)
    replayed = replay_earlier_analyses(url, end)
    progress(f"replayed {replayed['analyzed']} analyses older than the cache TTL "
             f"({replayed['cache_rows']} cache rows, dated when they happened)")

    for dag_id, logical_date, conf in demo_schedule(start, end, drop_dir):
        progress(f"running {dag_id} ...")
        began = time.perf_counter()
        result = run_dag(dag_id, logical_date=logical_date, conf=conf, log_file=log_file)
        demo.seconds[dag_id] = time.perf_counter() - began
        if result["state"] != "success":
            raise RuntimeError(f"{dag_id} ended {result['state']}: see {log_file or 'the log'}")
        demo.dag_runs[dag_id] = result["tasks"]
        for task_id, summary in result["tasks"].items():
            progress(f"  {task_id}: {_brief(summary)}")

    from healer_ops.devkit.evaluate.alerts import score_alerts
    from healer_ops.devkit.evaluate.patterns import score_patterns

    demo.detection_score = score_alerts(url)
    demo.pattern_score = score_patterns(url, end)
    return demo


def replay_earlier_analyses(url: str, end: datetime) -> dict:
    """Analyze the executions that failed more than the cache TTL before `end`, as Healer did
    at the time, and date those analyses and their cache rows back to then.

    A fleet with history has a cache with expired rows; this gives the demo's purge real work
    without inventing analyses: they come from the same pipeline the DAG runs.
    """
    from healer_ops.analysis.executions import analyze_failed_executions

    ttl_days = get_settings().cache_ttl_days
    cutoff = end - timedelta(days=ttl_days)
    with db.connect(url) as conn:
        old = conn.execute(kitdb.query("demo_old_failures"), {"cutoff": cutoff}).fetchone()[0]
    if not old:
        return {"analyzed": 0, "cache_rows": 0}
    began = datetime.now(UTC)
    summary = analyze_failed_executions(url, limit=old, analyzer="local")
    with db.connect(url) as conn:
        conn.execute(kitdb.query("demo_backdate_analyses"),
                     {"since": began, "cutoff": cutoff, "ttl_days": ttl_days})
        cache_rows = conn.execute(kitdb.query("demo_expired_cache_rows"),
                                  {"end": end}).fetchone()[0]
    return {"analyzed": summary["analyzed"], "cache_rows": cache_rows}


def demo_schedule(start: datetime, end: datetime, drop_dir: Path) -> list[tuple]:
    """(dag_id, logical_date, conf) in pipeline order, covering the generated period."""
    iso = datetime.isoformat
    return [
        ("site_metrics_ingest", end,
         {"mode": "files", "drop_dir": str(drop_dir), "start": iso(start), "end": iso(end)}),
        ("performance_baselines", end, {}),
        ("anomaly_detection", end, {"since": iso(start), "until": iso(end)}),
        ("ai_failure_analysis", end, {}),
        ("pattern_effectiveness", end, {}),
        ("ai_cache_purge", end, {}),
    ]


def summary_rows(demo: DemoRun) -> list[tuple[str, str]]:
    """(figure, value) pairs for the summary table, from the database and the task summaries."""
    from healer_ops.analysis.cache_stats import cache_stats

    with db.connect(demo.url) as conn:
        cur = conn.execute(kitdb.query("demo_summary"))
        figures = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
        # every analysis the demo made, the replayed ones (dated back) included
        cache = cache_stats(conn, since=demo.end - timedelta(days=3650),
                            until=datetime.now(UTC) + timedelta(minutes=1))
    metrics, quarantined, baselines = (figures[k] for k in ("metrics", "quarantined",
                                                             "baselines"))
    alerts_open, alerts_total, incidents = (figures[k] for k in ("alerts_open", "alerts_total",
                                                                  "incidents"))
    analyzed, failed, cost = figures["analyzed"], figures["failed"], float(figures["cost"])
    approved, patterns = figures["approved"], figures["patterns"]
    purge = _task(demo, "ai_cache_purge", "purge_expired_cache")
    patterns_run = demo.pattern_score
    score = demo.detection_score
    hit_rate = cache["hit_rate"] or 0.0
    return [
        ("sites x days", f"{demo.generated['sites']} x {demo.generated['days']}"),
        ("metric rows ingested", f"{metrics:,}"),
        ("rows quarantined", f"{quarantined:,}"),
        ("baselines computed", f"{baselines:,}"),
        ("incidents injected", f"{incidents}"),
        ("alerts opened (open now)", f"{alerts_total} ({alerts_open})"),
        ("incidents matched / missed",
         f"{score.get('matched_incidents', 0)} / {len(score.get('missed', []))}"),
        ("false alerts", f"{score.get('false_alerts', 0)}"),
        ("alert precision / recall",
         f"{_ratio(score.get('precision'))} / {_ratio(score.get('recall'))}"),
        ("outages alerted before / lead time", _lead(score.get("lead_times") or {})),
        ("failed executions analyzed", f"{analyzed} of {failed}"),
        ("analysis cache hit rate", f"{hit_rate:.0%}"),
        ("AI cost", f"${cost:.4f}"),
        ("patterns auto-approved", f"{approved} of {patterns}"),
        ("approved good / good, bad / bad",
         f"{patterns_run.get('good_approved', 0)} / {patterns_run.get('good_patterns', 0)}, "
         f"{patterns_run.get('false_approvals', 0)} / {patterns_run.get('bad_patterns', 0)}"),
        ("candidate patterns from analyses", f"{figures['candidates']}"),
        ("AI plans written / kept as advice", f"{figures['ai_plans']} / {figures['ai_advice']}"),
        ("cache rows purged", f"{purge.get('deleted', 0)}"),
    ]


def _lead(lead_times: dict) -> str:
    if not lead_times.get("incidents"):
        return "n/a"
    return (f"{lead_times['before_outage']} of {lead_times['incidents']} / "
            f"{lead_times['min_hours']}-{lead_times['max_hours']} h")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _brief(summary):
    """A task's return value for the progress line (lists, of shards or of a mapped task's
    results, as counts)."""
    if not isinstance(summary, list):
        return summary
    if summary and all(isinstance(item, list) for item in summary):
        return f"{len(summary)} shard(s) of {sum(len(item) for item in summary)} ids"
    return f"{len(summary)} shard(s)" if summary and isinstance(summary[0], dict) else \
        f"{len(summary)} ids"


def _task(demo: DemoRun, dag_id: str, task_id: str) -> dict:
    """What one task of a DAG run returned ({} when the DAG did not run)."""
    value = demo.dag_runs.get(dag_id, {}).get(task_id, {})
    return value if isinstance(value, dict) else {}
