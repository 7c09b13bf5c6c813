-- Move a scope's watermark forward (never back).
INSERT INTO detection_watermarks (scope, processed_until)
VALUES (%(scope)s, %(until)s)
ON CONFLICT (scope) DO UPDATE SET processed_until = EXCLUDED.processed_until, updated_at = now()
WHERE detection_watermarks.processed_until < EXCLUDED.processed_until
