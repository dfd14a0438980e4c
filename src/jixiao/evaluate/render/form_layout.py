"""layout.json + label → a format-neutral list of blocks (the renderers' shared input).

The golden renderer draws the same document three ways (PDF, DOCX, XLSX). All three need
the same decisions: which indicator rows exist, which cells are merged, where a table is
split and what the header looks like. Those decisions live here, once, so a DOCX and a
PDF of one golden document can never disagree about the table structure; the format
modules only translate :class:`Grid` objects into their own primitives.

See ``golden/LAYOUT.md`` for every layout key (grid cells, ``side_by_side``, ``range``,
``continued``, column fields ``op``/``unit``/``kind``/``index``/``extra``, page sizes and
breaks, scan options) and ``golden/README.md`` ("How inputs are rendered") for how the
formats are drawn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.model.output import Document, Indicator
from jixiao.domain.values import parse_value
from jixiao.model.errors import JixiaoError

OPS = "≥≤=><"
PAGE_SIZES = ("a4", "a4-landscape")
TEXT_FIELDS = ("level1", "level2", "level3", "key_task", "description", "half_year", "target", "basis", "category")
LEFT_ALIGNED = {"description", "key_task", "extra", "basis"}


class LayoutError(JixiaoError, ValueError):
    """A layout that cannot be drawn; the message names the document, form and block."""


# ---------------------------------------------------------------------------------------
# Format-neutral blocks


@dataclass
class Cell:
    """One printed cell (HTML style: spanned slots are simply absent from later rows)."""

    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"
    bold: bool = False
    header: bool = False


@dataclass
class Grid:
    """A ruled table: rows of cells in HTML order, optional column widths in percent."""

    rows: list[list[Cell]]
    widths: list[float] | None = None
    header_rows: int = 0  # leading rows a word processor should repeat on a new page

    @property
    def ncols(self) -> int:
        return len(occupancy(self.rows)[0]) if self.rows else 0


@dataclass
class Heading:
    text: str
    size: float = 16.0
    align: str = "center"


@dataclass
class Para:
    text: str
    align: str = "left"
    size: float | None = None


@dataclass
class PageBreak:
    page_size: str | None = None  # switch the page size from here on


@dataclass
class SideBySide:
    """Tables drawn next to each other (e.g. 中长期 and 年度 indicator tables on one page)."""

    grids: list[Grid]
    widths: list[float]


@dataclass
class IndicatorTable:
    """An indicator table that the PDF paginator may split between data rows.

    ``body`` holds the printed text of every data row and column; merged columns are
    drawn as rowspans over equal consecutive values, nested in ``merge`` order (a level2
    run never crosses a level1 boundary) and cut at every split point.
    """

    header: list[list[Cell]]
    body: list[list[str]]
    merge: list[int]
    align: list[str]
    widths: list[float] | None = None
    lead: Cell | None = None
    forced_breaks: list[int] = field(default_factory=list)  # split after these data rows
    continued: str = "blank"  # text of a merged run continued on a new page: "blank" | "repeat"
    repeat_header: bool = True

    def runs(self, col: int) -> list[tuple[int, int]]:
        """[start, end) runs of equal non-empty text in ``col`` (only within parent runs).

        Page splits do not change the runs; a part only clips them, so a run that began
        on an earlier page is known to be a continuation.
        """
        n = len(self.body)
        bounds: set[int] = set()
        parents = self.merge[: self.merge.index(col)] if col in self.merge else []
        for p in parents:
            bounds.update(s for s, _ in self.runs(p))
        out: list[tuple[int, int]] = []
        i = 0
        while i < n:
            j = i + 1
            if col in self.merge and self.body[i][col]:
                while j < n and j not in bounds and self.body[j][col] == self.body[i][col]:
                    j += 1
            out.append((i, j))
            i = j
        return out

    def part(self, start: int, end: int, *, first: bool) -> Grid:
        """Data rows [start, end) as a Grid, header repeated unless ``repeat_header`` is off.

        A merged run cut by the page start is drawn again on the new page: blank (as Word
        prints a vertically merged cell continued on a new page) or repeated.
        """
        header = [[_copy(c) for c in r] for r in self.header] if (first or self.repeat_header) else []
        rows: list[list[Cell]] = [[] for _ in range(end - start)]
        for c in range(len(self.align)):
            for s, e in self.runs(c):
                if e <= start or s >= end:
                    continue
                s2, e2 = max(s, start), min(e, end)
                text = "" if s < start and self.continued == "blank" else self.body[s][c]
                rows[s2 - start].append(Cell(text, rowspan=e2 - s2, align=self.align[c]))
        all_rows = header + rows
        if self.lead is not None and all_rows:
            all_rows[0].insert(0, Cell(self.lead.text, rowspan=len(all_rows), align="center", bold=self.lead.bold))
        return Grid(all_rows, widths=self.widths, header_rows=len(header))

    def whole(self) -> Grid:
        """The whole table as one Grid (word processors paginate by themselves)."""
        return self.part(0, len(self.body), first=True)


def _copy(c: Cell) -> Cell:
    return Cell(c.text, c.rowspan, c.colspan, c.align, c.bold, c.header)


Block = Heading | Para | Grid | IndicatorTable | SideBySide | PageBreak


@dataclass
class RenderForm:
    """One label form's blocks and the page size it starts on."""

    page_size: str
    blocks: list[Block]
    new_page: bool = True


