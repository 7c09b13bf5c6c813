"""Pytest fixtures around the loopback OpenAI-compatible server (real HTTP on 127.0.0.1).

The server itself lives in the package (healer_ops.devkit.loopback_openai) because
`healer-ops bench analyze` uses it too. Import these fixtures into a test module with
`from openai_server import openai_server, local_analyzer  # noqa: F401`.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def local_analyzer():
    """One fitted local analyzer per module (fitting takes seconds)."""
    from healer_ops.analysis.local import LocalAnalyzer

    analyzer = LocalAnalyzer()
    analyzer.analyze("warm-up")
    return analyzer


@pytest.fixture
def openai_server(monkeypatch):
    """A fresh server per test; OPENAI_BASE_URL/OPENAI_API_KEY point at it."""
    from healer_ops.devkit.loopback_openai import LoopbackOpenAI
    from healer_ops.settings import reset_settings

    with LoopbackOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-0000000000000000")
        monkeypatch.setenv("HEALER_AI_MODEL", "gpt-4.1-mini")
        # these tests exercise the LLM path: ask it about every log, not only the unsure ones
        monkeypatch.setenv("HEALER_AI_ASK", "all")
        reset_settings()
        yield server
    reset_settings()
