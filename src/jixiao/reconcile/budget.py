"""Budget arithmetic: totals against their parts, shares against 100%, the form's
budget.total/fiscal against its lines.

Lines are grouped by (section, column) — one column of one block — because every sum the
genre prints runs down a column inside a block. The equations are data (``SUM_RULES``),
taken from the printed forms:

* Suzhou 收入: 资金总额 = 财政拨款 + 国有资本金 + 社保基金 + 上年结转资金 + 其他资金, and
  财政拨款（小计）= 一般公共预算资金 + 政府性基金 + 财政专户管理资金;
* Jiangxi 当年预算: 收入合计 = 本级财政安排 + 上级财政拨款 + 其他, 支出合计 = 人员经费 +
  公用经费 + 项目经费; 上年预算: 执行率 = 实际支出数 ÷ 调整数 (else 批复数);
* Jiangxi 预算规模: 预算数 = 财政资金 + 其他资金;
* any block with a 合计/总计 row: the row = the other items of the block (parts of an
  equation whose total is also in the block are not counted twice);
* an expense block with 基本支出/项目支出: 项目支出 = the named projects listed under it;
  the expense total = the income total of the same column;
* a 占比/比例 column: the items sum to 100%, and each item ≈ amount ÷ total.

A part that is not printed counts as 0 (an empty cell makes no line); an equation is only
checked when its total and at least one part are present. Tolerance 0.01 万元; for shares,
half a unit of the last printed decimal per item.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from jixiao.domain import vocab
from jixiao.reconcile.common import Ledger, decimals, fmt, raise_flag
from jixiao.model.output import BudgetLine, Form
from jixiao.domain.values import AMOUNT_UNIT_RULE, fold

TOL = 0.01  # 万元
_SHORT_SUMS = ("budget_sum_mismatch", "budget_total_row_mismatch")
ARITH_BONUS = 1.0  # log-odds for an amount that closes an equation


@dataclass(frozen=True)
class SumRule:
    name: str
    total: tuple[str, ...]  # item keys that name the total
    parts: tuple[tuple[str, ...], ...]  # each part: its item keys (aliases)


SUM_RULES: tuple[SumRule, ...] = (
    # item keys are canonical funds (vocab.BUDGET_FUNDS: 年度预算数, 年度本级预算金额 … → 资金总额;
    # 财政资金 → 财政拨款; 上级资金 → 上级财政拨款; 自筹资金 → 自有资金) or literal item keys
    SumRule("资金总额", ("资金总额", "年度资金总额", "项目资金总额", "资金合计"),
            (("财政拨款", "财政拨款资金", "财政资金"), ("国有资本金",), ("社保基金",),
             ("上年结转资金", "上年结转", "结转资金"), ("其他资金",), ("自有资金",), ("事业收入",), ("经营收入",))),
    SumRule("财政拨款", ("财政拨款", "财政拨款资金"),
            (("一般公共预算资金", "一般公共预算"), ("政府性基金", "政府性基金预算", "政府性基金预算资金"),
             ("财政专户管理资金",), ("国有资本经营预算", "国有资本经营预算资金"))),
    # the treasury's part by level of government (上级资金 + 本级资金), where no source split is printed
    SumRule("财政拨款", ("财政拨款", "财政拨款资金"), (("上级财政拨款",), ("本级财政安排",))),
    SumRule("收入合计", ("收入合计",), (("本级财政安排",), ("上级财政拨款", "上级财政拨"), ("其他", "其他资金"))),
    SumRule("支出合计", ("支出合计",), (("人员经费",), ("公用经费",), ("项目经费",))),
)
_GENERIC_TOTALS = ("合计", "总计", "小计", "总额")
_TOP_EXPENSES = frozenset((
    "基本支出", "项目支出", "人员经费", "公用经费", "项目经费", "人员类项目支出", "运转类项目支出",
    "特定目标类项目支出", "人员支出", "日常公用支出", "对个人和家庭的补助", "支出合计", "合计", "总计",
))
_INCOME_TOTALS = ("资金总额", "年度资金总额", "项目资金总额", "收入合计", "预算数", "合计", "总计")
_INCOME_MARKERS = ("资金总额", "年度资金总额", "项目资金总额", "财政拨款", "收入合计", "预算数", "财政资金", "本级财政安排")
_FISCAL_ITEMS = ("财政拨款", "财政拨款资金", "财政资金", "本级财政安排")
_SHARE_COL = re.compile(r"占比|比例|比重|%|％")
_PLAN_COL = re.compile(r"^\d{1,2}月(底|末)?$|^第?[一二三四1-4]季度(末)?$")


def item_key(item: str | None) -> str:
    """Fold an item label for lookup; the one rule lives with the fund vocabulary."""
    return vocab.budget_fund_key(item)


class Block:
    """The lines of one (section, column): item key → line, in document order."""

    def __init__(self, section: str, column: str, lines: list[BudgetLine]):
        self.section, self.column = section, column
        self.lines = [ln for ln in lines if ln.amount is not None]
        self.by_key: dict[str, BudgetLine] = {}
        for ln in self.lines:
            fund, _period = vocab.budget_line_fund(ln.item, ln.column)
            self.by_key.setdefault(item_key(fund), ln)
        for ln in self.lines:  # and under the canonical fund name (上级资金 → 上级财政拨款)
            canon = vocab.budget_fund(vocab.budget_line_fund(ln.item, ln.column)[0])
            if canon and vocab.BUDGET_FUND_KIND.get(canon) != "generic_total":
                self.by_key.setdefault(canon, ln)

    def find(self, keys: tuple[str, ...]) -> BudgetLine | None:
        for k in keys:
            if k in self.by_key:
                return self.by_key[k]
        return None

    @property
    def is_share(self) -> bool:
        return bool(_SHARE_COL.search(self.column))

    @property
    def is_income(self) -> bool:
        return "收入" in self.section or any(k in self.by_key for k in _INCOME_MARKERS)

    @property
    def is_expense(self) -> bool:
        return "支出" in self.section and "计划" not in self.section


def blocks(form: Form) -> list[Block]:
    """Lines grouped by (section, period): a column of a rows layout (财政拨款 | 全年预算数), or a
    row of a headed-column layout (年度预算数 | 资金总额 / 上级资金 / …, see vocab.budget_line_fund)."""
    groups: OrderedDict[tuple[str, str], list[BudgetLine]] = OrderedDict()
    for ln in form.budget.lines:
        _fund, period = vocab.budget_line_fund(ln.item, ln.column)
        groups.setdefault((fold(ln.section), fold(period)), []).append(ln)
    return [Block(s, c, lines) for (s, c), lines in groups.items()]


# ---------------------------------------------------------------------------------------


def check_budget(form: Form, ledger: Ledger) -> None:
    """Run the arithmetic checks over one form's budget (flags on lines and the form)."""
    if not form.budget.lines:
        _check_no_lines(form)
        return
    bs = blocks(form)
    for ln in form.budget.lines:
        if ln.amount is not None and ln.amount < 0:
            raise_flag(ln, "budget_negative_amount", f"{ln.item}: negative amount {fmt(ln.amount)}", "amount",
                       amount=ln.amount)
    _check_unit_plausible(form)
    for b in bs:
        if b.is_share:
            _check_shares(b, bs, ledger)
            continue
        if _PLAN_COL.match(b.column):
            continue
        counted = _check_rules(b, ledger)
        _check_generic_total(b, counted, ledger)
        _check_project_items(b, ledger)
        _check_rate(b, bs, ledger)
    _check_plan(form, ledger)
    _check_expense_vs_income(bs, ledger)
    _check_form_totals(form, bs, ledger)
    _check_expense_block_present(form)
    _check_total_in_lines(form)
    if any(f.code in _SHORT_SUMS and (f.evidence.get("difference") or 0) > TOL
           for ln in form.budget.lines for f in ln.flags):
        raise_flag(form, "budget_lines_incomplete",
                   "a total exceeds the sum of its printed parts: a part line may be missing", "budget.lines")


