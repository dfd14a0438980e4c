"""A department form's funding block (上年预算 / 当年预算), then its task list with amounts (hand-written HTML).

The Jiangxi department form prints its task list (年度主要任务名称 | 工作内容 | 对应年度绩效目标 |
预算金额) right under the funding block. The tasks are not items of the block above: they make
no budget lines while the form has a funding block of its own. The block's last row ends with
an item whose name reads like a block label (项目经费), printed after an amount of the row.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.pipeline import extract_file

INDICATORS = ("<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>"
              "<tr><td>产出指标</td><td>数量指标</td><td>举办培训班次数</td><td>&ge;6次</td></tr></table>")

BLOCK = ("<tr><td rowspan=4>当年预算（万元）</td><td>收入合计</td><td>320</td><td>其中：上级财政拨款</td><td>20</td></tr>"
         "<tr><td>本级财政安排</td><td>300</td><td>其他</td><td>0</td></tr>"
         "<tr><td>支出合计</td><td>320</td><td>其中：人员经费</td><td>250</td></tr>"
         "<tr><td>公用经费</td><td>40</td><td>项目经费</td><td>30</td></tr>")

TASKS = ("<tr><td>年度主要任务名称</td><td>工作内容</td><td>对应年度绩效目标</td><td colspan=2>预算金额（万元）</td></tr>"
         "<tr><td>机关运行</td><td>保障机关日常运转</td><td>保障单位正常运转</td><td colspan=2>290</td></tr>"
         "<tr><td>技能培训</td><td>组织农民技能培训</td><td>全年培训农民300人次</td><td colspan=2>30</td></tr>")


def _form(tmp_path: Path, rows: str):
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>部门整体支出绩效目标设置申报表</p><table>"
                    "<tr><td>部门（单位）名称</td><td colspan=4>某县农业农村局</td></tr>"
                    f"{rows}</table>{INDICATORS}</body></html>", encoding="utf-8")
    return extract_file(page).forms[0]


def test_an_item_named_like_a_block_after_an_amount_is_read(tmp_path: Path) -> None:
    form = _form(tmp_path, BLOCK)
    lines = {(ln.section, ln.item, ln.amount) for ln in form.budget.lines}
    assert ("当年预算", "公用经费", 40.0) in lines
    assert ("当年预算", "项目经费", 30.0) in lines
    assert not [f for f in form.flags if f.code == "budget_unread"]


def test_a_task_list_under_the_funding_block_makes_no_lines(tmp_path: Path) -> None:
    form = _form(tmp_path, BLOCK + TASKS)
    items = [ln.item for ln in form.budget.lines]
    assert {ln.section for ln in form.budget.lines} == {"当年预算"}
    assert "保障单位正常运转" not in items and "全年培训农民300人次" not in items
    assert form.budget.total == 320.0

