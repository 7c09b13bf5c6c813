"""What every round of blind exam families must be, whichever round is the exam now: new
kinds, four families of 8 to 10 files (from the third round on), reachable through
``synthetic.generate_any`` and usable as a validation corpus; every round before the exam is
among the tuning families, the exam is ``validate.EXAM_FAMILIES``, and the rounds written
for later rotations are neither. (Each round's own file checks its families' shapes.)"""

from __future__ import annotations

import pytest
from exam_family_checks import (
    check_builds_a_validation_corpus,
    check_four_families_of_8_to_10_files,
    families_before,
)

from healer_ops.devkit.nab import validate
from healer_ops.devkit.nab.exam_rounds import EXAM_ROUNDS, EXAM_SETS
from healer_ops.devkit.nab.synthetic import generate_any

ROUNDS = [pytest.param(module, names, id=module.__name__.rsplit(".", 1)[-1])
          for module, names in EXAM_ROUNDS]
FAMILIES = [pytest.param(module, family, id=family)
            for module, names in EXAM_ROUNDS for family in names]


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
