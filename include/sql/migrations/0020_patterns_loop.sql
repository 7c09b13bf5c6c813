-- Closing the loop: analyses feed patterns, people decide, versions and stats that mean
-- something, and the seed's contract of the analysis cache.

-- ---------------------------------------------------------------- the analysis cache
-- hit_count counts uses from 1, as the plan defines it: the analysis that wrote the row is
-- its first use, each cache hit one more. Rows written before counted from 0.
ALTER TABLE ai_analysis_cache ALTER COLUMN hit_count SET DEFAULT 1;
UPDATE ai_analysis_cache SET hit_count = hit_count + 1;
ALTER TABLE ai_analysis_cache ADD CONSTRAINT ai_analysis_cache_hit_count_from_one
    CHECK (hit_count >= 1);
CREATE INDEX ai_analysis_cache_diagnosis_type_idx ON ai_analysis_cache (diagnosis_type);
-- reasoning is never empty: rows without one get their root cause (or a plain statement).
UPDATE ai_analysis_cache
SET reasoning = coalesce(nullif(btrim(analysis ->> 'root_cause'), ''),
                         'Diagnosed as ' || diagnosis_type || ' from the error signature.')
WHERE reasoning IS NULL OR btrim(reasoning) = '';
ALTER TABLE ai_analysis_cache ALTER COLUMN reasoning SET NOT NULL;
ALTER TABLE ai_analysis_cache ADD CONSTRAINT ai_analysis_cache_reasoning_not_empty
    CHECK (btrim(reasoning) <> '');

-- ------------------------------------------------------------------------ patterns
-- origin: phase1 (learned by Healer), analysis (a candidate an AI analysis created), person.
-- signature_key: '' for patterns learned before; for a candidate, the key of the error
--   signature it was created from, so two faults of one type and culprit are two patterns.
-- human_decision: the latest decision of a person (approved, rejected, pinned, revoked), who
--   made it, when and why. Automation never overwrites it: when evidence turns against a
--   human decision, review_reason / review_requested_at flag it instead.
-- evidence_since: after a revocation on bad recent evidence, approval needs uses from then on.
-- proposal: a new version automation may not apply itself (a human decision stands).
ALTER TABLE healing_patterns
    ADD COLUMN origin              text NOT NULL DEFAULT 'phase1'
                                   CHECK (origin IN ('phase1', 'analysis', 'person')),
    ADD COLUMN signature_key       text NOT NULL DEFAULT '',
    ADD COLUMN human_decision      text
                                   CHECK (human_decision IN ('approved', 'rejected', 'pinned',
                                                             'revoked')),
    ADD COLUMN decided_by          text,
    ADD COLUMN decided_at          timestamptz,
    ADD COLUMN decision_note       text,
    ADD COLUMN review_reason       text,
    ADD COLUMN review_requested_at timestamptz,
    ADD COLUMN evidence_since      timestamptz,
    ADD COLUMN proposal            jsonb;
ALTER TABLE healing_patterns
    DROP CONSTRAINT healing_patterns_diagnosis_type_error_type_culprit_key;
ALTER TABLE healing_patterns ADD CONSTRAINT healing_patterns_natural_key
    UNIQUE (diagnosis_type, error_type, culprit, signature_key);
CREATE INDEX healing_patterns_type_culprit_idx ON healing_patterns (diagnosis_type, culprit);

-- The error signatures (the analysis cache's signature, keyed with the diagnosis type and
-- culprit) each pattern answers: one fault on many sites is one signature, one pattern.
CREATE TABLE healing_pattern_signatures (
    signature_key   text PRIMARY KEY,
    pattern_id      uuid NOT NULL REFERENCES healing_patterns (id),
    diagnosis_type  text NOT NULL,
    culprit         text NOT NULL DEFAULT '',
    error_signature text NOT NULL,               -- redacted
    matched_by      text NOT NULL,               -- how the first execution found its pattern
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX healing_pattern_signatures_pattern_idx ON healing_pattern_signatures (pattern_id);

-- What happened to a pattern and who did it: people's decisions and automation's.
CREATE TABLE healing_pattern_events (
    id         bigserial PRIMARY KEY,
    pattern_id uuid NOT NULL REFERENCES healing_patterns (id),
    version    integer NOT NULL,
    event      text NOT NULL,       -- approved, rejected, pinned, revoked, released, edited,
                                    -- rolled_back, auto_approved, auto_revoked, versioned,
                                    -- proposed, review_requested, created
    actor      text NOT NULL,       -- a person, or healer-ops
    reason     text NOT NULL,
    at         timestamptz NOT NULL
);
-- automation's events are written with the run's as_of: a re-run writes none twice
CREATE UNIQUE INDEX healing_pattern_events_once_idx
    ON healing_pattern_events (pattern_id, version, event, at);
CREATE INDEX healing_pattern_events_pattern_idx ON healing_pattern_events (pattern_id, at);

-- An earlier version restored by a rollback says which one it came from.
ALTER TABLE healing_pattern_versions
    ADD COLUMN restored_from integer,
    ADD COLUMN changed_by    text;

-- ----------------------------------------------------------------------- executions
-- ai_pattern_id: the pattern the analysis matched (or created); pattern_id stays what Healer
--   ran, so the analysis never lends a pattern evidence it did not earn.
-- ai_pattern_match: how it was found (signature, used, error_pattern, created, none).
-- ai_suggestion: whether the analysis' commands became the next attempt's plan
--   (suggested_commands / suggested_action), why, and what they replaced.
ALTER TABLE healer_executions
    ADD COLUMN ai_pattern_id    uuid REFERENCES healing_patterns (id),
    ADD COLUMN ai_pattern_match text,
    ADD COLUMN ai_suggestion    jsonb;
CREATE INDEX healer_executions_ai_pattern_idx ON healer_executions (ai_pattern_id)
    WHERE ai_pattern_id IS NOT NULL;
-- the analyzed failures a pattern refresh still has to learn from
CREATE INDEX healer_executions_unlearned_idx ON healer_executions (ai_analyzed_at)
    WHERE ai_status = 'DONE' AND ai_pattern_match IS NULL;
