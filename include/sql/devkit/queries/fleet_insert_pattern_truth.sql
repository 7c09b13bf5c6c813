-- The ground truth of one generated pattern, found by its key; kept when it exists.
INSERT INTO devkit.demo_pattern_truth (pattern_id, good, commands, why, true_success_rate,
                                       story, fixed_commands)
SELECT p.id, %(good)s, %(commands)s, %(why)s, %(true_success_rate)s, %(story)s,
       %(fixed_commands)s
FROM healing_patterns p
WHERE (p.diagnosis_type, p.error_type, p.culprit)
      = (%(diagnosis_type)s, %(error_type)s, %(culprit)s)
ON CONFLICT (pattern_id) DO NOTHING
