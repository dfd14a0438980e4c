"""`jixiao suggest`: a draft indicator set for a new project, cited to precedent forms.

How: BM25 finds the precedent forms most like the new project (name, goal, unit); their
indicators are pooled by (L1, L2, folded L3); a candidate's score is the summed similarity of
the precedents that use it (so frequency among similar projects counts, weighted by how
similar they are). Values come from the precedents: operator and unit kept, the number when
they agree, a range noted when they do not. The framework in force (detected from the
precedents or chosen) fixes which L2 groups must be present; a missing group gets a
row whose value comes from a source the unit can check (advise/proposals.py: its own budget,
the domain notes' conventions, or the same L2 in less similar library projects, cited), marked
``suggest_proposed``; a row with no precedent at all keeps the ``novel`` flag.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.advise.library import Hit, Index, starter_library
from jixiao.advise.proposals import (Proposal, amount_in_wan, from_budget, from_convention, from_library,
                                     rebase_cost)
from jixiao.domain.framework import Framework, detect_framework, framework_by_key, missing_groups
from jixiao.advise.review import expects_quantified, quantified
from jixiao.domain.values import fold, parse_value
from jixiao.model.output import Document, Evidence, Form, Goals, Budget, Indicator, Severity

_FRAMEWORK_CHOICES = {"2021": "project_2021", "2020": "project_classic"}
# the flags whose message the draft's 说明 column shows (Markdown and XLSX)
_NOTE_CODES = ("suggest_value_range", "novel", "suggest_proposed", "suggest_amount_rebased", "suggest_amount_copied",
               "suggest_lint")


@dataclass
class Request:
    name: str
    goal: str | None = None
    budget: float | None = None
    unit: str | None = None
    year: int | None = None
    deadline: str | None = None  # 完成时限 (e.g. 2025年6月30日): the 时效 convention uses it before the year's end
    framework: str = "auto"
    library: Path | None = None
    per_level2: int = 3
    k: int = 12  # precedent forms pooled; eval/suggest_bench.py: 8 → 204/322 matched, 12–30 → 215/322
    exclude_docs: tuple[str, ...] = ()
    exclude_forms: tuple[str, ...] = ()  # library form keys left out (leave-one-out benchmarks)
    include_synthetic: bool = False


@dataclass
class _Cand:
    l1: str
    l2: str
    l3: str
    score: float = 0.0
    rows: list = field(default_factory=list)


def _choose_framework(req: Request, hits) -> Framework:
    if req.framework in _FRAMEWORK_CHOICES:
        return framework_by_key(_FRAMEWORK_CHOICES[req.framework])
    if req.framework not in ("auto", "dept"):
        return framework_by_key(req.framework)
    pairs: dict[str, float] = defaultdict(float)
    for h, inds in hits:  # a similarity-weighted vote: the closest precedents' framework wins
        fw = detect_framework({(r["level1"], r["level2"]) for r in inds}, h.row["form_type"])
        pairs[fw.key] += h.score
    if req.framework == "dept":
        dept = {k: v for k, v in pairs.items() if "department" in k}
        return framework_by_key(max(dept, key=dept.get) if dept else "suzhou_department")
    proj = {k: v for k, v in pairs.items() if "department" not in k}
    if proj:
        return framework_by_key(max(proj, key=proj.get))
    return framework_by_key("project_2021" if (req.year or 0) >= 2022 else "project_classic")


def _value(rows) -> tuple[str | None, str | None]:
    """The proposed target and a note on spread: most common printed value; range when numbers differ."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["target"]:
            counts[r["target"]] += 1
    if not counts:
        return None, None
    best = max(counts, key=lambda t: (counts[t], -len(t)))
    pv = parse_value(best)
    nums = sorted({r["number"] for r in rows if r["number"] is not None and pv and r["op"] == pv.op
                   and fold(r["unit"]) == fold(pv.unit)})
    if pv and pv.number is not None and len(nums) > 1:
        lo, hi = (f"{n:g}" for n in (nums[0], nums[-1]))
        return best, f"先例取值不一：{pv.op or ''}{lo}–{hi}{pv.unit or ''}（{len(rows)} 个先例）"
    return best, None


