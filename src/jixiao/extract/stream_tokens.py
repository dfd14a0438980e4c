"""Tokens of a text with no reliable cells, in reading order, each tied to its source span.

Text copied from a government web page (or a PDF viewer) keeps the cells' text and order
but not the grid: cells arrive one per line, separated by ``|``/``|||``, tabs, runs of
spaces, blank lines, punctuation of a prose list, or nothing at all. What survives every
linearization is the *order* of the cells, so this module only cuts the text into cell-
sized tokens and repairs what copying does to labels:

* separators of every kind cut tokens; a single space cuts only on a line that has no
  stronger separator (a space-separated row), elsewhere it is part of the text;
* ``?`` runs (non-breaking / full-width spaces lost in a charset round trip) are padding;
* a merged cell printed vertically (``绩\\n效\\n指\\n标``, ``绩 效 指 标``) is re-joined, and
  a label wrapped in its cell (``三级\\n指标``, ``部门（单位）\\n名称``) is re-joined when the
  joined text is a label of the genre's vocabulary and the pieces are not;
* page chrome (发布时间, 字号 大 中 小, 打印, 扫一扫, breadcrumbs) is dropped.

Every token keeps its 1-based line and its ``[start, end)`` offsets in that line, so every
value read from it can be grounded to the exact source span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from jixiao.domain import framework, vocab

_CJK = r"\u3400-\u9fff"
_STRONG_SEP = re.compile(r"\t|[|｜¦]|[ \u3000\xa0]{2,}")
# always a cut: tabs, pipes, 2+ spaces, ? padding, prose separators (；。，、 and colons not inside numbers/times)
_SEP = re.compile(
    r"[\t|｜¦]+|[ \u3000\xa0]{2,}|\u3000|[?？]+|[；;。]|：|(?<!\d):|:(?!\d)|(?<=\.\d\d):|(?<=\.\d):|[，,](?!\d)"
)
_SOFT = frozenset("；;。：:，,")  # prose separators: never inside parentheses (an annotation's own text)
# a comma cuts only after a value (培训人次≥500人次，合格率≥95%) or before a level name: inside a
# name (丰富招商内容，拓展招商资源) or a goal it is text
_VALUE_BEFORE_COMMA = re.compile(r"(?:\d[^\d，,]{0,6}|[)）]|前|以上|以下)$")
_LIST_MARK = re.compile(
    r"\s*(?:[（(]\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]|[0-9]{1,3}\s*[.、．)）](?!\d)|[一二三四五六七八九十]{1,3}\s*[、.．])\s*"
)
_MARKER = re.compile(r"[*＊★●◆※]+")
_SPACE = re.compile(r"[ \u3000\xa0]+")
_SINGLE_CJK = re.compile(rf"^[{_CJK}]$")
_SHORT_CJK = re.compile(rf"^[{_CJK}（）()]{{1,6}}$")


@dataclass(frozen=True)
class Token:
    """One cell-sized piece of text; ``raw`` is the exact source text it covers."""

    text: str
    line: int  # 1-based
    start: int  # offset in the line
    end: int
    raw: str
    end_line: int | None = None  # set when the token was joined over several lines
    first_on_line: bool = False
    line_tokens: int = 1  # how many cells its line holds (≥2: the line is a row)
    soft_before: bool = False  # cut from the token before by prose punctuation (；，：), not a cell separator

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.end_line is not None else (self.start, self.end)


# A Word bookmark printed by a document-to-text converter ([bookmark: _GoBack]): no text of the form.
_BOOKMARK = re.compile(r"\[bookmark:\s*[^\]\s]*\]")


def tokenize(text: str) -> list[Token]:
    """The text's tokens in reading order, chrome dropped, split labels re-joined."""
    toks: list[Token] = []
    lines = text.splitlines()
    for no, raw in enumerate(lines, start=1):
        line = _BOOKMARK.sub(lambda m: " " * len(m.group()), raw.rstrip("\r"))
        if not line.strip() or vocab.is_chrome_line(line):
            continue
        toks += line_tokens(no, line)
    toks = [t for t in toks if not _MARKER.fullmatch(t.text)]  # * / ★ marking a required column is decoration
    toks = _join_vertical(toks, lines)
    toks = [t for t in toks if vocab.key(t.text) not in vocab.CHROME_WORDS or len(t.text) == 1]
    return _join_side_by_side(_deinterleave(_join_wrapped(toks, lines), lines), lines)


