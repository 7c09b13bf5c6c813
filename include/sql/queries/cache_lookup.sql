-- A cache hit: bump hit_count and last_used_at in the same statement that reads the row, so
-- concurrent hits never lose a count. Expired rows are misses. With llm_only, rows that the
-- local analyzer wrote do not answer (the openai analyzer should get its chance).
UPDATE ai_analysis_cache
SET hit_count = hit_count + 1,
    last_used_at = now()
WHERE input_hash = %(input_hash)s
  AND expires_at > now()
  AND (NOT %(llm_only)s OR analysis ->> 'analyzer' <> 'local')
RETURNING input_hash, diagnosis_type, error_signature, analysis, model, tokens_used,
          cost_usd, response_time_ms, hit_count, created_at, expires_at
