-- Cache rows expired by the end of the demo's period.
SELECT count(*) FROM ai_analysis_cache WHERE expires_at <= %(end)s
