"""Export: a Document → JSON (canonical), XLSX, CSV and a Markdown summary.

JSON is the contract (v1 + provenance). The tabular exports are for people: Chinese
column headers, one row per indicator / budget line / flag, filterable in Excel.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from jixiao.model.output import Document, Severity

FORMATS = ("json", "xlsx", "csv", "md")

FORM_COLUMNS = [
    ("表序", "form_index"), ("表类型", "form_type"), ("表名", "title"), ("年度", "year"), ("单位名称", "unit_name"),
    ("主管部门", "competent_dept"), ("项目名称", "project_name"), ("资金总额(万元)", "budget_total"),
    ("财政拨款(万元)", "budget_fiscal"), ("中长期目标", "long_term"), ("年度目标", "annual"), ("指标数", "n_indicators"),
    ("页码", "pages"), ("疑点数", "n_flags"),
]
INDICATOR_COLUMNS = [
    ("表序", "form_index"), ("项目/单位", "form_name"), ("范围", "scope"), ("一级指标", "level1"), ("二级指标", "level2"),
    ("重点工作", "key_task"), ("三级指标", "level3"), ("指标内容", "description"), ("半年指标值", "half_year"),
    ("全年指标值", "target"), ("运算符", "op"), ("数值", "number"), ("单位", "unit"), ("指标值确定依据", "basis"),
    ("指标分类", "category"), ("历年值", "history"), ("框架一级", "level1_canonical"), ("框架二级", "level2_canonical"),
    ("最低置信度", "min_confidence"), ("页码", "page"), ("来源", "source"), ("疑点", "flags"),
]
BUDGET_COLUMNS = [
    ("表序", "form_index"), ("项目/单位", "form_name"), ("分组", "section"), ("项目", "item"), ("列", "column"),
    ("金额(万元)", "amount"), ("页码", "page"), ("疑点", "flags"),
]
FLAG_COLUMNS = [
    ("表序", "form_index"), ("项目/单位", "form_name"), ("位置", "where"), ("字段", "field"), ("级别", "severity"),
    ("代码", "code"), ("说明", "message"),
]


def form_name(form) -> str:
    return form.project_name or form.unit_name or form.title or ""


def form_rows(doc: Document) -> list[dict]:
    return [
        {
            "form_index": i + 1, "form_type": f.form_type, "title": f.title, "year": f.year, "unit_name": f.unit_name,
            "competent_dept": f.competent_dept, "project_name": f.project_name, "budget_total": f.budget.total,
            "budget_fiscal": f.budget.fiscal, "long_term": f.goals.long_term, "annual": f.goals.annual,
            "n_indicators": len(f.indicators), "pages": ",".join(map(str, f.pages)), "n_flags": len(all_flags_of(f)),
        }
        for i, f in enumerate(doc.forms)
    ]


def indicator_rows(doc: Document) -> list[dict]:
    rows = []
    for i, f in enumerate(doc.forms):
        for ind in f.indicators:
            ev = ind.evidence.get("target") or ind.evidence.get("level3")
            p = ind.target_parsed
            rows.append({
                "form_index": i + 1, "form_name": form_name(f), "scope": ind.scope, "level1": ind.level1,
                "level2": ind.level2, "key_task": ind.key_task, "level3": ind.level3, "description": ind.description,
                "half_year": ind.half_year, "target": ind.target, "op": p.op if p else None,
                "number": p.number if p else None, "unit": (p.unit if p else None) or ind.unit, "basis": ind.basis,
                "category": ind.category, "history": "; ".join(f"{k}: {v}" for k, v in ind.history.items()),
                "level1_canonical": ind.level1_canonical, "level2_canonical": ind.level2_canonical,
                "min_confidence": min(ind.confidence.values()) if ind.confidence else None,
                "page": ev.page if ev else None, "source": (ev.source_text if ev else None),
                "flags": "; ".join(f"[{fl.severity.value}] {fl.message}" for fl in ind.flags),
            })
    return rows


def budget_rows(doc: Document) -> list[dict]:
    rows = []
    for i, f in enumerate(doc.forms):
        for ln in f.budget.lines:
            ev = ln.evidence.get("amount")
            rows.append({
                "form_index": i + 1, "form_name": form_name(f), "section": ln.section, "item": ln.item,
                "column": ln.column, "amount": ln.amount, "page": ev.page if ev else None,
                "flags": "; ".join(fl.message for fl in ln.flags),
            })
    return rows


def all_flags_of(form) -> list:
    out = list(form.flags)
    for ind in form.indicators:
        out.extend(ind.flags)
    for ln in form.budget.lines:
        out.extend(ln.flags)
    return out


def flag_rows(doc: Document) -> list[dict]:
    rows = [{"form_index": None, "form_name": "", "where": "document", "field": fl.field, "severity": fl.severity.value,
             "code": fl.code, "message": fl.message} for fl in doc.flags]
    for i, f in enumerate(doc.forms):
        for fl in f.flags:
            rows.append({"form_index": i + 1, "form_name": form_name(f), "where": "form", "field": fl.field,
                         "severity": fl.severity.value, "code": fl.code, "message": fl.message})
        for ind in f.indicators:
            for fl in ind.flags:
                rows.append({"form_index": i + 1, "form_name": form_name(f), "where": f"指标 {ind.level3}",
                             "field": fl.field, "severity": fl.severity.value, "code": fl.code, "message": fl.message})
        for ln in f.budget.lines:
            for fl in ln.flags:
                rows.append({"form_index": i + 1, "form_name": form_name(f), "where": f"资金 {ln.item}",
                             "field": fl.field, "severity": fl.severity.value, "code": fl.code, "message": fl.message})
    return rows


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file + rename so an interrupted run never leaves half a file.

    The file's mode follows the user's umask (mkstemp alone would make it 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with one of
# these is run as a formula by Excel/LibreOffice. CSV has no types, so such text cells get
# a leading apostrophe (shown by no spreadsheet, visible in a text editor); numbers stay as
# they are. XLSX cells are typed: text is written as a string cell, never a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_safe(value):
    """A CSV cell value with a formula-like text neutralized (``'=100%``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_json(doc: Document, path: Path) -> Path:
    _atomic_write(path, doc.to_json().encode("utf-8"))
    return path


def _csv_bytes(rows: list[dict], columns: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([h for h, _ in columns])
    for r in rows:
        w.writerow(["" if r.get(k) is None else csv_safe(r.get(k)) for _, k in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM so Excel opens Chinese CSV correctly


def write_csv(doc: Document, path: Path) -> Path:
    """Indicators CSV (the table people filter most); budget lines go to a sibling file."""
    _atomic_write(path, _csv_bytes(indicator_rows(doc), INDICATOR_COLUMNS))
    _atomic_write(path.with_name(path.stem + ".budget.csv"), _csv_bytes(budget_rows(doc), BUDGET_COLUMNS))
    return path


def write_xlsx(doc: Document, path: Path) -> Path:
    sheets = [("表单", form_rows(doc), FORM_COLUMNS), ("指标", indicator_rows(doc), INDICATOR_COLUMNS),
              ("资金", budget_rows(doc), BUDGET_COLUMNS), ("疑点", flag_rows(doc), FLAG_COLUMNS)]
    return write_sheets(sheets, path, severity_sheets={"疑点"})


def write_sheets(sheets: list[tuple[str, list[dict], list[tuple[str, str]]]], path: Path,
                 severity_sheets: set[str] = frozenset(), preamble: dict[str, list[list]] | None = None) -> Path:
    """The one safe XLSX writer: every text cell typed as text (never a formula), a bold frozen
    header, a filter, and rows of ``severity_sheets`` coloured by their ``severity``.
    ``preamble``: per sheet title, rows written above the table (a form's 项目名称 / 年度目标 …)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    fills = {"error": PatternFill("solid", fgColor="F8CBAD"), "warning": PatternFill("solid", fgColor="FFE699")}
    first = True
    for title, rows, columns in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        lines = (preamble or {}).get(title, [])
        for k, line in enumerate(lines, start=1):
            for j, v in enumerate(line, start=1):
                cell = ws.cell(k, j, _xlsx_value(v))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        head = len(lines) + 1
        ws._current_row = len(lines)  # the table starts right below the preamble, blank lines included
        ws.append([h for h, _ in columns])
        for cell in ws[head]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([_xlsx_value(r.get(k)) for _, k in columns])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, always: "=100%" stays "=100%", never a formula
            if title in severity_sheets and r.get("severity") in fills:
                for cell in ws[ws.max_row]:
                    cell.fill = fills[r["severity"]]
        ws.freeze_panes = f"A{head + 1}"
        if rows:
            ws.auto_filter.ref = f"A{head}:{get_column_letter(len(columns))}{head + len(rows)}"
        for i, (h, _) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(8, min(40, len(h) * 2 + 4))
    buf = io.BytesIO()
    wb.save(buf)
    _atomic_write(path, buf.getvalue())
    return path


def _xlsx_value(value):
    """Strings without the control characters XLSX cannot hold (openpyxl would refuse the row)."""
    return _ILLEGAL_XLSX.sub("\ufffd", value) if isinstance(value, str) else value


def summary_markdown(doc: Document) -> str:
    """A short human summary: forms, counts, and the flags that need a look."""
    lines = [f"# {doc.doc_id}", ""]
    if doc.source and doc.source.path:
        lines.append(f"Source: `{doc.source.path}` ({doc.source.format}, {doc.source.pages or '?'} page(s))")
        lines.append("")
    lines.append(f"{len(doc.forms)} form(s), {sum(len(f.indicators) for f in doc.forms)} indicator(s).")
    lines.append("")
    lines.append("| # | type | name | year | indicators | total (万元) | flags (error/warning) |")
    lines.append("|---|---|---|---|---|---|---|")
    for i, f in enumerate(doc.forms, start=1):
        fl = all_flags_of(f)
        n_err = sum(1 for x in fl if x.severity == Severity.ERROR)
        n_warn = sum(1 for x in fl if x.severity == Severity.WARNING)
        lines.append(f"| {i} | {f.form_type} | {form_name(f)} | {f.year or ''} | {len(f.indicators)} | "
                     f"{'' if f.budget.total is None else f.budget.total} | {n_err}/{n_warn} |")
    doubts = [r for r in flag_rows(doc) if r["severity"] in ("error", "warning")]
    if doubts:
        lines += ["", f"## Doubts ({len(doubts)})", ""]
        for r in doubts[:50]:
            lines.append(f"- **{r['severity']}** form {r['form_index'] or '-'} {r['where']}: {r['message']}")
        if len(doubts) > 50:
            lines.append(f"- … {len(doubts) - 50} more in the XLSX 疑点 sheet")
    return "\n".join(lines) + "\n"


def write_md(doc: Document, path: Path) -> Path:
    _atomic_write(path, summary_markdown(doc).encode("utf-8"))
    return path


WRITERS = {"json": (write_json, ".json"), "xlsx": (write_xlsx, ".xlsx"), "csv": (write_csv, ".csv"), "md": (write_md, ".md")}


def export(doc: Document, out_dir: Path, formats: Iterable[str], stem: str | None = None) -> list[Path]:
    """Write the requested formats for one document into ``out_dir``; returns the paths written."""
    stem = stem or doc.doc_id
    written = []
    for fmt in formats:
        writer, suffix = WRITERS[fmt]
        written.append(writer(doc, out_dir / f"{stem}{suffix}"))
    return written
