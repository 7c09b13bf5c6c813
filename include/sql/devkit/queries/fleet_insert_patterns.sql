-- One demo fleet pattern with its use history; a pattern that already exists (by diagnosis,
-- error type and culprit; learned before signatures, so signature_key '') is kept as it is,
-- whatever pattern learning made of it since.
INSERT INTO healing_patterns (id, diagnosis_type, error_type, culprit, error_pattern, commands,
                              description, success_count, failure_count, confidence,
                              auto_approved, requires_backup, last_success_at, last_failure_at,
                              last_used_at, approved_by, approved_at, approval_reason, details,
                              created_at)
VALUES (%(id)s, %(diagnosis_type)s, %(error_type)s, %(culprit)s, %(error_pattern)s,
        %(commands)s, %(description)s, %(success_count)s, %(failure_count)s, %(confidence)s,
        %(auto_approved)s, %(requires_backup)s, %(last_success_at)s, %(last_failure_at)s,
        %(last_used_at)s, %(approved_by)s, %(approved_at)s, %(approval_reason)s, %(details)s,
        %(created_at)s)
ON CONFLICT (diagnosis_type, error_type, culprit, signature_key) DO NOTHING