def _citation(r, h) -> dict:
    return {"doc_id": h.row["doc_id"], "source": h.row["source"], "form_index": h.row["form_index"],
            "project_name": h.row["project_name"], "indicator": r["ind_key"], "page": r["page"],
            "level3": r["level3"], "target": r["target"], "evidence": r["evidence"]}


def suggest(req: Request) -> Document:
    """The draft: a Document with one project Form; citations in each indicator's flags (code ``citation``)."""
    lib = req.library or starter_library()
    if not lib.exists():
        raise FileNotFoundError(f"{lib}: no indicator library (build one with `jixiao library build`)")
    ix = Index(lib, include_synthetic=req.include_synthetic, exclude_docs=req.exclude_docs,
               exclude_forms=req.exclude_forms)
    query = " ".join(x for x in (req.name, req.name, req.goal, req.unit) if x)
    want = "department" if req.framework == "dept" else "project"
    hits = ix.search(query, k=req.k, form_type=want) or ix.search(query, k=req.k)
    pooled = [(h, ix.indicators(h.form_key)) for h in hits]
    fw = _choose_framework(req, pooled)
    top = max((h.score for h in hits), default=1.0) or 1.0
    cands: dict[tuple[str, str, str], _Cand] = {}
    for h, inds in pooled:
        for r in inds:
            allowed = fw.level2s(r["level1"]) if r["level1"] else None
            if not r["level3"] or allowed is None or (allowed and r["level2"] not in allowed):
                continue  # outside the framework in force (or an uncanonical L2)
            key = (r["level1"], r["level2"] or "", fold(r["level3"]))
            c = cands.setdefault(key, _Cand(r["level1"], r["level2"] or "", r["level3"]))
            if not any(x[1] is h for x in c.rows):
                c.score += h.score / top
            c.rows.append((r, h))
    by_l2: dict[tuple[str, str], list[_Cand]] = defaultdict(list)
    for c in cands.values():
        by_l2[(c.l1, c.l2)].append(c)
    indicators: list[Indicator] = []
    order = {l1: i for i, l1 in enumerate(fw.level1s)}
    similarity: dict[str, float] | None = None
    for (l1, l2), cs in sorted(by_l2.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        ranked = sorted(cs, key=lambda c: (-c.score, c.l3))
        chosen = [_indicator(c, req.budget) for c in ranked[: req.per_level2]]
        if expects_quantified(l1, l2) and not any(quantified(l2 or l1, i.target) for i in chosen):
            # the framework expects a measurable row here: the best quantified precedent, else a proposal
            extra = next((c for c in ranked[req.per_level2:]
                          if quantified(l2 or l1, _value([r for r, _ in c.rows])[0])), None)
            if extra is not None:
                chosen.append(_indicator(extra, req.budget))
            else:
                p = from_budget(l1, l2, req.budget) or from_convention(l1, l2, year=req.year, deadline=req.deadline)
                if p is None:
                    similarity = similarity if similarity is not None else ix.similarity(query)
                    wider = ix.forms_with_level1(l1, want) or ix.forms_with_level1(l1)
                    wider = [(f, [r for r in rows if quantified(l2 or l1, r["target"])]) for f, rows in wider]
                    p = from_library(wider, similarity, l1, (l2,) if l2 else ())
                if p is not None:
                    chosen.append(_proposed(l1, l2, p, similarity or {}))
        indicators.extend(chosen)
    pairs = {(i.level1, i.level2) for i in indicators}
    for l1, alts in missing_groups(fw, pairs):
        l2 = alts[0] if alts else None
        p = from_budget(l1, l2, req.budget) or from_convention(l1, l2, year=req.year, deadline=req.deadline)
        if p is None:
            similarity = similarity if similarity is not None else ix.similarity(query)
            wider = ix.forms_with_level1(l1, want) or ix.forms_with_level1(l1)
            p = from_library(wider, similarity, l1, alts)
        indicators.append(_proposed(l1, l2, p, similarity or {}))
    form = Form(form_type="project", title="项目支出绩效目标表（建议稿）", year=req.year, unit_name=req.unit,
                project_name=req.name, budget=Budget(total=req.budget),
                goals=Goals(annual=req.goal), indicators=indicators)
    form.flag(Severity.INFO, "suggest_framework", f"framework {fw.key}: {fw.title}", precedents=[
        {"doc_id": h.row["doc_id"], "project_name": h.row["project_name"], "score": round(h.score, 3)} for h in hits])
    doc = Document(doc_id=f"suggest:{req.name}", forms=[form], notes=[f"framework {fw.key}", f"library {lib}"])
    lint_draft(doc, fw.key)
    return doc


def lint_draft(doc: Document, framework: str = "auto") -> dict[int, int]:
    """Review's rules on the draft, each finding on a row attached to it as a ``suggest_lint`` flag
    (rule, finding, its severity); earlier ``suggest_lint`` flags are replaced, so a draft changed
    afterwards (``--llm on``) is linted again. Returns the findings per row."""
    from jixiao.advise.review import review_form

    form = doc.forms[0]
    for ind in form.indicators:
        ind.flags = [f for f in ind.flags if f.code != "suggest_lint"]
    counts: dict[int, int] = defaultdict(int)
    for f in review_form(form, framework):
        row = f.evidence.get("row") if f.evidence else None
        if row is None or not 0 <= row < len(form.indicators):
            continue
        sev = Severity.INFO if f.severity == "info" else Severity.WARNING
        form.indicators[row].flag(sev, "suggest_lint", f"{f.rule}/{f.code}: {f.message}", f.field,
                                  rule=f.rule, finding=f.code, finding_severity=f.severity)
        counts[row] += 1
    return dict(counts)


def _indicator(c: _Cand, budget: float | None) -> Indicator:
    """A candidate as a draft row: its value from the precedents, each precedent cited."""
    target, spread = _value([r for r, _ in c.rows])
    lint: list[tuple[str, str]] = []
    if target and amount_in_wan(target) is not None:  # an amount sized to a precedent's own budget
        rebased = rebase_cost(target, [(r, h.row) for r, h in c.rows], budget) if "成本" in (c.l2 or c.l1) else None
        if rebased:
            lint.append(("suggest_amount_rebased", rebased[1]))
            target, spread = rebased[0], None
        else:
            lint.append(("suggest_amount_copied", f"金额 {target} 取自先例项目（按其自身预算确定），须按本项目调整"))
    r0, h0 = c.rows[0]
    ind = Indicator(level1=c.l1, level2=c.l2 or None, level3=c.l3, target=target, basis=r0["basis"],
                    level1_canonical=c.l1, level2_canonical=c.l2 or None, target_parsed=parse_value(target))
    ind.evidence["level3"] = Evidence(page=r0["page"], source_text=r0["evidence"], extractor="library")
    seen = set()
    for r, h in c.rows:
        if r["ind_key"] in seen:
            continue
        seen.add(r["ind_key"])
        ind.flag(Severity.INFO, "citation", f"precedent {h.row['doc_id']} · {h.row['project_name'] or '部门整体'}",
                 "level3", **_citation(r, h))
    forms = len({h.form_key for _, h in c.rows})
    ind.flag(Severity.INFO, "suggest_support", f"used by {forms} precedent form(s); support {c.score:.2f}", "level3",
             score=round(c.score, 4), forms=forms)
    if spread:
        ind.flag(Severity.INFO, "suggest_value_range", spread, "target")
    for code, msg in lint:
        ind.flag(Severity.INFO, code, msg, "target")
    return ind


def _proposed(l1: str, l2: str | None, p: Proposal | None, similarity: dict[str, float]) -> Indicator:
    """A framework-required row no close precedent covers: the proposal (flagged ``suggest_proposed``
    with its source) or, with none, an empty ``novel`` row for the unit to fill."""
    if p is not None and p.source == "library":
        r0 = p.rows[0][0]
        c = _Cand(l1, r0["level2"] or "", r0["level3"],
                  rows=[(r, Hit(f["form_key"], similarity.get(f["form_key"], 0.0), f)) for r, f in p.rows])
        ind = _indicator(c, None)
    else:
        ind = Indicator(level1=l1, level2=l2, level3=p.level3 if p else None, target=p.target if p else None,
                        basis=p.basis if p else None, level1_canonical=l1, level2_canonical=l2,
                        target_parsed=parse_value(p.target) if p else None)
        msg = ("no precedent: required by the framework; the value is a proposal, confirm it" if p else
               "no precedent: required by the framework; fill in the indicator and value")
        ind.flag(Severity.WARNING, "novel", msg, "level3")
    if p is not None:
        ind.flag(Severity.INFO, "suggest_proposed", p.note, "target", source=p.source)
    return ind


def draft_markdown(doc: Document) -> str:
    """The draft as a reviewer reads it: one table row per indicator, its value spread and citations."""
    f = doc.forms[0]
    lines = [f"# 绩效目标建议稿：{f.project_name}", "", f"- {doc.notes[0] if doc.notes else ''}",
             f"- 年度目标：{f.goals.annual or ''}", f"- 预算：{f.budget.total if f.budget.total is not None else ''} 万元", "",
             "| 一级指标 | 二级指标 | 三级指标 | 指标值 | 说明 | 先例 |", "|---|---|---|---|---|---|"]
    for i in f.indicators:
        cites = [fl.evidence for fl in i.flags if fl.code == "citation"]
        notes = "; ".join(fl.message for fl in i.flags if fl.code in _NOTE_CODES)
        src = "; ".join(f"{c['doc_id']}#{c['form_index']} p{c['page'] or '?'} {c['target'] or ''}" for c in cites[:3])
        more = f" (+{len(cites) - 3})" if len(cites) > 3 else ""
        lines.append(f"| {i.level1 or ''} | {i.level2 or ''} | {i.level3 or ''} | {i.target or ''} | {notes} | {src}{more} |")
    return "\n".join(lines) + "\n"


DRAFT_COLUMNS = [("一级指标", "level1"), ("二级指标", "level2"), ("三级指标", "level3"), ("指标值", "target"),
                 ("指标值确定依据", "basis"), ("说明", "notes"), ("先例", "precedents")]
CITATION_COLUMNS = [("三级指标", "level3"), ("先例文档", "doc_id"), ("表序", "form_index"), ("项目名称", "project_name"),
                    ("页", "page"), ("先例指标值", "target")]


def write_draft_xlsx(doc: Document, path: Path) -> Path:
    """The draft laid out as a 项目支出绩效目标表 — header fields above the indicator table, so a
    unit can paste it into its own template — and a second sheet listing every citation."""
    from jixiao.export import write_sheets

    f = doc.forms[0]
    rows, cites = [], []
    for i in f.indicators:
        cs = [fl.evidence for fl in i.flags if fl.code == "citation"]
        rows.append({"level1": i.level1, "level2": i.level2, "level3": i.level3, "target": i.target, "basis": i.basis,
                     "notes": "; ".join(fl.message for fl in i.flags if fl.code in _NOTE_CODES),
                     "precedents": "; ".join(f"{c['doc_id']}#{c['form_index']}" for c in cs)})
        cites += [{"level3": i.level3, **{k: c.get(k) for k in ("doc_id", "form_index", "project_name", "page", "target")}}
                  for c in cs]
    head = [[f.title or "项目支出绩效目标表（建议稿）"], ["项目名称", f.project_name], ["实施单位", f.unit_name],
            ["年度资金总额（万元）", f.budget.total], ["年度目标", f.goals.annual], ["指标体系", doc.notes[0] if doc.notes else ""], []]
    return write_sheets([("绩效目标表", rows, DRAFT_COLUMNS), ("先例", cites, CITATION_COLUMNS)], path,
                        preamble={"绩效目标表": head})
