"""Value grammar: every half_year / target is a number with an operator and unit, a known
qualitative word, a date, a relative change — or it is flagged.

Decisions (documented because they are judgement calls):

* **Percent range.** A rate above 100% (or ``>100%``, or below 0) is flagged
  ``percent_out_of_range`` unless the indicator's name says it measures a change or a
  ratio to a plan that may be beaten: 增长/增幅/增速/增加/变动/变化/同比/环比/比上年/较上年/
  提高/提升/上升/下降/降低/减少/偏差/超/倍, 完成率 (非税收入预算完成率 ≥100%: revenue can
  beat the plan) and 控制率 (actual against a cap). Everything else — 执行率, 覆盖率, 合格率,
  满意度 … — is capped at 100%: you cannot spend 110% of a budget or satisfy 105% of people.
* **Half-year vs full-year.** Compared when both parse with the same unit: counts (次, 个,
  家, 人次 …) and money (元, 万元, 亿元 …) accumulate, so half ≤ full for goals (≥ = > or
  none) and for caps (≤ <) alike; for rates only goals are compared (≥90% half vs ≥0% full
  is a swap), half-year caps on rates may be looser. Time spans (小时, 天) are left alone.
  序时进度 as the full-year value with a real half-year value is a swap too.
* **Satisfaction.** ``≥0%`` in the half-year column is the known dummy of end-of-year-only
  indicators: info. In the full-year column it is a warning, as is any
  satisfaction target under 50%.
* **Dates.** A deadline in a year before the budget year is a warning; after it, info
  (multi-year projects write 全年（程） and may end later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.reconcile.common import Ledger, fmt, garbage_in, raise_flag
from jixiao.model.output import Form, Indicator, ParsedValue
from jixiao.domain.values import fold, parse_value
from jixiao.domain import vocab

PARSE_BONUS = 0.3  # log-odds for a value that parses cleanly

# The qualitative targets (one home: domain.vocab).
QUALITATIVE = vocab.QUALITATIVE_TARGETS
_QUAL_TAIL = re.compile(
    r"(提升|提高|改善|增强|推进|明显|显著|良好|完成|保障|健全|规范|合规|有效|及时|到位|达标|落实|促进|加强|优化|"
    r"稳定|增长|可持续|满意|相符|合理|完善|覆盖|运行|正常|公开|准确)$"
)
_DATE = re.compile(
    r"^(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号])?)?"
    r"(?:年底|年末|底|末|上旬|中旬|下旬|前|以前|之前|底前|末前|内|以内|完成)*$"
)
_DOTTED = re.compile(r"^(?P<y>\d{4})[.\-/](?P<m>\d{1,2})(?:[.\-/](?P<d>\d{1,2}))?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年|[.\-/]\d)")
_RELATIVE = re.compile(
    r"^(?:同比|比上年|较上年|环比|年均)?(?:增长|增加|提高|提升|下降|降低|减少|上升|增幅|降幅)?"
    r"[≥≤=<>]?\d+(?:\.\d+)?%?(?:以上|以内|以下|左右|及以上)?$|^±\d+(?:\.\d+)?%(?:以内)?$"
)
# A unit ending in a digit (other than a rate's period "次/月"), a doubled character or an
# operator is OCR or column garbage.
_BAD_UNIT = re.compile(r"(?<![/·])\d+$|(.)\1|[≥≤=<>]")  # 95%0, 人人场次次%%, 个≥
_PLACEHOLDER = re.compile(r"\*{2,}|^[…\.。]{2,}$|^[-—/]+$|^x+$", re.I)

COUNT_UNITS = frozenset(
    "次 个 家 人 人次 户 件 份 篇 场 批 批次 组 辆 座 株 单 种 村 笔 家次 项 期 本 册 台 套 部 所 名 条 处 间 张 棵 头 只 "
    "场次 班 班次 期次 项次 户次 课时 学时 册次 万人 万人次 万户 万件 万次".split()
)
_MONEY = re.compile(r"^(?P<scale>千|万|百万|千万|亿)?(?P<cur>美元|元人民币|元|人民币|欧元|港元)(?P<rmb>人民币)?$")
_AREA = re.compile(r"^(?P<scale>万)?(?P<base>亩|平方米|公顷|平方公里|立方米)$")
_NAME_UNIT = re.compile(
    r"(?:[（(](?:单位[:：])?(?P<p>[^()（）]{1,8})[)）]$)|(?P<t>(?:千|万|百万|千万|亿)?(?:美元|元人民币|人民币|元|欧元|港元|亩|平方米|公顷))$"
)
_SCALES = {None: 1.0, "": 1.0, "千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8}

_PROGRESS_WORDS = frozenset(("序时进度", "按序时进度", "按进度"))
_CHANGE_WORDS = (
    "增长", "增幅", "增速", "增加", "变动", "变化", "同比", "环比", "比上年", "较上年", "提高", "提升", "上升",
    "下降", "降低", "减少", "偏差", "超", "完成率", "控制率", "倍",
)
_POSITIVE_RATES = ("满意度", "满意率", "合格率", "达标率", "覆盖率", "及时率", "到位率", "知晓率", "完好率",
                   "完成率", "执行率", "成功率", "通过率", "正常运行率", "验收合格", "办结率")
_NEGATIVE_WORDS = ("投诉", "事故", "故障", "差错", "失误", "违规", "超支", "偏差", "调整率", "结转结余", "变动", "控制率")


@dataclass(frozen=True)
class ValueKind:
    """What a value is, for the checks: number | date | relative | qualitative | free | garbled | placeholder."""

    kind: str
    parsed: ParsedValue | None


def classify_value(text: str | None) -> ValueKind | None:
    """Classify a value string; None for an empty value."""
    if text is None or not fold(text):
        return None
    s = fold(text).replace("％", "%")
    if _PLACEHOLDER.search(s):
        return ValueKind("placeholder", parse_value(text))
    if garbage_in(text):
        return ValueKind("garbled", parse_value(text))
    p = parse_value(text)
    if p is not None and p.number is not None:
        if p.unit and p.unit.startswith("年") and 1990 <= p.number <= 2100:
            return ValueKind("date", p)  # "2025年年底前", "2021年全年"
        if p.unit and _BAD_UNIT.search(p.unit):
            return ValueKind("garbled", p)  # "95%0", "58.7亿元人民币0": a stray digit after the unit
        return ValueKind("number", p)
    body = (p.text if p and p.text else s) or s
    if re.search(r"\d", body) and _is_qualitative(re.sub(r"[\d.]+", "", body)):
        return ValueKind("garbled", p)  # "健全0": a stray digit in a qualitative word
    if _is_date(body):
        return ValueKind("date", p)
    if _RELATIVE.fullmatch(s):
        return ValueKind("relative", p)
    if _is_qualitative(body):
        return ValueKind("qualitative", p)
    return ValueKind("free", p)


def _is_qualitative(body: str) -> bool:
    return body in QUALITATIVE or (0 < len(body) <= 12 and bool(_QUAL_TAIL.search(body)))


def _is_date(body: str) -> bool:
    """A date, a deadline or a period of dates (2020年1月--2020年11月, 2023.07-2024.01)."""
    if _DOTTED.match(body):
        return True
    parts = [x for x in re.split(r"[-—~～至到]+", body) if x]
    return bool(parts) and all(_DATE.fullmatch(x) and re.search(r"\d", x) for x in parts)


# ---------------------------------------------------------------------------------------


def check_values(form: Form, ledger: Ledger) -> None:
    """Run the value-grammar checks over one form's indicators."""
    for ind in form.indicators:
        kinds: dict[str, ValueKind | None] = {}
        for field in ("half_year", "target"):
            text = getattr(ind, field)
            kinds[field] = k = classify_value(text)
            if k is None:
                continue
            parsed_attr = f"{field}_parsed"
            if getattr(ind, parsed_attr) is None and k.parsed is not None:
                setattr(ind, parsed_attr, k.parsed)
            _check_kind(ind, field, text, k, ledger)
            if k.kind == "number" and k.parsed:
                _check_percent(ind, field, k.parsed)
                _check_unit_vs_name(ind, field, k.parsed)
                _check_direction(ind, field, k.parsed)
            if k.kind == "date":
                _check_date(ind, field, text, form.year)
        _check_satisfaction(ind, kinds)
        _check_half_vs_full(ind, kinds)
        _check_progress_in_target(ind, kinds)
        if ind.level3 and not ind.target and not _is_bare_row(ind):
            raise_flag(ind, "target_missing", f"{ind.level3}: no full-year value"
                       + (f" (half-year {ind.half_year})" if ind.half_year else ""), "target", half_year=ind.half_year)


