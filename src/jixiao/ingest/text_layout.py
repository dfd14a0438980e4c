"""Layout-preserved text (``pdftotext -layout``, text viewers, fixed-width copies) back into rows.

Such a copy keeps a table's columns by character position: each cell's text is printed at
the column where the PDF drew it, cells of one row are separated by runs of spaces, and a
cell that wraps continues on the lines above and below. Merged cells (the 一级指标 /
二级指标 labels spanning several rows) are drawn **vertically centred** in their span, so
the label sits in the middle row (or on a line of its own between two rows), not on the
first row of the group; a cell shorter than its row's tallest cell is centred too, so a
row's fragments can lie on the lines above and below its main line.

This module undoes that linearization before the text readers see it (``ingest.text``):

1. every line is cut into fragments at runs of two or more spaces, positions measured in
   display columns (CJK characters are two columns wide, ``unicodedata.east_asian_width``);
2. an indicator header line (one that ``vocab.names_indicator_header``) fixes the columns:
   each fragment below it goes to the header column it overlaps most; fragments left of
   the first header column form a leading label column (年度绩效指标);
3. lines with text in the row-defining column (三级指标, else the first value column) are
   rows; fragments of value columns on other lines are wrapped pieces of the nearest row;
4. label columns (level1 / level2 and the leading column) are placed as centred spans: a
   label centred on line ``L`` over a span starting at row top ``A`` ends where the row
   bottom is nearest to ``2L - A``; wrapped label pieces whose join is a framework name are
   joined first; every row of the span then repeats the label;
5. outside indicator tables, a line with several fragments becomes a tab-separated row; a
   cell wrapped around its row (lone lines at the same distance above and below, in its
   column) is joined into it; a label printed left of its rows (项目资金（万元）, 资金情况,
   财政拨款), centred on them or wrapped around them (``项目资金（万`` / ``元）``), becomes the
   first cell of every row it spans; a label wrapped around its value is joined with it.

Which position metric the producer used (display columns or characters, as pdftotext) is
decided per table by how well the body lines up under the header. A header whose roles
repeat heads tables printed side by side; each is read from its own columns. In a tight
copy, two cells one space apart under different columns are cut apart.

The result is tab-separated text with **the same line numbers** as the input (each row is
written on the line of its first fragment, the lines it consumed are left empty), so
evidence lines still point into the user's file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from jixiao.domain import framework, vocab

MIN_GAP = 2  # spaces that separate two cells (a single space stays inside a cell)
LAYOUT_SHARE = 0.2  # share of non-blank lines that must be indented and gapped to call a text layout-preserved
LABEL_ROLES = ("level1", "level2", "lead", "key_task")


@dataclass
class Frag:
    """A piece of one line: display columns ``[x0, x1)`` and its text."""

    line: int
    x0: int
    x1: int
    text: str
    wide: bool = True  # positions in display columns (else in characters)

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2


def char_width(ch: str) -> int:
    """Display width of one character: 2 for wide / full-width (CJK), else 1."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def fragments(line: str, no: int = 0, *, wide: bool = True) -> list[Frag]:
    """Cut a line at runs of ``MIN_GAP`` or more spaces (a full-width space counts as two).

    ``wide``: positions in display columns (a text viewer's monospace grid, CJK two wide);
    otherwise in characters (``pdftotext -layout`` places every character in one column)."""
    out: list[Frag] = []
    x = 0
    start: int | None = None
    buf: list[str] = []
    spaces = 0
    for ch in line.replace("\f", "").expandtabs(8):
        w = char_width(ch) if wide else 1
        if ch in (" ", "\u3000", "\u00a0"):
            spaces += w
            if start is not None:
                buf.append(ch)
        else:
            if start is not None and spaces >= MIN_GAP:
                out.append(Frag(no, start, x - spaces, "".join(buf).strip(), wide))
                start, buf = None, []
            if start is None:
                start, buf = x, []
            buf.append(ch)
            spaces = 0
        x += w
    if start is not None:
        out.append(Frag(no, start, x - spaces, "".join(buf).strip()))
    return [Frag(f.line, f.x0, f.x1, f.text, wide) for f in out if f.text]


