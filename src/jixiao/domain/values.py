"""Value grammar: folding text for comparison, parsing targets and amounts.

One module so that the extractor, the reconciler and the scorer agree on what
"the same value" means (spec: "How the scorer compares", step 3).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from jixiao.model.output import ParsedValue, Repair

# Look-alike operators and their canonical form. NFKC already maps full-width ＝＞＜.
_OP_FOLD = {
    "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "＞＝": "≥", "＜＝": "≤", ">=": "≥", "<=": "≤",
    "=>": "≥", "=<": "≤", "＝": "=", "＞": ">", "＜": "<",
}
_WS = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------
# CJK radicals: some PDF producers (wkhtmltopdf with some CJK fonts, Word with others) write
# the code point of a radical whose glyph the font shares with an ideograph: 项⽬ (U+2F6C
# KANGXI RADICAL EYE for 目), ⻓期 (U+2ED3 for 长), 主管部⻔ (U+2ED4 for 门). NFKC folds the
# Kangxi Radicals block but not the CJK Radicals Supplement, so both are folded here, from
# the Unicode data (``domain/cjk_radicals_supplement.tsv``, Equivalent_Unified_Ideograph).


@lru_cache(maxsize=1)
def radical_table() -> dict[int, str]:
    """``str.translate`` table: every radical code point with an equivalent ideograph → it."""
    from importlib import resources

    table: dict[int, str] = {}
    for cp in range(0x2F00, 0x2FE0):  # Kangxi Radicals: NFKC knows them
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if n != c:
            table[cp] = n
    data = resources.files("jixiao").joinpath("domain/cjk_radicals_supplement.tsv").read_text(encoding="utf-8")
    for line in data.splitlines():
        if line.startswith("U+"):
            radical, ideograph = line.split("\t")[:2]
            table[int(radical[2:], 16)] = chr(int(ideograph[2:], 16))
    return table


_RADICAL_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")


def fold_radicals(text: str) -> str:
    """项⽬ → 项目, ⻓期 → 长期, 主管部⻔ → 主管部门 (radical code points → unified ideographs)."""
    if not _RADICAL_RE.search(text):
        return text
    return text.translate(radical_table())


def fold(text: str | None) -> str:
    """Fold for comparison: NFKC, no whitespace, look-alike operators, half-width forms."""
    if text is None:
        return ""
    return _fold(str(text))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKC", fold_radicals(text))
    for a, b in _OP_FOLD.items():
        s = s.replace(a, b)
    s = s.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return _WS.sub("", s)


def clean_cell(text: str | None) -> str:
    """Tidy a cell's text for output: collapse line breaks and runs of spaces, strip.

    A line break inside a Chinese cell is layout, not content ("一级\\n指标"), so it is
    dropped between two CJK characters and kept as one space elsewhere. Radical code points
    are written as the ideographs they stand for (``fold_radicals``).
    """
    if not text:
        return ""
    return _clean_cell(str(text))


_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
_BREAK_RE = re.compile(r"\s*\n\s*")
_CJK_BREAK_RE = re.compile(r"(?<=[\u4e00-\u9fff（）()、：:])\n(?=[\u4e00-\u9fff（）()])")
_SPACES_RE = re.compile(r"[ \t\n]+")


@lru_cache(maxsize=65536)
def _clean_cell(text: str) -> str:
    """:func:`clean_cell`, remembered: extraction, coverage and segment clean the same cell
    texts many times over (profiled: 13% of a digital extraction uncached)."""
    s = fold_radicals(text).replace("\u3000", " ").replace("\xa0", " ").replace("\r", "")
    s = _BOOKMARK_RE.sub("", s)  # Word bookmark residue in text exports
    s = _BREAK_RE.sub("\n", s.strip())
    s = _CJK_BREAK_RE.sub("", s)
    s = _SPACES_RE.sub(" ", s)
    return s.strip()


def squash_cjk_spaces(text: str) -> str:
    """Remove spaces between CJK characters ("一级 指标" → "一级指标")."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)


# ---------------------------------------------------------------------------------------
# Target values

