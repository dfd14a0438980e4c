"""Page blocks from word/OCR boxes, with and without rulings (jixiao.layout.page)."""

from __future__ import annotations

import pytest
from fixtures import make_fixtures as fx

from jixiao.model.source import Paragraph, Word
from jixiao.layout import page_blocks_from_words

from .builders import PAGE, _ocr_like_words, _tables, _texts


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


def test_first_row_cell_wrapped_above_the_rest_of_its_row_stays_in_the_table() -> None:
    """A page that continues an unruled table opens with a wrapped cell whose first line stands
    alone a line pitch above its row: that line is the cell's, not a paragraph over the table."""
    w = [
        Word("“三重一大”事项", (200, 40, 263, 50), 1),
        Word("决策制度执行", (205, 51, 259, 61), 1), Word("=100%", (400, 46, 425, 56), 1),
        Word("时效指标", (100, 75, 136, 85), 1), Word("项目完成期限", (205, 75, 259, 85), 1), Word("年底前", (400, 75, 427, 85), 1),
        Word("成本指标", (100, 99, 136, 109), 1), Word("资金支出成本", (205, 99, 259, 109), 1), Word("≤60万元", (400, 99, 433, 109), 1),
    ]
    blocks = page_blocks_from_words(w, PAGE)
    assert not [b for b in blocks if isinstance(b, Paragraph)]
    [table] = _tables(blocks)
    assert _texts(table)[0] == ["", "“三重一大”事项\n决策制度执行", "=100%"]


def test_a_caption_over_an_unruled_table_stays_a_paragraph() -> None:
    """A line above the table that runs wider than the column under it is no wrapped cell."""
    w = [
        Word("附表：项目绩效目标表（单位：万元）", (100, 40, 400, 50), 1),
        Word("时效指标", (100, 53, 136, 63), 1), Word("项目完成期限", (205, 53, 259, 63), 1), Word("年底前", (400, 53, 427, 63), 1),
        Word("成本指标", (100, 77, 136, 87), 1), Word("资金支出成本", (205, 77, 259, 87), 1), Word("≤60万元", (400, 77, 433, 87), 1),
    ]
    blocks = page_blocks_from_words(w, PAGE)
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["附表：项目绩效目标表（单位：万元）"]


def _centred_rows(rows: list[list[list[str]]], xs: list[float], y0: float, line: float = 15.0, lead: float = 0.6,
                  pad: float = 6.6) -> list[Word]:
    """Unruled rows as a browser draws them: each cell's lines stacked ``lead`` apart, every
    cell centred vertically in its row, rows ``pad`` apart (the cells' padding)."""
    words: list[Word] = []
    y = y0
    for row in rows:
        height = max(len(cell) for cell in row) * (line + lead) - lead
        for x, cell in zip(xs, row):
            top = y + (height - (len(cell) * (line + lead) - lead)) / 2
            for k, text in enumerate(cell):
                t = top + k * (line + lead)
                words.append(Word(text, (x, t, x + 9.0 * len(text), t + line), 1))
        y += height + pad
    return words


def test_wrapped_unruled_rows_beside_centred_one_line_cells_stay_whole() -> None:
    """Two- and three-line names beside one-line values centred between their lines: each
    row stays one row (whole visual lines grouped by gaps would cut every row in two)."""
    xs = [40.0, 200.0, 400.0, 470.0]
    rows = [
        [["三级指标"], ["指标解释"], ["值类型"], ["指标值"]],
        [["农村公路日常"], ["纳入日常养护的县", "道、乡道、村道里", "程"], ["定量"], ["≥11800"]],
        [["农村公路危桥", "改造座数"], ["完成四、五类危桥", "改造的数量"], ["定量"], ["=32"]],
        [["安全生命防护"], ["完成农村公路安全", "生命防护工程的里", "程"], ["定量"], ["≥260"]],
        [["补助资金下达", "时间"], ["省级补助资金到位", "后下达的天数"], ["定量"], ["≤30"]],
    ]
    [table] = _tables(page_blocks_from_words(_centred_rows(rows, xs, 100.0), PAGE))
    assert _texts(table) == [["\n".join(cell) for cell in row] for row in rows]


