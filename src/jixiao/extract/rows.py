"""Rows of a form region, and the alignment of a row's cells to column roles.

Real grids (PDF, DOCX, XLSX, rebuilt from word boxes) tell each cell's column exactly.
Text exports do not: a merged cell may be printed once, left empty, or dropped, so a
row's cells drift left or right. For those rows the column of each cell is decided by a
monotone alignment (dynamic programming) that weighs *where* the cell sits against *what*
it looks like — an operator and a number belong in a value column, a framework name in the
level1/level2 columns, 计划标准 in the basis column. Order is never violated: the cells of
a row appear in the order of the table's columns.
"""

from __future__ import annotations

import functools

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from jixiao.domain import vocab
from jixiao.model.source import Block, Cell, Paragraph, Table
from jixiao.domain.values import clean_cell, parse_value


@dataclass
class CellView:
    text: str  # cleaned
    col: int
    cell: Cell | None = None
    inferred: bool = False  # a copy filling a merged area (exact grids)
    repairs: list = field(default_factory=list)  # jixiao.model.output.Repair steps applied to ``text``

    @property
    def raw(self) -> str:
        return self.cell.text if self.cell else self.text


@dataclass
class RowView:
    cells: list[CellView]
    exact: bool
    table_index: int
    row_index: int
    paragraph: Paragraph | None = None
    rid: str | None = None  # stable id of the source row (``block_rows``), cited by the LLM path

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells if c.text]

    def nonempty(self) -> list[CellView]:
        return [c for c in self.cells if c.text]


def block_rows(blocks: list[Block]) -> Iterator[tuple[str, int, int, Block]]:
    """The one numbering of a region's source rows: ``(rid, block index, row index, block)``.

    Every table row (empty ones included) and every paragraph counts, so the ids ``r1``, ``r2``…
    are a pure function of the region's blocks. The rules path, the stream path and the LLM
    chunking (extract/llm/chunking.py) all number rows here, so an LLM answer merges with the
    row an extractor read by id (``Indicator.row_id``), never by re-finding boxes or text.
    """
    n = 0
    for b, block in enumerate(blocks):
        if isinstance(block, Table):
            for i in range(len(block.rows)):
                n += 1
                yield f"r{n}", b, i, block
        elif isinstance(block, Paragraph):
            n += 1
            yield f"r{n}", b, 0, block


def rid_by_line(blocks: list[Block]) -> dict[int, str]:
    """Source line (text exports) → id of the row holding it; the first row wins."""
    out: dict[int, str] = {}
    for rid, _, i, block in block_rows(blocks):
        lines = [block.line] if isinstance(block, Paragraph) else [c.line for c in block.rows[i]]
        for line in lines:
            if line is not None:
                out.setdefault(line, rid)
    return out


def region_rows(blocks: list[Block]) -> list[RowView]:
    """Flatten a region's blocks into rows (paragraphs become one-cell rows), each with its ``rid``."""
    rows: list[RowView] = []
    t_index = 0
    last = -1
    for rid, b_i, r_i, b in block_rows(blocks):
        if isinstance(b, Paragraph):
            rows.append(RowView(cells=[CellView(text=clean_cell(b.text), col=0)], exact=False, table_index=-1,
                                row_index=-1, paragraph=b, rid=rid))
            continue
        if b_i != last:
            t_index += 1
            last = b_i
        rows.append(table_row(b, t_index, r_i, rid))
    return rows


def table_rows(table: Table, t_index: int) -> list[RowView]:
    return [table_row(table, t_index, r_i) for r_i in range(len(table.rows))]


def table_row(table: Table, t_index: int, r_i: int, rid: str | None = None) -> RowView:
    """Row ``r_i`` of ``table`` as a RowView (horizontal merged copies left out)."""
    cells: list[CellView] = []
    for c in table.rows[r_i]:
        if c.merged_from is not None and c.merged_from[1] != c.col:
            continue  # horizontal part of a merged area: the copy in the origin's column stands for it
        inferred = c.merged_from is not None and c.merged_from[0] != c.row
        cells.append(CellView(text=clean_cell(c.text), col=c.col, cell=c, inferred=inferred))
    return RowView(cells=cells, exact=table.exact_grid, table_index=t_index, row_index=r_i, rid=rid)


# ---------------------------------------------------------------------------------------
# Content typing

_OP_START = re.compile(r"^[≥≤=><≧≦＝＞＜]")
_DATE = re.compile(r"(\d{4}\s*年)?\d{1,2}\s*月(\d{1,2}\s*日)?\s*(前|以前|之前|底前|底)?$|年底前$|全年$")


