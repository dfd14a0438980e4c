"""Rules extractor: one form region → one ``Form``, with no model in the loop.

The region's rows are read in order by a small state machine. Each row is recognised by
its vocabulary (``jixiao.domain.vocab``), never by where a particular province prints it:

* a row naming ≥2 indicator columns (一级/二级/三级指标, 指标值 …) opens an indicator table;
  following rows that hold only header words or years refine it (multi-row headers);
* a row with header labels (项目名称, 主管部门 …) or goal labels (年度目标 …) fills the header;
* a row with a budget block label, a budget section or budget column headings opens the
  budget block, whose amounts are read against the current column headings;
* rows inside an indicator table become indicators: cells aligned to the columns
  (``rows.align_row``), the hierarchy filled down (and, for text exports, up — a merged
  cell's text may sit in the middle of its span), values parsed.

Everything the extractor decides that the document did not print — a level filled down,
a level1 taken from the framework, a value repaired — is recorded in the field's evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from jixiao.domain import framework, vocab
from jixiao.extract.budget_fields import drop_task_lines_beside_funding_block, settle_budget_fields
from jixiao.extract.budget_text import fund_phrases, is_budget_sentence
from jixiao.extract.rows import (
    CellView,
    Role,
    RowView,
    align_row,
    assign_exact,
    is_framework_name,
    looks_like_value,
    region_rows,
)
from jixiao.extract.wrapped_text import WRAPPED_VALUE_RULE, rejoin_wrapped_goal_labels, rejoin_wrapped_goal_lines
from jixiao.model.output import AlignmentStatus, BBox, BudgetLine, Evidence, Form, Indicator, Repair, Severity
from jixiao.model.source import Cell, Paragraph
from jixiao.segment import FormRegion
from jixiao.domain.values import (
    AMOUNT_UNIT_RULE,
    clean_cell,
    normalize_value_text,
    parse_amount,
    parse_value,
    squash_cjk_spaces,
    year_from_text,
)

HIERARCHY = ("level1", "level2", "key_task")


def evidence_of(cv: CellView | None, *, status: AlignmentStatus | None = None, repairs=None) -> Evidence:
    if cv is None:
        return Evidence(status=AlignmentStatus.INFERRED)
    c = cv.cell
    if c is not None:
        c.read = True  # the coverage check's record of what was consumed (extract/coverage.py)
    st = status or (AlignmentStatus.INFERRED if cv.inferred else AlignmentStatus.EXACT)
    return Evidence(
        page=c.page if c else None,
        bbox=c.bbox if c else None,
        line=c.line if c else None,
        source_text=cv.raw,
        status=st,
        repairs=list(repairs or []),
        ocr_score=c.score if c is not None and c.score < 1.0 else None,
    )


# ---------------------------------------------------------------------------------------
# Indicator table header


@dataclass
class IndicatorTable:
    roles: list[Role]
    scope: str = "annual"
    exact: bool = False
    rows: list[dict] = field(default_factory=list)  # assigned cells per data row
    # (row index, "op" | "unit", doubt): a cell of the row's operator / unit column left empty on an OCR'd page
    rows_flags: list[tuple[int, str, str]] = field(default_factory=list)


def header_roles(row: RowView) -> list[Role]:
    """Roles of an indicator header row, left to right.

    Garbled header cells (OCR: 一级指标 read as "一隻 | 及指标", 二级指标 as "a") are placed by
    the table's structure: level1 precedes level2, which precedes level3.
    """
    roles: list[Role] = []
    for cv in row.cells:
        if not cv.text:
            continue
        role = vocab.header_role(cv.text) or "unknown"
        if role == "history_year":
            role = f"history:{vocab.YEAR_HEADER_RE.match(vocab.key(cv.text)).group(1)}"
        if roles and roles[-1].name == role and role != "unknown":
            roles[-1].positions = roles[-1].positions | {cv.col}
        else:
            roles.append(Role(role, frozenset({cv.col}), cv.text))
    names = [r.name for r in roles]
    if "level3" in names:
        i3 = names.index("level3")
        unknown = [k for k in range(i3) if names[k] == "unknown"]
        missing = [lv for lv in ("level1", "level2") if lv not in names]
        if "level2" in missing and unknown and unknown[-1] > (names.index("level1") if "level1" in names else -1):
            roles[unknown.pop()].name = "level2"
            missing.remove("level2")
        if "level1" in missing and unknown and (
            "level2" not in names or unknown[-1] < [r.name for r in roles].index("level2")
        ):
            roles[unknown.pop()].name = "level1"
    names = [r.name for r in roles]
    if "level2" in names and "level1" not in names:
        i = names.index("level2")
        pos = min(roles[i].positions) - 1
        if pos >= 0 and not any(pos in r.positions for r in roles):
            roles.insert(i, Role("level1", frozenset({pos}), ""))
    return [r for r in roles if r.name != "unknown" or row.exact]


def _same_columns(table: IndicatorTable, roles: list[Role], scope: str) -> bool:
    names = [r.name for r in roles if r.name not in ("lead", "unknown")]
    return table.scope == scope and names == [r.name for r in table.roles if r.name not in ("lead", "unknown")]


def is_indicator_header(row: RowView) -> bool:
    return vocab.names_indicator_header(row.texts)


def is_subheader(row: RowView) -> bool:
    """A row of a multi-row header: only header words and years, no indicator content."""
    texts = row.texts
    return bool(texts) and all(vocab.header_role(t) is not None for t in texts)


def refine_roles(roles: list[Role], sub: RowView) -> list[Role]:
    """Fold a sub-header row into the roles: 指标值 → [history:2022, history:2023, target]."""
    subs = [(vocab.header_role(c.text), c) for c in sub.cells if c.text]
    if not subs:
        return roles
    expanded: list[Role] = []
    for sub_role, cv in subs:
        if sub_role == "history_year":
            year = vocab.YEAR_HEADER_RE.match(vocab.key(cv.text)).group(1)
            expanded.append(Role(f"history:{year}", frozenset({cv.col}), cv.text))
        elif sub_role == "history_group":
            expanded.append(Role("history_group", frozenset({cv.col}), cv.text))
        elif sub_role is not None and sub_role not in ("lead",):
            expanded.append(Role(sub_role, frozenset({cv.col}), cv.text))
    out = list(roles)
    # Replace a pending history group with its years.
    years = [r for r in expanded if r.name.startswith("history:")]
    if years and any(r.name == "history_group" for r in out):
        i = next(k for k, r in enumerate(out) if r.name == "history_group")
        out[i:i + 1] = years
        return _renumber(out, sub.exact)
    if any(r.name in ("history_group", "target", "half_year") for r in expanded):
        # a generic 指标值 column splits into the sub-header's value columns
        i = next((k for k, r in enumerate(out) if r.name == "target"), None)
        if i is not None:
            out[i:i + 1] = expanded
            return _renumber(out, sub.exact)
    return out


def _renumber(roles: list[Role], exact: bool) -> list[Role]:
    """After a split, keep positions strictly increasing (text exports lose merged header cells)."""
    if exact:
        return roles
    last = -1
    for r in roles:
        p = min(r.positions) if r.positions else last + 1
        if p <= last:
            p = last + 1
        r.positions = frozenset({p})
        last = p
    return roles


# ---------------------------------------------------------------------------------------
# The form


@dataclass
class _State:
    form: Form
    mode: str = "header"
    table: IndicatorTable | None = None
    tables: list[IndicatorTable] = field(default_factory=list)
    budget_columns: list[tuple[str, int]] = field(default_factory=list)
    seen_columns: set[str] = field(default_factory=set)
    section_from_block: bool = False
    section_col: int | None = None  # the column of the block label that named the section
    run_start: int = 0  # budget.lines index where the current run of budget rows began
    columns_are_items: bool = False
    suspect: bool = False  # OCR'd or garbled source: snap names to the lexicon, rejoin split words
    last_item: str | None = None
    section: str | None = None
    default_unit: str = "万元"
    pending_goal_labels: list[tuple[str, int]] = field(default_factory=list)
    # goal labels printed as one line of headings outside the grid: the next row's cells, in order
    pending_goals_in_order: list[str | None] = field(default_factory=list)
    goal_lists: dict[str, list[str]] = field(default_factory=dict)
    scope_hint: str | None = None
    # per table: the budget.lines index of its first line, and whether a section label was met in it
    table_first_line: dict[int, int] = field(default_factory=dict)
    table_inherited: dict[int, str | None] = field(default_factory=dict)  # the section in force as it began
    table_sectioned: set[int] = field(default_factory=set)
    block_tables: set[int] = field(default_factory=set)  # tables holding a block label (项目资金, 总体资金情况)
    # a column heading printed as a line of its own right above a table (全年预算数): name, box,
    # and the table row it stands over
    pending_column: tuple[str, BBox, RowView] | None = None


def extract_form(region: FormRegion) -> Form:
    """Read one form region into a Form (header, budget, goals, indicators), with evidence and flags."""
    form = Form(title=region.title, pages=region.pages)
    st = _State(form=form)
    rows = region_rows(region.blocks)
    _rejoin_wrapped_labels(rows)
    _rejoin_stacked_labels(rows)
    _split_embedded_labels(rows)
    _lift_subtotal_labels(rows)
    rejoin_wrapped_goal_labels(rows)
    rejoin_wrapped_goal_lines(rows)
    st.suspect = region.suspect or _is_suspect(rows)
    i = 0
    kv_next = 0  # paragraphs before this row were read as key/value lines with their neighbours
    while i < len(rows):
        row = rows[i]
        i += 1
        if row.paragraph is not None:
            _read_paragraph(st, row)
            st.pending_goals_in_order = _goal_heading_line(row, rows[i] if i < len(rows) else None)
            if st.pending_goals_in_order and _fill_goal_columns(st, rows, i, st.pending_goals_in_order):
                st.pending_goals_in_order = []
            st.pending_column = _heading_over_table(row, rows[i] if i < len(rows) else None, st)
            if st.mode != "indicators" and i > kv_next:
                kv_next = i
                while kv_next < len(rows) and rows[kv_next].paragraph is not None \
                        and rows[kv_next].paragraph.page == row.paragraph.page:
                    kv_next += 1
                group = [r.paragraph for r in rows[i - 1:kv_next]]
                for kv in paragraph_key_values(group):
                    _read_header(st, kv)
                for brow in paragraph_budget_rows(group):
                    if st.mode != "budget":
                        st.run_start = len(st.form.budget.lines)
                    st.mode = "budget"
                    _read_budget_row(st, brow)
            continue
        if not row.texts:
            continue
        if (lead := _lead_row_scope(row)) is not None:
            st.scope_hint = lead  # 中期绩效指标（2024—2026年） printed as a row of its own over the header
            continue
        if is_indicator_header(row):
            roles = header_roles(row)
            while i < len(rows) and rows[i].paragraph is None and is_subheader(rows[i]) and not is_indicator_header(rows[i]):
                roles = refine_roles(roles, rows[i])
                i += 1
            scope = _scope_from_row(row) or st.scope_hint or "annual"
            if not (st.mode == "indicators" and st.table is not None and _same_columns(st.table, roles, scope)):
                # a header repeated at a page break continues the table; anything else starts a new one
                st.table = IndicatorTable(roles=roles, scope=scope, exact=row.exact)
                st.tables.append(st.table)
            st.table.roles, st.table.exact = roles, row.exact  # the new page's grid may split columns differently
            st.mode = "indicators"
            continue
        if _read_goals(st, row) or _read_header(st, row):
            if st.mode == "indicators":
                st.mode = "header"
            continue
        if st.pending_goals_in_order:
            in_order, st.pending_goals_in_order = st.pending_goals_in_order, []
            if _fill_goals_in_order(st, row, in_order):
                continue
        if st.pending_goal_labels and _fill_pending_goals(st, row):
            continue
        if _is_budget_row(st, row):
            if st.mode != "budget":
                st.run_start = len(st.form.budget.lines)
            st.mode = "budget"
            _read_budget_row(st, row)
            continue
        if st.mode == "indicators" and st.table is not None:
            _collect_indicator_row(st.table, _repaired_row(row) if st.suspect else row, suspect=st.suspect)
    for t in st.tables:
        form.indicators.extend(_build_indicators(t, form, suspect=st.suspect))
    _finish_header(st, region)
    finish_budget(form)
    if not form.indicators:
        form.flag(Severity.ERROR, "no_indicators",
                  "no indicator rows were read from this form (table not found or unreadable)", field="indicators")
    return form


def _read_paragraph(st: _State, row: RowView) -> None:
    text = row.cells[0].text
    form = st.form
    if form.year is None and (y := year_from_text(text)):
        form.year = y
        form.evidence["year"] = evidence_of(row.cells[0])
    m = re.search(r"单位[:：]\s*(万元|元|亿元)", text)
    if m:
        st.default_unit = m.group(1)
    if scope := vocab.lead_scope(text):
        st.scope_hint = scope
    if not st.form.budget.lines and is_budget_sentence(text):
        # the funds stated in prose outside any grid (项目总投资120万元，其中财政资金100万元…)
        for ph in fund_phrases(text):
            _add_line(st, ph.name, None, CellView(text=ph.amount, col=0, cell=row.cells[0].cell))


# a gap a producer left between two cells of an unruled row: two or more spaces, a tab, a full-width space
_CELL_GAP = re.compile(r"[ \xa0]{2,}|[\t\u3000]+")


def _paragraph_lines(paras: Sequence[Paragraph]) -> list[tuple[str, Paragraph]]:
    return [(ln.strip(), p) for p in paras for ln in p.text.splitlines() if ln.strip()]


def _gap_cells(line: str) -> list[str]:
    """The cells of a paragraph line whose cells are kept apart by wide whitespace."""
    return [t.strip() for t in _CELL_GAP.split(line) if t.strip()]


def paragraph_key_values(paras: Paragraph | Sequence[Paragraph]) -> list[RowView]:
    """Lines of consecutive paragraphs that are a header block's key/value rows: ``项目名称  道路养护``.

    A header block drawn without column rules (only horizontal rules, or none) reaches the
    extractor as paragraph lines whose cells are kept apart by wide whitespace, or as one
    cell per line (a label line, then its value line). A label wrapped in its cell and
    centred vertically beside a one-line value has its pieces above and below the value's
    line (``部门（单`` / value / ``位）名称``; ``项`` / ``目`` / value / ``名`` / ``称``). A line is
    read as a row only when one of its parts is exactly a header label, so prose that
    mentions 实施单位 is not. The cells keep their paragraph's page and box as evidence.
    """
    if isinstance(paras, Paragraph):
        paras = [paras]
    lines = _paragraph_lines(paras)
    out: list[RowView] = []
    for k, (line, para) in enumerate(lines):
        parts = _gap_cells(line)
        if len(parts) == 1 and k + 1 < len(lines) and vocab.header_field(clean_cell(parts[0])):
            nxt = lines[k + 1][0]
            if len(nxt) <= _INLINE_MAX and not _any_label(clean_cell(nxt)):
                parts.append(nxt)
        elif not _any_label(clean_cell(parts[0])) and (label := _wrapped_label(lines, k)):
            parts.insert(0, label)
        if len(parts) < 2 or not any(vocab.header_field(clean_cell(t)) for t in parts):
            continue
        cells = [CellView(text=clean_cell(t), col=i, cell=Cell(text=t, row=k, col=i, bbox=para.bbox, page=para.page))
                 for i, t in enumerate(parts)]
        out.append(RowView(cells=cells, exact=False, table_index=-1, row_index=k))
    return out


def paragraph_budget_rows(paras: Sequence[Paragraph]) -> list[RowView]:
    """Lines of consecutive paragraphs that are a funding block's rows: ``批复数  757.3  调整数  1773.6``.

    A funding block drawn without rules reaches the extractor as paragraph lines whose cells
    are kept apart by wide whitespace. A line is a row only when its parts hold an amount and
    a name the budget vocabulary knows (a fund, an item, a block or section label, a column
    heading), each part a cell of its own: a sentence that mentions 资金 in passing has no gaps."""
    out: list[RowView] = []
    for k, (line, para) in enumerate(_paragraph_lines(paras)):
        parts = _gap_cells(line)
        if len(parts) < 2 or any(vocab.header_field(clean_cell(t)) for t in parts):
            continue
        amounts = [t for t in parts if parse_amount(t)[0] is not None]
        names = [t for t in parts if t not in amounts and (
            vocab.budget_fund(vocab.key(t)) or vocab.BUDGET_ITEM_HINT_RE.search(vocab.key(t))
            or vocab.is_budget_block_label(t) or vocab.budget_section(t) or vocab.is_budget_column(t)
            or vocab.label_in_open_unit(t))]
        if not amounts or not names or len(amounts) + len(names) < len(parts) - 1:
            continue
        cells = [CellView(text=clean_cell(t), col=i, cell=Cell(text=t, row=k, col=i, bbox=para.bbox, page=para.page))
                 for i, t in enumerate(parts)]
        out.append(RowView(cells=cells, exact=False, table_index=-1, row_index=k))
    return out


_WRAP_PIECE = 4  # a wrapped label's line: a few characters of a narrow label column
_WRAP_LINE = 8  # a full line of a label column, before a wrapped label's short tail


def _wrapped_label(lines: Sequence[tuple[str, Paragraph]], k: int) -> str | None:
    """A header label whose pieces are the short lines just above and below line ``k``."""
    def run(step: int) -> list[str]:
        out, j = [], k + step
        while 0 <= j < len(lines) and len(lines[j][0]) <= _WRAP_PIECE and len(out) < 8:
            out.append(lines[j][0])
            j += step
        return out

    above, below = run(-1)[::-1], run(1)
    for a in range(1, len(above) + 1):
        for b in range(1, len(below) + 1):
            label = "".join(above[len(above) - a:] + below[:b])
            if vocab.header_field(clean_cell(label)):
                return label
    return None


def _rejoin_wrapped_labels(rows: list[RowView]) -> None:
    """A label cell wrapped in two lines that a ruling-less grid cut into rows of their own.

    Drawn without rules between rows, a label centred beside a one-line value has its
    pieces in the rows just above and below the value's row (``部门（单`` / empty / ``位）名称``).
    Where the two pieces join into exactly a header label and the middle row's slot is
    empty, the label is put back in the middle row (beside its value).
    """
    for r in range(1, len(rows) - 1):
        above, mid, below = rows[r - 1], rows[r], rows[r + 1]
        if mid.paragraph is not None or not (above.table_index == mid.table_index == below.table_index):
            continue
        for k, cv in enumerate(mid.cells):
            if cv.text or k >= len(above.cells) or k >= len(below.cells):
                continue
            a, b = above.cells[k], below.cells[k]
            if not a.text or not b.text or len(a.text) > _WRAP_PIECE or len(b.text) > _WRAP_PIECE:
                continue
            label = clean_cell(a.text + b.text)
            if vocab.header_field(label) and any(c.text and not _any_label(c.text) for c in mid.cells[k + 1:]):
                mid.cells[k] = CellView(text=label, col=cv.col, cell=a.cell, inferred=True)


def _rejoin_stacked_labels(rows: list[RowView]) -> None:
    """A label merged down two rows, its wrapped lines landing one in each (项目 / 资金).

    Read without rules between rows, a narrow label cell centred on two rows puts its first
    line in the upper row and its second in the lower. Where the two pieces, neither a label
    of its own, join into a block or header label, both rows take the whole label (the lower
    as a merged copy)."""
    for up, down in zip(rows, rows[1:]):
        if up.paragraph is not None or down.paragraph is not None or up.table_index != down.table_index:
            continue
        if not up.cells or not down.cells or up.cells[0].inferred or down.cells[0].inferred:
            continue
        a, b = up.cells[0], down.cells[0]
        ka, kb = vocab.key(a.text), vocab.key(b.text)
        if not (0 < len(ka) <= _WRAP_LINE and 0 < len(kb) <= _WRAP_PIECE) or _any_label(ka) or vocab.is_budget_block_label(ka):
            continue
        joined = ka + kb
        if len(ka) > _WRAP_PIECE and not vocab.budget_section(joined):
            continue  # a full line and its short tail (年度主要任 / 务): a section label wrapped in its column
        if vocab.is_budget_block_label(joined) or vocab.header_field(joined) or vocab.budget_section(joined):
            up.cells[0] = CellView(text=joined, col=a.col, cell=a.cell)
            down.cells[0] = CellView(text=joined, col=b.col, cell=b.cell, inferred=True)


def _lift_subtotal_labels(rows: list[RowView]) -> None:
    """A group's label centred below its 小计 row (财政拨款 over 小计 / 一般公共预算资金 / 政府性基金):
    the label of a merged cell drawn without rules lands on a middle row, leaving the
    subtotal row's slot empty. The subtotal is the group's own line, so it takes the label
    printed in that slot in the next row or the one after, beside an item of its own (as a
    merged copy); an item spanning both slots is no group label."""
    for r, row in enumerate(rows):
        if row.paragraph is not None:
            continue
        by_col = {c.col: i for i, c in enumerate(row.cells)}
        for cv in row.cells:
            if vocab.key(cv.text) not in vocab.GENERIC_ITEMS or (k := by_col.get(cv.col - 1)) is None or row.cells[k].text:
                continue
            for nxt in rows[r + 1:r + 3]:
                if nxt.paragraph is not None or nxt.table_index != row.table_index:
                    break
                cols = {c.col: c for c in nxt.cells}
                left, item = cols.get(cv.col - 1), cols.get(cv.col)
                if left is None or not left.text:
                    continue
                if (vocab.budget_fund(vocab.key(left.text)) and not left.inferred and item is not None and item.text
                        and item.text != left.text):
                    row.cells[k] = CellView(text=left.text, col=left.col, cell=left.cell, inferred=True)
                break


def _label_line(text: str) -> bool:
    t = clean_cell(text)
    return bool(t) and len(t) <= 12 and bool(vocab.header_field(t) or vocab.goal_field(t) or vocab.is_budget_block_label(t)
                                             or re.fullmatch(r"目标\d+[:：]?", t))


def _split_embedded_labels(rows: list[RowView]) -> None:
    """A row's label caught inside its text: ``…政府性基金预算拨`` / ``资金情况`` / ``款200,000.00元…``.

    Where no rule separates a row's label column from its text (a table ruled between rows
    only), the grid finder gives the row one cell, and the label — centred vertically on
    the row — becomes a line in the middle of the wrapped text. A cell holding text on
    both sides of one line that is exactly a label (资金情况, 年度绩效目标, 项目名称, 目标1) is
    that row: the label, then the text with its lines joined."""
    for row in rows:
        if row.paragraph is not None:
            continue
        for cv in [c for c in row.cells if c.text and not c.inferred and c.cell is not None]:
            lines = [ln.strip() for ln in cv.cell.text.splitlines() if ln.strip()]  # type: ignore[union-attr]
            at = [i for i, ln in enumerate(lines) if _label_line(ln)]
            if len(at) != 1 or not 0 < at[0] < len(lines) - 1:
                continue
            i = at[0]
            text = clean_cell("".join(lines[:i] + lines[i + 1:]))
            k = row.cells.index(cv)
            row.cells[k:k + 1] = [CellView(text=clean_cell(lines[i]), col=cv.col, cell=cv.cell),
                                  CellView(text=text, col=cv.col + 1, cell=cv.cell)]


def _lead_row_scope(row: RowView) -> str | None:
    """The scope a row holding only a table's lead (中期绩效指标 / 年度绩效指标, one merged cell) names."""
    texts = set(row.texts)
    if len(texts) != 1 or is_indicator_header(row):
        return None
    return vocab.lead_scope(texts.pop())


