-- The items of one batch job with the blacklists of each waiting execution's site.
SELECT i.custom_id, i.diagnosis_type, i.error_signature, i.log_sample, i.local_analysis,
       array_agg(e.id::text ORDER BY e.id) AS execution_ids,
       array_agg(to_jsonb(s.blacklisted_plugins) ORDER BY e.id) AS plugin_blacklists,
       array_agg(to_jsonb(s.blacklisted_themes) ORDER BY e.id) AS theme_blacklists
FROM ai_batch_items i
JOIN healer_executions e ON e.id = ANY(i.execution_ids) AND e.ai_status = 'BATCHED'
JOIN wp_sites s ON s.id = e.site_id
WHERE i.batch_id = %(batch_id)s
GROUP BY i.custom_id, i.diagnosis_type, i.error_signature, i.log_sample, i.local_analysis
