"""reportlab drawing of a golden document: the rulings no HTML engine produces.

platypus lays the tables out (``Table`` with ``SPAN``s, header rows repeated or not when a
table breaks across pages, Paragraph cells that wrap CJK text); the rules are then drawn by
:class:`KnobTable` in one of the ways PDF producers really draw them:

- ``strokes``: each cell side once, as a stroked line (solid, dashed or double);
- ``filled-rects``: each cell side once, as a thin filled rectangle (as MuPDF/Skia draw borders);
- ``cell-rects``: every cell stroked as its own rectangle (shared sides drawn twice);
- ``three-line``: 三线表, a heavy rule above and below the table and a light one under the header;
- ``horizontal``: only the horizontal sides of the cells;
- ``none``: no rules at all.

Header shading is a cell background or, with ``runs``, a fill behind each text run
(``<span backColor>``: a rectangle per line of text, the way Word run shading or HTML inline
backgrounds come out of a PDF printer). ``rotate90`` stores each page on a mediabox turned a
quarter round with ``/Rotate 90``, its content drawn through a rotation, so the page shows
upright while its content stream is sideways.
"""

from __future__ import annotations

import html
import random
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
    RenderDoc,
    SideBySide,
    cell_origins,
    occupancy,
)

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
MARGIN = 36.0


def _register(font: str) -> str:
    """Register the knob's font with reportlab; returns its name (a CID font needs no file)."""
    from reportlab.pdfbase import pdfmetrics

    if font in pdfmetrics.getRegisteredFontNames():
        return font
    if font == "STSong-Light":
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    else:
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(font, WQY, subfontIndex=0))
    return font


def _table_class() -> type:
    from reportlab.platypus import Table

    class KnobTable(Table):
        """A platypus Table whose rules are drawn by the knobs instead of TableStyle lines."""

        knobs: dict[str, Any] = {}
        head_rows: int = 0

        def _drawLines(self) -> None:  # noqa: N802 - reportlab's name
            draw_rules(self, self.knobs, self.head_rows)

        def onSplit(self, T: Any, byRow: int = 1) -> None:  # noqa: N802,N803
            # a continuation part starts with the header only when it is repeated
            same_top = bool(T._cellvalues) and bool(self._cellvalues) and T._cellvalues[0] is self._cellvalues[0]
            T.knobs = self.knobs
            T.head_rows = self.head_rows if (same_top or self.knobs.get("repeat_header")) else 0
            super().onSplit(T, byRow)

    return KnobTable


def _cells(t: Any) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of every cell of a laid-out table part, in the table's own coordinates."""
    cp, rp = t._colpositions, t._rowpositions
    out = []
    spans = getattr(t, "_spanRanges", {}) or {}
    for r in range(len(rp) - 1):
        for c in range(len(cp) - 1):
            if (c, r) in spans:
                s = spans[(c, r)]
                if s is None:
                    continue
                sc, sr, ec, er = s
            else:
                sc, sr, ec, er = c, r, c, r
            out.append((cp[sc], rp[er + 1], cp[ec + 1], rp[sr]))
    return out


def draw_rules(t: Any, k: dict[str, Any], head_rows: int) -> None:
    """Draw one table part's rules the knob's way (see the module docstring)."""
    canv = t.canv
    mode, style, w = k["rules"], k["line_style"], float(k["line_width"])
    if mode == "none":
        return
    cells = _cells(t)
    canv.saveState()
    canv.setStrokeColorRGB(0, 0, 0)
    canv.setFillColorRGB(0, 0, 0)
    canv.setLineWidth(w)
    if style == "dashed":
        canv.setDash(3, 2)
    rp, cp = t._rowpositions, t._colpositions
    if mode == "cell-rects":
        for x0, y0, x1, y1 in cells:
            canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
    elif mode == "three-line":
        heavy = w * 2
        _hline(canv, cp[0], cp[-1], rp[0], heavy, style)
        _hline(canv, cp[0], cp[-1], rp[-1], heavy, style)
        if 0 < head_rows < len(rp) - 1:
            _hline(canv, cp[0], cp[-1], rp[head_rows], w, style)
    else:
        h_edges = {(round(x0, 2), round(x1, 2), round(y, 2)) for x0, y0, x1, y1 in cells for y in (y0, y1)}
        v_edges = {(round(x, 2), round(y0, 2), round(y1, 2)) for x0, y0, x1, y1 in cells for x in (x0, x1)}
        if mode == "horizontal":
            v_edges = set()
        for x0, x1, y in sorted(h_edges):
            if mode == "filled-rects":
                canv.rect(x0 - w / 2, y - w / 2, x1 - x0 + w, w, stroke=0, fill=1)
            else:
                _hline(canv, x0, x1, y, w, style)
        for x, y0, y1 in sorted(v_edges):
            if mode == "filled-rects":
                canv.rect(x - w / 2, y0 - w / 2, w, y1 - y0 + w, stroke=0, fill=1)
            else:
                _vline(canv, x, y0, y1, w, style)
    canv.restoreState()


