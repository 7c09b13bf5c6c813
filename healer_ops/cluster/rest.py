"""A small client of Airflow 3's REST API (/api/v2): what operating a cluster needs.

Authenticates with the simple auth manager (`POST /auth/token`) and renews its token once
when the API answers 401.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx

FINISHED_RUN_STATES = {"success", "failed"}


class AirflowClient:
    def __init__(self, base_url: str, username: str, password: str, timeout_s: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AirflowClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def health(self) -> dict | None:
        """/api/v2/monitor/health, or None while the api-server does not answer."""
        try:
            response = self._http.get("/api/v2/monitor/health")
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def _authorize(self) -> None:
        response = self._http.post("/auth/token", json=self._credentials)
        response.raise_for_status()
        self._token = response.json()["access_token"]

    def request(self, method: str, path: str, **kwargs) -> dict:
        for attempt in (1, 2):
            if self._token is None:
                self._authorize()
            response = self._http.request(method, "/api/v2" + path, headers={
                "Authorization": f"Bearer {self._token}"}, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if response.status_code >= 400:
                raise httpx.HTTPStatusError(
                    f"{method} {path}: {response.status_code} {response.text[:500]}",
                    request=response.request, response=response)
            return response.json() if response.content else {}
        raise AssertionError("unreachable")

    def dag_ids(self) -> list[str]:
        return [d["dag_id"] for d in self.request("GET", "/dags", params={"limit": 100})["dags"]]

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, conf: dict | None = None, logical_date: str | None = None,
                run_id: str | None = None) -> dict:
        """A manual run (no logical date unless given), as the UI's trigger button makes."""
        body = {"logical_date": logical_date, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")

    def dag_runs(self, dag_id: str, run_type: str | None = None) -> list[dict]:
        params = {"limit": 1000, "order_by": "run_after"}
        if run_type:
            params["run_type"] = run_type
        return self.request("GET", f"/dags/{dag_id}/dagRuns", params=params)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances"
        return self.request("GET", path, params={"limit": 1000})["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1):
        path = (f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
                f"/xcomEntries/return_value")
        return self.request("GET", path, params={"map_index": map_index,
                                                 "deserialize": True})["value"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout_s: float = 300.0,
                     poll_s: float = 1.0) -> dict:
        """Poll until the run succeeds or fails; its last state (TimeoutError past the time)."""
        deadline = time.monotonic() + timeout_s
        while True:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in FINISHED_RUN_STATES:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} {run_id} still {run['state']} after "
                                   f"{timeout_s:.0f} s")
            time.sleep(poll_s)
