"""The ladder's self-check and choice between rungs (jixiao.ingest.pdf_ladder), and a table
ruled between rows only that continues on the next page without its header (ingest.pdf)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest.pdf import ingest_pdf
from jixiao.ingest.pdf_ladder import check_page, climb
from jixiao.layout.grid import grid_from_origins
from jixiao.model.source import Cell, PageInfo, Table

HEAD = ["一级指标", "二级指标", "三级指标", "指标值"]


def _table(rows: list[list[str]], spans: dict[tuple[int, int], int] | None = None) -> Table:
    """Rows of texts; ``spans`` gives a colspan for an origin (the covered slots' texts are ignored)."""
    spans = spans or {}
    origins, covered = [], set()
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            n = spans.get((r, c), 1)
            covered |= {(r, c + k) for k in range(n)}
            origins.append(Cell(text, r, c, colspan=n, bbox=(50.0 + 100 * c, 50.0 + 20 * r, 150.0 + 100 * (c + n - 1), 70.0 + 20 * r), page=1))
    return Table(rows=grid_from_origins(origins, len(rows), len(rows[0])), pages=[1], source="pdf-ruled")


def test_rows_running_across_the_named_columns_fail_the_check() -> None:
    """A band of indicators read as one cell across 二级/三级/指标值 (the column rules missed)."""
    bad = _table([HEAD, ["产出指标", "数量指标 培训人数 100", "", ""], ["", "质量指标 合格率 95%", "", ""]],
                 {(1, 1): 3, (2, 1): 3})
    check = check_page([bad])
    assert not check.ok and "run across" in check.reason
    good = _table([HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "质量指标", "合格率", "95%"]])
    assert check_page([good]).ok


def test_climb_takes_the_lower_rung_that_reads_more_rows() -> None:
    """Both lower rungs pass; the one with more indicator rows wins, whatever its place."""
    vector = [_table([HEAD, ["产出指标", "数量指标 培训人数 100", "", ""], ["", "质量 合格率 95%", "", ""]],
                     {(1, 1): 3, (2, 1): 3})]
    one = [_table([HEAD, ["产出指标", "数量指标", "培训人数", "100"]])]
    three = [_table([HEAD, ["产出指标", "数量指标", "培训人数", "100"], ["", "质量指标", "合格率", "95%"],
                     ["", "时效指标", "完成及时率", "100%"]])]
    info = PageInfo(number=1, width=595, height=842)
    out = climb(vector, check_page(vector), raster=lambda: one, page_text=lambda: "", info=info, columns=lambda: three)
    assert out is three and info.rung == "columns"
    info = PageInfo(number=1, width=595, height=842)
    out = climb(vector, check_page(vector), raster=lambda: three, page_text=lambda: "", info=info, columns=lambda: one)
    assert out is three and info.rung == "raster"


XS = [50.0, 150.0, 260.0, 420.0, 540.0]


def _page(doc: pymupdf.Document, rows: list[list[str]]) -> None:
    """One page of a table ruled between rows only: one whole-width rule per row (no joints
    to read columns from), the cells' texts left-aligned in their columns."""
    page = doc.new_page(width=595, height=842)
    y = 60.0
    for row in rows:
        page.draw_line((XS[0], y), (XS[-1], y), width=0.75)
        for x, text in zip(XS, row):
            if text:
                page.insert_text((x + 4, y + 15), text, fontname="china-s", fontsize=10)
        y += 22.0
    page.draw_line((XS[0], y), (XS[-1], y), width=0.75)


