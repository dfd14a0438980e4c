"""`jixiao eval` end to end on a tiny golden set built in tmp_path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jixiao.evaluate.cli import app, eval_command
from jixiao.model.output import Budget, BudgetLine, Document, Evidence, Form, Indicator

runner = CliRunner()


def _label(doc_id: str, names: list[str]) -> Document:
    return Document(doc_id=doc_id, forms=[Form(
        form_type="project", title="项目支出绩效目标表", year=2024, unit_name="某市公共资源交易中心",
        project_name="委托审计审核费用",
        budget=Budget(total=3.0, fiscal=3.0, lines=[BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=3.0)]),
        indicators=[Indicator(level1="产出指标", level2="数量指标", level3=n, target="=2份") for n in names],
    )])


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """golden/{alpha,beta}/label.json; pred/ with alpha perfect (text) and imperfect (digital), beta plain."""
    monkeypatch.chdir(tmp_path)  # the default eval/thresholds.toml must not leak in from the repo
    for doc_id, names, variants in (("alpha", ["审计报告数", "审计覆盖率"], ["text", "digital"]), ("beta", ["系统运行率"], ["text"])):
        d = tmp_path / "golden" / doc_id
        d.mkdir(parents=True)
        data = json.loads(_label(doc_id, names).to_json(full=False))
        data["variants"] = variants
        (d / "label.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (d / "source.txt").write_text("项目名称 委托审计审核费用\n", encoding="utf-8")
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "alpha.text.json").write_text(_label("alpha", ["审计报告数", "审计覆盖率"]).to_json(), encoding="utf-8")
    imperfect = _label("alpha", ["审计报告数", "审计覆盖率"])
    wrong = imperfect.forms[0].indicators[1]
    wrong.target = "=3份"
    wrong.evidence["target"] = Evidence(page=2, source_text="审计覆盖率 =3份 <b>")
    (pred / "alpha.digital.json").write_text(imperfect.to_json(), encoding="utf-8")
    (pred / "beta.json").write_text(_label("beta", ["系统运行率"]).to_json(), encoding="utf-8")
    return tmp_path


def _run(args: list[str]):
    return runner.invoke(app, [str(a) for a in args])


def _thresholds(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_pred_mode_writes_three_reports(tree: Path):
    th = _thresholds(tree / "th.toml", "[overall]\nindicator_f1 = 0.0\n[variant.digital]\nindicator_f1 = 0.0\n")
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "out", "--thresholds", th])
    assert res.exit_code == 0, res.output
    for name in ("report.json", "report.md", "report.html"):
        assert (tree / "out" / name).stat().st_size > 0
    report = json.loads((tree / "out" / "report.json").read_text(encoding="utf-8"))
    assert set(report["by_variant"]) == {"text", "digital", "default"}
    assert report["by_variant"]["digital"]["field_accuracy"]["target"] == 0.5
    assert report["by_variant"]["text"]["exact_row_rate"] == 1.0
    assert report["overall"]["indicator_recall"] == 1.0
    assert [(w["doc"], w["variant"], w["field"], w["expected"], w["got"], w["page"]) for w in report["wrong_fields"]] == [
        ("alpha", "digital", "target", "=2份", "=3份", 2)]
    assert report["thresholds"]["failures"] == []


def test_html_is_self_contained_and_lists_wrong_fields(tree: Path):
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "out"])
    assert res.exit_code == 0, res.output
    page = (tree / "out" / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(https?:)?//[\w.-]+/|<link\b|<script\b|<img\b|\bsrc=|@import|url\(""", page)
    for section in ("Summary", "Per variant", "Per field", "Calibration"):
        assert f"<h2>{section}" in page
    # the wrong field with its evidence, HTML-escaped
    assert "=3份" in page and "审计覆盖率 =3份 &lt;b&gt;" in page
    md = (tree / "out" / "report.md").read_text(encoding="utf-8")
    assert "| alpha | digital | 委托审计审核费用 | 审计覆盖率 | target |" in md


def test_threshold_failure_exits_1_and_names_the_metric(tree: Path):
    th = _thresholds(tree / "th.toml", "[overall]\nindicator_f1 = 0.0\n[variant.digital]\nindicator_field_accuracy = 0.99\n")
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "out", "--thresholds", th])
    assert res.exit_code == 1, res.output
    report = json.loads((tree / "out" / "report.json").read_text(encoding="utf-8"))
    assert len(report["thresholds"]["failures"]) == 1
    assert report["thresholds"]["failures"][0].startswith("variant.digital.indicator_field_accuracy = 0.9500 < minimum")
    assert "indicator_field_accuracy" in res.output


