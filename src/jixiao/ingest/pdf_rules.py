"""Which vector drawings of a PDF page are table rules, and which are background.

Producers draw the same ruled table in very different ways (measured with Chromium,
wkhtmltopdf, LibreOffice and reportlab, see ``tests/fixtures/producers``):

* rules as stroked lines (LibreOffice, reportlab ``line``), as thin filled rectangles
  (Chromium and wkhtmltopdf: one 0.58–0.75 pt rectangle per cell edge), or as the edges of
  one stroked rectangle per cell (reportlab ``rect``, ``border-collapse: separate``);
* dashed rules as one stroked line with a dash pattern (MuPDF reports the whole line) or as
  many short pieces; double rules as two parallel rules 1–3 pt apart;
* **shading as filled rectangles**: one per shaded cell or row, and — for HTML inline
  backgrounds (``<span style="background:…">``) and Word run shading — one glyph-sized
  fill *behind each text run*, or even behind each character.

A table finder that takes every rectangle's edges for rules shatters a shaded header row
into one column per text run (``| 一 | 级 | 指``). The rule here: a fill-only rectangle
thicker than :data:`RULE_MAX_THICKNESS` in both directions is a surface, not a rule; a
surface that *hugs a line of text* — one line high, mostly covered by the text inside it
(a highlight behind a run or a character) — is dropped. A surface the size of a cell, row
or column (shading with padding around its text, or none) keeps its edges: they are the
cell's borders, and where a producer draws no rule there (a shaded lead column running
down the page) they are the only sign of the column. Stroked paths are outlines and stay
rules whatever their size. Near-coincident and double
rules are snapped into one by the consumers (``layout._merge_rulings`` groups rules within
2 pt; PyMuPDF's finder snaps within 3 pt), so only what counts as a rule is decided here.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

RULE_MAX_THICKNESS = 3.0
"""A filled rectangle thicker than this (pt) in both directions is a surface, not a rule.
CSS ``border: 3px solid`` prints 2.25 pt; the smallest background behind text is a glyph
box (≥ ~6 pt at any legible size)."""


def is_surface(width: float, height: float) -> bool:
    """A filled rectangle of this size is shading/background, not a rule."""
    return min(abs(width), abs(height)) > RULE_MAX_THICKNESS


def clean_drawings(drawings: list[dict[str, Any]], text: Sequence[Box] = ()) -> tuple[list[dict[str, Any]], int]:
    """The drawings without the highlights behind text, and how many fills were dropped.

    ``text``: the page's character boxes (a surface hugs text when one line of them fills
    most of it, see :func:`hugs_text`). A fill-only path loses its rectangle items that are
    highlights (a path batching many thin rules keeps those); a path left without items is
    dropped. Stroked paths (``s``/``fs``) are kept whole: their outline is drawn, so it is a
    rule even when the inside is shaded. A thin path made of many pieces (a dashed rule)
    becomes one rule. Paths are copied only when changed.
    """
    index = _TextIndex(text)
    out: list[dict[str, Any]] = []
    dropped = 0
    highlights: list[tuple[Box, Any]] = []
    for d in drawings:
        if len(d.get("items", ())) > 1 and _is_thin(d.get("rect")):
            out.append(_as_one_rule(d))
            continue
        if d.get("type") != "f" or not _has_surface(d):
            out.append(d)
            continue
        items = [it for it in d.get("items", ()) if not (_surface_item(it) and index.hugged_by(_item_rect(it)))]
        highlights += [(_item_rect(it), d.get("fill")) for it in d.get("items", ()) if it not in items]
        dropped += len(d.get("items", ())) - len(items)
        if len(items) == len(d.get("items", ())):
            out.append(d)
        elif items:
            out.append(_with_items(d, items))
    if highlights:
        kept = [d for d in out if not _highlight_sliver(d, highlights)]
        dropped += len(out) - len(kept)
        out = kept
    return out, dropped


def _highlight_sliver(d: dict[str, Any], highlights: Sequence[tuple[Box, Any]]) -> bool:
    """A thin fill that is a piece of a run of text highlights, not a rule: run shading
    behind a space or a narrow glyph is under :data:`RULE_MAX_THICKNESS` wide and stands
    upright like a column rule (a 2.3 pt fill behind the space in ``2026 年``). It has the
    fill colour of a highlight it touches end to end, on the same line (same top and
    bottom); a cell's rule is drawn from edge to edge of the cell, not flush between two
    pieces of a text highlight."""
    if d.get("type") != "f" or len(d.get("items", ())) != 1 or d.get("items")[0][0] != "re":
        return False
    r = _item_rect(d["items"][0])
    if is_surface(r[2] - r[0], r[3] - r[1]) or r[3] - r[1] <= r[2] - r[0]:
        return False
    for h, fill in highlights:
        if fill != d.get("fill") or abs(h[1] - r[1]) > 1.0 or abs(h[3] - r[3]) > 1.0:
            continue
        if -0.1 <= r[0] - h[2] <= 1.0 or -0.1 <= h[0] - r[2] <= 1.0:
            return True
    return False


Box = tuple[float, float, float, float]


class _TextIndex:
    """Character boxes sorted by centre height, to find those inside a rectangle quickly."""

    def __init__(self, boxes: Sequence[Box]):
        self.boxes = sorted(boxes, key=lambda b: (b[1] + b[3]) / 2)
        self.cys = [(b[1] + b[3]) / 2 for b in self.boxes]

    def hugged_by(self, r: Box) -> bool:
        """Whether the rectangle is a highlight behind one line of text (see :func:`hugs_text`)."""
        lo, hi = bisect.bisect_left(self.cys, r[1]), bisect.bisect_right(self.cys, r[3])
        inside = [b for b in self.boxes[lo:hi] if r[0] <= (b[0] + b[2]) / 2 <= r[2]]
        return hugs_text(r, inside)


def hugs_text(rect: Box, chars: Sequence[Box]) -> bool:
    """A fill behind a run of text (or one character), not a cell's background: it is at most
    about one line high (2.2 × its tallest character) and the characters cover at least half
    its width. A cell's shading has padding and usually room to spare; an empty fill hugs
    nothing."""
    if not chars:
        return False
    height = max(c[3] - c[1] for c in chars)
    if rect[3] - rect[1] > 2.2 * height:
        return False
    covered = 0.0
    end = -1e9
    for x0, _, x1, _ in sorted(chars):
        x0 = max(x0, end)
        if x1 > x0:
            covered += x1 - x0
            end = x1
    return covered >= 0.5 * (rect[2] - rect[0])


def _item_rect(item: tuple[Any, ...]) -> Box:
    r = item[1] if item[0] == "re" else item[1].rect
    return (min(r.x0, r.x1), min(r.y0, r.y1), max(r.x0, r.x1), max(r.y0, r.y1))


def _is_thin(r: Any) -> bool:
    """A path box that is a rule's: thin across, longer along."""
    return r is not None and min(r.width, r.height) <= RULE_MAX_THICKNESS < max(r.width, r.height)