def line_tokens(no: int, line: str) -> list[Token]:
    """Cut one line at its separators (a single space only where nothing stronger is used)."""
    pieces: list[tuple[int, int]] = []
    pos = 0
    depth = _paren_depth(line)
    for m in _SEP.finditer(line):
        ch = line[m.start()]
        if ch in _SOFT and depth[m.start()] > 0:
            continue
        if ch in "，," and not _comma_cuts(line[pos:m.start()], line[m.end():]):
            continue
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(line)))
    out: list[tuple[int, int]] = []
    # a row copied with spaces: one space between cells, two or more where a cell is empty
    spaces_cut = not re.search(r"[\t|｜¦：:；;。]", line) and (
        not _STRONG_SEP.search(line) or len(_SPACE.findall(line.strip())) >= 2)
    for a, b in pieces:
        if spaces_cut or _words_and_numbers(line[a:b]) or _cells_with_values(line[a:b]):
            p = a
            for m in _SPACE.finditer(line, a, b):
                out.append((p, m.start()))
                p = m.end()
            out.append((p, b))
        else:
            out.append((a, b))
    spans = []
    for a, b in out:
        # trim the span to its text
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    if spans and (m := _LIST_MARK.match(line, spans[0][0], spans[0][1])) and m.end() < spans[0][1]:
        spans[0] = (m.end(), spans[0][1])  # 1. / （2） / 三、 : a list's numbering, not text
    soft = [k > 0 and bool(line[spans[k - 1][1]:a].strip()) and set(line[spans[k - 1][1]:a].strip()) <= _SOFT
            for k, (a, _b) in enumerate(spans)]
    cells = sum(1 for x in soft if not x)  # prose punctuation cuts a cell's text, not the row into cells
    return [Token(text=line[a:b], line=no, start=a, end=b, raw=line[a:b], first_on_line=(k == 0), line_tokens=cells,
                  soft_before=soft[k]) for k, (a, b) in enumerate(spans)]


def _words_and_numbers(piece: str) -> bool:
    """``资金总额 财政拨款 其他资金`` / ``2,350.00 0.00`` / ``时效指标 指标1``: headings, amounts or a
    level name and a name's numbering side by side in one prose piece are cells, even on a line
    whose colons keep spaces as text elsewhere."""
    parts = piece.split()
    return len(parts) >= 2 and all(
        re.fullmatch(r"[-+]?\d[\d,]*(\.\d+)?(万元|元|%)?|其中|指标\d{1,2}", p) or known_label(p)
        or vocab.BUDGET_ITEM_HINT_RE.fullmatch(vocab.key(p)) or vocab.is_budget_column(p) for p in parts)


_CJK_GAP = re.compile(r"[\u4e00-\u9fff）)]\s+[\u4e00-\u9fff（(]")
_BARE_VALUE = re.compile(r"[≥≤=<>＞＜]?\s*\d+(\.\d+)?%?")


def _cells_with_values(piece: str) -> bool:
    """``农村公路危桥改造座数 完成…的数量 定量 =32 座 8 全部完成得8分``: a row copied with one
    space between its cells on a line whose score cell has its own ； — the piece before that
    punctuation is still cells: a bare value among three or more parts, and a space between two
    words (prose puts none there) or the value-kind word 定量 / 定性 as a part."""
    parts = piece.split()
    if len(parts) < 3 or not any(_BARE_VALUE.fullmatch(p) for p in parts):
        return False
    return bool(_CJK_GAP.search(piece)) or any(vocab.key(p) in vocab.VALUE_KIND_WORDS for p in parts)


