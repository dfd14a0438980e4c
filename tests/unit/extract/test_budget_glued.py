"""Funding-block rows copied with no separator between cells, cut back into cells.

Hand-written in the style of a web page copied as plain text with the cell borders lost
(``项目资金（万元）年度资金总额860.00``); not drawn from any golden file.
"""

from __future__ import annotations

import pytest

from jixiao.extract.budget_glued import split_budget_run
from jixiao.extract.stream import extract_stream


def _cells(text: str) -> list[str] | None:
    spans = split_budget_run(text)
    return None if spans is None else [text[a:b] for a, b in spans]


@pytest.mark.parametrize("text, cells", [
    ("项目资金（万元）年度资金总额512.30", ["项目资金（万元）", "年度资金总额", "512.30"]),
    ("项目资金（万元）其中", ["项目资金（万元）", "其中"]),
    ("合计1,200,000.00600,000.00600,000.00", ["合计", "1,200,000.00", "600,000.00", "600,000.00"]),
    ("资金情况资金来源全年预算数1-6月计划支出数", ["资金情况", "资金来源", "全年预算数", "1-6月计划支出数"]),
    ("部门预算资金资金总额9876.54", ["部门预算资金", "资金总额", "9876.54"]),
    ("年度预算申请资金总额财政拨款其他资金", ["年度预算申请", "资金总额", "财政拨款", "其他资金"]),
    ("上年预算数410.00300.00110.00", ["上年预算数", "410.00", "300.00", "110.00"]),
    ("项目资金（万元）年度资金总额：70.50其中：财政拨款60.00其他资金10.50",
     ["项目资金（万元）", "年度资金总额：", "70.50", "其中：财政拨款", "60.00", "其他资金", "10.50"]),
    ("资金支出计划（%）3月底6月底9月底12月底", ["资金支出计划（%）", "3月底", "6月底", "9月底", "12月底"]),
    ("财政拨款小计75.00", ["财政拨款", "小计", "75.00"]),
    ("收入合计734.05", ["收入合计", "734.05"]),
    # an item of the block's own (not a fund of the vocabulary), after its section or naming spending
    ("支出构成人员类项目支出1546.7318.94%1648.541774.61",
     ["支出构成", "人员类项目支出", "1546.73", "18.94%", "1648.54", "1774.61"]),
    ("运转类项目支出248.353.04%257.32", ["运转类项目支出", "248.35", "3.04%", "257.32"]),
])
def test_glued_rows_are_cut_into_cells(text: str, cells: list[str]) -> None:
    assert _cells(text) == cells


@pytest.mark.parametrize("text", [
    "项目资金", "年度资金总额", "收入合计", "金额合计",  # one cell already
    "预算执行率100%", "培训覆盖人次≥500人次", "维修养护工程验收合格率=100%",  # indicators, not budget rows
    "预算执行率95.21%91.76%99%",  # an indicator's history: rates only
    "接待客商人数20.0030.00",  # no spending or fund word, no block label before it
    "资金情况 年度资金总额 100",  # cells still separated
])
def test_other_text_is_left_alone(text: str) -> None:
    assert split_budget_run(text) is None


CONCAT = """\
项目支出绩效目标表
单位：万元
项目名称城区绿化提升工程
主管部门市城市管理局实施单位市园林绿化中心
项目资金（万元）年度资金总额420.00
项目资金（万元）其中：财政拨款400.00
项目资金（万元）其他资金20.00
年度目标完成城区绿化提升，新增绿地面积5公顷。
一级指标二级指标三级指标指标值
产出指标数量指标新增绿地面积≥5公顷
满意度指标服务对象满意度指标市民满意度≥90%
"""


