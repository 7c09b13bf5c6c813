-- People's verdicts on AI diagnoses: correct, or the right type. Feeds diagnosis accuracy
-- (`healer-ops report`) and the local analyzer's training data (`healer-ops analyze
-- export-labels`). One current label per execution; what the analysis said when labelled is
-- kept beside it, so a later re-analysis does not change what the label judged.
CREATE TABLE diagnosis_labels (
    execution_id      uuid PRIMARY KEY REFERENCES healer_executions (id),
    ai_diagnosis_type text NOT NULL,
    correct           boolean NOT NULL,
    diagnosis_type    text NOT NULL,             -- the right type (= ai_diagnosis_type if correct)
    input_hash        text,
    note              text,
    labelled_by       text NOT NULL,
    labelled_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diagnosis_labels_labelled_at_idx ON diagnosis_labels (labelled_at);
