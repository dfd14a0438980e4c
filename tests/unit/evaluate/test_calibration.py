"""Confidence calibration: the isotonic fit, the shipped table, and the scorer's summary of it."""

from __future__ import annotations

import json
import random

import pytest

from jixiao.evaluate.calibration import fit
from jixiao.evaluate.scorer import calibration_summary
from jixiao.reconcile.calibration import (
    IDENTITY,
    Calibration,
    Step,
    calibrate,
    default_calibration,
    logistic,
    raw_scores,
)


def _records(seed: int = 7) -> list[tuple[float, bool]]:
    """Scores whose true accuracy rises with z, but not as fast as the logistic claims."""
    rnd = random.Random(seed)
    out = []
    for _ in range(3000):
        z = rnd.uniform(-6, 6)
        p_true = 0.5 + 0.45 * (z / 6)  # 5% at z=-6 … 95% at z=6
        out.append((z, rnd.random() < p_true))
    return out


def test_fit_is_monotone_and_tracks_measured_accuracy() -> None:
    cal = fit(_records())
    values = [s.value for s in cal.steps]
    assert values == sorted(values) and len(set(values)) == len(values)
    # the logistic claims 0.998 at z=6 and 0.002 at z=-6; the data says ≈0.95 / ≈0.05
    grid = [z / 10 for z in range(-55, 56)]
    err_fit = sum(abs(cal.apply(z) - (0.5 + 0.45 * z / 6)) for z in grid) / len(grid)
    err_logistic = sum(abs(logistic(z) - (0.5 + 0.45 * z / 6)) for z in grid) / len(grid)
    assert err_fit < 0.06 < err_logistic
    assert cal.apply(-1.0) <= cal.apply(0.0) <= cal.apply(1.0)


def test_small_steps_stay_near_their_prior() -> None:
    """Two wrong fields at a high score do not make that score mean 0."""
    recs = [(float(z), True) for z in range(1, 200)] + [(250.0, False), (250.0, False)]
    cal = fit(recs)
    assert cal.apply(250.0) > 0.6  # (0 + 10·1.0) / (2 + 10) pooled with the rest, never 0


def test_a_score_between_steps_takes_the_nearer_step() -> None:
    cal = Calibration((Step(-5, -3, 50, 2, 0.02), Step(2, 4, 500, 495, 0.97)))
    assert cal.apply(-4) == pytest.approx(cal.steps[0].value)
    assert cal.apply(-1.0) == pytest.approx(cal.steps[0].value)  # nearer -3 than 2
    assert cal.apply(1.0) == pytest.approx(cal.steps[1].value)
    assert cal.apply(99) == pytest.approx(cal.steps[1].value)


def test_values_are_clamped_and_identity_is_the_logistic() -> None:
    assert IDENTITY.apply(0.0) == pytest.approx(0.5)
    assert IDENTITY.apply(40.0) == 0.999 and IDENTITY.apply(-40.0) == 0.001
    cal = Calibration((Step(0, 1, 1000, 1000, 1.0),))
    assert cal.apply(0.5) == 0.999


def test_round_trip_and_a_decreasing_table_is_refused() -> None:
    cal = fit(_records())
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert [s.value for s in again.steps] == pytest.approx([s.value for s in cal.steps])
    bad = {"steps": [{"lo": 0, "hi": 1, "fields": 10, "correct": 9, "prior": 0.9, "prior_weight": 10},
                     {"lo": 2, "hi": 3, "fields": 10, "correct": 1, "prior": 0.1, "prior_weight": 10}]}
    with pytest.raises(ValueError, match="not increasing"):
        Calibration.from_dict(bad)


def test_shipped_table_is_monotone_and_raw_mode_bypasses_it() -> None:
    cal = default_calibration()
    assert cal.steps, "jixiao/data/calibration.json is missing (python eval/calibrate.py --write)"
    values = [s.value for s in cal.steps]
    assert values == sorted(values)
    assert calibrate(-8.0) < 0.5 < calibrate(4.0)
    with raw_scores():
        assert calibrate(1.0) == pytest.approx(logistic(1.0))
    assert calibrate(1.0) == pytest.approx(cal.apply(1.0))


def test_calibration_summary_monotone_and_ece() -> None:
    rows = [
        {"bucket": "0–0.5", "fields": 10, "correct": 1, "accuracy": 0.1, "mean_confidence": 0.2},
        {"bucket": "0.5–0.7", "fields": 0, "correct": 0, "accuracy": None, "mean_confidence": None},
        {"bucket": "0.7–0.9", "fields": 10, "correct": 8, "accuracy": 0.8, "mean_confidence": 0.8},
        {"bucket": "0.9–1.0", "fields": 80, "correct": 78, "accuracy": 0.975, "mean_confidence": 0.95},
        {"bucket": "none", "fields": 5, "correct": 0, "accuracy": 0.0, "mean_confidence": None},
    ]
    s = calibration_summary(rows)
    assert s["calibration_monotone"] == 1.0  # the empty bucket and "none" say nothing
    assert s["expected_calibration_error"] == pytest.approx((10 * 0.1 + 0 + 80 * 0.025) / 100)
    rows[2]["accuracy"] = 0.99  # a middle bucket more accurate than the top one
    assert calibration_summary(rows)["calibration_monotone"] == 0.0
