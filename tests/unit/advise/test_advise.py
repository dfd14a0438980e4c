"""Library idempotence/incrementality, search, suggest on a held-out real form, review on planted problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("jieba")
pytest.importorskip("bm25s")

from jixiao.advise import library as lib  # noqa: E402
from jixiao.advise.review import review_form  # noqa: E402
from jixiao.advise.suggest import Request, suggest  # noqa: E402
from jixiao.domain.framework import framework_by_key, missing_groups  # noqa: E402
from jixiao.domain.values import fold  # noqa: E402
from jixiao.model.output import load_document  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[3] / "golden"


def test_build_idempotent_incremental_and_synthetic_excluded(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    a = lib.build([GOLDEN / "s001_gaoxin_projects"], db)
    assert a["new_forms"] == 2
    assert lib.build([GOLDEN / "s001_gaoxin_projects"], db)["new_forms"] == 0  # same input, same rows
    b = lib.build([GOLDEN / "s001_gaoxin_projects", GOLDEN / "s002_suzhou_projects", GOLDEN / "syn_01_sichuan_opcol"], db)
    assert b["new_forms"] == 17  # only s002's forms are new
    assert b["skipped_synthetic"] >= 1
    st = lib.stats(db)
    assert st["forms"] == 19 and st["synthetic_forms"] == 0
    c = lib.build([GOLDEN / "syn_01_sichuan_opcol"], db, include_synthetic=True)
    assert c["new_forms"] >= 1 and lib.stats(db)["synthetic_forms"] == c["new_forms"]


def test_search_finds_precedent_by_chinese_query(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    lib.build([GOLDEN], db)
    hits = lib.Index(db).search("办公场所物业管理服务")
    assert hits and hits[0].row["project_name"] == "物业管理费"


def _real_pairs(form) -> set[tuple[str, str]]:
    from jixiao.reconcile import reconcile_form

    f = reconcile_form(form)
    return {(i.level1_canonical or i.level1, i.level2_canonical or i.level2) for i in f.indicators}


def test_suggest_on_held_out_real_project(tmp_path: Path) -> None:
    """Hold out s001 (a 招商引资 project) entirely; precedents include s004's own 招商引资 form."""
    db = tmp_path / "lib.sqlite"
    lib.build([GOLDEN], db, exclude_docs=["s001_gaoxin_projects"])
    real = load_document(GOLDEN / "s001_gaoxin_projects" / "label.json").forms[0]
    doc = suggest(Request(name=real.project_name, goal=real.goals.annual, library=db, year=real.year))
    draft = doc.forms[0]
    fw_key = doc.notes[0].split()[1]
    pairs = {(i.level1, i.level2) for i in draft.indicators}
    assert missing_groups(framework_by_key(fw_key), pairs) == []  # every required group present
    precedent = [i for i in draft.indicators if any(fl.code == "citation" for fl in i.flags)]
    assert precedent and all(fl.evidence.get("doc_id") != "s001_gaoxin_projects"
                             for i in precedent for fl in i.flags if fl.code == "citation")
    real_l2 = {l2 for _, l2 in _real_pairs(real)}
    got_l2 = {l2 for _, l2 in pairs}
    recall = len(real_l2 & got_l2) / len(real_l2)
    canon = {fold(i.level3): l2 for i, (_, l2) in zip(real.indicators, [(None, x) for x in
             [(j.level2_canonical or j.level2) for j in __import__("jixiao.reconcile", fromlist=["x"]).reconcile_form(real).indicators]])}
    matched = [r for r, l2 in canon.items()
               if any(i.level2 == l2 and _bigram_jaccard(r, fold(i.level3 or "")) >= 0.25 for i in draft.indicators)]
    print(f"held-out s001#0: level2 recall {recall:.2f}, fuzzy level3 overlap {len(matched)}/{len(canon)}: {matched}")
    assert recall >= 0.5 and len(matched) >= 1


def _bigram_jaccard(a: str, b: str) -> float:
    """Character-bigram Jaccard: 受益人满意度 ~ 受益人员满意度 (a fuzzy same-indicator test)."""
    x, y = ({s[k:k + 2] for k in range(len(s) - 1)} for s in (a, b))
    return len(x & y) / len(x | y) if x | y else 0.0


def _s001() -> object:
    return load_document(GOLDEN / "s001_gaoxin_projects" / "label.json").forms[0]


def test_review_clean_golden_form_has_no_errors() -> None:
    assert [f.code for f in review_form(_s001()) if f.severity == "error"] == []