def _as_one_rule(d: dict[str, Any]) -> dict[str, Any]:
    """A thin path made of many pieces — a dashed or dotted rule (Chromium draws each cell
    edge of ``border: dashed`` as one path holding every dash's outline) — as one rule along
    its box: the gaps between dashes are wider than a finder's join tolerance, and each dash
    outline would otherwise add two short parallel rules."""
    import pymupdf

    r = d["rect"]
    if r.width >= r.height:
        y = (r.y0 + r.y1) / 2
        p, q = pymupdf.Point(r.x0, y), pymupdf.Point(r.x1, y)
    else:
        x = (r.x0 + r.x1) / 2
        p, q = pymupdf.Point(x, r.y0), pymupdf.Point(x, r.y1)
    return dict(d, items=[("l", p, q)], type="s", color=d.get("color") or d.get("fill") or (0, 0, 0), fill=None,
                width=min(r.width, r.height) or 1.0)


def _has_surface(d: dict[str, Any]) -> bool:
    r = d.get("rect")
    if r is not None and not is_surface(r.width, r.height):
        return False  # every item lies inside the path's rect: all thin
    return any(_surface_item(it) for it in d.get("items", ()))


def _surface_item(item: tuple[Any, ...]) -> bool:
    kind = item[0]
    if kind == "re":
        r = item[1]
    elif kind == "qu":
        r = item[1].rect
    else:
        return False
    return is_surface(r.x1 - r.x0, r.y1 - r.y0)


