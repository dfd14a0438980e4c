"""Digital PDF of a golden document: PyMuPDF Story, ruled HTML tables, built-in CJK font.

Why we paginate ourselves: MuPDF's HTML engine splits a long table across pages, but a
``rowspan`` cell that crosses the page end is drawn wrongly (it is stretched to the page
foot and its column is missing on the next page; measured with PyMuPDF 2.0). Real forms
break between rows, repeat the header row and continue a merged cell on the new page,
so every page here is its own Story, and an indicator table that does not fit is cut at
the last data row that fits (binary search over trial layouts, a few ms each).

Why we draw the rules ourselves: MuPDF leaves rules out next to a ``rowspan`` cell whose
text is taller than the rows it spans. It lays the span's last row out lower, leaving a
gap above it, and draws no cell border across that gap (measured with PyMuPDF 2.0: seed
000's 及时办结率 row had no vertical rules over the gap, so ``find_tables`` merged its
cells into one). So the HTML borders are transparent (they keep their place in the
layout but draw nothing), every ``<tr>``/``<td>`` carries an id, and after the layout
the rules are drawn from ``Story.element_positions``: each cell's rectangle comes from
its row boxes and its column edges, so every cell is closed on four sides by
construction. The gap itself is first given to the span's other rows (a second layout
with ``<tr>`` heights, same total height), so the rows touch and no band is unruled.

Font: ``font-family: sans-serif`` makes MuPDF use its built-in "Droid Sans Fallback" for
CJK and Nimbus Sans for Latin, so nothing is downloaded; ``subset_fonts()`` then shrinks
the file from ~3.7 MB to tens of KB.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pymupdf

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
    build,
    cell_origins,
    occupancy,
)
from jixiao.model.output import Document

PAD = 3.0  # cell padding in pt (left/right); widths given to MuPDF exclude it
BORDER = 1.0  # rule thickness in pt (MuPDF takes 1px as 1pt); also the layout's border width
GAP_TOLERANCE = 0.25  # pt: a row gap below this is rounding, not a stretched rowspan
MAX_LAYOUT_PASSES = 4  # first layout + up to three rounds of spreading rowspan gaps
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
        # transparent borders take their place in the layout but are not drawn (see module doc)
        f" td{{border:{BORDER:g}px solid transparent;font-size:{font_size}pt;padding:2px {PAD}pt;"
        "vertical-align:middle}"
        " td.o{border:none;padding:0;vertical-align:top}"
        " p{margin:0 0 4pt 0} h1{margin:0 0 6pt 0;font-weight:bold}"
    )


# ---------------------------------------------------------------------------------------
# Blocks → HTML


def _esc(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


@dataclass
class _Html:
    """HTML of one page's blocks and the grids in it, numbered in the order of their ids.

    ``heights`` (grid number → row → pt) are ``<tr>`` heights from an earlier layout
    pass; ``grids[g]`` is the grid whose rows and cells have the ids ``g{g}r{r}`` and
    ``g{g}c{r}_{i}``, which is how drawn rules find their cells again.
    """

    heights: dict[int, dict[int, float]] = field(default_factory=dict)
    grids: list[Grid] = field(default_factory=list)

    def grid(self, grid: Grid, width: float) -> str:
        """A table ruled later; widths (percent) become absolute pt widths, which MuPDF honours."""
        gid = len(self.grids)
        self.grids.append(grid)
        heights = self.heights.get(gid, {})
        matrix = occupancy(grid.rows)
        ncols = len(matrix[0])
        col_w = [w / 100.0 * width for w in grid.widths] if grid.widths else None
        parts = ["<table>"]
        for r, row in enumerate(grid.rows):
            style = f' style="height:{heights[r]:.2f}pt"' if r in heights else ""
            parts.append(f'<tr id="g{gid}r{r}"{style}>')
            starts = {matrix[r][c]: c for c in reversed(range(ncols))}  # slot → its leftmost column
            for i, cell in enumerate(row):
                c0 = starts[(r, i)]
                parts.append(_td(cell, col_w[c0 : c0 + cell.colspan] if col_w else None, f"g{gid}c{r}_{i}"))
            parts.append("</tr>")
        parts.append("</table>")
        return "".join(parts)

    def block(self, block: Block, width: float) -> str:
        if isinstance(block, Heading):
            return f'<h1 style="text-align:{block.align};font-size:{block.size}pt">{_esc(block.text)}</h1>'
        if isinstance(block, Para):
            size = f";font-size:{block.size}pt" if block.size else ""
            return f'<p style="text-align:{block.align}{size}">{_esc(block.text)}</p>'
        if isinstance(block, Grid):
            return self.grid(block, width)
        if isinstance(block, IndicatorTable):
            return self.grid(block.whole(), width)
        if isinstance(block, SideBySide):
            gap = 8.0
            ws = [w / sum(block.widths) * (width - gap * (len(block.grids) - 1)) for w in block.widths]
            cells = []
            for i, (g, w) in enumerate(zip(block.grids, ws, strict=True)):
                cells.append(f'<td class="o" style="width:{w:.1f}pt">{self.grid(g, w)}</td>')
                if i < len(ws) - 1:
                    cells.append(f'<td class="o" style="width:{gap:.1f}pt"></td>')
            return f'<table><tr>{"".join(cells)}</tr></table><p></p>'
        raise TypeError(f"not a drawable block: {block!r}")


def _td(cell: Cell, widths: list[float] | None, ident: str) -> str:
    attrs = [f'id="{ident}"']
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


def _space() -> str:
    return '<p style="margin:0;font-size:4pt"> </p>'


def page_html(
    blocks: list[Block], width: float, heights: dict[int, dict[int, float]] | None = None,
) -> tuple[str, list[Grid]]:
    """HTML of one page and its grids (numbered as in the element ids)."""
    h = _Html(heights=dict(heights or {}))
    return _space().join(h.block(b, width) for b in blocks), h.grids


# ---------------------------------------------------------------------------------------
# Rules: cell rectangles from the laid-out rows and cells


_ROW_ID = re.compile(r"g(\d+)r(\d+)$")
_CELL_ID = re.compile(r"g(\d+)c(\d+)_(\d+)$")


@dataclass
class Placed:
    """Where one placement of a Story put grid rows (``<tr>`` boxes) and cells (``<td>`` content boxes)."""

    rows: dict[tuple[int, int], pymupdf.Rect] = field(default_factory=dict)  # (grid, row) → box
    cells: dict[tuple[int, int, int], pymupdf.Rect] = field(default_factory=dict)  # (grid, row, index) → content box


def placed_positions(story: pymupdf.Story) -> Placed:
    """Positions of the ids placed by the story's last ``place()`` (MuPDF reports only those)."""
    out = Placed()

    def take(pos: object) -> None:
        ident = getattr(pos, "id", "") or ""
        if not ident or not getattr(pos, "open_close", 0) & 1:
            return
        rect = pymupdf.Rect(pos.rect)  # type: ignore[attr-defined]
        if m := _ROW_ID.match(ident):
            out.rows[(int(m[1]), int(m[2]))] = rect
        elif m := _CELL_ID.match(ident):
            out.cells[(int(m[1]), int(m[2]), int(m[3]))] = rect

    story.element_positions(take, {})
    return out


