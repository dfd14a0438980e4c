"""Merged cells: origin cells with row/col spans → a dense grid of copies (``merged_from`` set)."""

from __future__ import annotations

from collections.abc import Iterable
from jixiao.model.source import Cell, Table

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
