"""Stream extractor: forms read from a token stream, with no table grid.

For text whose cells cannot be trusted (a web page copied into a text file, a PDF-viewer
copy, a prose list of indicators) the rules path finds no table and answers "no
绩效目标表 found". What such text still has is the *order* of the cells. This extractor
reads the tokens (``stream_tokens.tokenize``) in reading order, anchored on what the genre
fixes:

* **header labels** (项目名称, 主管部门, 实施单位 …, ``vocab.HEADER_LABELS``), goal labels
  (年度目标 …) and labels of fields the contract does not hold (项目负责人 …): a label's
  value is the text after it, up to the next label;
* **form titles** and repeated project headers split a text into forms;
* **the indicator header** (一级指标 / 二级指标 / 三级指标 / 指标值 / 指标值确定依据 …) gives
  the order of a record's fields; without one (a prose list) a record is
  level1 → level2 → name → value;
* **the framework's level names** (framework.py) open level blocks and are carried forward
  to the records below them, as a merged cell would be;
* **the value grammar** (values.py) tells a value from a name, and cuts glued text
  (``产出指标数量指标培训覆盖人次≥500人次``) into level names, name and value.

Every value comes with evidence: its line, the exact source text and its character span,
``extractor="stream"``, status EXACT (printed so), REPAIRED (cut from glued text or
normalized) or INFERRED (a level carried down from the record that printed it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from jixiao.domain import framework, vocab
from jixiao.extract.budget_glued import split_budget_run, split_row_by_columns
from jixiao.extract.budget_text import fund_phrases
from jixiao.extract.rows import looks_like_value
from jixiao.extract.stream_tokens import Token, merge_tokens, sub_token, tokenize
from jixiao.model.output import AlignmentStatus, BudgetLine, Evidence, Form, Indicator, Repair, Severity
from jixiao.domain.values import clean_cell, normalize_value_text, parse_amount, parse_value, year_from_text

EXTRACTOR = "stream"
DEFAULT_ROLES = ("level1", "level2", "level3", "target")
VALUE_ROLES = ("half_year", "target")
FREE_ROLES = ("key_task", "level3", "description", "basis", "category", "ignore")

_OP = r"(?:>=|<=|＞＝|＜＝|[≥≤=><＝＞＜≧≦]|不低于|不少于|不小于|不高于|不超过|不大于|大于等于|小于等于|大于|小于|高于|低于|达到|至少)"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_VALUE_TAIL = re.compile(rf"(?P<op>{_OP})?\s*(?P<num>{_NUM})\s*(?P<unit>[%‰％]|[^\d\s≥≤=<>＝＞＜（）()，,。；;:：*]{{0,8}}(?:[（(][^()（）\d]{{1,6}}[)）])?)\s*$")
_DATE_TAIL = re.compile(r"((?:20\d{2}\s*年)?\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?(?:底)?(?:前|以前|之前)?(?:完成)?|年底前(?:完成)?)$")
_LONE_OP = re.compile(rf"^{_OP}$")
_UNIT_TOKEN = re.compile(r"^(?:[%‰％]|[\u4e00-\u9fff]{1,3}(?:[/·][\u4e00-\u9fff]{1,3}){0,2}|[a-zA-Z²㎡]{1,4})$")
_NUMBERING = re.compile(r"^\s*(?:[（(]\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]|[0-9]{1,3}\s*[.、．)）]|[一二三四五六七八九十]{1,3}\s*[、.．])\s*")
_PLACEHOLDER = re.compile(r"\s*[（(][^()（）]*\*[^()（）]*[)）]\s*")  # 名称(≥**个): a template's hint, not the name
_GOAL_ITEM = re.compile(r"^目标\s*\d+\s*[:：]?$")
# 目标1 瞄准… / 目标1瞄准… (a copy without separators): the number and its text in one cell
_GOAL_ITEM_LEAD = re.compile(r"^(目标\s*\d+)(?:\s*[:：]\s*|\s*)([^\d\s:：].*)$", re.S)
_GENERIC_GOAL_GLUED = re.compile(r"^(绩效目标)\s*[:：]?\s*(目标\s*\d+\s*[:：]?\s*[^\d\s:：])")
# A column heading that spans the year columns printed under it (近两年收支金额 → 2022年 | 2023年).
_YEARS_SPAN = re.compile(r"近[两二三四五]年|以前年度|历年")
_YEAR_COLUMN = re.compile(r"^20\d{2}年?度?$")
_YEAR_LINE = re.compile(r"^[（(]?\s*20\d{2}\s*年度?\s*[)）]?$")
_UNIT_LINE = re.compile(r"单位\s*[:：]?\s*(万元|元|亿元)")
_BUDGET_SENTENCE = re.compile(
    rf"(?P<item>{vocab.BUDGET_ITEM_HINT_RE.pattern[1:-1]})[^\d]{{0,8}}?(?P<num>{_NUM})\s*(?P<unit>亿元|万元|元)?"
)
_ORG_NAME = re.compile(r"(局|委员会|委|办公室|办|院|中心|厅|处|站|所|馆|队|部|室|会|公司|集团|学校|大学|医院|政府|街道|镇|乡)$")
_NAME_CUT_BEFORE = re.compile(r"(第|前|近|共|约|每|全|累计)$")
_BARE_AMOUNT = re.compile(r"^[\d,，]+(?:\.\d+)?\s*(?:万元|元|亿元)?$")


# A value cut out of text printed with no separator (名称健全 → 名称 / 健全): a judgement, which
# --llm fallback sends for a second reading (extract/llm/run.py).
GLUED_CUT_RULE = "cut_from_glued_text"


def _budgetish(text: str) -> bool:
    """Text of a budget block: a fund's name (资金总额, 其中：财政拨款 …, with or without its
    amount) or a bare amount; prose (a goal, a duty) is not."""
    if _BARE_AMOUNT.match(text) or text.startswith("其中"):
        return True
    return len(text) <= 30 and bool(vocab.BUDGET_ITEM_HINT_RE.search(text))


def _fundish(text: str) -> bool:
    """A fund's name or a funding row's word (资金总额, 总额, 其中：财政拨款, 合计, 上年结转 …)."""
    return bool(vocab.BUDGET_ITEM_HINT_RE.search(vocab.key(text)) or vocab.budget_fund(text))


# the last line of a date wrapped in its cell (2025年12月31 | 日前, 2025年12 | 月底前)
_DATE_END_LINE = re.compile(r"(\d{1,2}日|[日号月]|月\d{1,2}日|月底)?(之?前|以前|底前|内|止)?")

# a row's own label under fund headings (任务1, 金额合计, 上年预算数): short, no sentence punctuation
_ROW_LABEL = re.compile(r"[^，。；;、,]{1,12}")
_LABEL_RUN = 8  # labels a viewer prints in one column before their values (a form header has ≤ 8 rows)


# ---------------------------------------------------------------------------------------
# evidence


def evidence(tok: Token, *, status: AlignmentStatus = AlignmentStatus.EXACT, repairs: list[Repair] | None = None,
             text: str | None = None) -> Evidence:
    """Evidence of a value read from ``tok``: line, exact source text, span, extractor ``stream``."""
    return Evidence(line=tok.line, span=tok.span, source_text=text if text is not None else tok.raw, status=status,
                    repairs=list(repairs or []), extractor=EXTRACTOR)


# ---------------------------------------------------------------------------------------
# token kinds


def kind_of(tok: Token) -> str:
    """What a token is by the genre's vocabulary (context decides the rest)."""
    return _kind_of_text(tok.text)


@lru_cache(maxsize=65536)
def _kind_of_text(t: str) -> str:
    if vocab.is_form_title(t) and len(t) <= 60:
        return "title"
    if vocab.header_field(t):
        return "field"
    if vocab.goal_field(t):
        return "goal"
    if vocab.other_label(t):
        return "other"
    role = vocab.header_role(re.sub(r"[（(][^()（）]*20\d{2}[^()（）]*[)）]$", "", t))  # 中期绩效指标（2024—2026年）
    if role == "lead":
        return "lead"
    if role is not None and role not in ("unit", "history_year") and not framework.canonical_level2(t):
        return "role"
    if vocab.is_budget_block_label(t) or vocab.budget_section(t):
        return "budget"
    if _level(t):
        return "level"
    return "text"


@lru_cache(maxsize=65536)
def _level(text: str) -> str | None:
    """``level1``/``level2`` for a framework name (成本指标 is both: level1 first)."""
    if framework.canonical_level1(text):
        return "level1"
    if framework.canonical_level2(text):
        return "level2"
    return None


@lru_cache(maxsize=65536)
def _is_value(text: str) -> bool:
    """A target by the value grammar; a number followed by a long text (2024年实现内资进资额) is a name."""
    if _LONE_OP.match(text):
        return True
    if _SCORE_RULE.search(text):
        return False  # 每少完成1%扣1分 / 未达到不得分: a scoring rule, not a target
    head = re.match(r"^\D*", text).group()
    if len(re.findall(r"[\u4e00-\u9fff]", head)) >= 4 and len(head) < len(text) and not _VALUE_PREFIX.fullmatch(head):
        return False  # 项目完工时间2024年10月底前: a name with its value glued on
    p = parse_value(text)
    if p is not None and p.number is not None and p.op is None and p.unit and p.unit.startswith("年") and \
            1900 <= p.number <= 2100 and len(p.unit) > 2:
        return False
    return looks_like_value(text)


_VALUE_PREFIX = re.compile(
    r"\s*(?:较上年|比上年|同比|年均|较\d*年)?\s*(?:增长|提高|下降|降低|减少|增加|提升)?\s*"
    r"(?:不低于|不少于|不高于|不超过|不大于|不小于|达到|控制在|保持在?|[≥≤=><＝＞＜])?\s*"
)
_NAME_END = re.compile(r"(率|数|量|度|性|次|额|值|面|时间|时限|成本|标准|情况|指标|人次|天数|个数|场次)$")


def _loose_value(text: str) -> bool:
    """A short qualitative target outside the closed list (良好以上, 按序时进度): not shaped like a name
    nor like the end of a scoring rule (不健全不得分)."""
    return 2 <= len(text) <= 8 and not _NAME_END.search(text) and not re.search(r"[（(]", text) and \
        not _SCORE_RULE.search(text)


# ---------------------------------------------------------------------------------------
# glued text


def split_glued(tok: Token, *, qualitative: bool = False, bare: bool = False,
                carry: tuple[str | None, str | None] = (None, None), values: int = 4) -> list[tuple[str, Token]]:
    """Cut text copied with no separators: leading level names, the name, a trailing value.

    Returns (kind, token) pieces with kind ``level`` / ``text`` / ``value``. A bare level
    prefix (质量 in 质量抽检合格率) is only cut when it is printed as a level is (…指标); with
    ``bare`` (a text whose rows are glued throughout) also the framework's own bare names
    (决策 / 项目立项) or a name another level name follows. Where cells are separated, a
    level printed bare is a cell of its own, and 预算执行率 / 绩效目标合理性 are names.
    Even in glued text a bare name is a name when it repeats the level in force (``carry``:
    the level1 and level2 carried down) — the row continues that block — or does not fit
    under the level1 (资产管理制度健全性 inside the 资产管理 block keeps its name). ``values``: the
    value columns of the table; in glued text no more values than that are cut off the end
    (部门形象的提升有效有效 under 半年 | 全年: 提升 stays in the name).
    """
    pieces: list[tuple[str, Token]] = []
    rest = tok
    lead = _LEAD_PREFIX.match(rest.text)
    if lead and lead.end() < len(rest.text) and framework.leading_level_name(rest.text[lead.end():]):
        pieces.append(("lead", sub_token(rest, 0, lead.end())))  # 年度绩效指标 printed on every row
        rest = sub_token(rest, lead.end(), len(rest.text))
    l1, l2 = carry
    peeled_l2 = False
    while True:
        got = framework.leading_level_name(rest.text)
        if not peeled_l2 and (n := _numbered_sibling(l2, rest.text)):
            # 核心业务产出2完成外贸进出口… under 核心业务产出1: the next of a numbered run of level2 names
            l2, peeled_l2 = rest.text[:n], True
            pieces.append(("level", sub_token(rest, 0, n)))
            rest = sub_token(rest, n, len(rest.text))
            break
        if got is None or got[2] >= len(rest.text):
            break
        lvl, canonical, n = got
        head = rest.text[:n]
        if lvl == "level1" and pieces and pieces[-1][0] == "level" and pieces[-1][1].text == head and \
                not peeled_l2 and framework.canonical_level2(head):
            lvl = "level2"  # 满意度指标满意度指标: the level1 and the level2 of one name
        num = re.match(r"\d{1,3}(?:[:：]|$)", rest.text[n:])
        if head.endswith("指标指标") and num and framework.leading_level_name(head[:-2]):
            # 质量指标指标1：新引进项目开工率: the level, then the row's numbering 指标1 (no part of the level)
            if lvl == "level1":
                l1, l2 = head[:-2], None
            else:
                l2, peeled_l2 = head[:-2], True
            pieces.append(("level", sub_token(rest, 0, n - 2)))
            if num.end() == len(rest.text) - n:
                return pieces
            rest = sub_token(rest, n + num.end(), len(rest.text))
            break
        nxt = framework.leading_level_name(rest.text[n:])
        if not head.endswith("指标"):
            if not bare:
                break
            after_l1 = bool(pieces) and pieces[-1][0] == "level" and not peeled_l2
            if lvl == "level1":
                if nxt is None:
                    break  # a bare level1 glued to a name is the name's first word
            elif peeled_l2:
                break
            elif after_l1:
                if not framework.fits(l1, head):
                    break  # 决策项目立项…: a row repeating its merged cells names both levels
            elif framework.canonical_level2(l2) == canonical or (l1 is not None and not _siblings(l1, l2, head)):
                break  # 预算执行率 in the 预算执行 block, 资产管理制度健全性 in 资产管理: names
            if not (head == canonical or len(head) >= 4 or (nxt is not None and nxt[2] < len(rest.text) - n)):
                break  # 质量 / 成本 glued to a name are the name's first word
        if lvl == "level1":
            l1, l2 = head, None
        else:
            l2, peeled_l2 = head, True
        pieces.append(("level", sub_token(rest, 0, n)))
        rest = sub_token(rest, n, len(rest.text))
    if pieces and pieces[-1][0] == "level" and _level(rest.text) and not _VALUE_TAIL.search(rest.text):
        pieces.append(("level", rest))  # 效益指标生态效益: a row of level cells with no indicator in it
        return pieces
    basis = None
    for word in _TAIL_WORDS:
        if rest.text.endswith(word) and len(rest.text) > len(word) + 2:
            cut = len(rest.text) - len(word)
            basis, rest = sub_token(rest, cut, len(rest.text)), sub_token(rest, 0, cut)
            break
    if bare and (rep := _repeated_tail(rest.text)):
        # 编制项目促进发展促进发展促进发展: one text value printed in each value column (history, target)
        start, n, reps = rep
        pieces.append(("text", sub_token(rest, 0, start)))
        pieces += [("value", sub_token(rest, start + k * n, start + (k + 1) * n)) for k in range(reps)]
        if basis is not None:
            pieces.append(("basis", basis))
        return pieces
    name, value = _value_tail(rest, qualitative=qualitative, bare=bare)
    after = None
    if value is not None and name is not None and _SCORE_RULE.search(name.text + value.text):
        # …≥11800公里10完成目标值得10分: the tail is the 评分标准 column (a score), not the target
        name, value = rest, None
    if value is None and name is not None:
        name, value, after = _value_inside(name)
    if value is None and name is not None and qualitative and bare:
        name, value, after = _qualitative_inside(name)
    if value is None and name is not None and _SCORE_RULE.search(name.text):
        name, value, after = _value_after_kind(name)
    earlier: list[Token] = []
    while name is not None and value is not None and len(earlier) < (min(3, values - 1) if bare else 3):
        # 果农满意度91%92%: the history / half-year values glued before the target
        n2, v2 = _value_tail(name, qualitative=qualitative, bare=bare)
        if n2 is None or v2 is None or not (re.search(r"\d", v2.text) or v2.text in vocab.QUALITATIVE_VALUES):
            break  # 立项依据充分性充分充分: the half-year value glued before the annual one
        earlier.insert(0, v2)
        name = n2
    if name is not None and value is not None:
        for word in _KIND_WORDS:  # 项目完工时间定性2023年11月30日前: the 指标性质 column glued in
            if name.text.endswith(word) and len(name.text) > len(word) + 1:
                name = sub_token(name, 0, len(name.text) - len(word))
                break
    if name is not None:
        pieces.append(("text", name))
    pieces += [("value", v) for v in earlier]
    if value is not None:
        pieces.append(("value", value))
    if after is not None:
        pieces.append(("after", after))
    if basis is not None:
        pieces.append(("basis", basis))
    return pieces


