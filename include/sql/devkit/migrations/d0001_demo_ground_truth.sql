-- The devkit's ground truth for a generated demo fleet, apart from the product's tables:
-- what was injected, so detection, analysis and pattern learning can be scored against it.
-- Applied by the devkit only (healer_ops.devkit.kitdb.migrate) with search_path = devkit,
-- so its yoyo bookkeeping lives in this schema too; the product never reads it.

-- Injected metric incidents, to score predictive alerts against.
CREATE TABLE devkit.demo_incidents (
    id                   text PRIMARY KEY,
    site_id              uuid NOT NULL REFERENCES public.wp_sites (id),
    incident_type        text NOT NULL,     -- slow_degradation | error_spike | white_screen | cert_expiry
    starts_at            timestamptz NOT NULL,  -- first anomalous sample
    outage_at            timestamptz,       -- when users see it broken (null: never an outage)
    ends_at              timestamptz NOT NULL,
    expected_alert_types text[] NOT NULL,
    details              jsonb NOT NULL DEFAULT '{}'
);

-- Whether each generated healing pattern is a good fix (effective and safe to auto-run).
CREATE TABLE devkit.demo_pattern_truth (
    pattern_id        uuid PRIMARY KEY REFERENCES public.healing_patterns (id) ON DELETE CASCADE,
    good              boolean NOT NULL,
    commands          jsonb NOT NULL,   -- the commands the label is for
    why               text NOT NULL,
    true_success_rate double precision NOT NULL,
    story             text NOT NULL,    -- established | new | degrading | lucky
    fixed_commands    jsonb             -- a known fix of bad commands, itself good
);

-- The true diagnosis of each generated execution (Phase 1's guess is in healer_executions).
CREATE TABLE devkit.demo_execution_truth (
    execution_id    uuid PRIMARY KEY REFERENCES public.healer_executions (id) ON DELETE CASCADE,
    true_type       text NOT NULL,
    true_error_type text,
    true_culprit    text,
    fault_id        text NOT NULL,
    incident_id     text,
    planted_secrets text[] NOT NULL DEFAULT '{}'
);
