-- Rows left in the analysis cache (after a purge).
SELECT count(*) FROM ai_analysis_cache
