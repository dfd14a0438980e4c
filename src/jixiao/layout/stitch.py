"""Across pages: page furniture, column edges, and joining a table continued over a page break."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from jixiao.model.source import Block, Cell, PageInfo, Paragraph, Table
from jixiao.layout.grid import _copy_of, grid_from_origins

_PAGE_FURNITURE = re.compile(
    r"^[-—–\s]*(第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d{1,4}|page\s*\d+(\s*of\s*\d+)?)[-—–\s]*$",
    re.IGNORECASE,
)

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
       break, drawn without rules on the next page);
    4. as many or fewer columns, each lying over one column of ``a`` and no other (a table
       drawn without rules, whose cell boxes are its centred text: left edges differ with
       the text, the columns do not), where every column ``b`` lacks is empty or merged in
       ``a``'s last filled row (a label column whose span runs on);
    5. ``a`` closes with a row of headings (every cell filled, one line each) and each of
       ``b``'s cells lies under one of them: ``b``'s columns take the columns of the heading
       above them (:func:`_closing_row_ranges`).
    """
    if not (a.exact_grid and b.exact_grid) or not a.rows or not b.rows or a.n_cols == 0 or b.n_cols > a.n_cols:
        return None
    identity = [(i, i + 1) for i in range(a.n_cols)]
    if a.n_cols == b.n_cols and any(_key(a.rows[0])) and _key(a.rows[0]) == _key(b.rows[0]):
        prefix = _repeated_prefix(a, b)
        if all(len(_origins(b.rows[k])) == 1 for k in range(prefix)):
            return None  # only a title row repeats: the next form of the same kind, not a continuation
        return _Continuation(identity, prefix)
    by_header = _header_ranges(a, b)
    if by_header is not None:
        ranges, k = by_header
        drop = 1
        while drop < min(4, len(b.rows) - 1) and k + drop < len(a.rows) and any(_key(_origins(b.rows[drop]))) and (
            _key(_origins(b.rows[drop])) == _key(_origins(a.rows[k + drop]))
        ):
            drop += 1  # the rest of a multi-row header
        return _Continuation(ranges, drop)
    if a.n_cols == b.n_cols and (_edges_match(a, b) or (len(a.rows) == 1 and _columns_overlap(a, b))):
        return _Continuation(identity, _repeated_prefix(a, b))
    subset = _subset_ranges(a, b)
    if subset is None:
        subset = _extent_ranges(a, b)
    if subset is None:
        subset = _closing_row_ranges(a, b)
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


def _column_extents(table: Table) -> list[tuple[float, float] | None]:
    """x extent of every column: the union of the boxes of the one-column cells that start there."""
    out: list[tuple[float, float] | None] = []
    for c in range(table.n_cols):
        boxes = [row[c].bbox for row in table.rows if c < len(row) and row[c].bbox is not None
                 and row[c].merged_from is None and row[c].colspan == 1]
        out.append((min(b[0] for b in boxes), max(b[2] for b in boxes)) if boxes else None)  # type: ignore[index]
    return out


def _columns_overlap(a: Table, b: Table) -> bool:
    """Whether each column of a one-row table ``a`` (a header closing its page) lies over the
    same column of ``b`` and no other: a header's labels are centred (or left-aligned) in
    their columns, the data under them is not, so left edges differ while the columns
    still correspond one to one, in order."""
    ea, eb = _column_extents(a), _column_extents(b)
    if any(x is None for x in ea) or sum(1 for x in eb if x is not None) < 2:
        return False
    for i, col in enumerate(ea):
        assert col is not None
        hits = [j for j, other in enumerate(eb) if other is not None and min(col[1], other[1]) - max(col[0], other[0]) > 0]
        if hits and hits != [i]:
            return False
        if not hits and eb[i] is not None:
            return False
    return True


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