def _with_items(d: dict[str, Any], items: list[tuple[Any, ...]]) -> dict[str, Any]:
    """A copy of path ``d`` holding ``items`` only, its ``rect`` shrunk to them."""
    import pymupdf

    xs: list[float] = []
    ys: list[float] = []
    for it in items:
        if it[0] in ("re", "qu"):
            r = it[1] if it[0] == "re" else it[1].rect
            xs += [r.x0, r.x1]
            ys += [r.y0, r.y1]
        else:
            for p in it[1:]:
                if hasattr(p, "x"):
                    xs.append(p.x)
                    ys.append(p.y)
    return dict(d, items=items, rect=pymupdf.Rect(min(xs), min(ys), max(xs), max(ys)))


SNAP = 3.0
"""Parallel rules closer than this (pt) are one rule: a double border (``border: double``,
``border-collapse: separate`` cells 1.5 pt apart) or a rule drawn twice slightly offset.
PyMuPDF's finder snaps edges within the same 3 pt, so its cells and these rules agree."""


def snap_rulings(rulings: list[tuple[float, float, float, float]], tol: float = SNAP) -> list[tuple[float, float, float, float]]:
    """Rulings with near-coincident parallel rules moved onto one position (their median).

    Without this, the 1.5–2.5 pt strip between the two lines of a double border looks like
    an empty column or a gutter between two tables (``layout.split_side_by_side``). A
    cluster is cut where it would grow wider than ``tol`` so a run of close rules does not
    chain across a real column.
    """
    hs = [(i, (r[1] + r[3]) / 2) for i, r in enumerate(rulings) if abs(r[3] - r[1]) <= 1.5 < abs(r[2] - r[0])]
    vs = [(i, (r[0] + r[2]) / 2) for i, r in enumerate(rulings) if abs(r[2] - r[0]) <= 1.5 < abs(r[3] - r[1])]
    out = list(rulings)
    for group, horizontal in ((hs, True), (vs, False)):
        for members in _clusters(sorted(group, key=lambda m: m[1]), tol):
            if len({round(p, 2) for _, p in members}) < 2:
                continue
            pos = sorted(p for _, p in members)[len(members) // 2]
            for i, _ in members:
                x0, y0, x1, y1 = out[i]
                out[i] = (x0, pos, x1, pos) if horizontal else (pos, y0, pos, y1)
    return out


def _clusters(items: list[tuple[int, float]], tol: float) -> list[list[tuple[int, float]]]:
    out: list[list[tuple[int, float]]] = []
    for m in items:
        if out and m[1] - out[-1][0][1] <= tol:
            out[-1].append(m)
        else:
            out.append([m])
    return out


# ---------------------------------------------------------------------------------------
# Columns from where per-cell rules end

JOINT = 1.5
"""Two collinear rule pieces meet at a joint when the gap between them is at most this (pt)."""


def cell_edge_rulings(rulings: Sequence[Box], text: Sequence[Box] = ()) -> list[Box]:
    """Vertical rules where a table ruled between its rows only has its column boundaries.

    A browser or word processor draws a cell's border as a piece of its own (Chromium: one
    thin filled rectangle per cell edge), so a table with ``border-top``/``border-bottom``
    only still says where its columns are: its horizontal rules are chains of pieces that
    meet at the column boundaries, and a merged cell's part of a row rule is simply absent.
    Returns the vertical rules those joints imply, band by band between row rules (where a
    band's text runs across a boundary, the cell spans it and no rule is added there), and
    the table's two outer edges. Nothing where the joints already have vertical rules (a
    fully ruled grid: a boundary missing there is a merged cell) or fewer than three joints
    exist (one rule per row, 三线表: columns must come from the text).

    ``text``: boxes of the page's text runs (characters joined where they touch: a run
    across a boundary is a cell's text spanning it; see ``ingest.pdf._tight_runs``).
    """
    rows = _rule_rows(rulings)
    joints = [(y, x) for y, pieces in rows for x in _joints(pieces)]
    if len(joints) < 3:
        return []
    verticals = [r for r in rulings if abs(r[2] - r[0]) <= 1.5 < abs(r[3] - r[1])]
    touched = sum(1 for y, x in joints if any(abs(v[0] - x) <= 2.0 and min(v[1], v[3]) - 2.0 <= y <= max(v[1], v[3]) + 2.0
                                               for v in verticals))
    if touched * 2 >= len(joints):
        return []
    heights = sorted(b[3] - b[1] for b in text) or [10.0]
    max_band = 8.0 * heights[len(heights) // 2]
    out: list[Box] = []
    for group in _rule_groups(rows, max_band):
        out += _group_rulings(group, text)
    return out


def _rule_rows(rulings: Sequence[Box]) -> list[tuple[float, list[tuple[float, float]]]]:
    """Horizontal rule pieces grouped by height (within :data:`JOINT`), top to bottom, each
    row's pieces as sorted (x0, x1)."""
    hs = sorted(((r[1] + r[3]) / 2, min(r[0], r[2]), max(r[0], r[2])) for r in rulings
                if abs(r[3] - r[1]) <= 1.5 and abs(r[2] - r[0]) > 3.0)
    out: list[tuple[float, list[tuple[float, float]]]] = []
    for y, x0, x1 in hs:
        if out and y - out[-1][0] <= JOINT:
            out[-1][1].append((x0, x1))
        else:
            out.append((y, [(x0, x1)]))
    return [(y, sorted(p)) for y, p in out]


def _joints(pieces: list[tuple[float, float]]) -> list[float]:
    """Where one piece of a row rule ends and the next begins."""
    return [(a[1] + b[0]) / 2 for a, b in zip(pieces, pieces[1:]) if abs(b[0] - a[1]) <= JOINT]


def _ends(pieces: list[tuple[float, float]]) -> list[float]:
    """Joints and the ends of each run of joined pieces: every x a row rule marks."""
    xs: list[float] = [pieces[0][0]]
    for a, b in zip(pieces, pieces[1:]):
        if abs(b[0] - a[1]) <= JOINT:
            xs.append((a[1] + b[0]) / 2)
        else:
            xs += [a[1], b[0]]
    return xs + [pieces[-1][1]]


def _rule_groups(rows: list[tuple[float, list[tuple[float, float]]]], max_band: float
                 ) -> list[list[tuple[float, list[tuple[float, float]]]]]:
    """Row rules of one table: consecutive rules no further apart than ``max_band`` where
    the shorter one starts and ends at marks of the longer (a rule cut short by merged cells
    starts at a column boundary; an underline or a rule of something else does not)."""
    groups: list[list[tuple[float, list[tuple[float, float]]]]] = []
    marks: list[float] = []  # every x the current group's rules mark
    for y, pieces in rows:
        own = _marks(pieces)
        if groups:
            py, pp = groups[-1][-1]
            if y - py <= max_band and (_ends_at(pieces, marks) or _ends_at(pp, own)):
                groups[-1].append((y, pieces))
                marks += own
                continue
        groups.append([(y, pieces)])
        marks = list(own)
    return [g for g in groups if len(g) >= 3]  # one band alone (a 三线表 header) is no grid


def _marks(pieces: list[tuple[float, float]]) -> list[float]:
    return [x for c in _chains(pieces) for x in _ends(c)]


def _ends_at(pieces: list[tuple[float, float]], marks: list[float]) -> bool:
    """Whether a rule starts and ends at x positions in ``marks``."""
    ends = (min(x0 for x0, _ in pieces), max(x1 for _, x1 in pieces))
    return all(any(abs(e - m) <= 2 * JOINT for m in marks) for e in ends)


def _chains(pieces: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A row rule's pieces as runs that do not overlap: one run, or two where two tables
    drawn one under the other meet (the bottom rule of one on the top rule of the other)."""
    chains: list[list[tuple[float, float]]] = []
    for a in sorted(pieces):
        home = next((c for c in chains if a[0] >= c[-1][1] - JOINT), None)
        if home is None:
            chains.append([a])
        else:
            home.append(a)
    return chains


def _facing(chains: list[list[tuple[float, float]]], other: list[float]) -> list[tuple[float, float]]:
    """The run of a rule that belongs to the band towards a rule marking ``other``: the one
    whose marks agree most with those."""
    if len(chains) == 1:
        return chains[0]
    return max(chains, key=lambda c: (sum(1 for x in _ends(c) if any(abs(x - o) <= JOINT for o in other)),
                                      sum(b - a for a, b in c)))


def _group_rulings(group: list[tuple[float, list[tuple[float, float]]]], text: Sequence[Box]) -> list[Box]:
    """The vertical rules of one horizontally ruled table (see :func:`cell_edge_rulings`).

    Band by band, a boundary is where the rule above or below the band marks one (a joint
    or the end of a run of pieces) or, where neither rule is drawn there (cells merged
    down on both sides), where the band above had one; it is dropped where either rule
    runs on across it (a cell of the band spans that x) or the band's text does. Marks
    only one rule of the table makes are ignored (a stray line)."""
    left = min(p[0][0] for _, p in group)
    right = max(p[-1][1] for _, p in group)
    chains = [_chains(p) for _, p in group]
    every = [x for cs in chains for c in cs for x in set(_ends(c))]

    def count(x: float) -> int:
        return sum(1 for cs in chains if any(abs(v - x) <= JOINT for c in cs for v in _ends(c)))

    def crossed(run: list[tuple[float, float]], x: float) -> bool:
        return any(x0 + JOINT < x < x1 - JOINT for x0, x1 in run)

    def absent(run: list[tuple[float, float]], x: float) -> bool:
        return not any(x0 - JOINT <= x <= x1 + JOINT for x0, x1 in run)

    real = {round(x, 1) for x in every if left + JOINT < x < right - JOINT and count(x) >= 2}
    top, bottom = group[0][0], group[-1][0]
    out: list[Box] = [(left, top, left, bottom), (right, top, right, bottom)]
    above: list[float] = []
    for k in range(len(group) - 1):
        ya, yb = group[k][0], group[k + 1][0]
        ra = _facing(chains[k], [x for c in chains[k + 1] for x in _ends(c)])
        rb = _facing(chains[k + 1], _ends(ra))
        inside = [b for b in text if ya < (b[1] + b[3]) / 2 < yb]
        cand = sorted({round(x, 1) for x in _ends(ra) + _ends(rb)} & real
                      | {x for x in above if absent(ra, x) and absent(rb, x)})
        kept: list[float] = []
        for x in cand:
            if (kept and x - kept[-1] <= JOINT) or crossed(ra, x) or crossed(rb, x):
                continue
            if any(b[0] < x - 1.0 and b[2] > x + 1.0 for b in inside):
                continue  # the band's text runs across: a cell spanning the boundary
            kept.append(x)
            out.append((x, ya, x, yb))
        above = kept
    return out
