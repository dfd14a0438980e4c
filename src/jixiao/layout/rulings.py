"""Ruling lines: from vector drawings, closing rules at page breaks, and an index to query them."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Ruling = tuple[float, float, float, float]
"""A ruling line segment x0, y0, x1, y1 (horizontal: y0≈y1; vertical: x0≈x1), in points."""


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
