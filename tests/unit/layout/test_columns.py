"""Side-by-side tables, caption rows, reading order (jixiao.layout.columns)."""

from __future__ import annotations

from jixiao.model.source import Cell, Paragraph, Table
from jixiao.layout import RulingIndex, caption_rows, reading_order, split_side_by_side

from .builders import _grid_rulings, _texts


def test_split_side_by_side_finds_the_gutter_under_a_shared_rule() -> None:
    """Two lattices (own row heights) joined only by one rule across their tops: two sides."""
    left = _grid_rulings([40, 100, 200], [100, 120, 140, 160])
    right = _grid_rulings([210, 300, 400], [100, 125, 150, 175, 200])
    rules = left + right + [(40, 100, 400, 100)]
    text = [(45, 105, 90, 115), (215, 105, 290, 115), (45, 145, 90, 155), (305, 180, 390, 190)]
    parts = split_side_by_side((40, 100, 400, 200), RulingIndex(rules), text)
    assert parts == [((40, 100, 200, 200), True), ((210, 100, 400, 200), True)]
    # text running through the gap: one table after all
    assert split_side_by_side((40, 100, 400, 200), RulingIndex(rules), text + [(150, 130, 260, 138)]) == [((40, 100, 400, 200), False)]
    # rows ruled across the gap at the same heights on both sides: an ordinary column
    aligned = _grid_rulings([40, 100, 200, 210, 300, 400], [100, 120, 140, 160])
    assert len(split_side_by_side((40, 100, 400, 160), RulingIndex(aligned), text)) == 1


def test_caption_rows_and_reading_order() -> None:
    rows = [
        [Cell("年度绩效指标", 0, 0, colspan=2, bbox=(0, 0, 100, 10), page=1), Cell("年度绩效指标", 0, 1, page=1, merged_from=(0, 0))],
        [Cell("一级指标", 1, 0, bbox=(0, 10, 50, 20), page=1), Cell("指标值", 1, 1, bbox=(50, 10, 100, 20), page=1)],
        [Cell("产出指标", 2, 0, rowspan=2, bbox=(0, 20, 50, 40), page=1), Cell("≥1", 2, 1, bbox=(50, 20, 100, 30), page=1)],
        [Cell("产出指标", 3, 0, page=1, merged_from=(2, 0)), Cell("≥2", 3, 1, bbox=(50, 30, 100, 40), page=1)],
    ]
    paras, table = caption_rows(Table(rows=rows, pages=[1], bbox=(0, 0, 100, 40), source="pdf-ruled"))
    assert [p.text for p in paras] == ["年度绩效指标"] and paras[0].bbox == (0, 0, 100, 10)
    assert _texts(table) == [["一级指标", "指标值"], ["产出指标", "≥1"], ["产出指标", "≥2"]]
    assert table.rows[2][0].merged_from == (1, 0) and [c.row for c in table.rows[2]] == [2, 2]
    assert table.bbox == (0, 10, 100, 40)
    # a table without a caption row is left alone
    assert caption_rows(table) == ([], table)
    # side tables stay after their own captions; other blocks by position
    a_cap, b_cap = Paragraph("左", bbox=(0, 0, 100, 10)), Paragraph("右", bbox=(120, 0, 220, 10))
    a, b = Table(rows=[], bbox=(0, 10, 100, 40)), Table(rows=[], bbox=(120, 10, 220, 60))
    note = Paragraph("备注", bbox=(0, 70, 50, 80))
    title = Paragraph("标题", bbox=(50, -20, 150, -10))
    assert reading_order([[note], [b_cap, b], [a_cap, a], [title]]) == [title, a_cap, a, b_cap, b, note]
