-- One pattern's current error pattern and commands (before a person or a proposal changes them).
SELECT error_pattern, commands FROM healing_patterns WHERE id = %(id)s