def _hline(canv: Any, x0: float, x1: float, y: float, w: float, style: str) -> None:
    canv.setLineWidth(w)
    if style == "double":
        canv.setLineWidth(w * 0.6)
        canv.line(x0, y - w, x1, y - w)
        canv.line(x0, y + w, x1, y + w)
    else:
        canv.line(x0, y, x1, y)


def _vline(canv: Any, x: float, y0: float, y1: float, w: float, style: str) -> None:
    canv.setLineWidth(w)
    if style == "double":
        canv.setLineWidth(w * 0.6)
        canv.line(x - w, y0, x - w, y1)
        canv.line(x + w, y0, x + w, y1)
    else:
        canv.line(x, y0, x, y1)


class _Builder:
    """Blocks → platypus flowables with one document's knobs."""

    def __init__(self, k: dict[str, Any], font: str, split_in_row: bool = False) -> None:
        from reportlab.lib.styles import ParagraphStyle

        self.k = k
        self.split_in_row = split_in_row
        self.font = font
        self.wr = random.Random(k["width_seed"])
        size = float(k["font_size_pt"])
        self.cell_style = {
            a: ParagraphStyle(f"c{a}", fontName=font, fontSize=size, leading=size * 1.25, alignment=i,
                              wordWrap="CJK")
            for i, a in enumerate(("left", "center", "right"))
        }
        self.table_cls = _table_class()

    def para(self, text: str, size: float, align: str, bold: bool = False) -> Any:
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        style = ParagraphStyle("p", fontName=self.font, fontSize=size, leading=size * 1.3,
                               alignment={"left": 0, "center": 1, "right": 2}.get(align, 0), wordWrap="CJK",
                               spaceAfter=3)
        body = "<br/>".join(html.escape(t, quote=False) for t in text.split("\n"))
        return Paragraph(f"<b>{body}</b>" if bold else body, style)

    def _cell_flow(self, cell: Cell, header: bool) -> Any:
        from reportlab.platypus import Paragraph

        lines = [html.escape(t, quote=False) for t in cell.text.split("\n")]
        if header and self.k["header_shading"] == "runs" and cell.text.strip():
            lines = [f'<span backColor="{self.k["shade"]}">{t}</span>' if t else t for t in lines]
        body = "<br/>".join(lines)
        return Paragraph(body, self.cell_style.get(cell.align, self.cell_style["center"]))

    def _widths(self, grid: Grid, width: float) -> list[float]:
        n = len(occupancy(grid.rows)[0])
        base = list(grid.widths or [100.0 / n] * n)
        if self.k["widths"] == "jitter":
            base = [b * self.wr.uniform(0.8, 1.25) for b in base]
        s = sum(base)
        return [width * b / s for b in base]

    def table(self, grid: Grid, width: float, *, indicator: bool) -> Any:
        from reportlab.lib import colors

        matrix = occupancy(grid.rows)
        nrows, ncols = len(matrix), len(matrix[0])
        data: list[list[Any]] = [["" for _ in range(ncols)] for _ in range(nrows)]
        cmds: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), self.k["padding_pt"]),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.k["padding_pt"]),
            ("TOPPADDING", (0, 0), (-1, -1), self.k["padding_pt"] * 0.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.k["padding_pt"] * 0.6),
        ]
        head_n = grid.header_rows if indicator else 0
        for r, c, cell in cell_origins(grid.rows):
            header = cell.header or (r < head_n and not (c == 0 and cell.rowspan == nrows))
            data[r][c] = self._cell_flow(cell, header)
            if cell.rowspan > 1 or cell.colspan > 1:
                cmds.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
            if header and self.k["header_shading"] == "cells":
                cmds.append(("BACKGROUND", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1),
                             colors.HexColor(self.k["shade"])))
        repeat = head_n if (indicator and self.k["repeat_header"]) else 0
        t = self.table_cls(data, colWidths=self._widths(grid, width), repeatRows=repeat, style=cmds,
                           splitByRow=1, splitInRow=int(self.split_in_row))
        t.knobs, t.head_rows = self.k, head_n
        return t

    def flowables(self, block: Block, width: float) -> list[Any]:
        from reportlab.platypus import Spacer, Table

        if isinstance(block, Heading):
            return [self.para(block.text, block.size, block.align, bold=True)]
        if isinstance(block, Para):
            return [self.para(block.text, float(block.size or self.k["font_size_pt"]), block.align)]
        if isinstance(block, IndicatorTable):
            return [self.table(block.whole(), width, indicator=True), Spacer(1, 4)]
        if isinstance(block, Grid):
            return [self.table(block, width, indicator=False), Spacer(1, 4)]
        if isinstance(block, SideBySide):
            gap = 8.0
            tot = sum(block.widths)
            ws = [(width - gap * (len(block.grids) - 1)) * w / tot for w in block.widths]
            inner = [self.table(g, w, indicator=g.header_rows > 0) for g, w in zip(block.grids, ws, strict=True)]
            row: list[Any] = []
            col_w: list[float] = []
            for i, (t, w) in enumerate(zip(inner, ws, strict=True)):
                row.append(t)
                col_w.append(w)
                if i < len(inner) - 1:
                    row.append("")
                    col_w.append(gap)
            outer = Table([row], colWidths=col_w, style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                         ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                         ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
            return [outer, Spacer(1, 4)]
        raise TypeError(f"not a drawable block: {block!r}")


def render(rd: RenderDoc, out: Path, k: dict[str, Any]) -> dict[str, Any]:
    """Write ``out`` with reportlab; fixed dates and ids (``invariant``), so the same knobs give the same bytes.

    Tables break between rows. A table whose merged cell (e.g. a 年度绩效指标 lead spanning
    every row) is taller than a page cannot break between rows, so it is drawn again
    letting rows break inside (platypus ``splitInRow``), as a word processor would; the
    returned facts say so (``rows_split_inside``).
    """
    from reportlab.platypus.doctemplate import LayoutError as RLLayoutError

    try:
        _render(rd, out, k, split_in_row=False)
        return {"rows_split_inside": False}
    except RLLayoutError:
        _render(rd, out, k, split_in_row=True)
        return {"rows_split_inside": True}


def _render(rd: RenderDoc, out: Path, k: dict[str, Any], *, split_in_row: bool) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak as RLBreak, PageTemplate

    font = _register(k["font"])
    sizes = {"a4": A4, "a4-landscape": landscape(A4)}

    def on_page(size: tuple[float, float]) -> Any:
        def hook(canv: Any, doc: Any) -> None:
            if not k["rotate90"]:
                return
            # reportlab writes the MediaBox of a /Rotate 90 page turned a quarter round (h × w);
            # the content, laid out in w × h, is drawn rotated into it and shows upright
            canv.translate(size[1], 0)
            canv.rotate(90)
        return hook

    templates = []
    for name, size in sizes.items():
        frame = Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN, id=f"f-{name}",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        pt = PageTemplate(id=name, frames=[frame], pagesize=size, onPage=on_page(size))
        pt.rotation = 90 if k["rotate90"] else 0
        templates.append(pt)
    first = rd.forms[0].page_size
    templates.sort(key=lambda t: t.id != first)
    doc = BaseDocTemplate(str(out), pageTemplates=templates, invariant=1, title=rd.title, author="", creator="",
                          pageCompression=1)
    b = _Builder(k, font, split_in_row)
    story: list[Any] = []
    size = first
    def page_break(new_size: str) -> None:
        """One break however many ask for it (a form ending in a page_break, then a new form)."""
        if story and isinstance(story[-1], RLBreak):
            story[-2] = NextPageTemplate(new_size)
        elif story:
            story.extend([NextPageTemplate(new_size), RLBreak()])

    for fi, form in enumerate(rd.forms):
        if fi and (form.new_page or form.page_size != size):
            page_break(form.page_size)
            size = form.page_size
        for block in form.blocks:
            if isinstance(block, PageBreak):
                size = block.page_size or size
                page_break(size)
                continue
            width = sizes[size][0] - 2 * MARGIN
            story += b.flowables(block, width)
    doc.build(story)
