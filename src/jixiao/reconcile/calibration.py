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

The fitted table ships as ``jixiao/data/calibration.json`` (written by
``python eval/calibrate.py``, which also reports a leave-one-document-out check); without
it ``apply`` is the plain logistic of ``z``. The table is data, not code: refit it when
the extractor or the golden set changes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
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
# Fitting


def fit(records: Iterable[tuple[float, bool]], prior_weight: float = PRIOR_WEIGHT,
        meta: dict[str, Any] | None = None) -> Calibration:
    """Isotonic fit of ``(z, correct)`` pairs (pool adjacent violators), values smoothed to the prior."""
    pairs = sorted((float(z), bool(ok)) for z, ok in records)
    if not pairs:
        return IDENTITY
    groups: list[list[float]] = []  # [lo, hi, fields, correct, Σ logistic(z)]
    for z, ok in pairs:
        if groups and groups[-1][1] == z:  # ties share a step: one score, one value
            g = groups[-1]
            g[2], g[3], g[4] = g[2] + 1, g[3] + ok, g[4] + logistic(z)
        else:
            groups.append([z, z, 1, int(ok), logistic(z)])
    # plain isotonic regression first (the data decides the steps), then the smoothed
    # values, pooled again where smoothing made two neighbours cross
    groups = _pool(groups, lambda g: g[3] / g[2])
    groups = _pool(groups, lambda g: _value(g, prior_weight))
    steps = tuple(Step(g[0], g[1], int(g[2]), int(g[3]), round(g[4] / g[2], 6), prior_weight) for g in groups)
    return Calibration(steps, dict(meta or {}, fields=len(pairs), correct=sum(ok for _, ok in pairs),
                                   prior_weight=prior_weight))


def _pool(groups: list[list[float]], rate: Callable[[list[float]], float]) -> list[list[float]]:
    """Pool adjacent violators: merge neighbours until ``rate`` strictly increases."""
    out: list[list[float]] = []
    for g in groups:
        out.append(g)
        while len(out) > 1 and rate(out[-2]) >= rate(out[-1]):
            b = out.pop()
            a = out[-1]
            out[-1] = [a[0], b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]]
    return out


def _value(g: list[float], prior_weight: float) -> float:
    return (g[3] + prior_weight * g[4] / g[2]) / (g[2] + prior_weight)


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


def write(cal: Calibration, path: Path) -> None:
    path.write_text(json.dumps(cal.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
