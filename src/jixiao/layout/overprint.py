"""Text drawn over other text: a cell's paragraph that overflowed its cell.

A producer that cannot fit a cell's paragraph on the page (reportlab draws a row taller than
the frame anyway, a spreadsheet export lets a long cell spill) paints that paragraph across
the rows above and below it, on top of their text. Every character is still in the text
layer, so a cell that holds the overflow takes both texts (``比增长12%左鄂州市商务局右；实际``
for the unit-name cell) and the field comes back wrong without a flag.

The overflow shows itself by its glyphs landing on other glyphs: a text block (MuPDF groups
one text object's lines into a block) whose characters overlap the characters of *several*
other blocks, each of which collides with little else, is the intruder. Text drawn twice
for a fake bold or a shadow overlaps only its own twin, so both copies are kept (a tie).
Nothing here knows about forms: the input is just blocks of character boxes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from jixiao.model.output import BBox

MIN_OVERLAP = 0.3
"""Share of the smaller glyph box two characters must cover of each other to collide."""

MIN_VICTIMS = 2
"""Distinct blocks an intruder must cover: one block on another could be a twin (fake bold)."""


def overprinting_blocks(lines: Sequence[tuple[int, BBox, Sequence[BBox]]]) -> set[int]:
    """Ids of the blocks whose text is painted over the text of other blocks.

    ``lines``: ``(block id, line box, character boxes)`` per text line. A block is an
    intruder when its characters collide with those of at least :data:`MIN_VICTIMS` other
    blocks and with more blocks than any block it collides with does.
    """
    hits = _colliding_blocks(lines)
    out: set[int] = set()
    for block, others in hits.items():
        if len(others) < MIN_VICTIMS:
            continue
        if all(len(hits[o]) < len(others) for o in others):
            out.add(block)
    return out


def _colliding_blocks(lines: Sequence[tuple[int, BBox, Sequence[BBox]]]) -> dict[int, set[int]]:
    """Block id → the other blocks one of its characters overlaps (a sweep over line boxes by top)."""
    order = sorted(range(len(lines)), key=lambda i: lines[i][1][1])
    hits: dict[int, set[int]] = defaultdict(set)
    active: list[int] = []
    for i in order:
        block, box, chars = lines[i]
        active = [j for j in active if lines[j][1][3] > box[1]]
        for j in active:
            other, obox, ochars = lines[j]
            if other == block or other in hits[block]:
                continue
            if obox[0] >= box[2] or box[0] >= obox[2]:
                continue
            if _glyphs_collide(chars, ochars):
                hits[block].add(other)
                hits[other].add(block)
        active.append(i)
    return hits


def _glyphs_collide(a: Sequence[BBox], b: Sequence[BBox]) -> bool:
    for p in a:
        pa = (p[2] - p[0]) * (p[3] - p[1])
        if pa <= 0:
            continue
        for q in b:
            w = min(p[2], q[2]) - max(p[0], q[0])
            if w <= 0:
                continue
            h = min(p[3], q[3]) - max(p[1], q[1])
            if h <= 0:
                continue
            qa = (q[2] - q[0]) * (q[3] - q[1])
            if qa > 0 and w * h >= MIN_OVERLAP * min(pa, qa):
                return True
    return False