def test_a_continued_page_takes_the_header_columns_of_the_page_before(tmp_path: Path) -> None:
    """A page continuing the table without its header is cut at the columns the previous
    page's header gave; a page drawing its own vertical rules is left to them."""
    from jixiao.ingest import pdf as pdf_mod

    doc = pymupdf.open()
    _page(doc, [["效益指标", "社会效益", f"第{i}类群众受益面", f"≥{i}0%"] for i in range(1, 5)])
    doc.save(tmp_path / "c.pdf")
    page = pymupdf.open(tmp_path / "c.pdf")[0]
    info = PageInfo(number=1, width=595, height=842)
    blocks = pdf_mod._continued_column_blocks(page, info, pdf_mod._page_lines(page), XS)
    assert blocks is not None
    rows = [[c.text for c in r] for b in blocks if isinstance(b, Table) for r in b.rows]
    assert ["效益指标", "社会效益", "第3类群众受益面", "≥30%"] in rows
    assert pdf_mod._continued_column_blocks(page, info, pdf_mod._page_lines(page), [50.0, 300.0, 700.0]) is None  # other edges

    page.draw_line((260.0, 60.0), (260.0, 148.0), width=0.75)  # the page's own column rule
    assert pdf_mod._continued_column_blocks(page, info, pdf_mod._page_lines(page), XS) is None


def test_a_header_cell_holding_two_labels_fails_the_check() -> None:
    """三级指标指标值: whitespace put two header labels into one column."""
    bad = _table([["一级指标", "二级指标", "三级指标指标值"], ["产出指标", "数量指标", "培训人数 ≥100人"],
                  ["", "质量指标", "合格率 ≥95%"]])
    check = check_page([bad])
    assert not check.ok and "two column labels" in check.reason
    good = _table([HEAD, ["产出指标", "数量指标", "培训人数", "≥100人"], ["", "质量指标", "合格率", "≥95%"]])
    assert check_page([good]).ok
    basis = _table([["一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据"],
                    ["产出指标", "数量指标", "培训人数", "≥100人", "计划标准"], ["", "质量指标", "合格率", "≥95%", "行业标准"]])
    assert check_page([basis]).ok  # 指标值确定依据 is one label, not 指标值 + 确定依据


def test_a_level_cell_naming_two_levels_fails_the_check() -> None:
    """数量指标 / 质量指标 in one cell: the rows of two level-2 groups were read as one row."""
    bad = _table([HEAD, ["产出指标", "数量指标\n质量指标", "培训人数\n合格率", "≥100人\n≥95%"],
                  ["", "时效指标", "完成时间", "12月底前"]])
    check = check_page([bad])
    assert not check.ok and "two level names" in check.reason
    wrapped = _table([HEAD, ["满意度指标", "服务对象满意\n度指标", "群众满意度", "≥90%"],
                      ["", "", "企业满意度", "≥85%"]])
    assert check_page([wrapped]).ok  # one level name wrapped onto two lines is not two levels


def test_header_columns_past_a_lead_cell_and_under_a_spanning_label() -> None:
    """A header ruled between rows only, after a lead cell (年度绩效指标, a shaded column whose
    edge is drawn, not crossed by the rule under the header) and with 近两年指标值 over
    2022年 | 2023年: the columns are found, and the rule between the two years starts under
    the spanning label (it must not cut the label in two)."""
    from jixiao.ingest.pdf_ladder import header_column_rulings
    from jixiao.model.source import Word

    def w(text: str, x: float, y: float) -> Word:
        return Word(text, (x, y, x + 12.0 * len(text), y + 12.0), 1)

    words = [w("年度绩", 52, 100), w("效指标", 52, 114),
             w("一级指", 110, 100), w("标", 122, 114), w("三级指", 223, 100), w("标", 235, 114),
             w("近两年指标值", 290, 92), Word("2022年", (280, 120, 316, 132), 1), Word("2023年", (336, 120, 372, 132), 1),
             w("指标值", 400, 100), w("指标分", 507, 100), w("类", 519, 114)]
    ys = [142.0, 185.0, 228.0, 270.0]
    for k, y in enumerate(ys[:-1]):
        words += [w("运行成本", 110, y + 10), w(f"控制率{k}", 223, y + 10), Word("85%", (282, y + 10, 300, y + 22), 1), Word("88%", (338, y + 10, 356, y + 22), 1),
                  w("80%", 400, y + 10), w("基本型", 507, y + 10)]
    rulings = [(42.0, 85.0, 553.0, 85.0), (99.0, 85.0, 99.0, 270.0)] + [(99.0, y, 553.0, y) for y in ys]
    added = header_column_rulings(words, rulings)
    xs = sorted(r[0] for r in added)
    assert len(xs) >= 7 and all(not (52 < x < 88) for x in xs)
    split = [r for r in added if 316.0 < r[0] < 336.0]
    assert len(split) == 1 and split[0][1] >= 104.0  # under 近两年指标值 (its bottom: 104)
    assert all(r[1] == 85.0 for r in added if r not in split)


