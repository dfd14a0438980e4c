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


def _merge(t, r: int, c0: int, c1: int, r1: int | None = None) -> None:
    """Make (r, c0) the origin of a cell spanning columns c0..c1 (and rows r..r1)."""
    r1 = r if r1 is None else r1
    origin = t.rows[r][c0]
    origin.colspan, origin.rowspan = c1 - c0 + 1, r1 - r + 1
    x1 = t.rows[r][c1].bbox[2]
    origin.bbox = (origin.bbox[0], origin.bbox[1], x1, t.rows[r1][c0].bbox[3])
    for rr in range(r, r1 + 1):
        for cc in range(c0, c1 + 1):
            if (rr, cc) != (r, c0):
                t.rows[rr][cc] = Cell(origin.text, rr, cc, bbox=origin.bbox, page=origin.page, merged_from=(r, c0))


WIDE = [50, 150, 250, 330, 400, 470, 545]  # a form grid: the budget block splits the value columns


def _form_page() -> object:
    """Page 1 of a form drawn as one grid: the indicator values span two slots each."""
    rows = [["资金总额", "", "", "半年", "", "全年"],
            ["一级指标", "二级指标", "三级指标", "半年指标值", "", "全年指标值"],
            ["产出指标", "数量指标", "培训人数", "50", "", "100"]]
    t = _table(rows, 1, WIDE)
    _merge(t, 0, 0, 2)
    for r in (1, 2):
        _merge(t, r, 3, 4)
    return t


def test_stitch_onto_columns_a_span_joins() -> None:
    """The continued rows have five columns where the form's grid has six: the missing
    boundary is one no indicator row crosses (a value cell spans it), so the values land
    under their header, not one column to the left."""
    a = _form_page()
    b = _table([["效益指标", "社会效益", "满意度", "80%", "90%"]], 2, [50, 150, 250, 330, 470, 545])
    [t] = stitch_tables([a, b])
    assert [c.text for c in t.rows[3]] == ["效益指标", "社会效益", "满意度", "80%", "80%", "90%"]
    assert t.rows[3][4].merged_from == (3, 3)


def test_stitch_skips_empty_bands_and_a_row_printed_twice() -> None:
    """A browser cuts a row at the page end: an empty band closes page 1, the cut row's text
    shows again at the top of page 2 (with the level-1 text centred in its part of the span),
    and an empty band follows it."""
    a = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "", "检查次数", "12"], ["", "", "", ""]], 1, XS)
    _merge(a, 1, 0, 0, 2)
    b = _table([["产出指标", "", "检查次数", "12"], ["", "", "", ""], ["", "质量指标", "合格率", "95%"]], 2, XS)
    _merge(a, 1, 1, 1, 2)
    [t] = stitch_tables([a, b])
    assert [r[2].text for r in t.rows] == ["三级指标", "培训人数", "检查次数", "合格率"]
    assert [r[0].text for r in t.rows] == ["一级指标", "产出指标", "产出指标", "产出指标"]
    assert t.rows[3][1].text == "质量指标"


def test_stitch_takes_a_merged_cells_text_from_below_the_break() -> None:
    """The level-1 text of a span cut by the break was centred in its lower part."""
    a = _table([HEAD, ["", "资金管理", "资金到位率", "100%"], ["", "", "预算执行率", "100%"]], 1, XS)
    _merge(a, 1, 0, 0, 2)
    _merge(a, 1, 1, 1, 2)
    b = _table([["过程", "", "合规性", "合规"], ["", "组织实施", "制度健全性", "健全"]], 2, XS)
    _merge(b, 0, 0, 0, 1)
    [t] = stitch_tables([a, b])
    assert [r[0].text for r in t.rows[1:]] == ["过程"] * 4
    assert [r[1].text for r in t.rows[1:]] == ["资金管理", "资金管理", "资金管理", "组织实施"]


