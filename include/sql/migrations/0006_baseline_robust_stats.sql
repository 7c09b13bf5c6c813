-- Robust statistics of one sorted float8 array (ascending, no NULLs), used by baseline_stats:
-- the median and p95 exactly as percentile_cont computes them, and the MAD exactly as
-- percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(x - median)) would, without a second sort.

-- The k-th smallest |x - median| (1 <= k <= n). The k values nearest the median are a run
-- sorted[s .. s + k - 1]; the run's width max(median - sorted[s], sorted[s + k - 1] - median)
-- falls while its left end is the farther one and rises after, so the narrowest run is at
-- the first s whose right end is at least as far (found by bisection) or just before it.
CREATE FUNCTION baseline_kth_deviation(sorted float8[], median float8, k int)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n int := cardinality(sorted);
    lo int := 1;
    hi int := n - k + 2;
    mid int;
BEGIN
    WHILE lo < hi LOOP
        mid := (lo + hi) / 2;
        IF sorted[mid + k - 1] - median >= median - sorted[mid] THEN
            hi := mid;
        ELSE
            lo := mid + 1;
        END IF;
    END LOOP;
    RETURN least(CASE WHEN lo <= n - k + 1 THEN sorted[lo + k - 1] - median END,
                 CASE WHEN lo > 1 THEN median - sorted[lo - 1] END);
END
$$;

-- percentile_cont(q) of n sorted values: h = q * (n - 1) in float8, then linear interpolation
-- between the values at 0-based ranks floor(h) and ceil(h), as PostgreSQL does.
CREATE FUNCTION baseline_robust_stats(sorted float8[], OUT median float8, OUT p95 float8,
                                      OUT mad float8)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n int := cardinality(sorted);
    h50 float8 := 0.5::float8 * (n - 1);
    h95 float8 := 0.95::float8 * (n - 1);
    d_lo float8;
    d_hi float8;
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    median := sorted[floor(h50)::int + 1]
              + (h50 - floor(h50)) * (sorted[ceil(h50)::int + 1] - sorted[floor(h50)::int + 1]);
    p95 := sorted[floor(h95)::int + 1]
           + (h95 - floor(h95)) * (sorted[ceil(h95)::int + 1] - sorted[floor(h95)::int + 1]);
    d_lo := baseline_kth_deviation(sorted, median, floor(h50)::int + 1);
    d_hi := baseline_kth_deviation(sorted, median, ceil(h50)::int + 1);
    mad := d_lo + (h50 - floor(h50)) * (d_hi - d_lo);
END
$$;
