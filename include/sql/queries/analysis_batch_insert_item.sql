INSERT INTO ai_batch_items (batch_id, custom_id, diagnosis_type, error_signature, log_sample,
                            local_analysis, execution_ids)
VALUES (%(batch_id)s, %(custom_id)s, %(diagnosis_type)s, %(error_signature)s, %(log_sample)s,
        %(local_analysis)s, %(execution_ids)s::uuid[])
ON CONFLICT (batch_id, custom_id) DO UPDATE
SET execution_ids = EXCLUDED.execution_ids