def test_maximum_table_and_unknown_metric(tree: Path):
    th = _thresholds(tree / "th.toml", "[overall.max]\nsilent_error_rate = 0.0\n")
    assert _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "o1", "--thresholds", th]).exit_code == 1
    th = _thresholds(tree / "th.toml", "[overall]\nindicator_f11 = 0.0\n")
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "o2", "--thresholds", th])
    assert res.exit_code == 1 and "indicator_f11" in res.output
    th = _thresholds(tree / "th.toml", '[overall]\n"field_accuracy.target" = 0.8\n[overall.header_field_accuracy]\n"goals.annual" = 1.0\n')
    assert _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "o3", "--thresholds", th]).exit_code == 0


def test_compare_prints_deltas(tree: Path):
    assert _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "old", "--only", "alpha", "--variant", "text"]).exit_code == 0
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "new", "--only", "alpha", "--variant", "digital",
                "--variant", "text", "--compare", tree / "old" / "report.json"])
    assert res.exit_code == 0, res.output
    report = json.loads((tree / "new" / "report.json").read_text(encoding="utf-8"))
    row = next(r for r in report["compare"] if r["scope"] == "overall" and r["metric"] == "indicator_field_accuracy")
    assert (row["old"], row["new"]) == (1.0, pytest.approx(39 / 40)) and row["delta"] == pytest.approx(-0.025)
    assert "-2.5 pt" in res.output


def test_missing_prediction_is_scored_empty_and_listed(tree: Path):
    (tree / "pred" / "beta.json").unlink()
    res = _run([tree / "golden", "--pred", tree / "pred", "--out", tree / "out"])
    assert res.exit_code == 0, res.output
    report = json.loads((tree / "out" / "report.json").read_text(encoding="utf-8"))
    assert [e["doc"] for e in report["errors"]] == ["beta"]
    assert report["overall"]["form_recall"] == pytest.approx(2 / 3)


def test_bad_inputs_exit_2(tree: Path):
    assert _run([tree / "nope", "--pred", tree / "pred"]).exit_code == 2
    assert _run([tree / "golden", "--pred", tree / "pred", "--thresholds", tree / "missing.toml"]).exit_code == 2
    assert _run([tree / "golden", "--pred", tree / "pred", "--only", "gamma"]).exit_code == 2


def test_extraction_mode_uses_pipeline_and_survives_a_failing_input(tree: Path, monkeypatch: pytest.MonkeyPatch):
    import jixiao.pipeline

    calls = []

    def fake_extract(path: Path, options) -> Document:
        calls.append((path.parent.name, path.name, options.llm))
        if path.parent.name == "beta":
            raise RuntimeError("cannot segment")
        return _label("alpha", ["审计报告数"])  # misses 审计覆盖率

    monkeypatch.setattr(jixiao.pipeline, "extract_file", fake_extract, raising=False)
    res = _run([tree / "golden", "--variant", "text", "--llm", "fallback", "--out", tree / "out"])
    assert res.exit_code == 0, res.output
    assert calls == [("alpha", "source.txt", "fallback"), ("beta", "source.txt", "fallback")]
    report = json.loads((tree / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["errors"] == [{"doc": "beta", "variant": "text", "error": "RuntimeError: cannot segment"}]
    assert report["overall"]["indicator_recall"] == pytest.approx(1 / 3)
    assert (tree / "out" / "pred" / "alpha.text.json").exists()  # re-scorable with --pred


def test_mounts_as_a_subcommand(tree: Path):
    parent = typer.Typer()
    parent.command("eval")(eval_command)
    parent.command("other")(lambda: None)
    res = runner.invoke(parent, ["eval", str(tree / "golden"), "--pred", str(tree / "pred"), "--out", str(tree / "out")])
    assert res.exit_code == 0, res.output
    assert (tree / "out" / "report.html").exists()


def test_extraction_mode_without_a_pipeline_says_to_use_pred(tree: Path, monkeypatch: pytest.MonkeyPatch):
    import jixiao.pipeline

    monkeypatch.delattr(jixiao.pipeline, "extract_file", raising=False)
    res = _run([tree / "golden", "--out", tree / "out"])
    assert res.exit_code == 2
    assert "--pred" in res.output