_NUM = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?"
_OPS = "≥≤=><"
_VALUE_RE = re.compile(
    rf"^(?P<op>[{_OPS}])?\s*(?P<num>{_NUM})\s*(?P<unit>[^\d\s].*)?$"
)
# Prose operators: 不低于90% → ≥90%
_WORD_OPS = [
    (re.compile(r"^(不低于|不少于|不小于|至少|达到|高于等于)"), "≥"),
    (re.compile(r"^(不高于|不超过|不大于|最多|低于等于|控制在)"), "≤"),
    (re.compile(r"^(高于|大于|超过)"), ">"),
    (re.compile(r"^(低于|小于|少于)"), "<"),
]
_WORD_OP_SUFFIX = [(re.compile(r"(以上|及以上)$"), "≥"), (re.compile(r"(以内|以下|及以下)$"), "≤")]
_DATE_RE = re.compile(
    r"(\d{4}\s*年)?\s*(\d{1,2}\s*月(\s*\d{1,2}\s*日)?|年底|年末|年内|上半年|下半年|全年)\s*(前|以前|之前|底前|底|内|完成)?$"
)


def repair_number_spaces(text: str) -> tuple[str, Repair | None]:
    """``757. 3`` → ``757.3``; ``1 000`` → ``1000``; ``95 %`` → ``95%`` (OCR / export spaces)."""
    s = re.sub(r"(?<=\d)\s*\.\s+(?=\d)", ".", text)
    s = re.sub(r"(?<=\d)\s+(?=\.\d)", "", s)
    s = re.sub(r"(?<=\d)\s+(?=%)", "", s)
    s = re.sub(r"(?<=[≥≤=<>≧≦])\s+(?=\d)", "", s)
    if s != text:
        return s, Repair(rule="number_spaces", original=text, repaired=s)
    return text, None


def normalize_value_text(text: str | None) -> tuple[str | None, list[Repair]]:
    """The value as it should be written: look-alike operators and broken numbers repaired."""
    if text is None:
        return None, []
    s = clean_cell(text)
    if not s:
        return None, []
    repairs: list[Repair] = []
    folded = s
    for a, b in (("≧", "≥"), ("≦", "≤"), ("＝", "="), ("＞", ">"), ("＜", "<"), (">=", "≥"), ("<=", "≤"), ("％", "%")):
        folded = folded.replace(a, b)
    folded = unicodedata.normalize("NFKC", folded) if any(0xFF01 <= ord(c) <= 0xFF5E for c in folded) else folded
    if folded != s:
        repairs.append(Repair(rule="lookalike_operator", original=s, repaired=folded))
        s = folded
    s2, rep = repair_number_spaces(s)
    if rep:
        repairs.append(rep)
    return s2, repairs


def parse_value(text: str | None) -> ParsedValue | None:
    """Parse a target: op / number / unit, or a qualitative text.

    >>> parse_value("≥95%")
    ParsedValue(op='≥', number=95.0, unit='%', text=None)
    """
    if text is None:
        return None
    parsed = _parse_value(str(text))
    return None if parsed is None else parsed.model_copy()  # a caller may set fields on its own copy


@lru_cache(maxsize=65536)
def _parse_value(text: str) -> ParsedValue | None:
    """:func:`parse_value`, remembered: extraction, coverage and reconcile parse the same
    target texts many times over (profiled: 5% of a digital extraction uncached)."""
    s = fold(text)
    if not s:
        return None
    s = s.replace("%", "%")
    op = None
    if s[0] in _OPS:
        op, s = s[0], s[1:]
    else:
        for rx, o in _WORD_OPS:
            m = rx.match(s)
            if m and re.match(_NUM, s[m.end():]):
                op, s = o, s[m.end():]
                break
        if op is None:
            for rx, o in _WORD_OP_SUFFIX:
                m = rx.search(s)
                if m and re.match(_NUM, s):
                    op, s = o, s[: m.start()]
                    break
    if (_DATE_RE.fullmatch(s) or re.fullmatch(r"\d{4}(\.\d{1,2})?\s*[-—~至]+.*", s)) and not re.fullmatch(_NUM, s):
        return ParsedValue(op=op, number=None, unit=None, text=s)
    m = re.fullmatch(rf"(?P<num>{_NUM})(?P<unit>\D.*)?", s)
    if m:
        num = float(m.group("num").replace(",", ""))
        unit = m.group("unit") or None
        if unit and (re.search(r"\d", unit) and not re.fullmatch(r"\d*次/月|[^\d]*\d*[^\d]*", unit)):
            # e.g. "2023.07-2024.01": not a number with a unit
            return ParsedValue(op=op, number=None, unit=None, text=s)
        return ParsedValue(op=op, number=num, unit=unit, text=None)
    return ParsedValue(op=op, number=None, unit=None, text=s if s else None)