def looks_layout(text: str) -> bool:
    """A layout-preserved copy: many lines indented *and* many with wide inner gaps of varying width.

    Rows joined by a fixed separator (``a   b   c``, the text-space style) start at column 0
    and have equal gaps; a viewer's copy indents centred cells and pads to the column."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 5 or "\t" in text:
        return False
    indented = sum(1 for ln in lines if re.match(r"^ {2,}\S", ln))
    gaps = [len(g) for ln in lines for g in re.findall(r"(?<=\S) {2,}(?=\S)", ln)]
    gapped = sum(1 for ln in lines if re.search(r"\S {2,}\S", ln))
    return indented >= LAYOUT_SHARE * len(lines) and gapped >= LAYOUT_SHARE * len(lines) and len(set(gaps)) >= 3


def delayout(text: str, *, force: bool = False) -> str:
    """Tab-separated rows from a layout-preserved text (module doc); other text comes back unchanged
    (``force``: read it as layout-preserved whatever ``looks_layout`` says)."""
    if not force and not looks_layout(text):
        return text
    lines = text.split("\n")
    frags = [fragments(ln, i) for i, ln in enumerate(lines)]
    narrow = [fragments(ln, i, wide=False) for i, ln in enumerate(lines)]
    out = [ln.strip() for ln in lines]
    for i in range(len(lines)):
        if _is_header(frags[i]):
            for gone in _gather_header(frags, narrow, i):
                out[gone] = ""
    i = 0
    while i < len(lines):
        if _is_header(frags[i]):
            end = _table_end(frags, i)
            metrics = [_side_by_side(frags, i, end), _side_by_side(narrow, i, end)]
            _write(min(metrics, key=lambda ts: sum(t.misalignment() for t in ts)), out)
            i = end
        else:
            i += 1
    _names_around_amounts(frags, narrow, out)
    _wrapped_cells(frags, narrow, out)
    _side_sections(frags, out, narrow)
    _side_sections(frags, out, frags)
    for i, fs in enumerate(frags):
        if out[i] and out[i] == lines[i].strip() and len(fs) >= 2:
            out[i] = "\t".join(f.text for f in fs)
    return "\n".join(out)


def _side_by_side(frags: list[list[Frag]], head: int, end: int) -> list[_Table]:
    """The tables of one header line: a header whose roles repeat (一级指标 … 指标值 | 一级指标 … 指标值)
    heads tables printed side by side, each read from the fragments under its own columns."""
    header = frags[head]
    starts = [0]
    seen: set[str | None] = set()
    for k, f in enumerate(header):
        role = vocab.header_role(f.text)
        if role in seen and role is not None:
            starts.append(k)
            seen = set()
        seen.add(role)
    if len(starts) == 1:
        return [_Table(frags, head, end)]
    cuts = [header[k].x0 - (header[k].x0 - header[k - 1].x1) / 2 for k in starts[1:]]
    bounds = list(zip([-1.0] + cuts, cuts + [1e9]))
    tables = []
    for lo, hi in bounds:
        part = [[f for f in fs if lo <= f.mid < hi] for fs in frags]
        tables.append(_Table(part, head, end))
    return tables


def _is_header(fs: list[Frag]) -> bool:
    texts = [f.text for f in fs]
    roles = [vocab.header_role(t) for t in texts]
    return len(fs) >= 3 and sum(r is not None for r in roles) >= 3 and vocab.names_indicator_header(texts)


def _gather_header(frags: list[list[Frag]], narrow: list[list[Frag]], i: int) -> list[int]:
    """A header whose value headings wrap over two lines prints them a line higher than the
    one-line headings beside them, centred on the header's height (半年（程）指标 | 全年（程）指标
    above 一级指标 | 二级指标 | 三级指标, 值 | 值 below). The headings above (no fragment over a
    heading of line ``i``) join line ``i`` in their column order, the wrapped last lines below
    complete them; the lines they came from are emptied. Returns those lines."""
    gone: list[int] = []
    above = i - 1
    if above < 0 or not frags[above] or not all(vocab.header_role(f.text) is not None for f in frags[above]) or \
            any(_overlap(a, b) for a in frags[above] for b in frags[i]):
        return gone
    for fs in (frags, narrow):
        fs[i] = sorted(fs[i] + fs[above], key=lambda f: f.x0)
        fs[above] = []
    gone.append(above)
    below = i + 1
    if below < len(frags) and frags[below] and any(all(_heading_tail(f, fs[i]) for f in fs[below])
                                                   for fs in (frags, narrow)):
        for fs in (frags, narrow):
            for tail in fs[below]:
                fits = [k for k, h in enumerate(fs[i]) if vocab.header_role(h.text + tail.text) == vocab.header_role(h.text)]
                if fits:
                    k = min(fits, key=lambda k: abs(fs[i][k].mid - tail.mid))
                    h = fs[i][k]
                    fs[i][k] = Frag(h.line, h.x0, h.x1, h.text + tail.text, h.wide)
            fs[below] = []
        gone.append(below)
    return gone


def _heading_tail(f: Frag, heads: list[Frag]) -> bool:
    """The fragment is the wrapped last line of a heading above it (值 under 半年（程）指标)."""
    return len(f.text) <= 2 and any(
        _overlap(f, h) and vocab.header_role(h.text + f.text) == vocab.header_role(h.text) for h in heads)


def _table_end(frags: list[list[Frag]], head: int) -> int:
    """The line after the table: a form title, a header field label, another header, or two blank lines."""
    blank = 0
    for j in range(head + 1, len(frags)):
        fs = frags[j]
        if not fs:
            blank += 1
            if blank >= 2:
                return j - 1
            continue
        blank = 0
        first = fs[0].text
        if _is_header(fs) or (len(fs) == 1 and vocab.is_form_title(first)) or vocab.header_field(first):
            return j
    return len(frags)


@dataclass
class _Row:
    core: int  # the line of the row's first core fragment
    top: int
    bottom: int
    cells: dict[int, list[Frag]] = field(default_factory=dict)
    own: set[int] = field(default_factory=set)  # columns filled on the row's own lines

    def add(self, col: int, f: Frag, *, own: bool) -> None:
        self.cells.setdefault(col, []).append(f)
        self.top, self.bottom = min(self.top, f.line), max(self.bottom, f.line)
        if own:
            self.own.add(col)


class _Table:
    """One indicator table of a layout text: columns from its header, rows from its core column."""

    def __init__(self, frags: list[list[Frag]], head: int, end: int) -> None:
        self.head = head
        self.end = end
        header = frags[head]
        self.names = [f.text for f in header]
        self.roles = [vocab.header_role(f.text) for f in header]
        self.bounds = self._bounds(header)
        self.heads: list[Frag | None] = list(header)
        body = [f for j in range(head + 1, end) for f in frags[j]]
        self.lead = any(f.mid < header[0].x0 for f in body)
        if self.lead:
            self.heads.insert(0, None)  # a label column left of the header (年度绩效指标 spanning the whole table)
            self.names.insert(0, "")
            self.roles.insert(0, "lead")
            self.bounds.insert(0, (-1, header[0].x0))
            self.bounds[1] = (header[0].x0, self.bounds[1][1])
        self.labels = [k for k, r in enumerate(self.roles) if r in LABEL_ROLES]
        self.core = self._core_column()
        self.placed = [(p, self._column(p)) for f in body for p in self._split(f)]

    def _split(self, f: Frag) -> list[Frag]:
        """A fragment whose single-spaced parts lie under different columns (a tight copy that left
        one space between two cells: ``12月31日前 工作经验``) cut into those cells."""
        if " " not in f.text:
            return [f]
        parts: list[Frag] = []
        x = f.x0
        for word in f.text.split(" "):
            w = sum(char_width(c) if f.wide else 1 for c in word)
            if word:
                parts.append(Frag(f.line, x, x + w, word, f.wide))
            x += w + 1
        merged: list[Frag] = []
        for p in parts:
            if merged and self._column(merged[-1]) == self._column(p):
                last = merged[-1]
                merged[-1] = Frag(f.line, last.x0, p.x1, last.text + " " + p.text, f.wide)
            else:
                merged.append(p)
        if len(merged) < 2 or any(len(re.findall(r"[\u4e00-\u9fff]", m.text)) < 2 for m in merged):
            return [f]  # ≥ 95%, 双随机 一公开: one cell
        return merged

    @staticmethod
    def _bounds(header: list[Frag]) -> list[tuple[float, float]]:
        mids = [f.mid for f in header]
        cuts = [(a + b) / 2 for a, b in zip(mids, mids[1:])]
        lefts = [-1.0] + cuts
        rights = cuts + [1e9]
        return list(zip(lefts, rights))

    def _core_column(self) -> int:
        for role in ("level3", "target", "half_year"):
            if role in self.roles:
                return self.roles.index(role)
        data = [k for k in range(len(self.roles)) if k not in self.labels]
        return data[0] if data else len(self.roles) - 1

    def _column(self, f: Frag) -> int:
        best, best_overlap = 0, -1.0
        for k, (a, b) in enumerate(self.bounds):
            overlap = min(f.x1, b) - max(f.x0, a)
            if overlap > best_overlap + 1e-9 or (abs(overlap - best_overlap) < 1e-9 and
                                                 abs(f.mid - (a + b) / 2) < abs(f.mid - sum(self.bounds[best]) / 2)):
                best, best_overlap = k, overlap
        return best

    def misalignment(self) -> float:
        """How far body fragments sit from their column's header (left, centre or right aligned):
        the lower of the two position metrics is the one the producer used."""
        cost = 0.0
        for f, k in self.placed:
            h = self.heads[k] if k < len(self.heads) else None
            if h is None:
                continue
            cost += min(abs(f.x0 - h.x0), abs(f.mid - h.mid), abs(f.x1 - h.x1))
        return cost / max(len(self.placed), 1)

    # -- rows ------------------------------------------------------------------------------

    def rows(self) -> list[_Row]:
        rows: list[_Row] = []
        by_line: dict[int, list[tuple[Frag, int]]] = {}
        for f, k in self.placed:
            by_line.setdefault(f.line, []).append((f, k))
        cores = sorted(ln for ln, fs in by_line.items() if any(k == self.core for _, k in fs))
        cores = sorted(set(cores) | self._empty_rows(by_line))
        valued = [ln for ln in cores if any(k not in self.labels and k != self.core for _, k in by_line[ln])]
        wraps_core = len(valued) >= 0.7 * len(cores) and len(cores) >= 3
        row_at: dict[int, _Row] = {}
        for ln in cores:
            data = [(f, k) for f, k in by_line[ln] if k not in self.labels]
            prev = row_at.get(ln - 1)
            has_core = any(k == self.core for _, k in by_line[ln])
            if wraps_core and has_core and ln not in valued and prev is not None and self.core in prev.cells \
                    and not self._complete(prev):
                row = prev  # a wrapped 三级指标 name: its row's values were printed on the line above
            else:
                row = _Row(ln, ln, ln)
                rows.append(row)
            row_at[ln] = row
            for f, k in data:
                row.add(k, f, own=True)
        for ln in sorted(by_line):
            if ln in row_at:
                continue
            for f, k in by_line[ln]:
                if k in self.labels:
                    continue
                row = self._nearest(rows, ln, k)
                if row is not None:
                    row.add(k, f, own=False)
        rows.sort(key=lambda r: r.core)
        self._fix_wrapped_core(rows)
        return rows

    def _empty_rows(self, by_line: dict[int, list[tuple[Frag, int]]]) -> set[int]:
        """Lines of rows with no indicator name (经济效益 | (empty)): the finest label column holds a
        level name on a line next to another line holding one, so it cannot be a centred span."""
        finest = [k for k in self.labels if self.roles[k] != "lead"]
        if not finest:
            return set()
        col = max(finest, key=lambda k: ("level1", "key_task", "level2").index(self.roles[k]))
        pieces = sorted((f for fs in by_line.values() for f, k in fs if k == col), key=lambda f: f.line)
        labels = _join_pieces(pieces)
        lines = {lo for lo, hi, _ in labels for lo in range(lo, hi + 1)}
        single = {lo for lo, hi, text in labels if lo == hi and _is_level_name(text)}
        cores = {ln for ln, fs in by_line.items() if any(k == self.core for _, k in fs)}

        def packed(ln: int) -> bool:  # another label of the column one line away, or two with no row between
            return ln - 1 in lines or ln + 1 in lines or any(
                nb in lines and (ln + nb) // 2 not in cores for nb in (ln - 2, ln + 2))
        return {ln for ln in single if ln not in cores and packed(ln)}

    def _complete(self, row: _Row) -> bool:
        """A row whose next core line is a new row: its name and its value are both printed already."""
        return False if not any(k not in self.labels and k != self.core for k in row.cells) else \
            _ends_name(row.cells[self.core][-1].text)

    def _fix_wrapped_core(self, rows: list[_Row]) -> None:
        """A row with only a core fragment next to a row with values is the tail of that row's name."""
        k = 0
        while k < len(rows):
            r = rows[k]
            if set(r.cells) == {self.core} and len(rows) > 1:
                above = rows[k - 1] if k > 0 and rows[k - 1].bottom >= r.top - 1 else None
                below = rows[k + 1] if k + 1 < len(rows) and rows[k + 1].top <= r.bottom + 1 else None
                above_name = above.cells.get(self.core) if above is not None else None
                target = above if above_name and not _ends_name(above_name[-1].text) else below
                if target is None or len(target.cells) < 2:
                    k += 1
                    continue
                for f in r.cells[self.core]:
                    target.add(self.core, f, own=True)
                target.cells[self.core].sort(key=lambda f: f.line)
                target.core = min(target.core, r.core)
                del rows[k]
                continue
            k += 1

    def _nearest(self, rows: list[_Row], ln: int, col: int) -> _Row | None:
        """The row a wrapped fragment belongs to: an adjacent row whose cell in ``col`` is empty (or
        only wrapped pieces so far), the row above on a tie."""
        near = [r for r in rows if r.top - 2 <= ln <= r.bottom + 2]
        if not near:
            return None
        def cost(r: _Row) -> tuple[int, int, int]:
            dist = 0 if r.top <= ln <= r.bottom else min(abs(ln - r.top), abs(ln - r.bottom))
            taken = 1 if col in r.own else 0
            return (taken, dist, 0 if r.core < ln else 1)
        return min(near, key=cost)

    # -- label spans ---------------------------------------------------------------------

    def label_spans(self, rows: list[_Row], col: int, ends: set[int] | None = None) -> list[tuple[int, int, str]]:
        """``(first row, last row, text)`` of each centred label in ``col`` (module doc, step 4);
        ``ends``: the rows a span may end on (the ends of the finer label column's spans)."""
        labels = _join_pieces(sorted((f for f, k in self.placed if k == col), key=lambda f: f.line))
        spans: list[tuple[int, int, str]] = []
        start, last = 0, len(rows) - 1
        for n, (lo, hi, text) in enumerate(labels):
            centre = (lo + hi) / 2
            at = _row_index(rows, centre)
            start = min(start, max(math.floor(at), 0), last)
            limit = last
            if n + 1 < len(labels):  # the next label's span must still hold its own row
                limit = math.floor(_row_index(rows, (labels[n + 1][0] + labels[n + 1][1]) / 2)) - 1
            low = min(max(math.floor(at), start), last)
            limit = max(limit, low)
            # centred: the span's bottom mirrors its top about the label (printed on the upper line of a half-line centre)
            want = 2 * centre + 0.5 - rows[start].top
            allowed = [r for r in range(low, limit + 1) if not ends or r in ends] or list(range(low, limit + 1))
            best = min(allowed, key=lambda r: (abs(rows[r].bottom - want), r))
            spans.append((start, best, text))
            start = best + 1
        return spans

    def grid(self) -> dict[int, list[str]]:
        """The table's rows by the line each is written on (its first core line), label spans filled."""
        rows = self.rows()
        grid = [[""] * len(self.roles) for _ in rows]
        for r, row in enumerate(rows):
            for k, fs in row.cells.items():
                grid[r][k] = _join([f.text for f in sorted(fs, key=lambda f: (f.line, f.x0))])
        ends: set[int] = set()
        for col in sorted(self.labels, key=lambda k: ("lead", "level1", "key_task", "level2").index(self.roles[k]),
                          reverse=True):  # finest first: a coarser span ends where a finer one does
            spans = self.label_spans(rows, col, ends) if rows else []
            for a, b, text in spans:
                for r in range(a, b + 1):
                    grid[r][col] = text
            ends = {b for _, b, _ in spans} | {len(rows) - 1}
        return {min(row.core, row.top): cells for row, cells in zip(rows, grid)}

    def write(self, out: list[str]) -> None:
        _write([self], out)


