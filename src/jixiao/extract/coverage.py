"""Coverage: nothing inside a form goes unread without a flag.

The rules extractor reads what it recognises and is silent about the rest: a budget total
under a label it does not know, a description column it did not map, come back empty and
unflagged. This check walks the form's own span of the region — from the first to the
last block that supplied a value — and sorts every non-empty cell and paragraph into

* **read**: it is (or contains, or is contained in) the source text of some field's
  evidence or the value of some field (header, goals, indicators, budget lines);
* **ignored on purpose**: column headings and labels of the genre's vocabulary
  (``vocab``), labels of fields the format has no place for and the value beside them
  (项目负责人, 项目类型 …), the form's title and year, units, serial numbers in the first
  column, placeholders (/, 无), signature/date lines, notes and page or web chrome;
* **unread**: everything else. Each row (or paragraph) with unread text raises one
  ``unread_text`` warning with its evidence — page, bbox, line, the text and the cells —
  and the form's *unread share* (unread characters ÷ all characters checked) is written
  into each such flag, where ``reconcile.confidence`` turns it into one log-odds term.

The flag's ``field``: ``indicators`` when the row lies among the indicator rows of its
table (a row that may be a lost indicator), else ``None`` (a doubt about the form header
and budget: a field may have been left empty for want of a label).

Identity of a cell: the extractor marks every cell it takes a value from (``Cell.read``,
set where the evidence is made); a cell it did not mark counts as read when its text is
(part of) a value or evidence text — two cells with the same text count as read when
either was, erring towards silence — except amounts: numbers repeat (60 in a task row and
in its 合计 row), so an amount is read only when its own cell was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from jixiao.domain import vocab
from jixiao.domain.values import clean_cell, fold, parse_amount
from jixiao.model.output import BBox, Form, Severity
from jixiao.model.source import Block, Cell, Paragraph
from jixiao.segment import FormRegion

CODE = "unread_text"
MIN_CONTAINED = 4  # a cell shorter than this counts as read only when it equals a value, not when inside one
MAX_FLAG_TEXT = 200


@dataclass
class Span:
    """One non-empty cell or paragraph of the form's span."""

    text: str
    page: int | None
    bbox: BBox | None
    line: int | None
    block: int  # index of the block in the region
    row: int = -1  # -1 for a paragraph
    col: int = -1
    first_in_row: bool = False
    copy: bool = False  # a merged cell's copy: context for its row, never counted
    marked: bool = False  # the extractor took a field's value from this cell (or from a copy of it)


@dataclass
class Coverage:
    read: list[Span] = field(default_factory=list)
    ignored: list[Span] = field(default_factory=list)
    unread: list[Span] = field(default_factory=list)

    @property
    def unread_share(self) -> float:
        total = sum(_weight(s) for s in (*self.read, *self.ignored, *self.unread))
        return round(sum(_weight(s) for s in self.unread) / total, 4) if total else 0.0


def _weight(s: Span) -> int:
    return max(1, len(fold(s.text)))


# ---------------------------------------------------------------------------------------
# What the form read


@dataclass
class _Read:
    keys: set[str] = field(default_factory=set)  # folded texts of values and evidence
    long_keys: list[str] = field(default_factory=list)
    unplaced: set[str] = field(default_factory=set)  # numbers read into fields that record no evidence (weight)

    def add(self, text: object) -> None:
        if text is None or isinstance(text, bool):
            return
        for part in str(text).split("\n"):
            k = fold(clean_cell(part))
            if k:
                self.keys.add(k)
                if len(k) >= MIN_CONTAINED:
                    self.long_keys.append(k)


def _read_of(form: Form) -> _Read:
    r = _Read()
    objs = [form, *form.budget.lines, *form.indicators]
    for obj in objs:
        for ev in obj.evidence.values():
            r.add(ev.source_text)
            for rep in ev.repairs:
                r.add(rep.original)
    for name in ("title", "unit_name", "competent_dept", "project_name"):
        r.add(getattr(form, name))
    r.add(form.goals.long_term)
    r.add(form.goals.annual)
    for ln in form.budget.lines:
        r.add(ln.item)
        r.add(ln.column)
        r.add(ln.section)
    for ind in form.indicators:
        for name in ("level1", "level2", "level3", "key_task", "half_year", "target", "description", "basis",
                     "category", "unit"):
            r.add(getattr(ind, name))
        for v in ind.history.values():
            r.add(v)
        if ind.weight is not None:
            r.unplaced |= {f"{ind.weight:g}", f"{ind.weight:g}%"}
    return r