def _paren_depth(line: str) -> list[int]:
    out, d = [], 0
    for ch in line:
        if ch in "（(":
            d += 1
        out.append(d)
        if ch in "）)" and d > 0:
            d -= 1
    return out


def _comma_cuts(before: str, after: str) -> bool:
    """A comma between two list items: after a value, or before a level name."""
    b = before.strip()
    if _VALUE_BEFORE_COMMA.search(b) or vocab.key(b) in vocab.QUALITATIVE_VALUES:
        return True
    return framework.leading_level_name(after.strip()) is not None and bool(
        re.match(r"\s*\S+?指标", after) or framework.canonical_level1(after.strip()[:6]))


def _join_vertical(toks: list[Token], lines: list[str]) -> list[Token]:
    """Runs of ≥2 single-character tokens are one label printed vertically (绩/效/指/标)."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and _SINGLE_CJK.match(toks[j].text) and (j == i or toks[j].line - toks[j - 1].line <= 2):
            j += 1
        if j - i >= 2 and (per_line := _padded_cells(toks[i:j])):
            out += [merge_tokens(run, lines) for run in per_line]
            i = j
        elif j - i >= 2:
            out += [merge_tokens(toks[i + a:i + b], lines) for a, b in _segments("".join(t.text for t in toks[i:j]))]
            i = j
        else:
            out.append(toks[i])
            i += 1
    return out


def _padded_cells(run: list[Token]) -> list[list[Token]] | None:
    """A run of single characters over several lines, each line holding a whole padded cell
    (``年??度??主??要??任??务`` / ``任??务??名??称``): one cell per line, not one vertical label.
    A vertical label prints one character a line; a padded one spreads its characters along
    one line. None unless every line of the run holds two characters or more and the run
    as a whole is no label of the genre."""
    lines: list[list[Token]] = []
    for t in run:
        if lines and lines[-1][0].line == t.line:
            lines[-1].append(t)
        else:
            lines.append([t])
    if len(lines) < 2 or any(len(ln) < 2 for ln in lines) or known_label("".join(t.text for t in run)):
        return None
    return lines


def _segments(text: str) -> list[tuple[int, int]]:
    """Two vertical labels one after the other (产/出/指/标/数/量/指/标) are cut into the genre's
    labels when the run splits into known labels and is not one itself; else one piece."""
    n = len(text)
    if n < 4 or known_label(text):
        return [(0, n)]
    best: list[list[tuple[int, int]] | None] = [None] * (n + 1)
    best[0] = []
    best[1] = [(0, 1)]  # a one-character cell (是, 高) right before a vertical label
    for b in range(2, n + 1):
        for a in range(max(0, b - 10), b - 1):
            if best[a] is not None and known_label(text[a:b]) and (
                    best[b] is None or len(best[a]) + 1 < len(best[b])):
                best[b] = [*best[a], (a, b)]
    got = best[n]
    return got if got and len(got) >= 2 and (got[0][1] > 1 or len(got) >= 2) else [(0, n)]


def merge_tokens(parts: list[Token], lines: list[str]) -> Token:
    """Tokens that are pieces of one cell (wrapped, padded, vertical) as one token."""
    first, last = parts[0], parts[-1]
    text = "".join(p.text for p in parts)
    if first.line == last.line:  # 项??目??名??称: the source span keeps the padding
        raw = lines[first.line - 1][first.start:last.end]
        return Token(text=text, line=first.line, start=first.start, end=last.end, raw=raw,
                     first_on_line=first.first_on_line, line_tokens=first.line_tokens - len(parts) + 1)
    raw = "\n".join(p.raw for p in parts)
    return Token(text=text, line=first.line, start=first.start, end=last.end, raw=raw, end_line=last.line,
                 first_on_line=first.first_on_line, line_tokens=1)


@lru_cache(maxsize=65536)
def known_label(text: str) -> bool:
    """A word of the form's fixed vocabulary: a header/goal label, a column heading, a framework name."""
    return bool(
        vocab.header_field(text) or vocab.goal_field(text) or vocab.other_label(text) or vocab.header_role(text)
        or framework.canonical_level1(text) or framework.canonical_level2(text) or vocab.is_form_title(text)
        or vocab.budget_block_name(text) in vocab.BUDGET_BLOCK_LABELS or vocab.budget_section(text)
    )


