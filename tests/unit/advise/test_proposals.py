"""Proposed values for framework-required rows no close precedent covers (advise/proposals.py),
each source on a small hand-made library: the budget, the domain conventions, less similar
library projects (cited), and none (the row stays empty and ``novel``)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("jieba")
pytest.importorskip("bm25s")

from jixiao.advise import library as lib  # noqa: E402
from jixiao.advise.proposals import from_budget, from_convention, from_library  # noqa: E402
from jixiao.advise.review import review_form  # noqa: E402
from jixiao.advise.suggest import Request, suggest  # noqa: E402
from jixiao.model.output import Document, Form, Goals, Indicator  # noqa: E402

OUT, EFFECT, SAT = "产出指标", "效益指标", "满意度指标"


def _row(l1: str, l2: str, l3: str, target: str) -> Indicator:
    return Indicator(level1=l1, level2=l2, level3=l3, target=target, level1_canonical=l1, level2_canonical=l2)


def _office() -> list[Indicator]:
    """A classic-framework project with 数量/时效/社会效益/满意度 rows but no 质量 and no 成本."""
    return [_row(OUT, "数量指标", "物业服务面积", "≥5000平方米"), _row(OUT, "时效指标", "物业服务完成及时率", "≥95%"),
            _row(EFFECT, "社会效益指标", "办公秩序保障程度", "有效保障"),
            _row(SAT, "服务对象满意度指标", "干部职工满意度", "≥92%")]


def _library_of(tmp_path: Path, forms: dict[str, tuple[str, str, list[Indicator]]]) -> Path:
    """A library of one project form per ``doc_id → (name, goal, indicators)``."""
    db = tmp_path / "lib.sqlite"
    con = lib.connect(db)
    for doc_id, (name, goal, inds) in forms.items():
        form = Form(form_type="project", project_name=name, year=2024, goals=Goals(annual=goal), indicators=inds)
        lib.add_document(con, Document(doc_id=doc_id, forms=[form]), tmp_path / f"{doc_id}.json")
    con.close()
    return db


def _library(tmp_path: Path) -> Path:
    """Two office-property projects (the close precedents) and three unrelated projects."""
    forms = {
        "office_a": ("办公楼物业管理服务", "保障办公楼物业管理服务正常运行", _office()),
        "office_b": ("办公楼物业保洁服务", "保障办公楼保洁物业服务", _office()),
        "irrigation": ("农田水利灌溉工程建设", "新建灌溉渠道", [
            _row(OUT, "数量指标", "新建渠道长度", "≥12公里"), _row(OUT, "质量指标", "工程验收合格率", "=100%"),
            _row(OUT, "成本指标", "工程总成本", "≤500万元"), _row(OUT, "成本指标", "成本节约率", "≥5%")]),
        "greening": ("道路绿化养护", "养护道路绿化带", [
            _row(OUT, "数量指标", "养护面积", "≥20万平方米"), _row(OUT, "质量指标", "工程验收合格率", "≥98%"),
            _row(OUT, "质量指标", "苗木成活率", "≥90%")]),
        "school": ("中小学校舍维修", "维修校舍", [_row(OUT, "质量指标", "维修质量达标率", "≥95%")]),
    }
    return _library_of(tmp_path, forms)


def _by_l2(doc: Document, l2: str) -> list[Indicator]:
    return [i for i in doc.forms[0].indicators if i.level2 == l2]


def _codes(ind: Indicator) -> dict[str, dict]:
    return {fl.code: fl.evidence for fl in ind.flags}


def test_cost_from_the_budget_when_given(tmp_path: Path) -> None:
    doc = suggest(Request(name="办公楼物业管理", goal="保障办公楼物业服务", budget=86.5, library=_library(tmp_path), k=2))
    (cost,) = _by_l2(doc, "成本指标")
    assert cost.target == "≤86.5万元" and cost.basis == "计划标准"
    codes = _codes(cost)
    assert codes["suggest_proposed"]["source"] == "budget" and "novel" in codes and "citation" not in codes
    assert not [f for f in review_form(doc.forms[0]) if f.severity == "error"]


def test_cost_convention_without_budget_not_another_projects_amount(tmp_path: Path) -> None:
    """No budget: the 成本超支率 convention, never the irrigation project's ≤500万元."""
    doc = suggest(Request(name="办公楼物业管理", library=_library(tmp_path), k=2))
    (cost,) = _by_l2(doc, "成本指标")
    assert (cost.level3, cost.target) == ("项目成本超支率", "≤0%")
    assert _codes(cost)["suggest_proposed"]["source"] == "convention" and "novel" in _codes(cost)


