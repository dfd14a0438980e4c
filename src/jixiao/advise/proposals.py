"""Values for framework-required rows that no close precedent covers (used by advise/suggest.py).

Why: the framework in force requires a level2 group (产出/成本, 满意度, 时效 …) that none of the
most similar precedent projects fills. Leaving the row empty hands the unit an unfinished table;
inventing a value would be dishonest. So a value is proposed only from a source the unit can
check, and always marked ``suggest_proposed`` (the source named; the unit must confirm):

1. ``budget`` — a 成本 row when the budget is known: the cost may not exceed the project's own
   budget (domain notes §3.4, 计划标准: budgets are plans; the Jiujiang form prints exactly
   ``项目资金支出成本 ≤ 预算``).
2. ``convention`` — the domain notes' conventions for the L2s they cover: 满意度 ≥ 90 %
   (§3, satisfaction targets are usually ≥ 85–95 %); 时效 by the completion date or the end of
   the budget year (§3.2 dates such as ``2024年12月31日前``), else 按时完成率 = 100 %;
   成本 without a budget: 项目成本超支率 ≤ 0 % (§5, a recurring operational indicator).
   These rows have no precedent, so they keep the ``novel`` flag as well.
3. ``library`` — rows of the same (L1, L2) in any other library project, however dissimilar,
   ranked by how many projects use the indicator and then by similarity; cited like any
   precedent. An absolute amount of money (元/万元/亿元) is skipped: it is sized to another
   project's budget and says nothing about this one.

Conventions come before distant precedents for the L2s they cover because a row copied from an
unrelated project carries that project's subject (a 活动场次 filed under 成本), while the
convention is written for any project. Nothing found: the row stays empty and ``novel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.domain.values import fold, parse_value

_MONEY_UNITS = ("元", "万元", "亿元", "万美元", "亿元人民币")
SATISFACTION_CONVENTION = ("服务对象满意度", "≥90%")
ON_TIME_CONVENTION = ("按时完成率", "=100%")
COST_CONVENTION = ("项目成本超支率", "≤0%")


@dataclass
class Proposal:
    """A proposed row: name, value, basis, where it comes from, and the precedent rows it cites."""

    level3: str
    target: str
    source: str  # budget | convention | library
    note: str
    basis: str | None = None
    rows: list[tuple[Any, Any]] = field(default_factory=list)  # (indicator row, form row) for library proposals


def _is(kind: str, l1: str, l2: str | None) -> bool:
    """The group is of ``kind`` (成本, 满意度, 时效): its L2 names it, or its L1 when the L1 is open."""
    return kind in (l2 or l1)


def from_budget(l1: str, l2: str | None, budget: float | None) -> Proposal | None:
    """A 成本 row bounded by the project's own budget (万元)."""
    if budget is None or budget <= 0 or not _is("成本", l1, l2):
        return None
    return Proposal("项目资金支出成本", f"≤{budget:g}万元", "budget", basis="计划标准",
                    note=f"由预算 {budget:g} 万元推得：支出成本不超过预算；单位须确认")


def from_convention(l1: str, l2: str | None, *, year: int | None = None, deadline: str | None = None) -> Proposal | None:
    """The domain notes' conventional row for a 满意度, 时效 or 成本 group; None for any other L2."""
    if _is("满意度", l1, l2):
        name, target = SATISFACTION_CONVENTION
        return Proposal(name, target, "convention", note="惯例值（满意度通常不低于 90%）；单位须确认")
    if _is("时效", l1, l2):
        if deadline:
            when = deadline if deadline.endswith(("前", "内")) else f"{deadline}前"
            return Proposal("项目完成时间", when, "convention", basis="计划标准", note="按完成时限；单位须确认")
        if year:
            return Proposal("项目完成时间", f"{year}年12月31日前", "convention", basis="计划标准",
                            note=f"按预算年度 {year} 年底；单位须确认")
        name, target = ON_TIME_CONVENTION
        return Proposal(name, target, "convention", note="惯例值（未给完成时限或年度）；单位须确认")
    if _is("成本", l1, l2):
        name, target = COST_CONVENTION
        return Proposal(name, target, "convention", note="惯例值（未给预算：成本不超支）；单位须确认")
    return None