_PERIOD = re.compile(r"^(全年|半年|当年|上年|本年)([（(]程[)）])?$")


def _period_heading(parts: list[Token], joined: str) -> bool:
    """A budget column heading wrapped after its period word (全年 / 预算数, 半年 / 计划执行数): one heading."""
    return len(parts) == 2 and bool(_PERIOD.match(parts[0].text)) and vocab.is_budget_column(joined) and \
        vocab.is_budget_column(parts[1].text)


def _join_wrapped(toks: list[Token], lines: list[str]) -> list[Token]:
    """A label wrapped inside its cell (一级 / 指标, 部门（单位） / 名称) is one token again."""
    out: list[Token] = []
    widths = _wrap_widths(lines)
    i = 0
    while i < len(toks):
        done = False
        for k in (4, 3, 2):
            parts = toks[i:i + k]
            if len(parts) < k or not all(_SHORT_CJK.match(p.text) for p in parts):
                continue
            if any(b.line - a.line > 2 or (b.line == a.line and b.start - a.end > 1) for a, b in zip(parts, parts[1:])):
                continue
            if any(b.line != a.line and a.line_tokens >= 2 and b.line_tokens >= 2 for a, b in zip(parts, parts[1:])):
                continue  # the last cell of one row of cells and the first of the next (长期 | 绩效指标…): two cells
            joined = "".join(p.text for p in parts)
            if (known_label(joined) and not all(known_label(p.text) for p in parts)) or _period_heading(parts, joined):
                out.append(merge_tokens(parts, lines))
                i += k
                done = True
                break
        if not done and i + 1 < len(toks) and (_wrapped_level(toks[i], toks[i + 1]) or
                                               _wrapped_paren(toks[i], toks[i + 1]) or
                                               _wrapped_closed(toks[i], toks[i + 1]) or
                                               _wrapped_block(toks[i], toks[i + 1], lines, widths) or
                                               _wrapped_date(toks[i], toks[i + 1], lines)):
            out.append(merge_tokens(toks[i:i + 2], lines))
            i += 2
            done = True
        if not done:
            out.append(toks[i])
            i += 1
    return out


