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


def test_cell_grid_from_finder_boxes() -> None:
    """Cell boxes (a merged cell is one box) → origins with spans, the cell at a point, and
    a slot no box covers given a cell of its own."""
    from jixiao.layout import CellGrid, RulingIndex

    # 3 rows × 3 columns at x 0/50/100/150, y 0/20/40/60; (0,0) spans two rows; (2,2) has no box
    boxes = [(0.0, 0.0, 50.0, 40.0), (50.0, 0.0, 100.0, 20.0), (100.0, 0.0, 150.0, 20.0),
             (50.0, 20.0, 100.0, 40.0), (100.0, 20.0, 150.0, 40.0),
             (0.0, 40.0, 50.0, 60.0), (50.0, 40.0, 100.0, 60.0)]
    rules = RulingIndex([(0.0, 60.0, 150.0, 60.0), (100.0, 40.0, 100.0, 60.0)])
    grid = CellGrid(boxes, page=3, rules=rules)
    assert (grid.n_rows, grid.n_cols) == (3, 3)
    assert grid.xs == [0.0, 50.0, 100.0, 150.0] and grid.ys == [0.0, 20.0, 40.0, 60.0]
    first = grid.cell_at(10.0, 30.0)
    assert first is grid.cell_at(10.0, 5.0) and (first.rowspan, first.colspan) == (2, 1)
    orphan = grid.cell_at(120.0, 50.0)
    assert orphan is not None and (orphan.row, orphan.col, orphan.bbox) == (2, 2, (100.0, 40.0, 150.0, 60.0))
    assert grid.holds(150.4, 60.4) and not grid.holds(151.0, 30.0)
    for cell in grid.origins:
        cell.text = f"{cell.row}{cell.col}"
    t = grid.table(source="pdf-ruled")
    assert [[c.text for c in r] for r in t.rows] == [["00", "01", "02"], ["00", "11", "12"], ["20", "21", "22"]]
    assert t.rows[1][0].merged_from == (0, 0) and t.pages == [3] and t.exact_grid