def _is_value(s: Span, r: _Read) -> bool:
    """The extractor took a field's value from this cell (not merely a column it ignores)."""
    return s.marked and fold(clean_cell(s.text)) in r.keys


def _is_read(s: Span, r: _Read) -> bool:
    if s.marked:
        return True
    k = fold(clean_cell(s.text))
    if parse_amount(s.text)[0] is not None:
        # numbers repeat (60 in a task row and in its 合计 row): an amount was read only if
        # that very cell was (Cell.read, set with its evidence), or it is a weight (no evidence)
        return k in r.unplaced
    if k in r.keys:
        return True
    if len(k) >= MIN_CONTAINED and any(k in v for v in r.long_keys):
        return True  # one line of a goal, a name the extractor joined with its neighbour
    # the cell holds a value plus a label or code (项目名称：道路养护, [137]绵阳市水利局)
    return any(v in k and len(v) * 2 >= len(k) for v in r.long_keys)


# ---------------------------------------------------------------------------------------
# What is ignored on purpose


@lru_cache(maxsize=1)
def _heading_words() -> tuple[str, ...]:
    """Column headings, labels and framework names: a fragment of one is a cut heading (级指标)."""
    from jixiao.domain import framework

    words = {vocab.key(w) for _, labels in vocab.ROLE_HEADERS for w in labels}
    words |= {vocab.key(w) for labels in (*vocab.HEADER_LABELS.values(), *vocab.GOAL_LABELS.values()) for w in labels}
    words |= {vocab.key(n) for n in (*framework.known_level1s(), *framework.known_level2s())}
    return tuple(sorted(w for w in words if len(w) >= 3))


@lru_cache(maxsize=65536)
def _is_vocabulary(text: str) -> bool:
    """A heading, label or framework name of the genre (``vocab``, ``framework``)."""
    from jixiao.extract.rows import is_framework_name

    k = vocab.key(text)
    return bool(
        vocab.header_field(text) or vocab.goal_field(text) or k in vocab.GENERIC_GOAL_LABELS
        or vocab.header_role(text) or vocab.lead_scope(text) or vocab.LEAD_RE.match(k)
        or vocab.is_budget_block_label(text) or vocab.budget_section(text) or vocab.is_budget_column(text)
        or (vocab.BUDGET_ITEM_HINT_RE.search(k) and len(k) <= 12 and parse_amount(text)[0] is None)
        or k in vocab.VALUE_KIND_WORDS or vocab.operator_in_cell(text)
        or is_framework_name(text, "level1") or is_framework_name(text, "level2")
        or vocab.YEAR_HEADER_RE.match(k) or re.fullmatch(r"[（(]?20\d{2}年度?[)）]?|目标\d+", k)
        or (2 <= len(k) <= 6 and any(k in w for w in _heading_words()))
    )


def _is_junk(text: str) -> bool:
    """No Chinese and no digit: stray letters and marks (OCR speckle, a lone +), never a value."""
    k = fold(text)
    return not re.search(r"[\u4e00-\u9fff\d]", k) and len(k) <= 40


def _is_ignored(s: Span, form: Form) -> bool:
    text = clean_cell(s.text)
    if vocab.is_unextracted_label(text) or vocab.is_descriptive_label(text) or vocab.is_chrome(text) or _is_junk(text):
        return True
    if s.first_in_row and vocab.SERIAL_RE.match(fold(text)):
        return True
    if vocab.is_form_title(text) or (form.title and fold(text) == fold(form.title)):
        return True
    return _is_vocabulary(text)


def _context_label(text: str) -> str | None:
    """What a label says of its neighbours to the right in its row: "any" (the value of a
    field the format does not carry: 编制控制数 | 43), "text" (description: 单位主要职能 | …,
    amounts beside it are still read), or None."""
    t = clean_cell(text)
    if vocab.key(t) in vocab.UNEXTRACTED_LABELS:
        return "any"
    return "text" if vocab.is_descriptive_label(t) else None