def _deinterleave(toks: list[Token], lines: list[str]) -> list[Token]:
    """One row's cells of neighbouring narrow columns in one block, their lines interleaved by
    height: a viewer orders lines top to bottom, so a two-line cell's lines come apart around a
    one-line cell centred beside them (初步完成成品油云 / 绩效创 / 计划标准 / 监管平台建设 / 新性). Two
    lines of the block that make a word of the closed lists (绩效创 + 新性) are one cell; the text
    lines left, when two, are the wrapped cell of the text column; the closed cells follow it, in
    the order of their first lines. Nothing is changed unless every line of the block is one
    token and the block pairs up so."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        j = i
        while j < len(toks) and toks[j].line == t.line + (j - i) and toks[j].line_tokens == 1 and \
                toks[j].end_line is None and toks[j].start == 0:
            j += 1
        block = toks[i:j]
        got = _interleaved(block, lines) if len(block) >= 4 else None
        if got is None:
            out.append(t)
            i += 1
            continue
        out += got
        i = j
    return out


def _interleaved(block: list[Token], lines: list[str]) -> list[Token] | None:
    first, last = block[0].line, block[-1].line
    if (first >= 2 and lines[first - 2].strip()) or (last < len(lines) and lines[last].strip()):
        return None  # the block must be whole: a blank line before and after
    closed = vocab.CATEGORY_VALUES | vocab.BASIS_VALUES
    used: set[int] = set()
    cells: list[tuple[int, Token]] = []  # (position of the first line, cell)
    for a in range(len(block)):
        if a in used:
            continue
        if vocab.key(block[a].text) in closed:
            used.add(a)
            cells.append((a, block[a]))
            continue
        for b in range(a + 2, len(block)):
            if b not in used and vocab.key(block[a].text + block[b].text) in closed and \
                    vocab.key(block[b].text) not in closed:
                used |= {a, b}
                cells.append((a, merge_tokens([block[a], block[b]], lines)))
                break
    if not any(c.end_line is not None for _, c in cells):
        return None  # no closed word came apart: nothing interleaved
    rest = [k for k in range(len(block)) if k not in used]
    if len(rest) != 2 or rest[1] - rest[0] < 2:
        return None
    x, y = block[rest[0]], block[rest[1]]
    if re.search(r"\d", x.text + y.text) or known_label(x.text) or known_label(y.text) or \
            _width(y.text) > _width(x.text):
        return None
    return [merge_tokens([x, y], lines)] + [c for _, c in sorted(cells, key=lambda p: p[0])]


def _join_side_by_side(toks: list[Token], lines: list[str]) -> list[Token]:
    """Cells side by side, each wrapped once, in a block of a viewer's default order: the cells'
    first lines share one line (服务对象 消费券使用客户), their second lines follow one a line in
    the same order (满意度 / 满意度). The i-th tail goes on the i-th cell when one cell so joined
    is a label of the genre that its first piece alone is not (服务对象满意度, 指标值确定依据)."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        k = t.line_tokens
        head, tail = toks[i:i + k], toks[i + k:i + 2 * k]
        if t.first_on_line and 2 <= k <= 4 and len(tail) == k and _side_by_side(head, tail, lines):
            out += [merge_tokens([a, b], lines) for a, b in zip(head, tail)]
            i += 2 * k
            continue
        out.append(t)
        i += 1
    return out


def _side_by_side(head: list[Token], tail: list[Token], lines: list[str]) -> bool:
    line = head[0].line
    if any(h.line != line or h.end_line is not None for h in head) or \
            [u.line for u in tail] != list(range(line + 1, line + 1 + len(tail))) or \
            any(u.line_tokens != 1 or u.end_line is not None for u in tail):
        return False
    if (line >= 2 and lines[line - 2].strip()) or (tail[-1].line < len(lines) and lines[tail[-1].line].strip()):
        return False  # a block of its own: a blank line before and after
    if any(b.start - a.end != 1 for a, b in zip(head, head[1:])):
        return False  # one space between the cells
    if any(re.search(r"\d", x.text) or not re.search(rf"[{_CJK}]$", x.text) for x in head + tail):
        return False
    return any(known_label(a.text + b.text) and not known_label(a.text) for a, b in zip(head, tail))


def _wrapped_level(a: Token, b: Token) -> bool:
    """A long level name wrapped in its cell (社会公众或服务对象满意 / 度指标): each piece alone on its
    line, the next line, the join a framework name and the first piece none."""
    if b.line != a.line + 1 or a.line_tokens != 1 or b.line_tokens != 1 or len(b.text) > 6:
        return False
    if not (re.fullmatch(rf"[{_CJK}（）()]+", a.text) and re.fullmatch(rf"[{_CJK}（）()]+", b.text)):
        return False
    joined = a.text + b.text
    level = framework.canonical_level1(joined) or framework.canonical_level2(joined)
    if level and b.text == "指标" and framework.canonical_level2(joined):
        return True  # 服务对象满意度 / 指标: 指标 alone names nothing, it ends the level's cell
    return bool(level) and not (framework.canonical_level1(a.text) or framework.canonical_level2(a.text))


