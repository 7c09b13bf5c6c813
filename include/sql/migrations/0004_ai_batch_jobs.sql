-- Batch API jobs of the openai analyzer (large backfills at half price, answers within 24 h).
-- A job is submitted in one ai_failure_analysis run and collected in a later one; each item
-- is one distinct input_hash and lists the executions waiting for its answer.

CREATE TABLE ai_batch_jobs (
    batch_id      text PRIMARY KEY,             -- the provider's batch id
    input_file_id text NOT NULL,
    model         text NOT NULL,
    status        text NOT NULL,                -- the provider's status, as last seen
    request_count integer NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    checked_at    timestamptz,
    collected_at  timestamptz,                  -- results written back; NULL = still pending
    error         text
);
CREATE INDEX ai_batch_jobs_pending_idx ON ai_batch_jobs (submitted_at) WHERE collected_at IS NULL;

CREATE TABLE ai_batch_items (
    batch_id        text NOT NULL REFERENCES ai_batch_jobs (batch_id),
    custom_id       text NOT NULL,              -- the input_hash
    diagnosis_type  text NOT NULL,              -- the local type that keys the cache
    error_signature text NOT NULL,
    log_sample      text NOT NULL,              -- redacted
    local_analysis  jsonb NOT NULL,             -- the fallback if the request fails
    execution_ids   uuid[] NOT NULL,
    PRIMARY KEY (batch_id, custom_id)
);

-- BATCHED: the execution's analysis waits for a Batch API job.
ALTER TABLE healer_executions DROP CONSTRAINT healer_executions_ai_status_check;
ALTER TABLE healer_executions ADD CONSTRAINT healer_executions_ai_status_check
    CHECK (ai_status IN ('CLAIMED', 'BATCHED', 'DONE', 'FAILED'));
