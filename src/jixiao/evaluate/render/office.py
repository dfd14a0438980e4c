"""Word and Excel versions of a golden document (for the DOCX / XLSX ingest paths).

The same blocks as the PDF (see ``jixiao.evaluate.render.form_layout``), translated into the native
structures a reader of those formats meets in real files: Word tables whose merged cells
are ``gridSpan`` / ``vMerge`` (made by ``cell.merge``), header rows marked to repeat on
each page (``w:tblHeader``), and Excel sheets with merged ranges and amounts stored as
numbers with the number format that prints them as the form does (``3,309,840.00``).

Word paginates by itself, so ``page_break_after_row`` (a PDF device) is not applied to
DOCX; explicit ``page_break`` blocks are. Both formats are zip files whose entries carry
timestamps, and both write creation dates into ``docProps/core.xml``; :func:`_freeze_zip`
pins those so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from jixiao.evaluate.render.form_layout import (
    Block,
    Cell,
    Grid,
    Heading,
    IndicatorTable,
    PageBreak,
    Para,
    SideBySide,
    build,
    cell_origins,
    occupancy,
)
from jixiao.model.output import Document

FIXED_ISO = "2024-01-01T00:00:00Z"
EAST_ASIA_FONT = "宋体"


# ---------------------------------------------------------------------------------------
# Reproducible zip containers


def _freeze_zip(path: Path) -> None:
    """Rewrite a DOCX/XLSX with fixed entry timestamps and fixed core-property dates."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    tmp = path.with_name(path.name + ".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + FIXED_ISO.encode() + rb"\2", data
                )
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# DOCX


def render_docx(label: Document, layout: dict[str, Any], out: Path, *, name: str = "") -> int:
    """Write ``form.docx``; returns the number of tables written (nested ones included)."""
    import docx
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    rd = build(label, layout, name=name)
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(rd.font_size + 1.5)
    normal.font.name = "Times New Roman"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIA_FONT)
    normal.paragraph_format.space_after = Pt(0)
    props = d.core_properties
    props.title, props.author, props.last_modified_by, props.revision = rd.title, "", "", 1

    def setup(section: Any, size: str) -> None:
        landscape = size == "a4-landscape"
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Pt(rd.margin))

    def text_width(section: Any) -> int:
        return int(section.page_width - section.left_margin - section.right_margin)

    section = d.sections[0]
    setup(section, rd.forms[0].page_size)
    size = rd.forms[0].page_size
    tables = 0
    first = True
    for form in rd.forms:
        if not first and (form.new_page or form.page_size != size):
            section, size = _docx_break(d, form.page_size, size, setup, WD_SECTION, WD_BREAK)
        first = False
        for block in form.blocks:
            if isinstance(block, PageBreak):
                section, size = _docx_break(d, block.page_size or size, size, setup, WD_SECTION, WD_BREAK)
                continue
            tables += _docx_block(d, block, text_width(section), rd.font_size)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    d.save(str(tmp))
    _freeze_zip(tmp)
    tmp.replace(out)
    return tables


def _docx_break(d: Any, new_size: str, size: str, setup: Any, WD_SECTION: Any, WD_BREAK: Any) -> tuple[Any, str]:
    """A page break; a new section when the page size changes (Word's only way)."""
    if new_size != size:
        section = d.add_section(WD_SECTION.NEW_PAGE)
        setup(section, new_size)
        return section, new_size
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    return d.sections[-1], size


