"""Ruled table cells on a scanned page: OCR lines cut at the rules, missed cells read again.

Why this exists (measured on the golden set's scanned variants): RapidOCR's detector sees a
page, not a table, and in the narrow columns of a 预算绩效目标表 it goes wrong in two ways.

* **Lines across rules.** Short cells stacked in one narrow column (the operator column
  指标性质/计算符号 holding ``≥ = ≤``, a unit column holding ``人 % 次``, a score column)
  are detected as one tall box running through several rows; the recogniser then reads the
  box sideways (``≥≥=``, ``人场次次%%``) and the layout stage puts all of it into one cell.
  Boxes also grow (``unclip``) across the rule next to them, so text hugging a vertical
  rule (``计划标准`` after ``完全合规``) is joined to the cell on its left.
* **Cells with ink but no line.** A cell holding a single short mark — ``=``, ``≥``, a lone
  ``0`` amount, a one-character unit — is often not detected at all, so a target loses its
  operator or unit and a budget line its amount.

Both are fixed with the table geometry the rulings give: a line box crossed by a rule is cut
at the rule (parts without ink are dropped, so a box that merely overhangs is trimmed; parts
with ink are recognised again on their own); then the grid of cells is built from the rules
and every cell with ink but no OCR line is cropped inside its rules and recognised. All the
new crops of a page go to the recogniser in one call (recognition only, no detection), and
blank cells cost nothing: only cells with character-sized ink are read.

The functions here are pure (numpy; cv2 imported lazily) and work on anything shaped like
``engine._Raw`` (``poly``, ``text``, ``score``, ``vertical``, ``aabb``); recognition is a
callable, so the geometry is unit-tested on synthetic images without the OCR models.
Coordinates are pixels of the deskewed page image.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Box = tuple[float, float, float, float]
Segment = tuple[float, float, float, float]
Recognizer = Callable[[list[np.ndarray]], list[tuple[str, float]]]
"""Crops (grayscale uint8) → one ``(text, score)`` per crop, same order."""

MIN_SCORE = 0.5  # a re-read below this is noise, as RapidOCR's own text_score default says
SLIVER = 0.4  # a box part thinner than this many line heights is overhang, not a cell's text


# ---------------------------------------------------------------------------------------
# Rules


@dataclass
class Rule:
    """One table rule: where it lies across, and the spans it covers along (pixels).

    ``slope`` is the change across per pixel along — a page left a fraction of a degree
    skewed has slightly slanted rules — so ``at(t)`` is the rule's position beside ``t``.
    """

    pos: float  # across, at along = 0
    spans: list[tuple[float, float]] = field(default_factory=list)
    slope: float = 0.0

    def at(self, t: float) -> float:
        return self.pos + self.slope * t

    def coverage(self, lo: float, hi: float) -> float:
        """Share of ``lo..hi`` that the rule covers (0 when the interval is empty)."""
        if hi <= lo:
            return 0.0
        return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in self.spans) / (hi - lo)


def merge_rules(rulings: Sequence[Segment], horizontal: bool, tol: float = 4.0) -> list[Rule]:
    """Segments → rules: collinear pieces (a rule broken by noise, a double rule) within
    ``tol`` pixels become one rule with the union of their spans.

    Pieces may slant (up to ~3°, as :func:`jixiao.ocr.engine.detect_rulings` reports a rule
    on a page left slightly skewed): all rules of a page share one slope, the length-weighted
    median of the long pieces, so pieces are compared by where they cross ``along = 0``.
    """
    segs: list[tuple[float, float, float, float]] = []  # (across at mid, lo, hi, slope)
    for x0, y0, x1, y1 in rulings:
        if horizontal:
            along0, along1, across0, across1 = x0, x1, y0, y1
        else:
            along0, along1, across0, across1 = y0, y1, x0, x1
        length = abs(along1 - along0)
        if length <= 1.0 or abs(across1 - across0) > 0.05 * length:
            continue
        if along1 < along0:
            along0, along1, across0, across1 = along1, along0, across1, across0
        segs.append(((across0 + across1) / 2, along0, along1, (across1 - across0) / length))
    if not segs:
        return []
    slope = _weighted_median([(sl, hi - lo) for _, lo, hi, sl in segs])
    keyed = sorted((mid - slope * (lo + hi) / 2, lo, hi) for mid, lo, hi, _ in segs)
    rules: list[Rule] = []
    members: list[list[float]] = []
    for pos, lo, hi in keyed:
        if rules and pos - members[-1][-1] <= tol:
            rules[-1].spans.append((lo, hi))
            members[-1].append(pos)
            rules[-1].pos = float(np.mean(members[-1]))
        else:
            rules.append(Rule(pos, [(lo, hi)], slope))
            members.append([pos])
    for r in rules:
        r.spans = _union(r.spans, gap=tol)
    return rules


def _weighted_median(values: list[tuple[float, float]]) -> float:
    """Median of ``(value, weight)`` pairs: the slope that most rule length agrees on."""
    values = sorted(values)
    half = sum(w for _, w in values) / 2.0
    acc = 0.0
    for v, w in values:
        acc += w
        if acc >= half:
            return v
    return values[-1][0] if values else 0.0


def _union(spans: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# ---------------------------------------------------------------------------------------
# The grid of cells


def table_cells(hrules: Sequence[Rule], vrules: Sequence[Rule], min_size: float, tol: float = 4.0) -> list[Box]:
    """Cells enclosed by rules: the slots between neighbouring rule positions, joined where
    the rule between two slots is missing (a merged cell), kept when the result is a
    rectangle ruled on all four sides and at least ``min_size`` each way.

    Slots outside any table (margins, the paragraph between two tables) join into regions
    without rules around them and are dropped; rule positions of one table that cross
    another table's slots simply join those slots back together. Boxes are where the cells
    lie on the page (rules may slant a little: see :class:`Rule`).
    """
    xs = _positions(vrules, tol)
    ys = _positions(hrules, tol)
    if len(xs) < 2 or len(ys) < 2:
        return []
    sv = vrules[0].slope if vrules else 0.0
    sh = hrules[0].slope if hrules else 0.0
    v_at = [[r for r in vrules if abs(r.pos - x) <= tol] for x in xs]
    h_at = [[r for r in hrules if abs(r.pos - y) <= tol] for y in ys]
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    def box(r0: int, c0: int, r1: int, c1: int) -> Box:
        """Slots r0..r1 × c0..c1 on the page, the slant taken at their centre."""
        ym0 = (ys[r0] + ys[r1 + 1]) / 2
        xm = (xs[c0] + xs[c1 + 1]) / 2 + sv * ym0
        ym = ym0 + sh * xm
        return (xs[c0] + sv * ym, ys[r0] + sh * xm, xs[c1 + 1] + sv * ym, ys[r1 + 1] + sh * xm)

    for r in range(nr):
        for c in range(nc):
            x0, y0, x1, y1 = box(r, c, r, c)
            if c + 1 < nc and not any(v.coverage(y0, y1) >= 0.5 for v in v_at[c + 1]):
                union(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and not any(h.coverage(x0, x1) >= 0.5 for h in h_at[r + 1]):
                union(r * nc + c, (r + 1) * nc + c)
    groups: dict[int, list[int]] = {}
    for i in range(nr * nc):
        groups.setdefault(find(i), []).append(i)
    cells: list[Box] = []
    for slots in groups.values():
        rs = [i // nc for i in slots]
        cs = [i % nc for i in slots]
        r0, r1, c0, c1 = min(rs), max(rs), min(cs), max(cs)
        if len(slots) != (r1 - r0 + 1) * (c1 - c0 + 1):
            continue
        x0, y0, x1, y1 = box(r0, c0, r1, c1)
        if x1 - x0 < min_size or y1 - y0 < min_size:
            continue
        ruled = (
            any(h.coverage(x0, x1) >= 0.8 for h in h_at[r0]) and any(h.coverage(x0, x1) >= 0.8 for h in h_at[r1 + 1])
            and any(v.coverage(y0, y1) >= 0.8 for v in v_at[c0]) and any(v.coverage(y0, y1) >= 0.8 for v in v_at[c1 + 1])
        )
        if ruled:
            cells.append((x0, y0, x1, y1))
    return sorted(cells, key=lambda b: (b[1], b[0]))


def _positions(rules: Sequence[Rule], tol: float) -> list[float]:
    out: list[float] = []
    for p in sorted(r.pos for r in rules):
        if not out or p - out[-1] > tol:
            out.append(p)
    return out


# ---------------------------------------------------------------------------------------
# Ink


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark pixels of the page (Otsu), as a bool array."""
    import cv2

    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink > 0


