"""Styled .docx / .xlsx for the LibreOffice family: the golden Word/Excel writer plus knobs.

``jixiao.evaluate.render.office`` writes the structure (merged cells, header rows, number formats)
with one look (thin borders, no fills). Real office files come with shaded header cells,
Word *run* shading (a fill behind each text run, ``w:rPr/w:shd``), double or dashed rules,
only horizontal rules, an outer frame only, or no rules; this module restyles the written
file with the document's knobs before LibreOffice prints it. Header cells are the bold
cells inside a table (the writer makes every header cell bold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jixiao.evaluate.render import office
from jixiao.model.output import Document


def write_styled(label: Document, layout: dict[str, Any], out: Path, k: dict[str, Any], *, name: str = "") -> None:
    """Write ``out`` (.docx or .xlsx, by ``k["source"]``) and apply the knobs to it."""
    if k["source"] == "docx":
        office.render_docx(label, layout, out, name=name)
        _style_docx(out, k)
    else:
        office.render_xlsx(label, layout, out, name=name)
        _style_xlsx(out, k)


# ---------------------------------------------------------------------------------------
# DOCX


def _shd(fill: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:shd")
    el.set(qn("w:val"), "clear")
    el.set(qn("w:color"), "auto")
    el.set(qn("w:fill"), fill.lstrip("#").upper())
    return el


def _tbl_borders(style: str, which: str) -> Any:
    """``w:tblBorders`` for ``which`` = all | horizontal | outer | none."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    on = {
        "all": {"top", "left", "bottom", "right", "insideH", "insideV"},
        "horizontal": {"top", "bottom", "insideH"},
        "outer": {"top", "left", "bottom", "right"},
        "none": set(),
    }[which]
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if side in on:
            el.set(qn("w:val"), style)
            el.set(qn("w:sz"), "4" if style != "double" else "6")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    return borders


def _style_docx(path: Path, k: dict[str, Any]) -> None:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document(str(path))
    d.styles["Normal"].font.size = Pt(k["font_size_pt"])
    for table in _all_tables(d):
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblBorders")):
            tbl_pr.remove(old)
        outer = any(tc.tables for row in table.rows for tc in row.cells)
        tbl_pr.append(_tbl_borders(k["border_style"], "none" if outer else k["borders"]))
        if outer:
            continue
        for tc in {id(c._tc): c for row in table.rows for c in row.cells}.values():
            runs = [r for p in tc.paragraphs for r in p.runs if r.text.strip()]
            if not runs or not all(r.bold for r in runs) or k["header_shading"] == "none":
                continue
            if k["header_shading"] == "cells":
                tc._tc.get_or_add_tcPr().append(_shd(k["shade"]))
            else:  # runs: a fill behind each run, as Word's run shading draws it
                for r in runs:
                    r._r.get_or_add_rPr().append(_shd(k["shade"]))
    d.save(str(path))
    office._freeze_zip(path)


def _all_tables(d: Any) -> list[Any]:
    out = []
    todo = list(d.tables)
    while todo:
        t = todo.pop(0)
        out.append(t)
        for row in t.rows:
            for c in row.cells:
                todo.extend(c.tables)
    return out


# ---------------------------------------------------------------------------------------
# XLSX


def _style_xlsx(path: Path, k: dict[str, Any]) -> None:
    from copy import copy

    from openpyxl import load_workbook
    from openpyxl.styles import Border, PatternFill, Side

    wb = load_workbook(path)
    line = Side(style=k["border_style"], color="000000")
    none = Side(style=None)
    fill = PatternFill("solid", fgColor=k["shade"].lstrip("#").upper())
    for ws in wb.worksheets:
        ruled = {(c.row, c.column) for row in ws.iter_rows() for c in row if c.border.left.style}
        header_rows = {c.row for row in ws.iter_rows() for c in row
                       if (c.row, c.column) in ruled and c.font.bold and c.value not in (None, "")}
        for row in ws.iter_rows():
            for c in row:
                pos = (c.row, c.column)
                if pos not in ruled:
                    continue
                font = copy(c.font)
                font.size = k["font_size_pt"]
                c.font = font
                c.border = _xlsx_border(pos, ruled, k["borders"], line, none, Border)
                shade = (k["header_shading"] == "cells" and c.font.bold and c.value not in (None, "")) or \
                        (k["header_shading"] == "rows" and c.row in header_rows)
                if shade:
                    c.fill = fill
        _fit_row_heights(ws, float(k["font_size_pt"]))
    wb.save(path)
    office._freeze_zip(path)


def _fit_row_heights(ws: Any, font_size: float) -> None:
    """Row heights that show every wrapped text, merged cells included.

    LibreOffice and Excel grow a row for a wrapped single cell by themselves but never for a
    merged one, so a long 年度目标 in a merged cell would print over the rows below it; the
    person who made the sheet would have dragged those rows taller. Widths are in Excel
    character units (a CJK character is about two).
    """
    import math

    from openpyxl.utils import get_column_letter

    def col_w(c: int) -> float:
        w = ws.column_dimensions[get_column_letter(c)].width
        return float(w) if w else 8.43

    spans = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
    covered = {(row, col) for r in ws.merged_cells.ranges for row in range(r.min_row, r.max_row + 1)
               for col in range(r.min_col, r.max_col + 1)} - set(spans)
    line_h = font_size * 1.45
    need: dict[int, float] = {}
    for row in ws.iter_rows():
        for c in row:
            if not isinstance(c.value, str) or not c.value.strip() or (c.row, c.column) in covered:
                continue
            rng = spans.get((c.row, c.column))
            rows = range(c.row, (rng.max_row if rng else c.row) + 1)
            width = sum(col_w(j) for j in range(c.column, (rng.max_col if rng else c.column) + 1)) - 1
            units = [sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in line) * font_size / 11.0
                     for line in c.value.split("\n")]
            lines = sum(max(1, math.ceil(u / max(width, 1.0))) for u in units)
            per_row = lines * line_h / len(rows) + 2
            for r in rows:
                need[r] = max(need.get(r, 0.0), per_row)
    for r, h in need.items():
        current = ws.row_dimensions[r].height
        if current is None or current < h:
            ws.row_dimensions[r].height = round(h, 1)


def _xlsx_border(pos: tuple[int, int], ruled: set[tuple[int, int]], which: str, line: Any, none: Any, Border: Any) -> Any:
    """One cell's border: every side, horizontal sides only, the table's outline only, or none."""
    r, c = pos
    if which == "all":
        return Border(left=line, right=line, top=line, bottom=line)
    if which == "horizontal":
        return Border(left=none, right=none, top=line, bottom=line)
    if which == "outer":
        return Border(left=line if (r, c - 1) not in ruled else none, right=line if (r, c + 1) not in ruled else none,
                      top=line if (r - 1, c) not in ruled else none, bottom=line if (r + 1, c) not in ruled else none)
    return Border(left=none, right=none, top=none, bottom=none)
