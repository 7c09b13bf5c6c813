"""The openai analyzer against the loopback OpenAI-compatible server (real SDK, real HTTP)."""

from __future__ import annotations

import json
import time

import pytest

from healer_ops.analysis.model import Analysis
from healer_ops.analysis.openai_analyzer import (
    Budget,
    LLMFailure,
    OpenAIAnalyzer,
    Usage,
    batch_answer_to_analysis,
    collect_batch,
    make_client,
    resolve_credentials,
    response_schema,
    submit_batch,
)
from healer_ops.analysis.prices import UnknownModelPrice
from healer_ops.settings import Settings

pytest_plugins = ("openai_server",)

LOG = ("PHP Fatal error:  Uncaught Error: Call to undefined function acme_boot() in "
       "[root]/wp-content/plugins/acme-forms/inc/boot.php:41")
LOCAL = Analysis(diagnosis_type="PLUGIN_CONFLICT", confidence=0.7, culprit="acme-forms",
                 culprit_kind="plugin")


def analyzer(server, **overrides) -> OpenAIAnalyzer:
    settings = Settings(**{"ai_model": "gpt-4.1-mini", "ai_timeout_s": 5.0, "ai_max_retries": 2,
                           **overrides})
    return OpenAIAnalyzer(settings, api_key="sk-test", base_url=server.base_url)


def test_correct_answer_with_structured_outputs_and_cost(openai_server):
    result = analyzer(openai_server).analyze(LOG, LOCAL)
    assert (result.analyzer, result.diagnosis_type, result.culprit) == (
        "openai", "PLUGIN_CONFLICT", "acme-forms")
    assert any("deactivate acme-forms" in r.command for r in result.recommendations)
    body = openai_server.chat_requests()[0]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    item = schema["properties"]["commands"]["items"]
    assert item["additionalProperties"] is False and set(item["required"]) == {"command",
                                                                              "purpose"}
    # long fixed instructions first, the log last (prompt caching)
    assert body["messages"][0]["role"] == "system" and LOG not in body["messages"][0]["content"]
    assert body["messages"][-1]["content"].rstrip().endswith(LOG + "\n>>>")
    assert len(body["messages"][0]["content"]) > 4 * 1024
    usage = Usage.from_response(openai_server.requests[-1]["usage"])
    assert result.tokens_used == usage.total_tokens > 1000
    assert result.cost_usd == pytest.approx(usage.cost_usd("gpt-4.1-mini"))
    # the loopback server counts tokens as the API does (tiktoken), not 4 characters a token
    from healer_ops.analysis.tokens import count_prompt_tokens, count_tokens

    assert usage.prompt_tokens == count_prompt_tokens(body)
    answer = openai_server.requests[-1]
    assert usage.completion_tokens > 0 and answer["status"] == 200
    assert count_tokens("x" * 40) != 10  # what the old estimate would have said


def test_cached_prefix_is_priced_lower(openai_server):
    llm = analyzer(openai_server)
    first = llm.analyze(LOG, LOCAL)
    second = llm.analyze(LOG.replace("acme_boot", "acme_start"), LOCAL)
    assert second.cost_usd < first.cost_usd * 0.8
    assert llm.budget.spent_usd == pytest.approx(first.cost_usd + second.cost_usd)


def test_usage_cost_uses_the_price_table():
    usage = Usage(prompt_tokens=3000, cached_tokens=2048, completion_tokens=500)
    # gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out per million tokens
    expected = (952 * 0.40 + 2048 * 0.10 + 500 * 1.60) / 1e6
    assert usage.cost_usd("gpt-4.1-mini") == pytest.approx(expected)
    assert usage.cost_usd("gpt-4.1-mini-2025-04-14") == pytest.approx(expected)
    assert usage.cost_usd("gpt-4.1-mini", batch=True) == pytest.approx(expected / 2)
    with pytest.raises(UnknownModelPrice, match="no-such-model"):
        usage.cost_usd("no-such-model")


def test_429_then_success_retries_with_backoff(openai_server):
    openai_server.script.extend(["429", "429", "ok"])
    started = time.perf_counter()
    result = analyzer(openai_server).analyze(LOG, LOCAL)
    waited = time.perf_counter() - started
    assert result.analyzer == "openai"
    assert len(openai_server.chat_requests()) == 3
    assert waited >= 0.5 * 0.75 + 1.0 * 0.75  # two exponential backoffs (with jitter)


@pytest.mark.parametrize(("mode", "reason", "requests"), [
    ("500", "server_error", 2),  # one retry, then give up
    ("malformed", "malformed_json", 1),
    ("schema", "schema_violation", 1),
    ("refusal", "refusal", 1),
])
def test_failures_raise_with_a_reason(openai_server, mode, reason, requests):
    openai_server.mode = mode
    with pytest.raises(LLMFailure) as failure:
        analyzer(openai_server, ai_max_retries=1).analyze(LOG, LOCAL)
    assert failure.value.reason == reason
    assert len(openai_server.chat_requests()) == requests


def test_timeout(openai_server):
    openai_server.mode, openai_server.hang_s = "hang", 3.0
    with pytest.raises(LLMFailure) as failure:
        analyzer(openai_server, ai_timeout_s=0.3, ai_max_retries=0).analyze(LOG, LOCAL)
    assert failure.value.reason == "timeout"