def _is_bare_row(ind: Indicator) -> bool:
    return any(f.code in ("placeholder_indicator", "level3_is_framework_name") for f in ind.flags)


_BLEED_WORDS = ("计划标准", "行业标准", "历史标准", "其他标准", "工作经验", "工作计划", "工作要求", "制度及协议",
                "绩效基本型", "绩效创新型", "正向指标", "反向指标", "定性", "定量")
_OP_NUMBER = re.compile(r"[≥≤=<>]\d+(?:\.\d+)?")
_NUMBER_TOKEN = re.compile(r"[≥≤=<>]?\d+(?:\.\d+)?%?")


def column_bleed(text: str | None) -> str | None:
    """What of a neighbouring column a value carries ("58.7亿元人民币计划标准" → 计划标准), or
    the repeated value ("≥80% ≥80%"), else None."""
    s = fold(text)
    for w in _BLEED_WORDS:
        if w in s and s != w:
            return w
    toks = _NUMBER_TOKEN.findall(s)
    if len(toks) >= 2 and len(set(toks)) == 1 and "".join(toks) == s:
        return toks[0]
    ops = _OP_NUMBER.findall(s)
    if len(ops) >= 2:  # "≥6万人次≥2万人次": two cells' values in one
        return ops[1]
    return None


def _check_kind(ind: Indicator, field: str, text: str | None, k: ValueKind, ledger: Ledger) -> None:
    bleed = column_bleed(text)
    if bleed:
        raise_flag(ind, "value_column_bleed", f"{field} {text} carries {bleed}", field, value=text, carries=bleed)
        return
    if k.kind == "placeholder":
        raise_flag(ind, "value_placeholder", f"{field} {text} is a template placeholder", field, value=text)
    elif k.kind == "garbled":
        raise_flag(ind, "value_garbled", f"{field} {text} holds {''.join(garbage_in(text))}", field,
                   value=text, suspicious=garbage_in(text))
    elif k.kind == "free":
        raise_flag(ind, "value_unparsed", f"{field} {text}: no number, known word or date", field, value=text)
    else:
        ledger.add(ind, field, "value_grammar", PARSE_BONUS)


