"""Run shading behind a space is a thin upright fill: a piece of the highlight, not a column rule."""

from __future__ import annotations

from typing import Any

import pymupdf

from jixiao.ingest.pdf_rules import clean_drawings

GREY = (0.85, 0.85, 0.85)


def _fill(x0: float, y0: float, x1: float, y1: float, fill: tuple[float, float, float] = GREY) -> dict[str, Any]:
    r = pymupdf.Rect(x0, y0, x1, y1)
    return {"type": "f", "fill": fill, "rect": r, "items": [("re", r, 1)]}


def _chars(x0: float, x1: float, y0: float = 238.0, y1: float = 250.0, w: float = 12.0) -> list[tuple[float, float, float, float]]:
    n = int((x1 - x0) // w)
    return [(x0 + i * w, y0, x0 + (i + 1) * w, y1) for i in range(n)]


def _rects(drawings: list[dict[str, Any]]) -> list[tuple[float, ...]]:
    return [tuple(round(v, 1) for v in d["rect"]) for d in drawings]


def test_a_sliver_between_two_highlights_goes_with_them() -> None:
    # 中期绩效指标（2024—2026 | space | 年）: three runs shaded, the space's fill 2.3 pt wide
    runs = [_fill(146.3, 236.4, 290.2, 250.4), _fill(290.3, 236.4, 292.6, 250.2), _fill(292.7, 236.4, 316.7, 250.4)]
    text = _chars(146.4, 290.4) + _chars(292.8, 316.8)
    kept, dropped = clean_drawings(runs, text)
    assert kept == [] and dropped == 3


def test_rules_next_to_a_highlight_stay() -> None:
    """A cell's border (dark, or running the cell's full height) beside a shaded run is kept."""
    run = _fill(146.3, 236.4, 290.2, 250.4)
    dark = _fill(290.3, 236.4, 291.0, 250.4, fill=(0.0, 0.0, 0.0))
    tall = _fill(290.3, 230.0, 291.0, 262.0)
    kept, _ = clean_drawings([run, dark, tall], _chars(146.4, 290.4))
    assert _rects(kept) == [(290.3, 236.4, 291.0, 250.4), (290.3, 230.0, 291.0, 262.0)]
