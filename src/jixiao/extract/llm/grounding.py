"""Tie every value an LLM returns back to a cell of the chunk it was given.

A model's answer is a claim, not evidence. Each field is searched for in the source
cells — first as the same text after folding (EXACT), then approximately (FUZZY, via
rapidfuzz) — and the matched cell gives the value its page, bbox and source text. What
cannot be found is UNGROUNDED and flagged: an unsupported value (half_year, target) is
not used at all, an unsupported level1/level2 (often a normalised or restored framework
name) is kept with a warning. A row whose 三级指标 cannot be found — or is a header word or
a level name — is an invention and is dropped (with a flag saying so).

Search order follows the table's geometry: level3 in the cited row first (then anywhere
in the chunk, to survive a wrong citation); values only in the level3 row (a bare
``100%`` appears on many rows, so searching wider would "ground" anything); level1 and
level2 in that row or above it in the same table (merged cells), never below.

Numbers are guarded: a fuzzy match must not change any number (``≥95%`` vs ``≥96%``
is 75% similar as text but a different target).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field, create_model
from rapidfuzz import fuzz

from jixiao.model.source import Cell
from jixiao.domain import vocab
from jixiao.domain.framework import canonical_level1, known_level1s, known_level2s
from jixiao.extract.llm.chunking import Chunk, SourceRow
from jixiao.extract.llm.columns import LEVEL_ROLES, allowed, column_roles, nearest_in_column, row_roles, span_match
from jixiao.model.output import AlignmentStatus, Evidence, Flag, Indicator, Repair, Severity
from jixiao.domain.values import clean_cell, fold, parse_value

FUZZY_MIN = 85.0  # rapidfuzz ratio for a whole-cell fuzzy match
PROSE_VALUE_MAX = 30  # a value quoted from a paragraph is a phrase of it; the whole of a longer one is not
CONTAIN_MIN = 0.5  # shorter/longer length ratio for a containment match in a table cell
CONFIDENCE = {AlignmentStatus.EXACT: 0.85, AlignmentStatus.FUZZY: 0.6, AlignmentStatus.UNGROUNDED: 0.2}
_NUM = re.compile(r"\d+(?:\.\d+)?")
_LEVEL_FIELDS = ("level1", "level2")
_VALUE_FIELDS = ("half_year", "target")


class LlmIndicator(BaseModel):
    """One indicator as the model reports it (the response schema's item)."""

    row: str = Field(description="行号，如 r12：该指标所在的输入行")
    level1: str | None = Field(default=None, description="一级指标")
    level2: str | None = Field(default=None, description="二级指标")
    level3: str = Field(description="三级指标（指标名称）")
    half_year: str | None = Field(default=None, description="半年指标值")
    target: str | None = Field(default=None, description="全年指标值")
    scope: Literal["annual", "long_term"] = Field(default="annual", description="annual 或 long_term")


class IndicatorList(BaseModel):
    """The response schema: every indicator found in one chunk."""

    indicators: list[LlmIndicator] = Field(default_factory=list)


def response_model_for(chunk: Chunk, *, enum_rows: bool) -> type[IndicatorList]:
    """The response schema bounded by the chunk itself.

    About one indicator per table row (``maxItems``) and strings no longer than the
    longest cell allows (``maxLength``): with grammar-constrained decoding (llama.cpp,
    vLLM) the bounds force the JSON to close instead of looping to max_tokens, and with
    ``enum_rows`` the model can only cite a row id that exists. Plain-JSON endpoints get
    the same bounds as validation (an enum there would only cause re-asks).
    """
    content = [r for r in chunk.rows if not r.header and not r.empty]
    ids = tuple(r.rid for r in content) or ("r0",)
    longest = max((len(t) for r in (*content, *chunk.before, *chunk.header) for t in r.texts), default=20)
    maxlen = min(max(longest + 16, 32), 600)
    row_type: Any = Literal[ids] if enum_rows else str  # type: ignore[valid-type]
    text = Annotated[str, Field(max_length=maxlen)]
    item = create_model(
        "Indicator",
        __base__=LlmIndicator,
        row=(row_type, Field(description="行号，如 r12：该指标所在的输入行")),
        level1=(text | None, Field(default=None, description="一级指标")),
        level2=(text | None, Field(default=None, description="二级指标")),
        level3=(text, Field(description="三级指标（指标名称）")),
        half_year=(text | None, Field(default=None, description="半年指标值")),
        target=(text | None, Field(default=None, description="全年指标值")),
    )
    # A table row holds one indicator (a little slack: grounding, not the schema, judges
    # inventions); a paragraph may hold several, so prose gets no item bound.
    prose = any(not r.is_table for r in content)
    # The key is required (no default): a grammar then cannot close the object as ``{}``.
    bound = Field() if prose else Field(max_length=len(content) + 2)
    return create_model(
        "IndicatorList",
        __base__=IndicatorList,
        indicators=(list[item], bound),  # type: ignore[valid-type]
    )


@dataclass
class Match:
    status: AlignmentStatus
    cell: Cell
    row: SourceRow
    score: float
    value: str  # what to output: the model's value, or the cell's text when snapped
    repair: Repair | None = None


@dataclass
class Grounded:
    """One model indicator after grounding: kept (``indicator``) or dropped (``dropped``)."""

    indicator: Indicator | None
    rid: str | None
    dropped: Flag | None = None
    ungrounded: list[str] = field(default_factory=list)
    statuses: dict[str, AlignmentStatus] = field(default_factory=dict)


def _nums(s: str) -> set[str]:
    return {n.lstrip("0") or "0" for n in _NUM.findall(s)}


def match_cell(value: str, cell: Cell, *, prose: bool = False) -> Match | None:
    """How (and whether) ``value`` is supported by one cell. ``row`` is filled by the caller."""
    fv, fc = fold(value), fold(cell.text)
    if not fv or not fc:
        return None
    if fv == fc:
        return Match(AlignmentStatus.EXACT, cell, None, 100.0, value)  # type: ignore[arg-type]
    if not _nums(fv) <= _nums(fc):
        return None  # a number the source does not have: never a match
    if prose:  # a paragraph holds many fields: a verbatim quote is exact
        if fv in fc and len(fv) >= 2:
            return Match(AlignmentStatus.EXACT, cell, None, 99.0, value)  # type: ignore[arg-type]
        # "≥85%" for "…完成率85%以上": the model normalised the prose; same number and unit
        pv = parse_value(value)
        if pv is not None and pv.number is not None and _nums(fv) and (not pv.unit or fold(pv.unit) in fc):
            return Match(AlignmentStatus.FUZZY, cell, None, 80.0, value)  # type: ignore[arg-type]
        return None
    # A table cell is one field: an approximate match takes the cell's own text.
    snapped = clean_cell(cell.text)
    repair = Repair(rule="llm_aligned_to_source", original=value, repaired=snapped)
    if fv in fc:
        if len(fv) >= 2 and len(fv) / len(fc) >= CONTAIN_MIN:
            return Match(AlignmentStatus.FUZZY, cell, None, 100.0 * len(fv) / len(fc), snapped, repair)  # type: ignore[arg-type]
        return None
    if fc in fv and len(fc) >= 2 and len(fc) / len(fv) >= CONTAIN_MIN:
        return Match(AlignmentStatus.FUZZY, cell, None, 100.0 * len(fc) / len(fv), snapped, repair)  # type: ignore[arg-type]
    if min(len(fv), len(fc)) >= 3:
        score = fuzz.ratio(fv, fc)
        if score >= FUZZY_MIN:
            return Match(AlignmentStatus.FUZZY, cell, None, score, snapped, repair)  # type: ignore[arg-type]
    return None


def best_match(value: str, rows: Iterable[SourceRow], *, skip: set[int] | None = None,
               exclude_cols: set[int] | Callable[[SourceRow], set[int]] | None = None) -> Match | None:
    """The best supporting cell over ``rows`` in order; an EXACT match ends the search.

    Rows are tried in the order given (nearest first), so among equal matches the first
    row wins; ``skip`` holds ``id()`` of cells already used for another field;
    ``exclude_cols`` the positions not to look in (or a function giving them per row).
    """
    best: Match | None = None
    for row in rows:
        excluded = exclude_cols(row) if callable(exclude_cols) else exclude_cols
        for pos, cell in enumerate(row.cells):
            if skip and id(cell) in skip:
                continue
            if excluded and pos in excluded:
                continue
            m = match_cell(value, cell, prose=not row.is_table)
            if m is None:
                continue
            m.row = row
            if m.status is AlignmentStatus.EXACT:
                return m
            if best is None or m.score > best.score:
                best = m
    return best


def _evidence(m: Match | None) -> Evidence:
    if m is None:
        return Evidence(status=AlignmentStatus.UNGROUNDED, extractor="llm")
    c = m.cell
    ev = Evidence(page=c.page, bbox=c.bbox, source_text=c.text, status=m.status,
                  repairs=[m.repair] if m.repair else [], extractor="llm")
    line = getattr(c, "line", None)
    if line is not None and "line" in Evidence.model_fields:
        ev.line = line  # type: ignore[attr-defined]
    if c.score < 1.0:
        ev.ocr_score = c.score
    return ev


def not_an_indicator_name(level3: str | None) -> bool:
    """A "三级指标" that is really a header word or a level name (or a fragment of one).

    A looping or confused model returns ``半年``, ``指标``, ``产出指标`` or an OCR fragment
    like ``出指标`` as a 三级指标; each of them is printed somewhere in the table, so text
    grounding alone would accept it.
    """
    f = fold(level3)
    if len(f) <= 1 or any(f in fold(t) for t in vocab.INDICATOR_HEADER_TERMS):
        return True
    if canonical_level1(level3) is not None:
        return True
    return any(f != fold(n) and f in fold(n) for n in (*known_level1s(), *known_level2s()))


def _level3_match(item: LlmIndicator, chunk: Chunk, content: list[SourceRow], cited: SourceRow | None,
                  roles: dict[int, str]) -> Match | None:
    """The cell that supports the model's 三级指标, or None (an invention).

    The row is the judge: a name printed verbatim in the cited row, outside its 一级/二级
    columns, is accepted whatever it looks like — ``数量指标`` in a Zhejiang 指标名称 column,
    ``满意度``, ``持续发展``. Level names only decide *which column* may hold it: a name that
    is a level name or echoes the answer's own level1/level2 is accepted only from a column
    the header names as the 三级 column (else it is the model copying a level cell). Looser
    matches (approximate, or on another row) keep the vocabulary guard.
    """
    if not item.level3 or not item.level3.strip():
        return None

    def level_cols(row: SourceRow) -> set[int]:
        return {i for i, r in row_roles(chunk, row, roles).items() if r in LEVEL_ROLES}

    looks_like_level = (fold(item.level3) in {fold(item.level1), fold(item.level2)} - {""}
                        or not_an_indicator_name(item.level3))
    if cited is not None:
        m = best_match(item.level3, [cited], exclude_cols=level_cols)
        if m is not None and m.status is AlignmentStatus.EXACT:
            pos = next(i for i, c in enumerate(cited.cells) if c is m.cell)
            if not looks_like_level or row_roles(chunk, cited, roles).get(pos) == "level3" or not cited.is_table:
                return m
    if looks_like_level:
        return None
    l3 = best_match(item.level3, [cited], exclude_cols=level_cols) if cited is not None else None
    if l3 is None or l3.status is not AlignmentStatus.EXACT:
        others = sorted((r for r in content if r is not cited), key=lambda r: abs(_rownum(r.rid) - _rownum(item.row)))
        alt = best_match(item.level3, others, exclude_cols=level_cols)
        if alt is not None and (l3 is None or alt.status is AlignmentStatus.EXACT and l3.status is not AlignmentStatus.EXACT):
            l3 = alt
    return l3


def _value_match(value: str, row: SourceRow, name: str, roles: dict[int, str], used: set[int]) -> tuple[Match | None, bool]:
    """(match, in_its_column) for a value: a single cell, or cells of the row joined
    (``≥ | 95 | %``) when no single cell is an exact match. ``in_its_column`` is False when
    the text is printed in the row but in a column the header names as something else (a
    number copied from the 权重 or 半年 column)."""
    single = best_match(value, [row], skip=used)
    if single is not None and not row.is_table and fold(single.cell.text) == fold(value) and \
            len(fold(value)) > PROSE_VALUE_MAX:
        return None, True  # a whole paragraph is no value: a model quoting the sentence it read
    if single is not None and single.status is AlignmentStatus.EXACT:
        pos = next((i for i, c in enumerate(row.cells) if c is single.cell), -1)
        return single, (not row.is_table) or allowed(name, pos, roles)
    span = span_match(value, row, name, roles, used)
    if span is not None:
        return Match(AlignmentStatus.EXACT, span.cell, row, 100.0, value.strip()), True
    if single is None:
        return None, True
    pos = next((i for i, c in enumerate(row.cells) if c is single.cell), -1)
    return single, (not row.is_table) or allowed(name, pos, roles)


def ground_indicator(item: LlmIndicator, chunk: Chunk) -> Grounded:
    """Align one model indicator to the chunk; drop it when its 三级指标 is not there."""
    content = [r for r in chunk.rows if not r.header]
    cited = next((r for r in content if r.rid == item.row.strip()), None)
    roles = column_roles(chunk)
    l3 = _level3_match(item, chunk, content, cited, roles)
    if l3 is None:
        flag = Flag(
            severity=Severity.WARNING, code="llm_invented_row",
            message=f"LLM row dropped: its 三级指标 {item.level3!r} is not in chunk {chunk.id} (cited {item.row!r})",
            field="level3",
            evidence={"chunk_id": chunk.id, "cited_row": item.row, "llm": item.model_dump()},
        )
        return Grounded(None, None, dropped=flag)

    row = l3.row
    ind = Indicator(scope="long_term" if item.scope == "long_term" else "annual", row_id=row.rid)
    used = {id(l3.cell)} if l3.row.is_table else set()
    _set(ind, "level3", l3.value, l3)
    g = Grounded(ind, row.rid, statuses={"level3": l3.status})
    if cited is None or cited is not row:
        ind.flag(Severity.INFO, "llm_row_corrected", f"LLM cited {item.row!r}; the 三级指标 is on {row.rid}",
                 field="level3", cited_row=item.row, row=row.rid)

    here = row_roles(chunk, row, roles)
    for name in _VALUE_FIELDS:
        value = getattr(item, name)
        if value is None or not str(value).strip():
            continue
        m, in_column = _value_match(value, row, name, here, used)
        if m is None:
            # An unsupported value never enters the form; the flag keeps the claim for review.
            g.ungrounded.append(name)
            g.statuses[name] = AlignmentStatus.UNGROUNDED
            ind.flag(Severity.WARNING, "llm_ungrounded",
                     f"LLM value {value!r} for {name} is not in row {row.rid}; not used",
                     field=name, chunk_id=chunk.id, row=row.rid, value=value)
            continue
        if row.is_table and m.cell in row.cells:
            used.add(id(m.cell))
        if m.status is AlignmentStatus.FUZZY and in_column:
            if row.is_table and fold(m.cell.text) in fold(value):
                m.value = str(value).strip()  # the cell lost a piece (wrapped away): not snapped to less
            ind.flag(Severity.WARNING, "llm_value_approximate",
                     f"LLM value {value!r} for {name} only approximately matches {m.cell.text!r} in row {row.rid}",
                     field=name, chunk_id=chunk.id, row=row.rid, value=value, source_text=m.cell.text)
        _set(ind, name, m.value, m)
        g.statuses[name] = m.status
        setattr(ind, f"{name}_parsed", parse_value(getattr(ind, name)))
        if not in_column:
            # printed in the row, but under another column's header: never as good as a read
            g.statuses[name] = AlignmentStatus.FUZZY
            ind.evidence[name].status = AlignmentStatus.FUZZY
            ind.confidence[name] = CONFIDENCE[AlignmentStatus.FUZZY]
            ind.flag(Severity.WARNING, "llm_wrong_column",
                     f"LLM value {value!r} for {name} is printed in row {row.rid} but not in a {name} column",
                     field=name, chunk_id=chunk.id, row=row.rid, value=value, source_text=m.cell.text)

    above = _rows_above(chunk, row)
    for name in _LEVEL_FIELDS:
        value = getattr(item, name)
        if value is None or not str(value).strip():
            continue
        m = _level_match(value, row, above, used, chunk, roles) or _heading_match(value, name, row, chunk, used)
        if m is not None and m.status is AlignmentStatus.FUZZY:
            if fold(m.cell.text) in fold(value):
                m.value = str(value).strip()  # the cell holds a fragment of the name (cut, OCR)
            ind.flag(Severity.WARNING, "llm_value_approximate",
                     f"LLM {name} {value!r} only approximately matches {m.cell.text!r} on or above row {row.rid}",
                     field=name, chunk_id=chunk.id, row=row.rid, value=value, source_text=m.cell.text)
        _set(ind, name, m.value if m else str(value).strip(), m)
        g.statuses[name] = m.status if m else AlignmentStatus.UNGROUNDED
        if m is None:
            g.ungrounded.append(name)
            ind.flag(Severity.WARNING, "llm_ungrounded",
                     f"LLM {name} {value!r} is not printed on or above row {row.rid}",
                     field=name, chunk_id=chunk.id, row=row.rid, value=value)
    return g


def _level_match(value: str, row: SourceRow, above: list[SourceRow], used: set[int], chunk: Chunk,
                 roles: dict[int, str]) -> Match | None:
    """A level name on the row, or in a merged cell above it: the nearest printed cell of
    its column (a level printed further up, with another one between, is not this row's).
    Rows shorter than their header (a text export) are compared by the role each row's own
    cells have (``columns.row_roles``), not by position: their cells moved left."""
    seq = [row, *above]
    m = best_match(value, seq, skip=used)
    if m is None or m.row is row or not row.is_table:
        return m
    k = next(i for i, r in enumerate(seq) if r is m.row)
    pos = next((i for i, c in enumerate(m.row.cells) if c is m.cell), -1)
    own = row_roles(chunk, m.row, roles)
    if own is roles and all(row_roles(chunk, r, roles) is roles for r in seq[:k]):
        return m if nearest_in_column(seq, k, pos) else None
    role = own.get(pos)
    if role is None:
        return m if nearest_in_column(seq, k, pos) else None
    for r in seq[:k]:
        theirs = row_roles(chunk, r, roles)
        if any(theirs.get(i) == role and fold(c.text) for i, c in enumerate(r.cells)):
            return None  # a nearer row prints its own cell of that level
    return m


def _set(ind: Indicator, name: str, value: str, m: Match | None) -> None:
    setattr(ind, name, value)
    ev = _evidence(m)
    ind.evidence[name] = ev
    ind.confidence[name] = CONFIDENCE[ev.status] if ev.status in CONFIDENCE else 0.5


_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])?\s*"
                      r"([^：:（(，,；;]{2,12})\s*[：:]")


