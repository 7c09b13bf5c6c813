"""Deterministic randomness for the demo fleet: ids are uuid5 of stable names, and every
purpose (sites, metrics, incidents, bad rows, history) draws from its own seeded stream."""

from __future__ import annotations

import uuid

import numpy as np

NAMESPACE = uuid.UUID("5b0e7c2a-3f7d-4c1e-9a57-6d2f0c1b8e41")

_STREAMS = {"sites": 1, "metrics": 2, "incidents": 3, "bad_rows": 4, "history": 5}


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """An independent generator per purpose, so one part changing does not shift another."""
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAMS[name], *extra]))


def stable_uuid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))