def _median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def _row_lines(rows: dict[int, pymupdf.Rect]) -> dict[int, float]:
    """y of the rule above row k (k = first..last+1) for the rows placed on one page.

    Collapsed borders: a row box runs from the top edge of the rule above it to the
    centre of the rule below it. Where MuPDF left a gap between two rows (a stretched
    rowspan whose gap was not spread), the rule goes in the middle of the gap.
    """
    ks = sorted(rows)
    lines = {ks[0]: rows[ks[0]].y0 + BORDER / 2}
    for a, b in zip(ks, ks[1:]):
        lines[b] = (rows[a].y1 + rows[b].y0 + BORDER / 2) / 2
    lines[ks[-1] + 1] = rows[ks[-1]].y1
    return lines


def _col_lines(grid: Grid, gid: int, placed: Placed) -> dict[int, float]:
    """x of the rule left of grid column j, agreed over every placed cell that has that edge."""
    matrix = occupancy(grid.rows)
    ncols = len(matrix[0])
    votes: dict[int, list[float]] = {}
    for r, row in enumerate(grid.rows):
        starts = {matrix[r][c]: c for c in reversed(range(ncols))}
        for i, cell in enumerate(row):
            box = placed.cells.get((gid, r, i))
            if box is None:
                continue
            c0 = starts[(r, i)]
            votes.setdefault(c0, []).append(box.x0 - PAD - BORDER / 2)
            votes.setdefault(c0 + cell.colspan, []).append(box.x1 + PAD + BORDER / 2)
    return {j: _median(v) for j, v in votes.items()}


