-- Patterns whose id starts with what a person typed (an id or a unique prefix of one).
SELECT id FROM healing_patterns WHERE id::text LIKE %(prefix)s || '%%' ORDER BY id LIMIT 2
