"""A goal wrapped over several lines, its label centred beside the middle one, cut by a
line-by-line grid into rows of their own (extract/wrapped_text.py).

The table is built by hand as a line-by-line grid hands it over: one row per printed line,
cells with the boxes a PDF text layer gives. A text export has no boxes and is never joined.
"""

from __future__ import annotations

from jixiao.extract.rules import extract_form
from jixiao.extract.wrapped_text import WRAPPED_VALUE_RULE
from jixiao.model.output import AlignmentStatus
from jixiao.model.source import Cell, Paragraph, Table
from jixiao.segment import FormRegion

LINE = 11.0  # a 10 pt line and its leading
LEFT, RIGHT = 120.0, 546.0  # the goal cell's text area


def _cell(text: str, row: int, col: int, x0: float, x1: float, y0: float, *, boxes: bool = True) -> Cell:
    return Cell(text=text, row=row, col=col, bbox=(x0, y0, x1, y0 + 10.0) if boxes else None, page=1)


def _table(goal_lines: list[tuple[str, float]], label_at: int, *, boxes: bool = True) -> Table:
    """Header rows, then one row per line of the goal (text, right edge), the label on ``label_at``,
    then the indicator table."""
    rows = [[_cell("项目名称", 0, 0, 57, 99, 100, boxes=boxes), _cell("乡村道路养护", 0, 1, LEFT, 240, 100, boxes=boxes)],
            [_cell("年度资金总额", 1, 0, 57, 115, 114, boxes=boxes), _cell("120.00", 1, 1, 396, 425, 114, boxes=boxes)]]
    y = 130.0
    for k, (text, right) in enumerate(goal_lines):
        r = len(rows)
        label = _cell("年度目标" if k == label_at else "", r, 0, 57, 99, y, boxes=boxes)
        rows.append([label, _cell(text, r, 1, LEFT, right, y, boxes=boxes)])
        y += LINE
    y += 8
    for texts in (["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "养护里程", "≥300公里"],
                  ["满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%"]):
        r = len(rows)
        rows.append([_cell(t, r, c, 57 + 120 * c, 150 + 120 * c, y, boxes=boxes) for c, t in enumerate(texts)])
        y += 16
    return Table(rows=rows, exact_grid=False, pages=[1], source="pdf-words")


GOAL = [("完成乡村道路日常养护300公里，修复坑槽路面1.2万平方米，整治", RIGHT),
        ("路肩边沟45公里，路面优良率保持在85%以上，保障沿线群众安全便捷", RIGHT - 4),
        ("出行。", 160.0)]


def _form(table: Table):
    return extract_form(FormRegion(blocks=[Paragraph(text="项目支出绩效目标表", page=1), table], title="项目支出绩效目标表"))


def test_lines_above_and_below_the_labels_row_are_the_goals_own() -> None:
    form = _form(_table(GOAL, label_at=1))
    assert form.goals.annual == "".join(t for t, _ in GOAL)
    ev = form.evidence["goals.annual"]
    assert ev.status is AlignmentStatus.REPAIRED and ev.repairs[-1].rule == WRAPPED_VALUE_RULE
    assert [i.level3 for i in form.indicators] == ["养护里程", "沿线群众满意度"]
    assert not any(f.code == "unread_text" for f in form.flags)


def test_a_short_line_above_did_not_wrap_into_the_goal() -> None:
    # the line above ends far short of the cell's width: it is not a line the goal wrapped
    # from (another cell's text, set at the same left edge), so it stays out of the goal
    lines = [("上年度绩效目标已完成。", 240.0), *GOAL[1:]]
    form = _form(_table(lines, label_at=1))
    assert form.goals.annual == GOAL[1][0] + GOAL[2][0]


def test_a_text_export_without_boxes_is_never_joined_by_position() -> None:
    form = _form(_table(GOAL, label_at=1, boxes=False))
    assert form.goals.annual == GOAL[1][0]
