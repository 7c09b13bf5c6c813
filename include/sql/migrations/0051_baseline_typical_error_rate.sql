-- The error rate a site's probes are judged against (detect.fleet.signals: the binomial test
-- of an hour's errors): the median of the period's daily error rates once it spans three
-- days, so one outage in the period does not raise the rate every later hour is judged
-- against (a six-hour outage in eight days made the mean 3%, and a later burst of 3 errors
-- in 12 probes went unalerted for the whole baseline period). avg_error_rate stays the
-- period's plain average (what the charts and the fleet page show). NULL in rows stored
-- before this column: readers fall back to avg_error_rate.
ALTER TABLE performance_baselines ADD COLUMN typical_error_rate double precision;
