"""The local analyzer's fitted model, stored once per version and loaded by every process.

Fitting takes seconds; an analysis task needs the model before it can compute a single cache
key. So the model is fitted once per *version* and kept as a file,
``HEALER_HOME/models/local-analyzer-<version>.joblib``, that later processes load.

The version is a hash of everything the fitted model depends on: the corpus files, the
taxonomy, the source of the modules that define features and rules, and the scikit-learn
version. Change any of them and a new artifact is fitted on first use; an old file is never
used for other inputs. The version is also part of the analysis cache key (signature.py):
when the analyzer changes, cached answers are looked up under a new key space, named in the
task log, instead of being served for keys computed by another analyzer.

`healer-ops model build` fits and stores the artifact ahead of time (the Docker image does
it at build time); `healer-ops model info` shows the version and the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Modules whose source decides the features and the rules the model was fitted with (paths
# under healer_ops/; a package counts with every module in it).
_SOURCE_MODULES = ("analysis/training.py", "analysis/rules.py", "analysis/taxonomy.py",
                   "analysis/corpus.py", "logtext")


@lru_cache(maxsize=1)
def model_version() -> str:
    """A short hash of everything the fitted local model depends on."""
    import sklearn

    from healer_ops.analysis.corpus import corpus_paths
    from healer_ops.analysis.taxonomy import TAXONOMY_PATH

    digest = hashlib.sha256(f"sklearn={sklearn.__version__}".encode())
    inputs = [*corpus_paths(), TAXONOMY_PATH, *_source_files()]
    for path in inputs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _source_files() -> list[Path]:
    root = Path(__file__).resolve().parents[1]  # healer_ops/
    files = []
    for name in _SOURCE_MODULES:
        path = root / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return files


def artifact_path(home: Path | None = None) -> Path:
    from healer_ops.settings import get_settings

    folder = Path(home or get_settings().home) / "models"
    return folder / f"local-analyzer-{model_version()}.joblib"


@lru_cache(maxsize=1)
def default_model():
    """The model fitted on the packaged corpus: loaded from its artifact, else fitted and
    stored (once per version; concurrent processes each write a whole file, the last wins)."""
    path = artifact_path()
    model = load(path)
    if model is None:
        model = build(path)
    return model


def load(path: Path):
    """The stored model, or None when there is none (or it cannot be read: it is refitted)."""
    import joblib

    if not path.is_file():
        return None
    try:
        return joblib.load(path)
    except Exception as exc:  # a truncated or incompatible file: say so, then refit
        log.warning("local analyzer artifact %s unreadable (%s: %s); refitting", path,
                    type(exc).__name__, exc)
        return None


def build(path: Path | None = None):
    """Fit the model on the packaged corpus and store it atomically; returns the model."""
    import joblib

    from healer_ops.analysis.corpus import load_corpus
    from healer_ops.analysis.training import fit

    path = path or artifact_path()
    model = fit(load_corpus())
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        joblib.dump(model, temporary)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    log.info("local analyzer model %s fitted in %.1f s on %d examples -> %s", model_version(),
             model.fit_seconds, model.n_examples, path)
    return model
