"""Cells of a funding-block row whose separators were lost (text copied with no separator).

A web page copied as plain text can glue a row's cells together:
``项目资金（万元）年度资金总额860.00``, ``合计3,309,840.001,650,000.001,659,840.00``,
``资金情况资金来源全年预算数1-6月计划支出数7-12月计划支出数``. The stream reader reads a funding
block cell by cell, so such a run is cut back into cells by the genre's budget vocabulary
(``domain.vocab``): a leading block or section label (项目资金（万元）, 资金情况, 收入), a fund name
(年度资金总额, 其中：财政拨款), a run of column headings ending in the genre's column words
(…预算数, …支出数, …金额, 占比, 2023年), and amounts, cut where a two-decimal amount ends (the way
every budget table prints its amounts). A run that does not parse completely is left alone.
"""

from __future__ import annotations

import math
import re

from jixiao.domain import vocab

# An amount as budget tables print it; glued amounts are cut after their two decimals.
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?%?")
_COLUMN_END = re.compile(r"(预算数|执行数|支出数|计划数|决算数|金额|占比|比例|20\d{2}年度?|月底|季度)")
_LEADS = sorted({*vocab.BUDGET_BLOCK_LABELS, *vocab.BUDGET_SECTIONS}, key=len, reverse=True)
_TASK_ROW = re.compile(r"任务\d{1,2}(?=[\u4e00-\u9fff])")
_YEAR = re.compile(r"20\d{2}年度?")
_HEADINGS = sorted(vocab.BUDGET_HEADINGS, key=len, reverse=True)
_PAREN = re.compile(r"^[（(][^（）()]{1,6}[)）]")
# block labels as vocab.is_budget_block_label reads them, matched whole (a prefix of a run)
_BLOCK = re.compile(r"^(项目|部门|单位|年度|部门整体|部门总体|本年|当年)?(预算资金|预算|资金|经费)(申请|安排|情况|来源|构成|规模)?$|^.{2,6}预算申请$")
_AMOUNT_UNIT = re.compile(_AMOUNT.pattern + r"(?:亿元|万元|元)?")
_PUNCT = re.compile(r"[，。；;、]")
_SENTENCE = re.compile(r"[，。；;、]|\d\s*(?:亿元|万元|元)")


def split_budget_run(text: str) -> list[tuple[int, int]] | None:
    """Spans of the cells of a glued funding-block row, or None when ``text`` is not one (module doc)."""
    if not text or re.search(r"\s", text):
        return None
    for sec in vocab.BUDGET_TASK_SECTIONS:
        if text.startswith(sec) and (m := _TASK_ROW.match(text, len(sec))):
            # 年度主要任务任务1举办推介会…: the task list's section printed again, the row's label, its text
            return [(0, len(sec)), (len(sec), m.end()), (m.end(), len(text))]
    cells: list[tuple[int, int]] = []
    pos = 0
    while (n := _lead_label(text, pos)) is not None:
        cells.append((pos, n))
        pos = n
    if _SENTENCE.search(text[pos:]) and not _PUNCT.search(text[pos:]):
        # 预算数50万元其中 / 财政资金50万元其他资金: funds and amounts with their unit, glued, the next
        # cell's name after the amount (a phrase ending in its amount, 资金总额120万元, is a sentence's)
        rest = _names_and_amounts(text, pos, unit=True)
        if rest is not None and any(_AMOUNT_UNIT.fullmatch(text[a:b]) for a, b in rest) and \
                not _AMOUNT_UNIT.fullmatch(text[rest[0][0]:rest[0][1]]) and \
                not _AMOUNT_UNIT.fullmatch(text[rest[-1][0]:rest[-1][1]]):
            cells += rest
            return cells if len(cells) >= 2 else None
    if _SENTENCE.search(text[pos:]):  # 资金情况年度预算资金共计…元，其中… : the label, then a sentence
        return cells + [(pos, len(text))] if cells and pos < len(text) else None
    rest = _names_and_amounts(text, pos)
    if rest is None:
        rest = _item_then_amounts(text, pos, after_label=bool(cells))
    if rest is not None and not cells and len(rest) >= 2 and all(_YEAR.fullmatch(text[a:b]) for a, b in rest):
        return rest  # 2022年2023年: the years under a heading spanning them (近两年收支金额)
    if rest is None or (not cells and not any(_AMOUNT.fullmatch(text[a:b]) for a, b in rest)):
        return None  # names only, with no block label before them: one cell (金额合计), not a heading run
    cells += rest
    return cells if len(cells) >= 2 else None


