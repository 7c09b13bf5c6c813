"""The shapes the Healer API answers with (they make its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

State = Literal["open", "acknowledged", "snoozed", "resolved", "superseded"]
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
SiteStatus = Literal["DOWN", "CRITICAL", "DEGRADED", "WARNING", "HEALTHY", "UNKNOWN"]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable", "not_migrated", "busy"]
    schema_version: str | None = None
    error: str | None = None


class FleetSite(BaseModel):
    site_id: str
    domain: str
    url: str
    status: SiteStatus = Field(description="From the site's open alerts: DOWN (open DOWNTIME "
                               "alert), CRITICAL, DEGRADED (HIGH), WARNING (MEDIUM/LOW), "
                               "HEALTHY, UNKNOWN (no data)")
    healer_status: str = Field(description="wp_sites.health_status as Healer set it")
    healing_mode: str
    distance: float | None = Field(None, description="How far the site's last hour is from "
                                   "its baseline: the larger robust z-score of response time "
                                   "and error rate (ranking key)")
    last_observed_at: datetime | None
    last_response_time_ms: float | None
    last_status_code: int | None
    last_error: bool | None
    recent_median_response_time_ms: float | None
    recent_error_rate: float | None
    baseline_median_response_time_ms: float | None
    baseline_p95_response_time_ms: float | None
    baseline_error_rate: float | None
    open_alerts: int
    worst_severity: Severity | None


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last")


class FleetPage(Page):
    items: list[FleetSite]


class Alert(BaseModel):
    id: int
    site_id: str
    domain: str
    alert_type: str
    severity: Severity
    state: State = Field(description="What people see: superseded, resolved (by detection "
                         "or by hand), snoozed, acknowledged or open")
    detection_status: Literal["open", "resolved", "superseded"]
    prediction: str
    confidence: float
    deviation: float | None
    anomaly_score: float | None
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    predicted_at: datetime | None
    superseded_at: datetime | None
    current_metrics: dict
    baseline_metrics: dict
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    snoozed_until: datetime | None
    snoozed_by: str | None
    manually_resolved_at: datetime | None
    manually_resolved_by: str | None
    label: bool | None = Field(description="true: a real problem; false: a false alarm")
    labelled_at: datetime | None
    labelled_by: str | None
    label_note: str | None
    incident_id: str | None = Field(description="the incident grouping this alert with "
                                    "other sites' (GET /api/incidents/{id}); null: none")


class AlertAction(BaseModel):
    action: str
    actor: str
    details: dict
    acted_at: datetime


class AlertDetail(Alert):
    actions: list[AlertAction]


class AlertPage(Page):
    items: list[Alert]


class Incident(BaseModel):
    id: str
    scope: Literal["server", "fleet"] = Field(description="server: sites of one hosting "
                                              "server; fleet: a large share of the fleet")
    server: str | None
    state: Literal["open", "resolved"] = Field(description="resolved when its last alert "
                                               "resolved")
    opened_at: datetime = Field(description="when its first alert opened")
    last_seen_at: datetime
    resolved_at: datetime | None
    site_count: int
    alert_count: int
    alert_types: list[str]
    max_severity: Severity
    summary: str
    created_at: datetime
    updated_at: datetime


class IncidentPage(Page):
    items: list[Incident]


class IncidentDetail(Incident):
    alerts: list[Alert] = Field(description="its member alerts (every state), newest first")


class ActionResult(BaseModel):
    alert_id: int
    action: str
    changed: bool = Field(description="false when the alert was in that state already")
    state: State
    alert: Alert


class Baseline(BaseModel):
    period_start: datetime
    period_end: datetime
    seasonality: str
    sample_size: int
    median_response_time_ms: float | None
    mad_response_time_ms: float | None
    p95_response_time_ms: float | None
    band_low_ms: float | None
    band_high_ms: float | None
    median_ttfb_ms: float | None
    median_page_size_bytes: float | None
    error_rate: float | None
    computed_at: datetime


class SiteExecution(BaseModel):
    execution_id: str
    status: str
    diagnosis_type: str
    started_at: datetime
    finished_at: datetime | None
    was_successful: bool | None
    ai_status: str | None
    ai_diagnosis_type: str | None
    ai_confidence: float | None
    ai_analyzed_at: datetime | None
    label_correct: bool | None
    label_diagnosis_type: str | None


class SiteHealth(BaseModel):
    site: FleetSite
    baseline: Baseline | None
    open_alerts: list[Alert]
    recent_executions: list[SiteExecution]


class SeriesPoint(BaseModel):
    at: datetime
    samples: int
    median_response_time_ms: float | None
    p95_response_time_ms: float | None
    error_rate: float | None
    baseline_median_ms: float | None
    band_low_ms: float | None
    band_high_ms: float | None
    outside_band: bool = Field(description="median above the band: an anomalous bucket")


class AlertSpan(BaseModel):
    id: int
    alert_type: str
    severity: Severity
    state: State
    opened_at: datetime
    ended_at: datetime | None
    first_anomalous_at: datetime | None
    predicted_at: datetime | None
    prediction: str


class SiteSeries(BaseModel):
    site_id: str
    since: datetime
    until: datetime
    bucket_minutes: int
    points: list[SeriesPoint]
    alerts: list[AlertSpan]
