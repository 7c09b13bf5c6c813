-- Take a diagnosis label back (a person's own record: deleting it is theirs to do).
DELETE FROM diagnosis_labels WHERE execution_id = %(id)s::uuid RETURNING execution_id::text
