"""The local analyzer's labelled corpus: ``healer_ops/data/training_logs*.jsonl``.

The dev corpus (real failure excerpts, copied from ../shared/data) plus written examples of
every type in the forms real logs take. One JSON object a line: ``id``, ``log``,
``diagnosis_type`` (one of the 17), optional ``detail``, ``alt_diagnosis_type``, ``source``.
Add labelled logs there; the model artifact is refitted on the next use (see artifact.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.settings import DATA_DIR

CORPUS_GLOB = "training_logs*.jsonl"
DEV_CORPUS = DATA_DIR / "training_logs_dev.jsonl"


def corpus_paths() -> list[Path]:
    return sorted(DATA_DIR.glob(CORPUS_GLOB))


@dataclass(frozen=True)
class Example:
    id: str
    log: str
    diagnosis_type: str
    detail: str | None = None
    alt_diagnosis_type: str | None = None
    source: str = ""
    corpus: str = ""  # file name it came from


class CorpusError(ValueError):
    pass


def read_examples(path: Path) -> list[Example]:
    """One labelled corpus file; a bad row is an error naming the file, line and field."""
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: not valid JSON ({exc.msg})") from exc
        for key in ("id", "log", "diagnosis_type"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise CorpusError(f"{where}: field {key!r} missing or empty")
        for key in ("diagnosis_type", "alt_diagnosis_type"):
            if row.get(key) is not None and row[key] not in DIAGNOSIS_TYPES:
                raise CorpusError(f"{where}: {key} {row[key]!r} is not a diagnosis type")
        examples.append(Example(row["id"], row["log"], row["diagnosis_type"], row.get("detail"),
                                row.get("alt_diagnosis_type"), row.get("source") or "",
                                Path(path).name))
    return examples


def load_corpus(paths: list[Path] | None = None) -> list[Example]:
    paths = paths or corpus_paths()
    examples = [example for path in paths for example in read_examples(path)]
    duplicates = [i for i, n in Counter(e.id for e in examples).items() if n > 1]
    if duplicates:
        raise CorpusError(f"duplicate example ids in the corpus: {duplicates[:5]}")
    return examples


def split_dev(examples: list[Example], dev_path: Path = DEV_CORPUS
              ) -> tuple[list[Example], list[Example]]:
    """(dev, written): the dev corpus's examples and everything else."""
    dev = [e for e in examples if e.corpus == Path(dev_path).name]
    return dev, [e for e in examples if e.corpus != Path(dev_path).name]
