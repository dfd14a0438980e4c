"""Funding blocks of templates beyond the seeds (issue 11 §5), read from hand-made forms.

Each test is a shape the genre prints: label | amount rows with indented 其中 sub-rows,
headed fund columns with row labels, key-value pairs in one row, amounts inside a sentence,
元 against 万元, 上年结转 / 自有资金, and a total that does not equal its printed parts.
"""

from __future__ import annotations

import pytest

from jixiao.domain import vocab
from jixiao.model.source import SourceDocument
from jixiao.extract.rules import extract_form
from jixiao.ingest.text import parse_text
from jixiao.reconcile import reconcile_form
from jixiao.model.output import Form
from jixiao.segment import segment

INDICATORS = """一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t改造点位\t≥100个
满意度指标\t服务对象满意度指标\t群众满意度\t≥90%
"""


def _form(head: str, budget: str) -> Form:
    text = f"某市项目支出绩效目标表\n{head}项目名称\t测试项目\n主管部门\t某市某局\n{budget}{INDICATORS}"
    doc = SourceDocument(path="t.txt", format="text", blocks=parse_text(text))
    (region,) = segment(doc)
    return extract_form(region)


def _lines(form: Form) -> dict[tuple, float | None]:
    return {(ln.section, ln.item, ln.column): ln.amount for ln in form.budget.lines}


def _codes(form: Form) -> list[str]:
    return [f.code for ln in form.budget.lines for f in ln.flags] + [f.code for f in form.flags]


def test_rows_with_nested_qizhong_in_yuan_and_carryover() -> None:
    form = _form("", """资金情况（元）\t年度资金总额\t2,856,000.00
\t其中：财政拨款\t2,600,000.00
\t　　其中：一般公共预算\t2,400,000.00
\t　　　　　政府性基金\t200,000.00
\t　　　上年结转\t156,000.00
\t　　　自有资金\t100,000.00
""")
    assert _lines(form) == {
        ("资金情况", "年度资金总额", None): 285.6, ("资金情况", "财政拨款", None): 260.0,
        ("资金情况", "一般公共预算", None): 240.0, ("资金情况", "政府性基金", None): 20.0,
        ("资金情况", "上年结转", None): 15.6, ("资金情况", "自有资金", None): 10.0,
    }
    assert (form.budget.total, form.budget.fiscal) == (285.6, 260.0)
    # 财政拨款 + 上年结转 + 自有资金 = 年度资金总额: no mismatch is raised
    assert not [c for c in _codes(reconcile_form(form)) if "mismatch" in c or "incomplete" in c]


def test_headed_fund_columns_with_row_labels_by_level_of_government() -> None:
    form = _form("", """项目资金（万元）\t资金来源\t资金总额\t上级资金\t本级资金\t其他资金
\t上年预算数\t560.00\t300.00\t240.00\t20.00
\t年度预算数\t680.00\t400.00\t250.00\t30.00
""")
    lines = _lines(form)
    assert len(lines) == 8
    assert lines[("项目资金", "年度预算数", "上级资金")] == 400.0
    assert lines[("项目资金", "上年预算数", "资金总额")] == 560.0
    # the current row's total, and the treasury's part summed over 上级 + 本级
    assert (form.budget.total, form.budget.fiscal) == (680.0, 650.0)
    checked = reconcile_form(form)
    assert not [c for c in _codes(checked) if "mismatch" in c]


def test_headed_fund_columns_total_not_equal_to_parts_is_flagged() -> None:
    form = _form("", """项目资金（万元）\t资金来源\t资金总额\t上级资金\t本级资金\t其他资金
\t年度预算数\t700.00\t400.00\t250.00\t30.00
""")
    checked = reconcile_form(form)
    total = next(ln for ln in checked.budget.lines if ln.column == "资金总额")
    (flag,) = [f for f in total.flags if f.code == "budget_sum_mismatch"]
    assert flag.evidence["difference"] == pytest.approx(20.0)
    assert "budget_lines_incomplete" in [f.code for f in checked.flags]


