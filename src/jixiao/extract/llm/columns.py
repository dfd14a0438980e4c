"""What each column of a chunk's table is, and values printed over several cells of a row.

Grounding judges an answer against the row's own cells. The header (repeated at the top of
every chunk) says which column is which — ``jixiao.domain.vocab.header_role`` — and that is
used as a *hint*: to read a target only from value columns (a number copied from the 权重
or 半年 column of the same row is not the target), and to put an operator, a number and a
unit printed in separate columns (``≥ | 95 | %``) back together. Where the chunk has no
header, every column is possible.

A text export drops what a merged cell left empty (``tsv``, a copy from a web page): a row
printed under a merged 一级/二级 cell has fewer cells than its header and they sit left of
the header's columns. Such a row's roles come from its own cells, aligned to the header's
roles by what each cell looks like (``jixiao.extract.rows.affinity``, the rules path's
measure of fit), never from positions it does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.domain.values import clean_cell, fold, values_equal
from jixiao.domain.vocab import VALUE_KIND_WORDS, header_role, operator_in_cell
from jixiao.extract.llm.chunking import Chunk, SourceRow
from jixiao.extract.rows import affinity
from jixiao.model.source import Cell

LEVEL_ROLES = frozenset({"level1", "level2"})
# Columns a value may be read from, by field; None (a column the header does not name) always may.
VALUE_ROLES: dict[str, frozenset[str]] = {
    "target": frozenset({"target", "op", "op_or_category", "unit"}),
    "half_year": frozenset({"half_year", "op", "op_or_category", "unit"}),
}
MAX_SPAN = 3  # operator | number | unit
KIND_WORDS = frozenset(fold(w) for w in VALUE_KIND_WORDS)  # 定量 / 定性 …, folded


def column_roles(chunk: Chunk) -> dict[int, str]:
    """Column position → role named by the chunk's header rows (the lowest header row wins
    for a position: a two-row header names the sub-columns last)."""
    header = chunk.header or [r for r in chunk.rows if r.header]
    roles: dict[int, str] = {}
    for h in header:
        for i, t in enumerate(h.texts):
            role = header_role(t)
            if role is not None:
                roles[i] = role
            elif fold(t) and ("一级" in fold(t) or "二级" in fold(t)):
                roles[i] = "level1" if "一级" in fold(t) else "level2"
    return roles


def header_width(chunk: Chunk) -> int:
    header = chunk.header or [r for r in chunk.rows if r.header]
    return max((len(h.cells) for h in header), default=0)


def row_roles(chunk: Chunk, row: SourceRow, roles: dict[int, str] | None = None) -> dict[int, str]:
    """Column position → role for one row: the header's, unless the row is shorter than its
    header (a text export that dropped the empty places of merged cells). Such a row's cells
    are still in column order and contiguous; what is missing is a few columns at its start
    (merged 一级/二级 cells printed once, above) or at its end (empty last columns). The
    shift that fits the cells' content to the header's roles best wins (``rows.affinity``;
    a tie goes to the larger shift, since merged cells sit on the left)."""
    roles = column_roles(chunk) if roles is None else roles
    width = header_width(chunk)
    if not row.is_table or not roles or width == 0 or len(row.cells) >= width:
        return roles
    texts = [clean_cell(c.text) for c in row.cells]

    def fit(shift: int) -> float:
        return sum(_affinity(t, roles.get(i + shift)) for i, t in enumerate(texts) if fold(t))

    best = max(range(width - len(row.cells) + 1), key=lambda s: (fit(s), s))
    return {i: roles[i + best] for i in range(len(row.cells)) if i + best in roles}


def _affinity(text: str, role: str | None) -> float:
    if role is None:
        return -0.2  # a column the header does not name takes what nothing else wants
    if role in ("level1", "level2", "level3", "description", "key_task") and fold(text) in KIND_WORDS:
        return -1.5  # 定量 / 定性 name a value's kind: never a name or a description
    return affinity(text, role)


def allowed(field: str, pos: int, roles: dict[int, str]) -> bool:
    """May ``field`` be read from column ``pos``? Unnamed columns always may."""
    role = roles.get(pos)
    return role is None or role in VALUE_ROLES.get(field, frozenset({field}))


@dataclass
class Span:
    cell: Cell  # a cell standing for the span: joined text, united box
    positions: list[int]


def _piece(text: str) -> str:
    """A cell's contribution to a joined value: an operator word as its symbol; 定量/定性 nothing."""
    t = clean_cell(text)
    if fold(t) in KIND_WORDS:
        return ""
    op = operator_in_cell(t)
    # an operator cell (``≥``, ``不低于``) — not a short value that starts with one (``=32``)
    return op if op is not None and len(fold(t)) <= 4 and not any(ch.isdigit() for ch in t) else t


def span_match(value: str, row: SourceRow, field: str, roles: dict[int, str], skip: set[int]) -> Span | None:
    """Adjacent cells of ``row`` (empty ones passed over) whose joined text is ``value``:
    ``≥ | 95 | %`` for ``≥95%``. Only table rows; only columns the field may be read from."""
    if not row.is_table:
        return None
    target = fold(value)
    idx = [i for i, c in enumerate(row.cells)
           if id(c) not in skip and fold(c.text) and allowed(field, i, roles)]
    for n in range(2, MAX_SPAN + 1):
        for k in range(len(idx) - n + 1):
            window = idx[k:k + n]
            if any(b - a > 2 for a, b in zip(window, window[1:])):  # adjacent, an empty column between at most
                continue
            joined = "".join(_piece(row.cells[i].text) for i in window)
            if fold(joined) == target or values_equal(joined, value) and _same_digits(joined, value):
                return Span(_union(row, window, joined), window)
    return None


def _same_digits(a: str, b: str) -> bool:
    return "".join(ch for ch in a if ch.isdigit()) == "".join(ch for ch in b if ch.isdigit())


def _union(row: SourceRow, positions: list[int], joined: str) -> Cell:
    cells = [row.cells[i] for i in positions]
    boxes = [c.bbox for c in cells if c.bbox]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes)) if boxes else None
    first = cells[0]
    return Cell(text=" | ".join(clean_cell(c.text) for c in cells), row=first.row, col=first.col, bbox=bbox,
                page=first.page, score=min(c.score for c in cells), line=first.line)


def nearest_in_column(rows_up: list[SourceRow], found_at: int, pos: int) -> bool:
    """A merged level cell continues down its column until the next printed one: a level
    read ``found_at`` rows up is the row's own only if no nearer row prints that column."""
    for r in rows_up[:found_at]:
        if pos < len(r.cells) and fold(r.cells[pos].text):
            return False
    return True
