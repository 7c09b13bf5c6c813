-- The notification outbox: one row per alert, event and channel, so that each qualifying
-- event is sent exactly once per channel however often detection re-runs (the unique key),
-- and delivery is retried with backoff without ever touching detection.
--
-- event_key: 'raised:<SEVERITY>' the first time an alert reaches a notifying severity
-- (event 'opened', or 'escalated' when a lower one was sent before), 'resolved' once.
-- status: pending (waiting for next_attempt_at), sending (claimed by a drain), sent,
-- failed (gave up after the last attempt), suppressed (never sent: snoozed, or a channel's
-- event that needs no message).
CREATE TABLE alert_notifications (
    id              bigserial PRIMARY KEY,
    alert_id        bigint NOT NULL REFERENCES predictive_alerts (id),
    site_id         uuid NOT NULL,
    event           text NOT NULL CHECK (event IN ('opened', 'escalated', 'resolved')),
    event_key       text NOT NULL,
    severity        text NOT NULL,
    channel         text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')),
    reason          text,                        -- why suppressed, or the last delivery error
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at      timestamptz,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (alert_id, event_key, channel)
);
CREATE INDEX alert_notifications_due_idx ON alert_notifications (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX alert_notifications_site_sent_idx ON alert_notifications (channel, site_id, sent_at)
    WHERE status = 'sent';
