"""Checks every exam-family module must pass (``exam_families_r3`` onwards): the same seed
gives the same files, and the files build a validation corpus; and each round's files of seeds
1 and 2, generated once for all the tests that read them."""

from __future__ import annotations

from collections.abc import Mapping, Set
from functools import cache

import numpy as np

from healer_ops.devkit.nab import families, synthetic, validate
from healer_ops.devkit.nab.exam_rounds import EXAM_ROUNDS, written_before
from healer_ops.devkit.nab.synthetic import generate_any, label_windows


@cache
def generated_round(module) -> dict:
    """{(family, seed): files} of the round's families for seeds 1 and 2, generated once per
    test process for the round's own tests and the checks of every round alike."""
    return {(family, seed): module.generate(family, seed)
            for family in dict(EXAM_ROUNDS)[module] for seed in (1, 2)}


def every_file(generated: dict, family: str) -> list:
    """The family's files of seeds 1 and 2 (``generated`` is keyed by family and seed)."""
    return [s for seed in (1, 2) for s in generated[(family, seed)]]

def anomalies(generated: dict, family: str):
    """(file, onset row, kind) of every labelled anomaly in the family's files."""
    for s in every_file(generated, family):
        for row, kind in zip(s.anomaly_rows, s.anomaly_kinds, strict=True):
            yield s, row, kind


def normal_part(s) -> np.ndarray:
    """The file's values before its first anomaly (all of them in a file without one)."""
    return s.values[:min(s.anomaly_rows, default=len(s.values))]


def minutes_after(s, row: int) -> np.ndarray:
    """Minutes from the file's row ``row`` to each of its rows (negative before it)."""
    return np.asarray((s.timestamps - s.timestamps[row]).total_seconds() / 60)


def within(s, row: int, first: float, last: float) -> np.ndarray:
    """The values from ``first`` to ``last`` minutes after ``row``."""
    minutes = minutes_after(s, row)
    return s.values[(minutes >= first) & (minutes <= last)]


def quiet_for(s, row: int, minutes: float) -> bool:
    """No other anomaly starts within ``minutes`` after ``row``."""
    later = [other for other in s.anomaly_rows if other > row]
    return not later or minutes_after(s, row)[later[0]] > minutes


def families_before(exam_set: tuple[str, ...]) -> set[str]:
    """The first synthetic kinds and families, and every exam set written before this one."""
    return set(synthetic.KINDS) | set(families.FAMILIES) | set(written_before(exam_set))


def check_every_kind_occurs(families_: tuple[str, ...], generated: dict,
                            kinds: Mapping[str, Set[str]]) -> None:
    for family in families_:
        seen = {kind for seed in (1, 2) for s in generated[(family, seed)]
                for kind in s.anomaly_kinds}
        assert seen == kinds[family], family


def check_four_families_of_8_to_10_files(module, families: tuple[str, ...]) -> None:
    assert len(families) == 4 and len(set(families)) == 4
    assert all(family.startswith("synth") for family in families)
    assert all(8 <= module.FILES_PER_FAMILY[family] <= 10 for family in families)


def check_deterministic_per_seed(module, family: str, generated: dict) -> None:
    """`generated`: {(family, seed): files} for seeds 1 and 2."""
    again = module.generate(family, 1)
    for first, second in zip(generated[(family, 1)], again, strict=True):
        assert first.name == second.name
        assert (first.timestamps == second.timestamps).all()
        np.testing.assert_array_equal(first.values, second.values)
        assert first.anomaly_rows == second.anomaly_rows
        assert first.anomaly_kinds == second.anomaly_kinds
    other = generated[(family, 2)]
    assert any(len(a.values) != len(b.values) or not np.array_equal(a.values, b.values,
                                                                     equal_nan=True)
               for a, b in zip(generated[(family, 1)], other, strict=True))


def check_builds_a_validation_corpus(module, family: str) -> None:
    assert [s.name for s in generate_any(family, 1)] == [
        s.name for s in module.generate(family, 1)]
    corpus = validate.synthetic_corpus((family,), (1,))
    assert len(corpus) == module.FILES_PER_FAMILY[family]
    for f in corpus:
        assert f.category == family and len(f.stamps) == len(f.values)
        assert all(len(window) == 2 and window[0] <= window[1] for window in f.windows)


def check_well_formed_and_labelled(module, family: str, generated: dict, kinds: Set[str],
                                   most_anomalies: int) -> None:
    """Files of 2,000 to 16,000 rows stamped to the second, a median step of 1 to 16
    minutes, finite values, at most `most_anomalies` onsets of the family's `kinds` after
    NAB's probation, with NAB windows that do not overlap (``exam_families_r4`` on)."""
    for seed in (1, 2):
        series = generated[(family, seed)]
        assert len(series) == module.FILES_PER_FAMILY[family]
        assert len({s.name for s in series}) == len(series)
        for s in series:
            rows = len(s.values)
            assert 2000 <= rows <= 16000 and len(s.timestamps) == rows
            assert (s.timestamps == s.timestamps.floor("s")).all()  # as written to CSV
            minutes = np.diff(s.timestamps.asi8) / 6e10
            assert (minutes > 0).all() and 0.8 <= np.median(minutes) <= 16
            assert np.isfinite(s.values).all()
            assert len(s.anomaly_rows) == len(s.anomaly_kinds) <= most_anomalies
            assert set(s.anomaly_kinds) <= kinds
            assert all(0.15 * rows <= row < rows for row in s.anomaly_rows)
            windows = label_windows(rows, s.anomaly_rows)
            for (first, last), (next_first, _) in zip(windows, windows[1:], strict=False):
                assert 0 <= first <= last < next_first
            assert all(0 <= first <= last < rows for first, last in windows)
    assert any(s.anomaly_rows for seed in (1, 2) for s in generated[(family, seed)])


def check_some_files_have_no_anomaly(generated: dict) -> None:
    every = [s for series in generated.values() for s in series]
    assert sum(not s.anomaly_rows for s in every) >= 0.05 * len(every)


def check_steps_lengths_and_holes(families: tuple[str, ...], generated: dict,
                                  without_holes: tuple[str, ...] = ()) -> None:
    """Each family mixes steps and lengths, and some (not all) of its files have a hole of
    more than 10 steps (not required of the families in `without_holes`)."""
    for family in families:
        every = every_file(generated, family)
        minutes = [np.diff(s.timestamps.asi8) / 6e10 for s in every]
        steps = {round(float(np.median(m))) for m in minutes}
        assert len(steps) >= 2 and len({len(s.values) for s in every}) == len(every)
        holes = [(m > 10 * np.median(m)).any() for m in minutes]
        assert 0 < sum(holes) < len(every) or family in without_holes