def slot_edges(table: Table, page: int | None = None) -> list[float | None]:
    """Left x of every column from any cell that starts there, spanning or not (only cells
    on ``page`` when given and any is there).

    A form drawn as one grid has columns that only its header or budget block splits (a
    half-year value cell spanning two slots): :func:`column_edges` knows no edge there, but
    the spanning cells that start in a column still say where it begins. A table already
    joined over pages may sit differently on each (a browser lays out each page's part), so
    the continuation is matched against the part on the page just before it."""
    edges: list[float | None] = []
    for c in range(table.n_cols):
        xs = [box[0] for row in table.rows if c < len(row) and (box := row[c].bbox) is not None
              and row[c].merged_from is None and row[c].col == c]
        near = [box[0] for row in table.rows if c < len(row) and (box := row[c].bbox) is not None
                and row[c].merged_from is None and row[c].col == c and row[c].page == page]
        edges.append(statistics.median(near or xs) if xs else None)
    return edges


def _last_filled_row(a: Table) -> int:
    """Index of the last row of ``a`` that holds text of its own (a producer may close the
    page with an empty band of the table, which a merged level cell from above may run
    through: its copies there are not the row's text)."""
    for r in range(len(a.rows) - 1, -1, -1):
        if any(c.text.strip() and (c.merged_from is None or c.merged_from[0] == r) for c in a.rows[r]):
            return r
    return len(a.rows) - 1


def _subset_ranges(a: Table, b: Table) -> list[tuple[int, int]] | None:
    """``b``'s columns laid on a subset of ``a``'s, matched by left edges.

    A column of ``a`` that ``b`` lacks is accepted in two cases: it is covered, in ``a``'s
    last filled row, by a cell starting in the matched column to its left (the continued
    rows never split that span: a grid whose extra columns belong to the budget block or a
    two-slot header cell), and then belongs to that column's range; or it is a vertically
    merged cell running over the break (drawn without rules on the next page), left
    uncovered for :func:`_append_table` to continue."""
    ea, eb = slot_edges(a, a.pages[-1] if a.pages else None), slot_edges(b)
    tol = _tolerance(a)
    if b.n_cols >= a.n_cols or None in eb or not (a.bbox and b.bbox) or abs(a.bbox[2] - b.bbox[2]) > tol:
        return None
    mapping: list[int] = []
    i = 0
    for x in eb:  # the nearest edge to the right of the last match
        near = [(abs(e - x), k) for k, e in enumerate(ea) if k >= i and e is not None and abs(e - x) <= tol]
        if not near:
            return None
        i = min(near)[1]
        mapping.append(i)
        i += 1
    lr = _last_filled_row(a)
    last = a.rows[lr]
    ranges = [(i, i + 1) for i in mapping]
    for j, i in enumerate(mapping):  # spans across unmatched columns join the column on their left
        end = i + 1
        while end < a.n_cols and end not in mapping and end < len(last) and _spans_from(last[end], i, lr):
            end += 1
        ranges[j] = (i, end)
    covered = {k for lo, hi in ranges for k in range(lo, hi)}
    for i in set(range(a.n_cols)) - covered:
        cell = last[i] if i < len(last) else None
        if cell is None or cell.merged_from is None or cell.merged_from[0] >= lr or cell.merged_from[1] != i:
            return None
    return ranges


def _extent_ranges(a: Table, b: Table) -> list[tuple[int, int]] | None:
    """``b``'s columns laid on ``a``'s by their x extents (rule 4 of :func:`_continuation`)."""
    if b.n_cols > a.n_cols or len(b.rows) < 2:
        return None
    ea, eb = _column_extents(a), _column_extents(b)
    mapping: list[int] = []
    for col in eb:
        if col is None:
            return None
        hits = [i for i, other in enumerate(ea) if other is not None and min(col[1], other[1]) - max(col[0], other[0]) > 0]
        if len(hits) != 1 or (mapping and hits[0] <= mapping[-1]):
            return None
        mapping.append(hits[0])
    lr = _last_filled_row(a)
    last = a.rows[lr]
    for i in set(range(a.n_cols)) - set(mapping):
        cell = last[i] if i < len(last) else None
        if cell is None or (cell.text.strip() and (cell.merged_from is None or cell.merged_from[0] >= lr)):
            return None
    return [(i, i + 1) for i in mapping]


