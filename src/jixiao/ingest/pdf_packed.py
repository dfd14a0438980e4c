"""Rows of a ruled table that hold several rows of the form: re-read by whitespace.

A producer that rules only some of a table's lines — a three-line table (三线表), rules
between groups only, an outer border only — leaves the grid finder one "row" between two
rules that holds several rows of the form's header block: a label cell reading
``实施单位 / 项目资金 / 年度绩效目标`` beside one value cell holding all their values, line by
line. Read as one row, the labels lose their values. The words inside such a band are
re-read with the whitespace analysis (``layout.page_blocks_from_words`` without rules),
which rebuilds rows from line spacing and columns from whitespace, as for an unruled table.

A row is *packed* when one of its cells holds two or more lines that each open with a label
of the header block (``vocab``: 项目名称, 主管部门, 资金总额, 年度目标 …). A real cell holds
one label, perhaps wrapped (``年度绩效`` / ``目标``), never two.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jixiao.domain import vocab
from jixiao.model.source import Block, Cell, PageInfo, Table, Word

_FIRST_TOKEN = re.compile(r"^\s*([^\s:：]+)")


def _opens_with_label(line: str) -> bool:
    m = _FIRST_TOKEN.match(line)
    if m is None:
        return False
    t = m.group(1)
    return bool(vocab.header_field(t) or vocab.goal_field(t) or vocab.is_budget_block_label(t))


def packed_row(row: list[Cell]) -> bool:
    """Whether one cell of ``row`` holds two or more lines each opening with a header label."""
    seen: set[int] = set()
    for c in row:
        if id(c) in seen or c.is_copy:
            continue
        seen.add(id(c))
        if sum(1 for ln in c.text.splitlines() if _opens_with_label(ln)) >= 2:
            return True
    return False


def _slice(table: Table, lo: int, hi: int) -> Table | None:
    """Rows ``lo``..``hi``-1 of ``table`` as a table of their own (spans clipped to it)."""
    rows = []
    for r, row in enumerate(table.rows[lo:hi]):
        out = []
        for c in row:
            top = c.row if c.merged_from is None else c.merged_from[0]
            out.append(Cell(text=c.text, row=r, col=c.col, rowspan=1, colspan=1, bbox=c.bbox, page=c.page,
                            merged_from=(max(top - lo, 0), c.merged_from[1]) if c.merged_from is not None else None,
                            score=c.score, line=c.line))
        rows.append(out)
    if not rows or not any(c.text.strip() for row in rows for c in row):
        return None
    return Table(rows=rows, exact_grid=table.exact_grid, pages=list(table.pages), bbox=table.bbox, source=table.source)


def _row_box(row: list[Cell]) -> tuple[float, float, float, float] | None:
    """The band of a row: its own cells' boxes (a cell merged down past the row would widen it)."""
    own = [c.bbox for c in row if c.bbox is not None and c.rowspan == 1 and c.merged_from is None]
    boxes = own or [c.bbox for c in row if c.bbox is not None]
    if not boxes:
        return None
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def split_packed_rows(blocks: list[Block], info: PageInfo, words: Callable[[], list[Word]]) -> list[Block]:
    """``blocks`` with each packed row of a table replaced by its band's whitespace reading.

    ``words``: the page's words (asked only when a packed row is found). The table is cut
    around the band; rows above and below stay as read."""
    if not any(isinstance(b, Table) and any(packed_row(r) for r in b.rows) for b in blocks):
        return blocks
    from jixiao.layout import page_blocks_from_words

    page_words = words()
    out: list[Block] = []
    for b in blocks:
        if not isinstance(b, Table) or not any(packed_row(r) for r in b.rows):
            out.append(b)
            continue
        start = 0
        for i, row in enumerate(b.rows):
            box = _row_box(row)
            if not packed_row(row) or box is None:
                continue
            x0 = b.bbox[0] if b.bbox else box[0]
            x1 = b.bbox[2] if b.bbox else box[2]
            inside = [w for w in page_words
                      if box[1] - 1 <= (w.bbox[1] + w.bbox[3]) / 2 <= box[3] + 1 and x0 - 1 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 + 1]
            band = page_blocks_from_words(inside, info, None, source=b.source or "pdf-words") if inside else []
            if not band:
                continue
            if (upper := _slice(b, start, i)) is not None:
                out.append(upper)
            out.extend(band)
            start = i + 1
        if start == 0:
            out.append(b)
        elif (lower := _slice(b, start, len(b.rows))) is not None:
            out.append(lower)
    return out
