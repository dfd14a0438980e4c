"""`jixiao review`: audit a submitted form the way a finance bureau's 绩效目标审核 does.

Each finding: severity (error / warning / info), the rule (完整性 / 规范性 / 相符性 + code), the
field and its evidence. Budget arithmetic is reconcile's (``reconcile_form``): its budget flags
are reported, not re-implemented.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field as dc_field
from typing import Any

from jixiao.domain.framework import detect_framework, framework_by_key, missing_groups
from jixiao.domain.values import fold, parse_value
from jixiao.domain.vocab import BASIS_VALUES
from jixiao.model.output import Form, Indicator

_QUANT_L2 = ("数量", "质量", "时效", "成本", "满意度")
_PLACEHOLDER = re.compile(r"\*\*|……|\.\.\.|^指标\d+$|^X+$|^x+$")
_GOAL_QTY = re.compile(r"(\d+(?:\.\d+)?)\s*(个|次|人次|人|家|项|场|户|所|公里|万元|亿元|台|套|件|期|批|%)")
SATISFACTION_FLOOR = 80.0  # 满意度 targets are printed ≥85–95 %; below 80 is unusual


@dataclass
class Finding:
    severity: str
    rule: str
    code: str
    message: str
    field: str | None = None
    evidence: dict[str, Any] = dc_field(default_factory=dict)


def _ind_ev(i: int, ind: Indicator) -> dict[str, Any]:
    ev = ind.evidence.get("target") or ind.evidence.get("level3")
    return {"row": i, "level2": ind.level2, "level3": ind.level3, "target": ind.target,
            "page": ev.page if ev else None, "bbox": list(ev.bbox) if ev and ev.bbox else None}


def review_form(form: Form, framework: str = "auto") -> list[Finding]:
    """Every finding for one form, errors first."""
    from jixiao.reconcile import reconcile_form  # reuse the levels canonicalization + budget checks

    checked = reconcile_form(form)
    out: list[Finding] = []
    pairs = {(i.level1_canonical or i.level1, i.level2_canonical or i.level2) for i in checked.indicators}
    fw = detect_framework(pairs, form.form_type) if framework == "auto" else framework_by_key(framework)
    for l1, alts in missing_groups(fw, pairs):
        out.append(Finding("error", "完整性", "missing_level2", f"{l1}: none of {'/'.join(alts) or '任何二级指标'} "
                           f"(framework {fw.key})", "indicators", {"framework": fw.key}))
    if not (form.goals.annual or form.goals.long_term):
        out.append(Finding("error", "完整性", "goals_missing", "no 绩效目标 (annual or long-term)", "goals"))
    _values(checked, out)
    _timeliness(checked, out)
    _half_year(checked, out)
    _long_term_vs_annual(checked, out)
    _budget(checked, out)
    _goal_quantities(checked, out)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda f: order[f.severity])


def _values(form: Form, out: list[Finding]) -> None:
    quant = 0
    seen: set[tuple[str, ...]] = set()
    for i, ind in enumerate(form.indicators):
        ev = _ind_ev(i, ind)
        l2 = ind.level2_canonical or ind.level2 or ""
        t = (ind.target or "").strip()
        if not t:
            out.append(Finding("error", "完整性", "target_empty", f"{ind.level3}: no target value", "target", ev))
            continue
        if _PLACEHOLDER.search(t) or _PLACEHOLDER.search(ind.level3 or ""):
            out.append(Finding("error", "规范性", "placeholder", f"{ind.level3}: placeholder left in ({t})", "target", ev))
        pv = ind.target_parsed or parse_value(t)
        if pv and pv.number is not None:
            quant += 1
            unit = pv.unit or ind.unit
            if "率" in (ind.level3 or "") and unit == "%" and pv.number > 100:
                out.append(Finding("error", "规范性", "rate_over_100", f"{ind.level3}: a 率 of {t}", "target", ev))
            if "率" in (ind.level3 or "") and unit and unit != "%":
                out.append(Finding("warning", "规范性", "rate_unit", f"{ind.level3}: a 率 measured in {unit}", "target", ev))
            if not unit and pv.number not in (0.0,):
                out.append(Finding("warning", "规范性", "unit_missing", f"{ind.level3}: {t} has no unit", "target", ev))
            if "满意" in (ind.level3 or "") + l2 and unit == "%" and pv.op in ("≥", ">", "=", None) \
                    and pv.number < SATISFACTION_FLOOR:
                out.append(Finding("warning", "规范性", "satisfaction_low", f"{ind.level3}: {t} below the usual "
                                   f"{SATISFACTION_FLOOR:g}% floor", "target", ev))
        elif pv and pv.op:
            out.append(Finding("error", "规范性", "operator_without_number", f"{ind.level3}: {t}", "target", ev))
        elif any(k in l2 for k in _QUANT_L2[:2] + _QUANT_L2[3:]):
            out.append(Finding("warning", "规范性", "qualitative_target", f"{ind.level3}: {l2} target '{t}' is not "
                               "quantified", "target", ev))
        if ind.basis and fold(ind.basis) not in BASIS_VALUES:
            out.append(Finding("info", "规范性", "basis_nonstandard", f"{ind.level3}: 指标值确定依据 '{ind.basis}'",
                               "basis", ev))
        key = (ind.scope, ind.level1_canonical or ind.level1 or "", l2, ind.key_task or "", fold(ind.level3))
        if ind.level3 and key in seen:
            out.append(Finding("warning", "规范性", "duplicate_indicator", f"{ind.level3} appears twice", "level3", ev))
        seen.add(key)
    n = len(form.indicators)
    if n:
        share = quant / n
        sev = "warning" if share < 0.5 else "info"
        out.append(Finding(sev, "规范性", "quantified_share", f"{quant}/{n} targets quantified ({share:.0%})",
                           "indicators", {"quantified": quant, "total": n}))


# A 时效 target states when: a date, a period, a duration, a frequency (1次/月), or an on-time share (及时率 ≥ 95%).
_WHEN = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日|季度|年底|年末|月底|上半年|下半年|前|内|以内|之内|天|日内|小时|工作日|周|"
                   r"个月|按时|及时|当年|当天|每|/[年季月周天日]|%|％")


_DATE = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日")


def expects_quantified(l1: str | None, l2: str | None) -> bool:
    """The framework expects a measured target here: 数量, 质量, 时效, 成本 and 满意度 groups."""
    return any(k in (l2 or l1 or "") for k in _QUANT_L2)


def quantified(l2: str | None, target: str | None) -> bool:
    """A measured target: a number (≥95%, ≤3个工作日, 1次/月), or for 时效 a date (2025年6月底前);
    “及时”, “较高”, “合格” are not."""
    t = fold(target or "")
    if not t:
        return False
    pv = parse_value(t)
    if pv and pv.number is not None:
        return True
    return "时效" in (l2 or "") and bool(_DATE.search(t))


def _timeliness(form: Form, out: list[Finding]) -> None:
    """规范性: a 时效 indicator whose target says neither when nor how soon (“完成”, “好”)."""
    for i, ind in enumerate(form.indicators):
        l2 = ind.level2_canonical or ind.level2 or ""
        t = fold(ind.target or "")
        if "时效" in l2 and t and not _WHEN.search(t):
            out.append(Finding("warning", "规范性", "timeliness_without_date", f"{ind.level3}: 时效 target '{ind.target}' "
                               "names no date, period or duration", "target", _ind_ev(i, ind)))


def _comparable(a, b) -> bool:
    """Two parsed targets that bound the same quantity the same way (≥ with ≥, same unit)."""
    return bool(a and b and a.number is not None and b.number is not None and (a.unit or "") == (b.unit or "")
                and (a.op or "=") in ("≥", ">", "=") and (b.op or "=") in ("≥", ">", "="))


def _half_year(form: Form, out: list[Finding]) -> None:
    """相符性: a half-year target above the full-year one (a 率 or share excepted: both are levels, not sums)."""
    for i, ind in enumerate(form.indicators):
        h, f = parse_value(ind.half_year) if ind.half_year else None, ind.target_parsed or parse_value(ind.target)
        if _comparable(h, f) and (h.unit or "") != "%" and h.number > f.number:
            out.append(Finding("warning", "相符性", "half_year_above_full_year", f"{ind.level3}: half year "
                               f"{ind.half_year} > full year {ind.target}", "half_year", _ind_ev(i, ind)))


def _long_term_vs_annual(form: Form, out: list[Finding]) -> None:
    """相符性: a 数量 indicator whose annual target exceeds the long-term one it is part of."""
    long_term = {fold(i.level3): i for i in form.indicators if i.scope == "long_term" and i.level3}
    for k, ind in enumerate(form.indicators):
        lt = long_term.get(fold(ind.level3 or "")) if ind.scope != "long_term" else None
        if lt is None or "数量" not in (ind.level2_canonical or ind.level2 or ""):
            continue
        a, b = ind.target_parsed or parse_value(ind.target), lt.target_parsed or parse_value(lt.target)
        if _comparable(a, b) and (a.unit or "") != "%" and a.number > b.number:
            out.append(Finding("warning", "相符性", "annual_above_long_term", f"{ind.level3}: annual {ind.target} > "
                               f"long-term {lt.target}", "target", _ind_ev(k, ind)))


def _budget(form: Form, out: list[Finding]) -> None:
    """reconcile's budget flags (sum mismatches, expense ≠ income …) as 相符性 findings."""
    for obj, where in [(form, "budget")] + [(ln, f"budget.lines[{k}]") for k, ln in enumerate(form.budget.lines)]:
        for fl in obj.flags:
            if fl.code.startswith("budget_"):
                sev = "error" if "mismatch" in fl.code else "warning"
                out.append(Finding(sev, "相符性", fl.code, fl.message, where, dict(fl.evidence)))
    total = form.budget.total
    for i, ind in enumerate(form.indicators):
        pv = ind.target_parsed or parse_value(ind.target)
        if total and pv and pv.number is not None and "成本" in (ind.level2_canonical or ind.level2 or "") \
                and pv.unit in ("万元", "元"):
            wan = pv.number / 10000 if pv.unit == "元" else pv.number
            if wan > total * 1.0001:
                out.append(Finding("error", "相符性", "cost_over_budget", f"{ind.level3}: {ind.target} > budget "
                                   f"{total:g}万元", "target", _ind_ev(i, ind)))


