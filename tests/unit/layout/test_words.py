"""Word boxes: skew estimate (jixiao.layout.words)."""

from __future__ import annotations

import math
import pytest
from fixtures import make_fixtures as fx

from jixiao.layout import estimate_skew

from .builders import _ocr_like_words


def test_skew_estimate_matches_the_rotation() -> None:
    grid = [fx.HEADER] + [list(r) for r in fx.INDICATORS]
    words = _ocr_like_words(grid, [40, 130, 250, 390, 480], 120, 20, 1.0, seed=3)
    assert estimate_skew(words) == pytest.approx(math.tan(math.radians(1.0)), abs=0.004)
    assert estimate_skew(_ocr_like_words(grid, [40, 130, 250, 390, 480], 120, 20, 0.0, seed=3)) == pytest.approx(0, abs=0.004)
