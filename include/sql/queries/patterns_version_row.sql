-- One earlier version of a pattern (what a rollback restores).
SELECT version, commands, error_pattern FROM healing_pattern_versions
WHERE pattern_id = %(id)s AND version = %(version)s
