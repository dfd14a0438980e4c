"""A long value wrapped over several lines, cut by a line-by-line grid into rows of their own.

A goal (年度目标, 年度绩效目标 …) is a paragraph in one tall cell; its label is centred
beside it. Read by lines (a table drawn without rules between rows, or a page handed to
the stream rung), the label lands on a middle line and the value's other lines become
rows with nothing in the label column: the goal read from the label's row alone is cut
at both ends (``保障21.6 万农村人口饮水安全…`` for ``完成全市120 处…``).

The lines of one wrapped paragraph are told by geometry, not by wording: they start at
the same left edge, follow one another at the text's line pitch, and every line but the
last fills the cell's width (that is why the next one was needed). Text exports carry no
geometry, so they are never joined here.
"""

from __future__ import annotations

from jixiao.domain import vocab
from jixiao.domain.values import clean_cell, squash_cjk_spaces
from jixiao.extract.rows import CellView, RowView, looks_like_value
from jixiao.model.output import Repair
from jixiao.model.source import Cell

WRAPPED_VALUE_RULE = "wrapped_value_lines_joined"
_EDGE = 0.6  # left edges equal within this share of a line's height
_PITCH = 0.7  # at most this share of a line's height between two lines of one paragraph
_FULL = 2.0  # a line that wrapped ends within this many line heights of the widest line


def rejoin_wrapped_goal_lines(rows: list[RowView]) -> None:
    """Put a goal's wrapped lines, printed as rows above and below its label's row, back
    into the label's value cell (in place); the rows they came from are left empty and
    their cells marked read. The joined value carries a ``wrapped_value_lines_joined`` repair."""
    for r, row in enumerate(rows):
        if row.paragraph is not None:
            continue
        at = _goal_value(row)
        if at is None:
            _join_around_lone_label(rows, r)
            continue
        k, value = at
        box = value.cell.bbox if value.cell is not None else None
        if box is None or "\n" in value.text:
            continue
        above = _lines_above(rows, r, value.cell)
        below = _lines_below(rows, r, value.cell)
        if not above and not below:
            continue
        pieces = [cv for _, cv in above] + [value] + [cv for _, cv in below]
        text = squash_cjk_spaces("".join(clean_cell(cv.text) for cv in pieces))
        repair = Repair(rule=WRAPPED_VALUE_RULE, original=value.text, repaired=text)
        row.cells[k] = CellView(text=text, col=value.col, cell=value.cell, repairs=[*value.repairs, repair])
        for i, cv in above + below:
            _empty(rows[i], cv)


def _join_around_lone_label(rows: list[RowView], r: int) -> None:
    """A goal label alone on its row, centred between its value's lines in the rows just above
    and below (a two-line value beside a one-line label, cut line by line): the value's lines,
    joined, go beside the label."""
    row = rows[r]
    own = [cv for cv in row.cells if cv.text and not cv.inferred]
    if len(own) != 1 or not vocab.goal_field(own[0].text) or own[0].cell is None or own[0].cell.bbox is None:
        return
    if r == 0 or r + 1 >= len(rows) or not rows[r - 1].table_index == row.table_index == rows[r + 1].table_index:
        return
    if rows[r - 1].paragraph is not None or rows[r + 1].paragraph is not None:
        return
    up, down = _lone_line(rows[r - 1]), _lone_line(rows[r + 1])
    if up is None or down is None or not _follows(up.cell, down.cell):
        return
    mid = (own[0].cell.bbox[1] + own[0].cell.bbox[3]) / 2
    if not (up.cell.bbox[1] + up.cell.bbox[3]) / 2 < mid < (down.cell.bbox[1] + down.cell.bbox[3]) / 2:
        return
    above = _lines_above(rows, r - 1, up.cell) + [(r - 1, up)]
    below = [(r + 1, down)] + _lines_below(rows, r + 1, down.cell)
    pieces = [cv for _, cv in above + below]
    text = squash_cjk_spaces("".join(clean_cell(cv.text) for cv in pieces))
    repair = Repair(rule=WRAPPED_VALUE_RULE, original=up.text, repaired=text)
    value = CellView(text=text, col=up.col, cell=up.cell, repairs=[*up.repairs, repair])
    for i, cv in above + below:
        _empty(rows[i], cv)
    slot = next((k for k, cv in enumerate(row.cells) if cv.col == up.col and not cv.text), None)
    if slot is None:
        row.cells.append(value)
        row.cells.sort(key=lambda cv: cv.col)
    else:
        row.cells[slot] = value