def _write(tables: list[_Table], out: list[str]) -> None:
    """Tables printed side by side over the same lines (中期 | 年度): one row per line, each table's
    cells in its own columns, empty where that table has no row on the line."""
    grids = [t.grid() for t in tables]
    if not any(grids):
        return
    head, end = tables[0].head, tables[0].end
    for j in range(head + 1, end):
        out[j] = ""
    out[head] = "\t".join(n for t in tables for n in t.names)
    for line in sorted({ln for g in grids for ln in g}):
        out[line] = "\t".join(c for t, g in zip(tables, grids) for c in g.get(line, [""] * len(t.roles)))


def _row_index(rows: list[_Row], line: float) -> float:
    """A line's place in row units: ``r`` inside row r, ``r + 0.5`` between rows r and r + 1."""
    for r, row in enumerate(rows):
        if row.top <= line <= row.bottom:
            return float(r)
        if line < row.top:
            return r - 0.5
    return len(rows) - 0.5


def _join_pieces(pieces: list[Frag]) -> list[tuple[int, int, str]]:
    """Label fragments of one column as ``(first line, last line, text)``; wrapped pieces of one label
    joined: adjacent lines (or one line apart) whose join is a framework level name or whose first
    piece is no name alone."""
    out: list[tuple[int, int, str]] = []
    for f in pieces:
        if out:
            lo, hi, text = out[-1]
            joined = text + f.text
            gap = f.line - hi
            known = _is_level_name(joined)
            if (gap <= 2 and known and not _is_level_name(f.text)) or (gap == 1 and not _is_level_name(text)
                                                                         and not _is_level_name(f.text)):
                out[-1] = (lo, f.line, joined)
                continue
        out.append((f.line, f.line, f.text))
    return out


