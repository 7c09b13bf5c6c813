"""One batch through validation into the database, and the summary every ingest returns.

Invariant of every summary: input_rows = loaded + quarantined + duplicates.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import psycopg

from healer_ops.ingest.load import upsert_metrics, upsert_quarantine
from healer_ops.ingest.read import RawBatch
from healer_ops.ingest.validate import Checks, Parsed, validate

log = logging.getLogger(__name__)


@dataclass
class Summary:
    input_rows: int = 0
    loaded: int = 0
    quarantined: int = 0
    quarantined_by_reason: Counter = field(default_factory=Counter)
    duplicates: int = 0
    changed_rows: int = 0  # site_metrics rows inserted or changed (0 on an identical re-run)
    out_of_scope: int = 0  # rows of the inputs that belong to another interval or site

    def add(self, other: Summary) -> None:
        self.input_rows += other.input_rows
        self.loaded += other.loaded
        self.quarantined += other.quarantined
        self.quarantined_by_reason.update(other.quarantined_by_reason)
        self.duplicates += other.duplicates
        self.changed_rows += other.changed_rows
        self.out_of_scope += other.out_of_scope

    def as_dict(self) -> dict:
        if self.input_rows != self.loaded + self.quarantined + self.duplicates:
            raise AssertionError(f"ingest lost track of rows: {self}")
        return {"input_rows": self.input_rows, "loaded": self.loaded,
                "quarantined": self.quarantined,
                "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items())),
                "duplicates": self.duplicates, "changed_rows": self.changed_rows,
                "out_of_scope": self.out_of_scope}


def validate_and_write(conn: psycopg.Connection, batch: RawBatch, parsed: Parsed,
                       checks: Checks, *, metrics_source: str,
                       run_id: str | None) -> Summary:
    """Validate one batch, upsert its good rows and quarantine the rest (no commit)."""
    result = validate(batch, parsed, checks)
    changed = upsert_metrics(conn, result.load, metrics_source)
    upsert_quarantine(conn, batch.source, result.quarantine, run_id)
    summary = Summary(input_rows=len(batch), loaded=len(result.load),
                      quarantined=len(result.quarantine),
                      quarantined_by_reason=result.by_reason, duplicates=result.duplicates,
                      changed_rows=changed)
    log.info("ingest %s: input=%d loaded=%d quarantined=%d %s duplicates merged=%d",
             batch.source, summary.input_rows, summary.loaded, summary.quarantined,
             dict(summary.quarantined_by_reason), summary.duplicates)
    return summary