def test_review_finds_planted_problems() -> None:
    f = _s001().model_copy(deep=True)
    f.indicators = [i for i in f.indicators if "满意" not in (i.level2 or "") + (i.level1 or "")]
    rate = f.indicators[0]
    rate.level3 = "任务完成率"
    rate.target, rate.target_parsed = "≥120%", None
    assert f.budget.lines, "s001 has budget lines"
    f.budget.lines[0].amount = (f.budget.lines[0].amount or 0) + 777
    codes = {(x.severity, x.code) for x in review_form(f)}
    assert ("error", "missing_level2") in codes
    assert ("error", "rate_over_100") in codes
    assert any(sev == "error" and "budget" in code and "mismatch" in code for sev, code in codes), codes


def test_cli_suggest_and_review(tmp_path: Path) -> None:
    """The commands end to end: a Markdown draft with citations; review's exit code reflects errors."""
    import json

    from typer.testing import CliRunner

    from jixiao.cli import app

    runner = CliRunner()
    db = tmp_path / "lib.sqlite"
    r = runner.invoke(app, ["library", "build", str(GOLDEN / "s002_suzhou_projects"), "-o", str(db)])
    assert r.exit_code == 0, r.output
    draft = tmp_path / "d.md"
    r = runner.invoke(app, ["suggest", "--name", "办公楼物业管理服务", "--library", str(db), "-o", str(draft)])
    assert r.exit_code == 0, r.output
    assert "s002_suzhou_projects#" in draft.read_text(encoding="utf-8")
    clean = runner.invoke(app, ["review", str(GOLDEN / "s001_gaoxin_projects" / "label.json"),
                                "-o", str(tmp_path / "r.json")])
    assert clean.exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))[0]["findings"]
    bad = _s001().model_copy(deep=True)
    bad.indicators = bad.indicators[:2]
    doc = load_document(GOLDEN / "s001_gaoxin_projects" / "label.json")
    doc.forms = [bad]
    (tmp_path / "bad.json").write_text(doc.to_json(), encoding="utf-8")
    assert runner.invoke(app, ["review", str(tmp_path / "bad.json")]).exit_code == 1