def test_key_value_pairs_in_one_row_with_colons() -> None:
    form = _form("单位：万元\n", "项目资金\t年度资金总额：\t386.50\t其中：财政拨款\t350.00\t上年结转\t0\t其他资金\t36.50\n")
    assert _lines(form) == {
        ("项目资金", "年度资金总额", None): 386.5, ("项目资金", "财政拨款", None): 350.0,
        ("项目资金", "上年结转", None): 0.0, ("项目资金", "其他资金", None): 36.5,
    }
    assert (form.budget.total, form.budget.fiscal) == (386.5, 350.0)


def test_year_budget_vocabulary_as_key_value_labels() -> None:
    form = _form("", "预算金额（万元）\t年度本级预算金额\t150.00\t其中：上级补助资金\t90.00\t本级财政安排\t60.00\n")
    assert (form.budget.total, form.budget.fiscal) == (150.0, 150.0)
    assert vocab.budget_fund("年度本级预算金额") == "资金总额"
    arranged = _form("", "项目资金\t预算安排\t120\t其中：财政资金\t100\n")
    assert _lines(arranged) == {("项目资金", "预算安排", None): 120.0, ("项目资金", "财政资金", None): 100.0}
    assert (arranged.budget.total, arranged.budget.fiscal) == (120.0, 100.0)
    assert vocab.budget_fund("其中：上级资金") == "上级财政拨款"


def test_sentence_in_a_cell_in_yuan() -> None:
    form = _form("", "资金情况\t年度预算资金共计1,234,500.00元，其中：一般公共预算拨款1,034,500.00元，"
                     "政府性基金预算拨款200,000.00元，其他资金0元。\n")
    assert _lines(form) == {
        ("资金情况", "年度预算资金", None): 123.45, ("资金情况", "一般公共预算拨款", None): 103.45,
        ("资金情况", "政府性基金预算拨款", None): 20.0, ("资金情况", "其他资金", None): 0.0,
    }
    assert (form.budget.total, form.budget.fiscal) == (123.45, 123.45)
    assert not [c for c in _codes(reconcile_form(form)) if "mismatch" in c]


def test_sentence_in_a_paragraph_in_wanyuan() -> None:
    form = _form("项目总投资120万元，其中财政资金100万元、自筹资金20万元。\n", "")
    assert _lines(form) == {(None, "项目总投资", None): 120.0, (None, "财政资金", None): 100.0,
                            (None, "自筹资金", None): 20.0}
    assert (form.budget.total, form.budget.fiscal) == (120.0, 100.0)


def test_sentence_phrases_keep_only_funds() -> None:
    from jixiao.extract.budget_text import fund_phrases

    assert [(p.name, p.amount) for p in fund_phrases("年度预算资金共计 1,234,500.00 元")] == [
        ("年度预算资金", "1,234,500.00元")]
    assert fund_phrases("带动社会资本投入500万元，农产品网络销售额达到3.5亿元") == []
    assert [p.name for p in fund_phrases("本项目年度预算安排资金为350万元，其中上级补助资金200万元，本级财政安排150万元。")] == [
        "年度预算安排资金", "上级补助资金", "本级财政安排"]


def test_unit_in_a_column_heading_yuan_against_wanyuan() -> None:
    rows = "资金情况\t资金来源\t金额（{u}）\n\t年度资金总额\t{a}\n\t其中：财政拨款\t{b}\n\t其他资金\t{c}\n"
    yuan = _form("", rows.format(u="元", a="1,200,000.00", b="1,000,000.00", c="200,000.00"))
    wan = _form("", rows.format(u="万元", a="120", b="100", c="20"))
    assert _lines(yuan) == _lines(wan) == {
        ("资金情况", "年度资金总额", "金额"): 120.0, ("资金情况", "财政拨款", "金额"): 100.0,
        ("资金情况", "其他资金", "金额"): 20.0}
    assert (yuan.budget.total, yuan.budget.fiscal) == (120.0, 100.0)
    # the conversion is recorded with the amount's evidence (and only where one was made)
    (conv,) = yuan.budget.lines[0].evidence["amount"].repairs
    assert (conv.rule, conv.original, conv.repaired) == ("amount_unit_to_wan", "1,200,000.00 (元)", "120万元")
    assert wan.budget.lines[0].evidence["amount"].repairs == []
    before = reconcile_form(yuan).budget.lines[0].confidence["amount"]
    assert before == reconcile_form(wan).budget.lines[0].confidence["amount"]  # a unit note is no damage