_HEADING_NOT = re.compile(r"\d(?!\d*年)|[≥≤=<>%]")


def _closing_row_ranges(a: Table, b: Table) -> list[tuple[int, int]] | None:
    """``b``'s columns under the cells of the row of headings that closes ``a``.

    A header printed as the last row of page N over rows continued on page N+1 that were
    laid out on their own (a browser's jittered column widths, one slot here, two there):
    neither edges nor slot counts agree, but every cell of ``b`` sits under one heading.
    Each of ``b``'s columns goes to the heading over (nearly) the whole of its cells (all
    of them: a cell straddling two headings refuses), headings in order; ``b``'s columns under
    one heading share its columns in proportion."""
    lr = _last_filled_row(a)
    heads = _origins(a.rows[lr])
    if len(heads) < 3 or any(not c.text.strip() or "\n" in c.text.strip() or c.bbox is None
                             or _HEADING_NOT.search(c.text) for c in heads):
        return None  # headings are words (2024年 aside): a row of values closes a table of data
    owner: dict[int, int] = {}
    for row in b.rows[:8]:
        for c in _origins(row):
            if c.bbox is None or not c.text.strip():
                continue
            width = max(c.bbox[2] - c.bbox[0], 1.0)
            hit = [h for h, hc in enumerate(heads)  # the heading over (nearly) all of the cell
                   if min(c.bbox[2], hc.bbox[2]) - max(c.bbox[0], hc.bbox[0]) >= 0.8 * width]  # type: ignore[index]
            if len(hit) != 1:
                return None
            for j in range(c.col, c.col + c.colspan):
                if owner.setdefault(j, hit[0]) != hit[0]:
                    return None
    if len(owner) != b.n_cols or any(owner[j] > owner[j + 1] for j in range(b.n_cols - 1)):
        return None
    ranges: list[tuple[int, int]] = []
    for h, hc in enumerate(heads):
        cols = [j for j in range(b.n_cols) if owner[j] == h]
        n, m = len(cols), hc.colspan
        if n > m:
            return None
        ranges += [(hc.col + d * m // n, hc.col + (d + 1) * m // n) for d in range(n)]
    return ranges


def _spans_from(cell: Cell, col: int, row: int) -> bool:
    """Whether ``cell`` (in row ``row``) is a slot of a cell starting in column ``col`` or later, on its left."""
    return cell.merged_from is not None and col <= cell.merged_from[1] < cell.col and cell.merged_from[0] <= row


def stitch_tables(blocks: list[Block], pages: Sequence[PageInfo] | None = None) -> list[Block]:
    """Join tables continued on the next page into one table with ``pages=[N, N+1, …]``.

    Two tables are one when the second is the first block of page N+1 (page numbers and
    running headers aside), the first is the last block of page N, and their columns
    correspond (see :func:`_continuation`). A header repeated at the top of the
    continuation is dropped, and a vertically merged cell cut by the page break is
    continued (copies of its origin).
    """
    info = {p.number: p for p in pages} if pages else None
    blocks = _stitch_side_by_side(blocks, info)
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
        tail = None
        if isinstance(prev, Table) and prev.pages and b.pages and b.pages[0] == prev.pages[-1] + 1:
            prev_t, b_t = _trim_break(prev, b)
            how = _continuation(prev_t, b_t)
            split = _split_foreign_rows(prev_t, b_t) if how is None else None
            if split is not None and (how := _continuation(prev_t, split[0])) is not None:
                b_t, tail = split
        if how is not None and isinstance(prev, Table):
            out[-1] = _append_table(prev_t, b_t, how)
            if tail is not None:
                out += pending
                pending = []
                out.append(tail)
            continue  # furniture stays pending: it follows the whole table, a page 3 may continue it
        out += pending
        pending = []
        out.append(b)
    return out + pending


def _beside(a: Table, b: Table) -> bool:
    """``b`` printed right of ``a`` on the same page, their rows side by side."""
    if not (a.bbox and b.bbox and a.pages and b.pages and a.pages[-1] == b.pages[0]):
        return False
    return a.bbox[2] <= b.bbox[0] + 2.0 and min(a.bbox[3], b.bbox[3]) > max(a.bbox[1], b.bbox[1])


def _stitch_side_by_side(blocks: list[Block], info: dict[int, PageInfo] | None) -> list[Block]:
    """Two tables printed side by side (a 中期 and a 年度 table) that both run over a page
    break: page N ends with the pair, page N+1 opens with their continuations, side by side
    again. Read in order the four alternate (left, right, left, right), so the right table
    of page N would meet the left continuation; each table is joined with the continuation
    below it instead, where both pairs' columns correspond (:func:`_continuation`)."""
    idx = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
    out = list(blocks)
    k = 0
    while k + 3 < len(idx):
        i = idx[k:k + 4]
        between = [blocks[j] for j in range(i[1] + 1, i[3]) if j != i[2]]  # a caption may head the right table
        l1, r1, l2, r2 = (blocks[j] for j in i)
        assert isinstance(l1, Table) and isinstance(r1, Table) and isinstance(l2, Table) and isinstance(r2, Table)
        if (all(isinstance(b, Paragraph) and is_page_furniture(b, info) for b in between)
                and _beside(l1, r1) and _beside(l2, r2) and l2.pages[0] == l1.pages[-1] + 1
                and (left := _continuation(*_trim_break(l1, l2))) is not None
                and (right := _continuation(*_trim_break(r1, r2))) is not None):
            lt = _append_table(*_trim_break(l1, l2), left)
            rt = _append_table(*_trim_break(r1, r2), right)
            out[i[0]], out[i[1]] = lt, rt
            for j in (i[2], i[3]):
                out[j] = None  # type: ignore[call-overload]
            k += 4
            continue
        k += 1
    return [b for b in out if b is not None]


def _append_table(a: Table, b: Table, how: _Continuation) -> Table:
    """``a`` followed by ``b``'s rows laid onto ``a``'s columns (an empty band closing
    ``a``'s page is dropped first: the rows continue after ``a``'s last filled row)."""
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


def _trim_break(a: Table, b: Table) -> tuple[Table, Table]:
    """The two sides of a page break without what a browser leaves there: textless bands of
    the table closing ``a``'s page or opening ``b``'s (a row cut by the break, its text on
    one side only), and ``b``'s first row when it prints ``a``'s last row again (a row cut
    through its text line, drawn on both pages; a merged cell's text centred in the part of
    its span on each page)."""
    tail = []
    r = len(a.rows) - 1
    while r > 0 and _textless(a.rows[r]):
        tail.append(r)
        r -= 1
    last = a.rows[_last_filled_row(a)] if a.rows else []  # past copies-only rows (_last_filled_row)
    head = []
    dup = False
    for r in range(len(b.rows) - 1):
        if _textless(b.rows[r]):
            head.append(r)
        elif not dup and _prints_again(last, b.rows[r]):
            head.append(r)
            dup = True
        else:
            break
    return (_drop_rows(a, set(tail)) if tail else a), (_drop_rows(b, set(head)) if head else b)


def _textless(row: list[Cell]) -> bool:
    return all(not c.text.strip() for c in row)


def _printed(row: list[Cell]) -> list[str]:
    """The texts a row shows, left to right, a merged cell once."""
    out: list[str] = []
    seen: set[tuple[int, int]] = set()
    for c in row:
        key = c.merged_from or (c.row, c.col)
        t = re.sub(r"\s+", "", c.text)
        if key not in seen and t:
            out.append(t)
        seen.add(key)
    return out


def _prints_again(last: list[Cell], row: list[Cell]) -> bool:
    """``row`` shows nothing but what ``last`` shows, in order, and ends with ``last``'s own
    cells (those starting on that row): at least two of them."""
    own = [re.sub(r"\s+", "", c.text) for c in last if c.merged_from is None and c.text.strip()]
    shown, prev = _printed(row), _printed(last)
    if len(own) < 2 or len(shown) < len(own) or shown[-len(own):] != own:
        return False
    it = iter(prev)
    return all(any(t == p for p in it) for t in shown)


def _split_foreign_rows(a: Table, b: Table) -> tuple[Table, Table] | None:
    """``b`` cut in two where its rows stop fitting ``a``'s columns: a block under the
    continued table whose rules touch it (a 年度目标 row drawn right under the indicators)
    comes out of the finder as part of it, and its own column edge makes ``b`` a grid with
    more columns than ``a``. The head (the rows whose cells all start at ``a``'s column
    edges, at least two) laid on ``a``'s columns, and the rest as a table of its own; None
    where ``b`` has no more columns than ``a`` or no such head."""
    if b.n_cols <= a.n_cols:
        return None
    ea, eb = slot_edges(a, a.pages[-1] if a.pages else None), slot_edges(b)
    if None in ea or None in eb:
        return None
    tol = _tolerance(a)
    to_a: dict[int, int] = {}  # each edge of ``a`` taken by the nearest edge of ``b`` only
    for i, x in enumerate(ea):
        near = min(range(len(eb)), key=lambda j: abs(eb[j] - x))  # type: ignore[operator]
        if abs(eb[near] - x) <= tol:  # type: ignore[operator]
            to_a[near] = i
    head = 0
    while head < len(b.rows) and all(c.col in to_a for c in b.rows[head] if c.merged_from is None):
        head += 1
    if head < 2 or head == len(b.rows):
        return None
    origins = []
    for row in b.rows[:head]:
        for c in row:
            if c.merged_from is not None:
                continue
            end = c.col + c.colspan
            last = to_a.get(end, a.n_cols) if end < len(eb) else a.n_cols
            col = to_a[c.col]
            origins.append(replace(c, col=col, colspan=max(1, last - col), rowspan=min(c.rowspan, head - c.row)))
    grid = grid_from_origins(origins, head, a.n_cols)
    first = Table(rows=grid, exact_grid=True, pages=b.pages, bbox=b.bbox, source=b.source)
    return first, _drop_rows(b, set(range(head)))


def _drop_rows(t: Table, drop: set[int]) -> Table:
    """``t`` without the rows in ``drop``; a merged cell through them keeps its other rows."""
    kept = [r for r in range(len(t.rows)) if r not in drop]
    new_index = {r: i for i, r in enumerate(kept)}
    origins = []
    for row in t.rows:
        for c in row:
            if c.merged_from is not None:
                continue
            rows = [new_index[r] for r in range(c.row, c.row + c.rowspan) if r in new_index]
            if rows:
                origins.append(replace(c, row=rows[0], rowspan=len(rows)))
    grid = grid_from_origins(origins, len(kept), t.n_cols)
    return Table(rows=grid, exact_grid=t.exact_grid, pages=t.pages, bbox=t.bbox, source=t.source)


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
        # a producer centres a merged cell's text in the whole span: where the span is cut,
        # the text may sit on either side, and the other side's part is empty
        moved = not above.text.strip() and bool(text) and origin.rowspan > 1 and cell.rowspan > 1
        if (
            cell.merged_from is not None or origin_rc[1] != c or not (above.text.strip() or moved)
            or (not moved and text not in ("", re.sub(r"\s+", "", origin.text)))
            or origin.colspan != cell.colspan or not (origin.rowspan > 1 or cell.rowspan > 1)
        ):
            return
        if moved:
            origin.text = cell.text
            for r in range(origin.row, first):
                for k in range(c, c + origin.colspan):
                    if rows[r][k] is not origin:
                        rows[r][k].text = cell.text
        span = cell.rowspan
        for r in range(first, min(first + span, len(rows))):
            for k in range(c, c + cell.colspan):
                rows[r][k] = _copy_of(origin, r, k)
        origin.rowspan = max(origin.rowspan, first + span - origin.row)
        c += cell.colspan