# ---------------------------------------------------------------------------------------
# The form's span of the region


def _spans(blocks: list[Block]) -> list[list[Span]]:
    """Rows of spans, block by block (a paragraph is a row of one); merged copies kept as context."""
    rows: list[list[Span]] = []
    for bi, b in enumerate(blocks):
        if isinstance(b, Paragraph):
            if clean_cell(b.text):
                rows.append([Span(b.text, b.page, b.bbox, b.line, bi)])
            continue
        marked = {c.merged_from for row in b.rows for c in row if c.read and c.merged_from is not None}
        for row in b.rows:
            out = [_cell_span(c, bi, (c.row, c.col) in marked) for c in row if clean_cell(c.text)]
            own = [s for s in out if not s.copy]
            if own:
                own[0].first_in_row = True
                rows.append(out)
    return rows


def _cell_span(c: Cell, block: int, copy_read: bool) -> Span:
    return Span(c.text, c.page, c.bbox, c.line, block, c.row, c.col, copy=c.is_copy, marked=c.read or copy_read)


def _heading_context(text: str) -> str | None:
    """What a column heading says of the cells below it (as ``_context_label``; 评分标准 / 备注 → "any")."""
    return _context_label(text) or ("any" if vocab.header_role(clean_cell(text)) == "ignore" else None)


_AMOUNT_IN_TEXT = re.compile(r"\d(\.\d+)?\s*(亿元|万元|元|%)")


def _is_prose(text: str) -> bool:
    """A line of description: long, no amount in it (a wrapped cell's next paragraph)."""
    t = clean_cell(text)
    return len(t) >= 12 and not _AMOUNT_IN_TEXT.search(t) and not _is_vocabulary(t)


def _skipped(s: Span, context: str | None) -> bool:
    return context == "any" or (context == "text" and parse_amount(s.text)[0] is None)


def check_coverage(region: FormRegion, form: Form) -> Coverage:
    """Sort the form's text into read / ignored / unread; flag unread rows on ``form``."""
    read = _read_of(form)
    rows = _spans(region.blocks)
    cov = Coverage()
    is_read = [[not s.copy and _is_read(s, read) for s in row] for row in rows]
    read_blocks = [row[0].block for row, marks in zip(rows, is_read) if any(marks)]
    if not read_blocks:
        return cov
    lo, hi = min(read_blocks), max(read_blocks)
    indicator_rows = _indicator_rows(rows, form)
    unread_rows: list[list[Span]] = []
    skipped: list[Span] = []  # text under a label whose text is ignored on purpose (资金用途, 备注)
    headings: dict[int, dict[int, str | None]] = {}  # block → column → what its heading says (_heading_context)
    row_label: dict[int, str | None] = {}  # block → context of the last row label printed in column 0
    carry: str | None = None  # the label context the previous row ended in (a cell's text wrapped onto its own line)
    for row, marks in zip(rows, is_read):
        if not lo <= row[0].block <= hi:
            continue
        own = [s for s in row if not s.copy]
        wrapped = carry is not None and len(own) == 1 and not marks[row.index(own[0])] and _is_prose(own[0].text)
        columns = headings.get(row[0].block, {})
        lost: list[Span] = []
        # a label of text the format does not carry stands to the left; a row whose first
        # column is empty continues the label above it (a merged label a text export printed once)
        labelled: str | None = row_label.get(row[0].block) if row[0].row >= 0 and row[0].col > 0 else None
        if row[0].row >= 0 and row[0].col == 0:
            row_label[row[0].block] = None if _is_value(row[0], read) else _context_label(row[0].text)
        all_labels = True
        for s, was_read in zip(row, marks):
            context = _context_label(s.text)
            if s.copy:
                labelled = context or labelled
                continue
            if was_read:
                cov.read.append(s)
                all_labels = False
            elif _is_ignored(s, form):
                cov.ignored.append(s)
            elif wrapped or _skipped(s, labelled) or _skipped(s, columns.get(s.col)):
                cov.ignored.append(s)
                skipped.append(s)
                all_labels = False
            else:
                cov.unread.append(s)
                lost.append(s)
                all_labels = False
            if context and not _is_value(s, read):  # an indicator named 完成时间 is a value, not a label
                labelled = context
            elif _is_value(s, read) or _is_vocabulary(s.text):
                labelled = None
        carry = carry if wrapped else (labelled or row_label.get(row[0].block))
        if all_labels and row[0].row >= 0 and (len(own) >= 2 or any(_context_label(s.text) for s in own)):
            # a heading row names the columns below it (a lone item label with no amount does not)
            headings[row[0].block] = {s.col: _heading_context(s.text) for s in row}
        if lost:
            unread_rows.append(lost)
    share = cov.unread_share
    for lost in unread_rows:
        _flag(form, lost, share, indicator_rows)
    # with no total read, amounts even in text ignored on purpose (预算规模及资金用途 holding the
    # funds and their use in one cell) may be the budget the reader missed
    doubtful = [s for lost in unread_rows for s in lost] + (skipped if form.budget.total is None else [])
    _flag_unread_amounts(form, doubtful, indicator_rows)
    return cov


