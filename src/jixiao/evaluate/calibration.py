"""Calibration fitting: isotonic regression of golden ``(z, correct)`` pairs into the shipped table.

Bench tooling, not runtime: the pipeline only looks the table up
(:func:`jixiao.reconcile.calibration.calibrate`); this module fits and writes it, driven by
``python eval/calibrate.py``. The method is described in :mod:`jixiao.reconcile.calibration`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jixiao.reconcile.calibration import IDENTITY, PRIOR_WEIGHT, Calibration, Step, logistic



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


def write(cal: Calibration, path: Path) -> None:
    path.write_text(json.dumps(cal.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
