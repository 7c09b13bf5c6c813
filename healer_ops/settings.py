"""Every setting HealerOps reads, in one place (the README's settings table mirrors this).

Values come from the environment (``HEALER_*``, plus the OpenAI SDK's own ``OPENAI_*``).
Inside Airflow, the database comes from the ``healer_db`` connection first (see ``db``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


def _project_root() -> Path:
    """The checkout holding include/sql (the package's parent in a source install)."""
    candidate = PACKAGE_DIR.parent
    return candidate if (candidate / "include" / "sql").is_dir() else Path.cwd()


PROJECT_ROOT = _project_root()

# USD per million tokens: (input, cached input, output), as OpenAI publishes them (mid-2026;
# the plan's gpt-4 and gpt-4-turbo have no cached-input discount). Batch API requests cost
# half. Operators extend or override it: HEALER_AI_PRICES_FILE, HEALER_AI_MODEL_PRICES
# (healer_ops.analysis.prices); a model with no price is refused when a run starts.
MODEL_PRICES_PER_MTOK: dict[str, tuple[float, float, float]] = {
    "gpt-4": (30.00, 30.00, 60.00),
    "gpt-4-32k": (60.00, 60.00, 120.00),
    "gpt-4-turbo": (10.00, 10.00, 30.00),
    "gpt-4-turbo-preview": (10.00, 10.00, 30.00),
    "gpt-4-1106-preview": (10.00, 10.00, 30.00),
    "gpt-4-0125-preview": (10.00, 10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 0.50, 1.50),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "o1": (15.00, 7.50, 60.00),
    "o3": (2.00, 0.50, 8.00),
    "o3-mini": (1.10, 0.55, 4.40),
    "o4-mini": (1.10, 0.275, 4.40),
    "gpt-5": (1.25, 0.125, 10.00),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "gpt-5-nano": (0.05, 0.005, 0.40),
    "gpt-5.4": (2.50, 0.25, 15.00),
    "gpt-5.4-mini": (0.75, 0.075, 4.50),
    "gpt-5.4-nano": (0.20, 0.02, 1.25),
    "gpt-5.5": (5.00, 0.50, 30.00),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEALER_", extra="ignore")

    database_url: str | None = Field(
        None, description="PostgreSQL URL; unset = Airflow connection healer_db or embedded"
    )
    home: Path = Field(
        PROJECT_ROOT / ".healer",
        description="Working folder: embedded PostgreSQL, Airflow home of the demo, demo files",
    )
    sql_dir: Path = Field(PROJECT_ROOT / "include" / "sql", description="Migrations and queries")

    # ingestion
    drop_dir: Path | None = Field(
        None, description="File-drop folder of site_metrics_ingest (one file per day)"
    )
    probe_concurrency: int = Field(100, description="Concurrent HTTP probes")
    probe_timeout_s: float = Field(10.0, description="Per-request probe timeout")
    probe_max_redirects: int = Field(5, description="Redirects a probe follows")
    probe_processes: int = Field(2, description="Worker processes of a probe round (used from "
                                 "3000 sites on; 1 = probe in the task's process)")
    probe_shard_size: int = Field(2000, ge=1, description="Sites per probe shard (one mapped "
                                  "load task of site_metrics_ingest each)")

    # fleet-scale storage (healer_ops.storage; the metrics_retention DAG)
    metrics_raw_retention_days: int = Field(
        14, ge=1, description="Days of raw site_metrics kept: older daily partitions are "
        "dropped by metrics_retention once their hourly roll-up is checked complete")
    metrics_partitions_ahead_days: int = Field(
        2, ge=0, description="Daily site_metrics partitions created ahead of today")
    baseline_hourly_after_days: int = Field(
        7, ge=1, description="Baseline periods longer than this (on whole hours) read the "
        "hourly roll-ups instead of the raw rows (same statistics, exact)")
    quarantine_retention_days: int = Field(
        30, ge=1, description="Days a rejected row stays in metric_quarantine")
    resolved_alert_retention_days: int = Field(
        180, ge=1, description="Days a resolved alert (with its actions and notices) is kept "
        "after it was resolved")

    # root-cause analysis
    analyzer: str = Field("local", description="local (offline, default) or openai")
    ai_model: str = Field("gpt-4.1-mini", description="Model of the openai analyzer")
    ai_model_prices: dict[str, Any] = Field(
        {}, description="Prices added to or overriding the built-in table (JSON: model -> "
        "[input, cached_input, output] USD per million tokens)")
    ai_prices_file: Path | None = Field(
        None, description="A JSON or TOML file of model prices, same shape")
    ai_timeout_s: float = Field(30.0, description="Timeout of one LLM request")
    ai_max_retries: int = Field(3, description="Retries on 429/5xx, with backoff")
    ai_budget_usd: float = Field(1.00, description="Most an analysis run may spend on the LLM")
    ai_concurrency: int = Field(8, description="Executions analyzed at once")
    ai_batch_size: int = Field(500, description="Failed executions claimed per run")
    analysis_shard_size: int = Field(250, ge=1, description="Claimed executions per analysis "
                                     "shard (one mapped analyze task of ai_failure_analysis)")
    cache_ttl_days: int = Field(30, description="Days an analysis stays in ai_analysis_cache")
    abstain_below: float = Field(
        0.5, ge=0.0, le=1.0, description="The local analyzer answers UNKNOWN (its best guess in "
        "the reasoning) when its calibrated confidence is below this")
    ai_ask: str = Field("unsure", description="Logs the openai analyzer is asked about: unsure "
                        "(the local analyzer answered UNKNOWN) or all")

    # pattern learning (pattern_effectiveness)
    pattern_approval_rule: str = Field(
        "sequential", description="sequential (a likelihood-ratio test of a good success rate "
        "against a bad one) or wilson (the 95% lower bound of the success rate)")
    pattern_bad_rate: float = Field(
        0.80, description="A fix that works at most this often is bad (the test's null)")
    pattern_good_rate: float = Field(
        0.97, description="The success rate the sequential test weighs the evidence for")
    pattern_approve_likelihood_ratio: float = Field(
        5.5, description="Evidence (likelihood ratio, good rate vs bad rate) needed to "
        "auto-approve")
    pattern_min_lower_bound: float = Field(
        0.75, description="wilson rule: auto-approve only when the 95% Wilson lower bound of "
        "the success rate is at least this")
    pattern_revoke_lower_bound: float = Field(
        0.65, description="Revoke an approval when the lower bound falls under this")
    pattern_min_successes: int = Field(19, description="Successes needed before auto-approval")
    pattern_recent_uses: int = Field(20, description="Uses that count as recent evidence")
    pattern_max_recent_failures: int = Field(
        2, description="More failures than this among the recent uses blocks or revokes")
    pattern_max_failure_streak: int = Field(
        1, description="A longer run of failures at the end blocks or revokes")
    pattern_recent_days: int = Field(30, description="Window of recent_successes/failures")
    pattern_ewma_half_life_uses: float = Field(
        10.0, description="avg_success_rate: uses after which a use's weight halves")
    pattern_proposal_min_failures: int = Field(
        3, description="Analyzed failures of a version that agree on other commands before "
        "they are proposed as its next version")
    pattern_blacklisted_plugins: list[str] = Field(
        ["woocommerce", "woocommerce-*"], description="Plugins a pattern may never touch "
        "unattended (plus every site's own blacklisted_plugins)")

    # plugin
    api_token: str | None = Field(None, description="One more write-scope bearer token of the "
                                  "Healer API (machines; people sign in through Airflow)")
    api_pool_min_size: int = Field(1, ge=0, description="Database connections each process "
                                   "serving the API keeps open (its pool, made on the first "
                                   "request)")
    api_pool_max_size: int = Field(10, ge=1, description="Most database connections each "
                                   "process serving the API opens")
    api_pool_timeout_s: float = Field(10.0, gt=0, description="Longest a request waits for a "
                                      "free database connection (then 503)")

    # notifications (healer_ops.notify; the alert_notifications DAG)
    notify_min_severity: str = Field("HIGH", description="Alerts at this severity and above "
                                     "notify (LOW, MEDIUM, HIGH, CRITICAL)")
    notify_webhook_url: str | None = Field(None, description="Incoming webhook (Slack, Teams "
                                           "Workflows, or any JSON receiver)")
    notify_webhook_format: str = Field("auto", description="auto (from the URL's host), "
                                       "slack, teams or json")
    notify_email_to: str | None = Field(None, description="Comma-separated recipients of "
                                        "alert and failure e-mails (SMTP provider)")
    notify_email_from: str | None = Field(None, description="Sender (default: the SMTP "
                                          "connection's from_email)")
    notify_smtp_conn_id: str = Field("smtp_default", description="Airflow SMTP connection")
    notify_quiet_hours: str | None = Field(None, description="HH:MM-HH:MM in "
                                           "notify_timezone: non-CRITICAL notices wait")
    notify_timezone: str = Field("UTC", description="Time zone of the quiet hours")
    notify_site_min_interval_minutes: float = Field(
        15.0, description="At most one message per site and channel this often (later "
        "notices wait and go out together)")
    notify_group_wait_minutes: float = Field(
        0.0, ge=0, le=60, description="A raise of a site with a known server waits this long "
        "for other sites of its server to join it in an incident (0: no wait)")
    notify_max_attempts: int = Field(8, description="Delivery attempts before giving up")
    notify_fresh_hours: float = Field(24.0, description="Alerts last seen longer ago are "
                                      "history (backfills), not news: no notice")
    notify_link_base: str | None = Field(None, description="Base URL of links in messages "
                                         "(default: Airflow's [api] base_url)")

    @model_validator(mode="after")
    def _pool_sizes(self) -> Settings:
        if self.api_pool_min_size > self.api_pool_max_size:
            raise ValueError(f"HEALER_API_POOL_MIN_SIZE ({self.api_pool_min_size}) is above "
                             f"HEALER_API_POOL_MAX_SIZE ({self.api_pool_max_size})")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (after the environment changed, e.g. in tests)."""
    get_settings.cache_clear()


# The asset that site_metrics_ingest produces and anomaly_detection is scheduled on.
SITE_METRICS_ASSET = {"name": "site_metrics",
                      "uri": "postgres://healer-db:5432/healer/public/site_metrics"}
# Updated by anomaly_detection's write task; alert_notifications runs on it.
PREDICTIVE_ALERTS_ASSET = {"name": "predictive_alerts",
                           "uri": "postgres://healer-db:5432/healer/public/predictive_alerts"}