def _heading_match(value: str, name: str, row: SourceRow, chunk: Chunk, used: set[int]) -> Match | None:
    """A level printed as the heading of an earlier prose line (``二、管理效率:``,
    ``预算编制:预算编制科学性科学``): an indicator list written as prose gives each level once,
    before the rows under it. Only the nearest heading of the level asked for is the row's
    (a level name printed further up, under another heading, belongs to other rows); a
    heading that is a framework level1 name heads level1s, any other heads level2s."""
    if row.is_table:
        return None
    for r in _prose_above(chunk, row):
        heading = _HEADING.match(" ".join(r.texts))
        if heading is None:
            continue
        if (canonical_level1(heading.group(1)) is not None) != (name == "level1"):
            continue
        m = best_match(value, [r], skip=used)
        if m is None or fold(value) not in fold(heading.group(1)):
            return None
        return m
    return None


def _prose_above(chunk: Chunk, row: SourceRow) -> list[SourceRow]:
    """The paragraph rows before ``row`` in the chunk (and its overlap), nearest first,
    stopping at a table or header row."""
    seq = [r for r in (*chunk.before, *chunk.rows) if r.block < row.block]
    seq.sort(key=lambda r: r.block, reverse=True)
    out = []
    for r in seq:
        if r.is_table or r.header:
            break
        out.append(r)
    return out


def _rows_above(chunk: Chunk, row: SourceRow) -> list[SourceRow]:
    """Rows above ``row`` in its table, nearest first, stopping at a header row."""
    seq = [r for r in (*chunk.before, *chunk.rows) if r.block == row.block and r.index < row.index]
    seq.sort(key=lambda r: r.index, reverse=True)
    out = []
    for r in seq:
        if r.header:
            break
        out.append(r)
    return out


def _rownum(rid: str) -> int:
    m = re.search(r"\d+", rid or "")
    return int(m.group()) if m else 10**9

