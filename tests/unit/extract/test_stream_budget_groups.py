"""Budget blocks of department forms copied one cell per line (a browser copy of the table).

A 部门整体 form prints 收入构成 / 支出构成 row groups under one row of column headings, a
"近两年收支金额" heading spanning the year columns under it, and empty rows whose cells the
copy skips. Written by hand the way such a copy looks; not drawn from any golden file.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream

DEPT_FORM = """部门整体绩效目标表
单位：万元
部门（单位）名称
某市农业农村局
部门总体资金情况
总体资金情况
当年金额
占比
近两年收支金额
2022年
2023年
收入构成
财政拨款
500.00
100%
420.50
390.00
财政专户管理资金
单位资金
合  计
500.00
100%
420.50
390.00
支出构成
人员类项目支出
120.00
24%
110.00
100.00
合  计
500.00
100%
420.50
390.00
"""


def _lines() -> list[tuple[str | None, str | None, str | None, float | None]]:
    form = extract_stream(DEPT_FORM).forms[0]
    return [(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines]


def test_row_groups_keep_the_column_headings_and_year_columns_under_a_span():
    lines = _lines()
    assert ("收入构成", "财政拨款", "当年金额", 500.0) in lines
    assert ("收入构成", "财政拨款", "2022年", 420.5) in lines
    assert ("收入构成", "财政拨款", "2023年", 390.0) in lines
    assert ("支出构成", "人员类项目支出", "占比", 24.0) in lines
    assert not any(col and "近两年" in col for _s, _i, col, _a in lines)


def test_a_total_after_empty_rows_is_its_own_row_in_its_group():
    lines = _lines()
    assert ("收入构成", "合计", "当年金额", 500.0) in lines
    assert not any(sec == "单位资金" for sec, *_ in lines)
    form = extract_stream(DEPT_FORM).forms[0]
    assert form.budget.total == 500.0 and form.budget.fiscal == 500.0


PROJECT_FORM = """项目支出绩效目标表
项目名称
乡村道路养护
预算规模及资金用途
预算数
80万元
其中：财政资金
80万元
其他资金
主要用于道路日常养护。
资金支出计划（%）
3月底
6月底
9月底
12月底
10%
40%
70%
100%
"""


def test_a_heading_with_its_own_amount_is_a_row_and_a_plan_row_fills_its_columns():
    form = extract_stream(PROJECT_FORM).forms[0]
    lines = [(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines]
    assert ("预算规模及资金用途", "预算数", None, 80.0) in lines
    assert ("预算规模及资金用途", "财政资金", None, 80.0) in lines  # not under a 预算数 column
    plan = [(col, amt) for sec, item, col, amt in lines if sec == "资金支出计划"]
    assert plan == [("3月底", 10.0), ("6月底", 40.0), ("9月底", 70.0), ("12月底", 100.0)]


PROSE_FORM = """项目支出绩效目标表
项目名称：社区养老服务补助
项目资金（万元）：收入 全年预算数
资金总额：60
财政拨款：60
其他资金：0
支出：半年计划执行数 全年预算数
服务补助：30 60
"""


def test_a_prose_block_label_carrying_its_section_and_column_in_one_value():
    form = extract_stream(PROSE_FORM).forms[0]
    lines = [(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines]
    assert ("收入", "资金总额", "全年预算数", 60.0) in lines
    assert ("收入", "财政拨款", "全年预算数", 60.0) in lines
    assert form.budget.total == 60.0 and form.budget.fiscal == 60.0