def _docx_block(container: Any, block: Block, width: int, font_size: float) -> int:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
    if isinstance(block, Heading):
        p = container.add_paragraph()
        p.alignment = aligns.get(block.align, WD_ALIGN_PARAGRAPH.CENTER)
        run = p.add_run(block.text)
        run.bold, run.font.size = True, Pt(block.size)
        return 0
    if isinstance(block, Para):
        p = container.add_paragraph(block.text)
        p.alignment = aligns.get(block.align, WD_ALIGN_PARAGRAPH.LEFT)
        if block.size:
            for run in p.runs:
                run.font.size = Pt(block.size)
        return 0
    if isinstance(block, IndicatorTable):
        block = block.whole()
    if isinstance(block, Grid):
        _docx_table(container, block, width, aligns)
        return 1
    if isinstance(block, SideBySide):
        outer = container.add_table(rows=1, cols=len(block.grids))
        total = sum(block.widths)
        n = 0
        for i, (g, w) in enumerate(zip(block.grids, block.widths, strict=True)):
            cell = outer.cell(0, i)
            cell.width = int(width * w / total)
            _docx_table(cell, g, int(width * w / total) - 100000, aligns)
            cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)  # the cell's empty first paragraph
            n += 1
        container.add_paragraph()
        return n + 1
    raise TypeError(f"not a drawable block: {block!r}")