def _wrapped_closed(a: Token, b: Token) -> bool:
    """A cell of a closed list wrapped in a narrow column (绩效基本 / 型, 完全相 / 符, 计划 / 标准):
    each piece alone on its line, the next line, the join a value of the list and neither piece one."""
    if b.line != a.line + 1 or a.line_tokens != 1 or b.line_tokens != 1 or len(b.text) > 4:
        return False
    closed = vocab.CATEGORY_VALUES | vocab.BASIS_VALUES | vocab.QUALITATIVE_VALUES
    return vocab.key(a.text + b.text) in closed and vocab.key(a.text) not in closed and vocab.key(b.text) not in closed


def _wrapped_block(a: Token, b: Token, lines: list[str], widths: dict[int, int] | None = None) -> bool:
    """A viewer's default order prints each cell as a block of its own, blank lines between: two
    lines of one block (“三公”经费变动 / 率, 实现社会消费品零售总额稳 / 步增长) are one cell wrapped in a
    narrow column when the second is a short tail (≤ 3 characters) that is no value, unit or
    closed-list word of its own — or, for a longer tail, when the first line fills its column:
    its width is the width other wrapped blocks of the copy break at (``widths``, a column's
    width recurs down its rows), and the tail is no wider."""
    if b.line != a.line + 1 or a.line_tokens != 1 or b.line_tokens != 1 or a.end_line is not None or \
            b.end_line is not None or a.start != 0 or b.start != 0:
        return False
    before = lines[a.line - 2].strip() if a.line >= 2 else ""
    after = lines[b.line].strip() if b.line < len(lines) else ""
    if len(a.text) < 4 or not re.search(rf"[{_CJK}]$", a.text):
        return False
    closed = vocab.QUALITATIVE_VALUES | vocab.CATEGORY_VALUES | vocab.BASIS_VALUES
    if vocab.key(b.text) in closed or known_label(b.text) or known_label(a.text) or vocab.key(a.text) in closed:
        return False
    if not before and not after and len(b.text) <= 3 and re.fullmatch(rf"[{_CJK}]+", b.text):
        return True
    if (before or after) and not _one_text_column(lines, a.line):
        return False
    if vocab.budget_fund(a.text) or vocab.budget_fund(b.text):
        return False  # a funding block's labels stacked (财政专户管理资金 / 单位资金): cells of their own
    # in a longer block (cells of one column stacked: a viewer joins them into one block) only a
    # line that fills the column's width goes on under it
    return widths is not None and _fills_column(a.text, b.text, widths)


def _one_text_column(lines: list[str], no: int) -> bool:
    """The block around line ``no`` (1-based) reads as cells of one text column stacked (a
    description column): every line text, no digit (amounts and prose with figures wrap
    elsewhere), no label, no word of the closed lists (cells of other columns stacked in between:
    计划标准 amid 绩效创 / 新性)."""
    a = b = no - 1
    while a > 0 and lines[a - 1].strip():
        a -= 1
    while b + 1 < len(lines) and lines[b + 1].strip():
        b += 1
    closed = vocab.QUALITATIVE_VALUES | vocab.CATEGORY_VALUES | vocab.BASIS_VALUES
    for ln in lines[a:b + 1]:
        t = ln.strip()
        if re.search(r"\d", t) or known_label(t) or vocab.key(t) in closed:
            return False
    return True


_DATE_HEAD = re.compile(r"(19|20)\d\d年(\d{1,2}(月(\d{1,2})?)?)?")
_DATE_TAIL = re.compile(r"(\d{1,2}月|月)?(\d{1,2}日|[日号]|底)?(之?前|以前|底前|内|止)?")


