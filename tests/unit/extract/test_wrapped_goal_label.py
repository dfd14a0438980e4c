"""A goal's label and its value both wrapped over two lines, cut into two rows (hand-built rows).

A line-by-line grid (a PDF table drawn without rules between the lines of a tall row) gives
each printed line a row: ``年度总体目`` beside the value's first line, then ``标`` beside its
last. In a centred cell the last, shorter line is centred under the first. Label and value
are put back together; a lower line that is not the next line of the same cell is left alone.
"""

from __future__ import annotations

from jixiao.extract.rules import extract_form
from jixiao.model.source import Cell, Table
from jixiao.segment import FormRegion

FIRST = "全年举办招商推介活动十场以上，引进项目签约数量较上年"
LAST = "有新的突破。"


def _cell(text: str, row: int, col: int, box: tuple[float, float, float, float], span: int = 1) -> Cell:
    return Cell(text=text, row=row, col=col, colspan=span, bbox=box, page=1)


def _form(last_box: tuple[float, float, float, float]):
    head = Table(rows=[[_cell("项目名称", 0, 0, (40, 60, 100, 75)), _cell("招商推介", 0, 1, (120, 60, 200, 75), span=3)]],
                 pages=[1], source="pdf-ruled")
    goal = Table(rows=[
        [_cell("年度总体目", 0, 0, (41, 100, 101, 115)), _cell(FIRST, 0, 1, (121, 100, 550, 115), span=3)],
        [_cell("标", 1, 0, (65, 115, 77, 130)), _cell(LAST, 1, 2, last_box, span=2)],
    ], pages=[1], source="pdf-ruled")
    ind = Table(rows=[
        [_cell(t, 0, c, (40 + 120 * c, 200, 150 + 120 * c, 215)) for c, t in enumerate(["一级指标", "二级指标", "三级指标", "指标值"])],
        [_cell(t, 1, c, (40 + 120 * c, 220, 150 + 120 * c, 235)) for c, t in enumerate(["产出指标", "数量指标", "推介活动场次", "≥10场"])],
    ], pages=[1], source="pdf-ruled")
    for t in (head, goal, ind):  # fill merged areas with their copies, as ingest does
        for r in t.rows:
            for c in list(r):
                r.extend(Cell(text=c.text, row=c.row, col=c.col + k, bbox=c.bbox, page=1, merged_from=(c.row, c.col))
                         for k in range(1, c.colspan))
            r.sort(key=lambda c: c.col)
    return extract_form(FormRegion(blocks=[head, goal, ind], title="项目支出绩效目标表", pages=[1]))


def test_a_centred_last_line_under_its_wrapped_label_completes_the_goal() -> None:
    form = _form((299, 115, 371, 130))  # centred under the first line (centre 335.5)
    assert form.goals.annual == FIRST + LAST
    assert form.evidence["goals.annual"].repairs


def test_a_line_off_the_cells_centre_and_edge_is_not_the_goals() -> None:
    form = _form((400, 115, 472, 130))
    assert form.goals.annual != FIRST + LAST


def _lone_label_form(below_box: tuple[float, float, float, float], label_box: tuple[float, float, float, float]):
    """中期目标 alone on its row, its value's two lines in the rows above and below (centred cell)."""
    head = Table(rows=[[_cell("项目名称", 0, 0, (40, 60, 100, 75)), _cell("招商推介", 0, 1, (120, 60, 200, 75))]],
                 pages=[1], source="pdf-ruled")
    goal = Table(rows=[
        [_cell("", 0, 0, None), _cell(FIRST, 0, 1, (124, 378, 544, 390))],
        [_cell("中期目标", 1, 0, label_box), _cell("", 1, 1, None)],
        [_cell("", 2, 0, None), _cell(LAST, 2, 1, below_box)],
    ], pages=[1], source="pdf-ruled")
    ind = Table(rows=[
        [_cell(t, 0, c, (40 + 120 * c, 500, 150 + 120 * c, 515)) for c, t in enumerate(["一级指标", "二级指标", "三级指标", "指标值"])],
        [_cell(t, 1, c, (40 + 120 * c, 520, 150 + 120 * c, 535)) for c, t in enumerate(["产出指标", "数量指标", "推介活动场次", "≥10场"])],
    ], pages=[1], source="pdf-ruled")
    return extract_form(FormRegion(blocks=[head, goal, ind], title="项目支出绩效目标表", pages=[1]))


def test_a_label_centred_between_its_values_two_lines_takes_both() -> None:
    form = _lone_label_form((298, 392, 370, 404), (55, 385, 103, 397))
    assert form.goals.long_term == FIRST + LAST
    assert form.evidence["goals.long_term"].repairs


def test_a_label_level_with_one_line_does_not_take_the_other() -> None:
    form = _lone_label_form((298, 392, 370, 404), (55, 393, 103, 405))  # on the lower line, not between
    assert form.goals.long_term != FIRST + LAST