def _credit(ledger: Ledger, lines: list[BudgetLine]) -> None:
    for ln in lines:
        ledger.add(ln, "amount", "arithmetic", ARITH_BONUS)


def _mismatch(ln: BudgetLine, code: str, what: str, total: float, parts: dict[str, float], b: Block) -> None:
    s = sum(parts.values())
    diff = total - s
    shown = " + ".join(f"{k} {fmt(v)}" for k, v in parts.items())
    raise_flag(ln, code, f"{what} {fmt(total)} ≠ {shown} = {fmt(s)} (difference {fmt(diff)}) [{b.section}/{b.column}]",
               "amount", total=total, parts=parts, sum=round(s, 6), difference=round(diff, 6),
               section=b.section, column=b.column)


def _rule_value(b: Block, keys: tuple[str, ...]) -> tuple[float | None, list[BudgetLine]]:
    """A part's value: its own line, else the sum of its sub-rule's parts (财政拨款 from its sources)."""
    ln = b.find(keys)
    if ln is not None:
        return ln.amount, [ln]
    for rule in SUM_RULES:
        if set(rule.total) & set(keys):
            found = [b.find(p) for p in rule.parts]
            lines = [x for x in found if x is not None]
            if lines:
                return sum(x.amount or 0.0 for x in lines), lines
    return None, []


