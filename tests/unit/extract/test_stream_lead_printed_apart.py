"""A table's lead label (长期绩效指标 / 年度绩效指标) printed after its rows.

A PDF viewer's default copy order (poppler's, without -layout) prints a merged cell on the
table's left edge apart from its rows: the level columns and the lead cell spanning them come
after the rows they label. A lead met amid that level column names the table just read, not
a table to come. Written by hand in that order; not drawn from any golden file.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream

TEXT = """部门整体绩效目标表
部门（单位）名称
某市商务局
一级指标
二级指标
三级指标
指标值
公用经费控制率
≤10%
在职人员控制率
≤100%
公用经费控制
运行成本
长期绩效指
标
在职人员控制
年度目标：
一级指标
二级指标
三级指标
指标值
公用经费控制率
≤8%
在职人员控制率
≤98%
公用经费控制
运行成本
年度绩效指
标
在职人员控制
"""


def test_a_lead_after_its_rows_names_the_table_just_read() -> None:
    form = extract_stream(TEXT).forms[0]
    got = [(ind.scope, ind.level3, ind.target) for ind in form.indicators]
    assert got == [
        ("long_term", "公用经费控制率", "≤10%"), ("long_term", "在职人员控制率", "≤100%"),
        ("annual", "公用经费控制率", "≤8%"), ("annual", "在职人员控制率", "≤98%"),
    ]


def test_a_lead_before_its_header_still_opens_the_table() -> None:
    text = TEXT.replace("一级指标\n二级指标\n三级指标\n指标值\n公用经费控制率\n≤10%",
                        "长期绩效指标\n一级指标\n二级指标\n三级指标\n指标值\n公用经费控制率\n≤10%", 1)
    text = text.replace("运行成本\n长期绩效指\n标\n", "运行成本\n", 1)
    form = extract_stream(text).forms[0]
    assert [ind.scope for ind in form.indicators][:2] == ["long_term", "long_term"]
