-- One simulated pattern of the benchmark: safe commands, so only its evidence decides.
INSERT INTO healing_patterns (id, diagnosis_type, error_type, culprit, error_pattern, commands,
                              created_at, details)
VALUES (%(id)s, 'MAINTENANCE', %(error_type)s, '', 'Briefly unavailable',
        '["wp maintenance-mode deactivate"]', %(created_at)s, %(details)s)