def _names_and_amounts(text: str, pos: int, *, unit: bool = False) -> list[tuple[int, int]] | None:
    """Fund names, column headings and amounts, all of the rest of ``text``; None if some part is
    none of them. ``unit``: the amounts may carry their unit (50万元)."""
    amount_re = _AMOUNT_UNIT if unit else _AMOUNT
    out: list[tuple[int, int]] = []
    while pos < len(text):
        n = _name_len(text[pos:])
        if n:
            if vocab.is_budget_column(text[pos:pos + n]) and (u := _PAREN.match(text[pos + n:])):
                n += u.end()  # 预算金额（万元）: a column heading with its unit
            out.append((pos, pos + n))
            pos += n
            while pos < len(text) and text[pos] in ":：":
                pos += 1
            continue
        m = amount_re.match(text, pos)
        if m is None or m.end() == pos:
            return None
        out.append((pos, m.end()))
        pos = m.end()
    return out


_ITEM = re.compile(r"[\u4e00-\u9fff（）()、]{2,16}")


def _item_then_amounts(text: str, pos: int, *, after_label: bool) -> list[tuple[int, int]] | None:
    """An item of the block's own (人员类项目支出, not a fund of the vocabulary) and its amounts:
    ``支出构成人员类项目支出1546.7318.94%1648.541774.61``. Outside a block label the item must
    name spending or funds (``vocab.BUDGET_ITEM_HINT_RE``) and carry two amounts or more; one amount
    at least is money, not a rate (预算执行率95.21%91.76% is an indicator's history)."""
    m = _ITEM.match(text, pos)
    if m is None or m.end() >= len(text) or not text[m.end()].isdigit():
        return None
    if not after_label and not vocab.BUDGET_ITEM_HINT_RE.search(m.group()):
        return None
    amounts = _names_and_amounts(text, m.end())
    if amounts is None or not all(_AMOUNT.fullmatch(text[a:b]) for a, b in amounts):
        return None
    if len(amounts) < (1 if after_label else 2) or all(text[b - 1] == "%" for _a, b in amounts):
        return None
    head = [lead for lead in _LEADS if text.startswith(lead, pos) and pos + len(lead) + 2 <= m.end()]
    if head:  # 支出构成 | 人员类项目支出: the section label of the row group first
        cut = pos + max(map(len, head))
        return [(pos, cut), (cut, m.end()), *amounts]
    return [(pos, m.end()), *amounts]


def _name_len(s: str) -> int:
    """Length of the fund name, generic item (合计) or column heading ``s`` starts with (0: none);
    a fund's 小计 is a cell of its own (财政拨款 | 小计)."""
    n = _fund_len(s)
    if n:
        if s[:n].endswith("小计") and n > 2:  # 财政拨款小计: the item, then its subtotal cell
            return n - 2
        return n
    for g in (*vocab.GENERIC_ITEMS, "其中"):
        if s.startswith(g):
            return len(g)
    for h in _HEADINGS:  # 批复数 / 实际支出数 / 人员经费: the rows of a block's own, no fund
        if s.startswith(h):
            return len(h)
    for h in vocab.BUDGET_TASK_HEADINGS:  # 任务名称 | 主要内容 over a task list's rows
        if s.startswith(h):
            return len(h)
    for n in range(min(len(s), 16), 3, -1):  # 中期资金总额: a total under a period, a column heading
        if vocab.names_period_total(s[:n]):
            return n
    n = _column_len(s)
    if n and (g := next((g for g in vocab.GENERIC_ITEMS if s.startswith(g, n)), None)):
        return n + len(g)  # 金额合计: a total row's own label, not the heading 金额 and a 合计
    return n