def test_quality_from_less_similar_projects_with_citations(tmp_path: Path) -> None:
    """质量 has no convention and no close precedent: the indicator two unrelated projects share
    (工程验收合格率) beats one used once, cited to both projects, not marked novel."""
    doc = suggest(Request(name="办公楼物业管理", library=_library(tmp_path), k=2))
    (quality,) = _by_l2(doc, "质量指标")
    assert quality.level3 == "工程验收合格率" and quality.target in ("=100%", "≥98%")
    codes = _codes(quality)
    assert codes["suggest_proposed"]["source"] == "library" and "novel" not in codes
    cited = {fl.evidence["doc_id"] for fl in quality.flags if fl.code == "citation"}
    assert cited == {"irrigation", "greening"}
    # the close precedents (k=2: the two office projects) supplied everything else
    others = [i for i in doc.forms[0].indicators if i.level2 not in ("质量指标", "成本指标")]
    assert others and all(fl.evidence["doc_id"].startswith("office") for i in others for fl in i.flags
                          if fl.code == "citation")


def test_library_source_ranks_by_use_then_similarity_and_skips_money(tmp_path: Path) -> None:
    ix = lib.Index(_library(tmp_path))
    forms = ix.forms_with_level1(OUT)
    p = from_library(forms, ix.similarity("道路绿化"), OUT, ("成本指标",))
    assert p is not None and (p.level3, p.target) == ("成本节约率", "≥5%")  # ≤500万元 is not transferable
    sim = ix.similarity("中小学校舍维修")
    assert sim[next(f["form_key"] for f, _ in forms if f["doc_id"] == "school")] > 0
    # one use each (苗木成活率, 维修质量达标率 …) loses to the shared 工程验收合格率, whatever the similarity
    assert from_library(forms, sim, OUT, ("质量指标",)).level3 == "工程验收合格率"
    # among indicators used once, the more similar project wins
    once = [(f, [r for r in rows if r["level3"] != "工程验收合格率"]) for f, rows in forms]
    assert from_library(once, sim, OUT, ("质量指标",)).level3 == "维修质量达标率"
    assert from_library(once, ix.similarity("道路绿化"), OUT, ("质量指标",)).level3 == "苗木成活率"
    assert from_library(forms, sim, OUT, ("生态环境成本指标",)) is None


@pytest.mark.parametrize("l1, l2, kw, expected", [
    (SAT, "服务对象满意度指标", {}, ("服务对象满意度", "≥90%")),
    (OUT, "时效指标", {"deadline": "2025年6月30日"}, ("项目完成时间", "2025年6月30日前")),
    (OUT, "时效指标", {"deadline": "9月底前", "year": 2025}, ("项目完成时间", "9月底前")),
    (OUT, "时效指标", {"year": 2025}, ("项目完成时间", "2025年12月31日前")),
    (OUT, "时效指标", {}, ("按时完成率", "=100%")),
    ("成本指标", "经济成本指标", {}, ("项目成本超支率", "≤0%")),
    (OUT, "数量指标", {"year": 2025}, None),
    (EFFECT, "社会效益指标", {}, None),
])
def test_conventions(l1: str, l2: str, kw: dict, expected: tuple[str, str] | None) -> None:
    p = from_convention(l1, l2, **kw)
    assert (p and (p.level3, p.target)) == expected or (p is None and expected is None)
    if p:
        assert p.source == "convention" and "确认" in p.note


def test_budget_source_only_for_cost() -> None:
    assert from_budget(OUT, "成本指标", 50).target == "≤50万元"
    assert from_budget("成本指标", "经济成本指标", 1200.0).target == "≤1200万元"
    assert from_budget(OUT, "质量指标", 50) is None and from_budget(OUT, "成本指标", None) is None
    assert from_budget(OUT, "成本指标", 0) is None


def test_timeliness_convention_through_suggest_and_review(tmp_path: Path) -> None:
    """A library with no 时效 row anywhere: the draft's 时效 row comes from --deadline, and review accepts it."""
    db = tmp_path / "lib.sqlite"
    con = lib.connect(db)
    inds = [i for i in _office() if i.level2 != "时效指标"]
    lib.add_document(con, Document(doc_id="a", forms=[Form(form_type="project", project_name="办公楼物业管理服务",
                                                            indicators=inds)]), tmp_path / "a.json")
    con.close()
    doc = suggest(Request(name="办公楼物业管理", goal="保障办公楼物业服务", deadline="2025年6月30日", library=db, framework="2020"))
    (when,) = _by_l2(doc, "时效指标")
    assert when.target == "2025年6月30日前" and _codes(when)["suggest_proposed"]["source"] == "convention"
    assert not [f for f in review_form(doc.forms[0]) if f.evidence.get("level3") == "项目完成时间"]