def test_a_repeated_title_alone_starts_a_new_form() -> None:
    """Two forms of one kind, the second opening page 2: only their title row is the same,
    so the second is not the first one's continuation."""
    title = ["项目绩效目标表", "", "", ""]
    a = _table([title, ["项目名称", "甲项目", "", ""], HEAD, ["产出指标", "数量指标", "培训人数", "100"]], 1, XS)
    b = _table([title, ["项目名称", "乙项目", "", ""], HEAD, ["产出指标", "数量指标", "检查次数", "12"]], 2, XS)
    for t in (a, b):
        _merge(t, 0, 0, 3)
        _merge(t, 1, 1, 3)
    assert len(_tables(stitch_tables([a, b]))) == 2


def _stitch_cases() -> list[tuple[list, list[PageInfo]]]:
    """Documents of three pages: a table continued with its header repeated, a vertically
    merged cell cut by each break, page furniture between the parts."""
    pages = [PageInfo(p, 595, 842) for p in (1, 2, 3)]
    repeated = [_table([HEAD, [f"L1-{p}", "L2", f"指标{p}", str(p)]], p, XS) for p in (1, 2, 3)]
    foot = [Paragraph(f"- {p} -", page=p, bbox=(280, 810, 300, 820)) for p in (1, 2, 3)]
    cut = [_table([HEAD, ["产出指标", "数量指标", "培训人数", "100"]], 1, XS),
           _table([["", "", "合格率", "95%"]], 2, XS), _table([["效益指标", "社会效益", "满意度", "90%"]], 3, XS)]
    return [
        ([Paragraph("标题", page=1), repeated[0], foot[0], repeated[1], foot[1], repeated[2], foot[2]], pages),
        ([cut[0], foot[0], cut[1], foot[1], cut[2], Paragraph("说明", page=3)], pages),
    ]


def _shape(blocks: list) -> list:
    return [(b.pages, _texts(b)) if not isinstance(b, Paragraph) else b.text for b in blocks]


def test_stitching_in_two_stages_equals_stitching_once() -> None:
    """Ingest stitches the pages it read; the OCR stage stitches the whole document again once
    its pages arrive (ocr/apply.py). Both call this one function, so its second pass over
    an already stitched table must come out as one pass over the pages would."""
    import copy

    for blocks, pages in _stitch_cases():
        once = stitch_tables(copy.deepcopy(blocks), pages)
        for cut_at in range(1, len(blocks)):  # the blocks of the later pages arrive in the second stage
            first = stitch_tables(copy.deepcopy(blocks[:cut_at]), pages)
            twice = stitch_tables(first + copy.deepcopy(blocks[cut_at:]), pages)
            assert _shape(twice) == _shape(once), cut_at
        assert _shape(stitch_tables(once, pages)) == _shape(once)
    assert [len(_tables(stitch_tables(b, p))) for b, p in _stitch_cases()] == [1, 1]


def _unruled(rows: list[list[tuple[str, float, float]]], page: int, y0: float = 50) -> "Table":
    """A table drawn without rules: each cell's box is its (centred) text, not its column."""
    from jixiao.model.source import Table

    cells = [[Cell(t, r, c, bbox=(x0, y0 + 20 * r, x1, y0 + 20 * r + 10), page=page) for c, (t, x0, x1) in enumerate(row)]
             for r, row in enumerate(rows)]
    right = max(x1 for row in rows for _, _, x1 in row)
    return Table(rows=cells, pages=[page], bbox=(50, y0, right, y0 + 20 * len(rows)), source="pdf-words")


def test_stitch_an_unruled_continuation_by_column_extents() -> None:
    """Centred text moves the left edges from page to page; the columns still lie one over
    the other. The lead column (绩效指标, empty at the bottom) runs on."""
    a = _unruled([
        [("绩效指标", 60, 96), ("一级指标", 160, 196), ("二级指标", 260, 296), ("三级指标", 360, 396), ("指标值", 470, 497)],
        [("", 60, 60), ("产出指标", 160, 196), ("数量指标", 260, 296), ("培训人数", 360, 396), ("≥100人", 468, 498)],
        [("", 60, 60), ("", 160, 160), ("质量指标", 260, 296), ("合格率很高", 356, 401), ("=100%", 470, 495)],
    ], 1)
    b = _unruled([
        [("", 160, 160), ("", 270, 270), ("验收通过率", 356, 401), ("2024年12月31日前", 445, 520)],
        [("效益指标", 160, 196), ("社会效益指标", 252, 306), ("带动就业", 360, 396), ("≥500人", 468, 498)],
    ], 2, y0=40)
    [t] = stitch_tables([a, b])
    assert _texts(t)[3:] == [["", "", "", "验收通过率", "2024年12月31日前"], ["", "效益指标", "社会效益指标", "带动就业", "≥500人"]]