def _is_level_name(text: str) -> bool:
    return bool(framework.canonical_level1(text) or framework.canonical_level2(text) or vocab.lead_scope(text))


_NAME_END = re.compile(r"(率|数|量|度|性|次|额|值|间|限|本|准|况|标|人次|面积|人数|天数|个数|场次|[)）])$")


def _ends_name(text: str) -> bool:
    """Text that ends the way an indicator name does (率, 数量, 时间 …): not cut mid-name."""
    return bool(_NAME_END.search(text.strip()))


def _join(texts: list[str]) -> str:
    """Wrapped pieces of one cell: CJK wraps join without a space, Latin words and numbers with one."""
    out = ""
    for t in texts:
        if out and re.match(r"[A-Za-z0-9]", t[:1]) and re.search(r"[A-Za-z0-9]$", out):
            out += " "
        out += t
    return out


def _overlap(a: Frag, b: Frag) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def _wrapped_cells(frags: list[list[Frag]], narrow: list[list[Frag]], out: list[str]) -> None:
    """Cells wrapped around their row outside indicator tables: a cell taller than its row's
    label is centred on it, so its first lines sit on lone lines above the row and its last
    lines on lone lines below (``软硬件及信息网络`` / ``项目名称  维护费用（需评审`` / ``项目）``).
    Lone lines at the same distance above and below a row, in the same columns, are joined
    into that row's cell there (or a new cell, where the row has a gap)."""
    n = len(frags)
    for i in range(n):
        fs = frags[i]
        if not out[i] or not fs or (len(fs) == 1 and not _label_line(fs[0].text)):
            continue
        above: list[int] = []
        below: list[int] = []
        d = 1
        while i - d >= 0 and i + d < n and _lone(frags, out, i - d) and _lone(frags, out, i + d) and \
                _same_column(frags, narrow, i - d, i + d) and _not_left_of(frags, narrow, i - d, i):
            above.insert(0, i - d)
            below.append(i + d)
            d += 1
        if not above:
            continue
        top = frags[above[0]][0]
        k = _overlapping(fs, top, narrow[i], narrow[above[0]])
        pieces_a = [frags[j][0].text for j in above]
        pieces_b = [frags[j][0].text for j in below]
        if k is None:
            k = sum(1 for f in fs if f.x0 < top.x0)
            fs.insert(k, Frag(i, top.x0, top.x1, _join(pieces_a + pieces_b)))
        else:
            fs[k] = Frag(i, fs[k].x0, fs[k].x1, _join(pieces_a + [fs[k].text] + pieces_b))
        for j in above + below:
            frags[j] = []
            out[j] = ""