_UNITS = "|".join(sorted(
    "% ‰ 万人次 人次 万人 人 万册 册 场 次 个 家 项 期 天 日 月 年 户 万亩 亩 件 份 台 套 篇 名 所 条 辆 吨 平方米 ㎡ 公里 千米 米 座 处 "
    "亿元 万元 元 元/人 元/亩 万元/处 小时 分钟 笔 批 本 张 课时 学时 公斤 千克 站 村 校".split(), key=len, reverse=True))
_VALUE_INSIDE = re.compile(
    rf"(?:(?:{_OP})\s*{_NUM}\s*(?:(?:{_UNITS})(?:/(?:{_UNITS})(?:·(?:{_UNITS}))?)?)?|{_NUM}\s*(?:%|‰)|(?:20\d{{2}}\s*年)?\d{{1,2}}\s*月(?:\d{{1,2}}\s*日)?(?:底)?(?:前|以前|之前))"
)


def _value_inside(tok: Token) -> tuple[Token | None, Token | None, Token | None]:
    """A value between the name and a glued description: 送戏下乡演出场次≥120场全年组织… → name, value, rest.

    Only a value the grammar marks plainly (an operator, a percentage or a deadline) is cut
    out of the middle of a text; a bare number there may be part of the name."""
    m = _VALUE_INSIDE.search(tok.text)
    if m is None or m.start() < 2 or m.end() >= len(tok.text) or re.search(r"[\d.]$", tok.text[:m.start()]):
        return tok, None, None
    return sub_token(tok, 0, m.start()), sub_token(tok, m.start(), m.end()), sub_token(tok, m.end(), len(tok.text))


def _numbered_sibling(l2: str | None, text: str) -> int:
    """Length of the level2 name ``text`` starts with when it is the next of a numbered run the
    carried level2 belongs to (核心业务产出1 → 核心业务产出2…): the same stem of three characters or
    more, another number, then the name (two characters or more, not a digit); 0 otherwise."""
    m = re.fullmatch(r"(?P<stem>[\u4e00-\u9fff]{3,})(?P<num>\d{1,2})", vocab.key(l2 or ""))
    if m is None or not text.startswith(m.group("stem")):
        return 0
    d = re.match(r"\d{1,2}", text[len(m.group("stem")):])
    if d is None or d.group() == m.group("num"):
        return 0
    n = len(m.group("stem")) + d.end()
    return n if len(text) - n >= 2 and not text[n].isdigit() else 0


_QUALITATIVE_INSIDE = re.compile("|".join(map(re.escape, sorted(
    (w for w in vocab.QUALITATIVE_VALUES | vocab.QUALITATIVE_TARGETS if len(w) >= 4), key=len, reverse=True))))


def _qualitative_inside(tok: Token) -> tuple[Token | None, Token | None, Token | None]:
    """A qualitative target of four characters or more (稳步提升, 持续推进) between the name and a
    glued description: 基层文艺队伍建设稳步提升培育村级文艺骨干 → name, value, rest. Both sides hold
    four characters or more of text, the description no value of its own, and does not go on with the
    word as a phrase (…正常运行的影响程度 is one name). Only in text glued throughout (``bare``)."""
    for m in _QUALITATIVE_INSIDE.finditer(tok.text):
        before, after = tok.text[:m.start()], tok.text[m.end():]
        if len(before) >= 4 and len(after) >= 4 and re.match(r"[\u4e00-\u9fff]", after) and \
                not re.match(r"[的之和或与及并等]", after) and \
                not re.search(r"[\d%‰≥≤><＞＜=＝]", tok.text) and not _QUALITATIVE_INSIDE.search(after):
            return (sub_token(tok, 0, m.start()), sub_token(tok, m.start(), m.end()),
                    sub_token(tok, m.end(), len(tok.text)))
    return tok, None, None


def _value_after_kind(tok: Token) -> tuple[Token | None, Token | None, Token | None]:
    """…变化情况定性有效降低5效果明显得5分: in a row glued up to its scoring rule, the qualitative
    target is what follows the 指标值类型 word (定性) up to the weight or the rule → name, value, rest."""
    for m in re.finditer("|".join(map(re.escape, sorted(vocab.VALUE_KIND_WORDS, key=len, reverse=True))), tok.text):
        end = re.search(r"\d|$", tok.text[m.end():]).start() + m.end()
        value = tok.text[m.end():end]
        if m.start() >= 2 and 1 <= len(value) <= 8 and not _SCORE_RULE.search(value):
            return sub_token(tok, 0, m.end()), sub_token(tok, m.end(), end), sub_token(tok, end, len(tok.text))
    return tok, None, None


_LEAD_PREFIX = re.compile(r"^(?:年度|长期|中期|中长期|实施期)?绩效指标")
# the end of a scoring rule (评（扣）分标准: 达到目标值得10分, 每少1%扣1分, 不得分): never a target
_SCORE_RULE = re.compile(r"(?:得|扣|减|计|加)\s*\d+(?:\.\d+)?\s*分$|不得分$|扣完为止$")
_TAIL_WORDS = sorted(vocab.BASIS_VALUES, key=len, reverse=True)
_KIND_WORDS = sorted(vocab.VALUE_KIND_WORDS | vocab.CATEGORY_VALUES, key=len, reverse=True)


_NOTE = re.compile(r"[（(]([^()（）]+)[)）]\s*$")
_NOTE_HALF = re.compile(r"^(半年(?:度|（程）|\(程\))?(?:指标值|目标值)?)[:：]?\s*(.+)$")
_NOTE_YEAR = re.compile(r"^(20\d{2})\s*年度?[:：]?\s*(.+)$")
_NOTE_LABEL = re.compile(r"^([^:：]{2,12})[:：]\s*(.+)$")


def strip_note(tok: Token) -> tuple[Token, list[tuple[str, Token]]]:
    """A value with the row's other columns in parentheses, as prose lists print them:
    ``合理（半年合理）``, ``95.65%（指标值确定依据:计划标准，2022年90%，2023年92%）``.

    Returns the token without the note and (role, value token) pairs; a parenthesis that
    names no column (``（件/套）``, ``（次）``) is part of the text and stays."""
    m = _NOTE.search(tok.text)
    if m is None or m.start() == 0:
        return tok, []
    notes: list[tuple[str, Token]] = []
    pos = m.start(1)
    for part in re.split(r"([，,；;])", m.group(1)):
        if part in "，,；;" or not part.strip():
            pos += len(part)
            continue
        role, value_at = _note_role(part)
        if role is None:
            if not notes or notes[-1][0] not in ("description", "basis", "key_task"):
                return tok, []
            prev_role, prev = notes[-1]  # a note's text with a comma of its own
            start = prev.start - tok.start if prev.span is not None else 0
            notes[-1] = (prev_role, sub_token(tok, start, pos + len(part)))
        else:
            notes.append((role, sub_token(tok, pos + value_at, pos + len(part))))
        pos += len(part)
    rest, more = strip_note(sub_token(tok, 0, m.start()))
    return rest, more + notes


def _note_role(part: str) -> tuple[str | None, int]:
    if (h := _NOTE_HALF.match(part)) is not None:
        return "half_year", h.start(2)
    if (y := _NOTE_YEAR.match(part)) is not None:
        return f"history:{y.group(1)}", y.start(2)
    if (lab := _NOTE_LABEL.match(part)) is not None:
        role = vocab.header_role(lab.group(1))
        if role in ("basis", "category", "description", "half_year", "target", "key_task"):
            return role, lab.start(2)
    return None, 0


def _siblings(l1: str, l2: str | None, new: str) -> bool:
    """``new`` is a level2 of ``l1`` in a framework that also holds ``l2`` (the block in force)."""
    c1, c2, cn = framework.canonical_level1(l1), framework.canonical_level2(l2), framework.canonical_level2(new)
    for fw in framework.FRAMEWORKS:
        l2s = fw.level2s(c1) if c1 else None
        if l2s and cn in l2s and (c2 is None or c2 in l2s):
            return True
    return False


# Qualitative targets of four characters or more the genre prints, some of which end in a shorter
# one (逐步完善 / 完善, 按序时进度 / 序时进度): at the end of a glued row the whole target is cut off.
_QUALITATIVE_TAILS = frozenset(w for w in vocab.QUALITATIVE_TARGETS | frozenset(
    "逐步完善 逐步建立 持续增强 良好以上 无明显影响".split()) if len(w) >= 4)


_CURRENCY_UNIT = re.compile(r"(?:亿|万|千)?(?:元人民币|美元|欧元|港元)")