def _check_rules(b: Block, ledger: Ledger) -> set[int]:
    """Check every SUM_RULE whose total is in the block; returns ids of the lines counted as parts."""
    counted: set[int] = set()
    for rule in SUM_RULES:
        total = b.find(rule.total)
        if total is None or total.amount is None:
            continue
        parts: dict[str, float] = {}
        part_lines: list[BudgetLine] = []
        for keys in rule.parts:
            v, lines = _rule_value(b, keys)
            if lines and all(x is total for x in lines):
                continue
            if v is not None:
                label = (lines[0].item or keys[0]) if len(lines) == 1 else keys[0]
                parts[label] = v
                part_lines += lines
        if not part_lines:
            continue
        counted |= {id(x) for x in part_lines}
        if abs(total.amount - sum(parts.values())) > TOL:
            _mismatch(total, "budget_sum_mismatch", total.item or rule.name, total.amount, parts, b)
        else:
            _credit(ledger, [total, *part_lines])
    return counted


def _check_generic_total(b: Block, counted: set[int], ledger: Ledger) -> None:
    for key in _GENERIC_TOTALS:
        total = b.by_key.get(key)
        if total is None:
            continue
        items = [ln for ln in b.lines if ln is not total and id(ln) not in counted
                 and item_key(ln.item) not in _GENERIC_TOTALS and not fold(ln.item).startswith("其中")]
        if not items:
            continue
        parts = {ln.item or "?": ln.amount or 0.0 for ln in items}
        if abs((total.amount or 0.0) - sum(parts.values())) > TOL:
            _mismatch(total, "budget_total_row_mismatch", total.item or key, total.amount or 0.0, parts, b)
        else:
            _credit(ledger, [total, *items])
        return


def _check_project_items(b: Block, ledger: Ledger) -> None:
    """Suzhou 部门整体 支出: the named projects under 项目支出 sum to it."""
    if not b.is_expense:
        return
    proj = b.by_key.get("项目支出")
    if proj is None or proj.amount is None:
        return
    items = [ln for ln in b.lines if item_key(ln.item) not in _TOP_EXPENSES]
    if not items:
        return
    parts = {ln.item or "?": ln.amount or 0.0 for ln in items}
    if abs(proj.amount - sum(parts.values())) > TOL:
        _mismatch(proj, "budget_sum_mismatch", proj.item or "项目支出", proj.amount, parts, b)
    else:
        _credit(ledger, [proj, *items])


def _expense_total(b: Block) -> tuple[float | None, list[BudgetLine]]:
    for key in ("支出合计", "合计", "总计"):
        ln = b.by_key.get(key)
        if ln is not None:
            return ln.amount, [ln]
    top = [ln for ln in b.lines if item_key(ln.item) in _TOP_EXPENSES]
    lines = top or b.lines
    if not lines:
        return None, []
    return sum(ln.amount or 0.0 for ln in lines), lines


def _income_total(b: Block) -> BudgetLine | None:
    return b.find(_INCOME_TOTALS)