def grid_rules(grid: Grid, gid: int, placed: Placed) -> list[pymupdf.Rect]:
    """Filled rectangles (rule thickness ``BORDER``) that close every placed cell of a grid.

    Each cell contributes its four sides over the rows of its span that are on this page;
    shared sides are joined into maximal runs, so each rule is drawn once.
    """
    rows = {r: box for (g, r), box in placed.rows.items() if g == gid}
    if not rows:
        return []
    ys = _row_lines(rows)
    xs = _col_lines(grid, gid, placed)
    horiz: set[tuple[int, int]] = set()  # (rule above row k, column slot)
    vert: set[tuple[int, int]] = set()  # (rule left of column j, row slot)
    for r0, c0, cell in cell_origins(grid.rows):
        here = [r for r in range(r0, r0 + cell.rowspan) if r in rows]
        if not here or c0 not in xs or c0 + cell.colspan not in xs:
            continue
        top, bottom = here[0], here[-1] + 1
        for c in range(c0, c0 + cell.colspan):
            horiz |= {(top, c), (bottom, c)}
        for r in here:
            vert |= {(c0, r), (c0 + cell.colspan, r)}
    half = BORDER / 2
    out = [pymupdf.Rect(xs[a] - half, ys[k] - half, xs[b] + half, ys[k] + half) for k, a, b in _runs(horiz)]
    out += [pymupdf.Rect(xs[j] - half, ys[a] - half, xs[j] + half, ys[b] + half) for j, a, b in _runs(vert)]
    return out


