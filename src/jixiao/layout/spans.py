"""Merged cells of a table drawn without rules, from where their labels sit.

A browser or a PDF library draws the text of a cell spanning several rows in the middle of
the span (``vertical-align: middle``, the default for HTML table cells and reportlab's
``VALIGN MIDDLE``). Without rules, the span itself is invisible: the whitespace grid holds
the label on one row and leaves the rows above and below it empty, and reading empty
label cells as "same as above" gives the rows above the label to the previous group.

Spans stacked in one column fill it without gaps, and each label is centred on its own,
so from the top of the run of rows the spans follow one from the next: a span starting
at ``a`` whose label is centred at ``y`` ends at ``2y - a``. The answer is kept only where
it is consistent — every span holds its own label and no other, and the last one ends
where the rows end — which top-aligned labels (word processors) never are; they keep the
"same as above" reading.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from jixiao.model.source import Cell


def centred_spans(origins: list[Cell], n_rows: int, n_cols: int, tops: Sequence[float], bottoms: Sequence[float]) -> None:
    """Give the labels of each sparse column of an unruled grid the rows they are centred on.

    ``origins``: the grid's cells before layout (row, col, spans; bbox around their text),
    changed in place. ``tops``/``bottoms``: each row's text extent."""
    if n_rows < 3 or len(tops) != n_rows:
        return
    gaps = [tops[r + 1] - bottoms[r] for r in range(n_rows - 1)]
    half = max(0.0, statistics.median(gaps) / 2) if gaps else 0.0
    pitch = statistics.median([tops[r + 1] - tops[r] for r in range(n_rows - 1)])
    for c in range(n_cols - 1):
        right = {r for o in origins if o.col > c or o.col + o.colspan - 1 > c for r in range(o.row, o.row + o.rowspan)
                 if not (o.col <= c < o.col + o.colspan - 1)}
        across = {r for o in origins if o.col <= c < o.col + o.colspan - 1 for r in range(o.row, o.row + o.rowspan)}
        labels = {o.row: o for o in origins if o.col == c and o.colspan == 1 and o.rowspan == 1 and o.text.strip()}
        for run in _runs(sorted(right - across)):
            cells = [labels[r] for r in run if r in labels]
            if not cells or 2 * len(cells) > len(run):
                continue  # a column holding most rows' own text (a cell wrapped onto a second line is no span)
            if any(o.col == c and o.row in run and o not in cells for o in origins):
                continue  # something else in the column (a spanning or empty origin): not a label column
            spans = _solve(cells, run, tops, bottoms, half, pitch)
            if spans is None:
                continue
            for cell, rows in zip(cells, spans):
                cell.row, cell.rowspan = rows[0], len(rows)


def _runs(rows: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for r in rows:
        if out and r == out[-1][-1] + 1:
            out[-1].append(r)
        else:
            out.append([r])
    return [run for run in out if len(run) >= 2]


def _solve(cells: list[Cell], run: list[int], tops: Sequence[float], bottoms: Sequence[float], half: float,
           pitch: float) -> list[list[int]] | None:
    """The rows of each label's span, or None where centred spans do not fit the run."""
    centre = {r: (tops[r] + bottoms[r]) / 2 for r in run}
    a = tops[run[0]] - half
    end = bottoms[run[-1]] + half
    spans: list[list[int]] = []
    for cell in cells:
        if cell.bbox is None:
            return None
        b = 2 * (cell.bbox[1] + cell.bbox[3]) / 2 - a
        rows = [r for r in run if a <= centre[r] < b]
        others = {o.row for o in cells if o is not cell}
        if cell.row not in rows or others & set(rows):
            return None
        spans.append(rows)
        a = b
    if abs(a - end) > 0.75 * pitch or sum(len(s) for s in spans) != len(run):
        return None
    return spans