_AMOUNT = re.compile(r"-?\d[\d,]*(\.\d+)?")


def _names_around_amounts(frags: list[list[Frag]], narrow: list[list[Frag]], out: list[str]) -> None:
    """A row's name too long for its column, centred on a row that holds only amounts: its first
    lines sit on lone lines above the amounts, its last lines on lone lines below, all left of the
    first amount (``苏州市加贸平台运`` / ``0   750`` / ``营费用补贴``). Joined into one name, written as
    the row's first cell."""
    n = len(frags)
    for i in range(1, n - 1):
        fs = frags[i]
        if not fs or not out[i] or "\t" in out[i] or not all(_AMOUNT.fullmatch(f.text) for f in fs):
            continue
        above: list[int] = []
        below: list[int] = []
        d = 1
        while i - d >= 0 and i + d < n and _lone(frags, out, i - d) and _lone(frags, out, i + d) and \
                "\t" not in out[i - d] + out[i + d] and _same_column(frags, narrow, i - d, i + d) and \
                all(frags[r][0].x1 <= fs[0].x0 and not _AMOUNT.fullmatch(frags[r][0].text) for r in (i - d, i + d)):
            above.insert(0, i - d)
            below.append(i + d)
            d += 1
        if not above:
            continue
        name = _join([frags[j][0].text for j in above + below])
        out[i] = "\t".join([name] + [f.text for f in fs])
        for j in above + below:
            frags[j] = []
            out[j] = ""