def test_no_stitch_when_a_column_lies_over_two() -> None:
    a = _unruled([
        [("一级指标", 60, 96), ("三级指标", 160, 196), ("指标值", 270, 297)],
        [("产出指标", 60, 96), ("培训人数", 160, 196), ("≥100人", 268, 298)],
    ], 1)
    b = _unruled([
        [("说明文字跨两栏很长很长很长", 90, 250), ("其他", 270, 290)],
        [("另一张表的内容跨两栏很长", 90, 250), ("其他", 270, 290)],
    ], 2)
    assert len(stitch_tables([a, b])) == 2


def test_rows_of_a_block_glued_under_the_continuation_are_cut_off() -> None:
    """The continuation's last row is another block (年度目标 and its text) whose rules touch
    the table: its own column edge gives the page one column more. The rows that fit the
    table's columns continue it; the rest stays a table of its own."""
    xs_a = [30, 50, 150, 300, 400, 545]
    a = _table([["绩效指标", *HEAD], ["", "产出指标", "数量指标", "培训人数", "100"]], 1, xs_a)
    xs_b = [30, 50, 120, 150, 300, 400, 545]  # an edge at 120 only the last row starts a cell at
    b = _table([["", "", "", "质量指标", "合格率", "95%"], ["", "效益指标", "", "社会效益", "满意度", "90%"],
                ["年度目标", "", "全年完成培训任务", "", "", ""]], 2, xs_b)

    def merge(r: int, c: int, n: int) -> None:
        b.rows[r][c].colspan = n
        for k in range(c + 1, c + n):
            b.rows[r][k] = Cell(b.rows[r][c].text, r, k, bbox=b.rows[r][c].bbox, page=2, merged_from=(r, c))

    merge(0, 1, 2)
    merge(1, 1, 2)
    merge(2, 0, 2)
    merge(2, 2, 4)
    out = stitch_tables([a, b])
    assert len(out) == 2
    assert _texts(out[0])[2:] == [["", "", "质量指标", "合格率", "95%"], ["", "效益指标", "社会效益", "满意度", "90%"]]
    assert [c.text for c in out[1].rows[0] if c.merged_from is None] == ["年度目标", "全年完成培训任务"]


def test_a_row_printed_twice_is_found_past_a_band_only_a_merged_cell_runs_through() -> None:
    """The band closing page 1 holds nothing of its own, but the level-1 cell above runs
    through it (its copies carry the text): the row printed again at the top of page 2 is
    still the last row with text of its own, and is dropped."""
    a = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "", "检查次数", "12"], ["", "", "", ""]], 1, XS)
    _merge(a, 1, 0, 0, 3)
    _merge(a, 1, 1, 1, 2)
    b = _table([["产出指标", "", "检查次数", "12"], ["", "质量指标", "合格率", "95%"]], 2, XS)
    [t] = stitch_tables([a, b])
    assert [r[2].text for r in t.rows].count("检查次数") == 1
    assert [r[2].text for r in t.rows if r[2].text] == ["三级指标", "培训人数", "检查次数", "合格率"]