def _lead_label(text: str, pos: int) -> int | None:
    """End of the longest block / section label at ``pos`` (with its unit in brackets) that is followed
    by a fund, a column heading, 其中 or an amount, and is not the start of a longer fund name."""
    ends = {pos + len(lbl) for lbl in _LEADS if text.startswith(lbl, pos)}
    ends |= {e for e in range(pos + 4, min(len(text), pos + 12) + 1) if _BLOCK.match(text[pos:e])}
    fund = _fund_len(text[pos:])
    best: int | None = None
    for end in sorted(ends):
        if m := _PAREN.match(text[end:]):
            end += m.end()
        if end < pos + fund:
            continue  # 年度资金总额 is a fund, not the block 年度资金 + 总额
        if any(text.startswith(g, end) for g in vocab.GENERIC_ITEMS):
            continue  # 支出合计 names a row of its own
        if end < len(text) and not (_name_len(text[end:]) or text[end].isdigit()
                                    or text.startswith("其中", end) or _lead_label(text, end) is not None):
            continue
        best = end if best is None else max(best, end)
    return best


def _fund_len(s: str) -> int:
    """Length of the longest fund name (``vocab.budget_fund``) that ``s`` starts with, after 其中："""
    lead = re.match(r"^其中[:：]?", s)
    off = lead.end() if lead else 0
    for n in range(min(len(s), off + 14), off + 1, -1):
        if vocab.budget_fund(s[off:n]):
            return n
    return 0


def _column_len(s: str) -> int:
    """A column heading at the start of ``s``: text up to the first column word (…预算数, 3月底, 2023年)."""
    m = _COLUMN_END.search(s[:16])
    if m is None or not vocab.is_budget_column(s[:m.end()]):
        return 0
    return m.end()


# -- amounts glued under known column headings --------------------------------------------
#
# A row of a funding block under a heading row of N columns (支出 | 半年计划执行数 | 全年预算数)
# holds up to N amounts; copied with no separator they run together (基本支出156356.18, 物业管理费2242).
# Amounts printed with two decimals cut themselves (``split_budget_run``); amounts printed without
# them do not, so the run is cut by the genre's grammar of an amount (no leading zero, thousands in
# groups of three, one or two decimals) and by what the headings say of their columns: a part of
# the year (半年, 1-6月, …执行数) is no more than the whole year (全年, 预算数), a share (占比) is no
# more than 100, a total (总额, 合计) is the sum of the funds beside it. Of the cuts left, the one
# filling the most columns, then the one whose amounts are closest in size (the half-year plan and
# the year's budget are of one order), is taken.

_PIECE = re.compile(r"(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d{1,2})?%?")
_PART_COLUMN = re.compile(r"半年|\d{1,2}-\d{1,2}月|季度|月底|执行数")
_WHOLE_COLUMN = re.compile(r"全年|预算数|预算金额|总额|合计|总计")
_RATE_COLUMN = re.compile(r"占比|比例|率")
_TOTAL_COLUMN = re.compile(r"^(资金)?(总额|合计|总计)$|资金总额$")
_MAX_RUN = 32
_MAX_CUTS = 20000  # cuts tried at most for one run (a long run under many columns has very many)


def _column_kind(col: str) -> str:
    k = vocab.key(col)
    if _RATE_COLUMN.search(k):
        return "rate"
    if _TOTAL_COLUMN.search(k):
        return "total"
    if _PART_COLUMN.search(k) and not k.startswith("全年"):
        return "part"
    if _WHOLE_COLUMN.search(k):
        return "whole"
    return "other"


def _value(piece: str) -> float:
    return float(piece.rstrip("%").replace(",", ""))


def _fits(values: list[float], kinds: list[str]) -> bool:
    for i, (v, kd) in enumerate(zip(values, kinds)):
        if kd == "rate" and v > 100:
            return False
        if kd == "part" and any(values[j] < v for j in range(len(values)) if kinds[j] == "whole"):
            return False
        if kd == "total":
            rest = [values[j] for j in range(len(values)) if j != i and kinds[j] == "other"]
            if rest and (sum(rest) > v + 0.005 or (len(values) == len(kinds) and abs(sum(rest) - v) > 0.005)):
                return False
    return True


def _spread(pieces: list[str], kinds: list[str]) -> float:
    logs = [math.log10(_value(p)) for p, kd in zip(pieces, kinds) if kd != "rate" and not p.endswith("%")
            and _value(p) > 0]
    return max(logs) - min(logs) if len(logs) >= 2 else 0.0