def _scope_from_row(row: RowView) -> str | None:
    for c in row.cells:
        if vocab.header_role(c.text) == "lead" or vocab.lead_scope(c.text):
            return vocab.lead_scope(c.text)
    return None


# ---------------------------------------------------------------------------------------
# Header and goals


def _label_value(row: RowView, idx: int, is_label) -> CellView | None:
    """The value of the label at ``idx``: the next non-empty cell that is not itself a label."""
    label_text = row.cells[idx].text
    for cv in row.cells[idx + 1:]:
        if not cv.text or cv.text == label_text:
            continue
        if is_label(cv.text):
            return None
        return cv
    return None


def _any_label(text: str) -> bool:
    return bool(vocab.header_field(text) or vocab.goal_field(text) or vocab.other_label(text))


_OTHER_LABELS = vocab.run_on_labels()


# a label of a field we do not extract (项目负责人, 联系电话 …) run into a header value
_OTHER_LABEL_RUN = re.compile("|".join(sorted(map(re.escape, _OTHER_LABELS), key=len, reverse=True)))

_INLINE_LABEL = re.compile(
    r"(?:^|(?<=[\s)）]))("
    + "|".join(sorted({lbl for labels in vocab.HEADER_LABELS.values() for lbl in labels}, key=len, reverse=True))
    + r")\s*[:：]?\s*(?P<value>[^\s:：].*)$"
)
_INLINE_MAX = 40  # a label and its value in one cell are short; prose that mentions 实施单位 is not a header


