-- One alert, keyed by (dedup_key, opened_at). A row that did not change is left alone
-- (updated_at too), and an alert a later run already resolved is never re-opened by a
-- re-run of an earlier interval (%(until)s is the end of this run's interval). A superseded
-- row produced again comes back. People's columns (acknowledged_*, snoozed_*,
-- manually_resolved_*, label*) are never written here: the alert lifecycle contract.
INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, confidence,
                               current_metrics, baseline_metrics, deviation, anomaly_score,
                               predicted_at, dedup_key, status, opened_at, last_seen_at,
                               resolved_at)
VALUES (%(site_id)s, %(alert_type)s, %(severity)s, %(prediction)s, %(confidence)s,
        %(current_metrics)s::jsonb, %(baseline_metrics)s::jsonb, %(deviation)s,
        %(anomaly_score)s, %(predicted_at)s, %(dedup_key)s, %(status)s, %(opened_at)s,
        %(last_seen_at)s, %(resolved_at)s)
ON CONFLICT (dedup_key, opened_at) DO UPDATE SET
    severity = EXCLUDED.severity,
    prediction = EXCLUDED.prediction,
    confidence = EXCLUDED.confidence,
    current_metrics = EXCLUDED.current_metrics,
    baseline_metrics = EXCLUDED.baseline_metrics,
    deviation = EXCLUDED.deviation,
    anomaly_score = EXCLUDED.anomaly_score,
    predicted_at = EXCLUDED.predicted_at,
    status = EXCLUDED.status,
    last_seen_at = EXCLUDED.last_seen_at,
    resolved_at = EXCLUDED.resolved_at,
    superseded_at = NULL,
    updated_at = now()
WHERE (predictive_alerts.severity, predictive_alerts.prediction, predictive_alerts.confidence,
       predictive_alerts.current_metrics, predictive_alerts.baseline_metrics,
       predictive_alerts.deviation, predictive_alerts.anomaly_score,
       predictive_alerts.predicted_at, predictive_alerts.status, predictive_alerts.last_seen_at,
       predictive_alerts.resolved_at)
      IS DISTINCT FROM
      (EXCLUDED.severity, EXCLUDED.prediction, EXCLUDED.confidence, EXCLUDED.current_metrics,
       EXCLUDED.baseline_metrics, EXCLUDED.deviation, EXCLUDED.anomaly_score,
       EXCLUDED.predicted_at, EXCLUDED.status, EXCLUDED.last_seen_at, EXCLUDED.resolved_at)
  AND NOT (predictive_alerts.status = 'resolved' AND EXCLUDED.status = 'open'
           AND predictive_alerts.resolved_at >= %(until)s)
