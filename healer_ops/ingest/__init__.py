"""Site metrics ingestion: live HTTP probes and historic files, validated, quarantined, loaded.

The functions load their modules on first use, so importing this package (as the CLI does)
stays cheap.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "ingest_file": "healer_ops.ingest.files",
    "ingest_drop": "healer_ops.ingest.files",
    "probe_sites": "healer_ops.ingest.probe",
    "IngestFileError": "healer_ops.ingest.read",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
