-- One simulated use of a pattern (an execution that ran it, successful or not).
INSERT INTO healer_executions (site_id, pattern_id, diagnosis_type, status, was_successful,
                               started_at, finished_at)
VALUES (%(site_id)s, %(pattern_id)s, 'MAINTENANCE', %(status)s, %(ok)s, %(started_at)s,
        %(started_at)s::timestamptz + interval '1 minute')
