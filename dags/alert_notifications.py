"""
### alert_notifications

Tells people about predictive alerts, once. Runs whenever `anomaly_detection` updates the
`predictive_alerts` asset, and every 5 minutes as a safety net (a missed asset event, a
delivery waiting for its retry, quiet hours ending). Two steps:

1. **queue_events**: one notice per configured channel the first time an open alert reaches
   a notifying severity (`HEALER_NOTIFY_MIN_SEVERITY`, HIGH by default: "opened", or
   "escalated" when a lower severity was sent), and one "resolved" notice when an alert
   people were told about is resolved (by detection or by hand). The outbox table
   `alert_notifications` has one row per alert, event and channel: re-running detection
   any number of times queues nothing twice. Snoozed alerts' notices are recorded as
   suppressed and never sent. Incidents (many sites alerting together): a member's raise
   once its incident was announced on the channel, and a member's "resolved" while its
   incident is open, are suppressed (the incident is told once when it opens and once
   when its last member resolves).
2. **deliver**: sends what is due, one message per incident or site and channel (an
   incident's member notices go out as one message listing its sites; notices a site's
   minimum interval held back go out together), through Airflow notifiers (JSON webhook:
   Slack, Teams Workflows or any receiver; e-mail through the SMTP provider). Quiet hours
   hold back everything but CRITICAL raises. A failed delivery is retried with backoff
   (1, 2, 4, ... minutes, at most an hour) up to `HEALER_NOTIFY_MAX_ATTEMPTS` times; it
   never fails this task, and never touches detection.

Settings (environment): `HEALER_NOTIFY_WEBHOOK_URL`, `HEALER_NOTIFY_WEBHOOK_FORMAT`,
`HEALER_NOTIFY_EMAIL_TO`, `HEALER_NOTIFY_EMAIL_FROM`, `HEALER_NOTIFY_SMTP_CONN_ID` (an
Airflow SMTP connection, default `smtp_default`), `HEALER_NOTIFY_QUIET_HOURS`,
`HEALER_NOTIFY_TIMEZONE`, `HEALER_NOTIFY_SITE_MIN_INTERVAL_MINUTES`. With no channel
configured both steps do nothing.

Failures: a try is stopped after 5 minutes and retried twice, a minute apart; the run's
failure is reported through `healer_ops.notify` like every DAG's; after 288 failed runs in a
row the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

from _healer_common import PREDICTIVE_ALERTS, healer_dag
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, task


@healer_dag(
    "alert_notifications",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("*/5 * * * *", timezone="UTC"),
        assets=[PREDICTIVE_ALERTS]),
    doc_md=__doc__,
    tag="notifications",
    retry_delay=timedelta(minutes=1),
    execution_timeout=timedelta(minutes=5),
    dagrun_timeout=timedelta(minutes=45),
    max_consecutive_failed_dag_runs=288,
)
def alert_notifications():
    @task
    def queue_events() -> dict:
        from healer_ops import db
        from healer_ops.notify.outbox import queue_events as queue

        return queue(db.resolve_url("healer_db"))

    @task
    def deliver(queued: dict) -> dict:
        from healer_ops import db
        from healer_ops.notify.outbox import deliver as send_due

        return {"queued": queued, **send_due(db.resolve_url("healer_db"))}

    deliver(queue_events())


alert_notifications()