def _runs(slots: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(line, start, end) for maximal runs of consecutive slots on each line (end exclusive)."""
    out = []
    for line in sorted({k for k, _ in slots}):
        idx = sorted(s for k, s in slots if k == line)
        start = prev = idx[0]
        for s in idx[1:] + [None]:
            if s is not None and s == prev + 1:
                prev = s
                continue
            out.append((line, start, prev + 1))
            if s is not None:
                start = prev = s
    return out


@lru_cache(maxsize=8)
def _height_offset(style: str) -> float:
    """How much taller MuPDF makes a ``<tr>`` than its CSS height (padding and rules): a probe layout."""
    probe = '<table><tr id="g0r0" style="height:40pt"><td id="g0c0_0">x</td></tr></table>'
    story = pymupdf.Story(html=probe, user_css=style)
    story.place(pymupdf.Rect(0, 0, 200, 400))
    box = placed_positions(story).rows[(0, 0)]
    return box.height - 40.0


def spread_gaps(
    grids: list[Grid], placed: Placed, heights: dict[int, dict[int, float]], style: str,
) -> dict[int, dict[int, float]] | None:
    """New ``<tr>`` heights that give each rowspan gap to the rows of its span above it.

    MuPDF puts all the extra height a tall merged cell needs in a gap above the span's
    last row, and draws no rules across it. Giving that height to the span's other rows
    (not the last: MuPDF sizes the last row from the merged cell, so height given to it
    only makes the cell taller) closes the gap at the same total height. The rows used are
    those of the innermost span that ends below the gap; they lie inside every other span
    ending there, so whichever merged cell was too tall is satisfied. None when no gap is left.
    """
    off = _height_offset(style)
    new = {g: dict(h) for g, h in heights.items()}
    changed = False
    for gid, grid in enumerate(grids):
        rows = {r: box for (g, r), box in placed.rows.items() if g == gid}
        spans = [(r0, r0 + cell.rowspan - 1) for r0, _, cell in cell_origins(grid.rows) if cell.rowspan > 1]
        bumped: dict[int, float] = {}  # rows given more height in this pass
        for r in sorted(rows):
            if r + 1 not in rows:
                continue
            gap = rows[r + 1].y0 + BORDER / 2 - rows[r].y1
            if gap <= GAP_TOLERANCE:
                continue
            crossing = [(s, e) for s, e in spans if s <= r and e == r + 1 and all(k in rows for k in range(s, e + 1))]
            if not crossing:
                continue
            s, e = max(crossing)  # the innermost span: its rows lie inside every other one
            share = gap / (e - s)
            for k in range(s, e):
                bumped[k] = bumped.get(k, max(rows[k].height - off, 0.0)) + share
            changed = True
        if bumped:
            new.setdefault(gid, {}).update(bumped)
    return new if changed else None


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
        story = pymupdf.Story(html=page_html(blocks, rect.width)[0], user_css=self.css)
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


def layout_page(blocks: list[Block], rect: pymupdf.Rect, style: str) -> tuple[str, list[Grid]]:
    """The page's final HTML: rowspan gaps spread over their rows by ``<tr>`` heights.

    Spreading keeps the total height, so the paginator's trial layouts stay valid; a
    spread layout that would still overflow the page is not used. A page whose blocks
    overflow ``rect`` anyway (one block taller than a page) keeps its first layout; its
    rules still close every cell, with a rule in the middle of any gap.
    """
    heights: dict[int, dict[int, float]] = {}
    best = page_html(blocks, rect.width)
    page = best
    for _ in range(MAX_LAYOUT_PASSES):
        story = pymupdf.Story(html=page[0], user_css=style)
        more, _ = story.place(rect)
        if more:
            break
        best = page
        spread = spread_gaps(page[1], placed_positions(story), heights, style)
        if spread is None:
            break
        heights = spread
        page = page_html(blocks, rect.width, heights)
    return best


def draw_rules(pdf: pymupdf.Document, rules: list[list[pymupdf.Rect]]) -> None:
    """Fill the rule rectangles of each page (black, as MuPDF draws HTML borders)."""
    for page, rects in zip(pdf, rules, strict=True):
        if not rects:
            continue
        shape = page.new_shape()
        for r in rects:
            shape.draw_rect(r)
            shape.finish(color=None, fill=(0, 0, 0), width=0)
        shape.commit()


def render_pdf(label: Document, layout: dict, out: Path, *, name: str = "") -> int:
    """Write the digital PDF of a golden document; returns the page count.

    Two passes: the text is laid out and drawn by MuPDF with invisible borders, then the
    rules of every grid cell are drawn onto the saved pages (see the module docstring).
    The output is reproducible: fixed metadata dates, ``no_new_id`` and ``reproducible``
    saves, so the same label and layout give the same bytes with the same PyMuPDF.
    """
    doc, pages = paginate(label, layout, name=name)
    style = css(doc.font_size)
    buf = io.BytesIO()
    writer = pymupdf.DocumentWriter(buf)
    rules: list[list[pymupdf.Rect]] = []
    for size, blocks in pages:
        mb = page_rect(size)
        rect = mb + (doc.margin, doc.margin, -doc.margin, -doc.margin)
        page, grids = layout_page(blocks, rect, style)
        story = pymupdf.Story(html=page, user_css=style)
        more = True
        while more:  # more pages only when one block is taller than a page
            dev = writer.begin_page(mb)
            more, _ = story.place(rect)
            placed = placed_positions(story)
            rules.append([r for gid, grid in enumerate(grids) for r in grid_rules(grid, gid, placed)])
            story.draw(dev)
            writer.end_page()
    writer.close()
    pdf = pymupdf.open("pdf", buf.getvalue())
    draw_rules(pdf, rules)
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