def _read_inline_labels(st: _State, row: RowView) -> None:
    """A label and its value in one cell: "部门名称 商务局", "项目名称：道路养护"."""
    for cv in row.cells:
        text = clean_cell(cv.text)
        if not text or vocab.header_field(text) or len(text) > _INLINE_MAX:
            continue
        m = _INLINE_LABEL.search(text.replace("（", "(").replace("）", ")"))
        if not m:
            continue
        fld = vocab.header_field(m.group(1))
        if fld and getattr(st.form, fld) is None and not vocab.header_field(m.group("value")):
            setattr(st.form, fld, m.group("value").strip())
            st.form.evidence[fld] = evidence_of(cv)


def _split_run_on_label(st: _State, text: str, cv: CellView) -> str:
    """OCR that lost a column rule runs cells together: "经营成本及税费主管部门苏州市行政审批局"."""
    if len(text) > _INLINE_MAX:
        return text
    m = re.search(_INLINE_LABEL.pattern.replace(r"(?:^|(?<=[\s)）]))", ""), text.replace("（", "(").replace("）", ")"))
    if not m or m.start() == 0:
        other_label = _OTHER_LABEL_RUN.search(text)
        return text[: other_label.start()].strip() if other_label and other_label.start() > 0 else text
    other = vocab.header_field(m.group(1))
    if other and getattr(st.form, other) is None:
        setattr(st.form, other, m.group("value").strip())
        st.form.evidence[other] = evidence_of(cv, status=AlignmentStatus.REPAIRED)
    return text[: m.start()].strip()


_TRAILING_LABEL_MAX = 8


def _split_trailing_label(st: _State, text: str, row: RowView, val: CellView) -> str:
    """A value glued to the next label of its row, whose own value stands in the next cell
    (泉州市文化广电和旅游局实施单位 | 泉州市图书馆: no gap or rule between the two columns)."""
    for n in range(min(_TRAILING_LABEL_MAX, len(text) - 2), 1, -1):
        other = vocab.header_field(text[-n:])
        if other is None or vocab.header_field(text[:-n]) is not None:
            continue
        k = row.cells.index(val) if val in row.cells else -1
        nxt = next((c for c in row.cells[k + 1:] if c.text and c.text != val.text), None) if k >= 0 else None
        if nxt is not None and getattr(st.form, other) is None and not _any_label(nxt.text):
            setattr(st.form, other, squash_cjk_spaces(clean_cell(nxt.text)))
            st.form.evidence[other] = evidence_of(nxt)
        return text[:-n].strip()
    return text


def _read_header(st: _State, row: RowView) -> bool:
    if st.mode != "indicators":
        _read_inline_labels(st, row)
    found = False
    for idx, cv in enumerate(row.cells):
        fld = vocab.header_field(cv.text)
        if fld is None or getattr(st.form, fld) is not None:
            continue
        found = True
        val = _label_value(row, idx, _any_label)
        if val is None:
            continue
        text = squash_cjk_spaces(clean_cell(val.text))
        text = _split_run_on_label(st, text, val)
        text = _split_trailing_label(st, text, row, val)
        text = re.sub(r"^\s*[\[［【(（]\s*\d{2,}\s*[\]］】)）]\s*", "", text)  # 主管部门及代码: "[137]绵阳市水利局"
        setattr(st.form, fld, text)
        st.form.evidence[fld] = evidence_of(val)
    if not found and st.form.year is None:
        for cv in row.cells:
            if re.match(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]|\s*20\d{2}\s*年度\s*$", cv.text or "") and (y := year_from_text(cv.text)):
                st.form.year = y
                st.form.evidence["year"] = evidence_of(cv)
    return found


def _read_goals(st: _State, row: RowView) -> bool:
    found = False
    labels = []
    for idx, cv in enumerate(row.cells):
        fld = vocab.goal_field(cv.text)
        generic = vocab.key(cv.text) in vocab.GENERIC_GOAL_LABELS and _next_is_numbered_goal(row, idx)
        if fld is None and not generic:
            continue
        found = True
        fld = fld or "annual"
        val = _label_value(row, idx, lambda t: bool(vocab.goal_field(t)))
        if val is not None and re.fullmatch(r"目标\d+[:：]?", vocab.key(val.text)):
            # 绩效目标 | 目标1 | text : a numbered goal list
            nxt = _label_value(row, row.cells.index(val), lambda t: False)
            if nxt is not None:
                st.goal_lists.setdefault(fld, []).append(clean_cell(nxt.text))
                st.form.evidence.setdefault(f"goals.{fld}", evidence_of(nxt))
            st.mode = "goal_list:" + fld
            continue
        if val is None:
            labels.append((fld, cv.col))
            continue
        _set_goal(st, fld, val)
    if labels:
        st.pending_goal_labels = labels
    if not found and st.mode.startswith("goal_list:"):
        texts = row.texts
        if texts and re.fullmatch(r"目标\d+[:：]?", vocab.key(texts[0])) and len(texts) >= 2:
            fld = st.mode.split(":", 1)[1]
            st.goal_lists.setdefault(fld, []).append(clean_cell(texts[1]))
            return True
    return found