def _not_left_of(frags: list[list[Frag]], narrow: list[list[Frag]], j: int, i: int) -> bool:
    """The lone piece on line ``j`` reaches past the start of row ``i`` in both position metrics
    (a piece wholly left of the row is a wrapped side label, ``_side_sections``)."""
    if frags[j][0].x1 <= frags[i][0].x0:
        return False
    return not (narrow[j] and narrow[i] and narrow[j][0].x1 <= narrow[i][0].x0)


def _overlapping(fs: list[Frag], piece: Frag, narrow_fs: list[Frag], narrow_piece: list[Frag]) -> int | None:
    """The cell of a row a wrapped piece belongs to: the one it overlaps most, measured in character
    positions when both metrics cut the line alike (a viewer's copy), else in display columns."""
    def overlap(a: Frag, b: Frag) -> float:
        return min(a.x1, b.x1) - max(a.x0, b.x0)
    if len(narrow_fs) == len(fs) and narrow_piece:
        scores = [overlap(f, narrow_piece[0]) for f in narrow_fs]
    else:
        scores = [overlap(f, piece) for f in fs]
    best = max(range(len(fs)), key=lambda k: scores[k], default=None)
    return best if best is not None and scores[best] > 0 else None


def _label_line(text: str) -> bool:
    return len(text) <= 12 and bool(vocab.header_field(text) or vocab.goal_field(text) or vocab.other_label(text)
                                    or vocab.is_unextracted_label(text) or vocab.is_descriptive_label(text))


