"""Merged cells expanded into a dense grid (jixiao.layout.grid)."""

from __future__ import annotations

from jixiao.model.source import Cell, Table
from jixiao.layout import expand_merged


def test_expand_merged_fills_spans_with_copies() -> None:
    sparse = Table(rows=[
        [Cell("一级指标", 0, 0), Cell("二级指标", 0, 1), Cell("指标值", 0, 2)],
        [Cell("产出指标", 1, 0, rowspan=3), Cell("数量指标", 1, 1, rowspan=2), Cell("≥100人", 1, 2)],
        [Cell("≥12次", 2, 2)],
        [Cell("质量指标", 3, 1), Cell("合格", 3, 2)],
        [Cell("满意度 很长", 4, 0, colspan=2), Cell("≥90%", 4, 2)],
    ], source="test")
    t = expand_merged(sparse)
    assert [len(r) for r in t.rows] == [3] * 5
    assert [r[0].text for r in t.rows] == ["一级指标", "产出指标", "产出指标", "产出指标", "满意度 很长"]
    assert [r[0].merged_from for r in t.rows] == [None, None, (1, 0), (1, 0), None]
    assert t.rows[2][1].merged_from == (1, 1) and t.rows[2][1].text == "数量指标"
    assert t.rows[4][1].merged_from == (4, 0) and t.rows[4][1].is_copy
    assert [(c.row, c.col) for c in t.rows[2]] == [(2, 0), (2, 1), (2, 2)]
    assert t.source == "test"
