"""Pages whose text runs up or down the displayed page: read them in the frame where it
runs left to right.

A landscape form is often put on a portrait page turned by ``/Rotate 90`` (or drawn
turned on an unrotated page). MuPDF reports text and drawings in the displayed frame, so
the text of such a page runs vertically (line direction (0, ±1)) and a table finder sees
the table transposed: rows come out as columns. When most of a page's characters run in
one direction other than left to right, everything is turned by the rotation that makes
that direction (1, 0): characters, lines and rules, and the page's size. The table is then
rebuilt from the turned words and rules (``layout.page_blocks_from_words``); boxes in the
result are in the turned frame (``PageInfo.rotation`` and the page's text direction say
how to map them back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Direction = tuple[float, float]
MIN_SHARE = 0.6  # share of a page's characters that must run in the one direction


def dominant_direction(lines: Sequence[Any]) -> Direction | None:
    """The direction most characters run in on the displayed page, snapped to a right angle;
    None when text runs left to right or no direction has ``MIN_SHARE`` of the characters.

    Measured from the characters' centres (first to last of a line), not from MuPDF's
    ``dir``, so it is the direction in the frame the boxes are in; a one-character line
    counts with its ``dir``."""
    weight: dict[Direction, int] = {}
    total = 0
    for ln in lines:
        chars = [c for c in ln.chars if not c.c.isspace()]
        if not chars:
            continue
        if len(chars) >= 2:
            dx, dy = chars[-1].cx - chars[0].cx, chars[-1].cy - chars[0].cy
            d = (1.0 if dx > 0 else -1.0, 0.0) if abs(dx) >= abs(dy) else (0.0, 1.0 if dy > 0 else -1.0)
        else:
            d = (float(round(ln.dir[0])), float(round(ln.dir[1])))
        weight[d] = weight.get(d, 0) + len(chars)
        total += len(chars)
    if not total:
        return None
    d, n = max(weight.items(), key=lambda kv: kv[1])
    if d == (1.0, 0.0) or n < MIN_SHARE * total or d not in ((0.0, 1.0), (0.0, -1.0), (-1.0, 0.0)):
        return None
    return d


def turn_matrix(direction: Direction, width: float, height: float) -> tuple[Any, float, float]:
    """The matrix turning ``direction`` into (1, 0) on a page of that size, moved so the turned
    page starts at (0, 0); and the turned page's width and height."""
    import pymupdf

    dx, dy = direction
    m = pymupdf.Matrix(dx, -dy, dy, dx, 0, 0)
    r = pymupdf.Rect(0, 0, width, height) * m
    m = m * pymupdf.Matrix(1, 0, 0, 1, -r.x0, -r.y0)
    return m, r.width, r.height


def turn_lines(lines: Sequence[Any], m: Any) -> None:
    """Turn every line's box and every character's box and centre in place."""
    import pymupdf

    for ln in lines:
        ln.bbox = tuple(pymupdf.Rect(ln.bbox) * m)
        ln.dir = (1.0, 0.0)
        for c in ln.chars:
            r = pymupdf.Rect(c.x0, c.y0, c.x1, c.y1) * m
            c.x0, c.y0, c.x1, c.y1 = r.x0, r.y0, r.x1, r.y1
            c.cx, c.cy = (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2
        ln.chars.sort(key=lambda c: c.x0)


def turn_rulings(rulings: Sequence[tuple[float, float, float, float]], m: Any) -> list[tuple[float, float, float, float]]:
    import pymupdf

    out = []
    for x0, y0, x1, y1 in rulings:
        p, q = pymupdf.Point(x0, y0) * m, pymupdf.Point(x1, y1) * m
        out.append((min(p.x, q.x), min(p.y, q.y), max(p.x, q.x), max(p.y, q.y)))
    return out
