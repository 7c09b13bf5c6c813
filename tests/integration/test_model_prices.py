"""A model without a price is refused when the analysis run starts (nothing analyzed, no
silent fallback per call); with the operator's price it runs and costs what the table says."""

from __future__ import annotations

import uuid

import pytest

from healer_ops.analysis.executions import analyze_failed_executions
from healer_ops.analysis.prices import UnknownModelPrice
from healer_ops.settings import reset_settings

pytest_plugins = ("openai_server",)

LOG = ("PHP Fatal error:  Uncaught Error: Call to undefined function acme_boot() in "
       "/var/www/wp-content/plugins/acme-forms/inc/boot.php:41")


def _failed(conn) -> str:
    site_id, execution_id = str(uuid.uuid4()), str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'a.test', 'http://a.test/')",
                 (site_id,))
    conn.execute("INSERT INTO healer_executions (id, site_id, status, logs_analyzed) VALUES"
                 " (%s, %s, 'FAILED', %s)", (execution_id, site_id, LOG))
    conn.commit()
    return execution_id


def test_unknown_model_is_refused_at_the_start_then_priced_by_the_operator(
        db_url, conn, openai_server, local_analyzer, monkeypatch):
    execution_id = _failed(conn)
    monkeypatch.setenv("HEALER_AI_MODEL", "acme-llm-7b")
    reset_settings()
    with pytest.raises(UnknownModelPrice, match="'acme-llm-7b'"):
        analyze_failed_executions(db_url, analyzer="openai", local=local_analyzer)
    assert openai_server.chat_requests() == []  # no call, no fallback answer written
    row = conn.execute("SELECT ai_status, ai_analysis FROM healer_executions WHERE id = %s",
                       (execution_id,)).fetchone()
    conn.commit()
    assert row == ("CLAIMED", None)  # claimed, waiting for a run that can price its calls

    monkeypatch.setenv("HEALER_AI_MODEL_PRICES", '{"acme-llm-7b": [100, 100, 100]}')
    conn.execute("UPDATE healer_executions SET ai_status = NULL")  # as a stale claim would be
    conn.commit()
    reset_settings()
    summary = analyze_failed_executions(db_url, analyzer="openai", local=local_analyzer)
    assert summary["llm_calls"] == 1 and not summary["fallbacks"]
    tokens, cost, model = conn.execute(
        "SELECT ai_tokens_used, ai_cost_usd, ai_analysis->>'model' FROM healer_executions"
        " WHERE id = %s", (execution_id,)).fetchone()
    assert float(cost) == pytest.approx(tokens * 100 / 1e6, rel=1e-3)  # $100 per M, any kind