def _check_expense_vs_income(bs: list[Block], ledger: Ledger) -> None:
    """Expenses = income, column by column (全年预算数 with 全年预算数), when both are printed."""
    for b in bs:
        if b.is_share or not b.is_expense:
            continue
        inc_block = next((x for x in bs if x.is_income and not x.is_expense and x.column == b.column), None)
        income = _income_total(inc_block) if inc_block else None
        if income is None or income.amount is None:
            continue
        exp, lines = _expense_total(b)
        if exp is None:
            continue
        if abs(exp - income.amount) > TOL:
            for ln in lines:
                raise_flag(ln, "budget_expense_income_mismatch",
                           f"expenses {fmt(exp)} ≠ income {income.item} {fmt(income.amount)} "
                           f"(difference {fmt(exp - income.amount)}) [{b.column}]", "amount",
                           expenses=round(exp, 6), income=income.amount, difference=round(exp - income.amount, 6),
                           column=b.column)
        else:
            _credit(ledger, lines)
    # Jiangxi: 收入合计 and 支出合计 in one block
    for b in bs:
        inc, exp_ln = b.by_key.get("收入合计"), b.by_key.get("支出合计")
        if inc is None or exp_ln is None or inc.amount is None or exp_ln.amount is None:
            continue
        if abs(inc.amount - exp_ln.amount) > TOL:
            raise_flag(exp_ln, "budget_expense_income_mismatch",
                       f"支出合计 {fmt(exp_ln.amount)} ≠ 收入合计 {fmt(inc.amount)} "
                       f"(difference {fmt(exp_ln.amount - inc.amount)})", "amount",
                       expenses=exp_ln.amount, income=inc.amount, difference=round(exp_ln.amount - inc.amount, 6))


def _share_tol(values: list[float]) -> float:
    return sum(0.5 * 10 ** -decimals(v) for v in values) + 1e-6


def _check_shares(b: Block, bs: list[Block], ledger: Ledger) -> None:
    """占比: items sum to 100 (and a 合计 row says 100); each item ≈ its amount ÷ total."""
    items = [ln for ln in b.lines if item_key(ln.item) not in _GENERIC_TOTALS]
    if not items:
        return
    confirmed = _check_share_items(b, items, bs, ledger)
    total_row = next((b.by_key[k] for k in _GENERIC_TOTALS if k in b.by_key), None)
    values = [ln.amount or 0.0 for ln in items]
    s = sum(values)
    if abs(s - 100.0) > max(_share_tol(values), TOL):
        for ln in [x for x in items if id(x) not in confirmed] or items:
            raise_flag(ln, "budget_share_sum_mismatch",
                       f"占比 items sum to {fmt(s)}%, not 100% [{b.section}/{b.column}]", "amount",
                       sum=round(s, 6), parts={x.item or "?": x.amount for x in items}, section=b.section)
    elif total_row is not None:
        _credit(ledger, [total_row])
    if total_row is not None and total_row.amount is not None and abs(total_row.amount - 100.0) > TOL:
        raise_flag(total_row, "budget_share_sum_mismatch", f"占比 合计 is {fmt(total_row.amount)}%, not 100%",
                   "amount", sum=total_row.amount, section=b.section)


def _amount_block(b: Block, bs: list[Block]) -> Block | None:
    """The amount column the share column divides: same section, first non-share column."""
    return next((x for x in bs if x.section == b.section and not x.is_share and not _PLAN_COL.match(x.column)), None)


def _check_share_items(b: Block, items: list[BudgetLine], bs: list[Block], ledger: Ledger) -> set[int]:
    amounts = _amount_block(b, bs)
    if amounts is None:
        return set()
    total_ln = next((amounts.by_key[k] for k in _GENERIC_TOTALS if k in amounts.by_key), None)
    denom = total_ln.amount if total_ln is not None else sum(
        ln.amount or 0.0 for ln in amounts.lines if item_key(ln.item) not in _GENERIC_TOTALS)
    if not denom:
        return set()
    confirmed: set[int] = set()
    for ln in items:
        a = amounts.by_key.get(item_key(ln.item))
        if a is None or a.amount is None or ln.amount is None:
            continue
        expect = 100.0 * a.amount / denom
        if abs(expect - ln.amount) > 0.5 * 10 ** -decimals(ln.amount) + 0.0051:
            raise_flag(ln, "budget_share_mismatch",
                       f"{ln.item}: 占比 {fmt(ln.amount)}% but {fmt(a.amount)} ÷ {fmt(denom)} = {expect:.2f}%",
                       "amount", share=ln.amount, amount=a.amount, total=denom, expected=round(expect, 4))
        else:
            confirmed.add(id(ln))
            _credit(ledger, [ln])
    return confirmed


