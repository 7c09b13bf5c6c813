-- Per dedup_key, the alert that was open when a run's interval begins: opened before
-- %(since)s and not resolved before it (a re-run re-decides its resolution). Superseded rows
-- (a re-run no longer produced them) are not history.
SELECT DISTINCT ON (dedup_key)
       id, site_id::text AS site_id, alert_type, severity, prediction, confidence,
       current_metrics, baseline_metrics, deviation, anomaly_score, predicted_at, dedup_key,
       status, opened_at, last_seen_at, resolved_at
FROM predictive_alerts
WHERE site_id = ANY(%(site_ids)s::uuid[])
  AND opened_at < %(since)s
  AND status <> 'superseded'
  AND (resolved_at IS NULL OR resolved_at >= %(since)s)
ORDER BY dedup_key, opened_at DESC
