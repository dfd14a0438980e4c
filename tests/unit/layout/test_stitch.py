"""Tables continued over a page break (jixiao.layout.stitch)."""

from __future__ import annotations

from jixiao.model.source import Cell, PageInfo, Paragraph
from jixiao.layout import stitch_tables

from .builders import HEAD, PAGE, XS, _table, _tables, _texts


def test_stitch_same_columns_and_drop_repeated_header() -> None:
    a = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"]], 1, XS)
    b = _table([HEAD, ["", "", "检查次数", "12"], ["效益指标", "社会效益", "满意度", "90%"]], 2, XS)
    foot = Paragraph("- 1 -", page=1, bbox=(280, 810, 300, 820))
    out = stitch_tables([Paragraph("标题", page=1), a, foot, b, Paragraph("说明", page=2)], [PAGE, PageInfo(2, 595, 842)])
    assert [type(x).__name__ for x in out] == ["Paragraph", "Table", "Paragraph", "Paragraph"]
    t = out[1]
    assert t.pages == [1, 2]
    assert _texts(t) == [HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "", "检查次数", "12"], ["效益指标", "社会效益", "满意度", "90%"]]
    assert [c.row for c in t.rows[3]] == [3] * 4 and t.rows[3][0].page == 2
    assert [x.text for x in out if isinstance(x, Paragraph)] == ["标题", "- 1 -", "说明"]


def test_stitch_continues_a_merged_cell_cut_by_the_break() -> None:
    a = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "", "检查次数", "12"]], 1, XS)
    for r in (2,):
        for c in (0, 1):
            a.rows[r][c] = Cell(a.rows[1][c].text, r, c, bbox=a.rows[1][c].bbox, page=1, merged_from=(1, c))
    a.rows[1][0].rowspan = a.rows[1][1].rowspan = 2
    b = _table([["", "", "合格率", "95%"], ["效益指标", "社会效益", "满意度", "90%"]], 2, XS)
    [t] = stitch_tables([a, b])
    assert [r[0].text for r in t.rows] == ["一级指标", "产出指标", "产出指标", "产出指标", "效益指标"]
    assert t.rows[3][0].merged_from == (1, 0) and t.rows[3][1].merged_from == (1, 1)
    assert t.rows[1][0].rowspan == 3


def test_no_stitch_for_other_columns_pages_or_content_between() -> None:
    a = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"]], 1, XS)
    moved = _table([["效益指标", "社会效益", "满意度", "90%"]], 2, [50, 100, 200, 450, 545])
    assert len(stitch_tables([a, moved])) == 2
    far = _table([["效益指标", "社会效益", "满意度", "90%"]], 3, XS)
    assert len(stitch_tables([a, far])) == 2
    same = _table([["效益指标", "社会效益", "满意度", "90%"]], 2, XS)
    title = Paragraph("项目二绩效目标表", page=2, bbox=(200, 40, 400, 52))
    assert len(_tables(stitch_tables([a, title, same]))) == 2
    assert len(_tables(stitch_tables([a, same]))) == 1


def test_stitch_three_pages_with_headers_repeated() -> None:
    pages = [_table([HEAD, [f"L1-{p}", "L2", f"指标{p}", str(p)]], p, XS) for p in (1, 2, 3)]
    furniture = [Paragraph(f"第 {p} 页", page=p, bbox=(280, 810, 320, 820)) for p in (1, 2, 3)]
    blocks = [pages[0], furniture[0], pages[1], furniture[1], pages[2], furniture[2]]
    out = stitch_tables(blocks)
    [t] = _tables(out)
    assert t.pages == [1, 2, 3] and [r[2].text for r in t.rows] == ["三级指标", "指标1", "指标2", "指标3"]
    assert [p.text for p in out if isinstance(p, Paragraph)] == ["第 1 页", "第 2 页", "第 3 页"]