def _wrapped_date(a: Token, b: Token, lines: list[str]) -> bool:
    """A date wrapped in a narrow value cell, the cell a block of its own (2025年12 / 月31日前,
    2025年 / 6月30日前): one value. The head ends where a date may break and the tail goes on
    with the date's next part (a month, a day, 前)."""
    if b.line != a.line + 1 or a.line_tokens != 1 or b.line_tokens != 1 or a.end_line is not None or \
            b.end_line is not None or a.start != 0 or b.start != 0:
        return False
    before = lines[a.line - 2].strip() if a.line >= 2 else ""
    after = lines[b.line].strip() if b.line < len(lines) else ""
    if before or after or not _DATE_HEAD.fullmatch(a.text) or not b.text or not _DATE_TAIL.fullmatch(b.text):
        return False
    if a.text.endswith("年"):
        return re.match(r"\d{1,2}月", b.text) is not None  # 2025年 / 6月30日前
    if a.text.endswith("月") or re.search(r"月\d$", a.text):
        return b.text[0].isdigit() and "月" not in b.text  # 2025年12月 / 31日前, 2025年6月3 / 0日前
    return b.text[0] == "月"  # 2025年12 / 月31日前


# punctuation a line may not start with: a wrap that would put it first moves the character before it down
_NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:)%")


def _fills_column(first: str, tail: str, widths: dict[int, int]) -> bool:
    """``first`` broke at its column's width (a width ``widths`` counts on two blocks or more)
    and ``tail`` is the rest of the cell: text, not a value, no wider than the line it continues.
    A line one character short breaks there when the tail's second character may not start a line
    (稳定市场，促进再就 / 业，扩大消费)."""
    if re.match(r"[\d.,+\-≥≤=<>＞＜%]", tail) or not re.search(rf"[{_CJK}]", tail):
        return False
    w, tw = _width(first), _width(tail)
    if tw > w:
        return False
    if widths.get(w, 0) >= 2:
        return True
    return len(tail) >= 2 and tail[1] in _NO_LINE_START and widths.get(w + _width(tail[0]), 0) >= 2


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wrap_widths(lines: list[str]) -> dict[int, int]:
    """How many blocks of a block-by-block copy (runs of lines between blank lines) break their
    first line at each display width: a narrow column wraps every long cell at its width. Blocks of
    two or three lines whose first line is the widest are counted (a longer run is more often
    several cells stacked); first lines narrower than four characters tell nothing."""
    out: dict[int, int] = {}
    k, n = 0, len(lines)
    while k < n:
        if not lines[k].strip():
            k += 1
            continue
        j = k
        while j < n and lines[j].strip():
            j += 1
        block = [ln.strip() for ln in lines[k:j]]
        if 2 <= len(block) <= 3 and len(block[0]) >= 4 and not re.search(r"\s{2,}|\t|[|｜]", lines[k]):
            w = _width(block[0])
            if all(_width(x) <= w for x in block[1:]):
                out[w] = out.get(w, 0) + 1
        k = j
    return out


_OPEN_TAIL = re.compile(r"[（(][^()（）]{0,6}$")
_CLOSE_HEAD = re.compile(r"^[^()（）]{0,6}[)）]$")


def _wrapped_paren(a: Token, b: Token) -> bool:
    """A label whose bracketed unit wrapped in its cell (部门预算资金（万 / 元）): each piece alone on
    its line, the first ending inside an open bracket, the next line closing it, the join a label."""
    if b.line != a.line + 1 or a.line_tokens != 1 or b.line_tokens != 1:
        return False
    if not (_OPEN_TAIL.search(a.text) and _CLOSE_HEAD.match(b.text)):
        return False
    joined = a.text + b.text
    return known_label(joined) or vocab.is_budget_block_label(joined)


def sub_token(tok: Token, a: int, b: int) -> Token:
    """The part ``tok.text[a:b]`` as a token of its own (offsets kept for single-line tokens)."""
    text = tok.text[a:b]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if tok.end_line is None and tok.raw == tok.text:
        s = tok.start + a + lead
        return Token(text=text, line=tok.line, start=s, end=s + len(text), raw=text,
                     first_on_line=tok.first_on_line and a == 0, line_tokens=tok.line_tokens,
                     soft_before=tok.soft_before and a == 0)
    # a re-joined token (vertical or padded): its pieces have no exact span of their own
    return replace(tok, text=text, raw=text, end_line=tok.end_line or tok.line)
