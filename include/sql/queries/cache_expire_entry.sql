-- A cached answer a person labelled wrong is expired at once: the next occurrence of that
-- fault is analyzed afresh (and the purge removes the row with the other expired ones).
UPDATE ai_analysis_cache SET expires_at = now()
WHERE input_hash = %(input_hash)s AND expires_at > now()