def _spanned(rows: list[list[tuple[str, int, int, float, float]]], page: int, y0: float) -> "Table":
    """A ruled table given as (text, first slot, slots, x0, x1) per cell; boxes are the cells'."""
    from jixiao.layout.grid import grid_from_origins
    from jixiao.model.source import Table

    origins = [Cell(t, r, c, colspan=n, bbox=(x0, y0 + 20 * r, x1, y0 + 20 * r + 20), page=page)
               for r, row in enumerate(rows) for t, c, n, x0, x1 in row]
    n_cols = max(c + n for row in rows for _, c, n, _, _ in row)
    grid = grid_from_origins(origins, len(rows), n_cols)
    return Table(rows=grid, pages=[page], bbox=(30, y0, 545, y0 + 20 * len(rows)), source="pdf-words")


def test_stitch_rows_laid_out_anew_under_the_header_closing_the_page() -> None:
    """The header is the last row of page 1, two slots a heading; page 2's rows were laid
    out on their own (one slot for the level-2 column, others two, edges elsewhere)."""
    a = _spanned([
        [("年度目标", 0, 2, 30, 130), ("完成全年目标任务", 2, 6, 130, 545)],
        [("一级指标", 0, 2, 30, 130), ("二级指标", 2, 2, 130, 230), ("三级指标", 4, 2, 230, 400), ("指标值", 6, 2, 400, 545)],
    ], 1, 700)
    b = _spanned([
        [("产出指标", 0, 2, 30, 128), ("数量指标", 2, 1, 128, 233), ("培训人数", 3, 2, 233, 398), ("≥100人", 5, 2, 398, 545)],
        [("效益指标", 0, 2, 30, 128), ("社会效益指标", 2, 1, 128, 233), ("带动就业", 3, 2, 233, 398), ("≥500人", 5, 2, 398, 545)],
    ], 2, 40)
    [t] = stitch_tables([a, b])
    rows = [[c.text for c in row if c.merged_from is None] for row in t.rows]
    assert rows[2:] == [["产出指标", "数量指标", "培训人数", "≥100人"], ["效益指标", "社会效益指标", "带动就业", "≥500人"]]
    assert [c.col for c in t.rows[3] if c.merged_from is None] == [0, 2, 4, 6]  # under the header's columns


def test_no_stitch_when_a_cell_straddles_two_headings() -> None:
    a = _spanned([
        [("年度目标", 0, 2, 30, 130), ("完成全年目标任务", 2, 6, 130, 545)],
        [("一级指标", 0, 2, 30, 130), ("二级指标", 2, 2, 130, 230), ("三级指标", 4, 2, 230, 400), ("指标值", 6, 2, 400, 545)],
    ], 1, 700)
    b = _spanned([[("另一张表的说明", 0, 2, 30, 300), ("其他", 2, 1, 300, 545)],
                  [("另一张表的内容", 0, 2, 30, 300), ("其他", 2, 1, 300, 545)]], 2, 40)
    assert len(_tables(stitch_tables([a, b]))) == 2


def test_side_by_side_tables_each_continue_under_themselves() -> None:
    """A 中期 table and a 年度 table side by side, both running over the break: read in order
    they alternate left, right, left, right; each joins the continuation below it."""
    left, right = [30, 80, 130, 230, 290], [300, 350, 400, 500, 560]
    l1 = _table([HEAD, ["产出指标", "数量指标", "三年培训人次", "≥6万"]], 1, left, y0=700)
    caption = Paragraph(text="年度绩效指标（2024年）", page=1, bbox=(300, 680, 500, 695))
    r1 = _table([HEAD, ["产出指标", "数量指标", "年度培训人次", "≥2万"]], 1, right, y0=700)
    l2 = _table([["效益指标", "社会效益指标", "三年就业率", "≥70%"]], 2, left, y0=40)
    r2 = _table([["效益指标", "社会效益指标", "年度就业率", "≥65%"], ["满意度指标", "服务对象满意度指标", "满意度", "≥90%"]],
                2, right, y0=40)
    blocks = stitch_tables([l1, caption, r1, l2, r2])
    tables = _tables(blocks)
    assert len(tables) == 2 and blocks[1] is caption
    assert [r[2] for r in _texts(tables[0])] == ["三级指标", "三年培训人次", "三年就业率"]
    assert [r[2] for r in _texts(tables[1])] == ["三级指标", "年度培训人次", "年度就业率", "满意度"]