def _next_is_numbered_goal(row: RowView, idx: int) -> bool:
    nxt = next((c for c in row.cells[idx + 1:] if c.text), None)
    return nxt is not None and bool(re.fullmatch(r"目标\d+[:：]?", vocab.key(nxt.text)))


def _set_goal(st: _State, fld: str, cv: CellView) -> None:
    if getattr(st.form.goals, fld):
        return
    text = clean_cell(re.sub(r"</?p>", " ", cv.text))
    setattr(st.form.goals, fld, text or None)
    st.form.evidence[f"goals.{fld}"] = evidence_of(cv, status=AlignmentStatus.REPAIRED if cv.repairs else None,
                                                   repairs=cv.repairs)


def _fill_pending_goals(st: _State, row: RowView) -> bool:
    """Goal labels printed as column headings: take the texts below them by position."""
    cells = row.nonempty()
    if not cells:
        return False
    taken = False
    for fld, col in st.pending_goal_labels:
        best = min(cells, key=lambda c: abs(c.col - col))
        if abs(best.col - col) <= 1 and not looks_like_value(best.text):
            _set_goal(st, fld, best)
            taken = True
    st.pending_goal_labels = []
    return taken


def _goal_heading_line(para: RowView, nxt: RowView | None) -> list[str | None]:
    """A line of column headings printed outside the grid, right above the row holding their texts:
    ``部门职能分解  部门中期目标  部门年度绩效目标``. Each part is a label, one at least a goal's;
    the goal fields (None for the other labels), in the order printed."""
    p = para.paragraph
    if p is None or nxt is None or "\n" in p.text.strip():
        return []
    parts = [clean_cell(t) for t in _gap_cells(p.text)]
    if len(parts) < 2 or not all(_any_label(t) for t in parts):
        return []
    fields = [vocab.goal_field(t) for t in parts]
    return fields if any(fields) else []


_AMOUNT_ONLY = re.compile(r"[-+≥≤=<>]?\d[\d,.]*(%|万元|元|亿元)?")  # a cell of a number: no line of prose


def _fill_goal_columns(st: _State, rows: list[RowView], i: int, fields: list[str | None]) -> bool:
    """The table under a heading line holds only the headings' texts, each wrapped down its own
    column, the grid cut line by line (a centred column's lines between the others'). Its cells'
    spans across the page fall into one group per heading, left to right; each group's lines,
    top to bottom, are that heading's text. The rows read are left empty."""
    start = i
    cells: list[CellView] = []
    while start < len(rows) and (p := rows[start].paragraph) is not None:
        # the first lines printed above the grid's first rule, one paragraph line each
        if p.bbox is None or "\n" in p.text.strip() or not p.text.strip():
            return False
        cells.append(CellView(text=clean_cell(p.text), col=-1, cell=Cell(text=p.text, row=-1, col=-1, bbox=p.bbox, page=p.page)))
        start += 1
    if start >= len(rows) or start - i > 4:
        return False
    table = rows[start].table_index
    end = start
    while end < len(rows) and rows[end].paragraph is None and rows[end].table_index == table:
        end += 1
    cells += [c for r in rows[start:end] for c in r.cells if c.text and not c.inferred]
    if end - start < 2 or not cells or any(c.cell is None or c.cell.bbox is None or _AMOUNT_ONLY.fullmatch(vocab.key(c.text))
                                       or _any_label(c.text) for c in cells):
        return False
    groups: list[list[CellView]] = []
    for c in sorted(cells, key=lambda c: c.cell.bbox[0]):
        if groups and c.cell.bbox[0] < max(g.cell.bbox[2] for g in groups[-1]):
            groups[-1].append(c)
        else:
            groups.append([c])
    if len(groups) != len(fields):
        return False
    for fld, group in zip(fields, groups):
        group.sort(key=lambda c: c.cell.bbox[1])
        if fld is not None:
            text = squash_cjk_spaces("".join(clean_cell(c.text) for c in group))
            _set_goal(st, fld, CellView(text=text, col=group[0].col, cell=group[0].cell,
                                        repairs=[Repair(rule=WRAPPED_VALUE_RULE, original=group[0].text, repaired=text)]))
    for r in rows[i:end]:
        for c in r.cells:
            if c.cell is not None:
                c.cell.read = True
        r.cells = [CellView(text="", col=c.col) for c in r.cells]
    return True


def _fill_goals_in_order(st: _State, row: RowView, fields: list[str | None]) -> bool:
    """The row under a heading line: one cell of text per heading, left to right (a merged cell's
    copies are one cell). Any other count is not the headings' row, and nothing is taken."""
    cells = [c for c in row.cells if c.text and not c.inferred]
    if len(cells) != len(fields) or any(looks_like_value(c.text) or _any_label(c.text) for c in cells):
        return False
    for fld, cv in zip(fields, cells):
        if fld is not None:
            _set_goal(st, fld, cv)
    return True


# ---------------------------------------------------------------------------------------
# Budget


def _is_budget_row(st: _State, row: RowView) -> bool:
    texts = row.texts
    if any(vocab.is_budget_block_label(t) or vocab.budget_section(t) for t in texts):
        return True
    if st.mode == "budget":
        return True
    if st.mode == "indicators":
        return False  # 预算执行率 | =100% is an indicator, not a budget line
    if any(vocab.task_list_name_heading(t) for t in texts):
        return True  # 任务名称 | 主要内容 | 预算金额: the heading row of a task list with amounts
    if any(is_budget_sentence(t) for t in texts):
        return True
    if len(texts) >= 2 and all(vocab.budget_fund(vocab.key(t)) for t in texts):
        return True  # 资金总额 | 财政拨款 | 其他资金 over their amounts, the block's label printed after them
    return any(vocab.BUDGET_ITEM_HINT_RE.search(vocab.key(t)) for t in texts) and any(
        parse_amount(t)[0] is not None for t in texts
    )


_COLUMN_WITH_AMOUNT = re.compile(r"^(?P<col>.*?(预算数|执行数|金额|决算数))\s*(?P<num>[-+]?\d[\d,]*(\.\d+)?)$")


# a cell holding only a unit: （元）, (万元), 单位：元 — the rest of a block label wrapped in its merged cell
_BARE_UNIT = re.compile(r"单位[:：](万元|元|亿元)|[(（](万元|元|亿元)[)）]")


def _split_open_unit_labels(cells: list[CellView]) -> list[CellView]:
    """A label wrapped inside its unit with the next cell's text caught between the pieces
    (上年预算（万 · 实际支出数 · 元）, ``vocab.label_in_open_unit``) read as the label with its
    unit, then that text."""
    out: list[CellView] = []
    for cv in cells:
        if (found := vocab.label_in_open_unit(cv.raw if cv.cell is not None else cv.text)) is None:
            out.append(cv)
            continue
        label, unit, rest = found
        out += [CellView(text=f"{label}（{unit}）", col=cv.col, cell=cv.cell, inferred=cv.inferred),
                CellView(text=rest, col=cv.col, cell=cv.cell, inferred=cv.inferred)]
    return out


def _unwrap_label_around_amount(cells: list[CellView]) -> list[CellView]:
    """A fund's label wrapped around its amount in one cell (其中：财政资 / 2200万元 / 金 / its use):
    a label and an amount side by side with no rule between them, the label's two lines centred
    on the amount's one. Read as the fund, its amount, then the rest of the cell."""
    out: list[CellView] = []
    for cv in cells:
        lines = [ln.strip() for ln in (cv.raw or "").splitlines() if ln.strip()]
        hit = next((i for i in range(len(lines) - 2) if parse_amount(lines[i + 1])[0] is not None
                    and parse_amount(lines[i])[0] is None and vocab.budget_fund(vocab.key(lines[i] + lines[i + 2]))), None)
        if hit is None:
            out.append(cv)
            continue
        parts = [*lines[:hit], lines[hit] + lines[hit + 2], lines[hit + 1], *lines[hit + 3:]]
        out += [CellView(text=clean_cell(t), col=cv.col, cell=cv.cell, inferred=cv.inferred) for t in parts]
    return out


def _unglued_cells(cells: list[CellView]) -> list[CellView]:
    """Cells of two columns a reader of an unruled table did not part: amounts one space apart
    (``560.00 300.00``), fund headings run together (资金总额上级资金, ``vocab.split_fund_names``).
    Each piece is a cell of its own, in order; the amounts then map onto the headings."""
    out: list[CellView] = []
    for cv in cells:
        parts = clean_cell(cv.text).split()
        if len(parts) >= 2 and all(parse_amount(p)[0] is not None for p in parts):
            out += [CellView(text=p, col=cv.col, cell=cv.cell, inferred=cv.inferred) for p in parts]
        elif names := vocab.split_fund_names(cv.text):
            out += [CellView(text=n, col=cv.col, cell=cv.cell, inferred=cv.inferred) for n in names]
        else:
            out.append(cv)
    return out


def _one_fund_per_amount(cells: list[CellView]) -> list[CellView]:
    """Two funds' rows read as one (其中：财政资金 / 其他资金 in one cell beside one amount): the
    amount goes to the fund on its line, found by height within the label cell; the fund
    without an amount printed keeps none. Needs the page's geometry: left alone otherwise."""
    amounts = [c for c in cells if parse_amount(c.text)[0] is not None and c.cell is not None and c.cell.bbox]
    out: list[CellView] = []
    for cv in cells:
        lines = [ln.strip() for ln in (cv.raw or "").splitlines() if ln.strip()]
        box = cv.cell.bbox if cv.cell is not None else None
        if (len(amounts) != 1 or len(lines) < 2 or box is None or box[3] <= box[1]
                or not all(vocab.budget_fund(re.sub(r"^其中[:：]?", "", vocab.key(ln))) for ln in lines)):
            out.append(cv)
            continue
        a = amounts[0].cell.bbox  # type: ignore[union-attr]
        if a[3] - a[1] > 0.75 * (box[3] - box[1]):
            out.append(cv)  # cell boxes, not text boxes (a ruled grid): the height tells no line
            continue
        at = min(len(lines) - 1, max(0, int(((a[1] + a[3]) / 2 - box[1]) / (box[3] - box[1]) * len(lines))))
        out.append(CellView(text=clean_cell(lines[at]), col=cv.col, cell=cv.cell, inferred=cv.inferred))
    return out


