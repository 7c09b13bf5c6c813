-- The alert lifecycle: what people decide about an alert, kept apart from what detection
-- writes (the contract: /work/helpers/alert-lifecycle-contract.md, README "Alert lifecycle").
--
-- People's columns (detection never writes them):
--   acknowledged_at / acknowledged_by      someone is on it
--   snoozed_until / snoozed_by             no notification about this alert before then
--   manually_resolved_at / _by             resolved by hand; the episode stays resolved for
--                                          people even while detection still sees it
--   label / labelled_at / labelled_by / label_note
--                                          true = a real problem, false = a false alarm
--                                          (alert precision in `healer-ops report`)
-- Detection's new state: 'superseded' (a re-run of an interval no longer produces the row;
-- rows are never deleted) with superseded_at.
ALTER TABLE predictive_alerts
    ADD COLUMN acknowledged_at      timestamptz,
    ADD COLUMN acknowledged_by      text,
    ADD COLUMN snoozed_until        timestamptz,
    ADD COLUMN snoozed_by           text,
    ADD COLUMN manually_resolved_at timestamptz,
    ADD COLUMN manually_resolved_by text,
    ADD COLUMN label                boolean,
    ADD COLUMN labelled_at          timestamptz,
    ADD COLUMN labelled_by          text,
    ADD COLUMN label_note           text,
    ADD COLUMN superseded_at        timestamptz;

ALTER TABLE predictive_alerts DROP CONSTRAINT predictive_alerts_status_check;
ALTER TABLE predictive_alerts ADD CONSTRAINT predictive_alerts_status_check
    CHECK (status IN ('open', 'resolved', 'superseded'));

CREATE INDEX predictive_alerts_opened_at_idx ON predictive_alerts (opened_at DESC, id DESC);

-- Every action a person took on an alert, in order (who, when, what, why).
CREATE TABLE alert_actions (
    id        bigserial PRIMARY KEY,
    alert_id  bigint NOT NULL REFERENCES predictive_alerts (id),
    action    text NOT NULL CHECK (action IN ('acknowledge', 'unacknowledge', 'snooze',
                                              'unsnooze', 'resolve', 'reopen', 'label',
                                              'unlabel')),
    actor     text NOT NULL,
    details   jsonb NOT NULL DEFAULT '{}',
    acted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_actions_alert_idx ON alert_actions (alert_id, acted_at);

-- What people see: the one definition of an alert's state (API, notifications, report).
CREATE FUNCTION alert_state(status text, manually_resolved_at timestamptz,
                            snoozed_until timestamptz, acknowledged_at timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN status = 'superseded' THEN 'superseded'
        WHEN status = 'resolved' OR manually_resolved_at IS NOT NULL THEN 'resolved'
        WHEN snoozed_until > now() THEN 'snoozed'
        WHEN acknowledged_at IS NOT NULL THEN 'acknowledged'
        ELSE 'open'
    END
$$;
