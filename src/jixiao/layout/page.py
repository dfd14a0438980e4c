"""One page's blocks from words and rulings: ruled tables, whitespace tables, paragraphs."""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from jixiao.domain import framework, vocab
from jixiao.model.source import Block, Cell, PageInfo, Paragraph, Table, Word
from jixiao.model.output import BBox
from jixiao.layout.grid import grid_from_origins
from jixiao.layout.spans import centred_spans
from jixiao.layout.rulings import Ruling, RulingIndex, _Line, _merge_rulings
from jixiao.layout.columns import caption_rows, reading_order, split_side_by_side
from jixiao.layout.words import _Row, _Seg, _group_rows, _join_text, _merge_close, _rotate_ruling, _segments, _unskew_blocks, estimate_skew

# ---------------------------------------------------------------------------------------
# Page blocks


def page_blocks_from_words(
    words: list[Word],
    page: PageInfo,
    rulings: list[Ruling] | None = None,
    source: str = "pdf-words",
    unruled: list[Table] | None = None,
) -> list[Block]:
    """Rebuild tables and paragraphs of one page from word or OCR line boxes.

    ``rulings`` (see :func:`rulings_from_drawings`) are used wherever they enclose text:
    horizontal rules give rows — so a wrapped cell stays one cell — vertical rules give
    columns, and a missing rule between two slots means a merged cell. Text outside ruled
    areas goes through the whitespace analysis. Returns blocks in reading order
    (top to bottom); tables have ``exact_grid=True`` and ``source`` as given.
    ``unruled`` (out, optional): the tables the whitespace analysis built are appended to it.
    """
    if not words:
        return []
    skew = estimate_skew(words)  # analysis runs on deskewed boxes; output boxes are mapped back
    segs = _segments(words, skew)
    if not segs:
        return []
    h = statistics.median(s.y1 - s.y0 for s in segs) or 10.0
    straight = [_rotate_ruling(r, skew) for r in rulings or []]
    hlines = _merge_rulings(straight, horizontal=True)
    vlines = _merge_rulings(straight, horizontal=False)
    rows = [_merge_close(r, 0.5 * h, vlines) for r in _group_rows(segs)]
    blocks: list[Block] = []
    free = rows
    index = RulingIndex.from_lines(hlines, vlines)
    boxes = [(s.x0, s.y0, s.x1, s.y1) for r in rows for s in r.segs]
    sides: list[Table] = []
    ruled: list[tuple[Table, list[_Row]]] = []
    for area in _ruled_areas(hlines, vlines, h):
        for part, side in split_side_by_side(area, index, boxes):
            inside, free = _take_rows(free, part)
            if inside:
                tab = _ruled_table(inside, part, hlines, vlines, h, page.number, source)
                if tab is not None:
                    blocks.append(tab)
                    ruled.append((tab, inside))
                    if side:
                        sides.append(tab)
                else:
                    free = sorted(free + inside, key=lambda r: r.cy)
    # a page with row rules but no ruled table leaves column rules to the ladder's columns rung
    # (jixiao.ingest.pdf_ladder), which uses those rules for the rows
    replaced: dict[int, list[Block]] = {}
    free = _side_bodies(free, ruled, h, page.number, source, replaced)
    loose = _unruled_blocks(free, h, page.number, source, header_columns=not hlines)
    if unruled is not None:
        unruled += [b for b in loose if isinstance(b, Table)]
    rebuilt = [b for bl in replaced.values() for b in bl]
    if unruled is not None:
        unruled += [b for b in rebuilt if isinstance(b, Table)]
    blocks += loose
    _unskew_blocks(blocks, skew)
    _unskew_blocks(rebuilt, skew)
    groups: list[list[Block]] = []
    for b in blocks:
        if id(b) in replaced:
            groups.append(replaced[id(b)])  # a side's head and rows, rebuilt: read together
        elif any(b is t for t in sides):
            paras, b = caption_rows(b)
            groups.append([*paras, b])
        else:
            groups.append([b])
    return reading_order(groups)


# ---- ruled areas ----------------------------------------------------------------------


def _ruled_areas(hlines: list[_Line], vlines: list[_Line], h: float) -> list[BBox]:
    """Boxes of ruled tables: connected groups of horizontal and vertical rules.

    A horizontal and a vertical rule are connected where they touch or cross; a group
    with at least two of each is a table. A paragraph between two tables keeps them
    apart; tables without any vertical rule (three-line tables) are left to the
    whitespace analysis: their few rules do not separate the rows.
    """
    # nodes are single spans: collinear rules of two tables stacked one above the other
    # share a _Line but must not tie the tables together
    hs = [(ln.pos, lo, hi) for ln in hlines for lo, hi in ln.spans if hi - lo >= 3 * h]
    vs = [(ln.pos, lo, hi) for ln in vlines for lo, hi in ln.spans if hi - lo >= 0.8 * h]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (hy, hx0, hx1) in enumerate(hs):
        for j, (vx, vy0, vy1) in enumerate(vs):
            if hx0 - 3 <= vx <= hx1 + 3 and vy0 - 3 <= hy <= vy1 + 3:
                parent[find(len(hs) + j)] = find(i)
    groups: dict[int, tuple[list[tuple[float, float, float]], int]] = {}
    for i, hspan in enumerate(hs):
        g = groups.setdefault(find(i), ([], 0))
        g[0].append(hspan)
    for j in range(len(vs)):
        root = find(len(hs) + j)
        if root in groups:
            groups[root] = (groups[root][0], groups[root][1] + 1)
    areas = [
        (min(x0 for _, x0, _ in g_h), min(y for y, _, _ in g_h), max(x1 for _, _, x1 in g_h), max(y for y, _, _ in g_h))
        for g_h, n_v in groups.values() if len(g_h) >= 2 and n_v >= 2
    ]
    return sorted(areas, key=lambda a: (a[1], a[0]))