def _restate_unit(st: _State, unit: str) -> None:
    """The block's unit, met after some of its amounts were read in the default: re-read them.

    A label merged down the block (资金情况 / （元）) can reach the reader one line per row, its
    unit line beside the third fund; the amounts read before it had no unit of their own."""
    if unit == st.default_unit:
        return
    st.default_unit = unit
    for line in st.form.budget.lines[st.run_start:]:
        ev = line.evidence.get("amount")
        if ev is None or ev.source_text is None:
            continue
        amount, seen = parse_amount(ev.source_text, unit)
        if amount is None or seen != unit or re.search(r"元|万|亿", ev.source_text):
            continue  # printed with its own unit: kept
        line.amount = amount
        ev.repairs = [r for r in ev.repairs if r.rule != AMOUNT_UNIT_RULE]
        if unit != "万元":
            ev.repairs.append(Repair(rule=AMOUNT_UNIT_RULE, original=f"{clean_cell(ev.source_text)} ({unit})",
                                     repaired=f"{amount:g}万元"))


def _budget_tokens(st: _State, row: RowView) -> list[tuple[str, CellView]]:
    """Classify a budget row's cells: section | block | column | amount | label."""
    tokens: list[tuple[str, CellView]] = []
    cells = _unglued_cells(_one_fund_per_amount(_split_open_unit_labels(_unwrap_label_around_amount(row.nonempty()))))
    for cv in cells:
        for line in cv.text.splitlines():  # 资金情况（元）, alone or a line of a cell joined with its neighbour's
            if vocab.is_budget_block_label(line) and (m := re.search(r"[(（](万元|元|亿元)[)）]", clean_cell(line).replace(" ", ""))):
                _restate_unit(st, m.group(1))
            elif glued := vocab.glued_block_label(line):
                _restate_unit(st, glued[2])
                if st.section is None:
                    _name_block(st, glued[1], cv.col)
    for cv in cells:
        k = vocab.key(cv.text)
        if (vocab.is_budget_block_label(cv.text) and not vocab.budget_section(cv.text) and vocab.BUDGET_ITEM_HINT_RE.search(k)
                and any(kind == "amount" for kind, _ in tokens)):
            # 公用经费 | 154.46 | 项目经费 | 0: a block's label heads the block from its left edge, so
            # one printed after an amount of the row is an item of the block (项目经费, 项目资金)
            tokens.append(("label", cv))
        elif vocab.is_budget_block_label(cv.text):
            if sec := vocab.budget_section(cv.text):
                _begin_table(st, row.table_index)
                st.section = sec
                _section_the_table(st, row)
            else:
                st.block_tables.add(row.table_index)  # a block label: its sections are sub-blocks
                if st.section is None or (st.section_from_block and st.section_col is not None and cv.col < st.section_col):
                    _name_block(st, vocab.budget_block_name(cv.text), cv.col)
            tokens.append(("block", cv))
        elif vocab.budget_section(cv.text):
            st.section_from_block = False
            tokens.append(("section", cv))
        elif m := _COLUMN_WITH_AMOUNT.match(clean_cell(cv.text)):
            # "全年(程) 预算数 25": a heading and its amount in one cell
            tokens.append(("column", CellView(text=m.group("col"), col=cv.col, cell=cv.cell)))
            tokens.append(("amount", CellView(text=m.group("num"), col=cv.col, cell=cv.cell)))
        elif m := _BARE_UNIT.fullmatch(clean_cell(cv.text).replace(" ", "")):
            _restate_unit(st, m.group(1) or m.group(2))  # 资金情况 / （元）: a merged label's unit line, read into a row of its own
        elif k in ("", "万元") or vocab.unit_tail(cv.text):
            continue  # the tail of a label wrapped inside its unit (项目资金（万 / 元）)
        elif parse_amount(cv.text, st.default_unit)[0] is not None:
            tokens.append(("amount", cv))
        elif vocab.is_budget_column(cv.text):
            if m := re.search(r"[(（](万元|元|亿元)[)）]", clean_cell(cv.text).replace(" ", "")):
                st.default_unit = m.group(1)  # 金额（元）: the heading states the unit of its amounts
            tokens.append(("column", cv))
        elif phrases := fund_phrases(cv.text):
            # a sentence stating the funds: each fund name and its amount, as a key-value pair
            for ph in phrases:
                tokens.append(("label", CellView(text=ph.name, col=cv.col, cell=cv.cell)))
                tokens.append(("amount", CellView(text=ph.amount, col=cv.col, cell=cv.cell)))
        else:
            tokens.append(("label", cv))
    # a block label that names a fund and stands right before an amount (预算安排 | 120 | 其中：…)
    # is also that amount's label; not a merged copy of it, nor over headed fund columns
    for i in range(len(tokens) - 2, -1, -1):
        kind, cv = tokens[i]
        if (kind == "block" and tokens[i + 1][0] == "amount" and not cv.inferred and not st.columns_are_items
                and vocab.budget_fund(vocab.budget_block_name(cv.text))):
            tokens.insert(i + 1, ("label", cv))
    return tokens


def _begin_table(st: _State, table: int) -> None:
    if table not in st.table_first_line:
        st.table_first_line[table] = len(st.form.budget.lines)
        st.table_inherited[table] = st.section


def _section_the_table(st: _State, row: RowView) -> None:
    """A section label met first in a table names the lines its table gave before it too.

    The label of a block (上年预算（万元）) is a merged cell centred down the block's rows; read
    without rules, it lands on a middle row, after the block's first rows. A table found on
    a page (the block between two rules the producer did draw) is that label's block; a
    text export's tables are runs of lines, no blocks, so they are left alone."""
    table = row.table_index
    if (table in st.table_sectioned or table in st.block_tables or table < 0
            or not any(c.cell is not None and c.cell.bbox for c in row.cells)):
        return
    st.table_sectioned.add(table)
    inherited = st.table_inherited.get(table)
    for line in st.form.budget.lines[st.table_first_line.get(table, len(st.form.budget.lines)):]:
        if line.section == inherited:  # read under the section of the table before, or none
            line.section = st.section


def _name_block(st: _State, name: str, col: int) -> None:
    """The section a funding block's label names, also for the lines already read in this run.

    The block label is a merged cell down the block's left edge. Without rules between rows
    (an unruled or row-ruled table read by whitespace) its text, centred vertically, lands on a
    middle row, so the block's first rows are read before it; and a heading over the item
    column (资金来源 | 半年计划执行数 | …) may come first and is not the block's name when a label
    left of it follows. Lines of the run read under no section, or under the block name being
    replaced, take the label's name.
    """
    old = st.section if st.section_from_block else None
    for line in st.form.budget.lines[st.run_start:]:
        if line.section == old:
            line.section = name
    st.section, st.section_from_block, st.section_col = name, True, col


def _heading_over_table(para: RowView, nxt: RowView | None, st: _State) -> tuple[str, BBox, RowView] | None:
    """A budget column heading printed as a line of its own right above a table (全年预算数 over
    the amounts column: the table's heading row left outside its rules), kept for its first row."""
    p = para.paragraph
    if (p is None or p.bbox is None or nxt is None or nxt.paragraph is not None or st.mode == "indicators"
            or not vocab.is_budget_column(p.text) or "\n" in p.text.strip()):
        return None
    return vocab.key(p.text), p.bbox, nxt


def _apply_pending_column(st: _State, row: RowView) -> None:
    """The heading kept by :func:`_heading_over_table` names the column of the cell under it."""
    if st.pending_column is None or st.pending_column[2] is not row:
        return
    name, box, _ = st.pending_column
    st.pending_column = None
    cx = (box[0] + box[2]) / 2
    under = [c for c in row.cells if c.cell is not None and c.cell.bbox and c.cell.bbox[0] <= cx <= c.cell.bbox[2]]
    if len(under) == 1 and not st.budget_columns:
        _set_budget_columns(st, [(name, under[0].col)])


