"""Every way a log or an error leaves the process goes through redaction: the LLM request, the
cache, the analysis record, the log lines, stored error texts and failure notices. The logs
are the secret-laden corpus (one of each kind, held-out kinds included), through the real
pipeline in openai mode against the loopback server and real PostgreSQL."""

from __future__ import annotations

import logging

from healer_ops.analysis.openai_analyzer import OpenAIAnalyzer
from healer_ops.analysis.pipeline import AnalysisPipeline, safe_error
from healer_ops.devkit.secrets_corpus import generate, leaked
from healer_ops.notify import dag_run_failed
from healer_ops.settings import Settings

pytest_plugins = ("openai_server",)


def one_of_each_kind() -> list:
    logs = generate(seed=3) + generate(seed=3, held_out=True)
    seen, chosen = set(), []
    for log in logs:
        if log.kind not in seen:
            seen.add(log.kind)
            chosen.append(log)
    return chosen


def test_no_planted_secret_reaches_the_llm_the_cache_the_record_or_a_log_line(
        db_url, conn, openai_server, local_analyzer, caplog):
    """Each log is checked against what its own analysis sent, stored and logged (another
    log's redacted text may hold an 8-character piece of this one's secret by chance)."""
    logs = one_of_each_kind()
    config = Settings(ai_model="gpt-4.1-mini", ai_max_retries=0, ai_timeout_s=5.0)
    llm = OpenAIAnalyzer(config, api_key="sk-test", base_url=openai_server.base_url)
    with caplog.at_level(logging.DEBUG), AnalysisPipeline(
            db_url, settings=config, analyzer="openai", local=local_analyzer, llm=llm) as pipeline:
        for log in logs:
            sent_before, logged_before = len(openai_server.requests), len(caplog.records)
            result = pipeline.analyze(log.log)
            sent = " ".join(r["raw"] for r in openai_server.requests[sent_before:])
            logged = " ".join(r.getMessage() for r in caplog.records[logged_before:])
            stored = " ".join(str(value) for row in conn.execute(
                "SELECT log_sample, error_signature, analysis::text FROM ai_analysis_cache "
                "WHERE input_hash = %s", (result.input_hash,)) for value in row)
            assert sent and stored and result.analysis.analyzer == "openai", log.id
            for where, text in (("LLM request", sent), ("cache", stored),
                                ("record", str(result.record())), ("log lines", logged)):
                assert not leaked(text, log.secrets), f"{log.id}: a secret reached the {where}"
    assert len(logs) >= 40
    assert "wp-content/plugins/" in openai_server.received_text()  # the diagnostics did


def test_stored_error_texts_are_redacted():
    error = RuntimeError("could not connect: postgresql://healer:Pg-S3cret@10.0.0.5:5432/healer "
                         "(password=Pg-S3cret, api_key=AbC123xyz789QrS)")
    text = safe_error(error)
    assert text.startswith("RuntimeError: could not connect: postgresql://")
    for secret in ("Pg-S3cret", "10.0.0.5", "AbC123xyz789QrS"):
        assert secret not in text


def test_failure_notices_are_redacted(caplog):
    corpus = one_of_each_kind()
    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        notices = [dag_run_failed("ai_failure_analysis", "manual__1", "analyze", log.log, None)
                   for log in corpus]
    lines = [record.getMessage() for record in caplog.records]
    for log, notice, line in zip(corpus, notices, lines, strict=True):
        # a notice keeps the first 500 characters: whatever of a secret is in them is redacted
        assert not leaked(notice["reason"], log.secrets), log.id
        assert not leaked(line, log.secrets), log.id


def test_notifier_fallback_message_and_channel_description_are_redacted():
    from healer_ops.notify.airflow_notifiers import _failure_of
    from healer_ops.notify.channels import Channel

    message = _failure_of({"reason": "task failed: mysql://wp:My-Pa55w0rd@10.1.2.3/wp"})
    assert "My-Pa55w0rd" not in message.text and "10.1.2.3" not in message.text
    channel = Channel("webhook", webhook_url="https://ops:Hook-Pa55@hooks.example.net/T1/B2/s3cr3t",
                      webhook_format="json")
    description = channel.describe()
    assert "Hook-Pa55" not in description and "s3cr3t" not in description
    assert "hooks.example.net" in description
