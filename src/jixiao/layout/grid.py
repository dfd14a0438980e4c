"""Merged cells: origin cells with row/col spans → a dense grid of copies (``merged_from`` set);
a table given as cell boxes → origin cells (:class:`CellGrid`)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from jixiao.model.output import BBox
from jixiao.model.source import Cell, Table
from jixiao.layout.rulings import RulingIndex

# ---------------------------------------------------------------------------------------
# Merged cells


def expand_merged(table: Table) -> Table:
    """Return ``table`` as a dense grid: every slot covered by a span holds a copy.

    Input rows may be sparse (only origin cells, each with ``row``/``col``/``rowspan``/
    ``colspan``) or already dense; existing copies are rebuilt from their origins. The
    copy carries the origin's text, bbox and page, and ``merged_from=(row, col)``.
    """
    origins = [c for row in table.rows for c in row if c is not None and c.merged_from is None]
    rows = grid_from_origins(origins)
    return Table(rows=rows, exact_grid=table.exact_grid, pages=list(table.pages), bbox=table.bbox, source=table.source)


def grid_from_origins(origins: Iterable[Cell], n_rows: int | None = None, n_cols: int | None = None) -> list[list[Cell]]:
    """Lay origin cells (with spans) out on a dense ``n_rows × n_cols`` grid.

    Slots no origin covers become empty cells; when two origins claim a slot (broken
    source markup) the first one in row-major order wins, so the grid is always rectangular.
    """
    cells = sorted(origins, key=lambda c: (c.row, c.col))
    n_rows = n_rows if n_rows is not None else max((c.row + max(c.rowspan, 1) for c in cells), default=0)
    n_cols = n_cols if n_cols is not None else max((c.col + max(c.colspan, 1) for c in cells), default=0)
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for c in cells:
        if c.row >= n_rows or c.col >= n_cols or grid[c.row][c.col] is not None:
            continue
        c.rowspan = max(1, min(c.rowspan, n_rows - c.row))
        c.colspan = max(1, min(c.colspan, n_cols - c.col))
        c.merged_from = None
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if grid[r][k] is not None:
                    continue
                grid[r][k] = c if (r, k) == (c.row, c.col) else _copy_of(c, r, k)
    page = next((c.page for c in cells if c.page is not None), None)
    return [
        [slot if slot is not None else Cell(text="", row=r, col=k, page=page) for k, slot in enumerate(row)]
        for r, row in enumerate(grid)
    ]


def _copy_of(origin: Cell, row: int, col: int) -> Cell:
    return Cell(
        text=origin.text, row=row, col=col, bbox=origin.bbox, page=origin.page,
        merged_from=(origin.row, origin.col), score=origin.score,
    )


# ---------------------------------------------------------------------------------------
# Cell boxes


class CellGrid:
    """A table given as cell boxes (a ruled-table finder's cells, a merged cell one box) laid
    out as a slot grid: row/column edges, origin cells with spans, the cell at a point.

    Slots follow ``pymupdf.Table.rows``: one row per distinct cell top, one column per
    distinct cell left; a merged cell is an origin whose span covers the slots whose
    centres it holds. Slots no box covers get cells of their own (:meth:`_cover_orphans`).
    The caller fills the origins' text (``ingest.pdf`` gives each character to the cell
    holding its centre), then :meth:`table` lays them out with :func:`grid_from_origins`.
    """

    def __init__(self, cells: Sequence[BBox], page: int, rules: RulingIndex | None = None):
        self.page = page
        self.bbox: BBox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
        rows = _rows_of(cells)
        self.n_rows, self.n_cols = len(rows), max(len(r) for r in rows)
        last = [b for b in rows[-1] if b is not None]
        self.ys = [next(b for b in r if b is not None)[1] for r in rows] + [max(b[3] for b in last)]
        self.xs = _column_edges(rows, self.n_cols, self.bbox)
        self.origins: list[Cell] = []
        self.slot: dict[tuple[int, int], Cell] = {}
        for r, row in enumerate(rows):
            for c, box in enumerate(row):
                if box is not None and (r, c) not in self.slot:
                    self._add_origin(r, c, box)
        self._cover_orphans(rules)

    def _cover_orphans(self, rules: RulingIndex | None) -> None:
        """Give slots that no cell covers (the finder returns ``None`` there, as for merged
        slots) cells of their own, so their text is not lost; neighbouring orphan slots with
        no rule between them are one merged cell when together they form a rectangle."""
        orphans = [(r, c) for r in range(self.n_rows) for c in range(self.n_cols) if (r, c) not in self.slot]
        if not orphans:
            return
        parent = {o: o for o in orphans}

        def find(a: tuple[int, int]) -> tuple[int, int]:
            while parent[a] != a:
                a = parent[a]
            return a

        for r, c in orphans:
            xm, ym = (self.xs[c] + self.xs[c + 1]) / 2, (self.ys[r] + self.ys[r + 1]) / 2
            if (r + 1, c) in parent and not (rules and rules.horizontal_at(self.ys[r + 1], xm)):
                parent[find((r + 1, c))] = find((r, c))
            if (r, c + 1) in parent and not (rules and rules.vertical_at(self.xs[c + 1], ym)):
                parent[find((r, c + 1))] = find((r, c))
        groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for o in orphans:
            groups.setdefault(find(o), []).append(o)
        for slots in groups.values():
            r0, c0 = min(slots)
            r1, c1 = max(s[0] for s in slots), max(s[1] for s in slots)
            parts = [slots] if len(slots) == (r1 - r0 + 1) * (c1 - c0 + 1) else [[s] for s in slots]
            for part in parts:
                (a, b), (e, f) = min(part), max(part)
                self._add_origin(a, b, (self.xs[b], self.ys[a], self.xs[f + 1], self.ys[e + 1]))

    def _add_origin(self, r: int, c: int, box: BBox) -> None:
        """Span = the rows/columns whose centres lie inside the origin's box."""
        r1 = r
        while r1 + 1 < self.n_rows and (self.ys[r1 + 1] + self.ys[r1 + 2]) / 2 < box[3]:
            r1 += 1
        c1 = c
        while c1 + 1 < self.n_cols and (self.xs[c1 + 1] + self.xs[c1 + 2]) / 2 < box[2]:
            c1 += 1
        cell = Cell(text="", row=r, col=c, rowspan=r1 - r + 1, colspan=c1 - c + 1, bbox=box, page=self.page)
        self.origins.append(cell)
        for rr in range(r, r1 + 1):
            for cc in range(c, c1 + 1):
                self.slot.setdefault((rr, cc), cell)

    def may_hold(self, centres: BBox) -> bool:
        """Whether some character centre inside ``centres`` can fall in this table (see :meth:`holds`)."""
        x0, y0, x1, y1 = self.bbox
        return centres[0] <= x1 + 0.5 and centres[2] >= x0 - 0.5 and centres[1] <= y1 + 0.5 and centres[3] >= y0 - 0.5

    def holds(self, x: float, y: float) -> bool:
        """Whether the point lies in the table (half a point of slack, as a clip has)."""
        x0, y0, x1, y1 = self.bbox
        return x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5

    def cell_at(self, x: float, y: float) -> Cell | None:
        """The origin cell covering the slot that holds a point of the table (see :meth:`holds`)."""
        r = bisect.bisect_right(self.ys, y) - 1
        r = 0 if r < 0 else (self.n_rows - 1 if r >= self.n_rows else r)
        c = bisect.bisect_right(self.xs, x) - 1
        c = 0 if c < 0 else (self.n_cols - 1 if c >= self.n_cols else c)
        return self.slot.get((r, c))

    def table(self, source: str) -> Table:
        """The dense table of the origins (their text as the caller set it)."""
        rows = grid_from_origins(self.origins, self.n_rows, self.n_cols)
        return Table(rows=rows, exact_grid=True, pages=[self.page], bbox=self.bbox, source=source)