@dataclass
class RenderDoc:
    doc_id: str
    forms: list[RenderForm]
    font_size: float = 9.0
    margin: float = 42.0
    outputs: list[str] = field(default_factory=lambda: ["digital", "scanned"])
    scan: dict[str, Any] = field(default_factory=dict)
    title: str = ""


# ---------------------------------------------------------------------------------------
# Grid geometry


def occupancy(rows: list[list[Cell]]) -> list[list[tuple[int, int] | None]]:
    """Expand HTML-style rows to a full matrix: slot → (row, index in row) of its cell.

    Raises LayoutError on ragged grids, because a ragged ruled table renders differently
    in PDF, Word and Excel and the golden inputs must agree.
    """
    taken: dict[tuple[int, int], tuple[int, int]] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for i, cell in enumerate(row):
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[(r + dr, c + dc)] = (r, i)
            c += cell.colspan
        width = max(width, max((cc for rr, cc in taken if rr == r), default=-1) + 1)
    height = len(rows)
    if any(rr >= height for rr, _ in taken):
        raise LayoutError(f"a rowspan runs past the last row (table of {height} rows)")
    matrix: list[list[tuple[int, int] | None]] = [[taken.get((r, c)) for c in range(width)] for r in range(height)]
    for r, row in enumerate(matrix):
        if any(s is None for s in row):
            missing = [c for c, s in enumerate(row) if s is None]
            raise LayoutError(f"row {r + 1} leaves column(s) {missing} empty (table is {width} columns wide)")
    return matrix


