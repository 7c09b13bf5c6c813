-- Read a row back after losing an insert race (no hit is counted: this worker did the work).
SELECT input_hash, diagnosis_type, error_signature, analysis, model, tokens_used,
       cost_usd, response_time_ms, hit_count, created_at, expires_at
FROM ai_analysis_cache
WHERE input_hash = %(input_hash)s