def test_no_source_leaves_an_empty_novel_row(tmp_path: Path) -> None:
    """The Suzhou framework's 决策/过程 rows: no convention, no library row anywhere — empty, novel,
    no proposal; review still reports them (the rule is not weakened)."""
    doc = suggest(Request(name="办公楼物业管理", library=_library(tmp_path), framework="suzhou_project"))
    empty = [i for i in doc.forms[0].indicators if i.level1 in ("决策", "过程")]
    assert len(empty) == 5 and all(not i.target and not i.level3 for i in empty)
    assert all("novel" in _codes(i) and "suggest_proposed" not in _codes(i) for i in empty)
    errors = [f for f in review_form(doc.forms[0]) if f.code == "target_empty"]
    assert len(errors) == 5


def _cost_library(tmp_path: Path) -> Path:
    """Two 招商 projects whose cost bound is sized to their own budget (60 and 200 万元: the whole budget
    and half of it), one of them with an economic benefit in money."""
    from jixiao.model.output import Budget

    db = tmp_path / "cost.sqlite"
    con = lib.connect(db)
    for doc_id, budget, cost, extra in (
            ("a", 60.0, "≤60万元", [_row(EFFECT, "经济效益指标", "带动投资额", "≥3亿元")]),
            ("b", 200.0, "≤100万元", [])):
        inds = _office() + [_row(OUT, "质量指标", "活动完成率", "=100%"),
                                  _row(OUT, "成本指标", "项目资金支出成本", cost)] + extra
        form = Form(form_type="project", project_name="招商引资活动经费", budget=Budget(total=budget),
                    goals=Goals(annual="开展招商引资活动"), indicators=inds)
        lib.add_document(con, Document(doc_id=doc_id, forms=[form]), tmp_path / f"{doc_id}.json")
    con.close()
    return db


def test_precedent_cost_amount_rebased_on_the_budget(tmp_path: Path) -> None:
    """The precedents' ≤60万元 is 100 % of their 60 万元 budget: on a 25 万元 budget it becomes ≤25万元,
    so review finds no cost above the budget; the citations stay."""
    db = _cost_library(tmp_path)
    doc = suggest(Request(name="招商引资活动", goal="开展招商引资活动", budget=25, library=db))
    (cost,) = _by_l2(doc, "成本指标")
    codes = _codes(cost)
    assert cost.target in ("≤25万元", "≤12.5万元") and "suggest_amount_rebased" in codes and "citation" in codes
    assert "cost_over_budget" not in {f.code for f in review_form(doc.forms[0])}
    (benefit,) = _by_l2(doc, "经济效益指标")  # a benefit is not bounded by the budget: kept, marked copied
    assert benefit.target == "≥3亿元" and "suggest_amount_copied" in _codes(benefit)


def test_precedent_cost_amount_copied_and_marked_without_budget(tmp_path: Path) -> None:
    doc = suggest(Request(name="招商引资活动", goal="开展招商引资活动", library=_cost_library(tmp_path)))
    (cost,) = _by_l2(doc, "成本指标")
    assert cost.target in ("≤60万元", "≤100万元") and "suggest_amount_copied" in _codes(cost)
    assert "suggest_amount_rebased" not in _codes(cost)


def test_rebase_uses_the_precedents_share_of_their_budget() -> None:
    from jixiao.advise.proposals import amount_in_wan, rebase_cost

    rows = [({"target": "≤100万元"}, {"budget_total": 200.0}), ({"target": "≤100万元"}, {"budget_total": 400.0}),
            ({"target": "≤100万元"}, {"budget_total": 125.0}), ({"target": "≤60万元"}, {"budget_total": 60.0})]
    new, note = rebase_cost("≤100万元", rows, 50.0)
    assert new == "≤25万元" and "50%" in note  # shares 0.25, 0.5, 0.8 → median 0.5
    assert rebase_cost("≤100万元", rows, None) is None
    assert rebase_cost("≤100万元", [({"target": "≤100万元"}, {"budget_total": None})], 50.0) is None
    assert amount_in_wan("≤200000元") == 20 and amount_in_wan("≥1.5亿元") == 15000 and amount_in_wan("≥90%") is None


