"""Root-cause analysis of one log: redact, signature, cache, analyzer, allow-list.

1. Redact (nothing unredacted goes further: not to the LLM, the cache, or a log line).
2. The local analyzer (cheap, offline) gives the diagnosis type and culprit that key the
   cache: input_hash = sha256(signature, local type, local culprit). Same log, same key,
   whichever analyzer answers a miss.
3. Cache lookup (a hit bumps hit_count/last_used_at atomically and costs $0).
4. Miss: the configured analyzer (`local`, or `openai` with fallback to local on any
   failure, the reason recorded). In openai mode the LLM is asked only about the logs the
   local analyzer is unsure of (it answered UNKNOWN: abstained under its threshold, or no
   known cause); its confident answers stand (settings.ai_ask="all" asks about every log).
   Within one process, concurrent misses on the same hash wait for the first one (single
   flight), so a burst of one fault costs one LLM call.
5. The allow-list decides which commands are recommended and which are auto; everything else
   is kept as rejected with its reason. It runs again on every read, with the site's own
   blacklist, so a cached analysis can never smuggle a command past it.
6. Store: local answers (in local mode) and LLM answers are cached; a fallback answer in
   openai mode is not, so the LLM gets its chance on the next occurrence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from healer_ops.analysis import cache
from healer_ops.analysis.model import Analysis
from healer_ops.analysis.redact import redact, redact_with_report
from healer_ops.analysis.signature import error_signature, input_hash
from healer_ops.logtext import CLIPPED_MARK, MAX_LOG_CHARS
from healer_ops.policy.allow_list import (
    DEFAULT_BLACKLISTED_PLUGINS,
    default_recommendations,
    enforce,
)
from healer_ops.settings import Settings, get_settings

log = logging.getLogger(__name__)

ANALYZERS = ("local", "openai")
ASK_SCOPES = ("unsure", "all")
BREAK_SEARCH_CHARS = 4096  # how far back (or on) a cut looks for a line break or a space


def bound_log(text: str, limit: int = MAX_LOG_CHARS) -> str:
    """The log cut to at most `limit` characters before anything reads it, redaction included.

    Its beginning and its end are kept (where the error and its cause are), each cut at a
    line break, else at a space, so that no token (a secret) is split in two halves the
    redaction could miss. An 18 MB log then costs what a 200 kB one does.
    """
    if len(text) <= limit:
        return text
    keep = (limit - len(CLIPPED_MARK) - 2) // 2
    head, tail = text[:keep], text[-keep:]
    return f"{head[:_last_break(head)]}\n{CLIPPED_MARK}\n{tail[_first_break(tail):]}"


def _last_break(text: str) -> int:
    floor = max(0, len(text) - BREAK_SEARCH_CHARS)
    for mark in ("\n", " ", "\t"):
        found = text.rfind(mark, floor)
        if found >= 0:
            return found
    return len(text)


def _first_break(text: str) -> int:
    for mark in ("\n", " ", "\t"):
        found = text.find(mark, 0, BREAK_SEARCH_CHARS)
        if found >= 0:
            return found + 1
    return 0


@dataclass(frozen=True)
class Prepared:
    """A log made ready for the cache: redacted, locally analyzed, keyed."""

    redacted_log: str
    redactions: dict[str, int]
    local: Analysis
    error_signature: str
    input_hash: str
    started: float
    analyzer_version: str = ""


@dataclass(frozen=True)
class PipelineResult:
    analysis: Analysis  # allow-listed; tokens and cost are what THIS analysis spent
    input_hash: str
    error_signature: str
    cache_hit: bool
    redacted_log: str
    response_time_ms: int
    redactions: dict[str, int] = field(default_factory=dict)

    def record(self) -> dict:
        """The full analysis plus its cache facts (what ai_analysis stores)."""
        return {**self.analysis.model_dump(mode="json"), "cache_hit": self.cache_hit,
                "input_hash": self.input_hash, "error_signature": self.error_signature,
                "redactions": self.redactions}


@dataclass
class RunStats:
    """What one run did (thread-safe counters)."""

    analyzed: int = 0
    cache_hits: int = 0
    llm_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    fallbacks: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: PipelineResult, llm_called: bool) -> None:
        with self._lock:
            self.analyzed += 1
            self.cache_hits += result.cache_hit
            self.llm_calls += llm_called
            self.tokens += result.analysis.tokens_used
            self.cost_usd += result.analysis.cost_usd
            if result.analysis.fallback_reason:
                self.fallbacks[result.analysis.fallback_reason] += 1

    def summary(self) -> dict:
        with self._lock:
            return {"analyzed": self.analyzed, "cache_hits": self.cache_hits,
                    "hit_rate": round(self.cache_hits / self.analyzed, 4) if self.analyzed else 0,
                    "llm_calls": self.llm_calls, "fallbacks": dict(self.fallbacks),
                    "tokens": self.tokens, "cost_usd": round(self.cost_usd, 6)}


class AnalysisPipeline:
    """Analyze logs through the cache; safe to call from several threads at once."""

    def __init__(self, database_url: str | None = None, *, settings: Settings | None = None,
                 analyzer: str | None = None, local=None, llm=None,
                 openai_conn_id: str | None = None, use_cache: bool = True):
        from healer_ops import db

        self.settings = settings or get_settings()
        self.analyzer = (analyzer or self.settings.analyzer).lower()
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer {self.analyzer!r}: expected one of "
                             f"{', '.join(ANALYZERS)} (HEALER_ANALYZER)")
        if self.settings.ai_ask not in ASK_SCOPES:
            raise ValueError(f"unknown ai_ask {self.settings.ai_ask!r}: expected one of "
                             f"{', '.join(ASK_SCOPES)} (HEALER_AI_ASK)")
        self.database_url = (database_url or db.resolve_url()) if use_cache else None
        self.use_cache = use_cache
        self.local = local or _default_local()
        self.llm = llm
        if self.analyzer == "openai" and self.llm is None:
            from healer_ops.analysis.openai_analyzer import OpenAIAnalyzer, resolve_credentials

            key, base_url = resolve_credentials(openai_conn_id)
            self.llm = OpenAIAnalyzer(self.settings, api_key=key, base_url=base_url)
        self.stats = RunStats()
        self._local_state = threading.local()
        self._connections: list = []
        self._flight_locks: dict[str, threading.Lock] = {}
        self._flight_guard = threading.Lock()

    # --- public -------------------------------------------------------------------------

    def analyze(self, log_text: str | None, *,
                blacklisted_plugins: Iterable[str] = DEFAULT_BLACKLISTED_PLUGINS,
                blacklisted_themes: Iterable[str] = (), refresh: bool = False
                ) -> PipelineResult:
        """One log through the whole pipeline (`refresh`: skip the cache lookup, analyze
        afresh; the answer is stored by the cache's usual rules)."""
        prepared = self.prepare(log_text)
        with self._single_flight(prepared.input_hash):
            result = None if refresh else self.lookup(prepared, blacklisted_plugins,
                                                      blacklisted_themes)
            if result is not None:
                return result
            analysis, cacheable, llm_called = self._fresh(prepared)
            return self.complete(prepared, analysis, cacheable=cacheable, llm_called=llm_called,
                                 blacklisted_plugins=blacklisted_plugins,
                                 blacklisted_themes=blacklisted_themes)

    def prepare(self, log_text: str | None) -> Prepared:
        """Bound, redact, run the local analyzer, and compute the signature and cache key."""
        started = time.perf_counter()
        redacted, redactions = redact_with_report(bound_log(log_text or ""))
        local = self.local.analyze(redacted)
        signature = error_signature(redacted)
        version = getattr(self.local, "version", "")
        return Prepared(redacted_log=redacted, redactions=dict(redactions), local=local,
                        error_signature=signature,
                        input_hash=input_hash(signature, local.diagnosis_type, local.culprit,
                                              version),
                        started=started, analyzer_version=version)

    def lookup(self, prepared: Prepared, blacklisted_plugins: Iterable[str] = (
            DEFAULT_BLACKLISTED_PLUGINS), blacklisted_themes: Iterable[str] = ()
               ) -> PipelineResult | None:
        """The cached answer (a counted hit, $0), or None on a miss."""
        if not self.use_cache:
            return None
        hit = cache.lookup(self.connection(), prepared.input_hash,
                           llm_only=self.wants_llm(prepared))
        if hit is None:
            return None
        analysis = hit.analysis.model_copy(update={"tokens_used": 0, "cost_usd": 0.0})
        return self._result(prepared, analysis, True, False, blacklisted_plugins,
                            blacklisted_themes)

    def complete(self, prepared: Prepared, analysis: Analysis, *, cacheable: bool,
                 llm_called: bool = False,
                 blacklisted_plugins: Iterable[str] = DEFAULT_BLACKLISTED_PLUGINS,
                 blacklisted_themes: Iterable[str] = ()) -> PipelineResult:
        """A fresh answer: allow-list it, cache it (if cacheable), enforce the site's rules."""
        analysis = _allow_listed(analysis)
        if cacheable and self.use_cache:
            analysis = self._store(prepared, analysis)
        return self._result(prepared, analysis, False, llm_called, blacklisted_plugins,
                            blacklisted_themes)

    def wants_llm(self, prepared: Prepared) -> bool:
        """Whether the openai analyzer is asked about this log (see the module docstring)."""
        if self.analyzer == "local":
            return False
        return self.settings.ai_ask == "all" or prepared.local.diagnosis_type == "UNKNOWN"

    def warm_up(self) -> None:
        """Load the local model once, before worker threads race to load it."""
        self.local.analyze("warm-up")

    def close(self) -> None:
        for conn in self._connections:
            conn.close()
        self._connections.clear()

    def __enter__(self) -> AnalysisPipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connection(self):
        """This thread's autocommit connection to the database."""
        import psycopg

        conn = getattr(self._local_state, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.database_url, autocommit=True)
            self._local_state.conn = conn
            with self._flight_guard:
                self._connections.append(conn)
        return conn

    # --- steps --------------------------------------------------------------------------

    def _fresh(self, prepared: Prepared) -> tuple[Analysis, bool, bool]:
        """(analysis, cacheable, whether the LLM was called) for a cache miss."""
        redacted, local = prepared.redacted_log, prepared.local
        if not self.wants_llm(prepared):
            return local, True, False
        from healer_ops.analysis.openai_analyzer import LLMFailure

        try:
            return self.llm.analyze(redacted, local), True, True
        except LLMFailure as failure:
            log.warning("openai analyzer failed (%s); falling back to local", failure.reason)
            called = failure.reason not in ("over_budget", "no_api_key", "unknown_model_price",
                                            "circuit_open")
            return local.model_copy(update={"fallback_reason": failure.reason}), False, called
        except Exception as exc:  # any other failure also falls back, never stops the run
            log.warning("openai analyzer error (%s); falling back to local",
                        type(exc).__name__)
            return (local.model_copy(update={"fallback_reason": f"error:{type(exc).__name__}"}),
                    False, True)

    def _store(self, prepared: Prepared, analysis: Analysis) -> Analysis:
        row, wrote = cache.store(
            self.connection(), input_hash=prepared.input_hash,
            diagnosis_type=prepared.local.diagnosis_type,
            error_signature=prepared.error_signature, log_sample=prepared.redacted_log,
            analysis=analysis, response_time_ms=_elapsed_ms(prepared.started),
            ttl_days=self.settings.cache_ttl_days, analyzer_version=prepared.analyzer_version)
        if wrote:
            return analysis
        # Another worker stored this hash first: answer like it did, but keep what we spent.
        return row.analysis.model_copy(update={"tokens_used": analysis.tokens_used,
                                               "cost_usd": analysis.cost_usd})

    def _result(self, prepared: Prepared, analysis: Analysis, cache_hit: bool,
                llm_called: bool, blacklisted_plugins, blacklisted_themes) -> PipelineResult:
        analysis = enforce(analysis, tuple(blacklisted_plugins or ()),
                           tuple(blacklisted_themes or ()))
        result = PipelineResult(analysis=analysis, input_hash=prepared.input_hash,
                                error_signature=prepared.error_signature, cache_hit=cache_hit,
                                redacted_log=prepared.redacted_log,
                                response_time_ms=_elapsed_ms(prepared.started),
                                redactions=prepared.redactions)
        self.stats.add(result, llm_called)
        return result

    @contextmanager
    def _single_flight(self, key: str):
        with self._flight_guard:
            lock = self._flight_locks.setdefault(key, threading.Lock())
        with lock:
            yield


def _allow_listed(analysis: Analysis) -> Analysis:
    """Enforce the allow-list; with no allowed proposal, the taxonomy's own commands."""
    checked = enforce(analysis)
    if checked.recommendations:
        return checked
    defaults = default_recommendations(checked.diagnosis_type, checked.culprit)
    return enforce(checked.model_copy(update={"recommendations": defaults}))


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _default_local():
    from healer_ops.analysis.local import LocalAnalyzer

    return LocalAnalyzer()


def safe_error(exc: BaseException) -> str:
    """An exception as text fit to store or log (redacted, bounded)."""
    return redact(f"{type(exc).__name__}: {exc}")[:500]
