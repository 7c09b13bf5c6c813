-- One pattern, every column.
SELECT * FROM healing_patterns WHERE id = %(id)s