def split_amount_run(run: str, columns: list[str]) -> list[tuple[int, int]] | None:
    """Spans of the amounts of ``run`` (digits glued together, nothing else) under ``columns`` (the
    headings of the row's columns, in order), at most one amount per column; None when no cut reads
    the whole run as amounts (see the notes above)."""
    if not run or len(run) > _MAX_RUN or not columns or not re.fullmatch(r"[\d.,%]+", run):
        return None
    kinds = [_column_kind(c) for c in columns]
    best: tuple[tuple[int, float], list[tuple[int, int]]] | None = None
    tried = 0

    def walk(pos: int, cuts: list[tuple[int, int]]) -> None:
        nonlocal best, tried
        tried += 1
        if tried > _MAX_CUTS:
            return
        if pos == len(run):
            pieces = [run[a:b] for a, b in cuts]
            ks = kinds[: len(pieces)]
            if not _fits([_value(p) for p in pieces], ks):
                return
            score = (-len(pieces), _spread(pieces, ks))
            if best is None or score < best[0]:
                best = (score, list(cuts))
            return
        if len(cuts) == len(columns):
            return
        for end in range(len(run), pos, -1):
            if _PIECE.fullmatch(run[pos:end]) and (end == len(run) or run[end] not in ",.%"):
                walk(end, cuts + [(pos, end)])

    walk(0, [])
    if tried > _MAX_CUTS:
        return None  # too many ways to cut it to weigh them all: left as printed
    return None if best is None else best[1]


_ROW_ITEM = re.compile(r"[\u4e00-\u9fff（）()、]{2,40}?(?=\d)")


def split_row_by_columns(text: str, spans: list[tuple[int, int]] | None,
                         columns: list[str]) -> list[tuple[int, int]] | None:
    """The cells of a glued row under ``columns`` (a heading row's column headings): the amounts at
    its end re-cut to fill the columns (``split_amount_run``). ``spans`` is ``split_budget_run``'s
    answer; when it read no row, an item of the block's own followed by its amounts
    (办公设备购置24.5, 项目资金（万元）物业管理费2242) is read. None when the text is no such row."""
    if len(columns) < 2 or not text or re.search(r"\s", text):
        return spans
    if spans is None:
        m = _ROW_ITEM.match(text)
        if m is None or not re.fullmatch(r"[\d.,%]+", text[m.end():]):
            return None
        head = [(0, m.end())]
        lead = _lead_of(text[: m.end()])
        if lead:
            head = [(0, lead), (lead, m.end())]
        cut = split_amount_run(text[m.end():], columns)
        return None if cut is None else head + [(m.end() + a, m.end() + b) for a, b in cut]
    n = 0
    while n < len(spans) and _AMOUNT.fullmatch(text[spans[-1 - n][0]:spans[-1 - n][1]]):
        n += 1
    valid = all(_PIECE.fullmatch(text[a:b]) for a, b in spans[-n:]) if n else True
    if n == 0 or (n == len(spans) and valid):
        return spans  # amounts of a cell of their own are cut only when some piece is no amount
    if n >= len(columns) and valid:
        return spans  # the amounts fill the columns, each one as the genre prints amounts
    if n >= 2 and valid and all(re.search(r"\.\d\d%?$", text[a:b]) for a, b in spans[-n:]):
        return spans  # 120.0050.00: a row printing two decimals, cut after them; a column is blank
    start = spans[-n][0]
    cut = split_amount_run(text[start:], columns)
    if cut is None or (len(cut) <= n and n < len(columns)):
        return spans
    return spans[:-n] + [(start + a, start + b) for a, b in cut]


def _lead_of(label: str) -> int:
    """End of a block / section label (with its unit in brackets) that ``label`` starts with, leaving
    an item of two characters or more; 0 when none."""
    ends = [len(lbl) for lbl in _LEADS if label.startswith(lbl)]
    ends += [e for e in range(4, min(len(label), 12) + 1) if _BLOCK.match(label[:e])]
    best = 0
    for end in ends:
        if m := _PAREN.match(label[end:]):
            end += m.end()
        if end + 2 <= len(label):
            best = max(best, end)
    return best
