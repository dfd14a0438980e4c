"""Layout: turn positioned text into tables and paragraphs, fill merged cells, stitch pages.

Four jobs, all format-independent so the PDF text layer and OCR share them:

* :func:`page_blocks_from_words` rebuilds a page's grid from word/line boxes. Where ruling
  lines are known (vector drawings, or lines detected on a scan) they decide rows, columns
  and merged cells — that is the only reliable way to keep a wrapped cell in one piece.
  Without rulings, rows come from y-overlap (after removing a small page skew, since OCR
  boxes of a rotated scan drift across the page) and columns from vertical whitespace
  that stays empty across most rows.
* :func:`expand_merged` turns a table of *origin* cells with ``rowspan``/``colspan`` into a
  dense grid whose covered slots hold copies (``merged_from`` set), so that downstream
  fill-down of the L1/L2 hierarchy is a lookup, not a geometry problem.
* :func:`stitch_tables` joins a table that runs over a page break into one table.
* :func:`split_side_by_side` separates tables printed next to each other whose rules
  touch (a 中期 and a 年度 indicator table under one header block): a table finder sees
  one table there, with both sides' rows interleaved.

Ruling helpers: :func:`rulings_from_drawings` (vector PDF), :func:`rulings_from_image`
(scans), :func:`closing_rulings` (rows left open at a page break) and :class:`RulingIndex`.

Nothing here knows about budget forms: any column count, any order.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jixiao.docmodel import Block, Cell, PageInfo, Paragraph, Table, Word
from jixiao.schema import BBox

Ruling = tuple[float, float, float, float]
"""A ruling line segment x0, y0, x1, y1 (horizontal: y0≈y1; vertical: x0≈x1), in points."""

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PAGE_FURNITURE = re.compile(
    r"^[-—–\s]*(第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d{1,4}|page\s*\d+(\s*of\s*\d+)?)[-—–\s]*$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------
# Merged cells


def expand_merged(table: Table) -> Table:
    """Return ``table`` as a dense grid: every slot covered by a span holds a copy.

    Input rows may be sparse (only origin cells, each with ``row``/``col``/``rowspan``/
    ``colspan``) or already dense; existing copies are rebuilt from their origins. The
    copy carries the origin's text, bbox and page, and ``merged_from=(row, col)``.
    """
    origins = [c for row in table.rows for c in row if c is not None and c.merged_from is None]
    rows = grid_from_origins(origins)
    return Table(rows=rows, exact_grid=table.exact_grid, pages=list(table.pages), bbox=table.bbox, source=table.source)


def grid_from_origins(origins: Iterable[Cell], n_rows: int | None = None, n_cols: int | None = None) -> list[list[Cell]]:
    """Lay origin cells (with spans) out on a dense ``n_rows × n_cols`` grid.

    Slots no origin covers become empty cells; when two origins claim a slot (broken
    source markup) the first one in row-major order wins, so the grid is always rectangular.
    """
    cells = sorted(origins, key=lambda c: (c.row, c.col))
    n_rows = n_rows if n_rows is not None else max((c.row + max(c.rowspan, 1) for c in cells), default=0)
    n_cols = n_cols if n_cols is not None else max((c.col + max(c.colspan, 1) for c in cells), default=0)
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for c in cells:
        if c.row >= n_rows or c.col >= n_cols or grid[c.row][c.col] is not None:
            continue
        c.rowspan = max(1, min(c.rowspan, n_rows - c.row))
        c.colspan = max(1, min(c.colspan, n_cols - c.col))
        c.merged_from = None
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if grid[r][k] is not None:
                    continue
                grid[r][k] = c if (r, k) == (c.row, c.col) else _copy_of(c, r, k)
    page = next((c.page for c in cells if c.page is not None), None)
    return [
        [slot if slot is not None else Cell(text="", row=r, col=k, page=page) for k, slot in enumerate(row)]
        for r, row in enumerate(grid)
    ]


def _copy_of(origin: Cell, row: int, col: int) -> Cell:
    return Cell(
        text=origin.text, row=row, col=col, bbox=origin.bbox, page=origin.page,
        merged_from=(origin.row, origin.col), score=origin.score,
    )


# ---------------------------------------------------------------------------------------
# Rulings


def rulings_from_drawings(drawings: Sequence[dict[str, Any]], page_width: float = 0.0, page_height: float = 0.0) -> list[Ruling]:
    """Ruling segments from ``pymupdf.Page.get_drawings()`` output.

    Table borders come as stroked lines, thin filled rectangles (HTML/Word renderers) or
    stroked cell rectangles; all three are reduced to horizontal/vertical segments.
    Curves, white fills and page-sized background rectangles are ignored.
    """
    out: list[Ruling] = []
    for d in drawings:
        fill = d.get("fill")
        stroked = d.get("color") is not None
        white_fill = fill is not None and all(v > 0.95 for v in fill) and not stroked
        for item in d.get("items", ()):
            kind = item[0]
            if kind == "l":
                p, q = item[1], item[2]
                out.extend(_axis_segment(p.x, p.y, q.x, q.y))
            elif kind in ("re", "qu") and not white_fill:
                r = item[1].rect if kind == "qu" else item[1]
                x0, y0, x1, y1 = r.x0, r.y0, r.x1, r.y1
                if page_width and page_height and (x1 - x0) > 0.9 * page_width and (y1 - y0) > 0.9 * page_height:
                    continue
                if y1 - y0 <= 3:
                    out.append((x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
                elif x1 - x0 <= 3:
                    out.append(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
                else:
                    out += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
    return out


def rulings_from_image(gray: Any, scale: float, min_len_pt: float = 14.0, dark: int = 160) -> list[Ruling]:
    """Ruling segments found on a scanned page image, in page points.

    ``gray`` is a 2-D uint8 array (0 = black), ``scale`` = points per pixel (72 / dpi).
    A ruling is a run of dark pixels along one pixel row (column) at least
    ``min_len_pt`` long — longer than the strokes of body-size text. A rule on a page
    turned by a degree or so breaks into a staircase of such runs;
    :func:`page_blocks_from_words` removes the skew before it joins them. Needs numpy.
    """
    import numpy as np

    ink = np.asarray(gray) < dark
    min_len = max(8, int(min_len_pt / scale))
    out: list[Ruling] = []
    for horizontal, m in ((True, ink), (False, ink.T)):
        padded = np.zeros((m.shape[0], m.shape[1] + 2), dtype=np.int8)
        padded[:, 1:-1] = m
        d = np.diff(padded, axis=1)
        rows, starts = np.nonzero(d == 1)
        _, ends = np.nonzero(d == -1)
        keep = (ends - starts) >= min_len
        for r, a, b in zip(rows[keep].tolist(), starts[keep].tolist(), ends[keep].tolist()):
            pos = (r + 0.5) * scale
            if horizontal:
                out.append((a * scale, pos, b * scale, pos))
            else:
                out.append((pos, a * scale, pos, b * scale))
    return out


def _axis_segment(x0: float, y0: float, x1: float, y1: float) -> list[Ruling]:
    if abs(y1 - y0) <= 1.5 and abs(x1 - x0) > 1.5:
        y = (y0 + y1) / 2
        return [(min(x0, x1), y, max(x0, x1), y)]
    if abs(x1 - x0) <= 1.5 and abs(y1 - y0) > 1.5:
        x = (x0 + x1) / 2
        return [(x, min(y0, y1), x, max(y0, y1))]
    return []


def closing_rulings(rulings: Sequence[Ruling], index: RulingIndex | None = None) -> list[Ruling]:
    """Horizontal rules that close tables left open at a page break.

    Renderers often leave the top of a row continued from the previous page (and the
    bottom of one continued on the next) unruled: the vertical rules just stop. Where two
    or more vertical rules end at the same height with no horizontal rule there, this
    returns the missing rule, so the table finder sees the whole row. ``index``: the
    same rulings already merged (saves merging them again).
    """
    index = index if index is not None else RulingIndex(rulings)
    hlines, vlines = index.h, index.v
    out: list[Ruling] = []
    for top in (True, False):
        ends: list[tuple[float, float]] = []  # (y, x) of open vertical ends
        for v in vlines:
            for lo, hi in v.spans:
                y = lo if top else hi
                if not any(abs(hl.pos - y) <= 2.0 and hl.covers(v.pos) for hl in hlines):
                    ends.append((y, v.pos))
        ends.sort()
        i = 0
        while i < len(ends):
            j = i
            while j + 1 < len(ends) and ends[j + 1][0] - ends[i][0] <= 2.0:
                j += 1
            xs = [x for _, x in ends[i : j + 1]]
            y = statistics.median(e[0] for e in ends[i : j + 1])
            if j > i and _outermost(vlines, min(xs), max(xs), y, top):
                out.append((min(xs), y, max(xs), y))
            i = j + 1
    return out


def _outermost(vlines: list[_Line], x0: float, x1: float, y: float, top: bool) -> bool:
    """Whether ``y`` is the top (bottom) end of the ruled structure between x0 and x1: an
    open end inside a table is a drawing quirk, not a page break."""
    ends = [lo if top else hi for v in vlines if x0 - 2 <= v.pos <= x1 + 2 for lo, hi in v.spans]
    return y <= min(ends) + 2.0 if top else y >= max(ends) - 2.0


@dataclass
class _Line:
    """A ruling line after merging collinear pieces: position plus covered intervals."""

    pos: float
    spans: list[tuple[float, float]]

    def covers(self, a: float, tol: float = 1.5) -> bool:
        return any(lo - tol <= a <= hi + tol for lo, hi in self.spans)

    @property
    def lo(self) -> float:
        return min(s[0] for s in self.spans)

    @property
    def hi(self) -> float:
        return max(s[1] for s in self.spans)


def _merge_rulings(rulings: Iterable[Ruling], horizontal: bool, tol: float = 2.0) -> list[_Line]:
    """Group collinear segments (same y for horizontal, same x for vertical), union their spans."""
    segs = []
    for x0, y0, x1, y1 in rulings:
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        # a piece of a rule on a turned scan is tilted a little: up to ~3° counts as straight
        if horizontal and dx > 1.5 and (dy <= 1.5 or dy <= 0.05 * dx):
            segs.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif not horizontal and dy > 1.5 and (dx <= 1.5 or dx <= 0.05 * dy):
            segs.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
    segs.sort()
    lines: list[_Line] = []
    for pos, lo, hi in segs:
        if lines and pos - lines[-1].pos <= tol:
            lines[-1].spans.append((lo, hi))
        else:
            lines.append(_Line(pos, [(lo, hi)]))
    for ln in lines:
        ln.spans = _union(ln.spans, gap=2.0)
    return lines


def _union(spans: list[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


class RulingIndex:
    """Ask whether a rule runs along a cell boundary (used to merge slots a table finder left out)."""

    def __init__(self, rulings: Iterable[Ruling]):
        rulings = list(rulings)
        self.h = _merge_rulings(rulings, horizontal=True)
        self.v = _merge_rulings(rulings, horizontal=False)

    def horizontal_at(self, y: float, x: float, tol: float = 2.0) -> bool:
        """A horizontal rule at height ``y`` passes over ``x``."""
        return any(abs(ln.pos - y) <= tol and ln.covers(x) for ln in self.h)

    def vertical_at(self, x: float, y: float, tol: float = 2.0) -> bool:
        """A vertical rule at ``x`` passes beside height ``y``."""
        return any(abs(ln.pos - x) <= tol and ln.covers(y) for ln in self.v)

    @classmethod
    def from_lines(cls, hlines: list[_Line], vlines: list[_Line]) -> RulingIndex:
        """An index over rules already merged (as :func:`page_blocks_from_words` holds them)."""
        index = cls(())
        index.h, index.v = hlines, vlines
        return index


# ---------------------------------------------------------------------------------------
# Side-by-side tables


def split_side_by_side(area: BBox, rules: RulingIndex, boxes: Sequence[BBox], _depth: int = 0) -> list[tuple[BBox, bool]]:
    """Split a ruled area where two tables stand side by side: (sub-area, is a side) in reading order.

    Budget forms print e.g. a 中期 and a 年度 indicator table next to each other, often
    hanging from a full-width header block. Their rules touch, so a table finder sees one
    table whose rows interleave both (each side has its own row heights and merged cells).
    The sign of two tables is a *gutter*: a strip between two vertical rules that holds
    no text and that no horizontal rule crosses, with a ruled table (two or more columns
    and rows) on either side. A strip that is closed at both ends by crossing rules
    could also be an empty merged cell of one table, so it counts only when the rows on
    its two sides are ruled independently; a strip open at the top or bottom of the area
    cannot be a cell (the table's own border would close it).

    Returns ``[(area, False)]`` when there is no gutter; otherwise the block above the
    gutter (if any), the left side, the right side and the block below (if any), each
    split again; the flag marks the sides (and parts of sides).
    """
    found = _gutter(area, rules, boxes) if _depth < 4 else None
    if found is None:
        return [(area, False)]
    xa, xb, y0, y1 = found
    ax0, ay0, ax1, ay1 = area
    parts = []
    if y0 > ay0 + 1.0:
        parts.append(((ax0, ay0, ax1, y0), False))
    parts += [((ax0, y0, xa, y1), True), ((xb, y0, ax1, y1), True)]
    if y1 < ay1 - 1.0:
        parts.append(((ax0, y1, ax1, ay1), False))
    return [(q, side or inner) for p, side in parts for q, inner in split_side_by_side(p, rules, boxes, _depth + 1)]


def caption_rows(table: Table) -> tuple[list[Paragraph], Table]:
    """Split off the caption rows that open one of two side-by-side tables.

    Such a table is often headed by one cell across its whole width naming what it
    holds — 中期绩效指标（2024—2026年） beside 年度绩效指标（2024年）. That is a heading, not
    a row: it becomes a Paragraph before the table (where headings name a table's
    scope). Returns the paragraphs and the table without them (its cells are renumbered
    in place).
    """
    k = 0
    while k < min(2, len(table.rows) - 2) and _is_caption(table.rows[k], table.n_cols):
        k += 1
    if k == 0:
        return [], table
    paras = [Paragraph(text=row[0].text, page=row[0].page, bbox=row[0].bbox) for row in table.rows[:k]]
    rows = table.rows[k:]
    for row in rows:
        for c in row:
            c.row -= k
            if c.merged_from is not None:
                c.merged_from = (c.merged_from[0] - k, c.merged_from[1])
    tops = [c.bbox[1] for c in rows[0] if c.bbox is not None]
    bbox = table.bbox
    if bbox is not None and tops:
        bbox = (bbox[0], min(tops), bbox[2], bbox[3])
    return paras, Table(rows=rows, exact_grid=table.exact_grid, pages=list(table.pages), bbox=bbox, source=table.source)


def _is_caption(row: list[Cell], n_cols: int) -> bool:
    head = row[0] if row else None
    return (
        head is not None and n_cols > 1 and head.merged_from is None and head.colspan == n_cols and head.rowspan == 1
        and bool(head.text.strip())
    )


def reading_order(groups: list[list[Block]]) -> list[Block]:
    """Blocks top to bottom, left to right, where a group (a side table and its caption)
    stays together: two tables side by side are read one after the other, each after
    its own caption. Groups are placed by their first block."""

    def place(group: list[Block]) -> tuple[float, float]:
        b = group[0].bbox
        return (b[1], b[0]) if b else (0.0, 0.0)

    return [b for g in sorted((g for g in groups if g), key=place) for b in g]


def _gutter(area: BBox, rules: RulingIndex, boxes: Sequence[BBox], tol: float = 2.0) -> tuple[float, float, float, float] | None:
    """The first gutter in ``area`` (left to right) as (x of its left rule, x of its right
    rule, top, bottom), or None. See :func:`split_side_by_side` for what counts."""
    ax0, ay0, ax1, ay1 = area
    hs = [ln for ln in rules.h if ay0 - tol <= ln.pos <= ay1 + tol]
    xs = _verticals_in(rules, ax0, ax1, ay0, ay1, tol)
    for xa, xb in zip(xs, xs[1:]):
        xm = (xa + xb) / 2
        crossing: list[float] = []
        beside: list[float] = []  # rules that stop at the strip: row rules of one side
        for ln in hs:
            # a rule reaching into the strip crosses it, even with a break (a scan's rule may have one)
            into = any(lo <= xm <= hi or min(hi, xb - tol) - max(lo, xa + tol) > 0 for lo, hi in ln.spans)
            (crossing if into else beside).append(ln.pos)
        if not beside:
            continue
        crossing.sort()
        beside.sort()
        for y0, y1, closed in _bands(crossing, ay0, ay1, tol):
            i = bisect.bisect_right(beside, y0 + tol)
            if i == len(beside) or beside[i] >= y1 - tol:
                continue  # no row rule inside: not two tables with rows of their own
            left = _side_rows(rules, ax0, xa, y0, y1, tol)
            right = _side_rows(rules, xb, ax1, y0, y1, tol)
            if left is None or right is None:
                continue
            if closed and not _independent(left, right, tol):
                continue  # an empty merged cell of one table, not a gap between two
            if _text_in(boxes, xa, xb, y0, y1) or not (_text_in(boxes, ax0, xa, y0, y1) and _text_in(boxes, xb, ax1, y0, y1)):
                continue
            return xa, xb, y0, y1
    return None


def _verticals_in(rules: RulingIndex, x0: float, x1: float, y0: float, y1: float, tol: float) -> list[float]:
    """Positions of vertical rules strictly inside (x0, x1) that run beside (y0, y1)."""
    return sorted(
        ln.pos for ln in rules.v
        if x0 + tol < ln.pos < x1 - tol and any(min(hi, y1) - max(lo, y0) > tol for lo, hi in ln.spans)
    )


def _bands(crossing: list[float], y0: float, y1: float, tol: float) -> list[tuple[float, float, bool]]:
    """Vertical stretches of a strip between the rules crossing it: (top, bottom, closed at both ends)."""
    if not crossing:
        return [(y0, y1, False)]
    out = []
    if crossing[0] > y0 + tol:
        out.append((y0, crossing[0], False))
    out += [(a, b, True) for a, b in zip(crossing, crossing[1:]) if b - a > tol]
    if crossing[-1] < y1 - tol:
        out.append((crossing[-1], y1, False))
    return out


def _side_rows(rules: RulingIndex, x0: float, x1: float, y0: float, y1: float, tol: float) -> list[float] | None:
    """Heights of the horizontal rules inside one side of a band, or None when that side
    is not a table of its own (fewer than two ruled columns or rows)."""
    if not _verticals_in(rules, x0, x1, y0, y1, tol):
        return None
    ys = sorted(
        ln.pos for ln in rules.h
        if y0 + tol < ln.pos < y1 - tol and any(min(hi, x1) - max(lo, x0) > tol for lo, hi in ln.spans)
    )
    return ys or None


def _independent(left: list[float], right: list[float], tol: float) -> bool:
    """Whether two sides have a row rule the other side lacks."""
    return any(all(abs(a - b) > tol for b in right) for a in left) or any(all(abs(a - b) > tol for b in left) for a in right)


def _text_in(boxes: Sequence[BBox], x0: float, x1: float, y0: float, y1: float) -> bool:
    """Some text box overlaps the strip x0..x1 (by more than half a point) with its centre between y0 and y1."""
    return any(min(b[2], x1) - max(b[0], x0) > 0.5 and y0 < (b[1] + b[3]) / 2 < y1 for b in boxes)


# ---------------------------------------------------------------------------------------
# Words → rows → segments


@dataclass
class _Seg:
    """Text on one visual line whose pieces are close enough to belong to one cell."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 1.0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Row:
    segs: list[_Seg] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(s.y0 for s in self.segs)

    @property
    def y1(self) -> float:
        return max(s.y1 for s in self.segs)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def text(self) -> str:
        return "  ".join(s.text for s in sorted(self.segs, key=lambda s: s.x0))


def _join_text(a: str, b: str) -> str:
    """Join two pieces of one line: no space between CJK characters, one space otherwise."""
    if not a:
        return b
    if not b:
        return a
    if _CJK.match(a[-1]) and _CJK.match(b[0]):
        return a + b
    return a + " " + b


def estimate_skew(words: Sequence[Word]) -> float:
    """Median slope dy/dx between horizontally adjacent, vertically overlapping boxes.

    A scan rotated by 1° moves a box 9 pt over a 500 pt wide page, about one line height,
    which is enough to put a row's right end into the next row. Clamped to ±0.05 (≈3°).
    """
    boxes = sorted((w.bbox for w in words), key=lambda b: (b[1] + b[3]) / 2)
    slopes = []
    for i, a in enumerate(boxes):
        ha = a[3] - a[1]
        best = None
        for b in boxes[i + 1 : i + 40]:
            if (b[1] + b[3]) / 2 - (a[1] + a[3]) / 2 > ha:
                break
            if b[0] < a[2]:
                continue
            ov = min(a[3], b[3]) - max(a[1], b[1])
            if ov < 0.5 * min(ha, b[3] - b[1]):
                continue
            if best is None or b[0] < best[0]:
                best = b
        for b in boxes[max(0, i - 40) : i]:
            if b[0] < a[2]:
                continue
            ov = min(a[3], b[3]) - max(a[1], b[1])
            if ov >= 0.5 * min(ha, b[3] - b[1]) and (best is None or b[0] < best[0]):
                best = b
        if best is not None:
            dx = (best[0] + best[2]) / 2 - (a[0] + a[2]) / 2
            if dx > 0:
                slopes.append(((best[1] + best[3]) / 2 - (a[1] + a[3]) / 2) / dx)
    if len(slopes) < 3:
        return 0.0
    s = statistics.median(slopes)
    return 0.0 if abs(s) < 0.002 else max(-0.05, min(0.05, s))  # < 0.1°: a straight page


def _turn(x: float, y: float, s: float) -> tuple[float, float]:
    """Rotate a point about the origin by -atan(s): the exact inverse of turning by +atan(-s)."""
    th = math.atan(s)
    c, n = math.cos(th), math.sin(th)
    return x * c + y * n, -x * n + y * c


def _rotate_box(box: BBox, s: float) -> BBox:
    """Turn a box's centre by the small angle atan(s) about the origin; the size is kept.

    ``s`` = the page skew removes it, ``-s`` puts it back exactly, so the boxes handed out
    stay in page coordinates while the analysis works on straight rows and columns.
    """
    if not s:
        return box
    x0, y0, x1, y1 = box
    cx, cy = _turn((x0 + x1) / 2, (y0 + y1) / 2, s)
    hw, hh = (x1 - x0) / 2, (y1 - y0) / 2
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _rotate_ruling(r: Ruling, s: float) -> Ruling:
    if not s:
        return r
    a = _turn(r[0], r[1], s)
    b = _turn(r[2], r[3], s)
    return (a[0], a[1], b[0], b[1])


def _segments(words: Sequence[Word], skew: float) -> list[_Seg]:
    """Words as segments in deskewed coordinates."""
    out = []
    for w in words:
        text = (w.text or "").strip()
        if not text:
            continue
        x0, y0, x1, y1 = _rotate_box(w.bbox, skew)
        out.append(_Seg(text, x0, y0, x1, y1, w.score))
    return out


def _unskew_blocks(blocks: list[Block], skew: float) -> None:
    """Map the boxes of built blocks back to page coordinates."""
    if not skew:
        return
    for b in blocks:
        if b.bbox is not None:
            b.bbox = _rotate_box(b.bbox, -skew)
        if isinstance(b, Table):
            done: dict[int, BBox] = {}
            for row in b.rows:
                for c in row:
                    if c.bbox is not None:
                        key = id(c.bbox)
                        if key not in done:
                            done[key] = _rotate_box(c.bbox, -skew)
                        c.bbox = done[key]


def _group_rows(segs: list[_Seg]) -> list[_Row]:
    """Cluster segments into visual lines by vertical overlap (≥ half the smaller height)."""
    rows: list[_Row] = []
    bands: list[tuple[float, float]] = []
    for s in sorted(segs, key=lambda s: (s.cy, s.x0)):
        h = s.y1 - s.y0
        placed = False
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            b0, b1 = bands[i]
            ov = min(b1, s.y1) - max(b0, s.y0)
            if ov >= 0.5 * min(h, b1 - b0) and not _collides(rows[i], s):
                rows[i].segs.append(s)
                bands[i] = (b0, b1) if b1 - b0 <= h else (s.y0, s.y1)  # keep the tightest band
                placed = True
                break
        if not placed:
            rows.append(_Row([s]))
            bands.append((s.y0, s.y1))
    return sorted(rows, key=lambda r: r.cy)


def _collides(row: _Row, s: _Seg) -> bool:
    """A segment overlapping another one horizontally is on another line (stacked text)."""
    return any(min(o.x1, s.x1) - max(o.x0, s.x0) > 0.3 * min(o.x1 - o.x0, s.x1 - s.x0) for o in row.segs)


def _merge_close(row: _Row, max_gap: float, vlines: Sequence[_Line] = ()) -> _Row:
    """Join pieces of one line closer than ``max_gap`` (words of one cell), never across a
    vertical rule: ruled cells sit closer together than the gap rule alone can tell."""
    segs = sorted(row.segs, key=lambda s: s.x0)
    out: list[_Seg] = []
    for s in segs:
        p = out[-1] if out else None
        if p is not None and s.x0 - p.x1 < max_gap and not _ruled_between(p, s, vlines):
            out[-1] = _Seg(_join_text(p.text, s.text), p.x0, min(p.y0, s.y0), max(p.x1, s.x1), max(p.y1, s.y1), min(p.score, s.score))
        else:
            out.append(s)
    return _Row(out)


def _ruled_between(a: _Seg, b: _Seg, vlines: Sequence[_Line]) -> bool:
    lo, hi = a.x1 - 1.0, b.x0 + 1.0
    y = (a.cy + b.cy) / 2
    return any(lo <= v.pos <= hi and v.covers(y) for v in vlines)


# ---------------------------------------------------------------------------------------
# Page blocks


def page_blocks_from_words(
    words: list[Word],
    page: PageInfo,
    rulings: list[Ruling] | None = None,
    source: str = "pdf-words",
) -> list[Block]:
    """Rebuild tables and paragraphs of one page from word or OCR line boxes.

    ``rulings`` (see :func:`rulings_from_drawings`) are used wherever they enclose text:
    horizontal rules give rows — so a wrapped cell stays one cell — vertical rules give
    columns, and a missing rule between two slots means a merged cell. Text outside ruled
    areas goes through the whitespace analysis. Returns blocks in reading order
    (top to bottom); tables have ``exact_grid=True`` and ``source`` as given.
    """
    if not words:
        return []
    skew = estimate_skew(words)  # analysis runs on deskewed boxes; output boxes are mapped back
    segs = _segments(words, skew)
    if not segs:
        return []
    h = statistics.median(s.y1 - s.y0 for s in segs) or 10.0
    straight = [_rotate_ruling(r, skew) for r in rulings or []]
    hlines = _merge_rulings(straight, horizontal=True)
    vlines = _merge_rulings(straight, horizontal=False)
    rows = [_merge_close(r, 0.5 * h, vlines) for r in _group_rows(segs)]
    blocks: list[Block] = []
    free = rows
    index = RulingIndex.from_lines(hlines, vlines)
    boxes = [(s.x0, s.y0, s.x1, s.y1) for r in rows for s in r.segs]
    sides: list[Table] = []
    for area in _ruled_areas(hlines, vlines, h):
        for part, side in split_side_by_side(area, index, boxes):
            inside, free = _take_rows(free, part)
            if inside:
                tab = _ruled_table(inside, part, hlines, vlines, h, page.number, source)
                if tab is not None:
                    blocks.append(tab)
                    if side:
                        sides.append(tab)
                else:
                    free = sorted(free + inside, key=lambda r: r.cy)
    blocks += _unruled_blocks(free, h, page.number, source)
    _unskew_blocks(blocks, skew)
    groups: list[list[Block]] = []
    for b in blocks:
        if any(b is t for t in sides):
            paras, b = caption_rows(b)
            groups.append([*paras, b])
        else:
            groups.append([b])
    return reading_order(groups)


# ---- ruled areas ----------------------------------------------------------------------


def _ruled_areas(hlines: list[_Line], vlines: list[_Line], h: float) -> list[BBox]:
    """Boxes of ruled tables: connected groups of horizontal and vertical rules.

    A horizontal and a vertical rule are connected where they touch or cross; a group
    with at least two of each is a table. A paragraph between two tables keeps them
    apart; tables without any vertical rule (three-line tables) are left to the
    whitespace analysis: their few rules do not separate the rows.
    """
    # nodes are single spans: collinear rules of two tables stacked one above the other
    # share a _Line but must not tie the tables together
    hs = [(ln.pos, lo, hi) for ln in hlines for lo, hi in ln.spans if hi - lo >= 3 * h]
    vs = [(ln.pos, lo, hi) for ln in vlines for lo, hi in ln.spans if hi - lo >= 0.8 * h]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (hy, hx0, hx1) in enumerate(hs):
        for j, (vx, vy0, vy1) in enumerate(vs):
            if hx0 - 2 <= vx <= hx1 + 2 and vy0 - 2 <= hy <= vy1 + 2:
                parent[find(len(hs) + j)] = find(i)
    groups: dict[int, tuple[list[tuple[float, float, float]], int]] = {}
    for i, hspan in enumerate(hs):
        g = groups.setdefault(find(i), ([], 0))
        g[0].append(hspan)
    for j in range(len(vs)):
        root = find(len(hs) + j)
        if root in groups:
            groups[root] = (groups[root][0], groups[root][1] + 1)
    areas = [
        (min(x0 for _, x0, _ in g_h), min(y for y, _, _ in g_h), max(x1 for _, _, x1 in g_h), max(y for y, _, _ in g_h))
        for g_h, n_v in groups.values() if len(g_h) >= 2 and n_v >= 2
    ]
    return sorted(areas, key=lambda a: (a[1], a[0]))


def _take_rows(rows: list[_Row], area: BBox) -> tuple[list[_Row], list[_Row]]:
    """Split rows into segments inside ``area`` (by centre) and everything else."""
    x0, y0, x1, y1 = area
    inside: list[_Row] = []
    rest: list[_Row] = []
    for r in rows:
        ins = [s for s in r.segs if x0 - 2 <= (s.x0 + s.x1) / 2 <= x1 + 2 and y0 - 1 <= s.cy <= y1 + 1]
        out = [s for s in r.segs if s not in ins]
        if ins:
            inside.append(_Row(ins))
        if out:
            rest.append(_Row(out))
    return inside, rest


def _ruled_table(
    rows: list[_Row], area: BBox, hlines: list[_Line], vlines: list[_Line], h: float, page: int, source: str
) -> Table | None:
    """A lattice table: bands between horizontal rules, columns between vertical rules
    (or whitespace when the table has no vertical rules), merges where a rule is missing."""
    ax0, ay0, ax1, ay1 = area
    ys = [ln.pos for ln in hlines if ay0 - 1 <= ln.pos <= ay1 + 1 and min(ln.hi, ax1) - max(ln.lo, ax0) > 0.1 * (ax1 - ax0)]
    vin = [ln for ln in vlines if ax0 - 3 <= ln.pos <= ax1 + 3 and min(ln.hi, ay1) - max(ln.lo, ay0) > min(h, 0.3 * (ay1 - ay0))]
    inner_v = [ln for ln in vin if ax0 + 3 < ln.pos < ax1 - 3]
    if inner_v:
        xs = [ax0] + [ln.pos for ln in inner_v] + [ax1]
        has_v = True
    else:
        seps = _column_separators(rows, 0.4 * h)
        xs = [ax0] + seps + [ax1]
        has_v = False
    segs = [s for line in rows for s in line.segs]
    xs = _drop_thin_empty(_dedupe(sorted(xs), 2.0), [(s.x0 + s.x1) / 2 for s in segs], 0.4 * h)
    ys = _drop_thin_empty(_dedupe(sorted(ys), 2.0), [s.cy for s in segs], 0.4 * h)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1 or n_rows * n_cols < 2:
        return None
    # text per slot, line by line
    slot_lines: dict[tuple[int, int], list[_Seg]] = {}
    for line in rows:
        for s in line.segs:
            ri = min(max(bisect.bisect_right(ys, s.cy) - 1, 0), n_rows - 1)
            for ci in _cols_of(s, xs):
                slot_lines.setdefault((ri, ci), []).append(s)
                break  # a segment's text goes to its first column; spans come from missing rules
    # union slots where a rule is missing
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def find(a: tuple[int, int]) -> tuple[int, int]:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # a boundary is ruled where any rule near it (double rules count once) covers the slot
    near = max(3.0, 0.4 * h)
    for r in range(n_rows):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols - 1):
            x = xs[c + 1]
            if has_v:
                tol = 0.25 * (ys[r + 1] - ys[r])
                if not any(abs(ln.pos - x) <= near and ln.covers(ymid, tol=tol) for ln in vin):
                    union((r, c), (r, c + 1))
            elif _crosses(slot_lines, r, c, x):
                union((r, c), (r, c + 1))
    for c in range(n_cols):
        xmid = (xs[c] + xs[c + 1]) / 2
        tol = 0.25 * (xs[c + 1] - xs[c])
        for r in range(n_rows - 1):
            y = ys[r + 1]
            if not any(abs(ln.pos - y) <= near and ln.covers(xmid, tol=tol) for ln in hlines):
                union((r, c), (r + 1, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for slot in parent:
        groups.setdefault(find(slot), []).append(slot)
    origins = []
    for slots in groups.values():
        rs = [s[0] for s in slots]
        cs = [s[1] for s in slots]
        rect = (min(rs), min(cs), max(rs), max(cs))
        if len(slots) != (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1):
            slots_rect = [[s] for s in sorted(slots)]  # not a rectangle: keep slots apart
        else:
            slots_rect = [sorted(slots)]
        for grp in slots_rect:
            r0, c0 = grp[0]
            r1, c1 = grp[-1]
            segs = [s for slot in grp for s in slot_lines.get(slot, [])]
            origins.append(Cell(
                text=_cell_text(segs), row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                bbox=(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]), page=page,
                score=min((s.score for s in segs), default=1.0),
            ))
    grid = grid_from_origins(origins, n_rows, n_cols)
    return Table(rows=grid, exact_grid=True, pages=[page], bbox=(xs[0], ys[0], xs[-1], ys[-1]), source=source)


def _crosses(slot_lines: dict[tuple[int, int], list[_Seg]], r: int, c: int, x: float) -> bool:
    return any(s.x1 > x + 2 for s in slot_lines.get((r, c), []))


def _drop_thin_empty(edges: list[float], centres: list[float], min_size: float) -> list[float]:
    """Remove bands thinner than ``min_size`` holding no text: the gap between the double
    rules where two tables are drawn one under the other is not a row."""
    out = list(edges)
    i = 0
    while i < len(out) - 1 and len(out) > 2:
        lo, hi = out[i], out[i + 1]
        if hi - lo < min_size and not any(lo <= c <= hi for c in centres):
            del out[i + 1 if i + 1 < len(out) - 1 else i]
        else:
            i += 1
    return out


def _dedupe(xs: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _cols_of(s: _Seg, xs: Sequence[float]) -> list[int]:
    """Columns a segment covers: from the one holding its left edge to the one holding its right."""
    eps = min(2.0, (s.x1 - s.x0) / 4)
    n = len(xs) - 1
    c0 = min(max(bisect.bisect_right(xs, s.x0 + eps) - 1, 0), n - 1)
    c1 = min(max(bisect.bisect_right(xs, s.x1 - eps) - 1, 0), n - 1)
    return list(range(c0, max(c0, c1) + 1))


def _cell_text(segs: list[_Seg]) -> str:
    """Text of one cell: its lines top to bottom joined with a newline, pieces of a line by x."""
    if not segs:
        return ""
    lines: list[list[_Seg]] = []
    for s in sorted(segs, key=lambda s: (s.cy, s.x0)):
        if lines:
            last = lines[-1]
            b0 = min(t.y0 for t in last)
            b1 = max(t.y1 for t in last)
            if min(b1, s.y1) - max(b0, s.y0) >= 0.5 * min(b1 - b0, s.y1 - s.y0):
                last.append(s)
                continue
        lines.append([s])
    out = []
    for ln in lines:
        text = ""
        for s in sorted(ln, key=lambda s: s.x0):
            text = _join_text(text, s.text)
        out.append(text)
    return "\n".join(out)


# ---- unruled text ---------------------------------------------------------------------


def _unruled_blocks(rows: list[_Row], h: float, page: int, source: str) -> list[Block]:
    """Whitespace analysis: runs of rows with ≥2 aligned columns become tables, the rest paragraphs."""
    blocks: list[Block] = []
    for run in _runs(rows, 3.0 * h, h):
        anchors = [i for i, r in enumerate(run) if len(r.segs) >= 2]
        table = None
        if len(anchors) >= 2:
            lo, hi = anchors[0], anchors[-1]
            while hi + 1 < len(run) and run[hi + 1].y0 - run[hi].y1 < 0.25 * h and len(run[hi + 1].segs) == 1:
                hi += 1  # a wrapped last cell
            table = _whitespace_table(run[lo : hi + 1], h, page, source)
        if table is None:
            blocks += _paragraphs(run, h, page)
            continue
        blocks += _paragraphs(run[:lo], h, page)
        blocks.append(table)
        blocks += _paragraphs(run[hi + 1 :], h, page)
    return blocks


def _runs(rows: list[_Row], max_gap: float, h: float) -> list[list[_Row]]:
    """Split lines into runs at wide vertical gaps: absolute ones, then unusually wide ones.

    The second rule separates two tables (or a table and a caption) that sit closer than
    ``max_gap`` but further apart than the rows inside them.
    """
    out: list[list[_Row]] = []
    for r in rows:
        if out and r.y0 - out[-1][-1].y1 <= max_gap:
            out[-1].append(r)
        else:
            out.append([r])
    split: list[list[_Row]] = []
    for run in out:
        gaps = [b.y0 - a.y1 for a, b in zip(run, run[1:])]
        if len(gaps) < 3:
            split.append(run)
            continue
        limit = statistics.median(gaps) + 0.5 * h
        split.append([run[0]])
        for g, r in zip(gaps, run[1:]):
            if g > limit:
                split.append([r])
            else:
                split[-1].append(r)
    return split


def _column_separators(rows: list[_Row], min_gap: float) -> list[float]:
    """x positions of column boundaries: whitespace that (nearly) no row's text crosses.

    A gap may be crossed by a few rows — those hold merged (spanning) cells — but must have
    text on both sides in at least two rows, so a ragged paragraph does not make columns.
    """
    anchors = [r for r in rows if len(r.segs) >= 2]
    if len(anchors) < 2:
        return []
    tol = len(anchors) // 4
    lo = min(s.x0 for r in anchors for s in r.segs)
    hi = max(s.x1 for r in anchors for s in r.segs)
    gaps = [(g0, g1) for g0, g1 in _low_coverage_runs(anchors, tol, min_gap) if lo < g0 and g1 < hi]
    seps = []
    for g0, g1 in gaps:
        both = sum(1 for r in anchors if any(s.x1 <= g0 + 0.5 for s in r.segs) and any(s.x0 >= g1 - 0.5 for s in r.segs))
        if both >= 2:
            seps.append((g0 + g1) / 2)
    return seps


def _low_coverage_runs(rows: list[_Row], tol: int, min_gap: float) -> list[tuple[float, float]]:
    """x intervals crossed by at most ``tol`` rows, each narrowed to its least-crossed part.

    Narrowing matters: next to a column gap, a header wider than the data under it is
    crossed by one row only, and the gap's middle must not fall inside that header.
    """
    events: list[tuple[float, int]] = []
    for r in rows:
        for s in r.segs:
            events += [(s.x0, 1), (s.x1, -1)]
    events.sort()
    # piecewise-constant depth: (x_start, x_end, depth)
    pieces: list[tuple[float, float, int]] = []
    depth = 0
    for (x, d), nxt in zip(events, events[1:] + [(events[-1][0], 0)]):
        depth += d
        if nxt[0] > x:
            pieces.append((x, nxt[0], depth))
    runs: list[list[tuple[float, float, int]]] = []
    for p in pieces:
        if p[2] <= tol:
            if runs and runs[-1][-1][1] == p[0]:
                runs[-1].append(p)
            else:
                runs.append([p])
    out: list[tuple[float, float]] = []
    for run in runs:
        best = min(p[2] for p in run)
        sub: list[tuple[float, float]] = []
        for a, b, d in run:
            if d == best:
                if sub and sub[-1][1] == a:
                    sub[-1] = (sub[-1][0], b)
                else:
                    sub.append((a, b))
        wide = [g for g in sub if g[1] - g[0] >= min_gap]
        if not wide and run[-1][1] - run[0][0] >= min_gap:
            wide = [max(sub, key=lambda g: g[1] - g[0])]
        out += wide
    return out


def _whitespace_table(rows: list[_Row], h: float, page: int, source: str) -> Table | None:
    """A grid from unruled rows: columns from whitespace, wrapped lines joined by line spacing."""
    seps = _column_separators(rows, 0.4 * h)
    if not seps:
        return None
    xs = [-1e9] + seps + [1e9]
    n_cols = len(xs) - 1
    logical = _logical_rows(rows, h, n_cols)
    origins: list[Cell] = []
    for ri, lines in enumerate(logical):
        placed: list[tuple[int, int, list[_Seg]]] = []  # (c0, c1, segs), merged when spans overlap
        for ln in lines:
            for s in ln.segs:
                cols = _cols_of(s, xs)
                c0, c1 = cols[0], cols[-1]
                hit = [p for p in placed if p[0] <= c1 and c0 <= p[1]]
                for p in hit:
                    placed.remove(p)
                    c0, c1 = min(c0, p[0]), max(c1, p[1])
                placed.append((c0, c1, [s] + [t for p in hit for t in p[2]]))
        for c0, c1, segs in placed:
            origins.append(Cell(
                text=_cell_text(segs), row=ri, col=c0, colspan=c1 - c0 + 1,
                bbox=(min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs), max(s.y1 for s in segs)),
                page=page, score=min(s.score for s in segs),
            ))
    grid = grid_from_origins(origins, len(logical), n_cols)
    if n_cols < 2 or len(grid) < 2:
        return None
    x0 = min(s.x0 for r in rows for s in r.segs)
    x1 = max(s.x1 for r in rows for s in r.segs)
    return Table(rows=grid, exact_grid=True, pages=[page], bbox=(x0, rows[0].y0, x1, rows[-1].y1), source=source)


def _logical_rows(rows: list[_Row], h: float, n_cols: int) -> list[list[_Row]]:
    """Group visual lines into table rows when line spacing is clearly bimodal.

    Lines wrapped inside a cell sit closer together than table rows (which add cell
    padding); when the gaps split into two clusters at least 0.3 line heights apart, the
    tight gaps are wraps. Uniform spacing means one line per row. Two *full* lines (text in
    at least half the columns) are never merged: a vertically centred merged cell between
    them must not glue two data rows together.
    """
    if len(rows) < 3:
        return [[r] for r in rows]
    gaps = [rows[i + 1].y0 - rows[i].y1 for i in range(len(rows) - 1)]
    srt = sorted(gaps)
    jumps = [(srt[i + 1] - srt[i], i) for i in range(len(srt) - 1)]
    big, at = max(jumps) if jumps else (0.0, 0)
    if big < 0.3 * h:
        return [[r] for r in rows]
    threshold = (srt[at] + srt[at + 1]) / 2
    full = max(2, (n_cols + 1) // 2)
    out = [[rows[0]]]
    for g, r in zip(gaps, rows[1:]):
        has_full = any(len(x.segs) >= full for x in out[-1])
        if g < threshold and not (has_full and len(r.segs) >= full):
            out[-1].append(r)
        else:
            out.append([r])
    return out


def _paragraphs(rows: list[_Row], h: float, page: int) -> list[Paragraph]:
    """Consecutive lines with normal line spacing and a shared left edge form one paragraph."""
    out: list[Paragraph] = []
    cur: list[_Row] = []
    for r in rows:
        if cur and (r.y0 - cur[-1].y1 > 0.6 * h or abs(min(s.x0 for s in r.segs) - min(s.x0 for s in cur[0].segs)) > 2 * h):
            out.append(_paragraph(cur, page))
            cur = []
        cur.append(r)
    if cur:
        out.append(_paragraph(cur, page))
    return out


def _paragraph(rows: list[_Row], page: int) -> Paragraph:
    segs = [s for r in rows for s in r.segs]
    bbox = (min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs), max(s.y1 for s in segs))
    return Paragraph(text="\n".join(r.text() for r in rows), page=page, bbox=bbox)


# ---------------------------------------------------------------------------------------
# Cross-page stitching


def is_page_furniture(p: Paragraph, pages: dict[int, PageInfo] | None = None) -> bool:
    """Page numbers and running headers/footers: allowed between the halves of a split table."""
    if _PAGE_FURNITURE.match(p.text.strip()):
        return True
    if pages and p.page in pages and p.bbox is not None:
        info = pages[p.page]
        if info.height and (p.bbox[1] > 0.94 * info.height or p.bbox[3] < 0.06 * info.height):
            return True
    return False


def column_edges(table: Table) -> list[float | None]:
    """Left x of every column, from cells that start there and span one column."""
    edges: list[float | None] = []
    for c in range(table.n_cols):
        xs = [
            box[0] for row in table.rows
            if c < len(row) and (box := row[c].bbox) is not None
            and row[c].merged_from is None and row[c].colspan == 1 and row[c].col == c
        ]
        edges.append(statistics.median(xs) if xs else None)
    return edges


@dataclass
class _Continuation:
    """How table ``b`` continues table ``a``: for every column of ``b``, the range of
    ``a``'s columns it occupies, and how many repeated header rows open ``b``."""

    ranges: list[tuple[int, int]]  # (start, end) in a's columns; empty when start == end
    drop: int


def _origins(row: list[Cell]) -> list[Cell]:
    return [c for c in row if c.merged_from is None]


def _key(cells: list[Cell]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s+", "", c.text) for c in cells)


def _continuation(a: Table, b: Table) -> _Continuation | None:
    """Whether ``b`` (first block of page N+1) continues ``a`` (last block of page N), and how.

    Accepted, in this order:

    1. same column count and the same first row (a repeated header), or the same left
       column edges: column ``j`` continues column ``j``;
    2. ``b`` opens with a repeated header that equals a row of ``a`` cell for cell (widths
       may differ: the continuation was laid out on its own): columns follow that header;
    3. fewer columns whose edges match a subset of ``a``'s, where every column ``b`` lacks
       is a vertically merged cell at the bottom of ``a`` (a merged cell running over the
       break, drawn without rules on the next page).
    """
    if not (a.exact_grid and b.exact_grid) or not a.rows or not b.rows or a.n_cols == 0 or b.n_cols > a.n_cols:
        return None
    identity = [(i, i + 1) for i in range(a.n_cols)]
    if a.n_cols == b.n_cols and any(_key(a.rows[0])) and _key(a.rows[0]) == _key(b.rows[0]):
        return _Continuation(identity, _repeated_prefix(a, b))
    by_header = _header_ranges(a, b)
    if by_header is not None:
        ranges, k = by_header
        drop = 1
        while drop < min(4, len(b.rows) - 1) and k + drop < len(a.rows) and any(_key(_origins(b.rows[drop]))) and (
            _key(_origins(b.rows[drop])) == _key(_origins(a.rows[k + drop]))
        ):
            drop += 1  # the rest of a multi-row header
        return _Continuation(ranges, drop)
    if a.n_cols == b.n_cols and _edges_match(a, b):
        return _Continuation(identity, _repeated_prefix(a, b))
    subset = _subset_ranges(a, b)
    return _Continuation(subset, 0) if subset is not None else None


def _repeated_prefix(a: Table, b: Table) -> int:
    k = 0
    while k < min(3, len(a.rows), len(b.rows) - 1) and any(_key(b.rows[k])) and _key(b.rows[k]) == _key(a.rows[k]):
        k += 1
    return k


def _tolerance(a: Table) -> float:
    width = (a.bbox[2] - a.bbox[0]) if a.bbox else 500.0
    return max(4.0, 0.02 * width)


def _edges_match(a: Table, b: Table) -> bool:
    ea, eb = column_edges(a), column_edges(b)
    tol = _tolerance(a)
    known = [(x, y) for x, y in zip(ea, eb) if x is not None and y is not None]
    if known:
        return all(abs(x - y) <= tol for x, y in known)
    return bool(a.bbox and b.bbox and abs(a.bbox[0] - b.bbox[0]) <= tol and abs(a.bbox[2] - b.bbox[2]) <= tol)


def _header_ranges(a: Table, b: Table) -> tuple[list[tuple[int, int]], int] | None:
    """Column ranges from a header row of ``a`` repeated as ``b``'s first row (last match
    wins), and the index of that row in ``a``.

    Header cells correspond one to one; inside a header cell, ``b``'s columns take ``a``'s
    in proportion. Where ``b`` has more columns under a header cell than ``a``, ``a`` is
    widened first (:func:`_split_column`), so no text of ``b`` has to be squeezed out.
    """
    head = _origins(b.rows[0])
    key = _key(head)
    if sum(1 for t in key if t) < 2 or len(b.rows) < 2:
        return None
    for k in range(len(a.rows) - 1, -1, -1):
        cells = _origins(a.rows[k])
        if _key(cells) != key:
            continue
        for hb, ha in reversed(list(zip(head, cells))):
            if hb.colspan > ha.colspan:
                _split_column(a, ha.col + ha.colspan - 1, hb.colspan - ha.colspan)
        cells = _origins(a.rows[k])
        ranges: list[tuple[int, int] | None] = [None] * b.n_cols
        for hb, ha in zip(head, cells):
            n, m = hb.colspan, ha.colspan
            for d in range(n):
                ranges[hb.col + d] = (ha.col + d * m // n, ha.col + (d + 1) * m // n)
        if any(r is None for r in ranges):
            return None
        return [r for r in ranges if r is not None], k
    return None


def _split_column(table: Table, j: int, times: int) -> None:
    """Insert ``times`` columns after column ``j``; cells covering ``j`` extend over them."""
    grown: set[int] = set()
    for r, row in enumerate(table.rows):
        for c in row:
            if c.col > j:
                c.col += times
            if c.merged_from is not None and c.merged_from[1] > j:
                c.merged_from = (c.merged_from[0], c.merged_from[1] + times)
        cell = row[j]
        origin = cell if cell.merged_from is None else table.rows[cell.merged_from[0]][cell.merged_from[1]]
        if id(origin) not in grown:
            origin.colspan += times
            grown.add(id(origin))
        row[j + 1 : j + 1] = [_copy_of(origin, r, j + 1 + d) for d in range(times)]


def _subset_ranges(a: Table, b: Table) -> list[tuple[int, int]] | None:
    ea, eb = column_edges(a), column_edges(b)
    tol = _tolerance(a)
    if b.n_cols >= a.n_cols or None in eb or not (a.bbox and b.bbox) or abs(a.bbox[2] - b.bbox[2]) > tol:
        return None
    mapping: list[int] = []
    i = 0
    for x in eb:
        while i < a.n_cols and (ea[i] is None or abs(ea[i] - x) > tol):  # type: ignore[operator]
            i += 1
        if i == a.n_cols:
            return None
        mapping.append(i)
        i += 1
    last = a.rows[-1]
    for i in set(range(a.n_cols)) - set(mapping):
        cell = last[i] if i < len(last) else None
        if cell is None or cell.merged_from is None or cell.merged_from[0] >= len(a.rows) - 1 or cell.merged_from[1] != i:
            return None
    return [(i, i + 1) for i in mapping]


def stitch_tables(blocks: list[Block], pages: Sequence[PageInfo] | None = None) -> list[Block]:
    """Join tables continued on the next page into one table with ``pages=[N, N+1, …]``.

    Two tables are one when the second is the first block of page N+1 (page numbers and
    running headers aside), the first is the last block of page N, and their columns
    correspond (see :func:`_continuation`). A header repeated at the top of the
    continuation is dropped, and a vertically merged cell cut by the page break is
    continued (copies of its origin).
    """
    info = {p.number: p for p in pages} if pages else None
    out: list[Block] = []
    pending: list[Paragraph] = []  # furniture between a table and a possible continuation
    for b in blocks:
        if isinstance(b, Paragraph):
            if out and isinstance(out[-1], Table) and is_page_furniture(b, info):
                pending.append(b)
                continue
            out += pending
            pending = []
            out.append(b)
            continue
        prev = out[-1] if out else None
        how = None
        if isinstance(prev, Table) and prev.pages and b.pages and b.pages[0] == prev.pages[-1] + 1:
            how = _continuation(prev, b)
        if how is not None and isinstance(prev, Table):
            out[-1] = _append_table(prev, b, how)
            continue  # furniture stays pending: it follows the whole table, a page 3 may continue it
        out += pending
        pending = []
        out.append(b)
    return out + pending


def _append_table(a: Table, b: Table, how: _Continuation) -> Table:
    """``a`` followed by ``b``'s rows laid onto ``a``'s columns."""
    first = len(a.rows)
    body = b.rows[how.drop :]
    origins = []
    for row in b.rows:
        for c in _origins(row):
            if c.col >= len(how.ranges) or c.row + c.rowspan <= how.drop:
                continue
            spans = [how.ranges[j] for j in range(c.col, min(c.col + c.colspan, len(how.ranges))) if how.ranges[j][1] > how.ranges[j][0]]
            if not spans:
                continue  # only possible for a sub-column the header maps to nothing
            start, end = spans[0][0], spans[-1][1]
            top = max(c.row, how.drop)  # a cell of the dropped header reaching into the body is clipped
            origins.append(Cell(
                text=c.text, row=top - how.drop, col=start, rowspan=c.row + c.rowspan - top, colspan=end - start,
                bbox=c.bbox, page=c.page, score=c.score,
            ))
    grid = grid_from_origins(origins, len(body), a.n_cols)
    for row in grid:
        for c in row:
            c.row += first
            if c.merged_from is not None:
                c.merged_from = (c.merged_from[0] + first, c.merged_from[1])
    rows = [list(r) for r in a.rows] + grid
    covered = {i for lo, hi in how.ranges for i in range(lo, hi)}
    for i in sorted(set(range(a.n_cols)) - covered):  # a merged cell running on, drawn without rules
        above = rows[first - 1][i]
        origin_rc = above.merged_from or (above.row, above.col)
        origin = rows[origin_rc[0]][origin_rc[1]]
        for r in range(first, len(rows)):
            rows[r][i] = _copy_of(origin, r, i)
        origin.rowspan = len(rows) - origin.row
    _continue_vertical_merges(rows, first)
    pages = list(a.pages) + [p for p in b.pages if p not in a.pages]
    return Table(rows=rows, exact_grid=True, pages=pages, bbox=a.bbox, source=a.source)


def _continue_vertical_merges(rows: list[list[Cell]], first: int) -> None:
    """A merged cell cut by the page break continues in the cell opening the next page.

    The opening cell continues the merged cell above it when it is empty or repeats its
    text, and either the cell above is part of a vertical merge or the opening cell itself
    spans rows (an empty merged cell means nothing on its own). Columns are taken left to
    right and a column continues only if every column to its left did, so a new L1 group
    starting at the top of a page is never glued to the previous group's L2.
    """
    if first == 0 or first >= len(rows):
        return
    last = rows[first - 1]
    c = 0
    while c < min(len(last), len(rows[first])):
        cell = rows[first][c]
        above = last[c]
        origin_rc = above.merged_from or (above.row, above.col)
        origin = rows[origin_rc[0]][origin_rc[1]]
        text = re.sub(r"\s+", "", cell.text)
        if (
            cell.merged_from is not None or origin_rc[1] != c or not above.text.strip()
            or text not in ("", re.sub(r"\s+", "", origin.text))
            or origin.colspan != cell.colspan or not (origin.rowspan > 1 or cell.rowspan > 1)
        ):
            return
        span = cell.rowspan
        for r in range(first, min(first + span, len(rows))):
            for k in range(c, c + cell.colspan):
                rows[r][k] = _copy_of(origin, r, k)
        origin.rowspan = max(origin.rowspan, first + span - origin.row)
        c += cell.colspan
