"""Calibration: the evidence score of a field mapped to the accuracy measured on the golden set.

Why a second step after the log-odds sum of ``confidence``: the terms order fields by doubt
(every doubt lowers the score, every confirmation raises it) but their magnitudes are
priors. What a reviewer needs is "0.9 means right nine times in ten", so the evidence
score ``z`` is mapped through a monotone step function fitted on the golden set by
isotonic regression (pool-adjacent-violators) — the standard way to calibrate a score
without changing its order:

* records are the golden fields the extractor gave a value, as ``(z, correct)``;
* sorted by ``z``, adjacent groups whose accuracy goes down are pooled until accuracy
  never decreases with ``z``;
* each step's value is its accuracy smoothed towards what the terms themselves claim:
  ``(correct + w · prior) / (fields + w)`` with ``prior`` the mean logistic of the step's
  scores and ``w`` = 10 pseudo-fields, so a step resting on a handful of fields (a rare
  warning) stays near its prior instead of claiming 0 or 1, and no step claims certainty;
* ``apply(z)`` returns the value of the step ``z`` falls in (a score in the gap between
  two steps takes the nearer one). No interpolation: between a step of flagged fields
  (right ~6% of the time) and the next one there is no data, and a straight line through
  the gap would invent middling confidences no field has earned.

The fitted table ships as ``jixiao/data/calibration.json`` (fitted by
:mod:`jixiao.evaluate.calibration`, run as ``python eval/calibrate.py``, which also reports a leave-one-document-out check); without
it ``apply`` is the plain logistic of ``z``. The table is data, not code: refit it when
the extractor or the golden set changes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

PRIOR_WEIGHT = 10.0  # pseudo-fields at the log-odds terms' own estimate, per step
FLOOR, CEIL = 0.001, 0.999


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class Step:
    """Fields with evidence score in [lo, hi] were right ``correct`` of ``fields`` times.

    ``prior`` is the mean logistic of their scores — what the log-odds terms alone claim —
    and counts as ``prior_weight`` extra fields, so a step resting on few fields stays near
    what the terms say instead of jumping to 0 or 1.
    """

    lo: float
    hi: float
    fields: int
    correct: int
    prior: float
    prior_weight: float = PRIOR_WEIGHT

    @property
    def value(self) -> float:
        return (self.correct + self.prior_weight * self.prior) / (self.fields + self.prior_weight)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from evidence score ``z`` (log-odds) to probability of being right."""

    steps: tuple[Step, ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def apply(self, z: float) -> float:
        """The value of the step ``z`` falls in; a score between two steps takes the nearer one."""
        if not self.steps:
            return _clamp(logistic(z))
        for a, b in zip(self.steps, self.steps[1:]):
            if z < (a.hi + b.lo) / 2.0:
                return _clamp(a.value)
        return _clamp(self.steps[-1].value)

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "steps": [vars(s) | {"value": round(s.value, 4)} for s in self.steps]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        steps = tuple(Step(float(s["lo"]), float(s["hi"]), int(s["fields"]), int(s["correct"]), float(s["prior"]),
                           float(s["prior_weight"])) for s in d.get("steps", []))
        _check_monotone(steps)
        return cls(steps, dict(d.get("meta", {})))


IDENTITY = Calibration(())


def _clamp(p: float) -> float:
    return min(CEIL, max(FLOOR, p))


def _check_monotone(steps: tuple[Step, ...]) -> None:
    for a, b in zip(steps, steps[1:]):
        if b.lo < a.hi or b.value + 1e-12 < a.value:
            raise ValueError(f"calibration steps are not increasing: {a} then {b}")


# ---------------------------------------------------------------------------------------
# The shipped table, and raw mode for fitting

_RAW: ContextVar[bool] = ContextVar("jixiao_raw_confidence", default=False)
DATA_FILE = "calibration.json"


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The table shipped in ``jixiao/data/calibration.json`` (identity when absent)."""
    try:
        text = resources.files("jixiao").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return IDENTITY
    return Calibration.from_dict(json.loads(text))


def calibrate(z: float) -> float:
    """Confidence for evidence score ``z``: the shipped calibration, or the plain logistic in raw mode."""
    if _RAW.get():
        return logistic(z)
    return default_calibration().apply(z)


def is_raw() -> bool:
    return _RAW.get()


@contextmanager
def raw_scores() -> Iterator[None]:
    """Within this block confidences are the uncalibrated logistic of ``z`` (for fitting)."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)
