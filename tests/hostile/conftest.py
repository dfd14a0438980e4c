"""Builders for hostile and unlucky inputs (issue 15): each case made on the fly, tiny by construction."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A form as a person copies it out of Word into a text file: tab-separated rows.
FORM_TSV = (
    "项目支出绩效目标表\n"
    "项目名称\t社区养老服务补助\n"
    "主管部门\t民政局\n"
    "年度目标\t完成养老服务补助发放\n"
    "一级指标\t二级指标\t三级指标\t指标值\n"
    "产出指标\t数量指标\t补助人数\t≥100人\n"
    "产出指标\t质量指标\t发放准确率\t=100%\n"
    "效益指标\t社会效益指标\t老人满意度\t≥90%\n"
)


def write_form(path: Path, text: str = FORM_TSV, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def docx_with_span(path: Path, span: int) -> Path:
    """A Word table whose first cell claims ``gridSpan=span`` (python-docx, then one attribute)."""
    import docx
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement

    d = docx.Document()
    d.add_paragraph("项目支出绩效目标表")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "一级指标", "指标值"
    tc_pr = t.cell(0, 0)._tc.get_or_add_tcPr()
    gs = OxmlElement("w:gridSpan")
    gs.set(qn("w:val"), str(span))
    tc_pr.append(gs)
    d.save(str(path))
    return path


def xlsx_with_merge(path: Path, ref: str) -> Path:
    """A workbook (openpyxl) whose sheet XML then gets ``<mergeCell ref=ref>`` — as a hostile
    author would write it by hand (openpyxl itself would allocate the merge)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目支出绩效目标表"
    wb.active["A2"] = "一级指标"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode())
            z.writestr(info, data)
    return path


def run_cli(args: list[str], timeout: float = 120, max_memory_mib: int = 2048) -> subprocess.CompletedProcess:
    """``jixiao`` in a child process under a wall-clock timeout and an address-space cap,
    so a regression shows up as a failed test, not a machine out of memory."""
    def limit() -> None:
        cap = max_memory_mib * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "jixiao.cli", "extract", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=env)


@pytest.fixture
def form_tsv() -> str:
    return FORM_TSV
