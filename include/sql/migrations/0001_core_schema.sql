-- HealerOps core schema. Shapes follow the existing Healer (Phase 1) tables so that
-- attaching to a real Healer database later is a mapping, not a rewrite.
-- Every table has a natural key so that every write can be an upsert.

CREATE TABLE wp_sites (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    domain              text NOT NULL UNIQUE,
    url                 text NOT NULL,
    path                text,
    wp_version          text,
    php_version         text,
    healing_mode        text NOT NULL DEFAULT 'SEMI_AUTO'
                        CHECK (healing_mode IN ('MANUAL', 'SEMI_AUTO', 'FULL_AUTO')),
    is_healer_enabled   boolean NOT NULL DEFAULT true,
    blacklisted_plugins text[] NOT NULL DEFAULT ARRAY['woocommerce', 'woocommerce-*'],
    blacklisted_themes  text[] NOT NULL DEFAULT '{}',
    health_status       text NOT NULL DEFAULT 'UNKNOWN'
                        CHECK (health_status IN ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'DOWN',
                                                 'MAINTENANCE', 'HEALING')),
    health_score        integer,
    last_health_check   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_metrics (
    site_id          uuid NOT NULL REFERENCES wp_sites (id),
    observed_at      timestamptz NOT NULL,
    response_time_ms double precision,          -- null when no response arrived
    ttfb_ms          double precision,
    page_size_bytes  bigint,
    status_code      smallint,                  -- null when no HTTP status arrived
    error            boolean NOT NULL DEFAULT false,
    error_class      text,                      -- timeout | dns | tls | connection | http | wsod
    wsod_marker      boolean NOT NULL DEFAULT false,  -- WordPress "critical error" text in body
    cert_expires_at  timestamptz,
    source           text NOT NULL DEFAULT 'probe',
    ingested_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, observed_at)
);
CREATE INDEX site_metrics_observed_at_idx ON site_metrics (observed_at);

-- A rejected input row, kept verbatim with every reason. (source, locator) is the natural
-- key: re-running the same file or interval replaces the row instead of adding a copy.
CREATE TABLE metric_quarantine (
    id             bigserial PRIMARY KEY,
    source         text NOT NULL,               -- file path or probe run
    locator        text NOT NULL,               -- "line 17", "row 3", site/time of a probe
    raw            jsonb NOT NULL,              -- the row as it arrived (strings kept as strings)
    reasons        text[] NOT NULL,
    run_id         text,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, locator)
);

CREATE TABLE healing_patterns (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    diagnosis_type     text NOT NULL,
    error_type         text NOT NULL DEFAULT '',
    culprit            text NOT NULL DEFAULT '',   -- plugin/theme slug, '' when none
    error_pattern      text NOT NULL,              -- a regex that must still match (never escaped after wildcards)
    commands           jsonb NOT NULL DEFAULT '[]',
    description        text,
    success_count      integer NOT NULL DEFAULT 0,
    failure_count      integer NOT NULL DEFAULT 0,
    confidence         double precision NOT NULL DEFAULT 0,
    auto_approved      boolean NOT NULL DEFAULT false,
    requires_backup    boolean NOT NULL DEFAULT false,
    last_success_at    timestamptz,
    last_failure_at    timestamptz,
    last_used_at       timestamptz,
    verified           boolean NOT NULL DEFAULT false,
    verified_by        text,
    verified_at        timestamptz,
    version            integer NOT NULL DEFAULT 1,
    ai_enhanced        boolean NOT NULL DEFAULT false,
    ai_confidence      double precision,
    approved_by        text,
    approved_at        timestamptz,
    approval_reason    text,
    revoked_at         timestamptz,
    avg_success_rate   double precision,
    recent_successes   integer NOT NULL DEFAULT 0,
    recent_failures    integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (diagnosis_type, error_type, culprit)
);

CREATE TABLE healing_pattern_versions (
    pattern_id    uuid NOT NULL REFERENCES healing_patterns (id),
    version       integer NOT NULL,
    commands      jsonb NOT NULL,
    error_pattern text NOT NULL,
    reason        text NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pattern_id, version)
);