def _lone(frags: list[list[Frag]], out: list[str], j: int) -> bool:
    """A line holding one piece of text that is no label or title of its own."""
    fs = frags[j]
    return len(fs) == 1 and bool(out[j]) and not _label_line(fs[0].text) and not vocab.is_form_title(fs[0].text) \
        and not vocab.header_role(fs[0].text)


def _same_column(frags: list[list[Frag]], narrow: list[list[Frag]], a: int, b: int) -> bool:
    """Two lone pieces in one column (overlapping in display or in character positions)."""
    if _overlap(frags[a][0], frags[b][0]):
        return True
    return len(narrow[a]) == 1 and len(narrow[b]) == 1 and _overlap(narrow[a][0], narrow[b][0])


def _side_sections(frags: list[list[Frag]], out: list[str], geo: list[list[Frag]]) -> None:
    """A section label printed left of its rows and wrapped around them (``项目资金（万`` above,
    ``元）`` below the middle row): joined, and written as the first cell of every row it spans
    (the rows of the same run of lines that start right of it). Positions are read from ``geo``
    (one of the two position metrics), texts from ``frags``."""
    n = len(frags)
    i = 0
    while i < n:
        fs = frags[i]
        if len(fs) >= 2 and geo[i] and len(geo[i]) == len(fs) and _inline_section(geo, frags, out, i):
            i += 1
            continue
        if not (len(fs) == 1 and geo[i] and out[i] == fs[0].text and _left_of_rows(geo, frags, out, i)):
            i += 1
            continue
        left = geo[i][0]
        pieces = [i]
        j = i + 1
        while j < n and j - pieces[-1] <= 2 and frags[j]:
            if len(frags[j]) == 1 and geo[j] and out[j] == frags[j][0].text and \
                    geo[j][0].x1 <= _row_start(geo, frags, out, i):
                pieces.append(j)
            j += 1
        label = "".join(frags[p][0].text for p in pieces)
        if (len(pieces) < 2 and not (vocab.budget_fund(label) or vocab.is_budget_block_label(label)
                                     or vocab.budget_section(label))) or not (
                vocab.is_budget_block_label(label) or vocab.budget_section(label) or vocab.header_field(label)
                or vocab.budget_fund(label) or vocab.goal_field(label)):
            i += 1
            continue
        if len(pieces) >= 2 and _label_beside_text(geo, frags, out, pieces, left, label):
            i = pieces[-1] + 1
            continue
        lo, hi = _span(geo, frags, out, pieces, left)
        if hi == lo:
            i += 1
            continue
        for p in pieces:
            out[p] = ""
        for r in range(lo, hi + 1):
            between = pieces[0] < r < pieces[-1]  # 部门（单位） / 江门市…局 / 名称: the value between the label's pieces
            if r not in pieces and out[r] and (len(frags[r]) >= 2 or between and frags[r]):
                # rows with no amount stay as printed
                out[r] = "\t".join([label] + [f.text for f in frags[r]])
        i = hi + 1


