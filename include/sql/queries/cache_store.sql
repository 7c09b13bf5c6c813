-- Store a fresh analysis. One row per input_hash even when two workers miss at once: the
-- loser's insert does nothing (its caller reads the winner's row back with cache_get). An
-- expired row is replaced, and so is a local analysis when an LLM answer arrives.
-- hit_count counts uses from 1: the analysis that writes the row is its first use.
INSERT INTO ai_analysis_cache AS c
    (input_hash, diagnosis_type, error_signature, log_sample, analysis, confidence,
     recommendations, reasoning, model, tokens_used, cost_usd, response_time_ms,
     hit_count, last_used_at, created_at, expires_at, analyzer_version)
VALUES
    (%(input_hash)s, %(diagnosis_type)s, %(error_signature)s, %(log_sample)s, %(analysis)s,
     %(confidence)s, %(recommendations)s, %(reasoning)s, %(model)s, %(tokens_used)s,
     %(cost_usd)s, %(response_time_ms)s, 1, now(), now(),
     now() + make_interval(days => %(ttl_days)s), %(analyzer_version)s)
ON CONFLICT (input_hash) DO UPDATE
SET diagnosis_type = EXCLUDED.diagnosis_type,
    error_signature = EXCLUDED.error_signature,
    log_sample = EXCLUDED.log_sample,
    analysis = EXCLUDED.analysis,
    confidence = EXCLUDED.confidence,
    recommendations = EXCLUDED.recommendations,
    reasoning = EXCLUDED.reasoning,
    model = EXCLUDED.model,
    tokens_used = EXCLUDED.tokens_used,
    cost_usd = EXCLUDED.cost_usd,
    response_time_ms = EXCLUDED.response_time_ms,
    hit_count = 1,
    last_used_at = now(),
    created_at = now(),
    expires_at = EXCLUDED.expires_at,
    analyzer_version = EXCLUDED.analyzer_version
WHERE c.expires_at <= now()
   OR (c.analysis ->> 'analyzer' = 'local' AND EXCLUDED.analysis ->> 'analyzer' <> 'local')
RETURNING input_hash, diagnosis_type, error_signature, analysis, model, tokens_used,
          cost_usd, response_time_ms, hit_count, created_at, expires_at
