-- Diagnosis labels given in [since, until): how many, how many said the diagnosis was right.
SELECT count(*) AS labelled, count(*) FILTER (WHERE correct) AS correct
FROM diagnosis_labels
WHERE labelled_at >= %(since)s AND labelled_at < %(until)s
