"""A corpus of secret-laden WordPress/PHP/server logs with the planted values known.

Written before the redactor's rules, from the log shapes hosting produces (debug.log, Apache
and nginx error logs, access logs, stack traces, curl/SMTP conversations, WP-CLI and shell
output, configuration dumps) and the formats providers issue their keys in. Every log knows
the secret values planted in it (which redaction must remove) and diagnostic text (which it
must keep). `generate()` is deterministic for a seed; other seeds give other values.

A leak is a planted value, or any 8-character piece of it, still in the redacted log (a value
shorter than 8 characters counts when it is still there as a token of its own).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from healer_ops.devkit.secrets_corpus import (
    kinds_heldout,
    kinds_personal,
    kinds_structured,
    kinds_text,
)
from healer_ops.devkit.secrets_corpus.shapes import Plant

SEED = 9
PER_KIND = 4
LEAK_WINDOW = 8
KINDS = {**kinds_structured.KINDS, **kinds_text.KINDS, **kinds_personal.KINDS}
HELD_OUT_KINDS = dict(kinds_heldout.KINDS)
MAX_TRIES = 50


@dataclass(frozen=True)
class SecretLog:
    id: str
    kind: str
    log: str
    secrets: tuple[str, ...]
    keep: tuple[str, ...]
    held_out: bool = False

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "log": self.log, "secrets": list(self.secrets),
                "keep": list(self.keep), "held_out": self.held_out}


def generate(seed: int = SEED, per_kind: int = PER_KIND, held_out: bool = False
             ) -> list[SecretLog]:
    """`per_kind` logs of every kind (the held-out kinds instead, with held_out=True)."""
    kinds = HELD_OUT_KINDS if held_out else KINDS
    rng = random.Random(f"{seed}:{'held-out' if held_out else 'main'}")
    logs = []
    for kind, write in kinds.items():
        for number in range(per_kind):
            log, secrets, keep = _one(write, rng, kind)
            logs.append(SecretLog(f"{kind}-{number:02d}", kind, log, secrets, keep, held_out))
    return logs


def _one(write, rng: random.Random, kind: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """One log whose secrets appear only where they were planted (redrawn until so)."""
    for _ in range(MAX_TRIES):
        plant = Plant(rng)
        log = write(plant)
        secrets = tuple(dict.fromkeys(s for s in plant.secrets if s and s in log))
        keep = tuple(dict.fromkeys(k for k in plant.keep if k and k in log))
        if secrets and _unambiguous(log, secrets, keep):
            return log, secrets, keep
    raise RuntimeError(f"{kind}: could not draw a log whose secrets are unambiguous")


def _unambiguous(log: str, secrets: tuple[str, ...], keep: tuple[str, ...]) -> bool:
    """No piece of a secret occurs outside the secrets (a kept host, a path, another field),
    and no kept text overlaps a secret: a leak or a loss can then only be the redactor's."""
    rest = log
    for secret in sorted(secrets, key=len, reverse=True):
        rest = re.sub(_token(secret), "\0", rest) if len(secret) < LEAK_WINDOW else \
            rest.replace(secret, "\0")
    if leaked(rest, secrets):
        return False
    return not any(leaked(k, secrets) or k not in rest for k in keep)


def _token(secret: str) -> str:
    return rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])"


def _pieces(secret: str) -> set[str]:
    if len(secret) <= LEAK_WINDOW:
        return {secret}
    return {secret[i:i + LEAK_WINDOW] for i in range(len(secret) - LEAK_WINDOW + 1)}


def leaked(text: str, secrets: tuple[str, ...] | list[str]) -> list[str]:
    """The planted values of which something is still in `text`."""
    found = []
    for secret in secrets:
        if len(secret) < LEAK_WINDOW:
            if re.search(_token(secret), text):
                found.append(secret)
        elif any(piece in text for piece in _pieces(secret)):
            found.append(secret)
    return found


def write_jsonl(path, logs: list[SecretLog]) -> int:
    """The logs as JSON Lines (one object a line, with its planted secrets); returns the count."""
    import json
    from pathlib import Path

    lines = [json.dumps(log.as_dict(), ensure_ascii=False) for log in logs]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
