"""The state a history is built with (its random stream, each site's secrets, a counter for
execution ids), and the one place log contexts and execution rows are made."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.history.catalogue import pattern_key
from healer_ops.devkit.fleet.history.phase1 import (
    PHASE1_SUGGESTIONS,
    error_message,
    execution_logs,
    phase1_diagnosis,
    suggested_action,
)
from healer_ops.devkit.fleet.history.rows import ExecutionRow, PatternRow
from healer_ops.devkit.fleet.incidents import Incident
from healer_ops.devkit.fleet.seeding import stable_uuid, stream
from healer_ops.devkit.fleet.sites import Site

_MEMORY_LIMITS = (41943040, 67108864, 134217728, 268435456)
_DB_HOSTS = ("localhost", "localhost", "127.0.0.1", "mysql", "db-3.internal:3306")
_FIRST = ("maria", "john", "li", "fatima", "sven", "aiko", "paul", "nina", "omar", "julia")
_LAST = ("lopez", "smith", "wang", "khan", "berg", "sato", "meyer", "rossi", "haddad", "novak")
_MAIL = ("gmail.com", "outlook.com", "yahoo.co.uk", "gmx.de", "proton.me")


class HistoryBuilder:
    """Makes log contexts and execution rows for one history, in the order it is built:
    every draw comes from one stream, so the same seed gives the same history."""

    def __init__(self, sites: list[Site], seed: int, end: datetime):
        self.sites, self.seed, self.end = sites, seed, end
        self.rng = stream(seed, "history")
        self.site_secrets = {s.id: self._site_secrets(s) for s in sites}
        self.counter = 0

    def _site_secrets(self, site: Site) -> dict:
        rng = stream(self.seed, "history", site.index)
        user = site.db_user
        first, last = logs.pick(rng, _FIRST), logs.pick(rng, _LAST)
        email = (f"{first}.{last}@{logs.pick(rng, _MAIL)}" if rng.random() < 0.6
                 else f"admin@{site.domain}")
        return {"db_name": f"{user.split('_')[0]}_wp{rng.integers(1, 9)}", "db_user": user,
                "db_password": logs.password(rng), "db_host": logs.pick(rng, _DB_HOSTS),
                "admin_email": email, "memory_limit": int(logs.pick(rng, _MEMORY_LIMITS)),
                "style": logs.pick(rng, logs.STYLES)}

    def context(self, site: Site, when: datetime) -> logs.LogContext:
        secrets = self.site_secrets[site.id]
        style = secrets["style"] if self.rng.random() < 0.75 else logs.pick(self.rng,
                                                                           logs.STYLES)
        return logs.LogContext(
            root=site.path, domain=site.domain, php_version=site.php_version,
            wp_version=site.wp_version, when=when, style=style, db_name=secrets["db_name"],
            db_user=secrets["db_user"], db_password=secrets["db_password"],
            db_host=secrets["db_host"], admin_email=secrets["admin_email"],
            memory_limit=secrets["memory_limit"],
            rng=np.random.default_rng(self.rng.integers(1 << 62)))

    def execution(self, site: Site, fault: logs.Fault, started: datetime, success: bool | None,
                  *, pattern: PatternRow | None = None, incident: Incident | None = None,
                  attempt: int = 1, previous: str | None = None) -> ExecutionRow:
        self.counter += 1
        rng = self.rng
        ctx = self.context(site, started - timedelta(seconds=float(rng.uniform(20, 600))))
        log = fault.render(ctx)
        phase1_type = pattern.spec.diagnosis_type if pattern else phase1_diagnosis(fault,
                                                                                         log)
        commands = (list(pattern.spec.commands) if pattern
                    else list(PHASE1_SUGGESTIONS.get(phase1_type, [])))
        status = {True: "SUCCESS", False: "FAILED", None: "SKIPPED"}[success]
        duration = float(rng.uniform(25, 240))
        finished = started + timedelta(seconds=duration) if success is not None else None
        truth = {"true_type": fault.true_type, "true_error_type": fault.error_type,
                 "true_culprit": fault.culprit, "fault_id": fault.id,
                 "incident_id": incident.id if incident else None,
                 "planted_secrets": sorted({kind for kind, _ in ctx.planted})}
        details = {"source": "phase1", "log_style": ctx.style}
        return ExecutionRow(
            id=str(stable_uuid("execution", self.seed, self.counter)), site_id=site.id,
            trigger=site.healing_mode, diagnosis_type=phase1_type, diagnosis_details=details,
            truth=truth,
            confidence=round(float(rng.uniform(0.45, 0.95)), 2), logs_analyzed=log,
            suggested_action=suggested_action(phase1_type, pattern),
            suggested_commands=commands,
            action_taken="; ".join(commands) if success is not None and commands else None,
            status=status, error_message=error_message(rng, success, pattern, site),
            execution_logs=execution_logs(rng, site, commands, success, pattern, ctx),
            started_at=started, finished_at=finished, was_successful=success,
            attempt_number=attempt, previous_attempt_id=previous,
            pattern_key=pattern_key(pattern.spec) if pattern else None,
            planted_secrets=list(ctx.planted))