def rule_mask(shape: tuple[int, ...], rulings: Sequence[Segment], thickness: int) -> np.ndarray:
    """The pixels the rules cover (drawn from their segments, ``thickness`` wide), as bools:
    ink under a rule is the rule's, not a character's — also where a slanted rule runs
    into a box that no cut separates from it."""
    import cv2

    canvas = np.zeros(shape[:2], dtype=np.uint8)
    for x0, y0, x1, y1 in rulings:
        cv2.line(canvas, (int(round(x0)), int(round(y0))), (int(round(x1)), int(round(y1))), 255, int(thickness))
    return canvas > 0


def ink_boxes(mask: np.ndarray, box: Box, glyph: float) -> list[Box]:
    """Boxes (page pixels) of the character-like blobs of ink inside ``box``.

    Speckle (blobs under ``0.03·glyph²`` pixels), and rule remnants and diagonals (long thin
    blobs, blobs taller than two glyphs) are not text. ``glyph`` is the character height.
    """
    import cv2

    h, w = mask.shape[:2]
    x0, y0 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x1, y1 = min(w, int(round(box[2]))), min(h, int(round(box[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    crop = mask[y0:y1, x0:x1]
    if np.count_nonzero(crop) < 4:
        return []
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(crop.astype(np.uint8), connectivity=8)
    min_area = max(6.0, 0.03 * glyph * glyph)
    out: list[Box] = []
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if area < min_area or bh > 2.0 * glyph:
            continue
        long_side, short_side = max(bw, bh), max(1, min(bw, bh))
        if long_side > 1.5 * glyph and long_side / short_side > 6:
            continue  # a piece of rule, not a stroke
        out.append((float(x0 + bx), float(y0 + by), float(x0 + bx + bw), float(y0 + by + bh)))
    return out


def text_bands(blobs: Sequence[Box], glyph: float) -> list[Box]:
    """Blobs grouped into text lines: rows of ink merged while one line stays under about a
    glyph tall (the two bars of ``=`` are one line; two lines of a wrapped cell are two)."""
    bands: list[list[float]] = []
    for b in sorted(blobs, key=lambda b: b[1]):
        if bands and (b[1] <= bands[-1][3] or max(b[3], bands[-1][3]) - bands[-1][1] <= 1.15 * glyph):
            cur = bands[-1]
            bands[-1] = [min(cur[0], b[0]), cur[1], max(cur[2], b[2]), max(cur[3], b[3])]
        else:
            bands.append(list(b))
    return [tuple(b) for b in bands]  # type: ignore[misc]


def line_crop(gray: np.ndarray, band: Box, line_h: float) -> np.ndarray:
    """The ink of one text line on a white canvas one detector line tall, with margins.

    The recogniser resizes every crop to a fixed height; a tight crop of ``=`` would turn it
    into a block. Centring the ink in a canvas as tall as a detected line keeps characters at
    the size and place they have in lines the detector did find.
    """
    x0, y0, x1, y1 = (int(round(v)) for v in band)
    x0, y0 = max(0, x0 - 1), max(0, y0 - 1)
    x1, y1 = min(gray.shape[1], x1 + 1), min(gray.shape[0], y1 + 1)
    piece = gray[y0:y1, x0:x1]
    ph, pw = piece.shape[:2]
    ch = max(int(round(line_h)), ph + 4)
    pad = max(4, int(round(0.3 * line_h)))
    canvas = np.full((ch, pw + 2 * pad), 255, dtype=np.uint8)
    top = (ch - ph) // 2
    canvas[top : top + ph, pad : pad + pw] = piece
    return canvas


# ---------------------------------------------------------------------------------------
# The page


@dataclass
class _Job:
    """A crop waiting for recognition, and where its reading goes."""

    band: Box
    kind: str  # "part" (of a line cut at a rule) or "cell" (a cell without a line)
    source: Any = None  # the line a part was cut from


@dataclass
class CellStats:
    """What :func:`refine_table_lines` did on a page: cells found, boxes trimmed at a rule,
    lines cut, parts read again, readings added in cells without a line, seconds spent."""

    cells: int = 0
    trimmed: int = 0
    split: int = 0
    reread: int = 0
    added: int = 0
    seconds: float = 0.0


def refine_table_lines(
    gray: np.ndarray, raws: list[Any], rulings: Sequence[Segment], recognize: Recognizer,
    stats: CellStats | None = None,
) -> list[Any]:
    """Cut OCR lines at table rules and read cells that have ink but no line.

    ``raws`` are ``engine._Raw``-like lines on ``gray`` (the deskewed page), ``rulings`` the
    segments :func:`jixiao.ocr.engine.detect_rulings` found on it. Returns the new list of
    lines; lines away from any rule come back unchanged (the same objects).
    """
    import time

    t0 = time.perf_counter()
    stats = stats if stats is not None else CellStats()
    if not raws or not rulings:
        return raws
    line_h = statistics.median(max(1.0, min(r.h, r.w)) for r in raws)
    glyph = 0.62 * line_h
    hrules = merge_rules(rulings, horizontal=True)
    vrules = merge_rules(rulings, horizontal=False)
    mask = ink_mask(gray) & ~rule_mask(gray.shape, rulings, int(round(max(3.0, 0.12 * line_h))))
    gap = max(3.0, 0.12 * line_h)  # keep this far from a rule: its own ink, blur, residual skew
    out: list[Any] = []
    jobs: list[_Job] = []
    boxes = [r.aabb for r in raws]
    for k, r in enumerate(raws):
        box = boxes[k]
        parts = _cut(box, hrules, vrules, line_h)
        if not parts:
            out.append(r)
            continue
        if len(parts) == 1:  # overhang: the box only grew across the rule
            stats.trimmed += 1
            out.append(_with_box(r, parts[0][0]))
            continue
        # ink that another line's box holds is that line's text (a tall box drawn through
        # a column also runs over the lines beside it), not this part's
        others = [b for j, b in enumerate(boxes) if j != k and _overlaps(b, box)]
        inked = [(p, blobs) for p, i in parts if (blobs := _unclaimed(ink_boxes(mask, i, glyph), others))]
        if len(inked) == 1:  # the other parts hold no ink of their own: trim to the one that does
            stats.trimmed += 1
            out.append(_with_box(r, inked[0][0]))
        elif not inked:
            out.append(r)
        else:
            stats.split += 1
            for _part, blobs in inked:
                for band in text_bands(blobs, glyph):
                    jobs.append(_Job(band, "part", r))
    cells = table_cells(hrules, vrules, min_size=0.8 * line_h)
    stats.cells = len(cells)
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in (r.aabb for r in out)]
    centres += [((j.band[0] + j.band[2]) / 2, (j.band[1] + j.band[3]) / 2) for j in jobs]
    for cell in cells:
        if any(_inside(cell, x, y) for x, y in centres):
            continue
        inset = (cell[0] + gap, cell[1] + gap, cell[2] - gap, cell[3] - gap)
        blobs = ink_boxes(mask, inset, glyph)
        for band in text_bands(blobs, glyph):
            jobs.append(_Job(band, "cell"))
    if jobs:
        readings = recognize([line_crop(gray, j.band, line_h) for j in jobs])
        out.extend(_place(jobs, readings, raws, stats))
    stats.seconds = round(time.perf_counter() - t0, 3)
    return out


def _cut(aabb: Box, hrules: Sequence[Rule], vrules: Sequence[Rule], line_h: float) -> list[tuple[Box, Box]] | None:
    """A line box cut at the rules running through it: ``(part, inset)`` pairs, where the
    inset keeps clear of the rules; ``None`` when no rule crosses the box.

    A rule crosses a box when it lies inside the box and runs past both of its ends (a
    vertical rule above and below the box, a horizontal rule left and right of it): a table
    rule does, a stroke of a large character inside its own line's box never does. Parts
    thinner than ``SLIVER`` line heights are the box's overhang beyond a rule, left out.
    """
    x0, y0, x1, y1 = aabb
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    e = 0.15 * line_h
    xs = sorted(x for v in vrules if x0 < (x := v.at(cy)) < x1 and v.coverage(y0 - e, y1 + e) >= 0.9)
    ys = sorted(y for g in hrules if y0 < (y := g.at(cx)) < y1 and g.coverage(x0 - e, x1 + e) >= 0.9)
    if not xs and not ys:
        return None
    gap = max(3.0, 0.12 * line_h)
    xe = [x0, *xs, x1]
    ye = [y0, *ys, y1]
    parts = []
    for i in range(len(ye) - 1):
        for j in range(len(xe) - 1):
            if (xs and xe[j + 1] - xe[j] < SLIVER * line_h) or (ys and ye[i + 1] - ye[i] < SLIVER * line_h):
                continue
            # a part's edge at a rule sits one pixel inside it, so the rule is between neighbours
            part = (xe[j] + (1.0 if j else 0.0), ye[i] + (1.0 if i else 0.0),
                    xe[j + 1] - (1.0 if j < len(xe) - 2 else 0.0), ye[i + 1] - (1.0 if i < len(ye) - 2 else 0.0))
            inset = (xe[j] + (gap if j else 0.0), ye[i] + (gap if i else 0.0),
                     xe[j + 1] - (gap if j < len(xe) - 2 else 0.0), ye[i + 1] - (gap if i < len(ye) - 2 else 0.0))
            parts.append((part, inset))
    return parts


def _place(jobs: list[_Job], readings: list[tuple[str, float]], raws: list[Any], stats: CellStats) -> list[Any]:
    """New lines from the readings that pass; a cut line none of whose parts could be read
    is kept whole (better joined text than none)."""
    template = raws[0]
    out: list[Any] = []
    read_parts: dict[int, int] = {}
    for job, (text, score) in zip(jobs, readings):
        text = text.strip()
        ok = bool(text) and score >= MIN_SCORE
        if job.kind == "part":
            read_parts.setdefault(id(job.source), 0)
            if not ok:
                continue
            read_parts[id(job.source)] += 1
            stats.reread += 1
        else:
            if not ok:
                continue
            stats.added += 1
        out.append(_new(template, job.band, text, score))
    for job in jobs:
        if job.kind == "part" and read_parts.get(id(job.source)) == 0:
            read_parts[id(job.source)] = -1
            out.append(job.source)
    return out


def _new(template: Any, box: Box, text: str, score: float) -> Any:
    x0, y0, x1, y1 = box
    poly = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    return dataclasses.replace(template, poly=poly, text=text, score=float(score), vertical=False)


def _with_box(raw: Any, box: Box) -> Any:
    x0, y0, x1, y1 = box
    poly = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    return dataclasses.replace(raw, poly=poly)


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _unclaimed(blobs: list[Box], others: list[Box]) -> list[Box]:
    """Blobs whose centre lies in none of the ``others`` boxes."""
    return [b for b in blobs if not any(_inside(o, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for o in others)]


def _inside(cell: Box, x: float, y: float) -> bool:
    return cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]