def test_label_rows_over_amount_rows_are_not_joined_as_wraps() -> None:
    """A row of labels set as tight over its row of amounts as wrapped lines are (no cell
    padding between them) stays two rows: the upper line of a wrapped row is the wider."""
    def w(text: str, x: float, y: float) -> Word:
        return Word(text, (x, y, x + 9.0 * len(text), y + 15.0), 1)

    words = [
        w("项目名称", 40, 100), w("岳阳市公路建设", 200, 100), w("项目属性", 330, 100), w("经常性项目", 460, 100),
        w("项目资金", 40, 121), w("资金总额", 200, 121), w("财政拨款", 330, 121), w("其他资金", 460, 121),
        w("2,350.00", 200, 136.6), w("2,350.00", 330, 136.6), w("0.00", 460, 136.6),
        w("年度目标", 40, 166), w("完成全市农村公路", 200, 158.2), w("日常养护", 200, 173.8), w("说明", 330, 166),
    ]
    [table] = _tables(page_blocks_from_words(words, PAGE))
    assert [r[1].text for r in table.rows][1:3] == ["资金总额", "2,350.00"]


def test_a_merged_cell_cut_into_an_l_by_a_stray_rule_is_one_cell() -> None:
    """A rule piece reaching into a merged lead cell (a border of the row above, drawn into
    the header row) cuts an empty sliver off it: the cell is its bounding box, as a table
    finder reads it. A sliver holding text stays a cell of its own."""
    from jixiao.model.source import Table

    hs = [(50, 100, 450, 100), (100, 130, 450, 130), (150, 160, 450, 160), (150, 190, 450, 190), (50, 220, 450, 220)]
    vs = [(50, 100, 50, 220), (100, 100, 100, 130), (150, 100, 150, 220), (300, 100, 300, 220), (450, 100, 450, 220)]
    words = [Word("三级指标", (160, 110, 196, 120), 1), Word("指标值", (310, 110, 337, 120), 1),
             Word("年度指标", (60, 170, 96, 180), 1)]
    for i, (name, value) in enumerate([("培训人数", "100人"), ("合格率", "95%"), ("满意度", "90%")]):
        y = 140 + 30 * i
        words += [Word(name, (160, y, 196, y + 10), 1), Word(value, (310, y, 337, y + 10), 1)]
    [table] = _tables(page_blocks_from_words(words, PAGE, hs + vs))
    lead = table.rows[0][0]
    assert (lead.text, lead.rowspan, lead.colspan) == ("年度指标", 4, 2)
    assert table.rows[3][1].merged_from == (0, 0)
    [table] = _tables(page_blocks_from_words(words + [Word("注", (110, 110, 120, 120), 1)], PAGE, hs + vs))
    assert table.rows[0][1].text == "注" and table.rows[0][1].merged_from is None
    assert isinstance(table, Table)


def test_rules_a_dash_short_of_each_other_still_make_one_ruled_table() -> None:
    """Dashed borders: the vertical rules stop 2.8 pt short of the rows' rules (the finder
    joins lines up to 3 pt apart). The band is a ruled table, not whitespace."""
    from jixiao.model.source import Table

    hs = [(50, 100, 450, 100), (50, 130, 450, 130), (50, 160, 450, 160)]
    vs = [(x, 102.8, x, 157.2) for x in (50, 200, 450)]
    words = [Word("项目名称", (60, 110, 96, 120), 1), Word("某项目", (210, 110, 237, 120), 1),
             Word("实施单位", (60, 140, 96, 150), 1), Word("某单位", (210, 140, 237, 150), 1)]
    unruled: list[Table] = []
    [table] = _tables(page_blocks_from_words(words, PAGE, hs + vs, unruled=unruled))
    assert _texts(table) == [["项目名称", "某项目"], ["实施单位", "某单位"]]
    assert unruled == []
