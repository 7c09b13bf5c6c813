"""A task process killed mid-way (SIGKILL), then retried: the rows are exactly those of an
undisturbed run.

The DAG runs in a real process of its own (`dag.test()`, the task inside it, as a worker
runs it); once one of its tasks is at work the process is killed with SIGKILL, so nothing of
it gets to clean up. The run is then taken up where Airflow would: every task of the run
that did not succeed is run again, upstream first, with `airflow tasks test DAG TASK RUN`
(the same run: its params, interval and upstream XComs), as a retry on a worker would.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pprint import pformat

import pytest
from conftest import LOGICAL_DATE, Fault, differences, environment_for, run_logged, snapshot
from test_postgres_restart import HOLD, SCENARIOS, conf_for, hold

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults-server")]

RUNNER = """
import json, sys, pendulum
from healer_ops.devkit.dagrun import run_dag
dag_id, when, conf = sys.argv[1], pendulum.parse(sys.argv[2]), json.loads(sys.argv[3])
print(json.dumps(run_dag(dag_id, when, conf)))
"""


def run_in_a_process(dag_id: str, conf: dict, url: str, home) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, dag_id, LOGICAL_DATE.isoformat(), json.dumps(conf)],
        env=environment_for(home, url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)  # its own process group: the kill reaches all of it


def take_up(dag_id: str) -> dict[str, str]:
    """Run again, in order, every task of the DAG's latest run that did not succeed."""
    from airflow.cli.cli_parser import get_parser
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    from healer_ops.devkit.dagrun import dag_bag

    with create_session() as session:
        run = (session.query(DagRun).filter(DagRun.dag_id == dag_id)
               .order_by(DagRun.id.desc()).first())
        instances = session.query(TaskInstance.task_id, TaskInstance.map_index,
                                  TaskInstance.state).filter(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id).all()
    dag = dag_bag().get_dag(dag_id)
    finished = ("success", "skipped")
    done = {task for task in {i[0] for i in instances}
            if all(str(i[2]) in finished for i in instances if i[0] == task)}
    taken_up = {}
    while len(done) < len(dag.tasks):
        ready = [t for t in dag.tasks if t.task_id not in done and t.upstream_task_ids <= done]
        for task in ready:
            indexes = [i[1] for i in instances if i[0] == task.task_id
                       and str(i[2]) not in finished] or [-1]
            for index in indexes:  # every map index of a mapped task the kill left undone
                extra = ["--map-index", str(index)] if index >= 0 else []
                args = get_parser().parse_args(["tasks", "test", dag_id, task.task_id,
                                                run.run_id, *extra])
                args.func(args)
                taken_up[f"{task.task_id}[{index}]"] = "taken up"
            done.add(task.task_id)
    return taken_up


TAKE_UP = ("import json, sys\n" + inspect.getsource(take_up)
           + "print('TAKEN ' + json.dumps(take_up(sys.argv[1])))\n")


def take_up_in_a_process(dag_id: str, url: str, home) -> dict[str, str]:
    """take_up in a process of its own (as a worker's retry; and `airflow tasks test`
    changes logging and the environment of the process it runs in)."""
    done = subprocess.run([sys.executable, "-c", TAKE_UP,
                           dag_id], env=environment_for(home, url), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    [line] = [text for text in done.stdout.splitlines() if text.startswith("TAKEN ")]
    return json.loads(line.removeprefix("TAKEN "))


@pytest.mark.parametrize("dag_id", list(SCENARIOS))
def test_a_task_killed_mid_way_is_retried_to_the_same_rows(dag_id, server_fleet, copies,
                                                          healer_db, tmp_path):
    setup, when, _ = SCENARIOS[dag_id]
    conf = conf_for(dag_id, server_fleet)
    reference, faulted = copies(server_fleet, 2, setup)
    began = datetime.now(UTC) - timedelta(seconds=1)

    healer_db(reference)
    undisturbed, _ = run_logged(dag_id, conf, tmp_path / "reference.log")
    assert undisturbed["state"] == "success", undisturbed

    healer_db(faulted)
    holder = hold(faulted, HOLD.get(dag_id))  # a step waits for it: the kill lands inside
    process = run_in_a_process(dag_id, conf, faulted, os.environ["AIRFLOW_HOME"])
    fault = Fault(faulted, when, lambda: os.killpg(process.pid, signal.SIGKILL), timeout_s=240)
    fault.start()
    try:
        output, _ = process.communicate(timeout=300)
    finally:
        fault.finish()
        if holder is not None:
            holder.close()  # the lock goes with it, before the retry takes the run up
    assert fault.fired.is_set(), output.decode(errors="replace")[-3000:]
    assert process.returncode == -signal.SIGKILL

    taken_up = take_up_in_a_process(dag_id, faulted, os.environ["AIRFLOW_HOME"])
    assert taken_up, "the killed run left no task to take up"
    diff = differences(snapshot(reference, began), snapshot(faulted, began))
    assert not diff, pformat(diff, width=150)
