"""Funding blocks whose column headings are periods of the total (Sichuan 中期 / 年度 template).

A medium-term form prints ``资金来源 | 中期资金总额 | 年度资金总额`` over rows of funds
(合计 / 其中：财政拨款 / 其他资金). Copied as text the row structure is gone: one cell per line
(a browser's copy of the table) or a row's cells glued with no separator. Two totals side by
side are never the parts of one whole, so they are the columns and the rows are the funds.
Written by hand the way such copies look; not drawn from any golden file.
"""

from __future__ import annotations

from jixiao.domain import vocab
from jixiao.extract.budget_glued import split_budget_run
from jixiao.extract.stream import extract_stream

HEAD = "项目支出绩效目标表\n项目名称\n某县乡村振兴人才培训\n主管部门\n某县农业农村局\n"
INDICATORS = "一级指标\n二级指标\n三级指标\n指标值\n产出指标\n数量指标\n培训人次\n≥300人次\n"

ONE_CELL_PER_LINE = HEAD + """项目资金（万元）
资金来源
实施期资金总额
年度资金总额
合计
900.00
300.00
其中：财政拨款
800.00
260.00
其他资金
100.00
40.00
""" + INDICATORS

GLUED = HEAD + """项目资金（万元）资金来源实施期资金总额年度资金总额
合计900.00300.00
其中：财政拨款800.00260.00
其他资金100.0040.00
""" + INDICATORS

EXPECTED = {
    ("合计", "实施期资金总额", 900.0), ("合计", "年度资金总额", 300.0),
    ("财政拨款", "实施期资金总额", 800.0), ("财政拨款", "年度资金总额", 260.0),
    ("其他资金", "实施期资金总额", 100.0), ("其他资金", "年度资金总额", 40.0),
}


def _lines(text: str) -> set[tuple]:
    form = extract_stream(text).forms[0]
    return {(ln.item, ln.column, ln.amount) for ln in form.budget.lines}


def test_period_totals_are_columns_in_a_one_cell_per_line_copy() -> None:
    assert _lines(ONE_CELL_PER_LINE) == EXPECTED
    form = extract_stream(ONE_CELL_PER_LINE).forms[0]
    assert (form.budget.total, form.budget.fiscal) == (300.0, 260.0)  # the year's column, not the period's


def test_period_totals_are_columns_in_a_glued_copy() -> None:
    assert _lines(GLUED) == EXPECTED


def test_a_glued_heading_row_of_period_totals_is_cut_into_cells() -> None:
    text = "项目资金（万元）资金来源中期资金总额年度资金总额"
    spans = split_budget_run(text)
    assert spans is not None
    assert [text[a:b] for a, b in spans] == ["项目资金（万元）", "资金来源", "中期资金总额", "年度资金总额"]


def test_names_period_total() -> None:
    assert vocab.names_period_total("中期资金总额")
    assert vocab.names_period_total("年度资金总额")
    assert vocab.names_period_total("2024年资金总额")
    assert not vocab.names_period_total("其中：财政拨款")
    assert not vocab.names_period_total("中期目标")