def _read_budget_row(st: _State, row: RowView) -> None:
    """One row of the funding block: headings, or an item with its amounts."""
    _apply_pending_column(st, row)
    tokens = _budget_tokens(st, row)
    _begin_table(st, row.table_index)
    for kind, cv in tokens:
        if kind == "section":
            sec = vocab.budget_section(cv.text)
            if (st.section is None and row.table_index < 0 and cv.cell is not None and cv.cell.bbox
                    and row.nonempty() and cv.cell is row.nonempty()[0].cell):
                # 批复数 757.3 / 上年预算（万元） 实际支出数 1773.6: a block's label merged down its rows,
                # read as paragraph lines, lands on a middle line; the lines above it are its block's
                for line in st.form.budget.lines[st.run_start:]:
                    if line.section is None:
                        line.section = sec
            st.section = sec
            _section_the_table(st, row)
    amounts = [cv for kind, cv in tokens if kind == "amount"]
    columns = [(vocab.key(cv.text), cv.col) for kind, cv in tokens if kind == "column"]
    if not amounts:
        labels = [(vocab.key(cv.text), cv.col) for kind, cv in tokens if kind == "label" and not cv.inferred]
        if st.section not in vocab.BUDGET_TASK_SECTIONS and (
                task := next((s for k, _ in labels if (s := vocab.task_list_heading(k))), None)):
            # 年度主要任务名称 | 工作内容 | 对应年度绩效目标 | 预算金额: a task list's heading row after a
            # funding block; its rows are tasks with amounts, not items of the block above
            st.section, st.section_from_block, st.last_item = task, False, None
            st.budget_columns, st.columns_are_items = [], False
            st.run_start = len(st.form.budget.lines)
        if st.suspect and st.budget_columns and len(labels) == 1 and vocab.BUDGET_ITEM_HINT_RE.search(labels[0][0]):
            st.form.flag(Severity.WARNING, "budget_amount_unread",
                         f"budget row {labels[0][0]} has no readable amount on an OCR'd page (empty, or a missed 0?)",
                         field="budget.lines", item=labels[0][0])
        if st.section in vocab.BUDGET_TASK_SECTIONS and len(funds := _task_fund_headings(tokens)) >= 2:
            # 任务1 | 主要内容 | 总额 | 财政拨款 | 其他资金: the funds under the task list's amount heading
            # are its columns; the cells left of them (a task's merged name, the headings) are not
            _set_budget_columns(st, funds)
            st.columns_are_items = True
        elif columns:
            _set_budget_columns(st, columns)
        elif not st.budget_columns and len(labels) >= 2 and all(vocab.BUDGET_ITEM_HINT_RE.search(k) for k, _ in labels):
            # items printed as column headings (资金总额 | 财政资金 | 其他资金) over one row of amounts
            _set_budget_columns(st, [(re.sub(r"^其中", "", k), c) for k, c in labels])
            st.columns_are_items = True
        elif _funds_under_one_heading(st, labels, exact=row.exact):
            # 预算金额（万元） spanning 总额 | 财政拨款 | 其他资金 on the next row: the funds are the columns
            _set_budget_columns(st, [(re.sub(r"^其中", "", k), c) for k, c in labels])
            st.columns_are_items = True
        return
    if st.columns_are_items:
        # headed fund columns (资金总额 | 上级资金 | …): a heading-like cell in front of the amounts
        # is the row's own label (上年预算数 | 560 | 300 …), not a column
        first = next(i for i, tok in enumerate(tokens) if tok[0] == "amount")
        tokens = [("label", cv) if kind == "column" and i < first else (kind, cv) for i, (kind, cv) in enumerate(tokens)]
    # The token right before each amount decides how it is read.
    pairs: list[tuple[tuple[str, CellView] | None, CellView]] = []
    prev: tuple[str, CellView] | None = None
    for tok in tokens:
        if tok[0] == "amount":
            pairs.append((prev if prev and prev[0] in ("label", "column") else None, tok[1]))
        prev = tok
    known = {name for name, _ in st.budget_columns} | st.seen_columns
    labelled = [p for p in pairs if p[0] is not None and (p[0][0] == "label" or vocab.key(p[0][1].text) not in known)]
    if len(labelled) >= 2 or (not st.budget_columns and labelled):
        run: list[CellView] = []  # the labels since the last amount (财政拨款 | 小计 | 410.99: the group's subtotal)
        for kind, cv in tokens:  # key-value row: 批复数 | 757.3 | 调整数 | 1773.6
            if kind == "amount":
                before = next((p for p, a in pairs if a is cv), None)
                if before is not None:
                    _add_line(st, _item_name(run if vocab.key(before[1].text) in vocab.GENERIC_ITEMS and run else [before[1]]),
                              None, cv)
                run = []
            elif kind == "label":
                run.append(cv)
        return
    first_amount = next(i for i, tok in enumerate(tokens) if tok[0] == "amount")
    item_labels = [cv for kind, cv in tokens[:first_amount] if kind == "label"]
    if st.columns_are_items:
        # the row label; cells after it describe the row (任务1 | 名称 | 主要内容). A total printed beside
        # a merged copy of the label above (任务1 | 金额合计 | 60) is the row's own label.
        own = [cv for cv in item_labels if not cv.inferred and vocab.BUDGET_ITEM_HINT_RE.search(vocab.key(cv.text))]
        item_labels = own[:1] if own and item_labels[0].inferred else item_labels[:1]
    item = _item_name(item_labels) if item_labels else st.last_item
    st.last_item = item
    to_map: list[CellView] = []
    for before, amount in pairs:
        if before is not None and before[0] == "column" and vocab.key(before[1].text) in known | {c for c, _ in columns}:
            _add_line(st, item, vocab.key(before[1].text), amount)  # heading printed right before its amount
        else:
            to_map.append(amount)
    for a, col in _map_right_aligned(st, row, to_map) or _map_amounts(st, to_map):
        _add_line(st, item, col, a)


def _task_fund_headings(tokens: list[tuple[str, CellView]]) -> list[tuple[str, int]]:
    """The fund headings of a task list's amount columns (总额 | 财政拨款 | 其他资金), as printed, at
    their columns; a fund glued under the amount heading in one cell (预算金额（万元） / 财政拨款) by its
    last line."""
    out: list[tuple[str, int]] = []
    for kind, cv in tokens:
        if kind not in ("label", "column") or cv.inferred:
            continue
        name = next((vocab.key(ln) for ln in reversed(cv.raw.splitlines()) if vocab.key(ln)), "")
        if vocab.budget_fund(name):
            out.append((name, cv.col))
    return out


def _funds_under_one_heading(st: _State, labels: list[tuple[str, int]], *, exact: bool) -> bool:
    """Fund names on the row under one spanning amount heading, each in its own column at or after it
    (a text export drops the covered slots, so there the positions say nothing)."""
    if len(st.budget_columns) != 1 or len(labels) < 2:
        return False
    head_col = st.budget_columns[0][1]
    return all((c >= head_col or not exact) and vocab.budget_fund(k) and vocab.budget_fund_kind(k) != "generic_total"
               for k, c in labels)


def _map_right_aligned(st: _State, row: RowView, amounts: list[CellView]) -> list[tuple[CellView, str | None]] | None:
    """Headed fund columns in a text export: the row's last cells are the amount columns.

    A text row has lost the grid's positions (covered slots dropped, headings shifted left),
    but the fund columns are the table's right edge, empty cells included (``60 | | ``).
    """
    cols = st.budget_columns
    if row.exact or not st.columns_are_items or len(row.cells) < len(cols):
        return None
    tail = row.cells[-len(cols):]
    by_id = {id(c): cols[i][0] for i, c in enumerate(tail)}
    if not all(id(a) in by_id for a in amounts):
        return None
    return [(a, by_id[id(a)]) for a in amounts]


def _set_budget_columns(st: _State, cols: list[tuple[str, int]]) -> None:
    years = [c for c in cols if vocab.YEAR_HEADER_RE.match(c[0])]
    if years and st.budget_columns and len(years) == len(cols):
        # sub-header: 近两年收支金额 → 2022年 / 2023年
        generic = [i for i, (name, _) in enumerate(st.budget_columns) if not vocab.YEAR_HEADER_RE.match(name)
                   and ("近" in name or "收支金额" in name or "历年" in name)]
        if generic:
            i = generic[0]
            st.budget_columns[i:i + 1] = years
            return
    st.budget_columns = cols
    st.seen_columns.update(name for name, _ in cols)


def _map_amounts(st: _State, amounts: list[CellView]) -> list[tuple[CellView, str | None]]:
    cols = st.budget_columns
    if not cols:
        return [(a, None) for a in amounts]
    if len(amounts) == len(cols):
        return [(a, cols[i][0]) for i, a in enumerate(amounts)]
    if len(cols) == 1:
        return [(a, cols[0][0]) for a in amounts[:1]]
    out = []
    used: set[int] = set()
    for a in amounts:
        free = [i for i in range(len(cols)) if i not in used]
        if not free:
            break
        j = min(free, key=lambda i: (abs(cols[i][1] - a.col), i))
        used.add(j)
        out.append((a, cols[j][0]))
    return out


def _item_name(label_cells: list[CellView]) -> str | None:
    names = [squash_cjk_spaces(clean_cell(c.text)) for c in label_cells if clean_cell(c.text)]
    names = [re.sub(r"^其中[:：]\s*", "", n).rstrip("：:") for n in names]
    names = [g[0] if (g := vocab.glued_block_label(n)) else n for n in names]
    names = [re.sub(r"[(（](万元|元)[)）]$", "", n) for n in names]
    names = [n.replace(" ", "") for n in names if n]
    if not names:
        return None
    last = names[-1]
    if last in vocab.GENERIC_ITEMS and len(names) >= 2:
        return names[-2]
    return last


def _add_line(st: _State, item: str | None, column: str | None, cv: CellView) -> None:
    amount, unit = parse_amount(cv.text, st.default_unit)
    if amount is None:
        return
    line = BudgetLine(section=st.section, item=item, column=column, amount=amount)
    conversion = []
    if unit not in (None, "万元", "万", "%"):  # printed in 元 / 亿元: the conversion is recorded
        conversion = [Repair(rule=AMOUNT_UNIT_RULE, original=f"{clean_cell(cv.text)} ({unit})", repaired=f"{amount:g}万元")]
    line.evidence["amount"] = evidence_of(cv, repairs=conversion)
    st.form.budget.lines.append(line)


def finish_budget(form: Form) -> None:
    drop_task_lines_beside_funding_block(form)
    settle_budget_fields(form)


# ---------------------------------------------------------------------------------------
# Indicators


def _collect_indicator_row(table: IndicatorTable, row: RowView, *, suspect: bool = False) -> None:
    cells = [c for c in row.nonempty() if not vocab.LEAD_RE.match(vocab.key(c.text))]
    if not cells:
        return
    roles = [r for r in table.roles if r.name != "lead"]
    if row.exact:
        assigned, dropped = assign_exact(cells, roles)
    else:
        width = max((p for r in table.roles for p in r.positions), default=-1) + 1
        assigned, dropped = align_row(cells, roles, exact=False, allow_join=suspect,
                                      shift=max(0, width - len(row.cells)))
    if (either := assigned.pop("op_or_category", None)) is not None:
        k = vocab.key(either.text)
        if vocab.operator_in_cell(k):
            assigned["op"] = either
        elif k not in vocab.VALUE_KIND_WORDS:  # 定性 / 定量 is how the value is written, not a category
            assigned["category"] = either
    if suspect and any(r.name in ("op", "op_or_category") for r in roles) and "op" not in assigned:
        note = "operator cell empty on an OCR'd/garbled page: a lone ≥ / = is easily missed"
        table.rows_flags.append((len(table.rows), "op", note))
    if suspect and any(r.name == "unit" for r in roles) and "unit" not in assigned:
        note = "unit cell empty on an OCR'd/garbled page: a short unit (人, 次, %) is easily missed"
        table.rows_flags.append((len(table.rows), "unit", note))
    if (ignored := assigned.get("ignore")) is not None and ignored.cell is not None:
        ignored.cell.read = True  # a column the vocabulary ignores on purpose (评分标准, 备注): consumed (coverage)
    table.rows.append({"cells": assigned, "dropped": dropped, "row": row})


