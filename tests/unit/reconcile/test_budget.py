"""Budget arithmetic (reconcile.budget)."""

from __future__ import annotations

import pytest

from jixiao.model.output import Severity

from .builders import (
    flags_of,
    gaoxin_project,
    hubei_department,
    jiangxi_department,
    lines,
    run,
    suzhou_department,
    suzhou_project,
)


# ---------------------------------------------------------------------------------------
# Budget arithmetic


def test_fund_total_differs_from_its_parts() -> None:
    f = suzhou_department()
    for ln in f.budget.lines:
        if ln.item in ("财政拨款", "一般公共预算资金"):
            ln.amount = 400.0
    form = run(f)
    (flag,) = flags_of(form, "budget_sum_mismatch")
    assert flag.field == "amount"
    assert flag.evidence["total"] == 410.99 and flag.evidence["sum"] == 400.0
    assert flag.evidence["difference"] == pytest.approx(10.99)
    assert "410.99" in flag.message and "400" in flag.message
    total = next(ln for ln in form.budget.lines if ln.item == "资金总额")
    assert total.flags == [flag]
    clean = next(ln for ln in form.budget.lines if ln.item == "国有资本金")
    assert total.confidence["amount"] < clean.confidence["amount"]
    # and the expense side (基本支出 + 项目支出 = 410.99) no longer matches the income total? it still does:
    assert not flags_of(form, "budget_expense_income_mismatch")


def test_fiscal_subtotal_from_its_sources() -> None:
    f = suzhou_department()
    f.budget.lines.insert(4, lines("收入", "全年预算数", [("财政专户管理资金", 5)])[0])
    f.budget.lines = [ln for ln in f.budget.lines if not (ln.item == "财政专户管理资金" and ln.amount == 0)]
    flags = flags_of(run(f), "budget_sum_mismatch")
    assert [fl.evidence["total"] for fl in flags] == [410.99]
    assert flags[0].evidence["sum"] == pytest.approx(415.99)


def test_total_row_differs_from_items() -> None:
    f = hubei_department()
    for ln in f.budget.lines:
        if ln.item == "运转类项目支出" and ln.column == "2022年":
            ln.amount = 275.32
    form = run(f)
    (flag,) = flags_of(form, "budget_total_row_mismatch")
    assert flag.evidence["column"] == "2022年" and flag.evidence["total"] == 6289.58
    assert flag.evidence["difference"] == pytest.approx(-18.0)


def test_shares_summing_to_99_percent() -> None:
    f = hubei_department()
    for ln in f.budget.lines:
        if ln.item == "特定目标类项目支出" and ln.column == "占比":
            ln.amount = 77.02
    form = run(f)
    sums = flags_of(form, "budget_share_sum_mismatch")
    assert sums and all(fl.evidence["sum"] == pytest.approx(99.0) for fl in sums)
    assert "99%" in sums[0].message
    (item,) = flags_of(form, "budget_share_mismatch")
    assert item.evidence["share"] == 77.02 and item.evidence["expected"] == pytest.approx(78.02, abs=0.01)
    # the share flags land on the wrong line only, the confirmed shares stay clean
    wrong = next(ln for ln in form.budget.lines if ln.item == "特定目标类项目支出" and ln.column == "占比")
    right = next(ln for ln in form.budget.lines if ln.item == "人员类项目支出" and ln.column == "占比")
    assert {x.code for x in wrong.flags} == {"budget_share_mismatch", "budget_share_sum_mismatch"}
    assert right.flags == []
    assert wrong.confidence["amount"] < right.confidence["amount"]


def test_expenses_differ_from_income() -> None:
    f = suzhou_project()
    for ln in f.budget.lines:
        if ln.column == "全年（程）预算数" and ln.section == "支出":
            ln.amount = 227.54
    (flag,) = flags_of(run(f), "budget_expense_income_mismatch")
    assert flag.evidence["expenses"] == 227.54 and flag.evidence["income"] == 750
    f2 = jiangxi_department()
    for ln in f2.budget.lines:
        if ln.item == "支出合计":
            ln.amount = 743.05
    flags = flags_of(run(f2), "budget_expense_income_mismatch") + flags_of(run(f2), "budget_sum_mismatch")
    assert any(fl.evidence.get("difference") == pytest.approx(9.0) for fl in flags)


def test_execution_rate_and_spending_plan() -> None:
    f = jiangxi_department()
    for ln in f.budget.lines:
        if ln.item == "执行率":
            ln.amount = 42.7
    (flag,) = flags_of(run(f), "budget_rate_mismatch")
    assert flag.evidence["expected"] == pytest.approx(100.0)
    g = gaoxin_project()
    for ln in g.budget.lines:
        if ln.column == "10月底":
            ln.amount = 60
        if ln.column == "12月底":
            ln.amount = 50
    plan = flags_of(run(g), "budget_plan_inconsistent")
    assert len(plan) == 4 and plan[0].evidence["sum"] == 110


def test_form_budget_fields_against_lines() -> None:
    f = suzhou_department()
    f.budget.total = 401.99
    f.budget.fiscal = 500.0
    form = run(f)
    (t,) = flags_of(form, "budget_total_mismatch")
    assert t.field == "budget.total" and t.evidence["lines"] == [410.99]
    (fx,) = flags_of(form, "budget_fiscal_exceeds_total")
    assert fx.severity == Severity.ERROR
    g = suzhou_department()
    g.budget.total = None
    (m,) = flags_of(run(g), "budget_total_missing")
    assert "410.99" in m.message


def test_income_block_without_expense_lines() -> None:
    f = suzhou_project()
    f.budget.lines = [ln for ln in f.budget.lines if ln.section != "支出"]
    (flag,) = flags_of(run(f), "budget_expense_lines_missing")
    assert flag.field == "budget.lines"


def test_lost_budget_lines() -> None:
    f = suzhou_project()
    f.budget.lines = []
    f.budget.total = None
    form = run(f)
    assert {x.field for x in flags_of(form, "budget_block_missing")} == {"budget.lines", "budget.total"}
    g = suzhou_department()
    g.budget.total = 420.0  # none of the printed amounts
    assert {x.field for x in flags_of(run(g), "budget_total_not_in_lines")} == {"budget.total", "budget.lines"}
    h = suzhou_department()
    h.budget.lines = [ln for ln in h.budget.lines if ln.item != "党团活动经费"]  # a part lost
    form = run(h)
    assert {round(x.evidence["difference"], 6) for x in flags_of(form, "budget_sum_mismatch")} == {0.6, 1.6}
    assert flags_of(form, "budget_lines_incomplete")[0].field == "budget.lines"


def test_negative_amount() -> None:
    f = gaoxin_project()
    f.budget.lines.append(lines("预算规模及资金用途", None, [("其他资金", -3)])[0])
    form = run(f)
    assert flags_of(form, "budget_negative_amount")[0].evidence["amount"] == -3
    assert flags_of(form, "budget_sum_mismatch")  # 预算数 50 ≠ 50 + (−3)
