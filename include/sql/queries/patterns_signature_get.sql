-- The pattern an error signature (keyed with its diagnosis type and culprit) belongs to.
SELECT pattern_id FROM healing_pattern_signatures WHERE signature_key = %(signature_key)s
