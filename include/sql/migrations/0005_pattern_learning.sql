-- Pattern learning: ground truth and bookkeeping of healing_patterns, stats of each version.

-- details: free-form facts about a pattern (the demo fleet's ground truth lives here as
--   details.ground_truth = {"good": bool, "why": text}).
-- version_started_at: executions before it belong to earlier versions; the current
--   version's stats count only executions started at or after it (NULL = all of them).
-- decision_reason: the latest approve/hold/revoke decision with its numbers.
-- stats_as_of: the moment the stats were computed for (the DAG run's interval end).
ALTER TABLE healing_patterns
    ADD COLUMN details            jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN version_started_at timestamptz,
    ADD COLUMN revoked_reason     text,
    ADD COLUMN decision_reason    text,
    ADD COLUMN stats_as_of        timestamptz;

-- What an earlier version achieved before it was replaced.
ALTER TABLE healing_pattern_versions
    ADD COLUMN success_count    integer,
    ADD COLUMN failure_count    integer,
    ADD COLUMN confidence       double precision,
    ADD COLUMN auto_approved    boolean,
    ADD COLUMN started_at       timestamptz;