def _name(ind: Indicator) -> str:
    return fold(ind.level3 or ind.level2 or "")


def _is_satisfaction(ind: Indicator) -> bool:
    n3 = fold(ind.level3)
    if n3:
        return "满意" in n3
    return "满意" in fold(ind.level2)


def _check_percent(ind: Indicator, field: str, p: ParsedValue) -> None:
    if p.unit != "%" or p.number is None:
        return
    name = _name(ind)
    if any(w in name for w in _CHANGE_WORDS):
        return
    n = p.number
    if n > 100 or n < 0 or (n == 100 and p.op == ">"):
        raise_flag(ind, "percent_out_of_range",
                   f"{ind.level3}: {field} {getattr(ind, field)} is outside 0–100% for a rate", field,
                   value=getattr(ind, field), number=n)


def _check_satisfaction(ind: Indicator, kinds: dict[str, ValueKind | None]) -> None:
    if not _is_satisfaction(ind):
        return
    full = kinds.get("target")
    full_n = full.parsed.number if full and full.kind == "number" and full.parsed else None
    for field in ("half_year", "target"):
        k = kinds.get(field)
        if not k or k.kind != "number" or not k.parsed or k.parsed.number is None:
            continue
        p = k.parsed
        if p.unit not in ("%", None) or p.op in ("≤", "<"):
            continue
        text = getattr(ind, field)
        if p.number == 0:
            if field == "half_year" and full_n is not None and full_n >= 50:
                raise_flag(ind, "satisfaction_half_year_placeholder",
                           f"{ind.level3}: half-year {text} is the end-of-year dummy (full year {ind.target})",
                           field, value=text, target=ind.target)
            else:
                raise_flag(ind, "satisfaction_target_degenerate",
                           f"{ind.level3}: {field} {text} sets no satisfaction target", field, value=text, number=0.0)
        elif p.unit == "%" and p.number < 50:
            raise_flag(ind, "satisfaction_target_low",
                       f"{ind.level3}: {field} {text} is under 50% for a satisfaction rate", field,
                       value=text, number=p.number)


def _cumulative_unit(unit: str | None) -> bool:
    if not unit:
        return False
    u = unit.strip()
    return u in COUNT_UNITS or bool(_MONEY.match(u))


_UP_OPS = (None, "≥", "=", ">")
_CAP_OPS = ("≤", "<")