def mark_suspect_document(regions: list[FormRegion]) -> None:
    """A document whose text is garbled anywhere is treated as garbled everywhere (one scan, one OCR)."""
    if any(_is_suspect(region_rows(r.blocks)) for r in regions):
        for r in regions:
            r.suspect = True


def _is_suspect(rows: list[RowView]) -> bool:
    """OCR'd cells (score < 1), or a text layer where garbled names are common."""
    from jixiao.domain.repair import looks_garbled

    cells = [c for r in rows for c in r.cells if c.text]
    if any(c.cell is not None and c.cell.score < 1.0 for c in cells):
        return True
    names = [c for c in cells if not looks_like_value(c.text) and len(c.text) <= 20
             and re.search(r"[A-Za-z\u4e00-\u9fff]", c.text)]
    garbled = sum(1 for c in names if looks_garbled(c.text))
    return bool(names) and garbled >= max(3, 0.03 * len(names))


def _repaired_row(row: RowView) -> RowView:
    """Rejoin words OCR cut across two cells, and snap framework names, before alignment."""
    from jixiao.domain.repair import looks_garbled, rejoin_cells, repair_text

    cells = list(row.cells)
    out: list[CellView] = []
    i = 0
    while i < len(cells):
        cv = cells[i]
        nxt = next((c for c in cells[i + 1:] if c.text), None)
        if cv.text and nxt is not None and not looks_like_value(cv.text) and not looks_like_value(nxt.text):
            joined = rejoin_cells(cv.text, nxt.text)
            if joined is not None:
                text, rep = joined
                out.append(CellView(text=text, col=cv.col, cell=cv.cell, inferred=cv.inferred, repairs=[rep]))
                i = cells.index(nxt) + 1
                continue
        damaged = looks_garbled(cv.text) or (cv.cell is not None and cv.cell.score < 0.9)
        known = is_framework_name(cv.text, "level1") or is_framework_name(cv.text, "level2")
        if cv.text and damaged and not known and not looks_like_value(cv.text):
            for role in ("level1", "level2"):
                text, reps = repair_text(cv.text, role=role)
                if reps and is_framework_name(text, role):
                    cv = CellView(text=text, col=cv.col, cell=cv.cell, inferred=cv.inferred, repairs=reps)
                    break
        out.append(cv)
        i += 1
    return RowView(cells=out, exact=row.exact, table_index=row.table_index, row_index=row.row_index, rid=row.rid)


def _repair_names(ind: Indicator, suspect: bool) -> None:
    """Character-level repairs always (variant hanzi, look-alikes); lexicon snapping on suspect sources."""
    from jixiao.domain.repair import INFERRED_RULES, repair_text

    from jixiao.domain.repair import looks_garbled

    for fld in ("level1", "level2", "level3", "key_task"):
        text = getattr(ind, fld)
        if not text:
            continue
        role = fld if (suspect and fld != "key_task") else None
        if role in ("level1", "level2") and is_framework_name(text, role):
            role = None  # already a framework name: never snap it to another one
        ev0 = ind.evidence.get(fld)
        low_score = ev0 is not None and ev0.ocr_score is not None and ev0.ocr_score < 0.9
        if role == "level3" and not (looks_garbled(text) or low_score):
            role = None  # level3 names are free text: snap only what is visibly damaged
        ctx = {"level1": ind.level1} if fld == "level2" else {}
        new, reps = repair_text(text, role=role, context=ctx)
        if not reps or new == text:
            continue
        setattr(ind, fld, new)
        ev = ind.evidence.get(fld) or Evidence()
        ev.repairs = list(ev.repairs) + reps
        if ev.status == AlignmentStatus.EXACT:
            ev.status = AlignmentStatus.REPAIRED
        if any(r.rule in INFERRED_RULES for r in reps):
            ev.status = AlignmentStatus.INFERRED
        ind.evidence[fld] = ev


def _resolve_garbled_level2(indicators: list[Indicator]) -> None:
    """An unreadable level2 between two readable ones under the same level1 is fixed by the framework order."""
    from jixiao.domain.repair import looks_garbled, resolve_level2_by_position

    for i, ind in enumerate(indicators):
        if not ind.level2 or not looks_garbled(ind.level2):
            continue
        same = [x for x in indicators if x.level1 == ind.level1]
        k = same.index(ind)
        prev = next((x.level2 for x in reversed(same[:k]) if x.level2 and x.level2 != ind.level2), None)
        nxt = next((x.level2 for x in same[k + 1:] if x.level2 and x.level2 != ind.level2), None)
        name = resolve_level2_by_position(prev, nxt, ind.level1)
        if name is None and prev is not None and nxt is not None and _adjacent_in_framework(prev, nxt, ind.level1):
            name = prev  # nothing fits between: the unreadable cell is the rest of the merged cell above
        if name is None:
            continue
        garbled = ind.level2
        for x in indicators[i:]:
            if x.level2 != garbled:
                break
            x.level2 = name
            ev = x.evidence.get("level2") or Evidence()
            ev.status = AlignmentStatus.INFERRED
            ev.repairs = list(ev.repairs) + [Repair(rule="level2_by_position", original=garbled, repaired=name)]
            x.evidence["level2"] = ev


def _adjacent_in_framework(prev: str, nxt: str, level1: str | None) -> bool:
    from jixiao.domain import framework

    l1 = framework.canonical_level1(level1)
    if l1 is None:
        return False
    order = framework.known_level2s(l1)
    a, b = framework.canonical_level2(prev, l1), framework.canonical_level2(nxt, l1)
    return a in order and b in order and order.index(b) == order.index(a) + 1


_TAIL_FIELDS = ("level2", "level3", "description", "basis")
_WRAP_TAIL = 8  # the last line of a wrapped name: a few characters (解度, 盖率, 以上项目)
WRAP_RULE = "wrapped_line_joined"


def _join_wrapped_tail(prev: Indicator, cells: dict[str, CellView]) -> bool:
    """A row holding only the last lines of the row above's wrapped cells, joined to it.

    A table drawn without rules between rows, read by line spacing, can cut a wrapped
    name's last line (企业对高新区了 / 解度) into a row of its own: no value, no level of its
    own, only short text in the name and description columns. A real indicator has a
    target; a row without one under a row that has one, holding a short name piece, is
    that row's continuation. Joined text is marked as repaired, not exact."""
    if prev.target is None or prev.level3 is None:
        return False
    own = {k: cv for k, cv in cells.items() if cv.text and not cv.inferred}
    ignored = own.pop("ignore", None)  # the tail of a scoring rule (评分标准) wraps with the rest
    if not own or any(k not in _TAIL_FIELDS for k in own):
        return False
    l3 = own.get("level3")
    if l3 is None or len(vocab.key(l3.text)) > _WRAP_TAIL or not re.search(r"[\u4e00-\u9fff]", l3.text):
        return False  # a placeholder row (……) is no piece of a name
    if (l2 := own.get("level2")) is not None and (framework.canonical_level2(l2.text) or prev.level2 is None):
        return False  # a level name of its own opens a group
    if not all(_right_below(prev.evidence.get(k), cv.cell) for k, cv in own.items() if getattr(prev, k) is not None):
        return False
    for k, cv in own.items():
        before = getattr(prev, k)
        if before is None:
            continue
        tail = squash_cjk_spaces(clean_cell(cv.text))
        setattr(prev, k, before + tail)
        ev = prev.evidence.get(k)
        if ev is not None:
            ev.status = AlignmentStatus.REPAIRED
            ev.repairs = [*ev.repairs, Repair(rule=WRAP_RULE, original=before, repaired=before + tail)]
        if cv.cell is not None:
            cv.cell.read = True
    if ignored is not None and ignored.cell is not None:
        ignored.cell.read = True
    return True