def test_stream_reads_glued_budget_rows_with_their_section() -> None:
    forms = extract_stream(CONCAT).forms
    assert len(forms) == 1
    lines = [(ln.section, ln.item, ln.amount) for ln in forms[0].budget.lines]
    assert lines == [("项目资金", "年度资金总额", 420.0), ("项目资金", "财政拨款", 400.0), ("项目资金", "其他资金", 20.0)]
    ev = forms[0].budget.lines[0].evidence["amount"]
    assert ev.line == 5 and ev.source_text == "420.00"  # grounded to the exact source span
    assert CONCAT.splitlines()[4][ev.span[0]:ev.span[1]] == "420.00"
    assert forms[0].budget.total == 420.0 and forms[0].budget.fiscal == 400.0


def test_a_section_word_with_its_total_is_one_label() -> None:
    assert split_budget_run("支出合计") is None
    cells = _cells("支出合计734.05")
    assert cells is None or cells[0] == "支出合计"


SPREADSHEET = (
    "部门整体绩效目标表\n"
    "单位名称\t市档案馆\n"
    "部门整体资金（万元）\t收入\t\t\t全年 预算数\t\n"
    "\t资金总额\t\t\t88.5\t\n"
    "\t财政拨款\t\t\t80\t\n"
    "\t其他资金\t\t\t8.5\t\n"
    "\t支出\t\t\t半年（程） 计划执行数\t全年（程） 预算数\n"
    "\t\t基本支出\t\t30\t60\n"
    "一级指标\t二级指标\t三级指标\t指标值\n"
    "产出指标\t数量指标\t档案数字化页数\t≥10万页\n"
)


def test_a_column_heading_wrapped_after_its_period_word_is_one_heading() -> None:
    forms = extract_stream(SPREADSHEET).forms
    cols = {(ln.item, ln.column) for ln in forms[0].budget.lines}
    assert ("资金总额", "全年预算数") in cols
    assert ("基本支出", "半年（程）计划执行数") in cols and ("基本支出", "全年（程）预算数") in cols


FUND_COLUMNS = """项目支出绩效目标表
项目名称城乡供水一体化改造
项目资金（万元）资金来源资金总额上级资金本级资金
上年预算数300.00200.00100.00
年度预算数450.00250.00200.00
一级指标二级指标三级指标指标值
产出指标数量指标改造供水管网长度≥20公里
"""


def test_rows_under_fund_headings_are_labelled_by_their_period() -> None:
    forms = extract_stream(FUND_COLUMNS).forms
    lines = {(ln.item, ln.column, ln.amount) for ln in forms[0].budget.lines}
    assert ("上年预算数", "资金总额", 300.0) in lines
    assert ("年度预算数", "本级资金", 200.0) in lines
    assert len(lines) == 6


# -- amounts glued under headed columns (issue 11) ------------------------------------------

from jixiao.extract.budget_glued import split_amount_run  # noqa: E402

HALF_FULL = ["半年计划执行数", "全年预算数"]


@pytest.mark.parametrize("run, amounts", [
    ("248391.07", ["248", "391.07"]),  # a part of the year is no more than the year: 2|48391.07 … 248|391.07
    ("3361", ["33", "61"]),  # 3|361 or 33|61: the amounts closest in size
    ("0.851.70", ["0.85", "1.70"]),  # two decimals at most, then the balance: not 0.8|51.70
    ("03.9", ["0", "3.9"]),  # no amount starts with a zero but 0 itself
    ("0640", ["0", "640"]),
    ("3.34", ["3.3", "4"]),  # 3.3 ≤ 4, 3|.34 is no amount
    ("7", ["7"]),  # one digit: one amount
    ("40", ["40"]),  # 4|0 puts more in the half year than in the year
])
def test_glued_amounts_are_cut_by_their_columns(run: str, amounts: list[str]) -> None:
    spans = split_amount_run(run, HALF_FULL)
    assert spans is not None and [run[a:b] for a, b in spans] == amounts


def test_a_total_column_is_the_sum_of_the_funds_beside_it() -> None:
    spans = split_amount_run("8080", ["总额", "财政拨款", "其他资金"])  # 80|8|0 is no sum; 80|80 is
    assert spans is not None and ["8080"[a:b] for a, b in spans] == ["80", "80"]
    spans = split_amount_run("12.5100%", ["当年金额", "占比"])
    assert spans is not None and ["12.5100%"[a:b] for a, b in spans] == ["12.5", "100%"]


