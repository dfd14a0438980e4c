"""budget.total and budget.fiscal from the lines read off the funding block.

Whatever the template, the form's total is the current year's total fund (资金总额, 年度预算数,
年度本级预算金额, 预算安排 …, else a 合计 row) and its fiscal part is what the treasury gives:
财政拨款 / 财政资金 when printed, else the sum of its parts printed without a subtotal — by
level of government (上级资金 + 本级资金, 上级财政拨款 + 本级财政安排) or by source (一般公共预算 +
政府性基金 + …). Which fund and which period a line is comes from ``vocab.budget_line_fund``
(rows and headed-column layouts alike); lines of another period (上年, 半年, 中期, history years,
monthly plans, shares) and expense sections are never the form's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.domain import vocab
from jixiao.model.output import BudgetLine, Evidence, Form


@dataclass
class _Line:
    line: BudgetLine
    fund: str | None  # canonical fund (vocab.BUDGET_FUNDS) or None
    kind: str | None
    period: str  # folded period / heading the line sits in ("" for none)


def _annotate(form: Form) -> list[_Line]:
    out = []
    for ln in form.budget.lines:
        if ln.amount is None or (ln.section and "支出" in ln.section and "计划" not in ln.section):
            continue
        fund_text, period = vocab.budget_line_fund(ln.item, ln.column)
        if not vocab.is_current_budget_period(period):
            continue
        out.append(_Line(ln, vocab.budget_fund(fund_text), vocab.budget_fund_kind(fund_text), vocab.key(period)))
    return out


def settle_budget_fields(form: Form) -> None:
    """Fill budget.total / budget.fiscal (when empty) from the current year's income lines."""
    b = form.budget
    lines = _annotate(form)
    total = next((x for x in lines if x.kind == "total"), None) or next(
        (x for x in lines if x.kind == "generic_total"), None)
    if b.total is None and total is not None:
        b.total = total.line.amount
        form.evidence["budget.total"] = total.line.evidence.get("amount", Evidence())
    if b.fiscal is not None:
        return
    own = next((x for x in lines if x.kind == "fiscal"), None)
    if own is not None:
        b.fiscal = own.line.amount
        form.evidence["budget.fiscal"] = own.line.evidence.get("amount", Evidence())
        return
    # parts printed without a 财政拨款 subtotal: all the current year's parts of one kind when each
    # fund is printed once, else those in the total's group (same section and period) first
    for kind in ("fiscal_level", "fiscal_source"):
        parts = [x for x in lines if x.kind == kind]
        if not parts:
            continue
        if len({x.fund for x in parts}) < len(parts):
            groups = [(total.line.section, total.period)] if total is not None else []
            groups += [(x.line.section, x.period) for x in parts if (x.line.section, x.period) not in groups]
            parts = next(g for g in ([x for x in parts if (x.line.section, x.period) == grp] for grp in groups) if g)
        b.fiscal = round(sum(x.line.amount or 0.0 for x in parts), 6)
        form.evidence["budget.fiscal"] = parts[0].line.evidence.get("amount", Evidence())
        return


def drop_task_lines_beside_funding_block(form: Form) -> None:
    """A task list's amounts (年度主要任务) are budget lines only when the form has no other funding block."""
    lines = form.budget.lines
    task = [ln for ln in lines if ln.section in vocab.BUDGET_TASK_SECTIONS]
    if task and len(task) < len(lines):
        form.budget.lines = [ln for ln in lines if ln.section not in vocab.BUDGET_TASK_SECTIONS]