def test_review_xlsx_report_one_row_per_finding(tmp_path: Path) -> None:
    """`jixiao review -o REPORT.xlsx`: one sheet, a row per finding with severity, rule, indicator
    and message; a formula-like value stays text."""
    import json

    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from jixiao.cli import app

    bad = _s001().model_copy(deep=True)
    bad.indicators[0].level3, bad.indicators[0].target, bad.indicators[0].target_parsed = "任务完成率", "=**", None
    doc = load_document(GOLDEN / "s001_gaoxin_projects" / "label.json")
    doc.forms = [bad]
    src = tmp_path / "bad.json"
    src.write_text(doc.to_json(), encoding="utf-8")
    runner = CliRunner()
    runner.invoke(app, ["review", str(src), "-o", str(tmp_path / "r.json")])
    expected = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))[0]["findings"]
    r = runner.invoke(app, ["review", str(src), "-o", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 1, r.output  # the placeholder is an error
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["审核意见"]
    rows = list(wb["审核意见"].values)
    header = rows[0]
    assert {"严重程度", "规则", "指标", "说明"} <= set(header)
    body = [dict(zip(header, r)) for r in rows[1:]]
    assert len(body) == len(expected)
    assert [(b["严重程度"], b["规则"], b["说明"]) for b in body] == [(f["severity"], f["rule"], f["message"]) for f in expected]
    placeholder = [b for b in body if b["代码"] == "placeholder"]
    assert placeholder and "任务完成率" in placeholder[0]["指标"] and placeholder[0]["指标"].startswith("第1条")
    cells = [c for row in wb["审核意见"].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert all(c.data_type == "s" for c in cells)


def _ind(level2: str, level3: str, target: str, **kw) -> "Indicator":
    from jixiao.model.output import Indicator

    return Indicator(level1="产出指标", level2=level2, level3=level3, target=target, **kw)


def test_review_timeliness_half_year_and_long_term_rules() -> None:
    """Hand-made rows that break each 相符性/规范性 rule, beside clean ones that must not fire."""
    from jixiao.model.output import Form

    f = Form(form_type="project", project_name="测试项目", indicators=[
        _ind("时效指标", "项目完成时间", "完成"),                       # no date: fires
        _ind("时效指标", "资金拨付及时率", "≥95%"),                     # an on-time share: clean
        _ind("时效指标", "培训完成时间", "2025年6月底前"),               # a date: clean
        _ind("数量指标", "培训人次", "≥500人次", half_year="≥600人次"),  # half > full: fires
        _ind("数量指标", "新建公里数", "≥10公里", half_year="≥4公里"),   # clean
        _ind("质量指标", "验收合格率", "≥98%", half_year="≥99%"),        # a level, not a sum: clean
        _ind("数量指标", "改造户数", "≥300户", scope="long_term"),
        _ind("数量指标", "改造户数", "≥450户"),                         # annual > long-term: fires
        _ind("数量指标", "培训人次", "≥2000人次", scope="long_term"),    # long-term ≥ annual: clean
    ])
    hits = [(x.code, x.evidence.get("level3")) for x in review_form(f)
            if x.code in ("timeliness_without_date", "half_year_above_full_year", "annual_above_long_term")]
    assert sorted(hits) == [("annual_above_long_term", "改造户数"), ("half_year_above_full_year", "培训人次"),
                            ("timeliness_without_date", "项目完成时间")]


def test_suggest_xlsx_is_laid_out_like_the_form(tmp_path: Path) -> None:
    """-o DRAFT.xlsx: header fields above an indicator table (一级/二级/三级/指标值 …), citations
    on their own sheet, each resolving to a library document."""
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from jixiao.cli import app

    out = tmp_path / "draft.xlsx"
    r = CliRunner().invoke(app, ["suggest", "--name", "办公楼物业管理服务", "--budget", "120", "--goal", "=保障办公楼运行",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    ws = wb["绩效目标表"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[1][:2] == ["项目名称", "办公楼物业管理服务"] and cells[3][1] == 120
    assert ws["B5"].value == "=保障办公楼运行" and ws["B5"].data_type == "s"  # text, never a formula
    head = next(i for i, row in enumerate(cells) if row[:4] == ["一级指标", "二级指标", "三级指标", "指标值"])
    body = [row for row in cells[head + 1:] if any(row)]
    assert len(body) >= 5 and ws.freeze_panes == f"A{head + 2}"
    cites = [[c.value for c in row] for row in wb["先例"].iter_rows(min_row=2)]
    assert cites and all(c[1] for c in cites)
    import sqlite3

    with sqlite3.connect(lib.starter_library()) as db:
        forms = set(db.execute("select doc_id, form_index from forms"))
    assert {(c[1], c[2]) for c in cites} <= forms  # every citation resolves to a library form


@pytest.mark.parametrize("code, indicator, form_kw", [
    ("target_empty", dict(level2="数量指标", level3="培训人次", target=""), {}),
    ("placeholder", dict(level2="数量指标", level3="培训人次", target="≥**人次"), {}),
    ("placeholder", dict(level2="数量指标", level3="培训人次", target="……"), {}),
    ("operator_without_number", dict(level2="数量指标", level3="培训人次", target="≥人次"), {}),
    ("unit_missing", dict(level2="数量指标", level3="培训人次", target="≥500"), {}),
    ("rate_unit", dict(level2="质量指标", level3="验收合格率", target="≥95个"), {}),
    ("satisfaction_low", dict(level2="服务对象满意度指标", level3="群众满意度", target="≥60%"), {}),
    ("qualitative_target", dict(level2="数量指标", level3="培训人次", target="较多"), {}),
    ("basis_nonstandard", dict(level2="数量指标", level3="培训人次", target="≥500人次", basis="领导要求"), {}),
    ("cost_over_budget", dict(level2="成本指标", level3="培训成本", target="≤150万元"), {"budget_total": 100.0}),
    ("goal_quantity_unmeasured", dict(level2="数量指标", level3="培训人次", target="≥500人次"),
     {"goal": "全年完成800户改造"}),
])
def test_each_review_rule_fires_on_a_form_that_breaks_it(code: str, indicator: dict, form_kw: dict) -> None:
    """One hand-made row per rule; the same form with a clean row raises nothing of that code."""
    from jixiao.model.output import Budget, Form, Goals, Indicator

    def form(ind: dict) -> Form:
        return Form(form_type="project", project_name="测试项目", goals=Goals(annual=form_kw.get("goal", "完成培训")),
                    budget=Budget(total=form_kw.get("budget_total")),
                    indicators=[Indicator(level1="产出指标" if "满意" not in ind["level2"] else "满意度指标", **ind)])

    clean = dict(indicator, target="≥500人次" if "率" not in indicator["level3"] and "满意" not in indicator["level3"]
                 else "≥95%", basis=None)
    if code == "cost_over_budget":
        clean["target"] = "≤50万元"
    if code == "goal_quantity_unmeasured":
        clean["target"] = "≥800户"
    assert code in {x.code for x in review_form(form(indicator))}
    assert code not in {x.code for x in review_form(form(clean))}


def test_duplicate_and_missing_goals_are_found() -> None:
    from jixiao.model.output import Form, Indicator

    row = dict(level1="产出指标", level2="数量指标", level3="培训人次", target="≥500人次")
    f = Form(form_type="project", project_name="测试项目", indicators=[Indicator(**row), Indicator(**row)])
    codes = {x.code for x in review_form(f)}
    assert {"duplicate_indicator", "goals_missing"} <= codes


def test_review_files_into_an_output_folder(tmp_path: Path) -> None:
    """`jixiao review FILES... -o OUT/` (the issue's form): several inputs, one report per format
    in OUT, one entry per form of every input; the exit code still says whether errors were found."""
    import json

    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from jixiao.cli import app

    out = tmp_path / "OUT"
    out.mkdir()
    inputs = [str(GOLDEN / d / "label.json") for d in ("s001_gaoxin_projects", "s004_jiujiang_ocr")]
    r = CliRunner().invoke(app, ["review", *inputs, "-o", str(out)])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert sorted(p.name for p in out.iterdir()) == ["review.json", "review.md", "review.xlsx"]
    report = json.loads((out / "review.json").read_text(encoding="utf-8"))
    assert {Path(e["source"]).parent.name for e in report} == {"s001_gaoxin_projects", "s004_jiujiang_ocr"}
    errors = sum(f["severity"] == "error" for e in report for f in e["findings"])
    assert r.exit_code == (1 if errors else 0)
    md = (out / "review.md").read_text(encoding="utf-8")
    assert md.count("## ") == len(report) and "| severity | rule |" in md
    rows = list(load_workbook(out / "review.xlsx")["审核意见"].values)
    assert len(rows) - 1 == sum(len(e["findings"]) for e in report)
    fresh = tmp_path / "NEW"  # a folder that does not exist yet is created
    CliRunner().invoke(app, ["review", inputs[0], "-o", str(fresh)])
    assert (fresh / "review.md").is_file()


def _framework_keys() -> list[str]:
    from jixiao.domain.framework import FRAMEWORKS

    return [fw.key for fw in FRAMEWORKS]


@pytest.mark.parametrize("key", _framework_keys())
def test_suggest_completes_every_framework(key: str) -> None:
    """Completeness per framework: a draft made under any framework (chosen with --framework) has
    every level2 group that framework requires, each row's (L1, L2) allowed by it."""
    doc = suggest(Request(name="办公楼物业管理服务", goal="保障办公区域安全整洁", budget=80, year=2025, framework=key))
    fw = framework_by_key(key)
    rows = doc.forms[0].indicators
    pairs = {(i.level1, i.level2) for i in rows}
    assert doc.notes[0] == f"framework {key}"
    assert missing_groups(fw, pairs) == []
    assert all(i.level1 in fw.level1s for i in rows)


def test_review_completeness_depends_on_the_framework() -> None:
    """The same rows are complete under the classic framework (成本 under 产出) and miss the 2021
    framework's 成本指标 level1; a classic form without any 成本 row misses it under the classic one."""
    from jixiao.model.output import Form, Goals, Indicator

    def form(rows: list) -> Form:
        return Form(form_type="project", project_name="测试项目", goals=Goals(annual="完成培训"), indicators=rows)

    classic = [_ind("数量指标", "培训人次", "≥500人次"), _ind("质量指标", "培训合格率", "≥95%"),
               _ind("时效指标", "培训完成时间", "2025年6月底前"), _ind("成本指标", "培训成本", "≤50万元"),
               Indicator(level1="效益指标", level2="社会效益指标", level3="技能提升人数", target="≥400人"),
               Indicator(level1="满意度指标", level2="服务对象满意度指标", level3="学员满意度", target="≥90%")]
    missing = lambda f, key: [x.evidence.get("framework") for x in review_form(f, key)  # noqa: E731
                              if x.code == "missing_level2"]
    assert missing(form(classic), "project_classic") == []
    assert missing(form(classic), "project_2021") == ["project_2021"]
    no_cost = [i for i in classic if i.level2 != "成本指标"]
    assert missing(form(no_cost), "project_classic") == ["project_classic"]


def test_review_reads_any_input_extract_reads(tmp_path: Path) -> None:
    """A submitted form as the unit sends it (here the text export of s001), not its JSON: review
    extracts it first and reports per form, the same rules as on the label."""
    import json

    from typer.testing import CliRunner

    from jixiao.cli import app

    src = GOLDEN / "s001_gaoxin_projects" / "source.txt"
    r = CliRunner().invoke(app, ["review", str(src), "-o", str(tmp_path / "r.json")])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [e["form"] for e in report] == [0, 1] and all(e["source"] == str(src) for e in report)
    assert {e["project_name"] for e in report} == {f.project_name for f in load_document(
        GOLDEN / "s001_gaoxin_projects" / "label.json").forms}


def test_placeholder_indicator_name_is_found() -> None:
    from jixiao.model.output import Form, Goals, Indicator

    def form(l3: str) -> Form:
        return Form(form_type="project", project_name="测试项目", goals=Goals(annual="完成培训"),
                    indicators=[Indicator(level1="产出指标", level2="数量指标", level3=l3, target="≥500人次")])

    assert "placeholder" in {x.code for x in review_form(form("指标1"))}
    assert "placeholder" not in {x.code for x in review_form(form("培训人次"))}