SPENDING = """\
部门整体绩效目标表
单位名称市档案馆
部门整体资金（万元）收入全年预算数
资金总额512.4
财政拨款小计512.4
支出半年计划执行数全年预算数
基本支出248391.07
项目支出3361
档案数字化加工费0.851.70
库房消防维保03.9
一级指标二级指标三级指标半年指标值全年指标值
产出指标数量指标档案数字化页数1020
"""


def test_stream_cuts_glued_spending_rows_by_the_heading_columns() -> None:
    forms = extract_stream(SPENDING).forms
    lines = {(ln.item, ln.column, ln.amount) for ln in forms[0].budget.lines if ln.section == "支出"}
    assert lines == {
        ("基本支出", "半年计划执行数", 248.0), ("基本支出", "全年预算数", 391.07),
        ("项目支出", "半年计划执行数", 33.0), ("项目支出", "全年预算数", 61.0),
        ("档案数字化加工费", "半年计划执行数", 0.85), ("档案数字化加工费", "全年预算数", 1.7),
        ("库房消防维保", "半年计划执行数", 0.0), ("库房消防维保", "全年预算数", 3.9),
    }
    assert not any(ln.amount in (10.0, 20.0, 1020.0) for ln in forms[0].budget.lines)  # an indicator, no row


@pytest.mark.parametrize("text, cells", [
    ("预算数80万元其中", ["预算数", "80万元", "其中"]),  # a fund and its amount with the unit, glued
    ("财政资金80万元其他资金", ["财政资金", "80万元", "其他资金"]),
])
def test_amounts_glued_with_their_unit_are_cells(text: str, cells: list[str]) -> None:
    assert _cells(text) == cells


def test_a_sentence_with_amounts_is_no_glued_row() -> None:
    assert split_budget_run("本项目带动社会投资300万元") is None
    assert split_budget_run("年度资金总额35.5万元") is None  # a sentence's phrase: fund_phrases reads it
    assert split_budget_run("年度预算资金共计80万元，其中财政资金80万元") is None


UNITS = """\
项目支出绩效目标表
项目名称社区养老服务补助
预算规模及资金用途预算数80万元其中：财政资金80万元其他资金
主要用于社区养老服务站运营补助。
资金支出计划（%）3月底6月底9月底12月底
0%30%60%100%
一级指标二级指标三级指标指标值
产出指标数量指标补助服务站数量≥12个
"""


def test_stream_reads_a_fund_glued_to_its_amount_and_unit() -> None:
    forms = extract_stream(UNITS).forms
    lines = {(ln.item, ln.column, ln.amount) for ln in forms[0].budget.lines}
    assert ("预算数", None, 80.0) in lines and ("财政资金", None, 80.0) in lines
    assert {(c, a) for i, c, a in lines if i is None} == {("3月底", 0.0), ("6月底", 30.0), ("9月底", 60.0), ("12月底", 100.0)}
    assert forms[0].budget.total == 80.0


@pytest.mark.parametrize("text, cells", [
    # the rows of a block's own headings (批复数, 实际支出数, 人员经费), each glued to its amount
    ("上年预算（万元）批复数320.5调整数410", ["上年预算（万元）", "批复数", "320.5", "调整数", "410"]),
    ("上年预算（万元）实际支出数402.2执行率98.10%", ["上年预算（万元）", "实际支出数", "402.2", "执行率", "98.10%"]),
    ("当年预算（万元）公用经费61.8项目经费12", ["当年预算（万元）", "公用经费", "61.8", "项目经费", "12"]),
    ("人员经费210.33", ["人员经费", "210.33"]),
])
def test_block_headings_glued_to_their_amounts_are_cells(text: str, cells: list[str]) -> None:
    assert _cells(text) == cells


LAST_YEAR = """\
部门整体支出绩效目标表
部门名称市统计局
上年预算（万元）批复数320.5调整数410
上年预算（万元）实际支出数402.2执行率98.10%
上年预算（万元）年末结转结余数7.8
一级指标二级指标三级指标指标值
产出指标数量指标统计调查项目数≥15项
"""


