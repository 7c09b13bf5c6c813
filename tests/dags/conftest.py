"""Fixtures of the DAG tests."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def quick_retries(monkeypatch):
    """Retry a DAG's tasks at once (their retries stay as configured) for this test."""
    from healer_ops.devkit.dagrun import dag_bag

    def apply(dag_id: str) -> None:
        for task in dag_bag().get_dag(dag_id).tasks:
            monkeypatch.setattr(task, "retry_delay", timedelta(0))

    return apply