def _label_beside_text(geo: list[list[Frag]], frags: list[list[Frag]], out: list[str], pieces: list[int],
                       left: Frag, label: str) -> bool:
    """A wrapped label (中长期目 / 标) beside a wrapped text whose lines run above, between and below
    its pieces: one row, the label and the text's lines joined in order."""
    inner = [r for r in range(pieces[0] + 1, pieces[-1]) if r not in pieces]
    if not inner or not all(len(frags[r]) == 1 and out[r] and _right_of(geo, out, r, left) for r in inner):
        return False
    lo, hi = pieces[0], pieces[-1]
    while lo - 1 >= 0 and hi + 1 < len(frags) and all(
            len(frags[r]) == 1 and out[r] and _right_of(geo, out, r, left) and not _label_line(frags[r][0].text)
            for r in (lo - 1, hi + 1)):
        lo, hi = lo - 1, hi + 1
    lines = [r for r in range(lo, hi + 1) if r not in pieces]
    at = inner[len(inner) // 2]
    for r in range(lo, hi + 1):
        out[r] = ""
    out[at] = label + "\t" + _join([frags[r][0].text for r in lines])
    return True


def _inline_section(geo: list[list[Frag]], frags: list[list[Frag]], out: list[str], i: int) -> bool:
    """A block label printed on the middle row of its block (``项目资金（万元）  上年预算数  560.00`` with
    ``资金来源 …`` above and ``年度预算数 …`` below, both starting right of it): written as the first
    cell of the rows above and below it as well."""
    left = geo[i][0]
    label = frags[i][0].text
    if not (vocab.is_budget_block_label(label) or vocab.budget_section(label)) or not out[i] or "\t" in out[i]:
        return False  # no block label, or a line another step has rewritten
    d = 1
    while i - d >= 0 and i + d < len(frags) and all(
            len(frags[r]) >= 2 and _right_of(geo, out, r, left) for r in (i - d, i + d)):
        d += 1
    if d == 1:
        return False
    for r in [*range(i - d + 1, i), *range(i + 1, i + d)]:
        out[r] = "\t".join([label] + [f.text for f in frags[r]])
    return True


def _right_of(geo: list[list[Frag]], out: list[str], r: int, left: Frag) -> bool:
    return bool(geo[r]) and bool(out[r]) and geo[r][0].x0 >= left.x1


def _span(geo: list[list[Frag]], frags: list[list[Frag]], out: list[str], pieces: list[int],
          left: Frag) -> tuple[int, int]:
    """The lines a side label spans: centred on a one-line label, else the rows next to its pieces."""
    n = len(geo)
    lo, hi = pieces[0], pieces[-1]
    if len(pieces) == 1:  # one line: the span is centred on it
        d = 1
        while lo - d >= 0 and hi + d < n and all(_right_of(geo, out, r, left) for r in (lo - d, hi + d)):
            d += 1
        return lo - d + 1, hi + d - 1
    while lo - 1 >= 0 and len(frags[lo - 1]) >= 2 and _right_of(geo, out, lo - 1, left):
        lo -= 1
    while hi + 1 < n and len(frags[hi + 1]) >= 2 and _right_of(geo, out, hi + 1, left):
        hi += 1
    return lo, hi


def _row_start(geo: list[list[Frag]], frags: list[list[Frag]], out: list[str], i: int) -> float:
    """Where the rows next to line ``i`` start (their first fragment), or infinity."""
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(frags) and out[j] and geo[j] and frags[j]]
    rows = [j for j in near if len(frags[j]) >= 2]
    # a lone value between the two pieces of its wrapped label (部门（单位） / 江门市…局 / 名称) when no row is near
    starts = [geo[j][0].x0 for j in rows or [j for j in near if not _label_line(frags[j][0].text)]]
    return min(starts) if starts else float("inf")


def _left_of_rows(geo: list[list[Frag]], frags: list[list[Frag]], out: list[str], i: int) -> bool:
    """Line ``i`` is one short fragment lying wholly left of a neighbouring row of cells."""
    f = geo[i][0]
    return len(f.text) <= 8 and f.x1 <= _row_start(geo, frags, out, i) and not vocab.is_form_title(f.text)
