"""Digital PDF of a golden document: PyMuPDF Story, ruled HTML tables, built-in CJK font.

Why we paginate ourselves: MuPDF's HTML engine splits a long table across pages, but a
``rowspan`` cell that crosses the page end is drawn wrongly (it is stretched to the page
foot and its column is missing on the next page; measured with PyMuPDF 2.0). Real forms
break between rows, repeat the header row and continue a merged cell on the new page,
so every page here is its own Story, and an indicator table that does not fit is cut at
the last data row that fits (binary search over trial layouts, a few ms each).

Font: ``font-family: sans-serif`` makes MuPDF use its built-in "Droid Sans Fallback" for
CJK and Nimbus Sans for Latin, so nothing is downloaded; ``subset_fonts()`` then shrinks
the file from ~3.7 MB to tens of KB (see shared/notes/toolchain.md, section 1).
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pymupdf

from jixiao.render.layout import (
    Block,
    Cell,
    Grid,
    Heading,
    IndicatorTable,
    PageBreak,
    Para,
    RenderDoc,
    SideBySide,
    build,
    occupancy,
)
from jixiao.schema import Document

PAD = 3.0  # cell padding in pt (left/right); widths given to MuPDF exclude it
FIXED_DATE = "D:20240101000000Z"  # metadata dates: the same input must give the same bytes


def page_rect(size: str) -> pymupdf.Rect:
    """A4 portrait or landscape."""
    r = pymupdf.paper_rect("a4")
    return pymupdf.Rect(0, 0, r.height, r.width) if size == "a4-landscape" else r


def css(font_size: float) -> str:
    return (
        "html,body{margin:0;padding:0} * {font-family: sans-serif;}"
        f" body{{font-size:{font_size}pt}}"
        " table{border-collapse:collapse;width:100%;margin:0}"
        f" td{{border:1px solid black;font-size:{font_size}pt;padding:2px {PAD}pt;vertical-align:middle}}"
        " td.o{border:none;padding:0;vertical-align:top}"
        " p{margin:0 0 4pt 0} h1{margin:0 0 6pt 0;font-weight:bold}"
    )


# ---------------------------------------------------------------------------------------
# Blocks → HTML


def _esc(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def grid_html(grid: Grid, width: float) -> str:
    """A ruled table; widths (percent) become absolute pt widths, which MuPDF honours."""
    ncols = len(occupancy(grid.rows)[0])
    col_w = [w / 100.0 * width for w in grid.widths] if grid.widths else None
    parts = ["<table>"]
    matrix = occupancy(grid.rows)
    for r, row in enumerate(grid.rows):
        parts.append("<tr>")
        starts = {matrix[r][c]: c for c in reversed(range(ncols))}  # slot → its leftmost column
        for i, cell in enumerate(row):
            c0 = starts[(r, i)]
            parts.append(_td(cell, col_w[c0 : c0 + cell.colspan] if col_w else None))
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)


def _td(cell: Cell, widths: list[float] | None) -> str:
    attrs = []
    if cell.rowspan > 1:
        attrs.append(f'rowspan="{cell.rowspan}"')
    if cell.colspan > 1:
        attrs.append(f'colspan="{cell.colspan}"')
    style = [f"text-align:{cell.align}"]
    if widths:
        style.append(f"width:{max(sum(widths) - 2 * PAD - 1, 4):.1f}pt")
    if cell.bold:
        style.append("font-weight:bold")
    attrs.append(f'style="{";".join(style)}"')
    return f"<td {' '.join(attrs)}>{_esc(cell.text)}</td>"


def block_html(block: Block, width: float) -> str:
    if isinstance(block, Heading):
        return f'<h1 style="text-align:{block.align};font-size:{block.size}pt">{_esc(block.text)}</h1>'
    if isinstance(block, Para):
        size = f";font-size:{block.size}pt" if block.size else ""
        return f'<p style="text-align:{block.align}{size}">{_esc(block.text)}</p>'
    if isinstance(block, Grid):
        return grid_html(block, width)
    if isinstance(block, IndicatorTable):
        return grid_html(block.whole(), width)
    if isinstance(block, SideBySide):
        gap = 8.0
        ws = [w / sum(block.widths) * (width - gap * (len(block.grids) - 1)) for w in block.widths]
        cells = []
        for i, (g, w) in enumerate(zip(block.grids, ws, strict=True)):
            cells.append(f'<td class="o" style="width:{w:.1f}pt">{grid_html(g, w)}</td>')
            if i < len(ws) - 1:
                cells.append(f'<td class="o" style="width:{gap:.1f}pt"></td>')
        return f'<table><tr>{"".join(cells)}</tr></table><p></p>'
    raise TypeError(f"not a drawable block: {block!r}")


def _space() -> str:
    return '<p style="margin:0;font-size:4pt"> </p>'


def page_html(blocks: list[Block], width: float) -> str:
    return _space().join(block_html(b, width) for b in blocks)


# ---------------------------------------------------------------------------------------
# Pagination


class _Paginator:
    """Fill pages greedily; split indicator tables between rows where they do not fit."""

    def __init__(self, doc: RenderDoc) -> None:
        self.doc = doc
        self.css = css(doc.font_size)
        self.pages: list[tuple[str, list[Block]]] = []

    def content(self, size: str) -> pymupdf.Rect:
        m = self.doc.margin
        return page_rect(size) + (m, m, -m, -m)

    def fits(self, blocks: list[Block], size: str) -> bool:
        rect = self.content(size)
        story = pymupdf.Story(html=page_html(blocks, rect.width), user_css=self.css)
        more, _ = story.place(rect)
        return not more

    def run(self) -> list[tuple[str, list[Block]]]:
        for form in self.doc.forms:
            if form.new_page or not self.pages:
                self._flush_to_new(form.page_size)
            self.size = form.page_size
            for block in form.blocks:
                self._add(block)
        return [(s, b) for s, b in self.pages if b]

    def _flush_to_new(self, size: str) -> None:
        if not self.pages or self.pages[-1][1]:
            self.pages.append((size, []))
        else:
            self.pages[-1] = (size, [])
        self.size = size

    def _add(self, block: Block) -> None:
        if isinstance(block, PageBreak):
            self._flush_to_new(block.page_size or self.size)
            return
        if isinstance(block, IndicatorTable):
            self._add_table(block)
            return
        cur = self.pages[-1][1]
        if cur and not self.fits(cur + [block], self.size):
            self._flush_to_new(self.size)
        self.pages[-1][1].append(block)  # an oversized block still goes on (Story overflows)

    def _add_table(self, t: IndicatorTable) -> None:
        n = len(t.body)
        pending = set(t.forced_breaks)
        start, first = 0, True
        while start < n:
            limit = min([b for b in pending if b > start] + [n])
            cur = self.pages[-1][1]
            k = self._max_rows(t, start, limit, first, cur)
            if k == 0:
                if cur:
                    carried = self._orphans(cur)
                    self._flush_to_new(self.size)
                    self.pages[-1][1].extend(carried)
                    continue
                k = 1  # a single row taller than a page: draw it anyway
            end = start + k
            if end < limit:
                # The page is full before the forced break: the table already breaks across
                # pages here, so the forced break is moot (honouring it would leave a page
                # with a few rows and a blank foot, which no real form has).
                pending.discard(limit)
            cur.append(_Part(t, start, end, first))
            start, first = end, False
            if start < n:
                self._flush_to_new(self.size)

    @staticmethod
    def _orphans(cur: list[Block]) -> list[Block]:
        """Headings and captions at the foot of a full page go with the table they introduce."""
        carried: list[Block] = []
        while len(cur) > 1 and isinstance(cur[-1], (Heading, Para)):
            carried.insert(0, cur.pop())
        return carried

    def _max_rows(self, t: IndicatorTable, start: int, limit: int, first: bool, cur: list[Block]) -> int:
        def ok(k: int) -> bool:
            return self.fits(cur + [_Part(t, start, start + k, first)], self.size)

        if ok(limit - start):
            return limit - start
        lo, hi = 0, limit - start - 1  # ok(lo) is assumed (0 rows); find the largest ok
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if ok(mid):
                lo = mid
            else:
                hi = mid - 1
        return lo


class _Part(Grid):
    """A slice of an IndicatorTable drawn as a Grid (header repeated on continuation pages)."""

    def __init__(self, t: IndicatorTable, start: int, end: int, first: bool) -> None:
        g = t.part(start, end, first=first)
        super().__init__(g.rows, g.widths, g.header_rows)
        self.span = (start, end)


# ---------------------------------------------------------------------------------------
# Public API


def paginate(label: Document, layout: dict, *, name: str = "") -> tuple[RenderDoc, list[tuple[str, list[Block]]]]:
    """The pages (size, blocks) the PDF will have; exposed for tests and for the CLI report."""
    doc = build(label, layout, name=name)
    return doc, _Paginator(doc).run()


def render_pdf(label: Document, layout: dict, out: Path, *, name: str = "") -> int:
    """Write the digital PDF of a golden document; returns the page count.

    The output is reproducible: fixed metadata dates, ``no_new_id`` and ``reproducible``
    saves, so the same label and layout give the same bytes with the same PyMuPDF.
    """
    doc, pages = paginate(label, layout, name=name)
    style = css(doc.font_size)
    buf = io.BytesIO()
    writer = pymupdf.DocumentWriter(buf)
    for size, blocks in pages:
        mb = page_rect(size)
        rect = mb + (doc.margin, doc.margin, -doc.margin, -doc.margin)
        story = pymupdf.Story(html=page_html(blocks, rect.width), user_css=style)
        more = True
        while more:  # more pages only when one block is taller than a page
            dev = writer.begin_page(mb)
            more, _ = story.place(rect)
            story.draw(dev)
            writer.end_page()
    writer.close()
    pdf = pymupdf.open("pdf", buf.getvalue())
    pdf.subset_fonts()
    pdf.set_metadata({
        "title": doc.title, "author": "", "subject": doc.doc_id, "keywords": "jixiao golden",
        "creator": "jixiao golden render", "producer": "PyMuPDF", "creationDate": FIXED_DATE, "modDate": FIXED_DATE,
    })
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pdf.save(tmp, garbage=4, deflate=True, no_new_id=True, reproducible=True)
    n = pdf.page_count
    pdf.close()
    tmp.replace(out)
    return n
