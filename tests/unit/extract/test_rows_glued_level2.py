"""A level2 label printed on rows read as one (hand-built rows of an unruled PDF table).

A merged level2 cell is centred on its span. When the rows beside it were read as one (the
target cell holds several values, one per line), the label's row says nothing sure about
where its span begins: the row above, filled down with the previous level2, is flagged.
"""

from __future__ import annotations

from jixiao.extract.rules import extract_form
from jixiao.model.source import Cell, Table
from jixiao.segment import FormRegion


def _row(r: int, texts: list[str]) -> list[Cell]:
    return [Cell(text=t, row=r, col=c, bbox=(40 + 120 * c, 100 + 20 * r, 150 + 120 * c, 112 + 20 * r), page=1)
            for c, t in enumerate(texts)]


def _form(last: list[str]):
    head = Table(rows=[[Cell(text="项目名称", row=0, col=0, bbox=(40, 60, 100, 72), page=1),
                        Cell(text="招商推介", row=0, col=1, bbox=(120, 60, 200, 72), page=1)]], pages=[1], source="pdf-ruled")
    ind = Table(rows=[_row(0, ["一级指标", "二级指标", "三级指标", "指标值"]),
                      _row(1, ["产出指标", "数量指标", "推介活动场次", "≥10场"]),
                      _row(2, ["", "", "新引进项目开工率", "≥70%"]),
                      _row(3, last)], pages=[1], source="pdf-ruled")
    return extract_form(FormRegion(blocks=[head, ind], title="项目支出绩效目标表", pages=[1]))


def test_the_row_above_a_label_on_glued_rows_is_flagged() -> None:
    form = _form(["", "质量指标", "项目落户流程规范执行率\n项目符合规划执行率", "=100%\n≥80%"])
    above = form.indicators[1]
    assert above.level2 == "数量指标"
    assert any(f.code == "rows_glued" and f.field == "level2" for f in above.flags)


def test_a_label_on_a_row_of_its_own_flags_nothing_above() -> None:
    form = _form(["", "质量指标", "项目落户流程规范执行率", "=100%"])
    assert not any(f.field == "level2" for f in form.indicators[1].flags)
