-- Analyzed executions of a demo fleet with their true diagnosis (what an operator who knew
-- would label), in a stable order.
SELECT e.id::text AS execution_id, e.ai_analysis ->> 'diagnosis_type' AS ai_diagnosis_type,
       t.true_type
FROM healer_executions e
JOIN devkit.demo_execution_truth t ON t.execution_id = e.id
WHERE e.ai_status = 'DONE'
ORDER BY e.started_at, e.id
