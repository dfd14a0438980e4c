"""Cut a form region into LLM-sized chunks of table rows, each row with a short id.

Why this shape:

* **by table, within a token budget**: a form's indicator table can run to 100+ rows over
  several pages; a small context (4k for a local llama.cpp) or a cheap call wants ~1k
  tokens of input. Chunks never mix two tables, so the model never joins rows across
  tables.
* **header repeated**: a row ``r40 | | | 资金到位率 | 100%`` means nothing without the
  column names, so every chunk of a long table starts with the table's header row(s), and
  when a merged 一级/二级 cell started in an earlier chunk, a 续表 line says what it was.
* **row ids** (``r1``, ``r2``, …, numbered over the whole region, empty rows included, so
  the numbering is a pure function of the region): the model cites the row it read each
  indicator from; grounding checks the citation, and merging deduplicates by it.
* **overlap**: the last 1–2 rows of a chunk open the next one so a row cut at a boundary is
  seen whole; the merge keeps one indicator per row id.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from jixiao.model.source import Cell, Paragraph, Table
from jixiao.segment import FormRegion
from jixiao.domain import vocab
from jixiao.domain.values import clean_cell, fold
from jixiao.extract.rows import block_rows

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
INDICATOR_TERMS = ("指标", "满意度", "效益", "产出", "效果", "履职", "成本")
_YEARLIKE = re.compile(r"^(19|20)\d{2}年?$")


def estimate_tokens(text: str) -> int:
    """Token estimate without a tokenizer: CJK ≈ 1 token per 1.5 chars, anything else ≈ 1 per 1.6.

    Measured with llama-server's /tokenize (gemma3 tokenizer) on 44 20-line samples of
    seeds 000/002/003: 0.68 tokens per CJK char, 0.62 per other char (digits, ``|``,
    spaces and punctuation are mostly one token each); this estimate's real/estimated
    ratio was 0.95–1.48, median 1.00. Tokenizers with Chinese-heavy vocabularies (Qwen,
    DeepSeek) need fewer tokens, so the estimate errs on the safe side for them.
    """
    cjk = len(_CJK.findall(text))
    return math.ceil(cjk / 1.5 + (len(text) - cjk) / 1.6)


@dataclass
class SourceRow:
    """One row of the region as the model sees it, with the cells grounding aligns to."""

    rid: str
    cells: list[Cell]
    block: int  # index of the block in region.blocks
    index: int  # row index within its table (0 for a paragraph)
    is_table: bool = True
    header: bool = False

    @property
    def texts(self) -> list[str]:
        return [clean_cell(c.text) for c in self.cells]

    @property
    def empty(self) -> bool:
        return not any(t for t in self.texts)

    def render(self) -> str:
        return f"{self.rid} | " + " | ".join(self.texts)


@dataclass
class Chunk:
    id: str
    region_index: int
    rows: list[SourceRow]  # rows to extract from (overlap rows included)
    header: list[SourceRow] = field(default_factory=list)  # repeated header rows (not part of rows)
    before: list[SourceRow] = field(default_factory=list)  # earlier rows of the same table: grounding context
    text: str = ""
    tokens: int = 0

    @property
    def row_ids(self) -> list[str]:
        return [r.rid for r in self.rows]

    def find_row(self, rid: str) -> SourceRow | None:
        for r in (*self.rows, *self.header):
            if r.rid == rid:
                return r
        return None


def source_rows(region: FormRegion) -> list[SourceRow]:
    """Every row of the region in reading order, with its id (``r1``…).

    Tables contribute one row each; a paragraph is one row with one cell. The ids come from
    ``jixiao.extract.rows.block_rows``, the numbering the rules and stream extractors stamp on
    ``Indicator.row_id``, so the LLM's answers merge with the rows they read by id.
    """
    out: list[SourceRow] = []
    for rid, b, i, block in block_rows(region.blocks):
        if isinstance(block, Table):
            out.append(SourceRow(rid, list(block.rows[i]), b, i, True))
        else:
            cell = Cell(text=block.text, row=0, col=0, bbox=block.bbox, page=block.page, line=block.line)
            out.append(SourceRow(rid, [cell], b, 0, False))
    for r in out:
        if r.is_table:
            r.header = is_header_row(r)
    return out


def is_header_row(row: SourceRow) -> bool:
    hits = sum(1 for t in row.texts if any(term in fold(t) for term in vocab.INDICATOR_HEADER_TERMS))
    return hits >= 2


def looks_like_indicator_table(rows: list[SourceRow]) -> bool:
    return any(any(term in fold(t) for term in INDICATOR_TERMS) for r in rows for t in r.texts)


def _header_positions(header: list[SourceRow]) -> dict[str, int]:
    """Column positions of 一级/二级 in the header (for the 续表 hint)."""
    pos: dict[str, int] = {}
    for h in header:
        for i, t in enumerate(h.texts):
            ft = fold(t)
            for key in ("一级", "二级"):
                if key in ft and key not in pos:
                    pos[key] = i
    return pos


def carry_hint(header: list[SourceRow], before: list[SourceRow]) -> str | None:
    """``续表：一级指标=产出指标；二级指标=数量指标`` from the nearest non-empty cells above."""
    pos = _header_positions(header)
    parts = []
    for key, i in sorted(pos.items(), key=lambda kv: kv[1]):
        for r in reversed(before):
            if r.header:
                break
            t = r.texts[i] if i < len(r.texts) else ""
            if t:
                parts.append(f"{key}指标={t}")
                break
    return "续表：上文最近的 " + "；".join(parts) if parts else None


def _render(label: str, header: list[SourceRow], rows: list[SourceRow], hint: str | None) -> str:
    lines = [label]
    lines += [f"表头 {h.render()}" for h in header]
    if hint:
        lines.append(hint)
    lines += [r.render() for r in rows if not r.empty]
    return "\n".join(lines)


def _pages(rows: list[SourceRow]) -> str:
    pages = sorted({c.page for r in rows for c in r.cells if c.page is not None})
    if not pages:
        return ""
    return f"，第{pages[0]}页" if len(pages) == 1 else f"，第{pages[0]}–{pages[-1]}页"


def chunk_region(
    region: FormRegion,
    *,
    max_tokens: int = 1200,
    overlap: int = 1,
    rows: list[SourceRow] | None = None,
) -> list[Chunk]:
    """Chunks of at most ``max_tokens`` (estimated; a single over-long row gets its own).

    Tables that show no indicator vocabulary at all (a pure funding table) are skipped;
    paragraphs are chunked only when the region has no indicator table (a prose form).
    """
    rows = source_rows(region) if rows is None else rows
    by_block: dict[int, list[SourceRow]] = {}
    for r in rows:
        by_block.setdefault(r.block, []).append(r)
    tables = [b for b, rs in by_block.items() if rs[0].is_table and looks_like_indicator_table(rs)]
    chunks: list[Chunk] = []
    if tables:
        for t_no, b in enumerate(tables, 1):
            chunks += _chunk_table(region, by_block[b], t_no, max_tokens, overlap, len(chunks))
    else:
        paras = [r for rs in by_block.values() for r in rs if not r.is_table and not r.empty]
        if paras:
            chunks += _pack(region, paras, "正文", [], max_tokens, 0, len(chunks))
    return chunks


def _chunk_table(
    region: FormRegion, rows: list[SourceRow], t_no: int, max_tokens: int, overlap: int, start_no: int
) -> list[Chunk]:
    return _pack(region, rows, f"表格{t_no}", rows, max_tokens, overlap, start_no)


def _pack(
    region: FormRegion,
    rows: list[SourceRow],
    label: str,
    table_rows: list[SourceRow],
    max_tokens: int,
    overlap: int,
    start_no: int,
) -> list[Chunk]:
    content = [r for r in rows if not r.empty]
    chunks: list[Chunk] = []
    i = 0
    while i < len(content):
        first = content[i]
        before = [r for r in table_rows if _order(r) < _order(first)]
        header = _current_header(before) if table_rows else []
        hint = carry_hint(header, before) if header else None
        base = "\n".join([label, *[f"表头 {h.render()}" for h in header], hint or ""])
        used = estimate_tokens(base)
        j = i
        while j < len(content):
            cost = estimate_tokens(content[j].render()) + 1
            if j > i and used + cost > max_tokens:
                break
            used += cost
            j += 1
        part = content[i:j]
        if all(r.header for r in part):  # header rows with no data after them: nothing to ask
            i = j
            continue
        cid = f"f{region.index}-{label}-c{len(chunks) + 1}"
        lab = f"【{label}{_pages(part)}，行 {part[0].rid}–{part[-1].rid}】"
        text = _render(lab, header, part, hint)
        chunks.append(Chunk(cid, region.index, part, header, before, text, estimate_tokens(text)))
        if j >= len(content):
            break
        # overlap: restart a row or two earlier, never before progress, never on header rows
        back = min(overlap, len(part) - 1)
        while back > 0 and content[j - back].header:
            back -= 1
        i = j - back
    return chunks


def _order(r: SourceRow) -> tuple[int, int]:
    return (r.block, r.index)


def _current_header(before: list[SourceRow]) -> list[SourceRow]:
    """The most recent contiguous block of header rows above (plus a years sub-header)."""
    end = None
    for k in range(len(before) - 1, -1, -1):
        if before[k].header:
            end = k
            break
    if end is None:
        return []
    start = end
    while start > 0 and before[start - 1].header:
        start -= 1
    block = before[start:end + 1]
    nxt = end + 1
    if nxt < len(before) and all(_YEARLIKE.match(t) or not t for t in before[nxt].texts) and not before[nxt].empty:
        block.append(before[nxt])
    return block
