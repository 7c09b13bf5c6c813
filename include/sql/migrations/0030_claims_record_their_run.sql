-- A claim of a failed execution for analysis records which DAG run and which try holds it,
-- and until when: a retry of that run takes its own claims back at once (a worker lost with
-- its task no longer strands them), and a claim nobody renews is free again when it expires
-- (the analyze task's timeout), instead of after a fixed hour.
ALTER TABLE healer_executions
    ADD COLUMN ai_claim_run_id     text,
    ADD COLUMN ai_claim_try        integer,
    ADD COLUMN ai_claim_expires_at timestamptz;

-- Claims taken before this migration keep the old window: an hour after they were taken.
UPDATE healer_executions
SET ai_claim_expires_at = ai_claimed_at + interval '60 minutes'
WHERE ai_status = 'CLAIMED';

CREATE INDEX healer_executions_ai_claim_run_idx ON healer_executions (ai_claim_run_id)
    WHERE ai_status = 'CLAIMED';
