-- Alerts opened in [since, until) (not superseded): how many, how many people labelled, how
-- many of those were real problems.
SELECT count(*) AS alerts,
       count(label) AS labelled,
       count(*) FILTER (WHERE label) AS confirmed
FROM predictive_alerts
WHERE opened_at >= %(since)s AND opened_at < %(until)s AND status <> 'superseded'