def test_header_columns_after_a_lead_label_on_the_header_line() -> None:
    """Word with dashed rules under the columns right of a lead cell (年度绩效指标 written on
    the header line, its cell merged down the rows): the rule under the header starts right
    of that cell, so the header's extent is taken from its first column-naming label, not
    from the lead label."""
    from jixiao.ingest.pdf_ladder import header_column_rulings
    from jixiao.model.source import Word

    def w(text: str, x: float, y: float) -> Word:
        return Word(text, (x, y, x + 12.0 * len(text), y + 12.0), 1)

    words = [w("年度绩效指标", 57, 492), w("一级指标", 172, 492), w("二级指标", 274, 492), w("三级指标", 376, 492), w("指标值", 484, 492)]
    ys = [548.0, 590.0, 632.0]
    for k, y in enumerate([505.0] + ys[:-1]):
        words += [w("产出指标", 172, y + 14), w("数量指标", 274, y + 14), w(f"指标{k}：组织参", 360, y + 2),
                  w("加各类招商推介", 360, y + 16), w("2 场", 490, y + 16)]
    rulings = [(42.0, 490.0, 553.0, 490.0), (144.0, 505.0, 553.0, 505.0)] + [(349.0, y, 553.0, y) for y in ys]
    added = header_column_rulings(words, rulings)
    xs = sorted(r[0] for r in added)
    assert any(220 < x < 274 for x in xs) and any(322 < x < 376 for x in xs) and any(440 < x < 484 for x in xs)


def test_wrapped_name_lines_read_as_rows_fail_the_check() -> None:
    """Each line of a wrapped indicator name read as a row of its own (the row rules were not
    used): most rows hold a piece of a name and nothing else."""
    bad = _table([HEAD, ["产出指标", "数量指标", "提高政治站位，", ""], ["", "", "落实意识形态工", ""],
                  ["", "", "作主体责任", "≥4次"], ["", "", "组织全体党员", ""], ["", "", "组织参加各类招", "≥2场"],
                  ["", "", "商推介会次数", ""]])
    check = check_page([bad])
    assert not check.ok and "piece of an indicator name" in check.reason
    good = _table([HEAD, ["产出指标", "数量指标", "提高政治站位，落实意识形态工作主体责任", "≥4次"],
                   ["", "", "组织参加各类招商推介会次数", "≥2场"], ["", "质量指标", "合格率", "95%"]])
    assert check_page([good]).ok


def test_a_band_of_rows_glued_into_one_cell_fails_the_check_in_every_row_it_covers() -> None:
    """A lattice that missed a table's column rules below its header (drawn only in the
    header row) reads a band of indicators as one cell across 二级/三级/指标值 and several
    rows: one origin, the other rows copies. Each covered row runs across the named columns."""
    origins = [Cell(t, 0, c, page=1) for c, t in enumerate(HEAD)]
    origins += [Cell("产出指标", 1, 0, rowspan=4, page=1),
                Cell("数量指标培训人数\n100\n质量指标合格率\n95%", 1, 1, rowspan=4, colspan=3, page=1)]
    glued = Table(rows=grid_from_origins(origins, 5, 4), pages=[1], source="pdf-words")
    check = check_page([glued])
    assert not check.ok and "run across" in check.reason
