-- The ground truth of one generated execution: its true diagnosis, the fault and incident
-- behind it, and the kinds of secret planted in its log.
INSERT INTO devkit.demo_execution_truth (execution_id, true_type, true_error_type,
                                         true_culprit, fault_id, incident_id, planted_secrets)
VALUES (%(execution_id)s, %(true_type)s, %(true_error_type)s, %(true_culprit)s, %(fault_id)s,
        %(incident_id)s, %(planted_secrets)s)
ON CONFLICT (execution_id) DO UPDATE SET
    true_type = EXCLUDED.true_type,
    true_error_type = EXCLUDED.true_error_type,
    true_culprit = EXCLUDED.true_culprit,
    fault_id = EXCLUDED.fault_id,
    incident_id = EXCLUDED.incident_id,
    planted_secrets = EXCLUDED.planted_secrets
