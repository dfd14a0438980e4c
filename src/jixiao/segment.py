"""Segment: one document → many forms.

A budget book interleaves cover pages, prose and a dozen forms. A form starts at a
heading that names a 绩效目标表 (in a paragraph or in a table's first cell), or — for
books that print no headings — at a header row (项目名称 / 单位名称) that follows a form
whose indicator table has already been seen. Rows are the unit: a form may start in the
middle of a table (text exports glue consecutive forms' tables together), so tables are
split by rows where needed.

Document-level context (the budget year and the unit named on the cover) is collected
before the first form and handed to every form, because project tables inside a
department's budget text often omit both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jixiao.domain import vocab
from jixiao.model.source import Block, Paragraph, SourceDocument, Table
from jixiao.domain.values import clean_cell, year_from_text

_UNIT_SUFFIX = re.compile(r"(局|委|委员会|办|办公室|中心|院|所|厅|部|会|站|处|队|馆|校|公司|政府|街道|镇|乡)$")


@dataclass
class FormRegion:
    """The blocks of one form, plus what the surrounding document says about it."""

    blocks: list[Block]
    title: str | None = None
    pages: list[int] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)  # document-level year / unit_name inherited by forms
    index: int = 0
    suspect: bool = False  # OCR'd or garbled text (set by extract.rules): names snapped to the lexicon


def segment(doc: SourceDocument) -> list[FormRegion]:
    """Split a document's blocks into form regions (document order)."""
    units = list(_split_units(doc.blocks))
    regions: list[FormRegion] = []
    preamble: list[Block] = []
    current: FormRegion | None = None
    seen_indicator_header = False
    for block in units:
        title = _title_of(block)
        starts_by_header = (
            current is not None and seen_indicator_header and isinstance(block, Table) and _starts_with_form_header(block)
        )
        if title is not None or starts_by_header:
            if current is not None and title is not None and not current_has_content(current):
                # consecutive headings belong to one form; the one nearest the table is its title
                # (an Excel sheet name comes before the heading printed on the sheet). Text
                # between the two headings (a web page's title over a cover and prose, then the
                # form's own heading) is not the form's: it is the document's preamble.
                between = current.blocks[1:]
                if between and current is regions[0]:
                    preamble.extend(between)
                    current.blocks = current.blocks[:1]
                elif between:
                    current.blocks = current.blocks[:1]
                current.blocks.append(block)
                current.title = title
                continue
            current = FormRegion(blocks=[block], title=title)
            regions.append(current)
            seen_indicator_header = isinstance(block, Table) and _has_indicator_header(block)
            continue
        if current is None:
            if isinstance(block, Table) and _has_form_content(block):
                current = FormRegion(blocks=[block], title=None)
                regions.append(current)
                seen_indicator_header = _has_indicator_header(block)
            else:
                preamble.append(block)
            continue
        current.blocks.append(block)
        if isinstance(block, Table) and _has_indicator_header(block):
            seen_indicator_header = True
    regions = [r for r in regions if any(isinstance(b, Table) and _has_form_content(b) for b in r.blocks)]
    context = document_context(preamble)
    for i, r in enumerate(regions):
        r.index = i
        r.context = dict(context)
        r.pages = sorted({p for b in r.blocks for p in block_pages(b)})
    return regions


def current_has_content(region: FormRegion) -> bool:
    return any(isinstance(b, Table) for b in region.blocks)


def document_context(preamble: list[Block]) -> dict[str, Any]:
    """Year and unit named before the first form (a budget text's cover)."""
    ctx: dict[str, Any] = {}
    for b in preamble:
        if not isinstance(b, Paragraph):
            continue
        # a PDF text block holds a whole cover (unit, title, 编制 line): judge it line by line
        for line in [b.text, *b.text.splitlines()]:
            t = clean_cell(line)
            if "year" not in ctx and (y := year_from_text(t)):
                ctx["year"] = y
            if "unit_name" not in ctx and 2 <= len(t) <= 20 and _UNIT_SUFFIX.search(t) and not re.search(r"\d", t):
                ctx["unit_name"] = t
    return ctx


def _split_units(blocks: list[Block]):
    """Yield blocks, splitting a table wherever a form heading or a new form's header row starts inside it."""
    for b in blocks:
        if not isinstance(b, Table):
            yield b
            continue
        cut_points = [
            i for i, row in enumerate(b.rows)
            if i > 0 and (_row_title(row) is not None or (_row_is_form_header(row) and _indicator_header_before(b, i)))
        ]
        if not cut_points:
            yield b
            continue
        start = 0
        for cut in [*cut_points, len(b.rows)]:
            part = b.rows[start:cut]
            if part:
                yield Table(rows=part, exact_grid=b.exact_grid, pages=_rows_pages(part) or b.pages, source=b.source)
            start = cut


def _rows_pages(rows) -> list[int]:
    return sorted({c.page for r in rows for c in r if c.page is not None})


def _indicator_header_before(table: Table, i: int) -> bool:
    """True when an indicator table header occurs in ``table.rows[:i]`` after the last form header."""
    seen = False
    for row in table.rows[:i]:
        if _row_is_form_header(row):
            seen = False
        if _row_is_indicator_header(row):
            seen = True
    return seen


def _title_of(block: Block) -> str | None:
    if isinstance(block, Paragraph):
        lines = [t for t in (clean_cell(x) for x in block.text.splitlines()) if t]
        titled = [t for t in lines if vocab.is_form_title(t)]
        if len(lines) > 1 and len(titled) == 1 and all(t is titled[0] or _label_line(t) for t in lines):
            return titled[0]  # the title over a line of its own (预算年度：2024 年, 单位：万元)
        text = clean_cell(block.text)
        return text if vocab.is_form_title(text) else None
    if isinstance(block, Table) and block.rows:
        return _row_title(block.rows[0])
    return None


_YEAR_LINE = re.compile(r"^\s*[（(]?\s*20\d{2}\s*年度?\s*[)）]?\s*$")


def _label_line(text: str) -> bool:
    """A line printed under a title that is no part of it: a header label with its value, or
    the year in brackets."""
    if _YEAR_LINE.match(text):
        return True
    lv = vocab.label_line(text)
    if lv is None:
        return False
    label = lv[0]
    return bool(vocab.header_field(label) or vocab.other_label(label) or vocab.key(label) in vocab.YEAR_LABELS
                or vocab.key(label).endswith("单位"))


def _row_title(row) -> str | None:
    texts = [clean_cell(c.text) for c in row if clean_cell(c.text) and not c.is_copy]
    if len(set(texts)) == 1 and vocab.is_form_title(texts[0]):
        return texts[0]
    return None


def _row_is_form_header(row) -> bool:
    return any(vocab.header_field(c.text) in ("project_name", "unit_name") for c in row if not c.is_copy)


def _row_is_indicator_header(row) -> bool:
    return vocab.names_indicator_header([c.text for c in row])


def _starts_with_form_header(table: Table) -> bool:
    return any(_row_is_form_header(r) for r in table.rows[:2])


def _has_indicator_header(table: Table) -> bool:
    return any(_row_is_indicator_header(r) for r in table.rows)


def _has_form_content(table: Table) -> bool:
    return _has_indicator_header(table) or any(_row_is_form_header(r) for r in table.rows)


def block_pages(block: Block) -> list[int]:
    """The pages a block is printed on (a paragraph's one, a table's all)."""
    if isinstance(block, Table):
        return list(block.pages)
    return [block.page] if block.page is not None else []
