"""Amounts written inside a sentence of the funding block.

Some templates print the funding block as prose in one cell or paragraph instead of a
grid: ``年度预算资金共计1,234,500.00元，其中：一般公共预算拨款1,034,500.00元，政府性基金预算拨款
200,000.00元``, ``项目总投资120万元，其中财政资金100万元、自筹资金20万元``. Each *fund name +
amount + unit* phrase is one budget line. The sentence's connecting words (其中, 共计, 为 …,
``vocab.BUDGET_SENTENCE_LEADS`` / ``BUDGET_SENTENCE_LINKS``) are no part of a fund's name, and
only phrases whose name is a fund the genre knows (``vocab.budget_fund``, or the budget item
hints) are read: a goal sentence's ``带动社会资本投入500万元`` is not a budget line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.domain import vocab
from jixiao.domain.values import fold

# clause breaks; a comma between digits (1,234,500.00) is a thousands separator, not a break
_CLAUSE_SPLIT = re.compile(r"[；;。、\n]|(?<!\d)[，,]|[，,](?!\d{3}(?:\D|$))")
_PHRASE = re.compile(
    r"(?P<name>[\u4e00-\u9fff（）()]{2,30}?)\s*[:：]?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元)"
)


@dataclass(frozen=True)
class FundPhrase:
    name: str  # the fund as printed, connecting words removed
    amount: str  # number and unit as printed (1,234,500.00元), for parse_amount
    start: int  # offset of the phrase in the folded text


def _strip_connectors(name: str) -> str:
    changed = True
    while changed and name:
        changed = False
        for w in sorted(vocab.BUDGET_SENTENCE_LEADS, key=len, reverse=True):
            if name.startswith(w) and len(name) > len(w) + 1:
                name, changed = name[len(w):].lstrip("：:"), True
        for w in sorted(vocab.BUDGET_SENTENCE_LINKS, key=len, reverse=True):
            if name.endswith(w) and len(name) > len(w) + 1:
                name, changed = name[: -len(w)].rstrip("：:"), True
    return name


def _is_fund_name(name: str) -> bool:
    return vocab.budget_fund(name) is not None or bool(vocab.BUDGET_ITEM_HINT_RE.search(vocab.key(name)))


def fund_phrases(text: str | None) -> list[FundPhrase]:
    """The fund phrases of a sentence, in order; [] when it holds none (or is a bare amount)."""
    s = fold(text)
    if not s or not re.search(r"\d\s*(亿元|万元|元)", s):
        return []
    out: list[FundPhrase] = []
    pos = 0
    for clause in _CLAUSE_SPLIT.split(s):
        for m in _PHRASE.finditer(clause):
            name = _strip_connectors(m.group("name"))
            if _is_fund_name(name):
                out.append(FundPhrase(name=name, amount=m.group("num") + m.group("unit"), start=pos + m.start()))
        pos += len(clause) + 1
    return out


def is_budget_sentence(text: str | None) -> bool:
    """A sentence that states the funds: at least one phrase naming the year's total or the treasury's part."""
    return any(vocab.budget_fund_kind(p.name) in ("total", "fiscal") for p in fund_phrases(text))