def _transferable(row: Any) -> bool:
    """A precedent value another project can reuse: filled, and not an amount of money."""
    if not (row["level3"] or "").strip() or not (row["target"] or "").strip():
        return False
    pv = parse_value(row["target"])
    unit = (pv.unit if pv else None) or row["unit"]
    return not (pv and pv.number is not None and unit in _MONEY_UNITS)


def from_library(forms: list[tuple[Any, list[Any]]], similarity: dict[str, float], l1: str,
                 alts: tuple[str, ...]) -> Proposal | None:
    """The best row of (l1, one of ``alts``) across ``forms`` (form row, its indicator rows).

    Ranked by the number of projects using the indicator (folded L3), then summed similarity
    (``similarity`` by form key; absent = 0), then the name. An empty ``alts`` (an open L1)
    accepts any L2 of ``l1``.
    """
    pooled: dict[str, list[tuple[Any, Any]]] = {}
    for form, rows in forms:
        for r in rows:
            if r["level1"] != l1 or (alts and r["level2"] not in alts) or not _transferable(r):
                continue
            pooled.setdefault(fold(r["level3"]), []).append((r, form))
    if not pooled:
        return None

    def rank(item: tuple[str, list[tuple[Any, Any]]]) -> tuple[int, float, str]:
        key, rows = item
        used = {f["form_key"] for _, f in rows}
        return (-len(used), -sum(similarity.get(k, 0.0) for k in used), key)

    _, rows = min(pooled.items(), key=rank)
    counts: dict[str, int] = {}
    for r, _ in rows:
        counts[r["target"]] = counts.get(r["target"], 0) + 1
    target = max(counts, key=lambda t: (counts[t], -len(t)))
    projects = {f["form_key"] for _, f in rows}
    return Proposal(rows[0][0]["level3"], target, "library", basis=rows[0][0]["basis"], rows=rows,
                    note=f"取自 {len(projects)} 个相似度较低的项目（最相似的先例均无此类指标）；单位须确认")


# ---------------------------------------------------------------------------------------
# Amounts of money in precedent values

_TO_WAN = {"元": 1e-4, "万元": 1.0, "亿元": 1e4, "亿元人民币": 1e4}


def amount_in_wan(target: str | None) -> float | None:
    """A target's amount in 万元 when it is an amount of money in yuan (元/万元/亿元); else None."""
    pv = parse_value(target) if target else None
    if not pv or pv.number is None or pv.unit not in _TO_WAN:
        return None
    return pv.number * _TO_WAN[pv.unit]


def rebase_cost(target: str, precedents: list[tuple[Any, Any]], budget: float | None) -> tuple[str, str] | None:
    """A 成本 amount copied from precedents, re-based on this project's budget.

    Why: a precedent's cost bound is sized to its own budget (Jiujiang: 项目资金支出成本 ≤ 60 万元
    on a 60 万元 budget); copied as is it may exceed the new project's budget. The precedents'
    share of their own budget (median over those printing ``target``) times ``budget`` keeps
    what they mean. None when the budget or the precedents' budgets are unknown.
    """
    wan = amount_in_wan(target)
    shares = sorted(wan / f["budget_total"] for r, f in precedents
                    if wan is not None and r["target"] == target and f["budget_total"])
    if not budget or budget <= 0 or not shares:
        return None
    share = shares[len(shares) // 2]
    pv = parse_value(target)
    new = f"{pv.op or ''}{round(budget * share, 2):g}万元"
    return new, (f"先例 {target} 占其预算的 {share:.0%}，按本项目预算 {budget:g} 万元折算为 {new}；单位须确认")
