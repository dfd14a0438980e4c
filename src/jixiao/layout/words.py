"""Word boxes → segments and rows: page skew, rotation, row grouping, close-segment merging."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from jixiao.model.source import Block, Table, Word
from jixiao.model.output import BBox
from jixiao.layout.rulings import Ruling, _Line

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

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
    cys = [(b[1] + b[3]) / 2 for b in boxes]
    n = len(boxes)
    slopes = []
    # min/max written out: this runs for every box against its ~40 neighbours on every page
    for i, a in enumerate(boxes):
        ax1, ay0, ay1 = a[2], a[1], a[3]
        ha = ay1 - ay0
        best = None
        for j in range(i + 1, min(n, i + 40)):
            b = boxes[j]
            if cys[j] - cys[i] > ha:
                break
            if b[0] < ax1:
                continue
            by0, by1 = b[1], b[3]
            hb = by1 - by0
            ov = (ay1 if ay1 < by1 else by1) - (ay0 if ay0 > by0 else by0)
            if ov < 0.5 * (ha if ha < hb else hb):
                continue
            if best is None or b[0] < best[0]:
                best = b
        for j in range(max(0, i - 40), i):
            b = boxes[j]
            if b[0] < ax1:
                continue
            by0, by1 = b[1], b[3]
            hb = by1 - by0
            ov = (ay1 if ay1 < by1 else by1) - (ay0 if ay0 > by0 else by0)
            if ov >= 0.5 * (ha if ha < hb else hb) and (best is None or b[0] < best[0]):
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
