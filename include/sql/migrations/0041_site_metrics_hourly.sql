-- Hourly roll-ups of site_metrics: one row per site per UTC hour, what baselines read for
-- long periods and what stays once retention has dropped the raw day.
--
-- Per metric (response time, TTFB, page size): count of non-null values, sum, min, max, and
-- the hour's values sorted ascending. The values are kept because a quantile summary that
-- can be merged across hours (a histogram or sketch) with useful accuracy is no smaller than
-- the dozen values an hour holds at 5-minute probes; with them, medians, p95 and MADs over
-- any set of hours (a 28-day period, a weekday x hour cell) stay exact.
CREATE TABLE site_metrics_hourly (
    site_id        uuid NOT NULL,
    hour           timestamptz NOT NULL,    -- UTC hour start
    samples        integer NOT NULL,        -- observations (rows) in the hour
    errors         integer NOT NULL,        -- rows with error
    wsod           integer NOT NULL,        -- rows with the critical-error marker
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    rt_n           integer NOT NULL,
    rt_sum         double precision,
    rt_min         double precision,
    rt_max         double precision,
    rt_values      double precision[] NOT NULL,
    ttfb_n         integer NOT NULL,
    ttfb_sum       double precision,
    ttfb_min       double precision,
    ttfb_max       double precision,
    ttfb_values    double precision[] NOT NULL,
    page_n         integer NOT NULL,
    page_sum       double precision,
    page_min       double precision,
    page_max       double precision,
    page_values    double precision[] NOT NULL,
    rolled_up_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, hour)
);
CREATE INDEX site_metrics_hourly_hour_idx ON site_metrics_hourly (hour);

-- Hours whose raw rows changed since they were rolled up. Every write to site_metrics adds
-- its rows' hours (statement trigger below, whatever the writer: ingest, a direct COPY);
-- the roll-up deletes the entries it takes and recomputes those hours from the raw rows. No
-- unique key on purpose: concurrent writers never wait for each other here.
CREATE TABLE site_metrics_hours_pending (
    hour      timestamptz NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX site_metrics_hours_pending_hour_idx ON site_metrics_hours_pending (hour);

CREATE FUNCTION site_metrics_mark_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO site_metrics_hours_pending (hour)
    SELECT DISTINCT date_trunc('hour', observed_at, 'UTC') FROM changed_rows;
    RETURN NULL;
END
$$;

CREATE TRIGGER site_metrics_mark_inserted AFTER INSERT ON site_metrics
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION site_metrics_mark_hours();
CREATE TRIGGER site_metrics_mark_updated AFTER UPDATE ON site_metrics
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION site_metrics_mark_hours();
CREATE TRIGGER site_metrics_mark_deleted AFTER DELETE ON site_metrics
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION site_metrics_mark_hours();

-- Rows already there (a migrated table) are rolled up on the first roll-up run.
INSERT INTO site_metrics_hours_pending (hour)
SELECT DISTINCT date_trunc('hour', observed_at, 'UTC') FROM site_metrics;