def test_server_down():
    from healer_ops.devkit.loopback_openai import LoopbackOpenAI

    with LoopbackOpenAI() as server:
        url = server.base_url
    llm = OpenAIAnalyzer(Settings(ai_max_retries=0, ai_timeout_s=2.0), api_key="k", base_url=url)
    with pytest.raises(LLMFailure) as failure:
        llm.analyze(LOG, LOCAL)
    assert failure.value.reason == "unavailable"


def test_an_endpoint_that_keeps_failing_is_not_called_again_this_run(openai_server):
    openai_server.mode = "500"
    llm = analyzer(openai_server, ai_max_retries=0)
    reasons = []
    for _ in range(5):
        with pytest.raises(LLMFailure) as failure:
            llm.analyze(LOG, LOCAL)
        reasons.append(failure.value.reason)
    assert reasons == ["server_error"] * 3 + ["circuit_open"] * 2
    assert len(openai_server.chat_requests()) == 3


def test_budget_cap_stops_calls_before_they_happen(openai_server):
    llm = analyzer(openai_server)
    first = llm.analyze(LOG, LOCAL)
    llm.budget = Budget(limit_usd=first.cost_usd * 1.5)  # room for less than a worst case
    with pytest.raises(LLMFailure) as failure:
        llm.analyze(LOG, LOCAL)
    assert failure.value.reason == "over_budget"
    assert len(openai_server.chat_requests()) == 1


def test_missing_key_and_unknown_model():
    with pytest.raises(LLMFailure, match="no_api_key"):
        make_client(Settings(), None, None)
    # a model without a price is refused when the analyzer is made (the run's start) ...
    with pytest.raises(UnknownModelPrice, match="HEALER_AI_MODEL_PRICES"):
        OpenAIAnalyzer(Settings(ai_model="my-local-llama"), api_key="k",
                       base_url="http://127.0.0.1:9/v1")
    # ... and runs once the operator gives its price
    llm = OpenAIAnalyzer(Settings(ai_model="my-local-llama",
                                  ai_model_prices={"my-local-llama": [0, 0, 0]}),
                         api_key="k", base_url="http://127.0.0.1:9/v1")
    assert llm.model == "my-local-llama"


def test_a_culprit_the_log_never_names_is_replaced_by_the_local_one(openai_server):
    from healer_ops.analysis.openai_analyzer import answer_to_analysis

    content = json.dumps({"diagnosis_type": "PLUGIN_CONFLICT", "confidence": 0.95,
                          "culprit": "akismet", "culprit_kind": "plugin", "error_type": None,
                          "root_cause": "x", "reasoning": "y", "commands": []})
    completion = {"model": "m", "choices": [{"message": {"content": content},
                                             "finish_reason": "stop"}]}
    result = answer_to_analysis(completion, LOG, LOCAL, "gpt-4.1-mini", Usage(),
                                analyzer="openai", cost_usd=0.0)
    assert result.culprit == "acme-forms"


def test_batch_api_round_trip(openai_server):
    openai_server.batch_polls_before_done = 1
    settings = Settings(ai_model="gpt-4.1-mini")
    client = make_client(settings, "sk-test", openai_server.base_url)
    logs = {"h1": LOG, "h2": "Briefly unavailable for scheduled maintenance. Check back in a "
                              "minute."}
    submission = submit_batch(client, "gpt-4.1-mini", list(logs.items()))
    assert submission.request_count == 2
    uploaded = next(iter(openai_server.files.values()))["content"].decode().splitlines()
    assert {json.loads(line)["custom_id"] for line in uploaded} == {"h1", "h2"}
    assert collect_batch(client, submission.batch_id).status == "in_progress"  # a later run
    results = collect_batch(client, submission.batch_id)
    assert results.finished and set(results.answers) == {"h1", "h2"}
    first = batch_answer_to_analysis(results.answers["h1"], LOG, LOCAL, "gpt-4.1-mini")
    second = batch_answer_to_analysis(results.answers["h2"], logs["h2"], LOCAL, "gpt-4.1-mini")
    assert first.analyzer == "openai-batch" and first.culprit == "acme-forms"
    assert second.diagnosis_type == "MAINTENANCE"
    full = Usage.from_response(results.answers["h1"]["usage"]).cost_usd("gpt-4.1-mini")
    assert first.cost_usd == pytest.approx(full / 2)


def test_schema_lists_every_type():
    from healer_ops.analysis.model import DIAGNOSIS_TYPES

    schema = response_schema()
    assert schema["properties"]["diagnosis_type"]["enum"] == list(DIAGNOSIS_TYPES)


def test_credentials_from_an_airflow_connection(monkeypatch, airflow_ready):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert resolve_credentials("openai_default") == ("sk-from-env", None)
    monkeypatch.setenv("AIRFLOW_CONN_OPENAI_DEFAULT", json.dumps({
        "conn_type": "generic", "password": "sk-from-airflow",
        "extra": {"base_url": "http://127.0.0.1:1234/v1"}}))
    assert resolve_credentials("openai_default") == ("sk-from-airflow",
                                                      "http://127.0.0.1:1234/v1")