CREATE TABLE healer_executions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id             uuid NOT NULL REFERENCES wp_sites (id),
    trigger             text NOT NULL DEFAULT 'SEMI_AUTO'
                        CHECK (trigger IN ('MANUAL', 'SEMI_AUTO', 'FULL_AUTO')),
    diagnosis_type      text NOT NULL DEFAULT 'UNKNOWN',
    diagnosis_details   jsonb,
    confidence          double precision,
    logs_analyzed       text,
    suggested_action    text,
    suggested_commands  jsonb NOT NULL DEFAULT '[]',
    action_taken        text,
    status              text NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'ANALYZING', 'DIAGNOSED', 'APPROVED', 'HEALING',
                                          'VERIFYING', 'SUCCESS', 'FAILED', 'SKIPPED', 'ROLLED_BACK')),
    error_message       text,
    execution_logs      text,
    started_at          timestamptz NOT NULL DEFAULT now(),
    diagnosed_at        timestamptz,
    healed_at           timestamptz,
    verified_at         timestamptz,
    finished_at         timestamptz,
    duration_ms         integer,
    pre_health_score    integer,
    post_health_score   integer,
    was_successful      boolean,
    attempt_number      integer NOT NULL DEFAULT 1,
    previous_attempt_id uuid,
    pattern_id          uuid REFERENCES healing_patterns (id),
    -- AI root-cause analysis (written back by ai_failure_analysis)
    ai_analysis         jsonb,
    ai_confidence       double precision,
    ai_recommendations  jsonb,
    ai_reasoning        text,
    ai_model            text,
    ai_tokens_used      integer,
    ai_cost_usd         numeric(12, 6),
    ai_analyzed_at      timestamptz,
    -- claim bookkeeping: NULL = not yet analyzed
    ai_status           text CHECK (ai_status IN ('CLAIMED', 'DONE', 'FAILED')),
    ai_claimed_at       timestamptz,
    ai_attempts         integer NOT NULL DEFAULT 0,
    ai_error            text
);
CREATE INDEX healer_executions_unanalyzed_idx ON healer_executions (started_at)
    WHERE status = 'FAILED' AND ai_status IS DISTINCT FROM 'DONE';
CREATE INDEX healer_executions_pattern_idx ON healer_executions (pattern_id, finished_at);

CREATE TABLE ai_analysis_cache (
    id               bigserial PRIMARY KEY,
    input_hash       text NOT NULL UNIQUE,
    diagnosis_type   text NOT NULL,
    error_signature  text NOT NULL,
    log_sample       text NOT NULL,             -- redacted
    analysis         jsonb NOT NULL,
    confidence       double precision NOT NULL,
    recommendations  jsonb NOT NULL DEFAULT '[]',
    reasoning        text,
    model            text NOT NULL,
    tokens_used      integer NOT NULL DEFAULT 0,
    cost_usd         numeric(12, 6) NOT NULL DEFAULT 0,
    response_time_ms integer,
    hit_count        integer NOT NULL DEFAULT 0,
    last_used_at     timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL DEFAULT now() + interval '30 days'
);
CREATE INDEX ai_analysis_cache_expires_at_idx ON ai_analysis_cache (expires_at);

CREATE TABLE performance_baselines (
    id                       bigserial PRIMARY KEY,
    site_id                  uuid NOT NULL REFERENCES wp_sites (id),
    period_start             timestamptz NOT NULL,
    period_end               timestamptz NOT NULL,
    avg_response_time_ms     double precision,
    median_response_time_ms  double precision,
    p95_response_time_ms     double precision,
    mad_response_time_ms     double precision,
    avg_ttfb_ms              double precision,
    median_ttfb_ms           double precision,
    mad_ttfb_ms              double precision,
    avg_page_size_bytes      double precision,
    median_page_size_bytes   double precision,
    mad_page_size_bytes      double precision,
    avg_error_rate           double precision,
    sample_size              integer NOT NULL,
    seasonal_profile         jsonb NOT NULL DEFAULT '{}',  -- "weekday:hour" -> {median, mad, n}
    computed_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, period_start, period_end)
);

CREATE TABLE predictive_alerts (
    id               bigserial PRIMARY KEY,
    site_id          uuid NOT NULL REFERENCES wp_sites (id),
    alert_type       text NOT NULL,             -- PERFORMANCE_DEGRADATION, ERROR_SPIKE, DOWNTIME, ...
    severity         text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    prediction       text NOT NULL,
    confidence       double precision NOT NULL,
    current_metrics  jsonb NOT NULL DEFAULT '{}',
    baseline_metrics jsonb NOT NULL DEFAULT '{}',
    deviation        double precision,
    anomaly_score    double precision,
    predicted_at     timestamptz,               -- when the metric is expected to cross its limit
    dedup_key        text NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    opened_at        timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- One ongoing problem is one alert.
CREATE UNIQUE INDEX predictive_alerts_one_open_idx ON predictive_alerts (dedup_key)
    WHERE status = 'open';
CREATE UNIQUE INDEX predictive_alerts_opened_idx ON predictive_alerts (dedup_key, opened_at);

-- Ground truth of the demo fleet's injected incidents, to score detection against.
CREATE TABLE demo_incidents (
    id            text PRIMARY KEY,
    site_id       uuid NOT NULL REFERENCES wp_sites (id),
    incident_type text NOT NULL,                -- slow_degradation | error_spike | white_screen | cert_expiry
    starts_at     timestamptz NOT NULL,         -- first anomalous sample
    outage_at     timestamptz,                  -- when users see it broken (null: never an outage)
    ends_at       timestamptz NOT NULL,
    expected_alert_types text[] NOT NULL,
    details       jsonb NOT NULL DEFAULT '{}'
);
