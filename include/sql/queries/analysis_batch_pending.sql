-- Batch jobs whose results are not written back yet, oldest first; locked so that two runs
-- never collect the same job.
SELECT batch_id, model, status
FROM ai_batch_jobs
WHERE collected_at IS NULL
ORDER BY submitted_at
FOR UPDATE SKIP LOCKED
