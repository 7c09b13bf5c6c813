"""What every round of blind exam families must be, whichever round is the exam now: new
kinds, four families of 8 to 10 files (from the third round on), reachable through
``synthetic.generate_any`` and usable as a validation corpus; every round before the exam is
among the tuning families, the exam is ``validate.EXAM_FAMILIES``, and the rounds written
for later rotations are neither.

The rounds that declare their ``ANOMALY_KINDS`` (the third on) give the same files for the
same seed; from the fourth round on, their files are well-formed and labelled by NAB's rule,
some have no anomaly, and each family mixes steps and lengths (and holes, but for the round's
``FAMILIES_WITHOUT_HOLES``); from the seventh on, seeds 1 and 2 label every kind. (Each
round's own file checks its families' shapes, and the third round its files' form.)"""

from __future__ import annotations

import pytest
from exam_family_checks import (
    check_builds_a_validation_corpus,
    check_deterministic_per_seed,
    check_every_kind_occurs,
    check_four_families_of_8_to_10_files,
    check_some_files_have_no_anomaly,
    check_steps_lengths_and_holes,
    check_well_formed_and_labelled,
    families_before,
    generated_round,
)

from healer_ops.devkit.nab import exam_families_r4, exam_families_r7, validate
from healer_ops.devkit.nab.exam_rounds import EXAM_ROUNDS, EXAM_SETS
from healer_ops.devkit.nab.synthetic import generate_any


def _labelled_rounds(since=None) -> tuple:
    """The rounds that declare ANOMALY_KINDS, from the round of module ``since`` on."""
    start = [module for module, _ in EXAM_ROUNDS].index(since) if since else 0
    return tuple((module, names) for module, names in EXAM_ROUNDS[start:]
                 if hasattr(module, "ANOMALY_KINDS"))


def _round_params(rounds) -> list:
    return [pytest.param(module, names, id=module.__name__.rsplit(".", 1)[-1])
            for module, names in rounds]


def _family_params(rounds) -> list:
    return [pytest.param(module, family, id=family)
            for module, names in rounds for family in names]


ROUNDS = _round_params(EXAM_ROUNDS)
FAMILIES = _family_params(EXAM_ROUNDS)
LABELLED_ROUNDS = _labelled_rounds()
# The checks below came with the rounds: the fourth round's files were the first held to the
# shared form (the third checks its own), the seventh's the first to show every kind.
FORMED_ROUNDS = _labelled_rounds(since=exam_families_r4)
EVERY_KIND_ROUNDS = _labelled_rounds(since=exam_families_r7)


@pytest.mark.parametrize(("module", "names"), ROUNDS[1:])
def test_a_round_is_four_new_families_of_8_to_10_files(module, names):
    check_four_families_of_8_to_10_files(module, names)
    assert not set(names) & families_before(names)


def test_rounds_before_the_exam_tune_and_the_rounds_after_it_wait():
    exam = EXAM_SETS.index(validate.EXAM_FAMILIES)
    tuning, exam_families = set(validate.TUNING_FAMILIES), set(validate.EXAM_FAMILIES)
    assert not tuning & exam_families
    for index, names in enumerate(EXAM_SETS):
        if index < exam:
            assert set(names) <= tuning, names
        elif index > exam:
            assert not set(names) & (tuning | exam_families), names


@pytest.mark.parametrize(("module", "family"), FAMILIES)
def test_generate_any_reaches_every_family(module, family):
    assert [s.name for s in generate_any(family, 3, 2)] == [
        s.name for s in module.generate(family, 3, 2)]


@pytest.mark.parametrize(("module", "family"), FAMILIES)
def test_every_family_builds_a_validation_corpus(module, family):
    check_builds_a_validation_corpus(module, family)


@pytest.mark.parametrize(("module", "family"), _family_params(LABELLED_ROUNDS))
def test_deterministic_per_seed(module, family):
    check_deterministic_per_seed(module, family, generated_round(module))


@pytest.mark.parametrize(("module", "family"), _family_params(FORMED_ROUNDS))
def test_files_are_well_formed_and_labelled_by_nabs_rule(module, family):
    check_well_formed_and_labelled(module, family, generated_round(module),
                                   module.ANOMALY_KINDS[family], module.MOST_ANOMALIES_PER_FILE)


@pytest.mark.parametrize(("module", "names"), _round_params(FORMED_ROUNDS))
def test_some_files_have_no_anomaly(module, names):
    check_some_files_have_no_anomaly(generated_round(module))


@pytest.mark.parametrize(("module", "names"), _round_params(FORMED_ROUNDS))
def test_files_vary_in_step_and_length_and_some_have_holes(module, names):
    check_steps_lengths_and_holes(names, generated_round(module),
                                  without_holes=getattr(module, "FAMILIES_WITHOUT_HOLES", ()))


@pytest.mark.parametrize(("module", "names"), _round_params(EVERY_KIND_ROUNDS))
def test_every_kind_occurs(module, names):
    check_every_kind_occurs(names, generated_round(module), module.ANOMALY_KINDS)