def test_rows_total_not_equal_to_parts_with_own_funds_is_flagged() -> None:
    form = _form("", """资金情况（万元）\t年度资金总额\t300
\t其中：财政拨款\t260
\t自筹资金\t10
""")
    checked = reconcile_form(form)
    total = next(ln for ln in checked.budget.lines if ln.item == "年度资金总额")
    (flag,) = [f for f in total.flags if f.code == "budget_sum_mismatch"]
    assert flag.evidence["parts"] == {"财政拨款": 260.0, "自筹资金": 10.0}
    assert flag.evidence["difference"] == pytest.approx(30.0)


def test_task_list_amounts_under_one_spanning_heading() -> None:
    form = _form("", """年度主要任务\t任务名称\t主要内容\t预算金额（万元）
\t\t\t总额\t财政拨款\t其他资金
\t任务1\t培育新兴产业\t60\t\t
\t金额合计\t\t60\t60\t
""")
    assert _lines(form) == {("年度主要任务", "任务1", "总额"): 60.0, ("年度主要任务", "金额合计", "总额"): 60.0,
                            ("年度主要任务", "金额合计", "财政拨款"): 60.0}
    assert (form.budget.total, form.budget.fiscal) == (60.0, 60.0)
    # beside a funding block of its own, the task list makes no lines
    both = _form("", "项目资金（万元）\t年度资金总额\t80\t其中：财政拨款\t80\n年度主要任务\t任务名称\t主要内容\t预算金额（万元）\n"
                     "\t\t\t总额\t财政拨款\t其他资金\n\t任务1\t培育新兴产业\t60\t\t\n")
    assert {ln.section for ln in both.budget.lines} == {"项目资金"}


def test_headed_fund_columns_under_a_repeated_block_label_have_no_item() -> None:
    # a text export repeats the merged 项目资金 cell on the amounts row: it is no item of theirs
    form = _form("", "项目资金（万元）\t资金总额\t财政资金\t其他资金\n项目资金（万元）\t285\t285\t0\n")
    assert _lines(form) == {("项目资金", None, "资金总额"): 285.0, ("项目资金", None, "财政资金"): 285.0,
                            ("项目资金", None, "其他资金"): 0.0}
    assert (form.budget.total, form.budget.fiscal) == (285.0, 285.0)


def test_task_list_copied_as_text_with_shifted_subheadings() -> None:
    # a browser's copy drops the covered slots: the fund headings move to the row's start,
    # the amounts stay at its end (empty cells included)
    form = _form("", """年度主要任务\t任务名称\t主要内容\t预算金额（万元）
总额\t财政拨款\t其他资金
任务1\t培育新兴产业\t积极培育新兴产业\t60\t\t
金额合计\t60\t60\t
""")
    assert _lines(form) == {("年度主要任务", "任务1", "总额"): 60.0, ("年度主要任务", "金额合计", "总额"): 60.0,
                            ("年度主要任务", "金额合计", "财政拨款"): 60.0}


def test_yuan_amounts_read_as_wanyuan_are_doubtful() -> None:
    # the 元 heading was lost (a garbled label): 2,856,000.00 read as 万元 is 285亿元
    form = _form("", "资金情况\t年度资金总额\t2,856,000.00\n\t其中：财政拨款\t2,856,000.00\n")
    checked = reconcile_form(form)
    assert "budget_unit_doubtful" in [f.code for f in checked.budget.lines[0].flags]
    assert {f.field for f in checked.flags if f.code == "budget_unit_doubtful"} == {
        "budget.lines", "budget.total", "budget.fiscal"}
    fine = reconcile_form(_form("", "资金情况（元）\t年度资金总额\t2,856,000.00\n"))
    assert "budget_unit_doubtful" not in _codes(fine)
