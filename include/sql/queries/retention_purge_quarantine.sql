-- Delete up to %(batch)s quarantined rows older than %(before)s (one batch per transaction).
DELETE FROM metric_quarantine
WHERE id IN (SELECT id FROM metric_quarantine WHERE quarantined_at < %(before)s
             ORDER BY quarantined_at LIMIT %(batch)s)
