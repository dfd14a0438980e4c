"""Page regions: tables printed side by side, caption rows, reading order of block groups."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from jixiao.model.source import Block, Cell, Paragraph, Table
from jixiao.model.output import BBox
from jixiao.layout.rulings import RulingIndex

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
