"""Label a demo fleet's alerts and diagnoses from its ground truth, as an operator who
checked them would, through the product's own lifecycle and label functions: what makes
`healer-ops report` show diagnosis accuracy and alert precision on the demo fleet.

Alerts: a real problem when it matches an injected incident (the same matching as
`alerts evaluate`), else a false alarm. Diagnoses: right when the analysis found the true
type, else labelled with the true type. `share` labels only part of them (a seeded sample),
as operators label what they look at.
"""

from __future__ import annotations

import random

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.devkit import kitdb
from healer_ops.devkit.evaluate.alerts import _rows, score
from healer_ops.operate.diagnoses import label_diagnosis
from healer_ops.operate.lifecycle import act

ACTOR = "demo-operator"


def label_from_truth(url: str | None, *, share: float = 1.0, seed: int = 7) -> dict:
    if not 0 < share <= 1:
        raise ValueError(f"share {share} must be in (0, 1]")
    rng = random.Random(seed)
    with db.connect(url) as conn:
        incidents = _rows(conn, "detect_eval_incidents")
        alerts = _rows(conn, "detect_eval_alerts")
        with conn.cursor(row_factory=dict_row) as cur:
            executions = cur.execute(kitdb.query("demo_analyzed_execution_truth")).fetchall()
    false_ids = {a["id"] for a in score(incidents, alerts)["false"]}
    chosen = [a for a in alerts if rng.random() < share]
    for alert in chosen:
        act(url, alert["id"], "label", actor=ACTOR, label=alert["id"] not in false_ids,
            note="labelled from the demo's ground truth")
    labelled = [e for e in executions if rng.random() < share]
    wrong = 0
    for execution in labelled:
        right = execution["ai_diagnosis_type"] == execution["true_type"]
        wrong += not right
        label_diagnosis(url, execution["execution_id"], correct=right,
                        diagnosis_type=None if right else execution["true_type"], actor=ACTOR,
                        note="labelled from the demo's ground truth")
    return {"alerts_labelled": len(chosen),
            "false_alarms": sum(a["id"] in false_ids for a in chosen),
            "diagnoses_labelled": len(labelled), "diagnoses_wrong": wrong}
