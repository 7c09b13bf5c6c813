"""The shape of one root-cause analysis, shared by every analyzer, the cache and the DAG."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

DIAGNOSIS_TYPES = (
    "WSOD", "DB_ERROR", "MAINTENANCE", "INTEGRITY", "PERMISSION", "CACHE", "PLUGIN_CONFLICT",
    "THEME_CONFLICT", "MEMORY_EXHAUSTION", "SYNTAX_ERROR", "HEALTHY", "UNKNOWN",
    "DISK_FULL", "HTACCESS_REDIRECT", "SSL_TLS", "CRON", "TIMEOUT",
)


class Recommendation(BaseModel):
    """A WP-CLI command from the allow-list."""

    command: str
    purpose: str = ""
    auto: bool = False  # eligible for automatic use: allowed, and the analysis is confident


class RejectedCommand(BaseModel):
    """A command an analyzer proposed that is not on the allow-list: reported, never run."""

    command: str
    reason: str


class Analysis(BaseModel):
    diagnosis_type: str
    confidence: float = Field(ge=0.0, le=1.0)
    culprit: str | None = None  # plugin/theme slug (or mu-plugin file) when there is one
    culprit_kind: Literal["plugin", "theme", "mu-plugin", "drop-in"] | None = None
    error_type: str | None = None  # finer label, e.g. DB_ACCESS_DENIED under DB_ERROR
    root_cause: str = ""
    reasoning: str = ""
    recommendations: list[Recommendation] = []
    rejected_commands: list[RejectedCommand] = []
    analyzer: str = "local"  # local | openai | openai-batch
    model: str = "local"
    tokens_used: int = 0
    cost_usd: float = 0.0
    fallback_reason: str | None = None  # why the configured analyzer was not used

    @model_validator(mode="after")
    def _reasoning_never_empty(self) -> Analysis:
        # the seed's contract: an analysis always says why (the cache refuses an empty one)
        if not self.reasoning.strip():
            self.reasoning = (self.root_cause.strip()
                              or f"Diagnosed as {self.diagnosis_type} from the error signature.")
        return self
