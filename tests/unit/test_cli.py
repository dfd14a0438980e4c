"""`jixiao extract` as a user runs it: batches with bad files, exit codes, resume, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
from openpyxl import load_workbook
from fakes.pdfkit import story_pdf
from typer.testing import CliRunner

from jixiao.cli import app

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parents[2] / "golden"

FORM_HTML = """<h3>项目支出绩效目标表</h3><p>2025年度</p>
<table><tr><td>项目名称</td><td>农田水利维护</td><td>主管部门</td><td>某县水利局</td></tr>
<tr><td>资金总额（万元）</td><td>120.5</td><td>财政拨款</td><td>120.5</td></tr></table>
<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>
<tr><td rowspan="2">产出指标</td><td>数量指标</td><td>维护渠道长度</td><td>≥12公里</td></tr>
<tr><td>质量指标</td><td>验收合格率</td><td>=100%</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>受益农户满意度</td><td>≥90%</td></tr></table>"""
CSS = "table{border-collapse:collapse;width:100%} td{border:1px solid black;font-size:9pt;padding:2px} *{font-family:sans-serif}"


def make_pdf(path: Path, html: str = FORM_HTML, pages: int = 1) -> Path:
    return story_pdf(path, [html] * pages, CSS)


def test_batch_continues_past_bad_files_and_keeps_good_output(tmp_path):
    good = make_pdf(tmp_path / "good.pdf")
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    encrypted = tmp_path / "locked.pdf"
    doc = pymupdf.open(good)
    doc.save(encrypted, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="secret")
    not_form = make_pdf(tmp_path / "letter.pdf", html="<p>关于召开年度工作会议的通知</p><p>各科室：请准时参加。</p>")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(tmp_path), "-o", str(out), "--format", "json,xlsx,csv,md"])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    by_name = {Path(f["path"]).name: f for f in run["files"]}
    assert by_name["good.pdf"]["status"] == "ok" and by_name["good.pdf"]["indicators"] == 3
    assert by_name["corrupt.pdf"]["status"] == "failed" and by_name["corrupt.pdf"]["reason"]
    assert by_name["empty.pdf"]["status"] == "failed" and "empty" in by_name["empty.pdf"]["reason"]
    assert by_name["locked.pdf"]["status"] == "failed" and "encrypt" in by_name["locked.pdf"]["reason"].lower()
    assert by_name["letter.pdf"]["status"] == "ok" and by_name["letter.pdf"]["forms"] == 0
    assert "no" in by_name["letter.pdf"]["reason"] and "form" in by_name["letter.pdf"]["reason"]
    data = json.loads((out / "good.json").read_text(encoding="utf-8"))
    ind = data["forms"][0]["indicators"][1]
    assert (ind["level1"], ind["level2"], ind["level3"], ind["target"]) == ("产出指标", "质量指标", "验收合格率", "=100%")
    assert ind["evidence"]["target"]["page"] == 1 and len(ind["evidence"]["target"]["bbox"]) == 4
    wb = load_workbook(out / "good.xlsx")
    assert wb.sheetnames == ["表单", "指标", "资金", "疑点"]
    assert wb["指标"]["G1"].value == "三级指标"
    assert (out / "good.csv").exists() and (out / "good.md").read_text(encoding="utf-8").startswith("# good")


def test_exit_code_is_nonzero_only_when_every_file_failed(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    result = runner.invoke(app, ["extract", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "bad.pdf" in result.output


def test_rerun_resumes_and_force_redoes(tmp_path):
    src = GOLDEN / "s000_suzhou_dept" / "source.txt"
    out = tmp_path / "out"
    first = runner.invoke(app, ["extract", str(src), "-o", str(out)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["extract", str(src), "-o", str(out)])
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["files"][0]["status"] == "skipped"
    third = runner.invoke(app, ["extract", str(src), "-o", str(out), "--force"])
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert third.exit_code == 0 and run["files"][0]["status"] == "ok" and run["files"][0]["indicators"] == 46


def test_large_pdf_is_processed_page_by_page(tmp_path):
    big = make_pdf(tmp_path / "book.pdf", pages=300)
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(big), "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "book.json").read_text(encoding="utf-8"))
    assert data["source"]["pages"] == 300
    assert len(data["forms"]) == 300


def test_unknown_format_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path), "--format", "pdf"])
    assert result.exit_code == 2
