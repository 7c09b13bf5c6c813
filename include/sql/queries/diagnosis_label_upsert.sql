-- A person's verdict on an execution's diagnosis (the latest one counts).
INSERT INTO diagnosis_labels (execution_id, ai_diagnosis_type, correct, diagnosis_type,
                              input_hash, note, labelled_by, labelled_at)
VALUES (%(execution_id)s::uuid, %(ai_diagnosis_type)s, %(correct)s, %(diagnosis_type)s,
        %(input_hash)s, %(note)s, %(labelled_by)s, now())
ON CONFLICT (execution_id) DO UPDATE
SET ai_diagnosis_type = EXCLUDED.ai_diagnosis_type,
    correct = EXCLUDED.correct,
    diagnosis_type = EXCLUDED.diagnosis_type,
    input_hash = EXCLUDED.input_hash,
    note = EXCLUDED.note,
    labelled_by = EXCLUDED.labelled_by,
    labelled_at = now()
RETURNING execution_id::text, ai_diagnosis_type, correct, diagnosis_type, note, labelled_by,
          labelled_at
