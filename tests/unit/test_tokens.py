"""Token counts as the API counts them: tiktoken's o200k_base, shipped, never downloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from healer_ops.analysis.openai_analyzer import (
    MAX_OUTPUT_TOKENS,
    Usage,
    build_request,
    worst_case_cost,
)
from healer_ops.analysis.tokens import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    count_prompt_tokens,
    count_tokens,
    encoding,
)


def test_known_token_ids_of_the_o200k_encoding():
    assert encoding().encode("hello world") == [24912, 2375]
    assert encoding().decode(encoding().encode("PHP Fatal error:  x() in /a.php:3")) == (
        "PHP Fatal error:  x() in /a.php:3")
    assert count_tokens("<|endoftext|>") > 1  # a special token's spelling is plain text here


def test_a_chat_request_counts_messages_priming_and_schema():
    request = {"messages": [{"role": "system", "content": "a b"},
                            {"role": "user", "content": "hello world"}]}
    expected = (2 * TOKENS_PER_MESSAGE + count_tokens("system") + count_tokens("a b")
                + count_tokens("user") + count_tokens("hello world") + REPLY_PRIMING)
    assert count_prompt_tokens(request) == expected
    with_schema = {**request, "response_format": {"type": "json_schema"}}
    assert count_prompt_tokens(with_schema) > expected


def test_the_budget_worst_case_counts_real_tokens():
    request = build_request("gpt-4.1-mini", "PHP Fatal error:  Uncaught Error: boom")
    prompt = count_prompt_tokens(request)
    assert worst_case_cost("gpt-4.1-mini", request) == Usage(
        prompt, 0, MAX_OUTPUT_TOKENS).cost_usd("gpt-4.1-mini")
    # a log of digits costs far more tokens than 4 characters each would say
    digits = build_request("gpt-4.1-mini", "7" * 3000)
    assert count_prompt_tokens(digits) - prompt >= 900


def test_counting_needs_no_network_nor_a_tiktoken_cache():
    code = ("from healer_ops.analysis.tokens import count_tokens;"
            "print(count_tokens('Allowed memory size of 134217728 bytes exhausted'))")
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": "", "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert int(json.loads(done.stdout.strip())) > 5