def _glued_values(text: str) -> bool:
    """Two or more lines, each a whole target value (=100% / ≥80%): one cell per indicator
    would never hold them; rows read as one do."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return len(lines) >= 2 and all(vocab.key(ln) in vocab.QUALITATIVE_VALUES or (
        looks_like_value(ln) and (p := parse_value(ln)) is not None and p.number is not None) for ln in lines)


def _right_below(ev: Evidence | None, cell: Cell | None) -> bool:
    """Whether ``cell``'s text sits on the page right under the text ``ev`` was read from, in
    its column: the next line of one wrapped cell. Text exports have no geometry (a line of
    a text export is a row, never a wrapped line), so they never qualify."""
    if ev is None or ev.bbox is None or cell is None or cell.bbox is None or ev.page != cell.page:
        return False
    a, b = ev.bbox, cell.bbox
    line = max(b[3] - b[1], 1.0)
    overlaps = min(a[2], b[2]) - max(a[0], b[0]) > 0
    return overlaps and -0.5 * line <= b[1] - a[3] <= 1.5 * line


def _build_indicators(table: IndicatorTable, form: Form, *, suspect: bool = False) -> list[Indicator]:
    rows = table.rows
    _fill_hierarchy(rows, exact=table.exact)
    out: list[Indicator] = []
    has_target = any(role.name == "target" for role in table.roles)
    for r in rows:
        cells: dict[str, CellView] = r["cells"]
        if has_target and out and _join_wrapped_tail(out[-1], cells):
            continue
        l3 = cells.get("level3")
        if l3 is None or not l3.text or re.fullmatch(r"[.…·。]+|指标\d*|……", vocab.key(l3.text)):
            if any(k in cells for k in ("target", "half_year")):
                form.flag(Severity.WARNING, "row_without_level3",
                          f"a row with values but no level3 name was skipped: {' | '.join(c.text for c in r['row'].nonempty())}",
                          field="indicators", row=[c.text for c in r["row"].nonempty()])
            continue
        ind = Indicator(scope=table.scope, row_id=r["row"].rid)
        for fld in ("level1", "level2", "key_task", "level3", "description", "basis", "category"):
            cv = cells.get(fld) or r.get("filled", {}).get(fld)
            if cv is None or not cv.text:
                continue
            text = squash_cjk_spaces(clean_cell(cv.text))
            if fld == "level3":
                text = re.sub(r"^指标\s*\d+\s*[:：]\s*", "", text)  # numbered names: 指标1：新引进项目开工率
            setattr(ind, fld, text)
            status = r.get("status", {}).get(fld)
            ind.evidence[fld] = evidence_of(cv, status=status)
        for fld in ("half_year", "target"):
            _set_value(ind, fld, cells.get(fld), cells.get("op"), cells.get("unit"))
        for name, cv in cells.items():
            if name.startswith("history:") and cv.text:
                text, repairs = normalize_value_text(cv.text)
                if text:
                    ind.history[name.split(":", 1)[1]] = text
                    ind.evidence[name] = evidence_of(cv, repairs=repairs)
        if (w := cells.get("weight")) is not None:
            m = re.search(r"\d+(\.\d+)?", w.text)
            ind.weight = float(m.group()) if m else None
        if (u := cells.get("unit")) is not None and u.text:
            ind.unit = clean_cell(u.text)
        for fld in ("level1", "level2", "level3", "key_task"):
            cv = cells.get(fld) or r.get("filled", {}).get(fld)
            if cv is not None and cv.repairs and fld in ind.evidence:
                ind.evidence[fld].repairs = list(cv.repairs)
                if ind.evidence[fld].status == AlignmentStatus.EXACT:
                    ind.evidence[fld].status = AlignmentStatus.REPAIRED
        _repair_names(ind, suspect)
        tp = ind.target_parsed
        for k, what, note in table.rows_flags:
            # a number needs its operator (and its unit); a date or 持续推进 has neither
            if rows[k] is not r or tp is None or tp.number is None:
                continue
            if what == "op" and tp.op is None:
                ind.flag(Severity.WARNING, "operator_missing_ocr", note, field="target")
            elif what == "unit" and not tp.unit:
                ind.flag(Severity.WARNING, "unit_missing_ocr", note, field="target")
        if (t := cells.get("target")) is not None and _glued_values(t.raw):
            note = f"the target cell holds several values, one per line ({' / '.join(t.raw.split())}): rows of several indicators read as one"
            for fld in ("level3", "target"):
                ind.flag(Severity.WARNING, "rows_glued", note, field=fld)
            form.flag(Severity.WARNING, "rows_glued", note, field="indicators")
            own = cells.get("level2")
            prev = out[-1] if out else None
            if (own is not None and own.text and not own.inferred and prev is not None and "level2" in prev.evidence
                    and prev.evidence["level2"].status == AlignmentStatus.INFERRED and prev.level2 != ind.level2):
                # a merged level2 label is centred on its span: printed on rows read as one, its span's
                # first row is not known, and the row above may be its own rather than the label's above
                prev.flag(Severity.WARNING, "rows_glued", f"level2 {ind.level2} is printed on rows read as one; "
                          f"where its merged cell begins is not known", field="level2")
        for d in (d for d in r["dropped"] if not d.inferred):
            ind.flag(Severity.WARNING, "unmapped_cell", f"cell not placed in any column: {d.text}", field=None,
                     text=d.text, col=d.col)
        out.append(ind)
    if suspect:
        _resolve_garbled_level2(out)
    return out


def _set_value(ind: Indicator, fld: str, cv: CellView | None, op_cell: CellView | None, unit_cell: CellView | None) -> None:
    if cv is None or not cv.text:
        return
    text, repairs = normalize_value_text(cv.text)
    if not text:
        return
    parsed = parse_value(text)
    if op_cell is not None and op_cell.text and parsed is not None and parsed.op is None and parsed.number is not None:
        op = vocab.operator_in_cell(op_cell.text)
        if op:
            text = op + text
    if unit_cell is not None and unit_cell.text and parsed is not None and parsed.number is not None and not parsed.unit:
        unit = clean_cell(unit_cell.text)
        if unit and unit not in ("/", "-", "无"):
            text = text + unit
    setattr(ind, fld, text)
    setattr(ind, f"{fld}_parsed", parse_value(text))
    status = AlignmentStatus.REPAIRED if repairs else None
    ind.evidence[fld] = evidence_of(cv, status=status, repairs=repairs)


def _fill_hierarchy(rows: list[dict], *, exact: bool) -> None:
    """Fill merged level1/level2/key_task down (and up at the top of a span in text exports).

    Exact grids carry copies of merged cells, so a missing level is rare and filled down.
    In text exports a merged cell's text may be printed on any row of its span (often the
    middle one), so rows above the first printed level1 take the next one, and a block
    whose level2 belongs, by the indicator framework, to the next printed level1 rather
    than the previous one takes the next.
    """
    for r in rows:
        r.setdefault("filled", {})
        r.setdefault("status", {})
    # level2 and key_task: fill down within the current parent; a printed parent resets children.
    last: dict[str, CellView | None] = {f: None for f in HIERARCHY}
    for r in rows:
        cells = r["cells"]
        if "level1" in cells and (last["level1"] is None or vocab.key(cells["level1"].text) != vocab.key(last["level1"].text)):
            # a new level1 starts new level2 blocks; the same level1 printed again (mid-span) does not
            last["level2"] = None if "level2" not in cells else last["level2"]
            last["key_task"] = None
        if "level1" in cells:
            last["level1"] = cells["level1"]
        if "level2" in cells:
            last["key_task"] = None
        for fld in ("level2", "key_task"):
            if fld in cells:
                last[fld] = cells[fld]
            elif last[fld] is not None:
                r["filled"][fld] = last[fld]
                r["status"][fld] = AlignmentStatus.INFERRED
    if not exact:
        _fill_up(rows, "level2")
    _fill_level1(rows, exact=exact)


def _fill_up(rows: list[dict], fld: str) -> None:
    """Rows at the top of a table with no value for ``fld`` take the first one printed below."""
    first = next((i for i, r in enumerate(rows) if fld in r["cells"]), None)
    if first is None:
        return
    for r in rows[:first]:
        if fld not in r["filled"]:
            r["filled"][fld] = rows[first]["cells"][fld]
            r["status"][fld] = AlignmentStatus.INFERRED


def _level2_of(r: dict) -> str | None:
    cv = r["cells"].get("level2") or r["filled"].get("level2")
    return cv.text if cv else None


def _fill_level1(rows: list[dict], *, exact: bool) -> None:
    from jixiao.domain import framework

    printed = [i for i, r in enumerate(rows) if "level1" in r["cells"]]
    if not printed:
        return
    for i, r in enumerate(rows):
        if "level1" in r["cells"]:
            continue
        prev_i = max((p for p in printed if p < i), default=None)
        next_i = min((p for p in printed if p > i), default=None)
        prev_cv = rows[prev_i]["cells"]["level1"] if prev_i is not None else None
        next_cv = rows[next_i]["cells"]["level1"] if next_i is not None else None
        choice = prev_cv
        if not exact:
            if prev_cv is None:
                choice = next_cv
            elif next_cv is not None and (l2 := _level2_of(r)):
                homes = {framework.canonical_level1(h) for h in framework.level1_for_level2(l2)}
                prev_home = framework.canonical_level1(prev_cv.text)
                next_home = framework.canonical_level1(next_cv.text)
                l2_printed_here = "level2" in r["cells"] or _block_starts_unparented(rows, i)
                if homes and next_home in homes and prev_home not in homes and l2_printed_here:
                    choice = next_cv
        if choice is not None:
            r["filled"]["level1"] = choice
            r["status"]["level1"] = AlignmentStatus.INFERRED


def _block_starts_unparented(rows: list[dict], i: int) -> bool:
    """True when row i belongs to a level2 block whose first row printed no level1."""
    j = i
    while j > 0 and "level2" not in rows[j]["cells"]:
        j -= 1
    return "level1" not in rows[j]["cells"]


def _finish_header(st: _State, region: FormRegion) -> None:
    form = st.form
    for fld, items in st.goal_lists.items():
        if items and not getattr(form.goals, fld):
            setattr(form.goals, fld, "\n".join(items))
    title = region.title or ""
    if form.year is None:
        form.year = year_from_text(title) or region.context.get("year")
        if form.year is not None and "year" not in form.evidence:
            form.evidence["year"] = Evidence(status=AlignmentStatus.INFERRED, source_text=title or "document context")
    if form.year is None:
        year_from_history(form)
    form.form_type = form_type_of(title, form)
    if form.unit_name is None and region.context.get("unit_name"):
        form.unit_name = region.context["unit_name"]
        form.evidence["unit_name"] = Evidence(status=AlignmentStatus.INFERRED, source_text="document cover")
    if form.title:
        form.title = re.sub(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]\s*$", "", form.title).strip()
    for fld in ("title", "unit_name", "competent_dept", "project_name"):
        value = getattr(form, fld)
        if value and _EMPTY_QUOTES.search(value):
            form.flag(Severity.WARNING, "quotes_emptied", f"{fld} {value!r} holds an empty pair of quotes: the quoted "
                      "words were printed apart from the text around them", field=fld)


_EMPTY_QUOTES = re.compile(r"[“‘「『]\s*[”’」』]")


def year_from_history(form: Form) -> None:
    """近两年指标值 columns name the two years before the budget year: 2022, 2023 → 2024."""
    years = {int(y) for ind in form.indicators for y in ind.history if y.isdigit()}
    if years:
        form.year = max(years) + 1
        form.evidence["year"] = Evidence(status=AlignmentStatus.INFERRED,
                                         source_text=f"history columns {sorted(years)}")


def form_type_of(title: str, form: Form) -> str:
    k = vocab.key(title)
    if vocab.DEPARTMENT_TITLE_RE.search(k):
        return "department"
    if "项目" in k or form.project_name:
        return "project"
    return "department" if form.unit_name else "project"