def _goal_quantities(form: Form, out: list[Finding]) -> None:
    """A quantity the goal promises that no indicator measures (same number, simple match)."""
    goal = " ".join(x for x in (form.goals.annual, form.goals.long_term) if x)
    targets = " ".join(fold(i.target) + fold(i.level3) for i in form.indicators)
    for m in _GOAL_QTY.finditer(fold(goal)):
        num = m.group(1)
        if not re.search(rf"(?<![\d.]){re.escape(num)}(?![\d.])", targets):
            out.append(Finding("info", "相符性", "goal_quantity_unmeasured", f"goal mentions {m.group(0)}; no "
                               "indicator has that number", "goals", {"text": m.group(0)}))


def findings_dict(findings: list[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]


def findings_markdown(title: str, findings: list[Finding]) -> str:
    lines = [f"## {title}", "", "| severity | rule | code | field | message |", "|---|---|---|---|---|"]
    lines += [f"| {f.severity} | {f.rule} | {f.code} | {f.field or ''} | {f.message} |" for f in findings]
    return "\n".join(lines) + "\n"


REPORT_COLUMNS = [("文件", "source"), ("表", "form"), ("项目名称", "project_name"), ("严重程度", "severity"),
                  ("规则", "rule"), ("代码", "code"), ("指标", "indicator"), ("字段", "field"), ("页", "page"),
                  ("说明", "message")]
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def report_rows(report: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per finding of ``jixiao review``'s report (entries of source, form, findings)."""
    rows = []
    for entry in report:
        for f in entry["findings"]:
            ev = f.get("evidence") or {}
            ind = " / ".join(x for x in (ev.get("level2"), ev.get("level3")) if x)
            if ev.get("row") is not None:
                ind = f"第{ev['row'] + 1}条 {ind}".strip()
            rows.append({"source": entry["source"], "form": entry["form"] + 1, "project_name": entry.get("project_name"),
                         "severity": f["severity"], "rule": f["rule"], "code": f["code"], "indicator": ind or None,
                         "field": f.get("field"), "page": ev.get("page"), "message": f["message"]})
    return rows


def write_report_xlsx(report: list[dict[str, Any]], path) -> None:
    """The review report a reviewer sends back: one sheet of findings, errors coloured."""
    from jixiao.export import write_sheets

    write_sheets([("审核意见", report_rows(report), REPORT_COLUMNS)], path, severity_sheets={"审核意见"})
