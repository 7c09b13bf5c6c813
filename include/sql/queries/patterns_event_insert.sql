-- One event of a pattern's life (a person's decision or automation's); automation writes its
-- events with the run's as_of, so a re-run for the same moment adds nothing.
INSERT INTO healing_pattern_events (pattern_id, version, event, actor, reason, at)
VALUES (%(pattern_id)s, %(version)s, %(event)s, %(actor)s, %(reason)s, %(at)s)
ON CONFLICT (pattern_id, version, event, at) DO NOTHING
