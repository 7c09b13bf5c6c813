-- site_metrics partitioned by time: one partition per UTC day (range on observed_at), so
-- that retention drops a day with DROP TABLE instead of deleting rows, and time-bounded
-- reads (ingest, detection, baselines) touch only their days.
--
-- The primary key (site_id, observed_at) already holds the partition key, so it stays the
-- table's unique key and every ON CONFLICT (site_id, observed_at) upsert keeps working.
--
-- An existing table is not copied: it is renamed to site_metrics_legacy and attached as one
-- partition covering its rows' UTC days [first day, day after the last). Attaching checks
-- the range once (one scan, through a CHECK constraint added first) and writes nothing, so
-- the migration takes seconds where a copy of a fleet's weeks of rows (hundreds of millions
-- at 100,000 sites) would take hours and twice the disk. The price: the legacy range is one
-- partition, dropped by retention as a whole once its last day is past the retention
-- window, and later rows for days inside it land in it. An empty table is simply replaced.
--
-- A DEFAULT partition catches rows of a day that has no partition yet (a direct COPY by a
-- tool that did not call site_metrics_ensure_partitions): an insert never fails for a
-- missing partition. site_metrics_ensure_partitions moves such rows into their day's
-- partition when it creates it; the ingest path and the retention DAG create partitions
-- ahead, so the default partition normally stays empty.

DO $$
DECLARE
    first_at timestamptz;
    last_at  timestamptz;
    lo       timestamptz;
    hi       timestamptz;
BEGIN
    SELECT min(observed_at), max(observed_at) INTO first_at, last_at FROM site_metrics;
    ALTER TABLE site_metrics RENAME TO site_metrics_legacy;
    ALTER INDEX site_metrics_pkey RENAME TO site_metrics_legacy_pkey;
    ALTER INDEX site_metrics_observed_at_idx RENAME TO site_metrics_legacy_observed_at_idx;

    CREATE TABLE site_metrics (
        site_id          uuid NOT NULL,
        observed_at      timestamptz NOT NULL,
        response_time_ms double precision,
        ttfb_ms          double precision,
        page_size_bytes  bigint,
        status_code      smallint,
        error            boolean NOT NULL DEFAULT false,
        error_class      text,
        wsod_marker      boolean NOT NULL DEFAULT false,
        cert_expires_at  timestamptz,
        source           text NOT NULL DEFAULT 'probe',
        ingested_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, observed_at)
    ) PARTITION BY RANGE (observed_at);
    CREATE INDEX site_metrics_observed_at_idx ON site_metrics (observed_at);
    CREATE TABLE site_metrics_default PARTITION OF site_metrics DEFAULT;

    IF first_at IS NULL THEN
        DROP TABLE site_metrics_legacy;
    ELSE
        lo := date_trunc('day', first_at, 'UTC');
        hi := date_trunc('day', last_at, 'UTC') + interval '1 day';
        EXECUTE format('ALTER TABLE site_metrics_legacy ADD CONSTRAINT site_metrics_legacy_range'
                       ' CHECK (observed_at >= %L AND observed_at < %L)', lo, hi);
        EXECUTE format('ALTER TABLE site_metrics ATTACH PARTITION site_metrics_legacy'
                       ' FOR VALUES FROM (%L) TO (%L)', lo, hi);
        ALTER TABLE site_metrics_legacy DROP CONSTRAINT site_metrics_legacy_range;
    END IF;
END
$$;

-- The partition of the UTC day starting at `day`: site_metrics_pYYYYMMDD.
CREATE FUNCTION site_metrics_partition_name(day timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT 'site_metrics_p' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD')
$$;

-- Create the daily partitions of every UTC day that [from_at, to_at] touches and that no
-- partition covers yet; rows of such a day already caught by the default partition are moved
-- into the new one. Days inside another partition's range (the legacy one) are left to it.
-- Returns the names created. Safe to run concurrently (a day created meanwhile is skipped).
CREATE FUNCTION site_metrics_ensure_partitions(from_at timestamptz, to_at timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    day  timestamptz := date_trunc('day', from_at, 'UTC');
    name text;
BEGIN
    WHILE day <= to_at LOOP
        name := site_metrics_partition_name(day);
        IF to_regclass(name) IS NULL THEN
            BEGIN
                IF EXISTS (SELECT 1 FROM site_metrics_default
                           WHERE observed_at >= day AND observed_at < day + interval '1 day')
                THEN
                    EXECUTE format('CREATE TABLE %I (LIKE site_metrics INCLUDING DEFAULTS)',
                                   name);
                    EXECUTE format('WITH moved AS (DELETE FROM site_metrics_default'
                                   ' WHERE observed_at >= %L AND observed_at < %L RETURNING *)'
                                   ' INSERT INTO %I SELECT * FROM moved',
                                   day, day + interval '1 day', name);
                    EXECUTE format('ALTER TABLE site_metrics ATTACH PARTITION %I'
                                   ' FOR VALUES FROM (%L) TO (%L)',
                                   name, day, day + interval '1 day');
                ELSE
                    EXECUTE format('CREATE TABLE %I PARTITION OF site_metrics'
                                   ' FOR VALUES FROM (%L) TO (%L)',
                                   name, day, day + interval '1 day');
                END IF;
                RETURN NEXT name;
            EXCEPTION
                -- 42P17: the range overlaps another partition (legacy); 42P07: created by a
                -- concurrent call meanwhile
                WHEN invalid_object_definition OR duplicate_table THEN NULL;
            END;
        END IF;
        day := day + interval '1 day';
    END LOOP;
END
$$;