def _check_half_vs_full(ind: Indicator, kinds: dict[str, ValueKind | None]) -> None:
    """Half-year above full-year where the quantity accumulates over the year.

    Counts and money accumulate whatever the operator (a half-year cap of ≤2个 failures
    above a full-year cap of ≤1个 is as contradictory as ≥600次 above ≥500次). Rates do not
    accumulate, but a half-year *goal* above the full-year goal (≥90% vs ≥0%) means the
    columns were swapped or misread; half-year *caps* on rates may be looser, so ≤ is left.
    Both fields are flagged: either may be the wrong one.
    """
    h, t = kinds.get("half_year"), kinds.get("target")
    if not h or not t or h.kind != "number" or t.kind != "number" or not h.parsed or not t.parsed:
        return
    hp, tp = h.parsed, t.parsed
    if hp.number is None or tp.number is None or fold(hp.unit) != fold(tp.unit):
        return
    same_family = (hp.op in _UP_OPS and tp.op in _UP_OPS) or (hp.op in _CAP_OPS and tp.op in _CAP_OPS)
    if not same_family:
        return
    if _cumulative_unit(hp.unit):
        kind = f"a cumulative {hp.unit}"
    elif hp.unit == "%" and hp.op in _UP_OPS:
        kind = "a rate to reach"
    else:
        return
    if hp.number > tp.number + 1e-9:
        for field in ("half_year", "target"):
            raise_flag(ind, "half_year_exceeds_target",
                       f"{ind.level3}: half-year {ind.half_year} ({fmt(hp.number)}) > full-year {ind.target} "
                       f"({fmt(tp.number)}) for {kind}", field,
                       half_year=hp.number, target=tp.number, unit=hp.unit)


def _check_progress_in_target(ind: Indicator, kinds: dict[str, ValueKind | None]) -> None:
    """序时进度 ("on schedule") is a mid-year value; as the full-year value the columns are swapped."""
    if fold(ind.target) in _PROGRESS_WORDS and ind.half_year and fold(ind.half_year) not in _PROGRESS_WORDS:
        for field in ("half_year", "target"):
            raise_flag(ind, "progress_value_in_target",
                       f"{ind.level3}: full-year value {ind.target} is a mid-year value (half-year {ind.half_year})",
                       field, half_year=ind.half_year, target=ind.target)


def name_unit(ind: Indicator) -> str | None:
    """The unit the indicator's name or 计量单位 column states (保障人数(人), 外资万美元)."""
    if ind.unit:
        return fold(ind.unit)
    m = _NAME_UNIT.search(fold(ind.level3))
    if not m:
        return None
    return m.group("p") or m.group("t")


def _money(unit: str | None) -> tuple[float, str] | None:
    """(scale in 元, currency) for a money unit: 万美元 → (1e4, USD)."""
    if not unit:
        return None
    m = _MONEY.match(fold(unit))
    if not m:
        return None
    cur = m.group("cur")
    currency = {"美元": "USD", "欧元": "EUR", "港元": "HKD"}.get(cur, "CNY")
    return _SCALES[m.group("scale")], currency


def _area(unit: str | None) -> tuple[float, str] | None:
    if not unit:
        return None
    m = _AREA.match(fold(unit))
    return (_SCALES[m.group("scale")], m.group("base")) if m else None


def _check_unit_vs_name(ind: Indicator, field: str, p: ParsedValue) -> None:
    declared = name_unit(ind)
    if not declared or not p.unit:
        return
    for parse in (_money, _area):
        a, b = parse(declared), parse(p.unit)
        if a and b and a != b:
            raise_flag(ind, "unit_conflicts_with_name",
                       f"{ind.level3}: {field} {getattr(ind, field)} is in {p.unit} but the name says {declared}",
                       field, value=getattr(ind, field), value_unit=p.unit, name_unit=declared)
            return


def _check_direction(ind: Indicator, field: str, p: ParsedValue) -> None:
    if p.op not in ("≤", "<") or p.number is None or p.unit != "%":
        return
    name = _name(ind)
    if any(w in name for w in _NEGATIVE_WORDS) or any(w in name for w in _CHANGE_WORDS if w != "完成率"):
        return
    if any(w in name for w in _POSITIVE_RATES) and p.number < 100:
        raise_flag(ind, "operator_direction_suspicious",
                   f"{ind.level3}: {field} {getattr(ind, field)} caps a rate that should be reached", field,
                   value=getattr(ind, field), op=p.op)


def _check_date(ind: Indicator, field: str, text: str | None, year: int | None) -> None:
    s = fold(text)
    parts = [(m.group(2), m.group(3)) for m in re.finditer(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})[日号])?", s)]
    parts += [(m.group("m"), m.group("d")) for m in _DOTTED.finditer(s)]
    for mo, d in parts:
        if not 1 <= int(mo) <= 12 or (d is not None and not 1 <= int(d) <= 31):
            raise_flag(ind, "date_invalid", f"{ind.level3}: {field} {text} is not a date", field, value=text)
            return
    if year is None:
        return
    years = [int(y) for y in _YEAR.findall(s)]
    if not years:
        return
    if max(years) < year:
        raise_flag(ind, "date_outside_budget_year", f"{ind.level3}: {field} {text} is before the budget year {year}",
                   field, value=text, years=years, budget_year=year)
    elif max(years) > year:
        raise_flag(ind, "date_after_budget_year", f"{ind.level3}: {field} {text} ends after the budget year {year}",
                   field, value=text, years=years, budget_year=year)
