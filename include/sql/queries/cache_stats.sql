-- The analysis cache and what it saved over [since, until): entries now, and the analyses of
-- failed executions written in the period (each is a cache hit or a fresh analysis). A hit
-- saved what its cached entry cost to produce (tokens, dollars); an entry purged since then
-- counts as a hit with unknown savings.
WITH analyzed AS (
    SELECT e.ai_analysis ->> 'input_hash' AS input_hash,
           coalesce((e.ai_analysis ->> 'cache_hit')::boolean, false) AS hit,
           coalesce(e.ai_tokens_used, 0) AS tokens_used,
           coalesce(e.ai_cost_usd, 0) AS cost_usd
    FROM healer_executions e
    WHERE e.ai_status = 'DONE'
      AND e.ai_analyzed_at >= %(since)s AND e.ai_analyzed_at < %(until)s
)
SELECT (SELECT count(*) FROM ai_analysis_cache) AS entries,
       (SELECT count(*) FROM ai_analysis_cache WHERE expires_at > now()) AS live_entries,
       count(a.*) AS analyses,
       count(a.*) FILTER (WHERE a.hit) AS hits,
       coalesce(sum(c.tokens_used) FILTER (WHERE a.hit), 0) AS tokens_saved,
       coalesce(sum(c.cost_usd) FILTER (WHERE a.hit), 0) AS usd_saved,
       coalesce(sum(a.tokens_used), 0) AS tokens_spent,
       coalesce(sum(a.cost_usd), 0) AS usd_spent
FROM analyzed a
LEFT JOIN ai_analysis_cache c ON c.input_hash = a.input_hash
