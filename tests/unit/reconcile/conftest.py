"""The reconcile tests check the order the evidence terms give, before calibration."""

from __future__ import annotations

import pytest

from jixiao.reconcile.calibration import raw_scores


@pytest.fixture(autouse=True)
def _uncalibrated_confidence():
    """These tests check the order the evidence terms give (what moves confidence which way);
    the golden-set calibration mapped on top of it is tested in tests/unit/evaluate/test_calibration.py."""
    with raw_scores():
        yield
