"""Layout: grids from word/OCR boxes (with and without rulings), merged cells, cross-page stitching."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from fixtures import make_fixtures as fx
from PIL import Image, ImageFilter

from jixiao.model.source import Cell, PageInfo, Paragraph, Table, Word
from jixiao.ingest.pdf import ingest_pdf
from jixiao.layout import (
    RulingIndex,
    caption_rows,
    closing_rulings,
    estimate_skew,
    expand_merged,
    page_blocks_from_words,
    reading_order,
    split_side_by_side,
    stitch_tables,
)

PAGE = PageInfo(number=1, width=595, height=842)


def _texts(t: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in t.rows]


def _tables(blocks: list) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table)]


# ---------------------------------------------------------------------------------------
# expand_merged


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


# ---------------------------------------------------------------------------------------
# grids from boxes


def _ocr_like_words(rows: list[list[str]], xs: list[float], y0: float, pitch: float, angle_deg: float, seed: int) -> list[Word]:
    """Cell texts as OCR line boxes: rotated by a small angle, inflated and jittered."""
    rng = random.Random(seed)
    th = math.radians(angle_deg)
    words = []
    for r, row in enumerate(rows):
        for x, text in zip(xs, row):
            if not text:
                continue
            w, h = 9.0 * len(text), 9.0
            cx, cy = x + w / 2, y0 + r * pitch + h / 2
            rx, ry = cx * math.cos(th) - cy * math.sin(th), cx * math.sin(th) + cy * math.cos(th)
            pad = abs(math.sin(th)) * w / 2 + 1.5
            j = [rng.uniform(-1.2, 1.2) for _ in range(4)]
            words.append(Word(text, (rx - w / 2 + j[0], ry - h / 2 - pad + j[1], rx + w / 2 + j[2], ry + h / 2 + pad + j[3]), 1, 0.9))
    return words


@pytest.mark.parametrize("angle", [0.0, 0.8, -1.2])
def test_unruled_grid_from_noisy_rotated_ocr_lines(angle: float) -> None:
    grid = [fx.HEADER] + [list(r) for r in fx.INDICATORS]
    xs = [40, 130, 250, 390, 480]
    words = _ocr_like_words(grid, xs, 120, 20, angle, seed=7)
    words += _ocr_like_words([["项目支出绩效目标表"]], [200], 60, 20, angle, seed=8)
    words += _ocr_like_words([["填报说明：以上指标由单位自行填报。"]], [40], 300, 20, angle, seed=9)
    blocks = page_blocks_from_words(words, PAGE, source="ocr")
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Paragraph"]
    table = blocks[1]
    assert table.source == "ocr" and table.exact_grid and table.pages == [1]
    assert _texts(table) == grid
    assert all(c.score == pytest.approx(0.9) for row in table.rows for c in row if c.text)
    assert blocks[0].text == "项目支出绩效目标表"
    # boxes are handed back in page coordinates, not the deskewed ones
    assert table.rows[1][0].bbox == pytest.approx(words[5].bbox, abs=0.01)


def test_skew_estimate_matches_the_rotation() -> None:
    grid = [fx.HEADER] + [list(r) for r in fx.INDICATORS]
    words = _ocr_like_words(grid, [40, 130, 250, 390, 480], 120, 20, 1.0, seed=3)
    assert estimate_skew(words) == pytest.approx(math.tan(math.radians(1.0)), abs=0.004)
    assert estimate_skew(_ocr_like_words(grid, [40, 130, 250, 390, 480], 120, 20, 0.0, seed=3)) == pytest.approx(0, abs=0.004)


def test_prose_is_not_a_table() -> None:
    lines = [
        "以习近平新时代中国特色社会主义思想为指导，牢牢把握立足新发展阶段、",
        "贯彻新发展理念、构建新发展格局的新形势新任务，重点抓好以下几项工作：",
        "一是落实运维项目建设实施；二是强化商务领域监督检查。",
    ]
    words = [Word(t, (40, 100 + 14 * i, 40 + 9 * len(t), 111 + 14 * i), 1) for i, t in enumerate(lines)]
    blocks = page_blocks_from_words(words, PAGE)
    assert len(blocks) == 1 and isinstance(blocks[0], Paragraph)
    assert blocks[0].text.split("\n") == lines


def test_wrapped_cell_joined_by_line_spacing_without_rulings() -> None:
    """A two-line cell (tight leading) beside one-line cells stays one row."""
    w = [
        Word("一级指标", (40, 100, 76, 110), 1), Word("三级指标", (200, 100, 236, 110), 1), Word("指标值", (400, 100, 427, 110), 1),
        Word("产出指标", (40, 118, 76, 128), 1), Word("培训人数", (200, 118, 236, 128), 1), Word("≥100人", (400, 118, 430, 128), 1),
        Word("效益指标", (40, 136, 76, 146), 1), Word("营商环境满意度很长很", (200, 136, 290, 146), 1), Word("≥90%", (400, 136, 422, 146), 1),
        Word("长的说明文字", (200, 147, 254, 157), 1),
        Word("满意度指标", (40, 165, 85, 175), 1), Word("企业满意度", (200, 165, 245, 175), 1), Word("≥95%", (400, 165, 422, 175), 1),
    ]
    [table] = _tables(page_blocks_from_words(w, PAGE))
    assert _texts(table) == [
        ["一级指标", "三级指标", "指标值"],
        ["产出指标", "培训人数", "≥100人"],
        ["效益指标", "营商环境满意度很长很\n长的说明文字", "≥90%"],
        ["满意度指标", "企业满意度", "≥95%"],
    ]


def test_rulings_keep_wrapped_cell_and_spans() -> None:
    """With rules: rows from horizontal rules, merged cells where a rule is missing."""
    xs, ys = [40, 120, 300, 400], [100, 120, 150, 170, 190]
    rulings = [(xs[0], y, xs[-1], y) for y in ys]
    # vertical rules; the one between columns 0 and 1 is missing in the header row (colspan)
    rulings += [(xs[0], ys[0], xs[0], ys[-1]), (xs[-1], ys[0], xs[-1], ys[-1]), (xs[2], ys[0], xs[2], ys[-1])]
    rulings += [(xs[1], ys[1], xs[1], ys[-1])]
    # the horizontal rule under row 1 is missing in column 0 (rowspan over rows 1-2)
    rulings = [r for r in rulings if r != (xs[0], ys[2], xs[-1], ys[2])] + [(xs[1], ys[2], xs[-1], ys[2])]
    w = [
        Word("指标名称", (150, 105, 186, 115), 1), Word("指标值", (330, 105, 357, 115), 1),
        Word("产出指标", (45, 140, 81, 150), 1),  # vertically centred in its merged cell
        Word("培训人数很长很长", (125, 122, 197, 132), 1), Word("的说明", (125, 134, 152, 144), 1), Word("≥100人", (330, 128, 360, 138), 1),
        Word("检查次数", (125, 155, 161, 165), 1), Word("≥12次", (330, 155, 355, 165), 1),
        Word("满意度", (45, 175, 72, 185), 1), Word("企业满意度", (125, 175, 170, 185), 1), Word("≥90%", (330, 175, 352, 185), 1),
    ]
    [table] = _tables(page_blocks_from_words(w, PAGE, rulings))
    assert _texts(table) == [
        ["指标名称", "指标名称", "指标值"],
        ["产出指标", "培训人数很长很长\n的说明", "≥100人"],
        ["产出指标", "检查次数", "≥12次"],
        ["满意度", "企业满意度", "≥90%"],
    ]
    assert table.rows[0][1].merged_from == (0, 0) and table.rows[0][0].colspan == 2
    assert table.rows[2][0].merged_from == (1, 0) and table.rows[1][0].rowspan == 2
    assert table.bbox == pytest.approx((40, 100, 400, 190))


def test_closing_rulings_close_an_open_table_top() -> None:
    # vertical rules start at y=36 with no horizontal rule there (row continued from the last page)
    rulings = [(x, 36, x, 100) for x in (50, 150, 250)] + [(50, 60, 250, 60), (50, 100, 250, 100)]
    assert closing_rulings(rulings) == [(50, 36, 250, 36)]
    assert closing_rulings(rulings + [(50, 36, 250, 36)]) == []


# ---------------------------------------------------------------------------------------
# side-by-side tables


def _grid_rulings(xs: list[float], ys: list[float]) -> list[tuple[float, float, float, float]]:
    """A full lattice: every row and column rule."""
    return [(xs[0], y, xs[-1], y) for y in ys] + [(x, ys[0], x, ys[-1]) for x in xs]


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


def test_side_by_side_from_word_boxes_and_rules() -> None:
    """The lattice path: a header block above two side tables → three tables, captions as paragraphs."""
    rulings = [(40, y, 400, y) for y in (60, 80)] + [(x, 60, x, 80) for x in (40, 120, 400)]  # header block
    # left side: caption row (no inner rule), then rows every 20 pt
    rulings += [(40, y, 200, y) for y in (100, 120, 140)] + [(40, 80, 40, 140), (200, 80, 200, 140), (100, 100, 100, 140)]
    # right side, past a 10 pt gutter: rows every 25 pt
    rulings += [(210, y, 400, y) for y in (100, 125, 150, 175)] + [(210, 80, 210, 175), (400, 80, 400, 175), (300, 100, 300, 175)]
    words = [
        Word("项目名称", (45, 65, 81, 75), 1), Word("专项资金", (125, 65, 161, 75), 1),
        Word("中期绩效指标", (45, 85, 99, 95), 1), Word("年度绩效指标", (215, 85, 269, 95), 1),
        Word("一级指标", (45, 105, 81, 115), 1), Word("指标值", (105, 105, 132, 115), 1),
        Word("产出指标", (45, 125, 81, 135), 1), Word("≥6万人", (105, 125, 135, 135), 1),
        Word("一级指标", (215, 105, 251, 115), 1), Word("指标值", (305, 105, 332, 115), 1),
        Word("产出指标", (215, 130, 251, 140), 1), Word("≥2万人", (305, 130, 335, 140), 1),
        Word("效益指标", (215, 155, 251, 165), 1), Word("≥65%", (305, 155, 327, 165), 1),
    ]
    blocks = page_blocks_from_words(words, PAGE, rulings)
    assert [b.text if isinstance(b, Paragraph) else _texts(b) for b in blocks] == [
        [["项目名称", "专项资金"]],
        "中期绩效指标",
        [["一级指标", "指标值"], ["产出指标", "≥6万人"]],
        "年度绩效指标",
        [["一级指标", "指标值"], ["产出指标", "≥2万人"], ["效益指标", "≥65%"]],
    ]


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


# ---------------------------------------------------------------------------------------
# stitching


def _table(rows: list[list[str]], page: int, xs: list[float], y0: float = 50) -> Table:
    cells = [
        [Cell(t, r, c, bbox=(xs[c], y0 + 20 * r, xs[c + 1], y0 + 20 * r + 20), page=page) for c, t in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    return Table(rows=cells, pages=[page], bbox=(xs[0], y0, xs[-1], y0 + 20 * len(rows)), source="pdf-ruled")


XS = [50, 150, 300, 400, 545]
HEAD = ["一级指标", "二级指标", "三级指标", "指标值"]


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
