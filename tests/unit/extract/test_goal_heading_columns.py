"""Goal headings printed as one line, their texts wrapped down three columns of a grid cut
line by line (hand-built rows): the middle column's centred lines fall between the others',
so no row holds one text per heading. The cells' spans across the page part them into columns.
"""

from __future__ import annotations

from jixiao.extract.rules import extract_form
from jixiao.model.source import Cell, Paragraph, Table
from jixiao.segment import FormRegion


def _cell(text: str, row: int, col: int, box: tuple[float, float, float, float]) -> Cell:
    return Cell(text=text, row=row, col=col, bbox=box, page=1)


def _form(middle_x: float):
    head = Table(rows=[[_cell("部门（单位）名称", 0, 0, (40, 60, 120, 75)), _cell("某县农业农村局", 0, 1, (130, 60, 300, 75))]],
                 pages=[1], source="pdf-ruled")
    heading = Paragraph(text="部门职能分解  部门中期目标  部门年度绩效目标", page=1, bbox=(110, 90, 490, 99))
    m = middle_x
    goals = Table(rows=[
        [_cell("负责全县农业农村发展规划", 0, 0, (42, 102, 240, 111)), _cell("全年新建高标准农田三万亩，", 0, 1, (358, 102, 551, 111))],
        [_cell("三年内建成高标准", 1, 0, (m, 107, m + 100, 116))],
        [_cell("的拟定和实施。", 2, 0, (42, 113, 180, 122)), _cell("培训高素质农民五百人。", 2, 1, (358, 113, 520, 122))],
        [_cell("农田十万亩。", 3, 0, (m + 5, 118, m + 95, 127))],
    ], pages=[1], source="pdf-ruled")
    ind = Table(rows=[
        [_cell(t, 0, c, (40 + 120 * c, 200, 150 + 120 * c, 215)) for c, t in enumerate(["一级指标", "二级指标", "三级指标", "指标值"])],
        [_cell(t, 1, c, (40 + 120 * c, 220, 150 + 120 * c, 235)) for c, t in enumerate(["产出指标", "数量指标", "新建农田面积", "≥3万亩"])],
    ], pages=[1], source="pdf-ruled")
    return extract_form(FormRegion(blocks=[head, heading, goals, ind], title="部门整体支出绩效目标表", pages=[1]))


def test_the_columns_of_the_cut_grid_are_the_headings_texts() -> None:
    form = _form(246)
    assert form.goals.long_term == "三年内建成高标准农田十万亩。"
    assert form.goals.annual == "全年新建高标准农田三万亩，培训高素质农民五百人。"


def test_columns_that_run_into_each_other_are_not_parted() -> None:
    form = _form(200)  # the middle lines overlap the left column's span: two groups for three headings
    assert form.goals.long_term is None and form.goals.annual is None


def test_the_first_lines_printed_above_the_grid_belong_to_their_columns() -> None:
    # the first lines of the left and right columns above the grid's first rule: paragraph lines
    head = Table(rows=[[_cell("部门（单位）名称", 0, 0, (40, 60, 120, 75)), _cell("某县农业农村局", 0, 1, (130, 60, 300, 75))]],
                 pages=[1], source="pdf-ruled")
    heading = Paragraph(text="部门职能分解  部门中期目标  部门年度绩效目标", page=1, bbox=(110, 90, 490, 99))
    left = Paragraph(text="负责全县农业农村发展规划", page=1, bbox=(42, 100, 240, 109))
    right = Paragraph(text="2024年新建高标准农田三万亩，", page=1, bbox=(358, 104, 551, 113))
    goals = Table(rows=[
        [_cell("的拟定和实施。", 0, 0, (42, 112, 180, 121)), _cell("2024年，三年内建成", 0, 1, (250, 112, 345, 121))],
        [_cell("培训高素质农民五百人。", 1, 0, (358, 116, 520, 125))],
        [_cell("高标准农田十万亩。", 2, 0, (252, 121, 343, 130))],
    ], pages=[1], source="pdf-ruled")
    ind = Table(rows=[
        [_cell(t, 0, c, (40 + 120 * c, 200, 150 + 120 * c, 215)) for c, t in enumerate(["一级指标", "二级指标", "三级指标", "指标值"])],
        [_cell(t, 1, c, (40 + 120 * c, 220, 150 + 120 * c, 235)) for c, t in enumerate(["产出指标", "数量指标", "新建农田面积", "≥3万亩"])],
    ], pages=[1], source="pdf-ruled")
    form = extract_form(FormRegion(blocks=[head, heading, left, right, goals, ind], title="部门整体支出绩效目标表", pages=[1]))
    assert form.goals.long_term == "2024年，三年内建成高标准农田十万亩。"
    assert form.goals.annual == "2024年新建高标准农田三万亩，培训高素质农民五百人。"
