"""Published NAB detectors re-implemented for the bench, scored beside `healer-ops detect`.

Each module has ``score_series(values) -> scores`` for one file, run the way NAB v1.1 runs
it (including NAB's whole-file min and max where the detector uses them: these are
anchors, not candidates for the product). ``DETECTORS`` maps the results name to it.
"""

from __future__ import annotations

from healer_ops.devkit.nab.reference import cad_ose, relative_entropy

DETECTORS = {"cadose": cad_ose.score_series, "relativeEntropy": relative_entropy.score_series}
