-- Pattern auto-approval as it stands: patterns whose record is good (at least
-- %(min_uses)s uses of the current version, success rate at least %(good_rate)s), how many
-- of them are auto-approved, and how many approved patterns have a bad record (under half).
SELECT count(*) AS patterns,
       count(*) FILTER (WHERE good) AS good,
       count(*) FILTER (WHERE good AND auto_approved) AS good_approved,
       count(*) FILTER (WHERE auto_approved) AS approved,
       count(*) FILTER (WHERE auto_approved AND uses >= %(min_uses)s
                        AND success_count < 0.5 * uses) AS bad_approved
FROM (
    SELECT auto_approved, success_count, success_count + failure_count AS uses,
           success_count + failure_count >= %(min_uses)s
               AND success_count >= %(good_rate)s * (success_count + failure_count) AS good
    FROM healing_patterns
) p