def _check_rate(b: Block, bs: list[Block], ledger: Ledger) -> None:
    """Jiangxi 上年预算: 执行率 = 实际支出数 ÷ 调整数 (else 批复数)."""
    rate = b.by_key.get("执行率") or b.by_key.get("预算执行率")
    if rate is None or rate.amount is None:
        return
    actual = b.by_key.get("实际支出数") or b.by_key.get("实际支出")
    base = b.by_key.get("调整数") or b.by_key.get("调整后预算数") or b.by_key.get("批复数")
    if actual is None or base is None or not base.amount or actual.amount is None:
        return
    expect = 100.0 * actual.amount / base.amount
    if abs(expect - rate.amount) > 0.5 * 10 ** -decimals(rate.amount) + 0.0051:
        raise_flag(rate, "budget_rate_mismatch",
                   f"执行率 {fmt(rate.amount)}% but {actual.item} {fmt(actual.amount)} ÷ {base.item} "
                   f"{fmt(base.amount)} = {expect:.2f}%", "amount",
                   rate=rate.amount, actual=actual.amount, base=base.amount, expected=round(expect, 4))
    else:
        _credit(ledger, [rate, actual, base])


def _check_plan(form: Form, ledger: Ledger) -> None:
    """资金支出计划 3月底/6月底/…: cumulative (non-decreasing, ≤100) or per period (sum 100)."""
    plan = [ln for ln in form.budget.lines if ln.amount is not None and _PLAN_COL.match(fold(ln.column))]
    if len(plan) < 2:
        return
    vals = [ln.amount or 0.0 for ln in plan]
    cumulative = all(a <= b + 1e-9 for a, b in zip(vals, vals[1:])) and vals[-1] <= 100.0 + TOL
    per_period = abs(sum(vals) - 100.0) <= TOL
    if cumulative or per_period:
        _credit(ledger, plan)
        return
    for ln in plan:
        raise_flag(ln, "budget_plan_inconsistent",
                   f"资金支出计划 {', '.join(f'{x.column} {fmt(x.amount)}%' for x in plan)}: neither cumulative "
                   f"to ≤100% nor summing to 100% (sum {fmt(sum(vals))})", "amount",
                   values={x.column or "?": x.amount for x in plan}, sum=round(sum(vals), 6))


def _is_current_column(col: str) -> bool:
    return vocab.is_current_budget_period(col)


def _check_form_totals(form: Form, bs: list[Block], ledger: Ledger) -> None:
    """budget.total / budget.fiscal against the total and fiscal lines of the current year."""
    totals = [ln for b in bs if b.is_income and not b.is_share and _is_current_column(b.column)
              for ln in [_income_total(b)] if ln is not None and ln.amount is not None]
    fiscal_lines = [ln for b in bs if not b.is_share and not b.is_expense and _is_current_column(b.column)
                    for ln in [b.find(_FISCAL_ITEMS)] if ln is not None and ln.amount is not None]
    # no 财政拨款 line: the sum of its parts (上级资金 + 本级资金, 一般公共预算 + 政府性基金 …)
    part_sums = [v for b in bs if not b.is_share and not b.is_expense and _is_current_column(b.column)
                 and b.find(_FISCAL_ITEMS) is None
                 for v, lns in [_rule_value(b, ("财政拨款",))] if lns and v is not None]
    upper = [ln for b in bs if not b.is_share and _is_current_column(b.column)
             for ln in [b.by_key.get("上级财政拨款") or b.by_key.get("上级财政拨")] if ln is not None]
    bud = form.budget
    if totals:
        amounts = sorted({round(ln.amount or 0.0, 6) for ln in totals})
        if bud.total is None:
            raise_flag(form, "budget_total_missing", f"budget.total empty; the form prints {totals[0].item} "
                       f"{fmt(totals[0].amount)}", "budget.total", lines=amounts)
        elif any(abs(bud.total - a) <= TOL for a in amounts):
            ledger.add(form, "budget.total", "arithmetic", ARITH_BONUS)
        else:
            raise_flag(form, "budget_total_mismatch",
                       f"budget.total {fmt(bud.total)} ≠ {totals[0].item} {fmt(totals[0].amount)}", "budget.total",
                       total=bud.total, lines=amounts)
    if fiscal_lines or part_sums:
        cands = sorted({round(ln.amount or 0.0, 6) for ln in fiscal_lines} | {round(v, 6) for v in part_sums})
        if upper:
            cands += [round(c + (u.amount or 0.0), 6) for c in cands for u in upper]
        printed = (f"{fiscal_lines[0].item} {fmt(fiscal_lines[0].amount)}" if fiscal_lines
                   else f"fiscal parts summing to {fmt(part_sums[0])}")
        if bud.fiscal is None:
            raise_flag(form, "budget_fiscal_missing", f"budget.fiscal empty; the form prints {printed}",
                       "budget.fiscal", lines=cands)
        elif any(abs(bud.fiscal - c) <= TOL for c in cands):
            ledger.add(form, "budget.fiscal", "arithmetic", ARITH_BONUS)
        else:
            raise_flag(form, "budget_fiscal_mismatch",
                       f"budget.fiscal {fmt(bud.fiscal)} ≠ {printed}",
                       "budget.fiscal", fiscal=bud.fiscal, lines=cands)
    if bud.total is not None and bud.fiscal is not None and bud.fiscal > bud.total + TOL:
        raise_flag(form, "budget_fiscal_exceeds_total",
                   f"budget.fiscal {fmt(bud.fiscal)} > budget.total {fmt(bud.total)}", "budget.fiscal",
                   fiscal=bud.fiscal, total=bud.total)