def _rows_of(cells: Sequence[BBox]) -> list[list[BBox | None]]:
    """``pymupdf.table._cells_to_rows``: cells grouped by top edge, one slot per distinct
    left edge (``None`` where no cell starts: a span or a gap)."""
    lefts = sorted({c[0] for c in cells})
    by_top: dict[float, dict[float, BBox]] = {}
    for c in sorted(cells, key=lambda c: (c[1], c[0])):
        by_top.setdefault(c[1], {})[c[0]] = c
    return [[row.get(x) for x in lefts] for _, row in sorted(by_top.items())]


def _column_edges(rows: list[list[BBox | None]], n_cols: int, bbox: BBox) -> list[float]:
    """x edges of the columns: left edge of each column's non-merged cells, then the table's right edge."""
    lefts: list[float | None] = []
    for c in range(n_cols):
        xs = [row[c][0] for row in rows if c < len(row) and row[c] is not None]
        lefts.append(min(xs) if xs else None)
    if lefts[0] is None:
        lefts[0] = bbox[0]
    for c in range(1, n_cols):  # a column covered only by spans: interpolate
        if lefts[c] is None:
            nxt = next((x for x in lefts[c + 1 :] if x is not None), bbox[2])
            lefts[c] = (lefts[c - 1] + nxt) / 2  # type: ignore[operator]
    return [float(x) for x in lefts] + [float(bbox[2])]  # type: ignore[arg-type]
