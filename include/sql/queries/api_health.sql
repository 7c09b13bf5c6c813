-- /api/health: the database answers, and which migration it is at.
SELECT max(migration_id) AS schema_version FROM _yoyo_migration
