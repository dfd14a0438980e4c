"""A row's label caught in the middle of its own wrapped text (hand-written HTML).

A table ruled between rows only reaches the reader as one cell per such row: the label,
centred vertically, is a line between the text's wrapped lines.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.pipeline import extract_file

INDICATORS = ("<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>"
              "<tr><td>产出指标</td><td>数量指标</td><td>运维设施数量</td><td>&ge;320座</td></tr>"
              "<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>群众满意度</td><td>&ge;90%</td></tr></table>")


def _form(tmp_path: Path, budget: str, goal: str) -> object:
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>项目支出绩效目标表</p><table>"
                    "<tr><td>项目名称</td><td colspan=3>农村污水设施运维</td></tr>"
                    f"<tr><td colspan=4>{budget}</td></tr><tr><td colspan=4>{goal}</td></tr></table>"
                    f"{INDICATORS}</body></html>", encoding="utf-8")
    return extract_file(page).forms[0]


def test_the_label_line_inside_a_sentence_is_the_rows_label(tmp_path: Path) -> None:
    form = _form(tmp_path, "年度预算资金共计1,234,500.00元，其中：一般公共预算拨款1,034,500.00元，政府性基金预算拨"
                           "<br>资金情况<br>款200,000.00元，其他资金0元。",
                 "对全市320座以上设施实施专业化运维，设施正常运行率达到90%以上，出水<br>年度绩效目标<br>水质达标率达到85%以上。")
    lines = {(ln.section, ln.item, ln.amount) for ln in form.budget.lines}
    assert ("资金情况", "政府性基金预算拨款", 20.0) in lines
    assert form.budget.total == 123.45 and form.budget.fiscal == 123.45
    assert form.goals.annual == "对全市320座以上设施实施专业化运维，设施正常运行率达到90%以上，出水水质达标率达到85%以上。"


def test_a_label_opening_or_closing_the_cell_is_left_alone() -> None:
    from jixiao.extract.rows import CellView, RowView
    from jixiao.extract.rules import _split_embedded_labels
    from jixiao.model.source import Cell

    def row(text: str) -> RowView:
        return RowView(cells=[CellView(text=text.replace("\n", ""), col=0, cell=Cell(text=text, row=0, col=0))],
                       exact=True, table_index=0, row_index=0)

    first, last, inside = row("资金情况\n财政资金100万元\n其他资金20万元"), row("财政资金100万元\n其他资金20万元\n资金情况"), \
        row("财政资金100万元，其他资\n资金情况\n金20万元")
    _split_embedded_labels([first, last, inside])
    assert len(first.cells) == 1 and len(last.cells) == 1
    assert [c.text for c in inside.cells] == ["资金情况", "财政资金100万元，其他资金20万元"]


def test_a_numbered_goal_label_inside_the_goal_text_beside_its_row_label() -> None:
    from jixiao.extract.rows import CellView, RowView
    from jixiao.extract.rules import _split_embedded_labels
    from jixiao.model.source import Cell

    text = "加强企业对接、园区对接，宣\n目标1\n传推介投资环境。"
    row = RowView(cells=[CellView(text="绩效目标", col=0, cell=Cell(text="绩效目标", row=0, col=0)),
                         CellView(text=text.replace("\n", ""), col=1, cell=Cell(text=text, row=0, col=1))],
                  exact=True, table_index=0, row_index=0)
    _split_embedded_labels([row])
    assert [c.text for c in row.cells] == ["绩效目标", "目标1", "加强企业对接、园区对接，宣传推介投资环境。"]