@functools.lru_cache(maxsize=16384)
def looks_like_value(text: str) -> bool:
    """A target value by its form: an operator, a number with a short unit, a date, a known qualitative word.

    Remembered (a pure function of the text, asked of the same cells by the extractor, the
    suspect check and the coverage check)."""
    t = text.strip()
    if not t:
        return False
    k = vocab.key(t)
    if _OP_START.match(t) or k in vocab.QUALITATIVE_VALUES or _DATE.search(k):
        return True
    p = parse_value(t)
    if p and p.number is not None and (p.unit is None or len(p.unit) <= 8):
        return True
    return bool(re.match(r"^(增长|提高|下降|降低|不低于|不少于|不超过|达到)\s*\d", k))


def is_framework_name(text: str, role: str) -> bool:
    """Whether ``text`` names a level1 / level2 of some indicator framework (``role``: "level1" | "level2")."""
    from jixiao.domain import framework

    return (framework.canonical_level1 if role == "level1" else framework.canonical_level2)(text) is not None


VALUE_ROLES = ("half_year", "target")


def affinity(text: str, role: str) -> float:
    """How well a cell's content fits a column role (position aside)."""
    is_val = looks_like_value(text)
    k = vocab.key(text)
    if role in VALUE_ROLES or role.startswith("history:"):
        score = 2.0 if is_val else (0.0 if len(k) <= 30 else -1.0)
        return score + (0.6 if role == "target" else 0.0)
    if role == "level1":
        if is_framework_name(text, "level1"):
            return 2.5
        return -2.0 if is_val else -0.6
    if role == "level2":
        if is_framework_name(text, "level2"):
            return 2.2
        return -2.0 if is_val else 0.0
    if role == "key_task":
        return -2.0 if is_val else 0.4
    if role == "level3":
        if is_framework_name(text, "level1") and len(k) <= 5:
            return -0.5
        return (-1.5 if _OP_START.match(text) else -0.8) if is_val else 1.0
    if role == "description":
        return -1.0 if is_val else (0.45 if len(k) > 12 else 0.1)
    if role == "basis":
        return 2.5 if k in vocab.BASIS_VALUES else (-0.5 if not is_val else -1.5)
    if role == "category":
        return 2.5 if k in vocab.CATEGORY_VALUES else -1.0
    if role == "ignore":
        return 1.0 if k in vocab.VALUE_KIND_WORDS else -0.2
    if role == "op":
        return 3.0 if k in vocab.OPERATOR_WORDS else -3.0
    if role == "op_or_category":  # 指标性质 holds either the operator or 正向/反向/定性
        if k in vocab.OPERATOR_WORDS:
            return 3.0
        return 2.5 if (k in vocab.CATEGORY_VALUES or k in vocab.VALUE_KIND_WORDS) else -1.0
    if role == "unit":
        return 1.5 if (len(k) <= 5 and not re.search(r"\d", k)) else -2.0
    if role == "weight":
        return 1.0 if re.fullmatch(r"\d+(\.\d+)?%?", k) else -2.0
    if role == "lead":
        return 3.0 if vocab.LEAD_RE.match(k) else -3.0
    return -0.2  # ignore / unknown columns take what nothing else wants


def _position_score(col: int, positions: frozenset[int], exact: bool) -> float:
    if not positions:
        return 0.0
    dist = min(abs(col - p) for p in positions)
    if exact:
        return 4.0 if dist == 0 else -4.0 * dist
    return {0: 1.0, 1: 0.5, 2: 0.2}.get(dist, 0.0)


@dataclass
class Role:
    name: str
    positions: frozenset[int] = field(default_factory=frozenset)
    header: str = ""


DROP_PENALTY = -1.5
JOINABLE = ("level3", "description", "key_task")
JOIN_BONUS = 1.2  # a join must beat placing the second half elsewhere or dropping it


def _joinable(a: CellView, b: CellView) -> bool:
    """Two adjacent cells that may be halves of one name: neither is a value, neither a framework name."""
    return not (looks_like_value(a.text) or looks_like_value(b.text)) and not (
        is_framework_name(a.text, "level1") or is_framework_name(a.text, "level2")
        or is_framework_name(b.text, "level1") or is_framework_name(b.text, "level2")
    ) and not vocab.LEAD_RE.match(vocab.key(b.text))