def test_cli_deadline_and_budget_reach_the_proposals(tmp_path: Path) -> None:
    """`jixiao suggest --deadline … --budget …`: the Markdown draft shows both proposals and their notes."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    db = tmp_path / "lib.sqlite"
    con = lib.connect(db)
    inds = [i for i in _office() if i.level2 != "时效指标"]
    lib.add_document(con, Document(doc_id="a", forms=[Form(form_type="project", project_name="办公楼物业管理服务",
                                                            indicators=inds)]), tmp_path / "a.json")
    con.close()
    out = tmp_path / "d.md"
    r = CliRunner().invoke(app, ["suggest", "--name", "办公楼物业管理", "--deadline", "2025年9月30日", "--budget", "42",
                                 "--framework", "2020", "--library", str(db), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "| 项目完成时间 | 2025年9月30日前 |" in text and "| 项目资金支出成本 | ≤42万元 |" in text
    assert "单位须确认" in text


def test_every_measured_group_gets_a_quantified_row(tmp_path: Path) -> None:
    """The framework expects a measured target in 数量/质量/时效/成本/满意度: when the closest
    precedents' top rows of a group are all qualitative (及时, 较高), the draft adds the best
    quantified precedent of that group (cited), else a proposal (convention, or a less similar
    project's measured row), so no such group is left without a number or a date."""
    from jixiao.advise.review import expects_quantified, quantified

    def office(k: int) -> list[Indicator]:
        return [_row(OUT, "数量指标", "物业服务面积", "≥5000平方米"),
                _row(OUT, "时效指标", "物业服务及时性", "及时"), _row(OUT, "时效指标", "维修响应及时性", "及时"),
                _row(OUT, "时效指标", "报修处理时效", "及时"),
                *([_row(OUT, "时效指标", "年度服务完成时间", "2025年12月31日前")] if k == 0 else []),
                _row(OUT, "质量指标", "物业服务水平", "较高"),
                _row(OUT, "成本指标", "物业服务成本控制", "有效控制"),
                _row(EFFECT, "社会效益指标", "办公秩序保障程度", "有效保障"),
                _row(SAT, "服务对象满意度指标", "干部职工满意程度", "较高")]

    forms = {f"office_{k}": ("办公楼物业管理服务", "保障办公楼物业管理服务正常运行", office(k)) for k in range(3)}
    forms["greening"] = ("道路绿化养护", "养护道路绿化带", [_row(OUT, "质量指标", "苗木成活率", "≥90%")])
    db = _library_of(tmp_path, forms)
    doc = suggest(Request(name="办公楼物业管理", goal="保障办公楼物业服务", library=db, framework="2020", per_level2=3))
    groups: dict[tuple[str, str], list[Indicator]] = {}
    for i in doc.forms[0].indicators:
        groups.setdefault((i.level1, i.level2), []).append(i)
    unmeasured = [g for g, rows in groups.items()
                  if expects_quantified(*g) and not any(quantified(g[1], r.target) for r in rows)]
    assert unmeasured == [], unmeasured
    when = [i for i in _by_l2(doc, "时效指标") if i.target == "2025年12月31日前"]
    assert when and _codes(when[0])["citation"]["doc_id"] == "office_0"  # the precedent's date, cited
    sat = [i for i in _by_l2(doc, "服务对象满意度指标") if quantified("满意度", i.target)]
    assert sat and _codes(sat[0])["suggest_proposed"]["source"] == "convention"
    quality = [i for i in _by_l2(doc, "质量指标") if quantified("质量", i.target)]
    assert quality and quality[0].target == "≥90%" and _codes(quality[0])["citation"]["doc_id"] == "greening"
    cost = [i for i in _by_l2(doc, "成本指标") if quantified("成本", i.target)]
    assert cost and cost[0].target == "≤0%"  # the convention without a budget
    assert not [x for x in review_form(doc.forms[0]) if x.severity == "error"]


def test_retrieval_order_on_a_hand_made_library(tmp_path: Path) -> None:
    """Search ranks the closest project first; within a level2 the draft orders candidates by the
    summed similarity of the precedents using them — an indicator two similar projects share comes
    before one a single project uses."""
    db = _library(tmp_path)
    hits = lib.Index(db).search("办公楼物业管理服务", k=5)
    names = [h.row["project_name"] for h in hits]
    assert names[0] == "办公楼物业管理服务" and names[1] == "办公楼物业保洁服务"
    assert all(h.score > 0 for h in hits[:2]) and hits[0].score >= hits[1].score
    assert lib.Index(db).search("道路绿化")[0].row["project_name"] == "道路绿化养护"
    con = lib.connect(db)  # one more office form with a 数量 row of its own, used once
    form = Form(form_type="project", project_name="办公楼物业维修服务", year=2024, goals=Goals(annual="物业维修"),
                indicators=[_row(OUT, "数量指标", "维修次数", "≥20次"), *_office()[1:]])
    lib.add_document(con, Document(doc_id="office_c", forms=[form]), tmp_path / "office_c.json")
    con.close()
    doc = suggest(Request(name="办公楼物业管理服务", library=db, k=3))
    quantity = [i.level3 for i in _by_l2(doc, "数量指标")]
    assert quantity[:2] == ["物业服务面积", "维修次数"]  # used by office_a and office_b, then by office_c alone
    (area,) = [i for i in _by_l2(doc, "数量指标") if i.level3 == "物业服务面积"]
    assert _codes(area)["suggest_support"]["forms"] == 2


def test_every_draft_row_carries_its_lint(tmp_path: Path) -> None:
    """The draft is a Form with citations *and lint per indicator*: review's findings on each row
    (here a precedent's 率 measured in 个 and a nonstandard basis) ride on that row as
    ``suggest_lint`` flags, with rule and finding; a clean row has none; the Markdown shows them."""
    from jixiao.advise.suggest import draft_markdown

    rows = _office() + [Indicator(level1=OUT, level2="质量指标", level3="保洁达标率", target="≥95个", basis="领导要求",
                                  level1_canonical=OUT, level2_canonical="质量指标")]
    db = tmp_path / "lib.sqlite"
    con = lib.connect(db)
    form = Form(form_type="project", project_name="办公楼物业管理服务", year=2024, goals=Goals(annual="保障办公楼"),
                indicators=rows)
    lib.add_document(con, Document(doc_id="office", forms=[form]), tmp_path / "office.json")
    con.close()
    doc = suggest(Request(name="办公楼物业管理服务", library=db, framework="2020"))
    (odd,) = [i for i in doc.forms[0].indicators if i.level3 == "保洁达标率"]
    lint = {fl.evidence["finding"]: fl for fl in odd.flags if fl.code == "suggest_lint"}
    assert {"rate_unit", "basis_nonstandard"} <= set(lint) and lint["rate_unit"].evidence["rule"] == "规范性"
    assert _codes(odd)["citation"]["doc_id"] == "office"  # lint never replaces the citation
    (clean,) = [i for i in doc.forms[0].indicators if i.level3 == "干部职工满意度"]
    assert not [fl for fl in clean.flags if fl.code == "suggest_lint"]
    assert "rate_unit" in draft_markdown(doc)


def test_values_from_precedents_keep_operator_and_unit_and_show_a_range(tmp_path: Path) -> None:
    """Precedents that agree give their value; precedents that differ give the most common value
    (operator and unit kept) and a ``suggest_value_range`` note with the spread."""
    db = tmp_path / "lib.sqlite"
    con = lib.connect(db)
    for k, (area, sat) in enumerate([("≥5000平方米", "≥92%"), ("≥5000平方米", "≥92%"), ("≥8000平方米", "≥92%")]):
        form = Form(form_type="project", project_name="办公楼物业管理服务", year=2024, goals=Goals(annual="保障办公楼"),
                    indicators=[_row(OUT, "数量指标", "物业服务面积", area),
                                _row(SAT, "服务对象满意度指标", "干部职工满意度", sat)])
        lib.add_document(con, Document(doc_id=f"office_{k}", forms=[form]), tmp_path / f"o{k}.json")
    con.close()
    doc = suggest(Request(name="办公楼物业管理服务", library=db, framework="2020"))
    (area,) = [i for i in doc.forms[0].indicators if i.level3 == "物业服务面积"]
    assert area.target == "≥5000平方米" and (area.target_parsed.op, area.target_parsed.unit) == ("≥", "平方米")
    assert "≥5000–8000平方米" in _codes(area)["suggest_value_range"] or any(
        "≥5000–8000平方米" in fl.message for fl in area.flags if fl.code == "suggest_value_range")
    (sat,) = [i for i in doc.forms[0].indicators if i.level3 == "干部职工满意度"]
    assert sat.target == "≥92%" and "suggest_value_range" not in _codes(sat)