def _side_bodies(free: list[_Row], ruled: list[tuple[Table, list[_Row]]], h: float, page: int, source: str,
                 replaced: dict[int, list[Block]]) -> list[_Row]:
    """Tables side by side whose ruled part is only their heads (a 中期 and a 年度 title and
    header, shaded cells drawn as boxes) and whose rows are drawn without rules: the lines
    under them hold both tables' rows, and whitespace alone would read them as one wide
    table. The lines directly under the heads, up to the first one with text across a
    gutter between two heads, are cut at the gutters; each side's head lines and its part
    of the lines below are rebuilt as one unruled table in place of the head
    (``replaced``: id of the head → the blocks rebuilt). Returns the lines left to the rest
    of the page."""
    # the last ruled tables standing side by side at one height
    heads = [(t, rows) for t, rows in ruled if t.bbox is not None]
    heads = [(t, rows) for t, rows in heads
             if any(u is not t and min(u.bbox[3], t.bbox[3]) - max(u.bbox[1], t.bbox[1]) > 0.5 * (t.bbox[3] - t.bbox[1])
                    for u, _ in heads)]
    if len(heads) < 2:
        return free
    heads.sort(key=lambda tr: tr[0].bbox[0])
    sides = [t for t, _ in heads]
    side_rows = [rows for _, rows in heads]
    order = list(range(len(sides)))
    boxes = [t.bbox for t in sides]
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    if any(a[2] > b[0] or min(a[3], b[3]) <= max(a[1], b[1]) for a, b in zip(boxes, boxes[1:])):
        return free  # not side by side at one height
    gutters = [(a[2], b[0]) for a, b in zip(boxes, boxes[1:])]
    body: list[_Row] = []
    for r in free:
        if r.y1 <= top:
            continue
        if r.y0 < bottom - 0.5 * h or (body and r.y0 - body[-1].y1 > 3.0 * h) or (not body and r.y0 - bottom > 3.0 * h):
            if body:
                break
            continue
        if any(s.x0 < (g0 + g1) / 2 < s.x1 for s in r.segs for g0, g1 in gutters):
            break  # text across a gutter: the tables end above it
        body.append(r)
    if len(body) < 2:
        return free
    edges = [-1e9] + [(g0 + g1) / 2 for g0, g1 in gutters] + [1e9]
    out: dict[int, list[Block]] = {}
    for k, i in enumerate(order):
        part = [_Row([s for s in r.segs if edges[k] <= (s.x0 + s.x1) / 2 < edges[k + 1]]) for r in body]
        part = [r for r in part if r.segs]
        rebuilt = _unruled_blocks(side_rows[i] + part, h, page, source)
        if not any(isinstance(b, Table) for b in rebuilt):
            return free
        out[id(sides[i])] = rebuilt
    replaced.update(out)
    taken = {id(r) for r in body}
    return [r for r in free if id(r) not in taken]


def _take_rows(rows: list[_Row], area: BBox) -> tuple[list[_Row], list[_Row]]:
    """Split rows into segments inside ``area`` (by centre) and everything else."""
    x0, y0, x1, y1 = area
    inside: list[_Row] = []
    rest: list[_Row] = []
    for r in rows:
        ins = [s for s in r.segs if x0 - 2 <= (s.x0 + s.x1) / 2 <= x1 + 2 and y0 - 1 <= s.cy <= y1 + 1]
        out = [s for s in r.segs if s not in ins]
        if ins:
            inside.append(_Row(ins))
        if out:
            rest.append(_Row(out))
    return inside, rest