def _amount_tokens(text: str) -> list[str]:
    """The whitespace-separated pieces of ``text`` that read as amounts (``386.50`` in
    ``386.50 款 350.00 其他资金``); prose with figures in it (完成56所) has none."""
    return [t for t in text.split() if parse_amount(t)[0] is not None]


def _flag_unread_amounts(form: Form, lost: list[Span], indicator_rows: dict[int, tuple[int, int]]) -> None:
    """Amounts left unread outside the indicator rows: the budget lines (and the total and the
    fiscal share, when none was read) may be missing, so those fields carry the doubt, not
    only the form.

    The ``unread_text`` flags name no field (a doubt about the header and budget); a budget
    line the reader never made has no object to carry a flag, so without this its loss is
    silent."""
    amounts = []
    for s in lost:
        span = indicator_rows.get(s.block)
        if span is not None and span[0] <= s.row <= span[1]:
            continue
        amounts += _amount_tokens(clean_cell(s.text))
    if not amounts:
        return
    shown = " ".join(amounts[:8])
    form.flag(Severity.WARNING, "budget_unread", f"amounts not read into any budget line: {shown}", field="budget.lines")
    for name in ("total", "fiscal"):
        if getattr(form.budget, name) is None:
            form.flag(Severity.WARNING, "budget_unread", f"no budget {name} read; amounts left unread: {shown}",
                      field=f"budget.{name}")


def _indicator_rows(rows: list[list[Span]], form: Form) -> dict[int, tuple[int, int]]:
    """Per table block: the first and last row holding an indicator's level3 or target."""
    names = {fold(clean_cell(v)) for ind in form.indicators for v in (ind.level3, ind.target) if v}
    out: dict[int, tuple[int, int]] = {}
    for row in rows:
        s0 = row[0]
        if s0.row < 0 or not any(fold(clean_cell(s.text)) in names for s in row):
            continue
        a, b = out.get(s0.block, (s0.row, s0.row))
        out[s0.block] = (min(a, s0.row), max(b, s0.row))
    return out


def _flag(form: Form, lost: list[Span], share: float, indicator_rows: dict[int, tuple[int, int]]) -> None:
    s0 = lost[0]
    span = indicator_rows.get(s0.block)
    in_indicators = span is not None and span[0] <= s0.row <= span[1]
    text = " | ".join(clean_cell(s.text) for s in lost)
    where = f"page {s0.page}" if s0.page else "the form"
    where += f", line {s0.line}" if s0.line else ""
    where += f", table row {s0.row + 1}" if s0.row >= 0 else ""
    form.flag(
        Severity.WARNING, CODE,
        f"text not read into any field ({where}): {text[:MAX_FLAG_TEXT]}",
        field="indicators" if in_indicators else None,
        page=s0.page, bbox=_union([s.bbox for s in lost], [s.page for s in lost]), line=s0.line,
        text=text, cells=[{"row": s.row, "col": s.col, "text": clean_cell(s.text), "page": s.page, "line": s.line,
                           "bbox": list(s.bbox) if s.bbox else None} for s in lost],
        form_unread_share=share,
    )


def _union(boxes: list[BBox | None], pages: list[int | None]) -> list[float] | None:
    if not boxes or any(b is None for b in boxes) or len(set(pages)) != 1:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
