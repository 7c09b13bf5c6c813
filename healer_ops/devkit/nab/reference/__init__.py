"""Published NAB detectors re-implemented for the bench, scored beside `healer-ops detect`.

Each module has ``score_series(values) -> scores`` for one file, run the way NAB v1.1 runs
it (including NAB's whole-file min and max where the detector uses them: these are
anchors, not candidates for the product). ``DETECTORS`` maps the results name to it.

They are deterministic and slow (CAD OSE takes half an hour over the validation corpus), so
``cached_scores`` keeps each file's scores on disk, keyed by the detector's source code and
the file's values: a change to either scores it again.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.reference import cad_ose, relative_entropy

DETECTORS = {"cadose": cad_ose.score_series, "relativeEntropy": relative_entropy.score_series}


def score_with_gaps(name: str, values: np.ndarray) -> np.ndarray:
    """NAB files have no missing values; on a series with some (the synthetic gappy
    family), the detector sees the last known value instead and a missing row scores 0."""
    values = np.asarray(values, dtype=float)
    missing = ~np.isfinite(values)
    if not missing.any():
        return DETECTORS[name](values)
    filled = pd.Series(values).ffill().bfill().fillna(0.0).to_numpy()
    return np.where(missing, 0.0, DETECTORS[name](filled))


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "healer-ops" / "nab-reference"


@functools.cache  # read once per process: a cache key is made per file scored
def _source_digest() -> bytes:
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.digest()


def cache_path(name: str, values: np.ndarray, cache_dir: Path) -> Path:
    digest = hashlib.sha256(_source_digest() + name.encode())
    digest.update(np.ascontiguousarray(values, dtype=float).tobytes())
    return Path(cache_dir) / f"{name}-{digest.hexdigest()[:32]}.npy"


def cached_scores(name: str, values: np.ndarray, cache_dir: Path | None) -> np.ndarray:
    """``score_with_gaps``, read from ``cache_dir`` when this source scored these values
    before (None: no cache)."""
    if cache_dir is None:
        return score_with_gaps(name, values)
    path = cache_path(name, values, cache_dir)
    if path.is_file():
        return np.load(path)
    scores = score_with_gaps(name, values)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npy")
    np.save(partial, scores)
    os.replace(partial, path)  # atomic: a reader never sees half a file
    return scores