def cell_origins(rows: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, col, cell) for every cell at its top-left slot."""
    matrix = occupancy(rows)
    out = []
    seen: set[tuple[int, int]] = set()
    for r, mrow in enumerate(matrix):
        for c, slot in enumerate(mrow):
            if slot is not None and slot not in seen:
                seen.add(slot)
                out.append((r, c, rows[slot[0]][slot[1]]))
    return out


# ---------------------------------------------------------------------------------------
# Values


def split_value(text: str | None, *, op_column: bool, unit_column: bool) -> tuple[str, str, str]:
    """Split a label value into (operator, printed value, unit) for forms with separate columns.

    The label always holds the whole value (``≥95%``) because that is what the row means;
    a form with a 指标性质 column prints ``≥`` there and ``95%`` in the value column, and
    one with a 计量单位 column moves ``%`` there as well.
    """
    s = (text or "").strip()
    op = ""
    if op_column and s and s[0] in OPS:
        op, s = s[0], s[1:].strip()
    unit = ""
    if unit_column and s:
        p = parse_value(s)
        if p is not None and p.number is not None and p.unit and s.endswith(p.unit):
            unit, s = p.unit, s[: -len(p.unit)].strip()
    return op, s, unit


def _fmt_number(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if x != int(x) else str(int(x))


# ---------------------------------------------------------------------------------------
# layout.json → blocks


def _cell(spec: Any, where: str, allowed: frozenset[str] = frozenset()) -> Cell:
    """A grid cell: a plain string, or {text, colspan, rowspan, align, bold}."""
    if isinstance(spec, str):
        return Cell(spec, align="center")
    if not isinstance(spec, dict):
        raise LayoutError(f"{where}: a cell must be a string or an object, got {spec!r}")
    unknown = set(spec) - {"text", "colspan", "rowspan", "align", "bold"} - allowed
    if unknown:
        raise LayoutError(f"{where}: unknown cell key(s) {sorted(unknown)}")
    return Cell(
        str(spec.get("text", "")),
        rowspan=int(spec.get("rowspan", 1)),
        colspan=int(spec.get("colspan", 1)),
        align=spec.get("align", "center"),
        bold=bool(spec.get("bold", False)),
    )


def _grid(block: dict[str, Any], where: str) -> Grid:
    rows = block.get("rows")
    if not isinstance(rows, list) or not rows:
        raise LayoutError(f"{where}: a grid needs a non-empty 'rows' list")
    cells = [[_cell(c, f"{where} row {r + 1}") for c in row] for r, row in enumerate(rows)]
    try:
        matrix = occupancy(cells)
    except LayoutError as exc:
        raise LayoutError(f"{where}: {exc}") from None
    widths = block.get("widths")
    if widths is not None and len(widths) != len(matrix[0]):
        raise LayoutError(f"{where}: {len(widths)} widths for a grid of {len(matrix[0])} columns")
    return Grid(cells, widths=widths)


def _column_text(ind: Indicator, col: dict[str, Any], row_no: int, op_col: bool, unit_col: bool, where: str) -> str:
    f = col["field"]
    if f == "target":
        return split_value(ind.target, op_column=op_col, unit_column=unit_col)[1]
    if f == "op":
        op, value, _ = split_value(ind.target, op_column=True, unit_column=False)
        if op:
            return op
        p = parse_value(value) if value else None
        return str(col.get("qualitative", "")) if p is not None and p.number is None else ""
    if f == "unit":
        return split_value(ind.target, op_column=op_col, unit_column=True)[2]
    if f == "kind":
        p = parse_value(ind.target) if ind.target else None
        return "定量" if p is not None and p.number is not None else "定性"
    if f == "weight":
        return _fmt_number(ind.weight)
    if f == "index":
        return str(row_no)
    if f == "extra":
        if "values" in col:
            vals = col["values"]
            if row_no - 1 >= len(vals):
                raise LayoutError(f"{where}: column {col.get('header')!r} has {len(vals)} values, fewer than the rows")
            return str(vals[row_no - 1])
        return str(col.get("text", ""))
    if f.startswith("history:"):
        return ind.history.get(f.split(":", 1)[1], "")
    if f in TEXT_FIELDS:
        return getattr(ind, f) or ""
    raise LayoutError(f"{where}: unknown column field {f!r}")


def _explicit_rows(rows: list[dict[str, Any]], scope: str, where: str) -> list[Indicator]:
    """Explicit rows as printed (blank rows included); 'weight' may be given as a number."""
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            raise LayoutError(f"{where}: row {i + 1} must be an object of field → text")
        data = {k: v for k, v in r.items() if k in TEXT_FIELDS or k in ("history", "weight")}
        history = dict(data.pop("history", None) or {})
        history.update({k.split(":", 1)[1]: v for k, v in r.items() if k.startswith("history:") and v})
        out.append(Indicator(scope=scope, history=history, **data))  # type: ignore[arg-type]
    return out


def _indicators(block: dict[str, Any], form_label: Any, where: str) -> IndicatorTable:
    scope = block.get("scope", "annual")
    if scope not in ("annual", "long_term"):
        raise LayoutError(f"{where}: scope must be 'annual' or 'long_term', got {scope!r}")
    cols = block.get("columns")
    if not isinstance(cols, list) or not cols or not all(isinstance(c, dict) and "field" in c for c in cols):
        raise LayoutError(f"{where}: 'columns' must be a list of {{field, header}} objects")
    if block.get("rows") is not None:
        inds = _explicit_rows(block["rows"], scope, where)
    else:
        inds = [i for i in form_label.indicators if i.scope == scope]
        rng = block.get("range")
        if rng is not None:
            inds = inds[rng[0] : rng[1]]
        if not inds:
            raise LayoutError(f"{where}: the label form has no {scope} indicators (and the block lists no rows)")
    fields = [c["field"] for c in cols]
    op_col, unit_col = "op" in fields, "unit" in fields
    body = [[_column_text(ind, c, n, op_col, unit_col, where) for c in cols] for n, ind in enumerate(inds, 1)]
    merge_fields = block.get("merge") or []
    merge = []
    for m in merge_fields:
        if m not in fields:
            raise LayoutError(f"{where}: merge column {m!r} is not among the columns {fields}")
        merge.append(fields.index(m))
    align = [c.get("align", "left" if c["field"] in LEFT_ALIGNED else "center") for c in cols]
    if block.get("header_rows"):
        header = [[_cell(c, f"{where} header") for c in row] for row in block["header_rows"]]
    else:
        header = [[Cell(str(c.get("header", c["field"])))] for c in cols]
        header = [[cell for row in header for cell in row]]
    for row in header:
        for c in row:
            c.bold, c.header = True, True
    if occupancy(header) and len(occupancy(header)[0]) != len(cols):
        raise LayoutError(f"{where}: header is {len(occupancy(header)[0])} columns wide, the data {len(cols)}")
    lead = None
    if block.get("lead"):
        lead = _cell(block["lead"], f"{where} lead", frozenset({"width"}))
        lead.bold = bool(block["lead"].get("bold", True)) if isinstance(block["lead"], dict) else True
    widths = None
    if any("width" in c for c in cols) or (isinstance(block.get("lead"), dict) and "width" in block["lead"]):
        widths = _fill_widths([c.get("width") for c in cols], block["lead"].get("width") if lead else None, lead)
    breaks = block.get("page_break_after_row")
    forced = [int(b) for b in (breaks if isinstance(breaks, list) else [breaks] if breaks else [])]
    if any(b <= 0 or b >= len(body) for b in forced):
        raise LayoutError(f"{where}: page_break_after_row {forced} outside 1..{len(body) - 1}")
    continued = block.get("continued", "blank")
    if continued not in ("blank", "repeat"):
        raise LayoutError(f"{where}: continued must be 'blank' or 'repeat'")
    return IndicatorTable(
        header=header, body=body, merge=merge, align=align, widths=widths, lead=lead,
        forced_breaks=sorted(forced), continued=continued, repeat_header=bool(block.get("repeat_header", True)),
    )


def _fill_widths(widths: list[float | None], lead_w: float | None, lead: Cell | None) -> list[float]:
    """Percent widths: unspecified columns share what the specified ones leave."""
    all_w = ([lead_w] if lead is not None else []) + widths
    given = sum(w for w in all_w if w)
    free = [w for w in all_w if not w]
    share = max(100.0 - given, 5.0 * len(free)) / len(free) if free else 0.0
    return [float(w) if w else share for w in all_w]


def _block(block: Any, form_label: Any, where: str) -> Block:
    if not isinstance(block, dict) or "type" not in block:
        raise LayoutError(f"{where}: a block must be an object with a 'type'")
    t = block["type"]
    if t == "heading":
        return Heading(str(block.get("text", "")), float(block.get("size", 16)), block.get("align", "center"))
    if t == "para":
        return Para(str(block.get("text", "")), block.get("align", "left"), block.get("size"))
    if t == "grid":
        return _grid(block, where)
    if t == "indicators":
        return _indicators(block, form_label, where)
    if t == "page_break":
        ps = block.get("page_size")
        if ps is not None and ps not in PAGE_SIZES:
            raise LayoutError(f"{where}: page_size must be one of {PAGE_SIZES}")
        return PageBreak(ps)
    if t == "side_by_side":
        subs = [_block(b, form_label, f"{where}.{i}") for i, b in enumerate(block.get("blocks", []))]
        grids = [s.whole() if isinstance(s, IndicatorTable) else s for s in subs]
        if len(grids) < 2 or not all(isinstance(g, Grid) for g in grids):
            raise LayoutError(f"{where}: side_by_side needs two or more grid/indicators blocks")
        widths = block.get("widths") or [100.0 / len(grids)] * len(grids)
        return SideBySide(grids, [float(w) for w in widths])  # type: ignore[arg-type]
    raise LayoutError(f"{where}: unknown block type {t!r}")


def build(label: Document, layout: dict[str, Any], *, name: str = "") -> RenderDoc:
    """Turn a label and its layout into blocks; errors name ``name`` (the folder) and the block."""
    name = name or label.doc_id
    forms = layout.get("forms")
    if not isinstance(forms, list) or not forms:
        raise LayoutError(f"{name}: layout has no 'forms' list")
    if len(forms) != len(label.forms):
        raise LayoutError(f"{name}: layout has {len(forms)} forms, the label {len(label.forms)}")
    page_size = layout.get("page_size", "a4")
    if page_size not in PAGE_SIZES:
        raise LayoutError(f"{name}: page_size must be one of {PAGE_SIZES}, got {page_size!r}")
    out_forms = []
    for fi, (fl, flab) in enumerate(zip(forms, label.forms, strict=True)):
        ps = fl.get("page_size", page_size)
        if ps not in PAGE_SIZES:
            raise LayoutError(f"{name}: form {fi + 1}: page_size must be one of {PAGE_SIZES}")
        blocks = [_block(b, flab, f"{name}: form {fi + 1} block {bi + 1}") for bi, b in enumerate(fl.get("blocks", []))]
        out_forms.append(RenderForm(ps, blocks, new_page=bool(fl.get("new_page", True))))
    title = next((b.text for f in out_forms for b in f.blocks if isinstance(b, Heading)), label.doc_id)
    outputs = list(layout.get("outputs", ["digital", "scanned"]))
    bad = set(outputs) - {"digital", "scanned", "docx", "xlsx"}
    if bad:
        raise LayoutError(f"{name}: unknown output(s) {sorted(bad)}")
    return RenderDoc(
        doc_id=label.doc_id, forms=out_forms, font_size=float(layout.get("font_size", 9)),
        margin=float(layout.get("margin", 42)), outputs=outputs, scan=dict(layout.get("scan") or {}), title=title,
    )


def load_layout(path: str | Path) -> dict[str, Any]:
    """Read layout.json with an error that names the file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{p}: cannot read layout JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LayoutError(f"{p}: layout must be a JSON object")
    return data
