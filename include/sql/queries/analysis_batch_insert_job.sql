INSERT INTO ai_batch_jobs (batch_id, input_file_id, model, status, request_count)
VALUES (%(batch_id)s, %(input_file_id)s, %(model)s, %(status)s, %(request_count)s)
ON CONFLICT (batch_id) DO NOTHING
