"""Layout: turn positioned text into tables and paragraphs, fill merged cells, stitch pages.

Four jobs, all format-independent so the PDF text layer and OCR share them:

* :func:`page_blocks_from_words` rebuilds a page's grid from word/line boxes. Where ruling
  lines are known (vector drawings, or lines detected on a scan) they decide rows, columns
  and merged cells — that is the only reliable way to keep a wrapped cell in one piece.
  Without rulings, rows come from y-overlap (after removing a small page skew, since OCR
  boxes of a rotated scan drift across the page) and columns from vertical whitespace
  that stays empty across most rows.
* :func:`expand_merged` turns a table of *origin* cells with ``rowspan``/``colspan`` into a
  dense grid whose covered slots hold copies (``merged_from`` set), so that downstream
  fill-down of the L1/L2 hierarchy is a lookup, not a geometry problem.
* :func:`stitch_tables` joins a table that runs over a page break into one table.
* :func:`split_side_by_side` separates tables printed next to each other whose rules
  touch (a 中期 and a 年度 indicator table under one header block): a table finder sees
  one table there, with both sides' rows interleaved.

:class:`CellGrid` lays a table given as cell boxes (a ruled-table finder's cells) out as
origin cells with spans, and tells which cell holds a point.

Ruling helpers: :func:`rulings_from_drawings` (vector PDF), :func:`closing_rulings` (rows left open at a page break) and :class:`RulingIndex`.

Nothing here knows about budget forms: any column count, any order.
"""

from __future__ import annotations

from jixiao.layout.grid import CellGrid, expand_merged, grid_from_origins
from jixiao.layout.rulings import Ruling, RulingIndex, closing_rulings, rulings_from_drawings
from jixiao.layout.columns import caption_rows, reading_order, split_side_by_side
from jixiao.layout.words import estimate_skew
from jixiao.layout.page import page_blocks_from_words
from jixiao.layout.stitch import column_edges, is_page_furniture, stitch_tables

__all__ = [
    "CellGrid",
    "Ruling",
    "RulingIndex",
    "caption_rows",
    "closing_rulings",
    "column_edges",
    "estimate_skew",
    "expand_merged",
    "grid_from_origins",
    "is_page_furniture",
    "page_blocks_from_words",
    "reading_order",
    "rulings_from_drawings",
    "split_side_by_side",
    "stitch_tables",
]
