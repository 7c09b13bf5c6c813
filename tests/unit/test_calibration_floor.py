"""The ECE floor of `healer-ops bench accuracy`: what perfectly calibrated confidences still
show on few decisions, so that a classifier ECE over few logs can be read."""

from __future__ import annotations

import numpy as np

from healer_ops.devkit.evaluate.calibration import ece_floor


def test_the_floor_shrinks_with_the_number_of_decisions_and_is_deterministic():
    few, many = np.full(50, 0.6), np.full(5000, 0.6)
    assert ece_floor(few, 10) == ece_floor(few, 10)
    assert 0.03 < ece_floor(few, 10) < 0.12  # E|binomial mean - p| at n=50 is about 0.055
    assert ece_floor(many, 10) < 0.015 < ece_floor(few, 10)
    assert ece_floor(np.array([]), 10) == 0.0
    assert ece_floor(np.ones(30), 10) == 0.0  # certain and always right: no noise