def join_texts(a: str, b: str) -> str:
    """Join two halves; a character repeated at the cut (项目符合 | 合区产业) is kept once."""
    a, b = a.strip(), b.strip()
    if a and b and a[-1] == b[0] and "\u4e00" <= a[-1] <= "\u9fff":
        return a + b[1:]
    return a + b


def align_row(cells: list[CellView], roles: list[Role], exact: bool, *, allow_join: bool = False,
              shift: int = 0) -> tuple[dict[str, CellView], list[CellView]]:
    """Assign each non-empty cell to at most one role, in order, maximizing fit. Returns (role→cell, dropped).

    ``shift``: a text row ``shift`` cells shorter than its header. Its cells were numbered from the
    left, but the cells a copy lost are most often the leading merged ones (一级指标 / 二级指标 printed
    only on a block's first row), so the row is also read right-aligned (every column ``+ shift``)
    and the better-fitting reading wins."""
    score, assigned, dropped = _align(cells, roles, exact, allow_join, 0)
    if shift > 0 and not exact:
        s2, a2, d2 = _align(cells, roles, exact, allow_join, shift)
        if s2 > score:
            return a2, d2
    return assigned, dropped


def _align(cells: list[CellView], roles: list[Role], exact: bool, allow_join: bool, shift: int
           ) -> tuple[float, dict[str, CellView], list[CellView]]:
    n, m = len(cells), len(roles)
    neg = float("-inf")
    dp = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    dp[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            cur = dp[i][j]
            if cur == neg:
                continue
            if j < m and cur > dp[i][j + 1]:  # role j left empty
                dp[i][j + 1], back[i][j + 1] = cur, (i, j, "skip")
            if i < n:
                drop = cur + DROP_PENALTY
                if drop > dp[i + 1][j]:
                    dp[i + 1][j], back[i + 1][j] = drop, (i, j, "drop")
                if j < m:
                    s = cur + affinity(cells[i].text, roles[j].name) + _position_score(cells[i].col + shift, roles[j].positions, exact)
                    if s > dp[i + 1][j + 1]:
                        dp[i + 1][j + 1], back[i + 1][j + 1] = s, (i, j, "take")
                    if allow_join and i + 1 < n and roles[j].name in JOINABLE and _joinable(cells[i], cells[i + 1]):
                        # one name broken across two cells (OCR, merged cells lost in export)
                        joined = join_texts(cells[i].text, cells[i + 1].text)
                        s2 = cur + affinity(joined, roles[j].name) + _position_score(cells[i].col + shift, roles[j].positions, exact)
                        s2 += JOIN_BONUS
                        if s2 > dp[i + 2][j + 1]:
                            dp[i + 2][j + 1], back[i + 2][j + 1] = s2, (i, j, "take2")
    assigned: dict[str, CellView] = {}
    dropped: list[CellView] = []
    i, j = n, m
    while (i, j) != (0, 0):
        step = back[i][j]
        if step is None:  # pragma: no cover - unreachable: (0,0) is always reachable
            break
        pi, pj, kind = step
        if kind == "take":
            assigned[roles[pj].name] = cells[pi]
        elif kind == "take2":
            a, b = cells[pi], cells[pi + 1]
            assigned[roles[pj].name] = CellView(text=join_texts(a.text, b.text), col=a.col, cell=a.cell,
                                                inferred=a.inferred, repairs=a.repairs + b.repairs)
        elif kind == "drop":
            dropped.append(cells[pi])
        i, j = pi, pj
    dropped.reverse()
    return dp[n][m], assigned, dropped


def assign_exact(cells: list[CellView], roles: list[Role]) -> tuple[dict[str, CellView], list[CellView]]:
    """Real grids: a cell's column decides its role; content only breaks ties between roles sharing a column."""
    assigned: dict[str, CellView] = {}
    dropped: list[CellView] = []
    for c in cells:
        owners = [r for r in roles if c.col in r.positions]
        if not owners:
            near = min(roles, key=lambda r: min((abs(c.col - p) for p in r.positions), default=99), default=None)
            owners = [near] if near and near.positions and min(abs(c.col - p) for p in near.positions) <= 0 else []
        if not owners:
            dropped.append(c)
            continue
        best = max(owners, key=lambda r: affinity(c.text, r.name))
        if best.name in assigned:
            assigned[best.name] = CellView(text=assigned[best.name].text + c.text, col=assigned[best.name].col,
                                           cell=assigned[best.name].cell, inferred=assigned[best.name].inferred)
        else:
            assigned[best.name] = c
    return assigned, dropped