def _check_expense_block_present(form: Form) -> None:
    """A 收入 block goes with a 支出 block (Suzhou 项目资金 / 部门整体资金): one alone means
    the expense rows were lost."""
    sections = {fold(ln.section) for ln in form.budget.lines}
    if "收入" in sections and not any("支出" in s for s in sections):
        raise_flag(form, "budget_expense_lines_missing", "a 收入 block without any 支出 line", "budget.lines",
                   sections=sorted(sections))


def _check_no_lines(form: Form) -> None:
    """Every form of the genre prints a funding block; none read means it was lost."""
    raise_flag(form, "budget_block_missing", "no budget line read: the funding block was lost?", "budget.lines")
    for field in ("budget.total", "budget.fiscal"):
        if getattr(form.budget, field.split(".")[1]) is None:
            raise_flag(form, "budget_block_missing", f"{field} empty and no budget line read", field)


def _check_total_in_lines(form: Form) -> None:
    """budget.total is one of the printed amounts (资金总额, 预算数, 合计 …) on every form."""
    total = form.budget.total
    if total is None:
        return
    if any(ln.amount is not None and abs(ln.amount - total) <= TOL for ln in form.budget.lines):
        return
    for field in ("budget.total", "budget.lines"):
        raise_flag(form, "budget_total_not_in_lines", f"budget.total {fmt(total)} is none of the line amounts",
                   field, total=total)


UNIT_DOUBT_WAN = 100000.0  # 10亿元: a funding-block amount this large in 万元 is more likely 元 read as 万元


def _check_unit_plausible(form: Form) -> None:
    """An amount read in 万元 by default (no unit printed with it, none converted) that reaches
    10亿元 is doubtful: a 元 heading (``资金情况（元）``, ``单位：元``) was probably lost."""
    doubtful = []
    for ln in form.budget.lines:
        ev = ln.evidence.get("amount")
        converted = ev is not None and any(r.rule == AMOUNT_UNIT_RULE for r in ev.repairs)
        printed_unit = ev is not None and bool(re.search(r"万|亿|元", ev.source_text or ""))
        if ln.amount is not None and ln.amount >= UNIT_DOUBT_WAN and not converted and not printed_unit:
            raise_flag(ln, "budget_unit_doubtful", f"{ln.item or ln.column}: {fmt(ln.amount)} 万元 is 10亿元 or more; "
                       "printed in 元?", "amount", amount=ln.amount)
            doubtful.append(ln.amount)
    if doubtful:
        raise_flag(form, "budget_unit_doubtful", f"{len(doubtful)} amount(s) of 10亿元 or more read as 万元: printed in 元?",
                   "budget.lines", amounts=sorted(doubtful))
    for fld in ("total", "fiscal"):
        v = getattr(form.budget, fld)
        if v is not None and (any(abs(v - a) <= TOL for a in doubtful) or (doubtful and v >= UNIT_DOUBT_WAN)):
            raise_flag(form, "budget_unit_doubtful", f"budget.{fld} {fmt(v)} 万元 read from amounts of doubtful unit",
                       f"budget.{fld}", amount=v)

