-- The demo's figures that come straight from the tables (one row).
SELECT (SELECT count(*) FROM site_metrics) AS metrics,
       (SELECT count(*) FROM metric_quarantine) AS quarantined,
       (SELECT count(*) FROM performance_baselines) AS baselines,
       (SELECT count(*) FROM predictive_alerts WHERE status = 'open') AS alerts_open,
       (SELECT count(*) FROM predictive_alerts WHERE status <> 'superseded') AS alerts_total,
       (SELECT count(*) FROM devkit.demo_incidents) AS incidents,
       (SELECT count(*) FROM healer_executions WHERE status = 'FAILED') AS failed,
       (SELECT count(*) FROM healer_executions WHERE ai_status = 'DONE') AS analyzed,
       (SELECT coalesce(sum(ai_cost_usd), 0) FROM healer_executions) AS cost,
       (SELECT count(*) FROM healing_patterns WHERE auto_approved) AS approved,
       (SELECT count(*) FROM healing_patterns) AS patterns,
       (SELECT count(*) FROM healing_patterns WHERE origin = 'analysis') AS candidates,
       (SELECT count(*) FROM healer_executions
        WHERE (ai_suggestion ->> 'used')::boolean) AS ai_plans,
       (SELECT count(*) FROM healer_executions
        WHERE NOT (ai_suggestion ->> 'used')::boolean) AS ai_advice