def rejoin_wrapped_goal_labels(rows: list[RowView]) -> None:
    """A goal's label wrapped in its narrow column (``年度总体目`` / ``标``) beside its value
    wrapped over the same two lines, both cut by a line-by-line grid into two rows.

    The label's tail and the value's last line are the lower row's only texts; each follows
    the upper row's piece at the line pitch, aligned with it on the left or, in a centred
    cell, on its centre. The label and the value are put back together in the upper row (the
    value with a ``wrapped_value_lines_joined`` repair), and the lower row is left empty."""
    for up, down in zip(rows, rows[1:]):
        if up.paragraph is not None or down.paragraph is not None or up.table_index != down.table_index:
            continue
        if not up.cells or not down.cells:
            continue
        a, b = up.cells[0], down.cells[0]
        if a.inferred or b.inferred or a.cell is None or b.cell is None:
            continue
        ka, kb = vocab.key(a.text), vocab.key(b.text)
        if not ka or not 0 < len(kb) <= _TAIL or vocab.goal_field(ka) or not vocab.goal_field(ka + kb):
            continue
        if not _follows(a.cell, b.cell):
            continue
        ups = [(k, cv) for k, cv in enumerate(up.cells) if k and cv.text and not cv.inferred]
        downs = [cv for cv in down.cells[1:] if cv.text and not cv.inferred]
        if len(ups) != 1 or len(downs) > 1:
            continue
        k, value = ups[0]
        if looks_like_value(value.text) or (downs and (downs[0].cell is None or value.cell is None
                                                       or not _follows(value.cell, downs[0].cell))):
            continue
        up.cells[0] = CellView(text=ka + kb, col=a.col, cell=a.cell, repairs=a.repairs)
        if downs:
            text = squash_cjk_spaces(clean_cell(value.text) + clean_cell(downs[0].text))
            repair = Repair(rule=WRAPPED_VALUE_RULE, original=value.text, repaired=text)
            up.cells[k] = CellView(text=text, col=value.col, cell=value.cell, repairs=[*value.repairs, repair])
            downs[0].cell.read = True
        _empty(down, b)


_TAIL = 4  # a wrapped label's last line: a few characters


def _follows(upper: Cell, lower: Cell) -> bool:
    """Whether ``lower`` is the line printed right under ``upper`` in one cell: at the line
    pitch, on the same left edge or (a centred cell) the same centre."""
    a, b = upper.bbox, lower.bbox
    if a is None or b is None or upper.page != lower.page:
        return False
    line = min(a[3] - a[1], b[3] - b[1])
    if line <= 0 or not -0.2 * line <= b[1] - a[3] <= _PITCH * line:
        return False
    return abs(a[0] - b[0]) <= _EDGE * line or abs((a[0] + a[2]) - (b[0] + b[2])) / 2 <= _EDGE * line


def _goal_value(row: RowView) -> tuple[int, CellView] | None:
    """The index and cell of the value beside a goal label in ``row``, or None."""
    for idx, cv in enumerate(row.cells):
        if cv.inferred or not vocab.goal_field(cv.text):
            continue
        for k in range(idx + 1, len(row.cells)):
            nxt = row.cells[k]
            if not nxt.text or nxt.text == cv.text:
                continue
            if nxt.inferred or vocab.goal_field(nxt.text) or vocab.header_field(nxt.text):
                return None
            return k, nxt
    return None


def _lone_line(row: RowView) -> CellView | None:
    """The one text of a row that holds nothing else (merged copies aside), or None."""
    own = [cv for cv in row.cells if cv.text and not cv.inferred]
    if len(own) != 1 or own[0].cell is None or own[0].cell.bbox is None or "\n" in own[0].text:
        return None
    t = own[0].text
    if vocab.goal_field(t) or vocab.header_field(t) or vocab.is_budget_block_label(t) or looks_like_value(t):
        return None
    if vocab.names_indicator_header([t]):
        return None
    return own[0]


def _lines_above(rows: list[RowView], r: int, value: Cell) -> list[tuple[int, CellView]]:
    out: list[tuple[int, CellView]] = []
    under = value
    for i in range(r - 1, -1, -1):
        if rows[i].table_index != rows[r].table_index:
            break
        cv = _lone_line(rows[i])
        if cv is None or cv.cell is None or not _next_line(cv.cell, under, wrapped=cv.cell):
            break
        out.insert(0, (i, cv))
        under = cv.cell
    return out


def _lines_below(rows: list[RowView], r: int, value: Cell) -> list[tuple[int, CellView]]:
    out: list[tuple[int, CellView]] = []
    over = value
    for i in range(r + 1, len(rows)):
        if rows[i].table_index != rows[r].table_index:
            break
        cv = _lone_line(rows[i])
        if cv is None or cv.cell is None or not _next_line(over, cv.cell, wrapped=over):
            break
        out.append((i, cv))
        over = cv.cell
    return out


def _next_line(upper: Cell, lower: Cell, *, wrapped: Cell) -> bool:
    """Whether ``lower`` is the line printed right after ``upper`` in one paragraph, and
    ``wrapped`` (the upper line) is full width: it wrapped."""
    a, b, w = upper.bbox, lower.bbox, wrapped.bbox
    if a is None or b is None or w is None or upper.page != lower.page:
        return False
    line = min(a[3] - a[1], b[3] - b[1])
    if line <= 0:
        return False
    same_edge = abs(a[0] - b[0]) <= _EDGE * line
    follows = -0.2 * line <= b[1] - a[3] <= _PITCH * line
    widest = max(a[2], b[2])
    return same_edge and follows and w[2] >= widest - _FULL * line


def _empty(row: RowView, cv: CellView) -> None:
    """The row held only this line (and merged copies, such as the label's): nothing is left
    to read in it, and a label copy left behind would wait for a value that is not coming."""
    row.cells = [CellView(text="", col=c.col) for c in row.cells]
    if cv.cell is not None:
        cv.cell.read = True