def test_stream_reads_last_years_rows_under_their_section() -> None:
    forms = extract_stream(LAST_YEAR).forms
    lines = [(ln.section, ln.item, ln.amount) for ln in forms[0].budget.lines]
    assert lines == [("上年预算", "批复数", 320.5), ("上年预算", "调整数", 410.0), ("上年预算", "实际支出数", 402.2),
                     ("上年预算", "执行率", 98.1), ("上年预算", "年末结转结余数", 7.8)]


def test_years_glued_under_a_heading_are_cells() -> None:
    assert _cells("2024年2025年") == ["2024年", "2025年"]
    assert split_budget_run("2024年") is None


SHARES = """\
部门整体绩效目标表
单位：万元
部门（单位）名称市地震局
部门总体资金情况总体资金情况当年金额占比近两年收支金额
2024年2025年
收入构成财政拨款612.5100%580.36601.20
合  计612.5100%580.36601.20
支出构成人员类项目支出400.2565.34%390.10398.70
运转类项目支出212.2534.66%190.26202.50
合  计612.5100%580.36601.20
一级指标二级指标三级指标指标值
产出指标数量指标地震监测台站数≥8个
"""


def test_stream_reads_a_letter_spaced_total_row_and_the_year_columns() -> None:
    forms = extract_stream(SHARES).forms
    lines = {(ln.section, ln.item, ln.column, ln.amount) for ln in forms[0].budget.lines}
    assert ("收入构成", "合计", "当年金额", 612.5) in lines and ("支出构成", "合计", "2025年", 601.2) in lines
    assert ("支出构成", "人员类项目支出", "2024年", 390.1) in lines
    assert ("收入构成", "财政拨款", "占比", 100.0) in lines
    assert forms[0].budget.total == 612.5
    total = next(ln for ln in forms[0].budget.lines if ln.item == "合计")
    assert total.evidence["amount"].source_text == "612.5"  # 612.51|00% is no amount: cut by the columns


FUND_COLUMNS_GLUED = """项目支出绩效目标表
项目名称城乡供水一体化改造
项目资金（万元）资金总额上级资金本级资金
项目资金（万元）年度预算数450250200
一级指标二级指标三级指标指标值
产出指标数量指标改造供水管网长度≥20公里
"""


def test_amounts_glued_under_fund_headings_are_cut_by_the_total() -> None:
    forms = extract_stream(FUND_COLUMNS_GLUED).forms
    lines = {(ln.item, ln.column, ln.amount) for ln in forms[0].budget.lines}
    # 450 = 250 + 200; the block label (项目资金, also a name of the total) is no column
    assert {("年度预算数", "资金总额", 450.0), ("年度预算数", "上级资金", 250.0), ("年度预算数", "本级资金", 200.0)} <= lines
    assert len(lines) == 3


def test_a_run_with_too_many_cuts_to_weigh_is_left_alone() -> None:
    assert split_amount_run("12345678901234567890123456789012", ["1月", "2月", "3月", "4月", "5月", "6月"]) is None


def test_month_range_columns_are_parts_of_the_year_wherever_the_year_column_stands() -> None:
    cols = ["全年预算数", "1-6月计划支出数", "7-12月计划支出数"]
    spans = split_amount_run("20218", cols)  # 20|21|8 puts more in a half than in the year
    assert spans is not None and ["20218"[a:b] for a, b in spans] == ["20", "2", "18"]


def test_amounts_printed_with_two_decimals_keep_their_cut_when_a_column_is_blank() -> None:
    from jixiao.extract.budget_glued import split_row_by_columns

    text = "合计120.0050.00"
    cols = ["全年预算数", "1-6月计划支出数", "7-12月计划支出数"]
    spans = split_row_by_columns(text, split_budget_run(text), cols)
    assert spans is not None and [text[a:b] for a, b in spans] == ["合计", "120.00", "50.00"]  # not 120.0|0|50.00
