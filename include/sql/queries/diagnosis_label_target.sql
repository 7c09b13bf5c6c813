-- The execution a diagnosis label judges: its analysis as it is now.
SELECT id::text, ai_status, ai_analysis ->> 'diagnosis_type' AS ai_diagnosis_type,
       ai_analysis ->> 'input_hash' AS input_hash
FROM healer_executions
WHERE id = %(id)s::uuid
FOR UPDATE