def _repeated_tail(text: str) -> tuple[int, int, int] | None:
    """(start, length, count) of the values when ``text`` ends with one text printed two or three
    times over (促进发展促进发展促进发展: four characters or more each, no digit, a name of two or
    more before it); None otherwise."""
    for reps in (3, 2):
        for n in range((len(text) - 2) // reps, 3, -1):
            unit = text[len(text) - n:]
            if text.endswith(unit * reps) and not re.search(r"\d", unit):
                return len(text) - n * reps, n, reps
    return None


_STEM_VALUE = re.compile(r"(?P<stem>[\u4e00-\u9fff]{2})性(?P<value>(?:完全|基本|较为|较|全部|全面)?(?P=stem))$")


def _value_tail(tok: Token, *, qualitative: bool, bare: bool = False) -> tuple[Token | None, Token | None]:
    """A value at the end of ``tok``: (name, value), or (tok, None). ``qualitative``: a qualitative
    target may end it too; ``bare`` (text glued throughout): the longer ones of ``_QUALITATIVE_TAILS``."""
    text = tok.text
    if _is_value(text):
        return None, tok
    d = _DATE_TAIL.search(text)
    if d and d.start() >= 3:
        return sub_token(tok, 0, d.start()), sub_token(tok, d.start(), len(text))
    m = _VALUE_TAIL.search(text)
    if m and m.start() >= 2:
        unit = m.group("unit") or ""
        name = text[: m.start()]
        ok = bool(m.group("op")) or unit in ("%", "％", "‰") or (
            (1 <= len(unit) <= 3 or (bare and _CURRENCY_UNIT.fullmatch(unit)))
            and re.fullmatch(r"[\u4e00-\u9fff/]+", unit)
            and not _NAME_CUT_BEFORE.search(name) and not re.search(r"[\d.]$", name))
        if unit[:1] in ("%", "‰", "％") and len(unit) > 1:
            ok = False  # ≥8%较上年增长幅度: a percentage, then a glued description (_value_inside), no unit
        if ok and not re.search(rf"{_OP}$", name):
            return sub_token(tok, 0, m.start()), sub_token(tok, m.start(), len(text))
    if (m := _STEM_VALUE.search(text)) and m.start("value") >= 3:
        # 工作计划健全性健全, 中长期规划相符性完全相符: a name of a quality (…性) glued to its value,
        # which repeats the quality's word — the cut is printed in the text itself
        return sub_token(tok, 0, m.start("value")), sub_token(tok, m.start("value"), len(text))
    if qualitative:
        for n in range(min(6, len(text) - 3), 1, -1):
            if text[:-n].endswith("是否"):
                continue  # 企业科研水平是否提高: a question (whether it rose), the description, no value
            if text[-n:] in vocab.QUALITATIVE_VALUES or (bare and n >= 4 and text[-n:] in _QUALITATIVE_TAILS):
                return sub_token(tok, 0, len(text) - n), sub_token(tok, len(text) - n, len(text))
    return tok, None


_FORM_LABELS = sorted(
    {lbl for labels in vocab.HEADER_LABELS.values() for lbl in labels}
    | {lbl for labels in vocab.GOAL_LABELS.values() for lbl in labels}, key=len, reverse=True,
)
_ALL_LABELS = sorted({*_FORM_LABELS, *vocab.run_on_labels()}, key=len, reverse=True)
_LABEL_START = re.compile("|".join(re.escape(x) for x in _FORM_LABELS))
_LABEL_AT = re.compile("|".join(re.escape(x) for x in _ALL_LABELS))
_ROLE_LABELS = sorted({v for _r, labels in vocab.ROLE_HEADERS for lbl in labels if len(lbl) >= 2
                       for v in (lbl, lbl.replace("（", "(").replace("）", ")"))}, key=len, reverse=True)


def split_labels(tok: Token) -> list[Token]:
    """``项目名称XX项目主管部门XX局`` → label, value, label, value (a header copied glued)."""
    text = tok.text
    if kind_of(tok) != "text":
        return [tok]
    if (g := _GENERIC_GOAL_GLUED.match(text)) is not None:
        return [sub_token(tok, 0, g.end(1)), sub_token(tok, g.start(2), len(text))]  # 绩效目标目标1…
    lead = _LEAD_PREFIX.match(text)
    if lead and lead.end() < len(text) and _peel_roles(text[lead.end():]):
        return [sub_token(tok, 0, lead.end()), *split_labels(sub_token(tok, lead.end(), len(text)))]
    roles = _peel_roles(text)
    if roles:
        out, pos = [], 0
        for n in roles:
            out.append(sub_token(tok, pos, pos + n))
            pos += n
        return out
    m = _LABEL_START.match(text)
    if m is None and (m := _LABEL_AT.match(text)) is not None and (len(m.group()) < 4 or not _LABEL_START.search(text, m.end())):
        return [tok]  # 项目编码————项目名称招商引资: a label of no field first, split only before a field's label
    if not m or len(text) - m.end() < 2:
        return [tok]
    cuts = [0, m.end()]
    for m2 in _LABEL_AT.finditer(text, m.end()):
        if len(m2.group()) >= 4 and m2.start() > cuts[-1]:
            cuts += [m2.start(), m2.end()]
    cuts.append(len(text))
    return [sub_token(tok, a, b) for a, b in zip(cuts, cuts[1:]) if b > a and text[a:b].strip()]


_ROLE_ONE = re.compile("|".join(re.escape(x) for x in _ROLE_LABELS))
# a heading may carry the required-field star before or after it (*指标值, 指标值类型*); two-character
# headings (权重, 备注) only ever match inside a whole run of headings (fullmatch below)
_ROLE_RUN = re.compile(f"(?:[*＊]?(?:{_ROLE_ONE.pattern})[*＊]?){{2,}}")


def _peel_roles(text: str) -> list[int] | None:
    """Lengths of column headings glued into one token (一级指标二级指标三级指标指标值), or None."""
    if not _ROLE_RUN.fullmatch(text):
        return None
    out = [len(m.group()) for m in re.finditer(f"[*＊]?(?:{_ROLE_ONE.pattern})(?:[*＊]$)?", text)]
    return out if sum(out) == len(text) and len(out) >= 2 else None


# ---------------------------------------------------------------------------------------
# records


@dataclass
class _Rec:
    l1: Token | None = None
    l2: Token | None = None
    pre: list[Token] = field(default_factory=list)
    vals: list[Token] = field(default_factory=list)
    post: list[Token] = field(default_factory=list)
    unit: Token | None = None
    op: str | None = None
    basis: Token | None = None
    category: Token | None = None
    cut: set[int] = field(default_factory=set)  # ids of tokens cut from glued text (status REPAIRED)
    weight: Token | None = None
    notes: list[tuple[str, Token]] = field(default_factory=list)  # (role, value) from 合理（半年合理）

    @property
    def empty(self) -> bool:
        return not (self.pre or self.vals or self.post)


@dataclass
class _Table:
    roles: list[str]
    scope: str = "annual"
    explicit: bool = False  # the scope was printed (a lead label), not assumed
    inds: list[Indicator] = field(default_factory=list)  # the rows read under it

    @property
    def value_roles(self) -> list[str]:
        vr = [r for r in self.roles if r in VALUE_ROLES or r.startswith("history:")]
        return vr or ["target"]

    def _free(self, before: bool) -> list[str]:
        vals = [i for i, r in enumerate(self.roles) if r in VALUE_ROLES or r.startswith("history:")]
        first, last = (min(vals), max(vals)) if vals else (len(self.roles), len(self.roles))
        rng = self.roles[:first] if before else self.roles[last + 1:]
        out = [r for r in rng if r in FREE_ROLES and (r != "ignore" or not before)]  # 指标值类型 holds 定量/定性
        if before and "level3" not in out:
            out.insert(0, "level3")
        return out

    @property
    def pre_roles(self) -> list[str]:
        return self._free(True)

    @property
    def post_roles(self) -> list[str]:
        return self._free(False)


@dataclass
class _Draft:
    form: Form
    start_line: int
    end_line: int = 0
    indicators: list[tuple[Indicator, _Rec]] = field(default_factory=list)
    scrambled: str | None = None  # why the level names cannot be trusted to sit above their rows

    @property
    def has_content(self) -> bool:
        f = self.form
        return bool(self.indicators or f.project_name or f.unit_name or f.competent_dept or f.budget.lines
                    or f.goals.annual or f.goals.long_term)


# ---------------------------------------------------------------------------------------
# the reader


class StreamReader:
    """Reads one text into forms (see the module docstring)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.toks = _join_name_tails(_unglue_budget(tokenize(text), self.lines), self.lines)
        self.glued = self._glued_style()
        self._value_follows = False  # the name being read has its row's value next on its line
        self.drafts: list[_Draft] = []
        self.draft: _Draft | None = None
        self.mode = "preamble"
        self.table: _Table | None = None
        self.rec = _Rec()
        self.carry1: Token | None = None
        self.carry2: Token | None = None
        self.carry_task: Token | None = None
        self.context: dict = {}
        self.section: str | None = None
        self.item: Token | None = None
        self.item_amounts = 0
        self.empty_before = False
        self.grouped = False  # the block's sections are row groups under one row of column headings
        self.columns: list[str] = []
        self.items_run: list[Token] = []
        self.run_label: Token | None = None  # the row label of amounts under fund headings (上年预算数)
        self.block_label: str | None = None  # the name of the funding block's own label (项目资金)
        self.last_budget: Token | None = None
        self.block_amounts = 0
        self.doc_unit: str | None = None
        self.default_unit = "万元"
        self.pending_title: Token | None = None
        self.loose: Token | None = None  # the last plain line between a title and the header labels
        # labels printed as a column before their values (a viewer's default order): (what, field)
        self.pending: list[tuple[str, str | None]] = []
        self.level_run: list[Token] = []  # level names read since the last row
        self.loose_all: list[Token] = []
        self.prose: tuple[list[Token], int] | None = None  # a wrapped text cell skipped, and where it ended

    def _glued_style(self) -> bool:
        """Rows copied with no separators: several lines start with a level name glued to more text."""
        n = 0
        for t in self.toks:
            if t.first_on_line and t.line_tokens == 1 and kind_of(t) == "text":
                lead = _LEAD_PREFIX.match(t.text)
                text = t.text[lead.end():] if lead else t.text
                got = framework.leading_level_name(text)
                if got and got[2] < len(text) and (text[: got[2]].endswith("指标") or (
                        framework.leading_level_name(text[got[2]:]) and _VALUE_TAIL.search(text))):
                    n += 1
        return n >= 2

    # -- forms ---------------------------------------------------------------------------

    def _new_form(self, tok: Token, title: Token | None = None) -> _Draft:
        self._flush()
        if self.draft is not None:
            self.draft.end_line = tok.line - 1
        form = Form(title=clean_cell(title.text) if title else None)
        if title is not None:
            form.evidence["title"] = evidence(title)
        self.draft = _Draft(form=form, start_line=(title or tok).line)
        self.drafts.append(self.draft)
        self.mode, self.table, self.carry1, self.carry2 = "header", None, None, None
        self.section, self.item, self.columns, self.default_unit = None, None, [], self.doc_unit or "万元"
        self.items_run, self.block_amounts, self.block_label = [], 0, None
        self.loose, self.loose_all, self.pending = None, [], []
        return self.draft

    def _ensure_form(self, tok: Token) -> _Draft:
        if self.draft is None:
            title = self.pending_title
            self.pending_title = None
            return self._new_form(tok, title)
        return self.draft

    # -- main loop -----------------------------------------------------------------------

    def read(self) -> list[Form]:
        toks = self._expand(self.toks)
        i = 0
        while i < len(toks):
            i = self._step(toks, i)
        self._flush()
        if self.draft is not None:
            self.draft.end_line = len(self.lines)
        return [self._finish(d) for d in self.drafts if d.has_content]

    def _expand(self, toks: list[Token]) -> list[Token]:
        out: list[Token] = []
        for t in toks:
            out += split_labels(t)
        return out

    def _step(self, toks: list[Token], i: int) -> int:
        tok = toks[i]
        k = kind_of(tok)
        text = tok.text
        if k == "title":
            if self.draft is None:
                self.pending_title = tok
            elif self.draft.has_content:
                self._new_form(tok, tok)
            else:
                self.draft.form.title = clean_cell(text)
                self.draft.form.evidence["title"] = evidence(tok)
            return i + 1
        year_column = self.mode == "budget" and bool(self.columns) and (self.block_amounts == 0 or self._header_pending())
        if (_YEAR_LINE.match(text) and not year_column) or _UNIT_LINE.search(text) and len(text) <= 16:
            self._read_year_unit(tok)
            return i + 1
        if text == "单位" and i + 1 < len(toks) and toks[i + 1].text in ("元", "万元", "亿元") and toks[i + 1].line == tok.line:
            self.default_unit = self.doc_unit = toks[i + 1].text  # 单位：元 (cut at its colon)
            return i + 2
        if k == "field":
            return self._read_field(toks, i)
        if k == "goal":
            return self._read_goal(toks, i)
        if vocab.key(text) in vocab.GENERIC_GOAL_LABELS and i + 1 < len(toks) and (
                _GOAL_ITEM.match(toks[i + 1].text) or _GOAL_ITEM_LEAD.match(toks[i + 1].text)):
            return self._read_goal_list(toks, i)
        if k == "other":
            return self._skip_other(toks, i)
        if k == "lead":
            if self.draft is None:
                return i + 1  # 绩效指标： in a budget text's prose: a list needs level names to start
            self._flush()
            scope = vocab.lead_scope(text) or "annual"
            if self.table is not None and self.table.inds and not self.table.explicit and self.level_run:
                # the lead column printed apart, amid the level column after its rows (a viewer's
                # default order): it names the table just read, not one to come
                for ind in self.table.inds:
                    ind.scope = scope
                self.table.scope, self.table.explicit = scope, True
                return i + 1
            self.table = _Table(list(self.table.roles) if self.table else list(DEFAULT_ROLES), scope, explicit=True)
            self.mode = "indicators"
            return i + 1
        if k == "role":
            j = self._read_roles(toks, i)
            if j != i + 1 or self.mode == "indicators" or not (
                    vocab.budget_section(text) or vocab.is_budget_block_label(text)):
                return j
            k = "budget"  # 年度主要任务 | 任务名称 | 预算金额: a task list with amounts, not an indicator header
        if k == "budget" and self.mode != "indicators":
            self._ensure_form(tok)
            self.mode = "budget"
            if re.search(r"\d", text) and self._budget_sentence(tok):
                return i + 1  # 项目资金总额120万元: a sentence, not a block label
            self._budget_label(tok)
            if self._bare_label(toks, i) and kind_of(toks[i + 1]) in ("field", "goal", "other"):
                self.pending.append(("budget", None))  # not 资金情况 | 资金来源: a heading over the item column
            else:
                self.pending.clear()  # a label read in place: no label column is waiting
            return i + 1
        if self.pending and k in ("text", "level") and self.table is None and self.draft is not None \
                and not self.draft.indicators:
            got = self._pending_value(toks, i)
            if got is not None:
                return got
        if self.mode == "budget":
            if k == "level":
                self.mode = "indicators"
            else:
                self._budget_token(tok)
                return i + 1
        if self.draft is None:
            self._preamble(tok)
            if k == "level" and self._opens_list(tok) and self._starts_prose_list(toks, i):
                self._ensure_form(tok)
            else:
                return i + 1
        if self.mode != "indicators":
            if (k == "level" and self._opens_list(tok)) or (k == "text" and self._glued_level(tok)):
                self.mode = "indicators"
                self.table = self.table or _Table(list(DEFAULT_ROLES))
            else:
                if self.mode == "header" and not self.draft.indicators:
                    self._note_loose(tok)
                self._budget_sentence(tok)
                return i + 1
        if self.mode == "indicators" and (j := self._narrow_prose(toks, i)) > i:
            self.prose = (toks[i:j], j)
            if self.rec.empty:
                self.rec = _Rec()  # level names read before the text are no row's after it
            return j
        return self._indicator_token(toks, i)

    def _narrow_prose(self, toks: list[Token], i: int) -> int:
        """A text cell wrapped in a narrow column (a viewer's copy prints each of its lines apart):
        many short lines in a row, each alone, none a label or level name, that read as sentences
        (年全市 | 实现社 | 会消费 | … | 增长10%。| 2.2024 …). A goal printed before its label or a
        note — never indicators: returns where the run ends (``i`` when there is none)."""
        if _is_value(toks[i].text) and not (i + 1 < len(toks) and toks[i + 1].line == toks[i].line):
            return i  # a cell of its own: the value of the name before it
        j = i
        while j < len(toks) and toks[j].line_tokens == 1 and toks[j].end_line is None and \
                len(toks[j].text) <= 8 and kind_of(toks[j]) == "text" and \
                (j == i or toks[j].line >= toks[j - 1].line):
            j += 1
        lines = sorted({t.line for t in toks[i:j]})
        if len(lines) < 8:
            return i
        text = "".join(self.lines[n - 1].strip() for n in lines)
        if len(re.findall(r"[。；]", text)) < 2 or len(re.findall(r"[，。；、]", text)) < 3:
            return i
        return j

    def _starts_prose_list(self, toks: list[Token], i: int) -> bool:
        """A level name with a value within the next few tokens: indicators with no form header."""
        return any(_is_value(t.text) or self._glued_value(t) for t in toks[i + 1:i + 5])

    @staticmethod
    def _opens_list(tok: Token) -> bool:
        """A level name that can open an indicator list with no header: an L1, or a name
        printed as a level (…指标); a bare 绩效目标 / 项目立项 is a heading of prose too."""
        return bool(framework.canonical_level1(tok.text)) or tok.text.endswith("指标")

    def _carry_texts(self) -> tuple[str | None, str | None]:
        return (self.carry1.text if self.carry1 else None, self.carry2.text if self.carry2 else None)

    def _glued_level(self, tok: Token) -> bool:
        return any(kind == "level" for kind, _ in split_glued(tok, bare=self.glued))

    def _glued_value(self, tok: Token) -> bool:
        return any(kind == "value" for kind, _ in split_glued(tok, bare=self.glued))

    def _note_loose(self, tok: Token) -> None:
        """Keep a plain line printed under a title before any header label (``_title_line_name``)."""
        f = self.draft.form if self.draft is not None else None
        titled = self.pending_title is not None if f is None else f.title is not None
        if not titled or (f is not None and (f.project_name or f.unit_name or f.competent_dept or f.budget.lines)):
            return
        if kind_of(tok) == "text" and tok.line_tokens == 1 and tok.end_line is None:
            self.loose = tok
            self.loose_all.append(tok)

    def _preamble(self, tok: Token) -> None:
        """Before the first form: the budget year and the unit a budget book's cover names."""
        self._note_loose(tok)
        if "year" not in self.context and len(tok.text) <= 30 and (y := year_from_text(tok.text)):
            self.context["year"] = (y, tok)

    def _read_year_unit(self, tok: Token) -> None:
        if m := _UNIT_LINE.search(tok.text):
            self.default_unit = self.doc_unit = m.group(1)
            return
        y = year_from_text(tok.text)
        if y is None:
            return
        if self.draft is not None and self.draft.form.year is None:
            self.draft.form.year = y
            self.draft.form.evidence["year"] = evidence(tok)
        elif self.draft is None:
            self.context.setdefault("year", (y, tok))

    # -- header --------------------------------------------------------------------------

    def _is_anchor(self, tok: Token) -> bool:
        k = kind_of(tok)
        return k in ("title", "field", "goal", "other", "role", "lead", "budget") or (
            k == "level" and (tok.first_on_line or tok.text.endswith("指标")))

    def _value_run(self, toks: list[Token], i: int, *, multi: bool) -> tuple[list[Token], int]:
        """Tokens after a label up to the next anchor: one line's worth, or (goals) several lines."""
        label = toks[i]
        j = i + 1
        run: list[Token] = []
        while j < len(toks) and not self._is_anchor(toks[j]):
            t = toks[j]
            if run and not multi and (t.line != run[-1].line or label.line_tokens == 1 and t.line != label.line):
                break
            if not run and not multi and t.line - label.line > 3:
                break
            run.append(t)
            j += 1
            if not multi and label.line_tokens == 1 and t.line != label.line:
                break  # one cell per line: the value is the next cell
        return run, j

    def _joined(self, run: list[Token], stop: Token | None = None, *, to_eol: bool = False) -> str:
        """The source text a run of tokens covers (spaces inside one line kept, lines glued).

        ``to_eol``: a goal's text runs to the end of its lines (its closing 。 is text), or
        up to ``stop``, the label that ends it on the same line."""
        parts: list[str] = []
        k = 0
        while k < len(run):
            a = run[k]
            b = a
            while k + 1 < len(run) and run[k + 1].line == a.line and run[k + 1].end_line is None and a.end_line is None:
                k += 1
                b = run[k]
            if a.end_line is None and b.end_line is None and a.line == b.line:
                end = b.end
                if to_eol:
                    line = self.lines[a.line - 1]
                    end = stop.start if stop is not None and stop.line == a.line else len(line.rstrip())
                    end = max(end, b.end)
                parts.append(self.lines[a.line - 1][a.start:end].rstrip(" \t|｜"))
            else:
                parts.append(a.raw)
            k += 1
        return "\n".join(parts)

    def _read_field(self, toks: list[Token], i: int) -> int:
        tok = toks[i]
        fld = vocab.header_field(tok.text)
        draft = self.draft
        # a new form starts at a header label once the current form has its indicators, or at a
        # second 项目名称 (a unit named twice — 填报单位 and 实施单位 — is one form's header)
        self._flush()
        loose = (self.loose, list(self.loose_all))  # _new_form forgets them
        if draft is None or draft.indicators or (
                fld == "project_name" and draft.form.project_name is not None):
            title = self.pending_title if draft is None else None
            self.pending_title = None
            draft = self._new_form(tok, title)
        run, j = self._value_run(toks, i, multi=False)
        status = AlignmentStatus.EXACT
        if not run and fld in ("unit_name", "competent_dept") and (late := self._late_name(toks, j)) is not None:
            run = [toks.pop(late)]  # read here, so the block it was printed in does not read it again
            status = AlignmentStatus.INFERRED
        if not run and fld == "project_name" and (above := self._title_line_name(draft, *loose)) is not None:
            run, status = [above], AlignmentStatus.INFERRED
        self.loose, self.loose_all = None, []
        if run and status is AlignmentStatus.EXACT:
            self.pending.clear()
        if run and getattr(draft.form, fld) is None:
            text = clean_cell(self._joined(run))
            text = re.sub(r"^\s*[\[［【(（]\s*\d{2,}\s*[\]］】)）]\s*", "", text)
            setattr(draft.form, fld, text)
            first = run[0]
            span = (first.start, run[-1].end) if all(t.line == first.line and t.end_line is None for t in run) else None
            draft.form.evidence[fld] = Evidence(line=first.line, span=span, source_text=self._joined(run),
                                                status=status, extractor=EXTRACTOR)
        if self.mode in ("preamble", "indicators"):
            self.mode = "header"
        return j

    def _late_name(self, toks: list[Token], j: int) -> int | None:
        """The index of an organisation's name printed after the labels that follow its own
        instead of after its own. A copy that reads the header column by column (a PDF viewer's
        default order: every label of the left column, then every value) prints
        部门（单位）名称 | 年度预算申请 | 景德镇市…局, or a whole label column — 部门（单位）名称 |
        部门预算资金 | 部门职能 | 年度总体目标 | 一级指标 | 产出指标 — before the first value. The
        name is the first plain text token after that run of labels (up to ``_LABEL_RUN``
        of them), if it ends the way an organisation's name does."""
        k = j
        while k < len(toks) and k - j < _LABEL_RUN and self._is_anchor(toks[k]) and kind_of(toks[k]) != "title":
            k += 1
        if k == j or k >= len(toks):
            return None
        t = toks[k]
        if kind_of(t) == "text" and _ORG_NAME.search(t.text) and not re.search(r"\d", t.text) and len(t.text) <= 40:
            return k
        return None

    @staticmethod
    def _title_line_name(draft: _Draft, t: Token | None, seen: list[Token]) -> Token | None:
        """A project name printed between the title and the header labels with no label of its
        own (a viewer's reading order puts a one-line value cell above a two-line label cell):
        the one plain line left there, when it reads as a name (no value, no organisation)."""
        if t is None or draft.form.project_name is not None or len(seen) != 1:
            return None
        if _is_value(t.text) or _ORG_NAME.search(t.text) or not (4 <= len(t.text) <= 60):
            return None
        if not re.search(r"[\u4e00-\u9fff]{4}", t.text):
            return None
        return t

    def _read_goal(self, toks: list[Token], i: int) -> int:
        tok = toks[i]
        draft = self._ensure_form(tok)
        fld = vocab.goal_field(tok.text)
        self._flush()
        run, j = self._value_run(toks, i, multi=True)
        if not run and self.prose is not None and self.prose[1] == i and not getattr(draft.form.goals, fld):
            # the goal's text wrapped in a narrow cell printed just before its label (a viewer's order)
            first = self.prose[0][0]
            lines = sorted({t.line for t in self.prose[0]})
            src = "\n".join(self.lines[n - 1][first.start if n == first.line else 0:].strip() for n in lines)
            setattr(draft.form.goals, fld, clean_cell(src.replace("\n", "")))
            draft.form.evidence[f"goals.{fld}"] = Evidence(line=self.prose[0][0].line, source_text=src,
                                                           status=AlignmentStatus.INFERRED, extractor=EXTRACTOR)
        elif not run and self._bare_label(toks, i):
            self.pending.append(("goal", fld))
        elif run:
            self.pending.clear()
        if run and not getattr(draft.form.goals, fld):
            src = self._joined(run, toks[j] if j < len(toks) else None, to_eol=True)
            setattr(draft.form.goals, fld, clean_cell(src))
            first = run[0]
            span = (first.start, run[-1].end) if all(t.line == first.line and t.end_line is None for t in run) else None
            draft.form.evidence[f"goals.{fld}"] = Evidence(line=first.line, span=span, source_text=src,
                                                           status=AlignmentStatus.EXACT, extractor=EXTRACTOR)
        self.mode = "header"
        return j

    def _read_goal_list(self, toks: list[Token], i: int) -> int:
        """绩效目标 | 目标1 | text | 目标2 | text: the annual goal as a numbered list."""
        draft = self._ensure_form(toks[i])
        self._flush()
        j, parts, first = i + 1, [], None
        while j < len(toks) and not self._is_anchor(toks[j]):
            t = toks[j]
            if _GOAL_ITEM.match(t.text):
                parts.append(re.sub(r"[:：]$", "", t.text) + "：")
            elif m := _GOAL_ITEM_LEAD.match(t.text):
                parts.append(re.sub(r"\s+", "", m.group(1)) + "：" + clean_cell(m.group(2)))
                first = first or t
            elif parts:
                parts[-1] += clean_cell(t.raw)
                first = first or t
            j += 1
        if first is not None and not draft.form.goals.annual:
            draft.form.goals.annual = "".join(parts)
            draft.form.evidence["goals.annual"] = evidence(first, status=AlignmentStatus.REPAIRED,
                                                           text="".join(parts))
        self.mode = "header"
        return j

    def _skip_other(self, toks: list[Token], i: int) -> int:
        run, j = self._value_run(toks, i, multi=False)
        if self.mode == "budget" and (cut := next((n for n, t in enumerate(run) if vocab.is_budget_column(t.text)), None)) is not None:
            # 任务名称 | 主要内容 | 预算金额（万元）: a heading row of the funding block, the amount heading is no value
            run, j = run[:cut], j - (len(run) - cut)
        if not run and self.draft is not None and self._bare_label(toks, i):
            self.pending.append(("other", None))
        elif run:
            self.pending.clear()
        return j

    def _bare_label(self, toks: list[Token], i: int) -> bool:
        """The label stands alone and the next line is another label: a column of labels whose
        values come after the whole column (a PDF viewer's default reading order)."""
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        return nxt is not None and tok.line_tokens == 1 and nxt.line > (tok.end_line or tok.line) and \
            self._is_anchor(nxt) and kind_of(nxt) != "title"

    def _flag_unread_budget(self, form: Form, draft: _Draft) -> None:
        """Amounts printed beside a fund's name that no budget line holds are flagged on
        ``budget.lines`` (``budget_text_unread``): a funding block the stream could not cut into
        lines must not come back as a short, silent list."""
        used: dict[int, int] = {}
        for bl in form.budget.lines:
            if (ev := bl.evidence.get("amount")) is not None and ev.line is not None:
                used[ev.line] = used.get(ev.line, 0) + 1
        skip = {ev.line for ind in form.indicators for ev in ind.evidence.values() if ev.line is not None}
        skip |= {ev.line for k, ev in form.evidence.items() if not k.startswith("budget") and ev.line is not None}
        goals = (form.goals.annual or "") + (form.goals.long_term or "")
        last = draft.end_line or len(self.lines)
        if missed := _unread_budget_lines(self.lines, draft.start_line, last, used, skip, goals):
            form.flag(Severity.WARNING, "budget_text_unread",
                      f"line(s) {', '.join(map(str, missed[:8]))} print fund names with amounts that no budget "
                      "line was read from", field="budget.lines", lines=missed)
        named = {(bl.section, bl.column) for bl in form.budget.lines if bl.item is not None and bl.column is not None}
        if loose := [bl for bl in form.budget.lines if bl.item is None and (bl.section, bl.column) in named]:
            # 当年金额 | 占比 | 2022年 … over named rows, and a row of amounts with no name: a viewer's
            # copy printed the row's name apart from its amounts (after the block, or never)
            lines = sorted({ev.line for bl in loose if (ev := bl.evidence.get("amount")) is not None and ev.line})
            form.flag(Severity.WARNING, "budget_row_unnamed",
                      f"{len(loose)} amount(s) under the block's columns belong to no named row: a row's name "
                      "was printed apart from its amounts", field="budget.lines", lines=lines)

    def _note_level_run(self, tok: Token) -> None:
        """Level names printed one after another with no row between them are a level *column*
        printed as a block (a PDF viewer's default order prints a merged cell apart from its
        rows, often after all of them), unless they are a level1 and one of its own level2s
        opening a block. Then the levels carried down to the rows are guesses: the form is marked."""
        run = self.level_run
        run.append(tok)
        if len(run) < 2 or self.draft is None or self.draft.scrambled:
            return
        a, b = run[-2], run[-1]
        if _levels_in_order(a.text, b.text) or (
                self.carry1 is not None and framework.canonical_level1(b.text) is not None
                and framework.canonical_level1(b.text) == framework.canonical_level1(self.carry1.text)):
            return  # (or the level1 in force, printed again on each row: 效益指标 | 生态效益指标 | | )
        self.draft.scrambled = f"level names printed together in an order no table prints them: {a.text} | {b.text}"

    def _pending_value(self, toks: list[Token], i: int) -> int | None:
        """The value of the first label still waiting (``self.pending``), read in the order the
        labels were printed. Level names met here belong to the label column (产出指标 under
        一级指标), not to a row: they are skipped, and the table's levels are left to its own rows."""
        tok = toks[i]
        if kind_of(tok) == "level":
            if self.draft is not None and not self.draft.scrambled:
                self.draft.scrambled = f"level name {tok.text} printed in the header's label column, apart from its rows"
            return i + 1
        what, fld = self.pending[0]
        if what == "budget":
            if _budgetish(tok.text):
                self.mode = "budget"
                self._budget_token(tok)
                return i + 1
            if _ORG_NAME.search(tok.text) and len(tok.text) <= 30 and not re.search(r"\d", tok.text):
                return i + 1  # a unit's name whose label was printed elsewhere: not the budget's
            self.pending.pop(0)
            self.mode = "header"
            return self._pending_value(toks, i) if self.pending else None
        run, j = self._paragraph(toks, i)
        self.pending.pop(0)
        if what == "goal" and fld and run and not getattr(self.draft.form.goals, fld):
            src = self._joined(run, None, to_eol=True)
            setattr(self.draft.form.goals, fld, clean_cell(src))
            self.draft.form.evidence[f"goals.{fld}"] = Evidence(line=run[0].line, source_text=src,
                                                                status=AlignmentStatus.INFERRED, extractor=EXTRACTOR)
        self.mode = "header"
        return j

    def _paragraph(self, toks: list[Token], i: int) -> tuple[list[Token], int]:
        """A cell's prose from token i: to the line ending its sentence (。), a blank line or a label."""
        run: list[Token] = []
        j = i
        while j < len(toks) and not self._is_anchor(toks[j]):
            t = toks[j]
            if run and t.line > (run[-1].end_line or run[-1].line) + 1:
                break
            run.append(t)
            j += 1
            nxt = toks[j] if j < len(toks) else None
            last = self.lines[(t.end_line or t.line) - 1].rstrip()
            if (nxt is None or nxt.line > (t.end_line or t.line)) and last.endswith(("。", ".")):
                break
        return run, j

    # -- indicator header ----------------------------------------------------------------

    def _read_roles(self, toks: list[Token], i: int) -> int:
        j = i
        roles: list[str] = []
        texts: list[str] = []
        while j < len(toks):
            t = toks[j]
            r = vocab.header_role(t.text)
            if r is None or (r == "unit" and not roles) or (j > i and kind_of(t) == "level"):
                break
            if r == "history_year":
                y = vocab.YEAR_HEADER_RE.match(vocab.key(t.text)).group(1)
                hist = [k for k, r in enumerate(roles) if r.startswith("history:")]
                if "history_group" in roles:
                    roles[roles.index("history_group")] = f"history:{y}"
                elif hist:  # 近两年指标值 over 2022年 | 2023年: the years sit side by side
                    roles.insert(hist[-1] + 1, f"history:{y}")
                else:
                    roles.append(f"history:{y}")
            elif r not in ("lead",) and not (roles and roles[-1] == r):
                roles.append(r)
            texts.append(t.text)
            j += 1
        roles = [r for r in roles if r != "history_group"]
        if not vocab.names_indicator_header(texts):
            return i + 1  # a lone heading word (指标值 in prose): not a table header
        self._flush()
        self._ensure_form(toks[i])
        scope = self.table.scope if self.table else "annual"
        explicit = self.table is not None and self.table.explicit and not self.table.inds
        if "op_or_category" in roles:
            roles = ["category" if r == "op_or_category" else r for r in roles]
        again = self.table is not None and self.table.inds and self.table.roles == roles and self.mode == "indicators"
        self.table = _Table(roles, scope, explicit=explicit)
        self.mode = "indicators"
        if not again:
            self.carry1 = self.carry2 = None
        # else: the table's header printed again after a page break: the merged level cells run on
        return j

    # -- indicators ----------------------------------------------------------------------

    def _indicator_token(self, toks: list[Token], i: int) -> int:
        tok, notes = strip_note(toks[i])
        if notes:
            toks[i] = tok
            j = self._indicator_token(toks, i)
            self.rec.notes += notes
            return j
        tok = toks[i]
        table = self.table or _Table(list(DEFAULT_ROLES))
        self.table = table
        k = kind_of(tok)
        rec = self.rec
        if k == "level" and not self._level_is_name(toks, i):
            self._flush()
            self._set_level(tok, toks[i + 1] if i + 1 < len(toks) else None)
            return i + 1
        text = tok.text
        if self._row_start(tok) and rec.pre and rec.vals:
            self._flush()  # a row per line: a new line is a new record
            rec = self.rec
        if _LONE_OP.match(text) and i + 1 < len(toks) and re.match(_NUM, toks[i + 1].text):
            rec.op = vocab.operator_in_cell(text) or text
            return i + 1
        key = vocab.key(text)
        if key in vocab.VALUE_KIND_WORDS:
            return i + 1
        if key in vocab.BASIS_VALUES and rec.pre:
            rec.basis = tok
            post = table.post_roles
            if rec.vals and "basis" in post:  # the columns before 指标值确定依据 are passed
                while len(rec.post) <= post.index("basis"):
                    rec.post.append(tok)
            return i + 1
        if key in vocab.CATEGORY_VALUES and rec.pre:
            rec.category = tok
            post = table.post_roles
            if rec.vals and "category" in post:  # the columns up to 指标分类 are passed: the row is read
                while len(rec.post) < post.index("category"):
                    rec.post.append(None)  # type: ignore[arg-type]  # columns the row left empty
                rec.post.append(tok)
            return i + 1
        if rec.pre and rec.vals and rec.unit is None and _UNIT_TOKEN.match(text) and not rec.post and \
                self._bare_number(rec.vals[-1]) and not looks_like_value(text):
            rec.unit = tok
            return i + 1
        if rec.pre and _is_value(text):
            if len(rec.vals) < len(table.value_roles):
                rec.vals.append(tok)
            elif "weight" in table.roles and re.fullmatch(r"\d+(\.\d+)?", text) and rec.weight is None:
                rec.weight = tok
            return i + 1
        if not rec.pre and _is_value(text):
            return i + 1  # a value with no name before it: nothing to attach it to
        if rec.pre and _SCORE_RULE.search(text):
            return i + 1  # a piece of the row's 评（扣）分标准 (每延迟5日扣1分): no field holds it
        if re.fullmatch(r"指标\s*\d+", text):
            return i + 1  # 指标1：name — the numbering of a name, cut off at the colon
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        nxt_is_name = nxt is None or (kind_of(nxt) in ("text", "level") and not _is_value(nxt.text))
        if k == "text" and (not rec.pre or rec.vals) and self.carry1 is not None and \
                framework.is_open_level1(self.carry1.text) and nxt_is_name and not self._glued_value(tok) and \
                (rec.l2 is None or rec.vals) and self._value_after_names(toks, i, len(table.pre_roles)):
            self._flush()
            self.carry2 = self.rec.l2 = tok  # under 履职 / 履职效能 the level2s are the department's own
            self.carry_task = None
            return i + 1
        weight_next = nxt is not None and "weight" in table.roles and bool(re.fullmatch(r"\d+(\.\d+)?", nxt.text))
        same_row = bool(rec.pre) and tok.line == rec.pre[-1].line and tok.line_tokens >= 2 and not tok.soft_before
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if rec.pre and len(rec.vals) < len(table.value_roles) and nxt is not None and tok.line_tokens == 1 and \
                nxt.line_tokens == 1 and nxt.line == tok.line + 1 and not _is_value(tok.text) and \
                self._completes_value(tok, nxt):
            rec.vals.append(merge_tokens([tok, nxt], self.lines))  # 2025年12月31 | 日前: one value wrapped
            return i + 2
        if rec.vals and self._wrapped_value(tok):
            rec.vals[-1] = merge_tokens([rec.vals[-1], tok], self.lines)  # 2024年12月31 | 日前
            return i + 1
        if self._wrapped_post(toks, i):
            rec.post[-1] = merge_tokens([rec.post[-1], tok], self.lines)  # the cell's next line
            return i + 1
        if not rec.vals and self._wrapped_piece(toks, i):
            rec.pre.append(tok)  # a line of a name or description wrapped in its cell: settled at _flush
            return i + 1
        # 逐步完善 | 健全 under 半年 | 全年: a loose target, then the row's next value
        value_next = nxt is not None and len(table.value_roles) >= 2 and _is_value(nxt.text) and \
            tok.line_tokens == 1 and nxt.line_tokens == 1 and (
                vocab.key(text) in vocab.QUALITATIVE_TARGETS or vocab.key(text) in _QUALITATIVE_TAILS)
        if rec.pre and len(rec.vals) < len(table.value_roles) and len(rec.pre) >= len(table.pre_roles) and \
                not self._row_start(tok) and (same_row and not rec.post or (
                    not rec.vals and (nxt_is_name or weight_next or value_next) and _loose_value(text))):
            # a row's cell in a value column (逐步建立, 有效降低): the names are all read
            rec.vals.append(tok)
            return i + 1
        if (n := self._values_before_closed(toks, i)):
            rec.vals += toks[i:i + n]  # 初步完成…平台建设 (×3) | 计划标准: text targets right before the basis
            return i + n
        # 执法能力有效提升、“三项制度”更加健全 | 较显著（半年较显著）: the row's value follows on the line,
        # so the name's last word (健全) is no target glued to it
        self._value_follows = nxt is not None and nxt.line == tok.line and not self.glued and \
            _is_value(strip_note(nxt)[0].text)
        try:
            self._free_text(tok, table)
        finally:
            self._value_follows = False
        return i + 1

    def _values_before_closed(self, toks: list[Token], i: int) -> int:
        """A text target no value grammar knows (初步完成成品油云监管平台建设), each cell on a line of its
        own: the names are all read, and the token — maybe printed once per value column (history
        years, target) — is followed right away by the basis or category cell, the first column after
        the values. Returns how many tokens are the row's values (0: none)."""
        rec, table, tok = self.rec, self.table, toks[i]
        if table is None or not rec.pre or len(rec.pre) < len(table.pre_roles) or self.glued or \
                any(v.text != tok.text for v in rec.vals) or \
                rec.post or tok.line_tokens != 1 or kind_of(tok) != "text" or \
                vocab.PLACEHOLDER_RE.match(vocab.key(tok.text) or "") or not re.search(r"[\u4e00-\u9fff]", tok.text):
            return 0  # (…… : a template's placeholder row, no value)
        post = table.post_roles
        if any(r not in ("basis", "category") for r in post) or not {"basis", "category"} & set(table.roles):
            return 0  # a description column after the values would hold such a text
        room = len(table.value_roles) - len(rec.vals)
        n = 1
        while n < room and i + n < len(toks) and toks[i + n].text == tok.text and toks[i + n].line_tokens == 1:
            n += 1
        if i + n >= len(toks):
            return 0
        key = vocab.key(toks[i + n].text)
        return n if (key in vocab.BASIS_VALUES or key in vocab.CATEGORY_VALUES) and toks[i + n].line_tokens == 1 else 0

    def _wrapped_piece(self, toks: list[Token], i: int) -> bool:
        """A copy that prints a row's cells side by side on one line prints a cell too wide for its
        column as lines of its own, one under the other (安全生命防护工程实施 | 里程 | 完成…工程的 |
        里程 | 定量 ≥260 公里 7 …). Before the row's values: the token is one more such line (or the
        first cells of the row's line) while the names already fill their columns, and the row's
        line with its value is still to come."""
        rec, tok = self.rec, toks[i]
        roles = self.table.pre_roles if self.table is not None else []
        if not rec.pre or len(rec.pre) < len(roles) or len(rec.pre) >= 2 * len(roles) or \
                _is_value(tok.text) or any(t.line_tokens != 1 for t in rec.pre[1:]):
            return False  # the first name may open the row's line (经济效益指标 群众出行及运输成本)
        last = rec.pre[-1]
        if tok.line != (last.end_line or last.line) + 1:
            return False
        if tok.line_tokens == 1 and kind_of(tok) == "text" and i + 1 < len(toks) and \
                toks[i + 1].line_tokens == 1 and _is_value(toks[i + 1].text) and \
                toks[i + 1].line == tok.line + 1 and len(last.text) >= 15 and not re.search(r"[。；;]$", last.text):
            return True  # 提高…组织全 | 体党员干部集中学习次数 | ≥4次: a long name filled its line, the rest under it
        if self.glued:
            return False
        if tok.line_tokens >= 2:  # the row's line: its first cells are the names' last ones
            return tok.first_on_line and self._row_line_valued(toks, i, len(roles))
        j = i + 1
        while j < len(toks) and toks[j].line_tokens == 1 and not _is_value(toks[j].text) and \
                kind_of(toks[j]) == "text" and j - i <= len(roles):
            j += 1
        return j < len(toks) and toks[j].first_on_line and toks[j].line_tokens >= 2 and \
            self._row_line_valued(toks, j, len(roles))

    @staticmethod
    def _completes_value(a: Token, b: Token) -> bool:
        """``b`` is a short last line that makes ``a`` a value (a date wrapped in its cell)."""
        return bool(_DATE_END_LINE.fullmatch(b.text)) and re.search(r"[\d年月日]$", a.text) is not None and \
            kind_of(a) == "text" and re.search(r"\d", a.text) is not None and _is_value(a.text + b.text) and \
            parse_value(normalize_value_text(a.text + b.text)[0]) is not None

    def _wrapped_value(self, tok: Token) -> bool:
        """The value's cell wrapped: a short line alone right under the value's line that is no
        value itself but completes it (2024年12月31 | 日前)."""
        last = self.rec.vals[-1]
        return not self.rec.post and last.line_tokens == 1 and tok.line_tokens == 1 and \
            tok.line == (last.end_line or last.line) + 1 and self._completes_value(last, tok)

    def _wrapped_post(self, toks: list[Token], i: int) -> bool:
        """In a copy with a row's cells side by side on one line, a description too wide for its
        column goes on under the row's line, a line at a time (全年组织…村（社区） | 开展…的场次): a
        lone line right under the row's last cell, before the next row's line (or a level name, or
        the end), is that cell's next line, not the name of a row with no value."""
        rec, tok = self.rec, toks[i]
        if self.glued or not rec.vals or not rec.post or rec.post[-1] is None or \
                rec.vals[0].line_tokens < 2 or tok.line_tokens != 1 or _is_value(tok.text) or kind_of(tok) != "text":
            return False
        last = rec.post[-1]
        if not re.search(r"[\u4e00-\u9fff]", tok.text) or vocab.PLACEHOLDER_RE.match(vocab.key(tok.text) or "") or \
                vocab.key(last.text) in vocab.CATEGORY_VALUES or vocab.key(last.text) in vocab.BASIS_VALUES:
            return False  # …… (a placeholder row), or a cell of a closed list (绩效基本型): whole already
        if tok.line != (last.end_line or last.line) + 1 or (last.line_tokens != 1 and not last.first_on_line and
                                                            last is not self._last_on_line(toks, last)):
            return False
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        return nxt is None or kind_of(nxt) == "level" or (nxt.first_on_line and nxt.line_tokens >= 2)

    @staticmethod
    def _last_on_line(toks: list[Token], tok: Token) -> Token:
        return next((t for t in reversed(toks) if t.line == tok.line), tok)

    @staticmethod
    def _row_line_valued(toks: list[Token], j: int, names: int) -> bool:
        """The line token j opens holds a value (or the value-kind word 定量 / 定性 before one) after
        fewer than ``names`` names: the rest of a row, not a whole row of its own."""
        line = toks[j].line
        k = j
        while k < len(toks) and toks[k].line == line:
            if _is_value(toks[k].text) or vocab.key(toks[k].text) in vocab.VALUE_KIND_WORDS:
                return k - j < names
            k += 1
        return False

    def _row_start(self, tok: Token) -> bool:
        """The token opens a row: the first cell of a line that holds a row (cells side by side,
        or a whole row glued together)."""
        return tok.first_on_line and (tok.line_tokens >= 2 or self.glued)

    def _value_after_names(self, toks: list[Token], i: int, n_names: int) -> bool:
        """After token i come exactly ``n_names`` names (a full row's cells) and then a value:
        the token opens a row of its own, as a level2 does (a row inheriting its 重点工作 has fewer).
        A prose list prints the value with its other columns in parentheses (有序推进（半年有序推进）),
        or glued to its name (满意率(≥**%)>=95%): the last name then carries the value."""
        end = i + 1 + n_names
        if end - 1 >= len(toks) or any(_is_value(strip_note(t)[0].text) for t in toks[i + 1:end]):
            return False
        if end < len(toks) and _is_value(strip_note(toks[end])[0].text):
            return True
        last = strip_note(toks[end - 1])[0]
        return toks[i].soft_before and self._glued_value(last)  # (prose: cut at its punctuation)

    def _level_is_name(self, toks: list[Token], i: int) -> bool:
        """A level word used as an indicator name (三级指标 = 服务对象满意度): a value follows it,
        or it repeats the level just carried, or the record's level already came in this row. A
        level1 printed right after another level1 is neither: two level1s never follow each other
        in a table printed row by row, so both are its level column printed apart (质量指标 | 效益指标 |
        满意度指标 after their rows, a viewer's default order), whatever follows them — unless the
        second can be a level2 of the first (效益指标 | 满意度 | ≥90%) in a copy not known to print its
        level column apart."""
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = toks[i - 1] if i > 0 else None
        if prev is not None and self.level_run and prev is self.level_run[-1] and \
                _level(prev.text) == _level(tok.text) == "level1" and \
                framework.canonical_level1(prev.text) != framework.canonical_level1(tok.text) and \
                ((self.draft is not None and self.draft.scrambled) or framework.fits(prev.text, tok.text) is not True):
            return False
        if nxt is not None and _is_value(nxt.text) and (self.carry2 or self.carry1):
            lvl = _level(tok.text)
            if lvl == "level1" and self.carry1 is not None and not self._is_l2_of(tok, self.carry1):
                return False
            return True
        if self.carry2 is not None and framework.canonical_level2(tok.text) == framework.canonical_level2(
                self.carry2.text) and self.rec.l2 is not None and not self.rec.pre:
            return True
        return False

    def _is_l2_of(self, tok: Token, l1: Token) -> bool:
        return bool(framework.fits(l1.text, tok.text))

    def _set_level(self, tok: Token, nxt: Token | None = None) -> None:
        self._note_level_run(tok)
        lvl = _level(tok.text)
        if lvl == "level1" and framework.canonical_level2(tok.text) and self.carry1 is not None:
            # 成本指标 / 满意度: an L1 in one framework, an L2 in another. It opens a level1 block when
            # an L2 of its own follows, or when it comes after the current L1 in some framework.
            own_l2 = nxt is not None and _level(nxt.text) == "level2" and framework.fits(tok.text, nxt.text)
            if not own_l2 and framework.fits(self.carry1.text, tok.text) and not _follows(self.carry1.text, tok.text):
                lvl = "level2"
        self.carry_task = None  # a new level block starts its own 重点工作
        if lvl == "level1":
            self.carry1, self.carry2 = tok, None
            self.rec.l1, self.rec.l2 = tok, None
        else:
            self.carry2 = tok
            self.rec.l2 = tok

    def _free_text(self, tok: Token, table: _Table) -> None:
        rec = self.rec
        pre, post = table.pre_roles, table.post_roles
        if not rec.vals and len(rec.pre) < len(pre):
            if pre[len(rec.pre)] == "level3":
                self._add_name(tok)
            else:
                rec.pre.append(tok)
            return
        last = rec.post[-1] if rec.post else None
        if last is not None and tok.soft_before and last.line == tok.line and last.end_line is None and \
                tok.end_line is None and tok.start - last.end <= 2:
            rec.post[-1] = self._extended(last, tok)  # 完成得10分；每少完成1%扣1分: one cell's own punctuation
            return
        if rec.vals and len(rec.post) < len(post) and not self._row_start(tok) and \
                not self._not_closed_cell(tok, post[len(rec.post)]):
            rec.post.append(tok)
            return
        self._flush()
        self._add_name(tok)

    def _not_closed_cell(self, tok: Token, role: str) -> bool:
        """In a copy that prints cells apart from their rows (a row may lack a value printed
        elsewhere), a text that is no word of the closed list its column holds (指标值确定依据: 计划标准…,
        指标分类: 绩效基本型…) is no cell of that column but the next row's name."""
        if self.draft is None or not self.draft.scrambled:
            return False
        words = {"basis": vocab.BASIS_VALUES, "category": vocab.CATEGORY_VALUES}.get(role)
        return words is not None and vocab.key(tok.text) not in words

    def _extended(self, a: Token, b: Token) -> Token:
        raw = self.lines[a.line - 1][a.start:b.end]
        return Token(text=raw, line=a.line, start=a.start, end=b.end, raw=raw, first_on_line=a.first_on_line,
                     line_tokens=a.line_tokens, soft_before=a.soft_before)

    def _add_name(self, tok: Token) -> None:
        """An indicator name, cut when levels or a value are glued to it."""
        qualitative = (self.glued and tok.line_tokens == 1) or (tok.soft_before and not self._value_follows)
        pieces = split_glued(tok, qualitative=qualitative, bare=self.glued,
                             carry=self._carry_texts(),
                             values=len(self.table.value_roles) if self.table is not None else 4)
        for kind, piece in pieces:
            rec = self.rec
            if kind == "lead":
                scope = vocab.lead_scope(piece.text) or "annual"
                if self.table is not None and self.table.scope != scope:
                    self._flush()
                    self.table = _Table(list(self.table.roles), scope, explicit=True)
                    self.carry1 = self.carry2 = None
                continue
            if kind == "basis":
                self.rec.basis = piece
                post = self.table.post_roles if self.table is not None else []
                if "basis" in post:
                    while len(self.rec.post) <= post.index("basis"):
                        self.rec.post.append(piece)
                continue
            if kind == "after":  # a description (or basis) glued after the value
                if self.rec.pre and self.table is not None and len(self.rec.post) < len(self.table.post_roles):
                    self.rec.post.append(piece)
                    self.rec.cut.add(id(piece))
                continue
            if kind == "level":
                if rec.pre:
                    self._flush()
                self._set_level(piece)
                self.rec.cut.add(id(piece))
            elif kind == "text":
                name = _NUMBERING.sub("", piece.text)
                if name != piece.text:
                    piece = sub_token(piece, len(piece.text) - len(name), len(piece.text))
                if not piece.text:
                    continue
                if rec.pre and rec.vals:
                    self._flush()
                self.rec.pre.append(piece)
                if len(pieces) > 1:
                    self.rec.cut.add(id(piece))
            else:
                if self.rec.pre and len(self.rec.vals) < len(self.table.value_roles):
                    self.rec.vals.append(piece)
                    self.rec.cut.add(id(piece))

    @staticmethod
    def _bare_number(tok: Token) -> bool:
        p = parse_value(tok.text)
        return p is not None and p.number is not None and not p.unit

    def _flush(self) -> None:
        rec, table, draft = self.rec, self.table, self.draft
        if rec.empty:
            return  # only levels so far: they belong to the record that follows
        self.rec = _Rec()
        if table is None or draft is None:
            return
        roles_pre = table.pre_roles
        i3 = roles_pre.index("level3")
        if i3 > 0 and rec.vals and len(rec.pre) < len(roles_pre):
            # a merged 重点工作 cell printed on an earlier row: the cells that are left are the right ones
            roles_pre = roles_pre[min(i3, len(roles_pre) - len(rec.pre)):]
        if self.glued and len(rec.pre) == len(roles_pre) - 1 and rec.pre and \
                roles_pre[roles_pre.index("level3") + 1:roles_pre.index("level3") + 2] == ["description"]:
            k3 = len(rec.pre) - 1 - (len(roles_pre) - 2 - roles_pre.index("level3"))
            if 0 <= k3 < len(rec.pre) and (cut := _name_description_cut(rec.pre[k3].text)):
                tok3 = rec.pre[k3]
                name, desc = sub_token(tok3, 0, cut), sub_token(tok3, cut, len(tok3.text))
                rec.pre[k3:k3 + 1] = [name, desc]
                rec.cut |= {id(name), id(desc)}
        if len(rec.pre) > len(roles_pre):
            rec.pre = _settle_wrapped(rec.pre, len(roles_pre), self.lines)
        names = dict(zip(roles_pre, rec.pre))
        if "key_task" in names:
            self.carry_task = names["key_task"]
        l3 = names.get("level3")
        if l3 is None or (vocab.PLACEHOLDER_RE.match(vocab.key(l3.text) or "") and not rec.vals):
            return  # …… / 无 with no value: a template's placeholder row, no indicator
        if not rec.vals and not re.search(r"[\u4e00-\u9fffA-Za-z]", l3.text.replace("%", "")):
            return  # % / ≥ left alone by a scrambled copy, no value: a stray unit or operator, no indicator
        ind = Indicator(scope=table.scope)
        l1 = rec.l1 or self.carry1
        l2 = rec.l2 or self.carry2
        for fld, t in (("level1", l1), ("level2", l2)):
            if t is not None:
                setattr(ind, fld, clean_cell(t.text))
                printed = t is rec.l1 or t is rec.l2
                status = (AlignmentStatus.REPAIRED if id(t) in rec.cut else AlignmentStatus.EXACT) if printed \
                    else AlignmentStatus.INFERRED
                ind.evidence[fld] = evidence(t, status=status)
        posts = dict(zip(table.post_roles, rec.post))
        for fld, t in {**names, **posts}.items():
            if fld in ("ignore",) or t is None:
                continue
            if fld == "weight":
                continue
            text = clean_cell(t.text)
            if fld == "level3":
                text = _PLACEHOLDER.sub("", re.sub(r"^指标\s*\d+\s*[:：]\s*", "", text)).strip()
            if fld in ("level3", "description", "basis", "category", "key_task"):
                setattr(ind, fld, text)
                status = AlignmentStatus.REPAIRED if (id(t) in rec.cut or text != t.text) else AlignmentStatus.EXACT
                ind.evidence[fld] = evidence(t, status=status)
        for fld, t in (("basis", rec.basis), ("category", rec.category)):
            if t is not None and getattr(ind, fld) is None:
                setattr(ind, fld, clean_cell(t.text))
                ind.evidence[fld] = evidence(t)
        if "key_task" not in names and self.carry_task is not None and "key_task" in table.roles:
            ind.key_task = clean_cell(self.carry_task.text)
            ind.evidence["key_task"] = evidence(self.carry_task, status=AlignmentStatus.INFERRED)
        if rec.weight is not None:
            ind.weight = float(rec.weight.text)
            ind.evidence["weight"] = evidence(rec.weight)
        vroles = table.value_roles
        for fld, t in zip(vroles[len(vroles) - len(rec.vals):], rec.vals):  # right-aligned: empty cells are the left ones
            self._set_value(ind, fld, t, rec)
        if rec.unit is not None:
            ind.unit = clean_cell(rec.unit.text)
        for role, t in rec.notes:
            if role in ("half_year", "target") or role.startswith("history:"):
                if getattr(ind, role, None) is None and role not in ind.history:
                    self._set_value(ind, role, t, _Rec())
            elif role in ("basis", "category", "description", "key_task") and getattr(ind, role) is None:
                setattr(ind, role, clean_cell(t.text))
                ind.evidence[role] = evidence(t)
        _flag_unread_columns(ind, table)
        draft.indicators.append((ind, rec))
        table.inds.append(ind)
        self.level_run = []

    def _set_value(self, ind: Indicator, fld: str, tok: Token, rec: _Rec) -> None:
        text, repairs = normalize_value_text(tok.text)
        if not text:
            return
        parsed = parse_value(text)
        if rec.op and parsed is not None and parsed.op is None and parsed.number is not None and fld == "target":
            text = rec.op + text
            repairs.append(Repair(rule="operator_from_token", original=tok.text, repaired=text))
        if rec.unit is not None and parsed is not None and parsed.number is not None and not parsed.unit:
            unit = clean_cell(rec.unit.text)
            if unit not in ("/", "-", "无"):
                text += unit
                repairs.append(Repair(rule="unit_from_token", original=tok.text, repaired=text))
        if fld.startswith("history:"):
            ind.history[fld.split(":", 1)[1]] = text
            ind.evidence[fld] = evidence(tok, status=AlignmentStatus.REPAIRED if repairs else AlignmentStatus.EXACT,
                                         repairs=repairs)
            return
        setattr(ind, fld, text)
        setattr(ind, f"{fld}_parsed", parse_value(text))
        cut = id(tok) in rec.cut
        if cut:
            repairs.append(Repair(rule=GLUED_CUT_RULE, original=tok.text, repaired=text))
        status = AlignmentStatus.REPAIRED if repairs else AlignmentStatus.EXACT
        ind.evidence[fld] = evidence(tok, status=status, repairs=repairs)

    # -- budget --------------------------------------------------------------------------

    def _budget_label(self, tok: Token) -> None:
        if m := re.search(r"[(（](万元|元|亿元)[)）]", tok.text):
            self.default_unit = m.group(1)
        if sec := vocab.budget_section(tok.text):
            if self.mode == "budget" and self.columns and self.section is not None and (
                    self.block_amounts == 0 or self.grouped or self._header_pending()):
                # 收入构成 / 支出构成 right under the block's column headings: row groups, the columns hold
                self.section, self.item, self.items_run, self.grouped = sec, None, [], True
                return
            self.section = sec
        elif self.mode == "budget" and self.block_label and vocab.budget_block_name(tok.text) == self.block_label:
            return  # the block's label printed again on each of its rows (a merged cell's text repeated)
        elif self.mode == "budget" and self.section is not None and self.block_amounts == 0:
            return  # 资金情况 | 资金来源 | 全年预算数: the second label heads the item column
        elif self.mode == "budget" and self.section is not None and self._header_pending():
            return  # 当年金额 | 占比 | 8167.74 | 部门资金情况: a merged label beside the rows, the columns stand
        elif self.mode == "budget" and self.section is not None and self.block_amounts > 0 and \
                vocab.budget_section(self.section) and len(vocab.key(tok.text)) <= 6:
            self._budget_token(tok)  # 收入构成 | 单位资金 | (empty): an item of the row group, not a new block
            return
        else:
            self.section = self.block_label = vocab.budget_block_name(tok.text)
        self.item, self.columns, self.items_run, self.block_amounts, self.grouped = None, [], [], 0, False
        self.run_label = None

    def _header_pending(self) -> bool:
        """The block's heading row is still being read: fewer amounts than columns so far, none on a
        named row (a viewer's copy reads a cell of the first row in among the headings, then the
        merged labels beside the rows: 当年金额 | 占比 | 8167.74 | 部门资金情况 | 合计 | 支出构成 | 近两年…)"""
        if not 0 < self.block_amounts < len(self.columns) or self.draft is None:
            return False
        read = self.draft.form.budget.lines[-self.block_amounts:]
        return len(read) == self.block_amounts and all(ln.item is None for ln in read) and (
            self.item is None or self.item_amounts == 0)

    def _budget_token(self, tok: Token) -> None:
        self._budget_token_kind(tok)
        self.last_budget = tok

    def _budget_token_kind(self, tok: Token) -> None:
        text = tok.text
        parts = text.split()
        if len(parts) >= 2 and vocab.budget_section(parts[0]) and all(vocab.is_budget_column(p) for p in parts[1:]):
            # 项目资金（万元）：收入 全年预算数 — a section and its column headings in one value
            self.section, self.item, self.items_run = vocab.budget_section(parts[0]), None, []
            self.columns, self.item_amounts = [vocab.key(p) for p in parts[1:]], 0
            return
        if vocab.budget_section(text):
            self.section = vocab.budget_section(text)
            self.item = None
            return
        if len(self.items_run) >= 2 and not vocab.budget_fund(text) and parse_amount(text, self.default_unit)[0] is None \
                and not vocab.is_budget_column(text) and (self.item is None or self.item is self.items_run[-1]):
            if self.run_label is not None and self.item_amounts == 0 and not _fundish(text):
                return  # the row's other cells (任务名称, 主要内容): text describing the row, no amount
            head = text.split()[0] if text.split() else ""
            if _ROW_LABEL.fullmatch(vocab.key(text)) or (head != text and _ROW_LABEL.fullmatch(head)):
                # 任务1 | 金额合计 under the fund headings: the label of the next row of amounts (a row
                # copied with spaces between its cells: the label, then the text describing the row)
                self.run_label, self.item_amounts = (tok if head == text else sub_token(tok, 0, len(head))), 0
                return
        if vocab.is_budget_column(text) and len(self.items_run) >= 2 and self.block_amounts and \
                self.item_amounts in (0, len(self.items_run)):
            # 资金总额 | 上级资金 | … over rows labelled 上年预算数 / 年度预算数: the label of the next row
            self.run_label, self.item_amounts = tok, 0
            return
        if vocab.is_budget_column(text) and len(self.items_run) >= 2 and not self.block_amounts:
            self.run_label = tok  # the first row's label, right under the fund headings
            return
        if vocab.is_budget_column(text):
            if self.item is not None and self.item_amounts:
                self.columns, self.grouped = [], False
            if self.columns and _YEAR_COLUMN.match(vocab.key(text)) and _YEARS_SPAN.search(self.columns[-1]):
                self.columns.pop()  # 近两年收支金额 spans the year columns under it: 2022年 | 2023年
            self.columns.append(vocab.key(text))
            self.item, self.item_amounts = None, 0
            return
        amount, _unit = parse_amount(text, self.default_unit)
        if amount is not None and self.section in vocab.BUDGET_TASK_SECTIONS and not self.columns \
                and len(self.items_run) < 2:
            return  # a task list's amount under no heading that was read: which fund it is, nothing says
        if amount is not None:
            self.block_amounts += 1
            if len(self.items_run) >= 2 and self.item_amounts < len(self.items_run):
                # items printed as column headings (资金总额 | 财政资金 | 其他资金) over one row of amounts
                col = re.sub(r"^其中[:：]?", "", vocab.key(self.items_run[self.item_amounts].text))
                label = vocab.key(self.run_label.text) if self.run_label is not None else None
                line = BudgetLine(section=self.section, item=label, column=col, amount=amount)
                line.evidence["amount"] = evidence(tok)
                self.draft.form.budget.lines.append(line)
                self.item_amounts += 1
                return
            self.items_run = []
            if self.item is None and len(self.columns) == 1 and self.last_budget is not None and \
                    vocab.key(self.last_budget.text) == self.columns[-1] and self.block_amounts == 1:
                # 预算数  50万元: a heading and its amount, the only amount of the block so far; a row
                # label then, not a column heading over the rows below (其中：财政资金 50万元)
                self._add_line(self.last_budget, None, tok, amount)
                self.columns.pop()
                return
            if self.item is None and len(self.columns) >= 2 and self.item_amounts < len(self.columns):
                # 3月底 | 6月底 | 10月底 | 12月底 over one row of amounts with no row label
                line = BudgetLine(section=self.section, item=None, column=self.columns[self.item_amounts], amount=amount)
                line.evidence["amount"] = evidence(tok)
                self.draft.form.budget.lines.append(line)
                self.item_amounts += 1
                return
            if self.item is not None:
                col = self.columns[self.item_amounts] if self.item_amounts < len(self.columns) else (
                    self.columns[-1] if self.columns and self.item_amounts == 0 else None)
                self._add_line(self.item, col, tok, amount)
                self.item_amounts += 1
            return
        if self._budget_sentence(tok):
            return
        if vocab.key(text) in ("", "万元", "（万元）"):
            return
        if vocab.key(text) in vocab.GENERIC_ITEMS and self.item is not None and self.item_amounts == 0 and \
                not self.empty_before:
            return  # 财政拨款 | 小计 | 140: the subtotal row is named by the item above it
        if vocab.key(text) == "其中":
            return  # 其中：财政拨款 cut at its colon
        if self.item is not None and self.item_amounts == 0 and self._wrapped_item(tok):
            # 实际支出 | 数 / 上 | 级财政拨 | 款: an item's name wrapped in a narrow cell, a line at a time
            self.item = merge_tokens([self.item, tok], self.lines)
            return
        if self.item is not None and self.item_amounts == 0 and self.block_amounts == 0 and \
                _fundish(text) and _fundish(self.item.text):
            self.items_run = self.items_run or [self.item]
            self.items_run.append(tok)
            self.run_label = None
            if all(vocab.names_period_total(t.text) for t in self.items_run):
                # 中期资金总额 | 年度资金总额: totals side by side are the periods of the columns, and
                # the rows under them (合计 / 其中：财政拨款 / 其他资金) are the funds
                self.columns = [vocab.key(t.text) for t in self.items_run]
                self.items_run, self.item, self.item_amounts, self.empty_before = [], None, 0, False
                return
        else:
            self.items_run = []
        # two empty rows in a run (财政专户管理资金 | 单位资金, cells skipped): a 合计 after them is its own row
        self.empty_before = self.item is not None and self.item_amounts == 0
        self.item, self.item_amounts = tok, 0

    def _wrapped_item(self, tok: Token) -> bool:
        """The token is the next line of the item's name, wrapped in its cell: both alone on their
        lines, one under the other, and the line is no fund's name of its own (数, 结余数, 员经费 …)
        but a piece of one; two funds one under the other (财政专户管理资金 | 单位资金) are two rows."""
        item = self.item
        if item is None or item.line_tokens != 1 or tok.line_tokens != 1 or \
                tok.line != (item.end_line or item.line) + 1:
            return False
        text = tok.text
        if _fundish(text) or vocab.is_budget_column(text) or len(text) > 6 or re.search(r"[，。；;、,：:\d]", text):
            return False
        joined = vocab.key(item.text + text)
        return len(joined) <= 12 and (not _fundish(item.text) or _fundish(joined))

    def _budget_sentence(self, tok: Token) -> bool:
        """Items and amounts inside one piece of text: 资金总额100万元 / 其中财政拨款80万元."""
        if self.draft is None or not re.search(r"\d", tok.text):
            return False
        found = False
        for p in fund_phrases(tok.text):  # the fund's whole name (年度预算资金), connecting words dropped
            at = tok.text.find(p.amount, p.start)
            if at < 0 or (amount := parse_amount(p.amount, self.default_unit)[0]) is None:
                continue
            self._add_line(Token(text=p.name, line=tok.line, start=0, end=0, raw=p.name), None,
                           sub_token(tok, at, at + len(p.amount)), amount)
            found = True
        if found:
            return True
        for m in _BUDGET_SENTENCE.finditer(tok.text):
            amount, _ = parse_amount(m.group("num") + (m.group("unit") or ""), self.default_unit)
            if amount is None:
                continue
            part = sub_token(tok, m.start("num"), m.end())
            item = sub_token(tok, m.start("item"), m.end("item"))
            self._add_line(item, None, part, amount)
            found = True
        return found

    def _add_line(self, item: Token, column: str | None, tok: Token, amount: float) -> None:
        name = re.sub(r"^其中[:：]?\s*", "", clean_cell(item.text)).replace(" ", "")
        name = re.sub(r"[(（](万元|元)[)）]$", "", name)
        line = BudgetLine(section=self.section, item=name or None, column=column, amount=amount)
        line.evidence["amount"] = evidence(tok)
        self.draft.form.budget.lines.append(line)

    # -- finishing -----------------------------------------------------------------------

    def _finish(self, draft: _Draft) -> Form:
        from jixiao.extract.rules import finish_budget, form_type_of, year_from_history  # one home for these rules

        form = draft.form
        if draft.scrambled:
            n = len(draft.indicators)
            draft.indicators = _fold_trailing_text(draft.indicators)
            if len(draft.indicators) < n:
                form.flag(Severity.WARNING, "trailing_text_as_description",
                          f"{n - len(draft.indicators)} line(s) with no value read as the description of the row "
                          "before them: an indicator with an unreadable value may be among them",
                          field="indicators")
        _fill_levels_up([ind for ind, _ in draft.indicators])
        form.indicators = [ind for ind, _ in draft.indicators]
        if draft.scrambled:
            _flag_scrambled_levels(form, draft.scrambled)
            _flag_descriptions_apart(form)
        if form.year is None:
            title = form.title or ""
            if (y := year_from_text(title)) is not None:
                form.year = y
                form.evidence["year"] = form.evidence.get("title") or Evidence(extractor=EXTRACTOR)
            elif "year" in self.context:
                y, tok = self.context["year"]
                form.year = y
                form.evidence["year"] = evidence(tok, status=AlignmentStatus.INFERRED)
            else:
                year_from_history(form)  # 近两年指标值 2022 | 2023: the budget year is 2024 (as the rules path)
        if form.title:
            form.title = re.sub(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]\s*$", "", form.title).strip()
        form.form_type = form_type_of(form.title or "", form)
        finish_budget(form)
        self._flag_unread_budget(form, draft)
        if not form.indicators:
            form.flag(Severity.ERROR, "no_indicators", "no indicator rows were read from this form (stream reader)",
                      field="indicators")
        form.pages = [1]
        return form


_TEXT_COLUMNS = ("description", "basis", "category")


_NAME_SUFFIX = re.compile(
    r"(率|数|量|度|性|次|额|值|时间|时限|时效|成本|标准|情况|水平|效果|进度|比例|比重|人次|场次|面积|里程|机制|[（(][^()（）]{1,4}[)）])"
)
_CLAUSE = re.compile(r"[、，,；;。]")


def _name_description_cut(text: str) -> int | None:
    """Where an indicator name glued to its description (接待客商人数专项推介、专题对接…, a row
    copied with no separators under 三级指标 | 指标描述) ends: the first place the text ends the way
    a name does (…人数, …满意度, …规范性, …（次）), taken whole (数量, not 数 | 量), before the
    description's first clause mark, with a name of 3–16 characters and a description of ≥ 4."""
    stop = m.start() if (m := _CLAUSE.search(text)) else len(text)
    for m in _NAME_SUFFIX.finditer(text):
        end = m.end()
        while (more := _NAME_SUFFIX.match(text, end)) is not None and more.end() > end:
            end = more.end()  # 数 | 量 → 数量; 满意 | 度 is one suffix already
        if end > stop:
            return None
        if 3 <= end <= 16 and len(text) - end >= 4:
            return end
    return None


def _settle_wrapped(pre: list[Token], n: int, lines: list[str]) -> list[Token]:
    """More name cells than the columns before the values: some are lines of one wrapped cell.
    A wrapped cell's first line fills the column and the next is the rest, shorter: the shortest
    line printed alone right under another lone line joins the line above it, until the cells fit."""
    pre = list(pre)
    while len(pre) > n:
        cands = [k for k in range(1, len(pre)) if pre[k].line_tokens == 1 and pre[k - 1].line_tokens == 1
                 and pre[k].line == (pre[k - 1].end_line or pre[k - 1].line) + 1]
        if not cands:
            return pre
        k = min(cands, key=lambda k: (len(pre[k].text), -k))
        pre[k - 1:k + 1] = [merge_tokens([pre[k - 1], pre[k]], lines)]
    return pre


def _flag_unread_columns(ind: Indicator, table: _Table) -> None:
    """A column the indicator header names (指标值确定依据, 指标解释, 近两年指标值 …) that this row
    left empty: with no cell grid the stream cannot tell an empty cell from one it lost or read
    into another field, so the empty field is flagged, never returned silently as "nothing"."""
    for role in _TEXT_COLUMNS:
        if role in table.roles and not getattr(ind, role):
            ind.flag(Severity.WARNING, "column_unread", f"{ind.level3}: the header has a {role} column, "
                     "but no text of this row was read into it", field=role)
    years = [r.split(":", 1)[1] for r in table.roles if r.startswith("history:")]
    if missing := [y for y in years if y not in ind.history]:
        ind.flag(Severity.WARNING, "column_unread", f"{ind.level3}: the header has the history column(s) "
                 f"{', '.join(missing)}, but no value of this row was read into them", field="history")


def _levels_in_order(a: str, b: str) -> bool:
    """Whether level name ``b`` can follow level name ``a`` with no row between them in a table
    printed row by row: an L1 then one of its L2s (a block opening), or an L2 with no rows of its
    own then a sibling L2 or another branch's L1. An L2 followed by its *own* L1, two L1s, or an
    L1 followed by another L1's L2 come only from a copy that printed the level column apart."""
    la, lb = _level(a), _level(b)
    if la == "level1":
        if lb == "level2" or framework.canonical_level2(b):
            return framework.fits(a, b) is not False
        return False
    if la == "level2" and lb == "level1":
        return framework.fits(b, a) is not True
    return True


_AMOUNT_IN_TEXT = re.compile(r"\d[\d,]*\.\d{2}(?!\d*%)|\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元)")


def _unread_budget_lines(lines: list[str], first: int, last: int, used: dict[int, int],
                         skip: set[int], goals: str) -> list[int]:
    """Source lines (1-based, ``first``..``last``) that print a fund's name with amounts but gave
    fewer budget lines (``used``: lines read per source line) than the amounts they print;
    ``skip``: lines an indicator or header field was read from; text inside a goal is prose."""
    out = []
    for no in range(max(first, 1), min(last, len(lines)) + 1):
        text = re.sub(r"\s+", "", lines[no - 1])  # 合  计: a short label padded inside
        if no in skip or not text or (len(text) >= 8 and text in goals):
            continue
        if not (vocab.BUDGET_ITEM_HINT_RE.search(text) or vocab.budget_section(text[:6])):
            continue
        if len(_AMOUNT_IN_TEXT.findall(text)) > used.get(no, 0):
            out.append(no)
    return out


def _valued(ind: Indicator) -> bool:
    return bool(ind.target or ind.half_year or ind.history)


def _holds_value(ind: Indicator) -> bool:
    """A value with something in it: a lone operator or unit (≥, %) left by a copy that printed
    a row's cells apart is no row's value."""
    vals = [ind.target, ind.half_year, *ind.history.values()]
    return any(v and re.search(r"[\d\u4e00-\u9fffA-Za-z]", v) for v in vals)


def _fold_trailing_text(rows: list[tuple[Indicator, _Rec]]) -> list[tuple[Indicator, _Rec]]:
    """In a copy printed block by block (``_Draft.scrambled``) a row's cells after its value — a
    description the header did not name (its heading printed elsewhere), wrapped over lines —
    come out as lines of their own, and read as names with no value. Lines with no value and no
    level of their own, between a row with a value and the next row with one, in a table where
    most rows have a value, are that row's description (INFERRED, flagged), not indicators. After
    the table's last row with a value they are too: the copy printed the rest of the rows' cells
    apart after all the rows (a description, a value's lone operator or unit), and a row's name is
    never printed after every value of the table."""
    if sum(_valued(i) for i, _ in rows) < max(3, 0.3 * len(rows)):
        return rows
    out: list[tuple[Indicator, _Rec]] = []
    k = 0
    while k < len(rows):
        ind, rec = rows[k]
        out.append((ind, rec))
        k += 1
        if not _holds_value(ind) or ind.description:
            continue
        j = k
        while j < len(rows) and not _holds_value(rows[j][0]) and rows[j][1].l1 is None and rows[j][1].l2 is None \
                and not rows[j][0].description:
            j += 1
        if j == k:
            continue
        texts = [r[0].level3 for r in rows[k:j] if r[0].level3]
        ev = rows[k][0].evidence.get("level3")
        ind.description = "".join(texts)
        ind.evidence["description"] = Evidence(line=ev.line if ev else None, source_text="\n".join(texts),
                                               status=AlignmentStatus.INFERRED, extractor=EXTRACTOR)
        ind.flag(Severity.WARNING, "trailing_text_as_description",
                 f"{ind.level3}: text printed after the value under no column heading read as the description",
                 field="description")
        k = j
    return out


def _flag_descriptions_apart(form: Form) -> None:
    """In a copy that printed cells apart from their rows, a table where most rows have a
    description has a description column: a row with none had its cell printed elsewhere (after
    all the rows, or folded into another row's), not an empty cell — flagged, never silently empty."""
    inds = form.indicators
    if len(inds) < 3 or sum(bool(i.description) for i in inds) < 0.5 * len(inds):
        return
    for ind in inds:
        if not ind.description:
            ind.flag(Severity.WARNING, "column_unread", f"{ind.level3}: most rows of the table have a description, "
                     "this one none: its cell was printed apart from the row", field="description")


def _flag_scrambled_levels(form: Form, why: str) -> None:
    """Every row's level1/level2 of a form whose level column came apart from its rows is a
    guess (``_note_level_run``): flagged, never silently trusted."""
    for ind in form.indicators:
        for fld in ("level1", "level2"):  # an empty one too: a later stage may fill it from the other
            ind.flag(Severity.WARNING, "level_order_scrambled",
                     f"{fld} may belong to other rows: {why} (the copy prints merged level cells apart "
                     "from their rows)", field=fld)


def _unglue_budget(toks: list[Token], lines: list[str]) -> list[Token]:
    """Funding-block rows whose cells were glued (``项目资金（万元）年度资金总额860.00``) cut back into
    cells (``budget_glued.split_budget_run``); the pieces keep their source spans.

    The column headings of the block's last heading row (支出 | 半年计划执行数 | 全年预算数, or funds
    headed by their total: 总额 | 财政拨款 | 其他资金) are kept until the block ends (goals, the
    indicator table, prose), and the amounts of a row under them are cut to fill them
    (``budget_glued.split_row_by_columns``: 基本支出156356.18 → 156 | 356.18). A task list's merged
    cells printed again on each of its rows (年度主要任务, 任务名称) are read once."""
    out: list[Token] = []
    columns: list[str] = []  # the column headings of the funding block's last heading row
    heading_line: int | None = None
    row_line: int | None = None  # the line of the last row that starts with a block / section label
    row_lead: str | None = None  # that label
    for tok in _join_spaced_totals(toks, lines):
        spans = split_budget_run(tok.text)
        lead = tok.text[spans[0][0]:spans[0][1]] if spans else None
        if tok.first_on_line and lead is not None and (vocab.budget_section(lead) or vocab.is_budget_block_label(lead)):
            if lead in vocab.BUDGET_TASK_SECTIONS and lead == row_lead and row_line == tok.line - 1:
                # 年度主要任务 (and 任务名称 / 主要内容 over the fund headings) printed again on each row
                # of the task list: merged cells, read once
                spans = [(a, b) for a, b in spans[1:] if tok.text[a:b] not in vocab.BUDGET_TASK_HEADINGS]
            row_line, row_lead = tok.line, lead
        elif tok.first_on_line:
            row_line, row_lead = None, None
        if (_UNGLUE_STOP.search(tok.text) or len(tok.text) > 40) and row_line != tok.line:
            columns, heading_line = [], None  # the block ended: goals, the indicator table, prose
        if columns:  # amounts glued under headed columns: as many amounts as the columns hold
            spans = split_row_by_columns(tok.text, spans, columns)
        pieces = [tok.text[a:b] for a, b in spans] if spans else [tok.text]
        heads = [p for p in pieces if vocab.is_budget_column(p)]
        funds = [p for p in pieces
                 if vocab.budget_fund(p) and not (vocab.is_budget_block_label(p) or vocab.budget_section(p))]
        if not heads and len(funds) >= 2 and vocab.budget_fund_kind(funds[0]) == "total":
            heads = funds  # 总额 | 财政拨款 | 其他资金: funds as column headings, the total first
        if heads and not any(re.search(r"\d", p) and not vocab.is_budget_column(p) for p in pieces):
            # a heading row (支出 | 半年计划执行数 | 全年预算数), maybe cut over several tokens of its line
            if heading_line == tok.line:
                columns = columns + heads
            elif columns and _YEARS_SPAN.search(columns[-1]) and all(_YEAR_COLUMN.match(h) for h in heads):
                columns = columns[:-1] + heads  # 近两年收支金额 spans the years printed under it
            else:
                columns = heads
            heading_line = tok.line
        if spans is None:
            out += _peel_closed_tail(tok)
            continue
        out += [sub_token(tok, a, b) for a, b in spans]
    return out


def _join_spaced_totals(toks: list[Token], lines: list[str]) -> list[Token]:
    """A total row's label printed letter-spaced (合  计) and glued to its amounts on the right
    (``合  计8167.74100%``): the label joined (合计), its amounts a token of their own."""
    out: list[Token] = []
    k = 0
    while k < len(toks):
        tok = toks[k]
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if nxt is not None and nxt.line == tok.line and re.fullmatch(r"[\u4e00-\u9fff]", tok.text) and \
                nxt.span is not None and (tok.text + nxt.text[:1]) in vocab.GENERIC_ITEMS and \
                re.fullmatch(r"[\d.,%]+", nxt.text[1:]):
            out += [merge_tokens([tok, sub_token(nxt, 0, 1)], lines), sub_token(nxt, 1, len(nxt.text))]
            k += 2
            continue
        out.append(tok)
        k += 1
    return out


_UNGLUE_STOP = re.compile(r"指标|目标|[，。；;]")


_CLOSED_TAIL = sorted({*vocab.BASIS_VALUES, *vocab.CATEGORY_VALUES}, key=len, reverse=True)


def _peel_closed_tail(tok: Token) -> list[Token]:
    """A glued row's last cells from closed lists (指标值确定依据 计划标准, 指标分类 绩效基本型) cut off
    its end: ``结转结余率9.8%计划标准绩效基本型`` → ``结转结余率9.8%`` | ``计划标准`` | ``绩效基本型``."""
    tail: list[Token] = []
    end = len(tok.text)
    while True:
        word = next((w for w in _CLOSED_TAIL if tok.text.endswith(w, 0, end)), None)
        if word is None or end - len(word) < 4:
            break
        tail.insert(0, sub_token(tok, end - len(word), end))
        end -= len(word)
    if tail and end >= 5 and tok.text[end - 1] in "是否" and tok.text[end - 2:end] != "是否":
        # 资金发放规范性…按照协议执行是制度及协议: a yes / no target right before the closed cells; one
        # character is a value only there, where the closed cell marks the column after it
        tail.insert(0, sub_token(tok, end - 1, end))
        end -= 1
    return [sub_token(tok, 0, end), *tail] if tail else [tok]


def _join_name_tails(toks: list[Token], lines: list[str]) -> list[Token]:
    """The last one or two characters of a name wrapped onto a line of their own, right before the
    row's value (补助社区居家养老服务中心（站）数 / 量 / ≥86个): joined to the name."""
    out: list[Token] = []
    for k, tok in enumerate(toks):
        prev = out[-1] if out else None
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if prev is not None and nxt is not None and _name_tail(prev, tok, nxt):
            out[-1] = merge_tokens([prev, tok], lines)
            continue
        out.append(tok)
    return out


def _name_tail(prev: Token, tok: Token, nxt: Token) -> bool:
    if not (tok.line == prev.line + 1 and tok.line_tokens == 1 and prev.line_tokens == 1 and nxt.line > tok.line):
        return False
    if not re.fullmatch(r"[\u4e00-\u9fff]{1,2}", tok.text) or not re.fullmatch(r"[\u4e00-\u9fff（）()、“”\"]{4,}", prev.text):
        return False
    key = vocab.key(tok.text)
    if key in vocab.VALUE_KIND_WORDS or key in vocab.QUALITATIVE_VALUES or kind_of(tok) != "text" or \
            kind_of(prev) != "text" or _is_value(prev.text):
        return False
    if vocab.budget_fund(prev.text) or vocab.budget_fund(prev.text + tok.text) or key in vocab.GENERIC_ITEMS:
        return False  # a funding block's rows
    return _is_value(nxt.text) and not _is_value(tok.text) and not re.fullmatch(rf"{_NUM}", nxt.text.strip())


def _follows(prev_l1: str, l1: str) -> bool:
    """``l1`` comes after ``prev_l1`` among some framework's level1s."""
    a, b = framework.canonical_level1(prev_l1), framework.canonical_level1(l1)
    return any(a in fw.level1s and b in fw.level1s and fw.level1s.index(b) > fw.level1s.index(a)
               for fw in framework.FRAMEWORKS)


def _fill_levels_up(inds: list[Indicator]) -> None:
    """Records above the first printed level take the next one (a merged cell's text printed
    mid-span, as PDF-viewer copies do), when the framework agrees."""
    for fld in ("level2", "level1"):
        nxt: Indicator | None = None
        for ind in reversed(inds):
            if getattr(ind, fld) is not None:
                nxt = ind
            elif nxt is not None and (fld == "level2" or ind.level2 is None or
                                      framework.fits(getattr(nxt, "level1"), ind.level2) is not False):
                if fld == "level2" and ind.level1 is not None and nxt.level1 is not None and \
                        framework.canonical_level1(ind.level1) != framework.canonical_level1(nxt.level1):
                    continue
                setattr(ind, fld, getattr(nxt, fld))
                ev = nxt.evidence.get(fld)
                if ev is not None:
                    ind.evidence[fld] = ev.model_copy(update={"status": AlignmentStatus.INFERRED})


# ---------------------------------------------------------------------------------------
# entry points


@dataclass
class StreamResult:
    """Forms read from a text, and the line range each came from (for regions and the LLM)."""

    forms: list[Form]
    ranges: list[tuple[int, int]]


def extract_stream(text: str) -> StreamResult:
    """Read every form of a text (see the module docstring); forms with no content are dropped."""
    reader = StreamReader(text)
    forms = reader.read()
    ranges = [(d.start_line, d.end_line or len(reader.lines)) for d in reader.drafts if d.has_content]
    return StreamResult(forms=forms, ranges=ranges)


def indicator_count(forms: list[Form], *, valued: bool = False) -> int:
    """Indicators read (``valued``: only those with a target or half-year value, the self-check's
    measure: a name with no value is as likely prose as an indicator)."""
    return sum(1 for f in forms for i in f.indicators if not valued or i.target or i.half_year)
