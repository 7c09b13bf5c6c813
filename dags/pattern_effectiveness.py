"""
### pattern_effectiveness

Daily. Learns which healing patterns can be trusted to run without a human; people stay in
charge (`healer-ops patterns ...`, `/api/patterns`).

For the day that ends at the run's data interval end (a manual run without a logical
date: when it was triggered) it:

1. **learns** from analyzed failures no pattern learned from yet (the analysis write-back
   of `ai_failure_analysis` does it as it goes: this catches up on older analyses);
2. **versions** patterns whose commands are known to be bad (the Phase 1 memory fix
   `wp config set WP_MEMORY_LIMIT 256M --raw` becomes the quoted form), whose
   `error_pattern` no longer matches the logs it fixed (re-learned, evidence kept), or whose
   analyzed failures agree on other commands (the analyzer's proposal); the earlier version
   goes to `healing_pattern_versions` with its stats and the reason, and new commands start
   without evidence. Where a person decided on the pattern, the change is only proposed and
   the pattern flagged for review;
3. **refreshes** each pattern's stats from `healer_executions` (current version only):
   successes, failures, a rolling success rate (exponentially weighted, half-life 10 uses),
   the recent window, last success/failure/use, and `confidence` = the 95% Wilson lower
   bound of the success rate;
4. **decides**: auto-approve on a sequential test (the uses' likelihood ratio for a 97% fix
   against an 80% one at least 5.5, and 19 successes), no recent failure streak and safe
   commands (WP-CLI on the allow-list, nothing destructive, no blacklisted plugin); revoke
   when recent evidence turns bad (then approval needs new uses). A person's decision is
   never changed: evidence against it flags the pattern for review (`HEALER PATTERN REVIEW`
   through `healer_ops.notify`).

Re-running the same day writes the same rows. Settings: `HEALER_PATTERN_*`.

Failures: a try is stopped after an hour and retried twice, five minutes apart; a task that
fails for good and its run are reported through `healer_ops.notify`; after 3 failed runs in
a row (three days) the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

from _healer_common import healer_dag
from airflow.sdk import task


@healer_dag("pattern_effectiveness", schedule="@daily", doc_md=__doc__, tag="patterns")
def pattern_effectiveness():
    @task
    def refresh_patterns(data_interval_start=None, data_interval_end=None, dag_run=None) -> dict:
        from healer_ops import db, patterns
        from healer_ops.intervals import effective_interval

        _, as_of = effective_interval(data_interval_start, data_interval_end, timedelta(days=1),
                                      dag_run.run_after)
        return patterns.refresh_patterns(db.resolve_url("healer_db"), as_of=as_of)

    refresh_patterns()


pattern_effectiveness()
