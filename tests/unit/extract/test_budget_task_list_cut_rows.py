"""A project form's task list with amounts, its grid cut into one row per printed line (hand-written HTML).

The Jiangxi project form's funding block is its task list: 年度主要任务 | 任务名称 | 主要内容 |
预算金额（万元） over 总额 | 财政拨款 | 其他资金. Read from a PDF whose rows were cut at every
printed line, the section label wraps over two rows (年度主要任 / 务), the task's name is a cell
merged down the task's rows (its copy beside the total row), and the amount sits on a middle
line. The heading row opens the block; the funds under the amount heading are its columns.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.pipeline import extract_file

INDICATORS = ("<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>"
              "<tr><td>产出指标</td><td>数量指标</td><td>举办推介会场次</td><td>&ge;2场</td></tr></table>")


def _form(tmp_path: Path, rows: str):
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>项目绩效目标指标表</p><table>"
                    "<tr><td>部门名称</td><td colspan=5>某县商务局</td></tr>"
                    f"{rows}</table>{INDICATORS}</body></html>", encoding="utf-8")
    return extract_file(page).forms[0]


CUT = ("<tr><td></td><td>任务名称</td><td>主要内容</td><td colspan=3>预算金额（万元）</td></tr>"
       "<tr><td></td><td rowspan=4>任务1</td><td></td><td>总额</td><td>财政拨款</td><td>其他资金</td></tr>"
       "<tr><td>年度主要任</td><td>举办招商推</td><td></td><td></td><td></td></tr>"
       "<tr><td>务</td><td>介会等活动</td><td>45</td><td></td><td></td></tr>"
       "<tr><td></td><td>金额合计</td><td>45</td><td>40</td><td>5</td></tr>")


def test_the_cut_task_list_makes_lines_under_its_fund_columns(tmp_path: Path) -> None:
    form = _form(tmp_path, CUT)
    lines = {(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines}
    assert lines == {("年度主要任务", "任务1", "总额", 45.0), ("年度主要任务", "金额合计", "总额", 45.0),
                     ("年度主要任务", "金额合计", "财政拨款", 40.0), ("年度主要任务", "金额合计", "其他资金", 5.0)}
    assert form.budget.total == 45.0 and form.budget.fiscal == 40.0


GLUED = ("<tr><td></td><td>任务名称</td><td>主要内容</td><td>总额</td><td>预算金额（万元）<br>财政拨款</td><td>其他资金</td></tr>"
         "<tr><td>年度主要任务</td><td>任务1</td><td>举办招商推介会等活动</td><td>45</td><td></td><td></td></tr>"
         "<tr><td></td><td>金额合计</td><td></td><td>45</td><td>40</td><td>5</td></tr>")


def test_a_fund_glued_under_the_amount_heading_is_a_column(tmp_path: Path) -> None:
    form = _form(tmp_path, GLUED)
    lines = {(ln.item, ln.column, ln.amount) for ln in form.budget.lines}
    assert ("金额合计", "财政拨款", 40.0) in lines and ("任务1", "总额", 45.0) in lines
    assert form.budget.total == 45.0 and form.budget.fiscal == 40.0