def _ruled_table(
    rows: list[_Row], area: BBox, hlines: list[_Line], vlines: list[_Line], h: float, page: int, source: str
) -> Table | None:
    """A lattice table: bands between horizontal rules, columns between vertical rules
    (or whitespace when the table has no vertical rules), merges where a rule is missing."""
    ax0, ay0, ax1, ay1 = area
    ys = [ln.pos for ln in hlines if ay0 - 1 <= ln.pos <= ay1 + 1 and min(ln.hi, ax1) - max(ln.lo, ax0) > 0.1 * (ax1 - ax0)]
    vin = [ln for ln in vlines if ax0 - 3 <= ln.pos <= ax1 + 3 and min(ln.hi, ay1) - max(ln.lo, ay0) > min(h, 0.3 * (ay1 - ay0))]
    inner_v = [ln for ln in vin if ax0 + 3 < ln.pos < ax1 - 3]
    if inner_v:
        xs = [ax0] + [ln.pos for ln in inner_v] + [ax1]
        has_v = True
    else:
        seps = _column_separators(rows, 0.4 * h)
        xs = [ax0] + seps + [ax1]
        has_v = False
    segs = [s for line in rows for s in line.segs]
    xs = _drop_thin_empty(_dedupe(sorted(xs), 2.0), [(s.x0 + s.x1) / 2 for s in segs], 0.4 * h)
    ys = _drop_thin_empty(_dedupe(sorted(ys), 2.0), [s.cy for s in segs], 0.4 * h)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1 or n_rows * n_cols < 2:
        return None
    # text per slot, line by line
    slot_lines: dict[tuple[int, int], list[_Seg]] = {}
    for line in rows:
        for s in line.segs:
            ri = min(max(bisect.bisect_right(ys, s.cy) - 1, 0), n_rows - 1)
            for ci in _cols_of(s, xs):
                slot_lines.setdefault((ri, ci), []).append(s)
                break  # a segment's text goes to its first column; spans come from missing rules
    # union slots where a rule is missing
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def find(a: tuple[int, int]) -> tuple[int, int]:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # a boundary is ruled where any rule near it (double rules count once) covers the slot
    near = max(3.0, 0.4 * h)
    # the rules near each inner boundary, found once per boundary (not once per slot)
    v_near = [[ln for ln in vin if abs(ln.pos - xs[c + 1]) <= near] for c in range(n_cols - 1)] if has_v else []
    h_near = [[ln for ln in hlines if abs(ln.pos - ys[r + 1]) <= near] for r in range(n_rows - 1)]
    for r in range(n_rows):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols - 1):
            if has_v:
                tol = 0.25 * (ys[r + 1] - ys[r])
                if not any(ln.covers(ymid, tol=tol) for ln in v_near[c]):
                    union((r, c), (r, c + 1))
            elif _crosses(slot_lines, r, c, xs[c + 1]):
                union((r, c), (r, c + 1))
    for c in range(n_cols):
        xmid = (xs[c] + xs[c + 1]) / 2
        tol = 0.25 * (xs[c + 1] - xs[c])
        for r in range(n_rows - 1):
            if not any(ln.covers(xmid, tol=tol) for ln in h_near[r]):
                union((r, c), (r + 1, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for slot in parent:
        groups.setdefault(find(slot), []).append(slot)
    _absorb_empty_slivers(groups, slot_lines)
    origins = []
    for slots in groups.values():
        rs = [s[0] for s in slots]
        cs = [s[1] for s in slots]
        rect = (min(rs), min(cs), max(rs), max(cs))
        if len(slots) != (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1):
            slots_rect = [[s] for s in sorted(slots)]  # not a rectangle: keep slots apart
        else:
            slots_rect = [sorted(slots)]
        for grp in slots_rect:
            r0, c0 = grp[0]
            r1, c1 = grp[-1]
            segs = [s for slot in grp for s in slot_lines.get(slot, [])]
            origins.append(Cell(
                text=_cell_text(segs), row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                bbox=(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]), page=page,
                score=min((s.score for s in segs), default=1.0),
            ))
    grid = grid_from_origins(origins, n_rows, n_cols)
    return Table(rows=grid, exact_grid=True, pages=[page], bbox=(xs[0], ys[0], xs[-1], ys[-1]), source=source)


def _absorb_empty_slivers(groups: dict[tuple[int, int], list[tuple[int, int]]],
                          slot_lines: dict[tuple[int, int], list[_Seg]]) -> None:
    """Make a merged cell that is not a rectangle whole where what it leaves out of its
    bounding box is empty: a rule piece that ends inside a merged cell (a border drawn
    for a neighbouring cell, a rule of the table above that reaches into it) cuts off a
    sliver of the cell, and the cell becomes an L. A table finder, which builds each cell
    from four edges and their corners, reads the bounding box there; so does this, when
    every group inside the box holds no text and lies wholly inside it (a sliver with
    text, or a group reaching out of the box, is a cell of its own). In place."""
    boxes: dict[tuple[int, int], tuple[int, int, int, int]] = {}  # the groups that are not rectangles
    for root, slots in groups.items():
        if len(slots) < 2:
            continue
        r0 = r1 = slots[0][0]
        c0 = c1 = slots[0][1]
        for r, c in slots:
            r0, r1 = (r if r < r0 else r0), (r if r > r1 else r1)
            c0, c1 = (c if c < c0 else c0), (c if c > c1 else c1)
        if len(slots) != (r1 - r0 + 1) * (c1 - c0 + 1):
            boxes[root] = (r0, c0, r1, c1)
    for root, (r0, c0, r1, c1) in boxes.items():
        slots = groups.get(root)
        if slots is None:
            continue  # absorbed by an earlier one
        mine = set(slots)
        others = {k for k, v in groups.items() if k != root and any(r0 <= r <= r1 and c0 <= c <= c1 for r, c in v)}
        if all(all(r0 <= r <= r1 and c0 <= c <= c1 and not slot_lines.get((r, c)) for r, c in groups[k])
               for k in others):
            for k in others:
                mine.update(groups.pop(k))
            groups[root] = sorted(mine)


def _crosses(slot_lines: dict[tuple[int, int], list[_Seg]], r: int, c: int, x: float) -> bool:
    return any(s.x1 > x + 2 for s in slot_lines.get((r, c), []))


def _drop_thin_empty(edges: list[float], centres: list[float], min_size: float) -> list[float]:
    """Remove bands thinner than ``min_size`` holding no text: the gap between the double
    rules where two tables are drawn one under the other is not a row."""
    out = list(edges)
    i = 0
    while i < len(out) - 1 and len(out) > 2:
        lo, hi = out[i], out[i + 1]
        if hi - lo < min_size and not any(lo <= c <= hi for c in centres):
            del out[i + 1 if i + 1 < len(out) - 1 else i]
        else:
            i += 1
    return out


def _dedupe(xs: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _cols_of(s: _Seg, xs: Sequence[float]) -> list[int]:
    """Columns a segment covers: from the one holding its left edge to the one holding its right."""
    eps = min(2.0, (s.x1 - s.x0) / 4)
    n = len(xs) - 1
    c0 = min(max(bisect.bisect_right(xs, s.x0 + eps) - 1, 0), n - 1)
    c1 = min(max(bisect.bisect_right(xs, s.x1 - eps) - 1, 0), n - 1)
    return list(range(c0, max(c0, c1) + 1))


def _cell_text(segs: list[_Seg]) -> str:
    """Text of one cell: its lines top to bottom joined with a newline, pieces of a line by x."""
    if not segs:
        return ""
    lines: list[list[_Seg]] = []
    for s in sorted(segs, key=lambda s: (s.cy, s.x0)):
        if lines:
            last = lines[-1]
            b0 = min(t.y0 for t in last)
            b1 = max(t.y1 for t in last)
            if min(b1, s.y1) - max(b0, s.y0) >= 0.5 * min(b1 - b0, s.y1 - s.y0):
                last.append(s)
                continue
        lines.append([s])
    out = []
    for ln in lines:
        text = ""
        for s in sorted(ln, key=lambda s: s.x0):
            text = _join_text(text, s.text)
        out.append(text)
    return "\n".join(out)


# ---- unruled text ---------------------------------------------------------------------


def _unruled_blocks(rows: list[_Row], h: float, page: int, source: str, header_columns: bool = True) -> list[Block]:
    """Whitespace analysis: runs of rows with ≥2 aligned columns become tables, the rest paragraphs."""
    blocks: list[Block] = []
    runs = [part for whole in _runs(rows, 3.0 * h, h) for part in _split_at_headers(whole, h)]
    for n, (run, seps) in enumerate(runs):
        if n == len(runs) - 1 and len(run) == 1 and _is_header_line(run[0]):
            blocks.append(_header_table(run[0], page, source))  # the header closes the page
            continue
        anchors = [i for i, r in enumerate(run) if len(r.segs) >= 2]
        table = None
        if len(anchors) >= 2:
            lo, hi = anchors[0], anchors[-1] if seps is None else len(run) - 1  # cut above a header: all of it
            while lo > 0 and _wraps_first_cell(run[lo - 1], run[lo : hi + 1], h):
                lo -= 1  # the first row's cell wrapped onto lines above (a row cut by the page break)
            while hi + 1 < len(run) and _wraps_last_cell(run[lo : hi + 1], run[hi + 1], h):
                hi += 1  # a wrapped last cell
            table = _whitespace_table(run[lo : hi + 1], h, page, source, seps, header_columns)
        if table is None:
            blocks += _paragraphs(run, h, page)
            continue
        blocks += _paragraphs(run[:lo], h, page)
        blocks.append(table)
        blocks += _paragraphs(run[hi + 1 :], h, page)
    return blocks


def _wraps_last_cell(table: list[_Row], line: _Row, h: float) -> bool:
    """Whether a one-piece line right under a whitespace table continues its last row's cell.

    A wrapped line sits a line pitch under the one before (a gap well under a line height)
    and starts inside the table, right of its first column: a paragraph after a table
    starts at the margin, where the table's first column does."""
    if len(line.segs) != 1:
        return False
    gap = line.y0 - table[-1].y1
    left = min(s.x0 for r in table for s in r.segs)
    return gap < 0.25 * h or (gap < 0.6 * h and line.segs[0].x0 > left + 2 * h)


def _wraps_first_cell(line: _Row, table: list[_Row], h: float) -> bool:
    """Whether a one-piece line right above a whitespace table holds the first lines of a
    cell of its first row: a row cut by a page break goes on with a wrapped cell whose
    upper lines stand alone, a line pitch above the rest of that cell.

    The line sits a line pitch over the table (a gap well under a line height), over a
    piece of the table's first line (the lower lines of the same cell), and inside the
    column that piece belongs to (the extent of the table's pieces under it): a caption or
    a paragraph above a table runs wider than one of its columns."""
    if len(line.segs) != 1 or table[0].y0 - line.y1 >= 0.25 * h:
        return False
    seg = line.segs[0]
    for piece in table[0].segs:
        if min(seg.x1, piece.x1) - max(seg.x0, piece.x0) <= 0.5 * min(seg.x1 - seg.x0, piece.x1 - piece.x0):
            continue
        column = [s for r in table for s in r.segs if s.x0 < piece.x1 and piece.x0 < s.x1]
        if seg.x0 >= min(s.x0 for s in column) - 0.5 * h and seg.x1 <= max(s.x1 for s in column) + 0.5 * h:
            return True
    return False


def _indicator_like(run: list[_Row]) -> bool:
    """Lines of an indicator table: an indicator header among them, or (a table continued
    from the previous page) two or more pieces naming framework levels (产出指标, 数量指标)."""
    if any(_is_header_line(r) for r in run):
        return True
    named = sum(1 for r in run for s in r.segs
                if framework.canonical_level1(s.text) is not None or framework.canonical_level2(s.text) is not None)
    return named >= 2


def _is_header_line(row: _Row) -> bool:
    """A visual line that names three or more indicator-table columns (一级指标 | 二级指标 |
    三级指标 | 指标值): the first line of an indicator table, never a line of the block above."""
    roles = {vocab.header_role(s.text) for s in row.segs}
    roles -= {None, "ignore"}
    return len(row.segs) >= 3 and len(roles) >= 3


def _split_at_headers(run: list[_Row], h: float) -> list[tuple[list[_Row], list[float] | None]]:
    """A run of lines cut before each indicator header line, where the whitespace columns
    of the whole run would glue two of that header's labels into one column.

    Without rules, the header of an indicator table may sit as close to the block above it
    (a 年度总体目标 paragraph, the form's own key/value rows) as to its data rows; whitespace
    columns found over both then put two header labels into one column (三级指标指标值). An
    indicator header opens a table of its own then: its columns are its labels. A run whose
    columns keep every header label apart stays whole (its upper rows need the lower ones
    to show their columns), and the part above the first header keeps the whole run's
    columns. Returns (lines, column separators to use or None to find them).

    The first indicator header under lines that are no indicator table (the form's
    key/value block, its goals) always opens a table of its own: the two blocks have
    different columns and different row spacing, and analysed together the wrapped goal
    lines make two data rows look like one."""
    glued = _glues_a_header(run, h)
    out: list[list[_Row]] = [[]]
    for r in run:
        if out[-1] and _is_header_line(r) and (glued or not any(_is_header_line(x) for p in out for x in p)):
            # the upper lines of a header drawn over two or three lines (指标值 over 类型) go with it
            # where the run's columns glue the header's labels; else a header under an upper
            # line of its own stays in the run, whose columns keep its labels apart
            k = len(out[-1])
            if glued:
                while k > 0 and _names_a_column(out[-1][k - 1]) and r.y0 - out[-1][k - 1].y1 < h:
                    k -= 1
            elif _names_a_column(out[-1][-1]):
                k = 0
            if k > 0:
                out[-1], upper = out[-1][:k], out[-1][k:]
                out.append(upper)
        out[-1].append(r)
    if len(out) == 1:
        return [(run, None)]
    whole = _column_separators(run, 0.4 * h)
    return [(part, whole if i == 0 and not _is_header_line(part[0]) else None) for i, part in enumerate(out) if part]


def _names_a_column(row: _Row) -> bool:
    """A line of header pieces: short labels, one naming an indicator column — the upper line
    of a header drawn over two or three lines (指标值 over 确定依据), which stays with the
    header. A caption naming the table (年度绩效指标) or a key/value row whose label happens
    to name a column (年度目标 | its long text) is no header line."""
    if any(len(vocab.key(s.text)) > 8 for s in row.segs):
        return False
    return any(vocab.header_role(s.text) not in (None, "ignore", "lead") for s in row.segs)


def _glues_a_header(run: list[_Row], h: float) -> bool:
    """Whether the whitespace columns of ``run`` put two labels of one of its indicator
    header lines (after its first line) into one column."""
    heads = [r for r in run[1:] if _is_header_line(r)]
    if not heads:
        return False
    seps = _column_separators(run, 0.4 * h)
    xs = [-1e9] + seps + [1e9]
    for r in heads:
        cols = [c for s in r.segs for c in _cols_of(s, xs)]
        if len(cols) != len(set(cols)):
            return True
    return False


def _header_table(row: _Row, page: int, source: str) -> Table:
    """A one-row table of an indicator header standing alone (the last line of a page whose
    table continues on the next one): one column per label, so the continuation can be
    stitched under it (``stitch.stitch_tables``)."""
    segs = sorted(row.segs, key=lambda s: s.x0)
    cells = [Cell(text=s.text, row=0, col=i, bbox=(s.x0, s.y0, s.x1, s.y1), page=page, score=s.score)
             for i, s in enumerate(segs)]
    bbox = (segs[0].x0, row.y0, segs[-1].x1, row.y1)
    return Table(rows=[cells], exact_grid=True, pages=[page], bbox=bbox, source=source)


def _runs(rows: list[_Row], max_gap: float, h: float) -> list[list[_Row]]:
    """Split lines into runs at wide vertical gaps: absolute ones, then unusually wide ones.

    The second rule separates two tables (or a table and a caption) that sit closer than
    ``max_gap`` but further apart than the rows inside them.
    """
    out: list[list[_Row]] = []
    for r in rows:
        if out and r.y0 - out[-1][-1].y1 <= max_gap:
            out[-1].append(r)
        else:
            out.append([r])
    split: list[list[_Row]] = []
    for run in out:
        gaps = [b.y0 - a.y1 for a, b in zip(run, run[1:])]
        if len(gaps) < 3:
            split.append(run)
            continue
        # in an indicator table, the upper quartile rather than the median: its level labels
        # are centred on the rows they span, each sitting between two of them and splitting
        # one row gap into two small ones
        indicator = _indicator_like(run)
        # a table continued from the previous page (no header among its lines) whose cells
        # wrap around one-line cells centred between their lines: most lines overlap the
        # next by more than a third of a line; those overlaps are inside rows and say
        # nothing of the spacing between rows. (Not where a header opens the table: a form's
        # key/value block above it must keep its own gap.)
        spaced = [g for g in gaps if g >= -h / 3]
        if indicator and 2 * len(spaced) <= len(gaps) and len(spaced) >= 2 and not any(_is_header_line(r) for r in run):
            gaps_for = spaced
        else:
            gaps_for = gaps
        typical = statistics.quantiles(gaps_for, n=4)[2] if indicator else statistics.median(gaps_for)
        limit = typical + 0.5 * h
        split.append([run[0]])
        for g, r in zip(gaps, run[1:]):
            if g > limit:
                split.append([r])
            else:
                split[-1].append(r)
    return split


def _column_separators(rows: list[_Row], min_gap: float) -> list[float]:
    """x positions of column boundaries: whitespace that (nearly) no row's text crosses.

    A gap may be crossed by a few rows — those hold merged (spanning) cells — but must have
    text on both sides in at least two rows, so a ragged paragraph does not make columns.
    """
    anchors = [r for r in rows if len(r.segs) >= 2]
    if len(anchors) < 2:
        return []
    tol = len(anchors) // 4
    lo = min(s.x0 for r in anchors for s in r.segs)
    hi = max(s.x1 for r in anchors for s in r.segs)
    gaps = [(g0, g1) for g0, g1 in _low_coverage_runs(anchors, tol, min_gap) if lo < g0 and g1 < hi]
    seps = []
    for g0, g1 in gaps:
        both = sum(1 for r in anchors if any(s.x1 <= g0 + 0.5 for s in r.segs) and any(s.x0 >= g1 - 0.5 for s in r.segs))
        if both >= 2 or _clear_between_columns(anchors, g0, g1):
            seps.append((g0 + g1) / 2)
    return seps


def _clear_between_columns(rows: list[_Row], g0: float, g1: float) -> bool:
    """A gap no line crosses, with text on its left in two lines and on its right in two
    others: the boundary beside a column that holds only merged labels, each centred on its
    rows on a line of its own (数量指标 beside the indicator names it spans)."""
    if any(s.x0 < g1 - 0.5 and s.x1 > g0 + 0.5 for r in rows for s in r.segs):
        return False
    left = sum(1 for r in rows if any(s.x1 <= g0 + 0.5 for s in r.segs))
    right = sum(1 for r in rows if any(s.x0 >= g1 - 0.5 for s in r.segs))
    return left >= 2 and right >= 2


def _low_coverage_runs(rows: list[_Row], tol: int, min_gap: float) -> list[tuple[float, float]]:
    """x intervals crossed by at most ``tol`` rows, each narrowed to its least-crossed part.

    Narrowing matters: next to a column gap, a header wider than the data under it is
    crossed by one row only, and the gap's middle must not fall inside that header.
    """
    events: list[tuple[float, int]] = []
    for r in rows:
        for s in r.segs:
            events += [(s.x0, 1), (s.x1, -1)]
    events.sort()
    # piecewise-constant depth: (x_start, x_end, depth)
    pieces: list[tuple[float, float, int]] = []
    depth = 0
    for (x, d), nxt in zip(events, events[1:] + [(events[-1][0], 0)]):
        depth += d
        if nxt[0] > x:
            pieces.append((x, nxt[0], depth))
    runs: list[list[tuple[float, float, int]]] = []
    for p in pieces:
        if p[2] <= tol:
            if runs and runs[-1][-1][1] == p[0]:
                runs[-1].append(p)
            else:
                runs.append([p])
    out: list[tuple[float, float]] = []
    for run in runs:
        best = min(p[2] for p in run)
        sub: list[tuple[float, float]] = []
        for a, b, d in run:
            if d == best:
                if sub and sub[-1][1] == a:
                    sub[-1] = (sub[-1][0], b)
                else:
                    sub.append((a, b))
        wide = [g for g in sub if g[1] - g[0] >= min_gap]
        if not wide and run[-1][1] - run[0][0] >= min_gap:
            wide = [max(sub, key=lambda g: g[1] - g[0])]
        out += wide
    return out


def _whitespace_table(rows: list[_Row], h: float, page: int, source: str,
                      seps: list[float] | None = None, header_columns: bool = True) -> Table | None:
    """A grid from unruled rows: columns from whitespace (or ``seps`` where given), wrapped
    lines joined by line spacing."""
    seps = _column_separators(rows, 0.4 * h) if seps is None else seps
    if header_columns and _is_header_line(rows[0]):
        seps = _header_separators(rows, seps)
    if not seps:
        return None
    seps = _clear_of_edges(seps, rows, h)
    xs = [-1e9] + seps + [1e9]
    n_cols = len(xs) - 1
    logical = _join_header_lines(_band_rows(rows, h, xs) or _logical_rows(rows, h, n_cols, xs), h)
    own = [] if _indicator_like(rows) else _row_separators(logical, xs, 0.4 * h)  # an indicator table's header names one grid for all its rows
    if own:
        xs = sorted(xs + own)
        n_cols = len(xs) - 1
    origins: list[Cell] = []
    for ri, lines in enumerate(logical):
        placed: list[tuple[int, int, list[_Seg]]] = []  # (c0, c1, segs), merged when spans overlap
        for ln in lines:
            for s in ln.segs:
                cols = _cols_of(s, xs)
                c0, c1 = cols[0], cols[-1]
                hit = [p for p in placed if p[0] <= c1 and c0 <= p[1]]
                for p in hit:
                    placed.remove(p)
                    c0, c1 = min(c0, p[0]), max(c1, p[1])
                placed.append((c0, c1, [s] + [t for p in hit for t in p[2]]))
        for c0, c1, segs in placed:
            origins.append(Cell(
                text=_cell_text(segs), row=ri, col=c0, colspan=c1 - c0 + 1,
                bbox=(min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs), max(s.y1 for s in segs)),
                page=page, score=min(s.score for s in segs),
            ))
    tops = [min(ln.y0 for ln in lines) for lines in logical]
    bottoms = [max(ln.y1 for ln in lines) for lines in logical]
    centred_spans(origins, len(logical), n_cols, tops, bottoms)  # merged labels drawn without rules
    grid = grid_from_origins(origins, len(logical), n_cols)
    if n_cols < 2 or len(grid) < 2:
        return None
    x0 = min(s.x0 for r in rows for s in r.segs)
    x1 = max(s.x1 for r in rows for s in r.segs)
    return Table(rows=grid, exact_grid=True, pages=[page], bbox=(x0, rows[0].y0, x1, rows[-1].y1), source=source)


def _clear_of_edges(seps: list[float], rows: list[_Row], h: float) -> list[float]:
    """Separators moved off the edge of a piece that overruns them by less than half a line
    height, into the nearest whitespace no piece covers (within a line height). Columns are
    found from the lines with two or more pieces; the first line of a long wrapped name,
    alone on its line, can run a few points past the middle of the gap they leave and
    would span two columns, gluing the value beside it into the name."""
    segs = [s for r in rows for s in r.segs]
    out = []
    for x in seps:
        cross = [s for s in segs if s.x0 < x < s.x1]
        if cross and all(min(x - s.x0, s.x1 - x) < 0.5 * h for s in cross):
            steps = [x + h * i / 20 for i in range(-20, 21)]
            free = [p for p in steps if not any(s.x0 - 0.5 < p < s.x1 + 0.5 for s in segs)]
            if free:
                near = min(free, key=lambda p: abs(p - x))
                run = [p for p in free if abs(p - near) <= h]  # the free stretch around it
                run = [p for p in run if not any(min(p, near) < s.x0 < max(p, near) for s in segs)]
                x = (min(run) + max(run)) / 2
        out.append(x)
    return out


def _row_separators(logical: list[list[_Row]], xs: Sequence[float], min_gap: float) -> list[float]:
    """Column boundaries a row draws for itself: where one table row puts two cells side by
    side inside one of the table's columns. A form's key/value block lays each row out on its
    own (项目资金 | 年度资金总额 | 386.50 | 其中：财政拨款 | 350.00 | 其他资金 | 36.50 over a
    block whose other rows hold a label and one wide value), so the columns whitespace finds
    over all the rows cut through it and glue its cells. The row's cells are its pieces
    joined where they overlap horizontally (the lines of a wrapped cell); a boundary goes in
    the middle of the gap between two neighbours sharing a column, where no other cell of
    the row crosses it."""
    out: list[float] = []
    for lines in logical:
        cells: list[list[float]] = []
        for s in sorted((s for ln in lines for s in ln.segs), key=lambda s: s.x0):
            if cells and s.x0 < cells[-1][1]:
                cells[-1][1] = max(cells[-1][1], s.x1)
            else:
                cells.append([s.x0, s.x1])
        for a, b in zip(cells, cells[1:]):
            if b[0] - a[1] < min_gap:
                continue
            ca = {i for i in range(len(xs) - 1) if xs[i] < a[1] and a[0] < xs[i + 1]}
            cb = {i for i in range(len(xs) - 1) if xs[i] < b[1] and b[0] < xs[i + 1]}
            if ca & cb:
                x = (a[1] + b[0]) / 2
                if not any(abs(x - o) < min_gap for o in list(xs) + out):
                    out.append(x)
    return out


def _header_separators(rows: list[_Row], seps: list[float]) -> list[float]:
    """``seps`` completed by the indicator header opening ``rows``: a boundary between every
    two of its labels. Whitespace alone misses one where a column's only text is a merged
    label centred on its rows (数量指标 beside four indicator names): one line holds text on
    its left, too few to make a column. The boundary goes where the fewest body lines cross,
    and only where at most a quarter of them do (a label wider than its column is no
    column)."""
    labels = sorted(rows[0].segs, key=lambda s: s.x0)
    body = [s for r in rows[1:] for s in r.segs]
    out = list(seps)
    for a, b in zip(labels, labels[1:]):
        if any(a.x1 <= x <= b.x0 for x in out) or b.x0 - a.x1 < 1.0:
            continue
        xs = [a.x1 + (b.x0 - a.x1) * i / 20 for i in range(1, 20)]
        cost = [sum(1 for s in body if s.x0 < x < s.x1) for x in xs]
        best = min(cost)
        if best * 4 > len(rows) - 1:
            continue
        at = [x for x, c in zip(xs, cost) if c == best]
        out.append((at[0] + at[-1]) / 2)
    # a lead column left of the first label (年度绩效指标 centred on all the rows): its own
    lead = [s.x1 for s in body if s.x1 <= labels[0].x0 - 1.0]
    if lead and not any(max(lead) <= x <= labels[0].x0 for x in out):
        out.append((max(lead) + labels[0].x0) / 2)
    return sorted(out)


def _logical_rows(rows: list[_Row], h: float, n_cols: int, xs: Sequence[float] = ()) -> list[list[_Row]]:
    """Group visual lines into table rows when line spacing is clearly bimodal.

    Lines wrapped inside a cell sit closer together than table rows (which add cell
    padding); when the gaps split into two clusters at least 0.3 line heights apart, the
    tight gaps are wraps. Uniform spacing means one line per row. Two *full* lines (text in
    at least half the columns) are never merged: a vertically centred merged cell between
    them must not glue two data rows together.
    """
    full = max(2, (n_cols + 1) // 2)
    if len(rows) < 3:
        return _join_interleaved([[r] for r in rows], h)
    gaps = [rows[i + 1].y0 - rows[i].y1 for i in range(len(rows) - 1)]
    srt = sorted(gaps)
    jumps = [(srt[i + 1] - srt[i], i) for i in range(len(srt) - 1)]
    big, at = max(jumps) if jumps else (0.0, 0)
    if big < 0.3 * h:
        return _join_interleaved([[r] for r in rows], h)
    threshold = (srt[at] + srt[at + 1]) / 2
    out = [[rows[0]]]
    for g, r in zip(gaps, rows[1:]):
        has_full = any(len(x.segs) >= full for x in out[-1])
        if g < threshold and not (has_full and len(r.segs) >= full) and not _starts_a_row(out[-1], r, xs):
            out[-1].append(r)
        else:
            out.append([r])
    return _join_interleaved(out, h)


def _join_header_lines(groups: list[list[_Row]], h: float) -> list[list[_Row]]:
    """Header lines joined into one row where a label wraps onto two lines (指标值 / 类型,
    计量单 / 位) and the one-line labels sit centred between them, overlapping both: the
    header line and a line naming a column, or a line whose pieces all sit under the
    header's labels (the rest of them), that overlap by more than a third of a line."""
    def one(g: list[_Row]) -> _Row:
        return _Row([s for r in g for s in r.segs])

    out: list[list[_Row]] = []
    for g in groups:
        if out:
            up, down = one(out[-1]), one(g)
            under = all(any(min(a.x1, b.x1) > max(a.x0, b.x0) for a in up.segs) for b in down.segs)
            if down.y0 < up.y1 - h / 3 and ((_is_header_line(up) and (_names_a_column(down) or under))
                                            or (_is_header_line(down) and _names_a_column(up))):
                out[-1] += g
                continue
        out.append(g)
    return out


def _join_interleaved(groups: list[list[_Row]], h: float, full: int = 2) -> list[list[_Row]]:
    """Rows joined where two lines of ``full`` pieces or more overlap by more than a third
    of a line height: two rows of a table stack, they never overlap; lines
    that do are one row whose wrapped cells (the labels on two lines) hold one-line cells
    centred between their lines (``vertical-align: middle``), each line grouped with
    whichever wrapped line it overlaps more. Any two pieces count (a wide table's row may
    wrap only three of its ten cells); the wrapped-cell test below keeps rows apart."""
    def overlaps(up: _Row, down: _Row) -> bool:
        return len(up.segs) >= full and len(down.segs) >= full and down.y0 < up.y1 - h / 3

    out: list[list[_Row]] = []
    for i, g in enumerate(groups):
        nxt = groups[i + 1][0] if i + 1 < len(groups) else None
        if out and overlaps(out[-1][-1], g[0]) and (
                any(_wrapped_under(u, g[0]) for u in out[-1])
                # the one-line cells centred between the two lines of the wrapped labels
                or (nxt is not None and overlaps(g[-1], nxt) and any(_wrapped_under(u, nxt) for u in out[-1]))):
            out[-1] += g
        else:
            out.append(g)
    return out


def _wrapped_under(up: _Row, down: _Row) -> bool:
    """Whether ``down`` continues the cells of ``up``: two or more of its pieces sit under
    pieces of ``up``, none wider than the one above and one at least clearly narrower (the
    rest of a wrapped label, the first line having filled the column). Two rows of one
    table put a name under a name of any width; a level label centred between them sits
    under none."""
    pairs = [(a.x1 - a.x0, b.x1 - b.x0) for b in down.segs for a in up.segs if min(a.x1, b.x1) - max(a.x0, b.x0) > 0]
    return (len(pairs) >= 2 and all(w_down <= w_up + 1.0 for w_up, w_down in pairs)
            and any(w_down < 0.9 * w_up for w_up, w_down in pairs))


def _band_rows(rows: list[_Row], h: float, xs: Sequence[float]) -> list[list[_Row]] | None:
    """Table rows as horizontal bands of the columns that hold most of the text, where the
    visual lines interleave: wrapped cells beside vertically centred one-line cells (a
    browser's ``vertical-align: middle``, reportlab's ``VALIGN MIDDLE``) put each one-line
    cell between two wrapped lines, so grouping whole visual lines by their gaps cuts rows
    in the middle.

    The lines of one cell follow each other closely; the next row's cell in the same column
    starts after the cell padding of both rows. The gaps inside the dense columns (those
    holding at least three quarters as many pieces as the fullest one: the names, not the
    merged level labels) are split at their first clear jump above the tight ones; the dense
    columns' lines joined across the small gaps give one band per row. The other columns'
    pieces are joined into cells the same way and each cell goes to the band holding its
    middle, or the nearest one (a merged label centred between two rows); a cell far from
    every band (a line under the table) gets a band of its own. None where the lines do not
    interleave or the gaps are not clearly two kinds."""
    if len(rows) < 3 or len(xs) < 3 or not any(b.y0 < a.y1 - 0.3 * h for a, b in zip(rows, rows[1:])):
        return None
    per_col: list[list[_Seg]] = [[] for _ in range(len(xs) - 1)]
    for r in rows:
        for s in r.segs:
            per_col[_cols_of(s, xs)[0]].append(s)
    single = [[s for s in col if len(_cols_of(s, xs)) == 1] for col in per_col]
    most = max(len(c) for c in single)
    dense = {i for i, c in enumerate(single) if len(c) >= 0.75 * most and len(c) >= 2}
    gaps = sorted(g for i in dense for a, b in zip(sorted(single[i], key=lambda s: s.y0), sorted(single[i], key=lambda s: s.y0)[1:])
                  if (g := b.y0 - a.y1) >= -0.1 * h)  # pieces side by side in one column say nothing of rows
    # the first clear jump above the tight gaps: row gaps vary (a one-line cell beside a
    # wrapped one leaves a wide gap), the lines of one cell touch or nearly do
    at = next((i for i in range(len(gaps) - 1) if gaps[i + 1] - gaps[i] >= 0.3 * h), None)
    if at is None or gaps[at] > 0.15 * h:
        return None
    threshold = (gaps[at] + gaps[at + 1]) / 2
    bands = _bands([(s.y0, s.y1) for i in dense for s in single[i]], threshold)
    if len(bands) < 2 or _joins_full_lines(rows, bands, xs):
        return None
    cells = [c for i, col in enumerate(single) if i not in dense for c in _stacks(col, threshold)]
    cells += [[s] for i in range(len(per_col)) for s in per_col[i] if s not in single[i]]
    cells += [[s] for i in dense for s in single[i]]
    placed: list[tuple[float, list[_Seg]]] = []
    for segs in cells:
        cy = (min(s.y0 for s in segs) + max(s.y1 for s in segs)) / 2
        placed.append((cy, segs))
    out: dict[int, list[_Seg]] = {}
    extra: list[tuple[float, list[_Seg]]] = []
    for cy, segs in placed:
        dist, k = min((max(b[0] - cy, cy - b[1], 0.0), k) for k, b in enumerate(bands))
        if dist > threshold:
            extra.append((cy, segs))
        else:
            out.setdefault(k, []).extend(segs)
    groups = [(bands[k][0], segs) for k, segs in out.items()] + [(cy, segs) for cy, segs in _bands_of(extra, threshold)]
    return [[_Row(segs=sorted(segs, key=lambda s: (s.y0, s.x0)))] for _, segs in sorted(groups, key=lambda g: g[0])]


def _joins_full_lines(rows: list[_Row], bands: list[list[float]], xs: Sequence[float]) -> bool:
    """Whether a band holds two full lines (text in half the columns or more) that are two
    rows, not the wrapped lines of one: a cell wraps because its first line filled the
    column, so the upper line of a wrapped row is the wider one in most columns; a row of
    labels over a row of amounts (资金总额 | 财政拨款 over 2,350.00 | 2,350.00) is not."""
    full = max(2, len(xs) // 2)
    by_band: dict[int, list[_Row]] = {}
    for r in rows:
        if len(r.segs) < full:
            continue
        k = next((k for k, b in enumerate(bands) if b[0] <= r.cy <= b[1]), None)
        if k is not None:
            by_band.setdefault(k, []).append(r)
    for lines in by_band.values():
        for up, down in zip(lines, lines[1:]):
            width = {_cols_of(s, xs)[0]: s.x1 - s.x0 for s in up.segs}
            shared = [(width[c], s.x1 - s.x0) for s in down.segs if (c := _cols_of(s, xs)[0]) in width]
            if len(shared) >= 2 and 2 * sum(1 for w_up, w_down in shared if w_up > 1.1 * w_down) <= len(shared):
                return True
    return False


def _bands(intervals: list[tuple[float, float]], gap: float) -> list[list[float]]:
    """y intervals joined where they overlap or lie closer than ``gap``."""
    bands: list[list[float]] = []
    for y0, y1 in sorted(intervals):
        if bands and y0 - bands[-1][1] < gap:
            bands[-1][1] = max(bands[-1][1], y1)
        else:
            bands.append([y0, y1])
    return bands


def _stacks(segs: list[_Seg], gap: float) -> list[list[_Seg]]:
    """The pieces of one column joined into cells: each next line closer than ``gap``."""
    out: list[list[_Seg]] = []
    for s in sorted(segs, key=lambda s: s.y0):
        if out and s.y0 - max(t.y1 for t in out[-1]) < gap:
            out[-1].append(s)
        else:
            out.append([s])
    return out


def _bands_of(cells: list[tuple[float, list[_Seg]]], gap: float) -> list[tuple[float, list[_Seg]]]:
    """Cells outside the table's bands grouped into lines of their own (by vertical overlap)."""
    out: list[tuple[float, float, list[_Seg]]] = []
    for _, segs in sorted(cells, key=lambda c: c[0]):
        y0, y1 = min(s.y0 for s in segs), max(s.y1 for s in segs)
        if out and y0 - out[-1][1] < min(gap, 0.0) + 0.5 * (y1 - y0):
            out[-1] = (out[-1][0], max(out[-1][1], y1), out[-1][2] + segs)
        else:
            out.append((y0, y1, list(segs)))
    return [(y0, segs) for y0, _, segs in out]


def _starts_a_row(group: list[_Row], line: _Row, xs: Sequence[float]) -> bool:
    """Whether ``line`` opens a new row rather than continuing the cells of ``group``: it
    holds text in two or more columns where the group's lines already do (a name and its
    value again). A wrapped line continues one cell, rarely two, and never starts the
    value column anew next to a continued name."""
    if not xs:
        return False
    def cols(r: _Row) -> set[int]:
        return {c for s in r.segs for c in _cols_of(s, xs)[:1]}
    mine = cols(line)
    if len(mine) < 2:
        return False
    return any(len(mine & cols(x)) >= 2 for x in group)


def _paragraphs(rows: list[_Row], h: float, page: int) -> list[Paragraph]:
    """Consecutive lines with normal line spacing and a shared left edge form one paragraph."""
    out: list[Paragraph] = []
    cur: list[_Row] = []
    for r in rows:
        if cur and (r.y0 - cur[-1].y1 > 0.6 * h or abs(min(s.x0 for s in r.segs) - min(s.x0 for s in cur[0].segs)) > 2 * h):
            out.append(_paragraph(cur, page))
            cur = []
        cur.append(r)
    if cur:
        out.append(_paragraph(cur, page))
    return out


def _paragraph(rows: list[_Row], page: int) -> Paragraph:
    segs = [s for r in rows for s in r.segs]
    bbox = (min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs), max(s.y1 for s in segs))
    return Paragraph(text="\n".join(r.text() for r in rows), page=page, bbox=bbox)
