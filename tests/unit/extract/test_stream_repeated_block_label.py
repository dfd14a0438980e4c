"""A funding block whose merged label is printed again on every row it spans.

Copying a table whose block label is a merged cell (项目资金（万元） down the block's left edge)
often repeats that text on each row: a spreadsheet copy fills merged cells, and a row copied
with its cells glued keeps the label in front of every row. The label is the block's, not an
item of the row. Written by hand the way such copies look; not drawn from any golden file.
"""

from __future__ import annotations

import pytest

from jixiao.extract.stream import extract_stream

HEAD = "某市市级项目预算绩效目标表\n项目名称\n社区图书室运维\n"
TAIL = "一级指标\n二级指标\n三级指标\n指标值\n产出指标\n数量指标\n图书室开放天数\n≥300天\n"

GLUED = HEAD + """项目资金（万元）收入全年预算数
项目资金（万元）资金总额80
项目资金（万元）财政拨款小计80
项目资金（万元）财政拨款一般公共预算资金80
项目资金（万元）其他资金0
""" + TAIL

PIPE = HEAD + """项目资金（万元） | 收入 |  | 全年预算数
项目资金（万元） | 资金总额 |  | 80
项目资金（万元） | 财政拨款 | 小计 | 80
项目资金（万元） | 财政拨款 | 一般公共预算资金 | 80
项目资金（万元） | 其他资金 |  | 0
""" + TAIL

EXPECTED = {
    ("收入", "资金总额", "全年预算数", 80.0), ("收入", "财政拨款", "全年预算数", 80.0),
    ("收入", "一般公共预算资金", "全年预算数", 80.0), ("收入", "其他资金", "全年预算数", 0.0),
}


@pytest.mark.parametrize("text", [GLUED, PIPE], ids=["glued", "pipe"])
def test_a_repeated_block_label_is_no_item(text: str) -> None:
    form = extract_stream(text).forms[0]
    assert {(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines} == EXPECTED
    assert (form.budget.total, form.budget.fiscal) == (80.0, 80.0)