def values_equal(a: str | None, b: str | None, pa: ParsedValue | None = None, pb: ParsedValue | None = None) -> bool:
    """Scorer equality (spec step 3): equal parses, else equal folded texts."""
    if not a and not b:
        return True
    if not a or not b:
        return False
    pa = pa or parse_value(a)
    pb = pb or parse_value(b)
    if pa and pb and pa.number is not None and pb.number is not None:
        if pa.op != pb.op or fold(pa.unit) != fold(pb.unit):
            return False
        return abs(pa.number - pb.number) <= 1e-6 * max(1.0, abs(pa.number), abs(pb.number))
    return fold(a) == fold(b)


# ---------------------------------------------------------------------------------------
# Amounts

# The Repair rule that records an amount converted to 万元 (元 ÷ 10000, 亿元 × 10000): a note on
# how the printed number was read, not a repair of damaged text (confidence does not count it).
AMOUNT_UNIT_RULE = "amount_unit_to_wan"
_AMOUNT_RE = re.compile(rf"^(?P<num>{_NUM})\s*(?P<unit>亿元|万元|千元|元|亿|万|%)?$")
_UNIT_TO_WAN = {"亿元": 10000.0, "亿": 10000.0, "万元": 1.0, "万": 1.0, "千元": 0.1, "元": 0.0001}


@lru_cache(maxsize=65536)
def parse_amount(text: str | None, default_unit: str = "万元") -> tuple[float | None, str | None]:
    """Parse an amount cell to 万元 (or a percentage as a plain number); remembered (a pure
    function of its arguments, asked of every cell by the budget reader and the coverage check).

    Returns (value, unit_seen). ``3,309,840.00元`` → (330.984, "元"); ``18.94%`` → (18.94, "%").
    ``default_unit`` is what the form's heading says (单位：万元 / 单位：元).
    """
    if text is None:
        return None, None
    s = fold(text)
    s, _ = repair_number_spaces(s)
    s = s.replace("(", "").replace(")", "")
    if not s or s in {"-", "—", "——", "/", "无"}:
        return None, None
    m = _AMOUNT_RE.match(s)
    if not m:
        return None, None
    num = float(m.group("num").replace(",", ""))
    unit = m.group("unit")
    if unit == "%":
        return num, "%"
    factor = _UNIT_TO_WAN.get(unit or default_unit, 1.0)
    return round(num * factor, 6), unit or default_unit


def year_from_text(text: str | None) -> int | None:
    """The budget year named in a heading or cell: "2024年度" → 2024."""
    if not text:
        return None
    m = re.search(r"(20\d{2})\s*年", fold(text))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------
# Plausibility of a value for its indicator name (used where two readings compete)

RATE_NAME_RE = re.compile(r"(率|满意度|比例|占比|比重)$")
_CHANGE_NAME_RE = re.compile(r"增长|增幅|增速|增加|变动|变化|同比|环比|比上年|较上年|提高|提升|上升|下降|降低|减少|偏差|倍")
_MONEY_UNIT_RE = re.compile(r"^(亿|万|千|百)?元")


def implausible_for_name(name: str | None, value: str | None) -> str | None:
    """Why ``value`` cannot be the value of an indicator called ``name`` (None: plausible).

    Only what the name itself rules out: a rate (…率, 满意度, 比例) cannot be an amount in 元
    nor a percentage above 100 (a change — 增长率, 较上年提高 — can exceed 100). Used to let
    a grounded second reading replace a first one that fails this check.
    """
    p = parse_value(value)
    n = fold(name)
    if p is None or p.number is None or not n or not RATE_NAME_RE.search(n):
        return None
    unit = fold(p.unit)
    if unit and _MONEY_UNIT_RE.match(unit):
        return f"an amount ({value}) where the name {name} asks for a rate"
    if unit == "%" and (p.number > 100 or p.number < 0) and not _CHANGE_NAME_RE.search(n):
        return f"{value} is outside 0–100% for the rate {name}"
    return None