def _docx_table(container: Any, grid: Grid, width: int, aligns: dict[str, Any]) -> Any:
    """A Word table with real merged cells (gridSpan / vMerge) and repeating header rows."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    matrix = occupancy(grid.rows)
    nrows, ncols = len(matrix), len(matrix[0])
    t = container.add_table(rows=nrows, cols=ncols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    # Table.cell() rebuilds the whole cell list on every call (quadratic on a 60-row table);
    # take the list once while the grid is still unmerged. Merging later only removes or
    # marks slots inside the merged area, so the other cells stay valid.
    slots = t._cells
    pct = grid.widths or [100.0 / ncols] * ncols
    for c, col in enumerate(t.columns):
        w = int(width * pct[c] / sum(pct))
        col.width = w
        for r in range(nrows):
            slots[r * ncols + c].width = w
    for r in range(grid.header_rows):
        tr_pr = t.rows[r]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)
    for r, c, cell in cell_origins(grid.rows):
        target = slots[r * ncols + c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(slots[(r + cell.rowspan - 1) * ncols + c + cell.colspan - 1])
        _docx_fill(target, cell, aligns, WD_CELL_VERTICAL_ALIGNMENT.CENTER)
    return t


def _docx_fill(target: Any, cell: Cell, aligns: dict[str, Any], valign: Any) -> None:
    target.vertical_alignment = valign
    paras = target.paragraphs
    for extra in paras[1:]:  # merging keeps one paragraph per merged slot
        extra._p.getparent().remove(extra._p)
    p = paras[0]
    p.alignment = aligns.get(cell.align)
    lines = cell.text.split("\n")
    for i, line in enumerate(lines):
        run = p.add_run(line)
        run.bold = cell.bold or None
        if i < len(lines) - 1:
            run.add_break()


# ---------------------------------------------------------------------------------------
# XLSX

_NUM_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_PCT_RE = re.compile(r"^-?\d+(?:\.(\d+))?%$")


def excel_value(text: str) -> tuple[Any, str | None]:
    """A cell's stored value and number format: numbers as numbers, printed the same way.

    ``3,309,840.00`` → (3309840.0, "#,##0.00"); ``18.94%`` → (0.1894, "0.00%");
    ``410.99`` → (410.99, "0.00"); ``2`` → (2, "0"); anything else stays text. A number
    with a leading zero (``027``) is an identifier, not an amount, and stays text.
    """
    s = text.strip()
    m = _NUM_RE.match(s)
    if m and not re.match(r"^-?0\d", s):
        decimals = len(m.group(1) or "")
        grouping = "#,##0" if "," in s else "0"
        fmt = grouping + ("." + "0" * decimals if decimals else "")
        num = float(s.replace(",", ""))
        return (int(num) if not decimals else num), fmt
    m = _PCT_RE.match(s)
    if m:
        decimals = len(m.group(1) or "")
        return float(s[:-1]) / 100.0, "0" + ("." + "0" * decimals if decimals else "") + "%"
    return s, None


def _text_len(text: str) -> float:
    """Display width in Excel character units (a CJK character is about two)."""
    longest = max((line for line in text.split("\n")), key=len, default="")
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in longest)


def render_xlsx(label: Document, layout: dict[str, Any], out: Path, *, name: str = "") -> int:
    """Write ``form.xlsx``: one sheet per form; returns the number of merged ranges written."""
    import datetime as dt

    from openpyxl import Workbook

    rd = build(label, layout, name=name)
    wb = Workbook()
    wb.remove(wb.active)
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created, wb.properties.modified = fixed, fixed
    wb.properties.creator, wb.properties.lastModifiedBy, wb.properties.title = "", "", rd.title
    forms_layout = layout.get("forms", [])
    merged = 0
    for fi, form in enumerate(rd.forms):
        title = str(forms_layout[fi].get("sheet") or f"Sheet{fi + 1}") if fi < len(forms_layout) else f"Sheet{fi + 1}"
        ws = wb.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "", title)[:31])
        merged += _xlsx_form(ws, form.blocks, form.page_size, rd.font_size)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    _freeze_zip(tmp)
    tmp.replace(out)
    return merged


def _xlsx_form(ws: Any, blocks: list[Block], page_size: str, font_size: float) -> int:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grids = [b.whole() if isinstance(b, IndicatorTable) else b for b in blocks]
    width = max([g.ncols for g in grids if isinstance(g, Grid)]
                + [sum(x.ncols for x in g.grids) + len(g.grids) - 1 for g in grids if isinstance(g, SideBySide)] + [1])
    col_len: dict[int, float] = {}
    landscape = page_size == "a4-landscape"
    row = 1
    merged = 0

    def put_grid(g: Grid, top: int, left: int) -> int:
        nonlocal merged
        matrix = occupancy(g.rows)
        for r, c, cell in cell_origins(g.rows):
            value, fmt = excel_value(cell.text)
            xc = ws.cell(row=top + r, column=left + c, value=value)
            if isinstance(value, str) and value.startswith("="):
                xc.data_type = "s"  # "=100%" is a printed value, not a formula
            if fmt:
                xc.number_format = fmt
            xc.alignment = Alignment(horizontal=cell.align, vertical="center", wrap_text=True)
            xc.font = Font(name=EAST_ASIA_FONT, size=font_size + 1.5, bold=cell.bold)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=top + r, start_column=left + c,
                               end_row=top + r + cell.rowspan - 1, end_column=left + c + cell.colspan - 1)
                merged += 1
            if cell.colspan == 1:
                col_len[left + c] = max(col_len.get(left + c, 0.0), min(_text_len(cell.text), 40.0))
        for r in range(len(matrix)):
            for c in range(len(matrix[0])):
                ws.cell(row=top + r, column=left + c).border = border
        return len(matrix)

    for b in grids:
        if isinstance(b, (Heading, Para)):
            xc = ws.cell(row=row, column=1, value=b.text)
            size = b.size if isinstance(b, Heading) else (b.size or font_size + 1.5)
            xc.font = Font(name=EAST_ASIA_FONT, size=size, bold=isinstance(b, Heading))
            xc.alignment = Alignment(horizontal=b.align, vertical="center")
            if width > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
                merged += 1
            if isinstance(b, Heading):
                ws.row_dimensions[row].height = size * 1.8
            row += 1
        elif isinstance(b, Grid):
            row += put_grid(b, row, 1)
        elif isinstance(b, SideBySide):
            left, tallest = 1, 0
            for g in b.grids:
                tallest = max(tallest, put_grid(g, row, left))
                left += g.ncols + 1
            row += tallest + 1
        elif isinstance(b, PageBreak):
            ws.row_breaks.append(Break(id=row - 1))
            landscape = landscape or b.page_size == "a4-landscape"
    for c, n in col_len.items():
        ws.column_dimensions[get_column_letter(c)].width = max(6.0, n + 2)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    return merged
