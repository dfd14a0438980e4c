"""Header vocabularies of the genre: how forms name their fields, columns and blocks.

Everything here is matched on *folded* text with layout noise removed (``key()``), so
``部门（单位）\\n名称``, ``部门(单位)名称`` and ``部门 (单位) 名称`` are one label. The lists come
from the national templates and their provincial variants; a new
province's wording belongs here, not in special cases in the extractor.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from jixiao.domain.values import fold

_NOISE = re.compile(r"[\s:：*＊★●]+")
_PAREN_UNIT = re.compile(r"[(（](万元|元|亿元|%|％)[)）]")


def key(text: str | None) -> str:
    """A cell's text reduced for vocabulary lookup: folded, no punctuation noise, no (万元)."""
    return _key(text or "")


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    s = fold(text)
    s = _PAREN_UNIT.sub("", s)
    s = _NOISE.sub("", s)
    s = s.replace("(", "（").replace(")", "）")
    return s


class Spellings(NamedTuple):
    """The spellings of one label: as the templates print it, and further ones read as the same.

    ``printed`` is what OCR repair snaps a damaged cell to (``domain.repair.load_lexicon`` takes
    the lexicon's header and field words from here and nowhere else); ``also`` are spellings a
    form may use that are recognised but never a snap target (short ones such as 一级 or 单位
    would pull unrelated text onto them).
    """

    printed: tuple[str, ...]
    also: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.printed + self.also


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---------------------------------------------------------------------------------------
# Form titles
FORM_TITLE_RE = re.compile(
    r"(绩效目标(申报|设置|审核|批复|审批)?.{0,6}表|绩效目标表|绩效指标表|目标指标表|绩效目标申报表)"
)
DEPARTMENT_TITLE_RE = re.compile(r"(部门|单位)[（(]?(单位)?[）)]?整体|整体支出|部门整体|单位整体|整体绩效")
PROJECT_TITLE_RE = re.compile(r"项目")


def is_form_title(text: str) -> bool:
    """A heading that starts a form: short, and names a 绩效目标表 of some kind."""
    k = key(text)
    return 4 <= len(k) <= 60 and bool(FORM_TITLE_RE.search(k))


# ---------------------------------------------------------------------------------------
# Header fields (label cell → field)
# Words whose presence (as a substring) marks a row as an indicator table's header row: a
# looser test than header_role, for text where header cells run together or wrap.
INDICATOR_HEADER_TERMS = (
    "一级指标", "二级指标", "三级指标", "指标名称", "指标值", "指标内容", "半年", "全年", "绩效指标",
    "指标类型", "指标解释", "指标描述", "计量单位", "指标分类", "指标性质", "确定依据", "重点工作", "权重", "分值",
)
HEADER_SPELLINGS: dict[str, Spellings] = {
    "project_name": Spellings(("项目名称",), ("项目名", "专项名称", "资金名称")),
    "unit_name": Spellings(("实施单位", "单位名称", "部门（单位）名称", "部门名称"), (
        "预算单位", "预算单位名称", "申报单位", "项目实施单位", "单位（部门）名称", "部门单位名称", "填报单位",
        "项目单位", "实施主体", "项目实施主体",
    )),
    "competent_dept": Spellings(("主管部门", "主管部门及代码"), ("主管单位", "项目主管部门", "主管部门名称")),
}
HEADER_LABELS: dict[str, tuple[str, ...]] = {f: sp.all for f, sp in HEADER_SPELLINGS.items()}
GOAL_SPELLINGS: dict[str, Spellings] = {
    "long_term": Spellings(("中长期目标", "长期目标", "总体目标", "部门中期目标", "项目总体目标", "实施期目标"), (
        "中期目标", "实施期绩效目标", "项目中长期目标", "整体目标", "中长期绩效目标", "长期绩效目标",
    )),
    "annual": Spellings(("年度目标", "部门年度绩效目标", "年度总体目标"), (
        "年度绩效目标", "当年绩效目标", "本年度目标", "年度工作目标", "项目年度目标", "年度绩效目标设置", "项目绩效目标",
        "项目年度绩效目标", "部门年度目标",
    )),
}
GOAL_LABELS: dict[str, tuple[str, ...]] = {f: sp.all for f, sp in GOAL_SPELLINGS.items()}
def other_label(text: str | None) -> bool:
    """A header label of a field the contract does not hold (项目负责人, 联系电话 …): one home,
    ``UNEXTRACTED_LABELS``; a table column header (序号, 备注) is a role, not such a label."""
    k = _strip_label_tail(key(text))
    return k in UNEXTRACTED_LABELS and k not in YEAR_LABELS and header_role(text) is None


# Labels whose value is the form's year (预算年度：2024年): the contract holds it, so a reader must
# not skip the value; coverage still counts the label itself as read.
YEAR_LABELS = frozenset({"预算年度"})


def run_on_labels() -> frozenset[str]:
    """The unextracted labels long enough to be found inside a glued run of cells (联系电话, 填报人),
    not two-character words a value may hold (日期, 编号) nor table column headers."""
    return _RUN_ON_LABELS


# A "绩效目标" label whose value rows are 目标1 / 目标2 … is the annual goal list.
GENERIC_GOAL_LABELS = ("绩效目标",)


_LABEL_LINE = re.compile(r"^\s*([^：:|｜\s]{1,8})\s*(?:[：:|｜]|\s)\s*(\S.*?)\s*$")


def label_line(text: str | None) -> tuple[str, str] | None:
    """``(label, value)`` of a line printed as ``项目名称：X`` (a colon, a bar or a space after a
    short label); None for any other line. Whether the label is one the contract knows is the
    caller's question (``header_field`` …)."""
    m = _LABEL_LINE.match(text or "")
    return (m.group(1), m.group(2)) if m else None


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def header_field(text: str | None) -> str | None:
    """Which header field a label cell names, if any."""
    k = _strip_label_tail(key(text))
    for field, labels in HEADER_LABELS.items():
        if k in labels:
            return field
    return None


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def goal_field(text: str | None) -> str | None:
    k = _strip_label_tail(key(text))
    for field, labels in GOAL_LABELS.items():
        if k in labels:
            return field
    return None


def _strip_label_tail(k: str) -> str:
    """Drop a parenthetical tail: 长期目标（截止2026年） → 长期目标."""
    return re.sub(r"（[^）]*）$", "", k)


# ---------------------------------------------------------------------------------------
# Indicator table columns (header cell → role)
ROLE_SPELLINGS: list[tuple[str, Spellings]] = [
    ("level1", Spellings(("一级指标", "指标类型"), ("一级", "一级指标名称"))),
    ("level2", Spellings(("二级指标",), ("二级", "二级指标名称"))),
    ("level3", Spellings(("三级指标", "指标名称"), ("三级", "三级指标名称", "绩效指标名称", "具体指标", "指标内容名称"))),
    ("key_task", Spellings(("重点工作", "年度主要任务"), ("主要任务", "重点任务", "对应任务"))),
    ("description", Spellings(("绩效指标描述", "指标解释", "指标描述", "指标值说明"), ("指标内容", "指标说明", "指标定义"))),
    ("half_year", Spellings(("半年指标值", "半年（程）指标值"), ("半年计划", "半年目标值", "半年度指标值", "半年（程）目标值"))),
    ("target", Spellings(("全年指标值", "全年（程）指标值", "指标值", "年度指标值", "预期当年实现值", "目标值"), (
        "年度目标值", "全年目标值", "预期目标值", "当年指标值", "绩效指标值", "全年（程）目标值",
    ))),
    ("history_group", Spellings(("近两年指标值",), ("近三年指标值", "历史指标值", "前两年指标值", "以前年度指标值"))),
    ("basis", Spellings(("指标值确定依据", "绩效标准"), ("确定依据", "指标值设定依据", "评价标准", "指标值依据"))),
    ("category", Spellings(("指标分类", "指标方向性"), ("指标类别", "指标方向"))),
    ("op_or_category", Spellings(("指标性质",))),
    ("op", Spellings(("计算符号",), ("运算符号", "符号", "比较符", "计算方式"))),
    ("unit", Spellings(("计量单位", "度量单位"), ("单位", "指标单位"))),
    ("weight", Spellings(("权重", "分值"), ("权重（%）", "权重%", "指标权重"))),
    # 指标值类型 / 指标属性 (定量 / 定性) say how a value is written, not what the spec's category holds
    ("ignore", Spellings(("评（扣）分标准", "备注", "指标值类型", "指标属性"), ("评分标准", "扣分标准", "序号", "评（扣）分办法"))),
]
ROLE_HEADERS: list[tuple[str, tuple[str, ...]]] = [(role, sp.all) for role, sp in ROLE_SPELLINGS]
_ROLE_BY_KEY = {label: role for role, labels in ROLE_HEADERS for label in labels}
YEAR_HEADER_RE = re.compile(r"^(20\d{2})年?(度)?$")
LEAD_RE = re.compile(r"^(年度|长期|中期|中长期|实施期)?绩效指标$|^(年度|长期|中期)绩效目标指标$")
# The lead cells LEAD_RE reads, as the templates print them (snap targets of OCR repair).
LEAD_LABELS = ("绩效指标", "年度绩效指标", "长期绩效指标")


def header_role(text: str | None) -> str | None:
    """The role an indicator-table header cell names (``None`` if it is not a header)."""
    return _header_role(key(text))


@lru_cache(maxsize=65536)
def _header_role(k: str) -> str | None:
    """:func:`header_role` of a key, remembered: segment, the PDF self-check and coverage ask
    it of every cell of every page (profiled: 9% of a digital extraction uncached)."""
    if not k:
        return None
    if k in _ROLE_BY_KEY:
        return _ROLE_BY_KEY[k]
    if YEAR_HEADER_RE.match(k):
        return "history_year"
    if LEAD_RE.match(k):
        return "lead"
    return _truncated_header_role(k)


def _truncated_header_role(k: str) -> str | None:
    """A header label OCR cut short, its tail read into the cell below (计算符号 → 计算符).

    Accepted when the text starts at least 3 characters and two thirds of one or more labels
    that all name the same role; a prefix shared by labels of two roles says nothing.
    """
    if len(k) < 3:
        return None
    roles = {role for label, role in _ROLE_BY_KEY.items() if label.startswith(k) and len(k) >= 2 * len(label) / 3}
    return roles.pop() if len(roles) == 1 else None


def names_indicator_header(texts: list[str]) -> bool:
    """A row that opens an indicator table: it names level3, or level1 and level2, or level2 and a value."""
    roles = {header_role(t) for t in texts if t}
    return "level3" in roles or {"level1", "level2"} <= roles or ("level2" in roles and "target" in roles)


def lead_scope(text: str | None) -> str | None:
    """Scope named by a table's lead cell or heading: 长期绩效指标 → long_term."""
    k = key(text)
    if re.search(r"(长期|中期|实施期)", k) and "绩效指标" in k:
        return "long_term"
    if "年度" in k and "绩效指标" in k:
        return "annual"
    return None


# ---------------------------------------------------------------------------------------
# Budget block
BUDGET_BLOCK_LABELS = (
    "项目资金", "部门整体资金", "资金情况", "部门总体资金情况", "总体资金情况", "预算规模及资金用途", "项目资金情况",
    "资金来源", "部门资金", "预算资金", "项目预算", "部门预算",
)
BUDGET_SECTION_SPELLINGS = Spellings(("上年预算", "当年预算"), (
    "收入", "支出", "收入构成", "支出构成", "资金支出计划", "资金支出计划（%）", "预算规模及资金用途", "资金构成", "资金用途",
    "年度主要任务",
))
BUDGET_SECTIONS = BUDGET_SECTION_SPELLINGS.all
# A task list with amounts (Jiangxi 年度主要任务 | 任务名称 | 主要内容 | 预算金额): its lines count only
# when it is the form's only funding block (golden/CONVENTIONS.md).
BUDGET_TASK_SECTIONS = ("年度主要任务",)
# The task list's own column headings, which name no fund and hold no amount.
BUDGET_TASK_HEADINGS = ("任务名称", "主要内容", "工作内容")
BUDGET_COLUMN_RE = re.compile(
    r"(预算数|执行数|支出数|计划数|金额|占比|比例|决算数|收支金额|^\d{1,2}-\d{1,2}月|^20\d{2}年?(度)?$|月底$|^[一二三四]季度$|^第[一二三四]季度$|"
    r"^(全年|半年|当年|上年)(（程）)?$)"
)
BUDGET_ITEM_HINT_RE = re.compile(
    r"(资金总额|财政拨款|财政资金|一般公共预算|政府性基金|财政专户|国有资本|社保基金|上年结转|其他资金|合计|小计|总计|"
    r"基本支出|项目支出|人员经费|公用经费|项目经费|本级财政|上级财政|批复数|调整数|实际支出|执行率|结转结余|收入合计|"
    r"支出合计|单位资金|自有资金|上级资金|本级资金|上级补助|本级安排|自筹|预算资金|预算安排|预算总额|总投资|其他来源|"
    r"事业收入|经营收入)"
)
GENERIC_ITEMS = ("小计", "合计", "总计")
# Column and row headings of funding blocks that name no fund (BUDGET_COLUMN_RE and
# BUDGET_ITEM_HINT_RE read them), as the templates print them: snap targets of OCR repair.
BUDGET_HEADINGS = _words("""
    半年（程）计划执行数 全年（程）预算数 全年预算数 基本支出 项目支出 人员经费 公用经费 项目经费 支出合计 批复数 调整数
    实际支出数 执行率 年末结转结余数 当年金额 占比
""")

# Funds a funding block names, grouped under one canonical name each (the name the
# reconciler's sum rules use). Forms of every province name the same few things: a total
# for the year (资金总额, 年度预算数, 年度本级预算金额, 预算安排 …), the treasury's part (财政拨款 /
# 财政资金), that part split by source (一般公共预算 / 政府性基金 …) or by level of government
# (上级资金 / 本级资金), and the money that is not this year's appropriation (上年结转, 自有资金,
# 其他资金). Labels are matched after ``budget_fund_key`` (no 其中：, no (万元), no 小计).
BUDGET_FUND_SPELLINGS: dict[str, Spellings] = {
    "资金总额": Spellings(("资金总额", "年度资金总额", "预算金额"), (
        "项目资金总额", "资金合计", "资金总计", "预算总额", "年度预算总额", "项目预算总额",
        "预算数", "年度预算数", "本年预算数", "当年预算数", "本年度预算数", "年度预算金额", "本级预算金额",
        "年度本级预算金额", "本年预算金额", "预算资金", "年度预算资金", "项目预算资金", "预算资金总额", "年度预算资金总额",
        "项目资金", "年度项目资金", "预算安排", "年度预算安排", "预算安排资金", "年度预算安排资金", "年度资金", "项目预算", "年度预算",
        "总投资", "项目总投资", "项目总预算", "资金规模", "年度资金规模", "项目总金额", "总额",
    )),
    "收入合计": Spellings(("收入合计",), ("收入总计",)),
    "合计": Spellings((), ("合计", "总计")),
    "财政拨款": Spellings(("财政拨款",), (
        "财政拨款资金", "财政资金", "财政性资金", "财政补助资金", "财政补助", "财政预算资金", "财政拨款收入",
        "财政安排资金", "财政预算拨款",
    )),
    "上级财政拨款": Spellings((), (
        "上级财政拨款", "上级财政拨", "上级资金", "上级补助", "上级补助资金", "上级财政资金", "上级财政补助", "上级财政补助资金",
        "上级专项资金", "上级转移支付", "上级转移支付资金", "上级拨款",
    )),
    "本级财政安排": Spellings(("本级财政安排",), (
        "本级资金", "本级财政资金", "本级财政拨款", "本级安排", "本级财政", "本级财政补助", "本级财政安排资金", "本级拨款",
    )),
    "一般公共预算资金": Spellings(("一般公共预算资金",), (
        "一般公共预算", "一般公共预算拨款", "一般公共预算财政拨款", "公共财政预算",
    )),
    "政府性基金": Spellings(("政府性基金",), (
        "政府性基金预算", "政府性基金预算资金", "政府性基金预算拨款", "政府性基金拨款", "政府性基金资金",
    )),
    "财政专户管理资金": Spellings(("财政专户管理资金",), ("财政专户资金", "财政专户")),
    "国有资本经营预算": Spellings((), ("国有资本经营预算", "国有资本经营预算资金", "国有资本经营预算拨款")),
    "上年结转资金": Spellings(("上年结转资金", "上年结转"), (
        "结转资金", "上年结转结余", "以前年度结转", "上年结余资金", "结转结余资金",
    )),
    "其他资金": Spellings(("其他资金",), ("其他", "其他来源", "其他来源资金", "其它资金")),
    "自有资金": Spellings(("单位资金",), ("自有资金", "自筹资金", "单位自筹", "单位自筹资金", "单位自有资金", "自筹")),
    "社保基金": Spellings(("社保基金",), ("社会保险基金",)),
    "国有资本金": Spellings(("国有资本金",)),
    "事业收入": Spellings((), ("事业收入", "事业收入资金")),
    "经营收入": Spellings((), ("经营收入",)),
}
BUDGET_FUNDS: dict[str, tuple[str, ...]] = {canon: sp.all for canon, sp in BUDGET_FUND_SPELLINGS.items()}
_FUND_BY_KEY = {label: canon for canon, labels in BUDGET_FUNDS.items() for label in labels}
# What each canonical fund is: the year's total, a generic total row, the treasury's part, a
# part of it (by level or by source), or other money.
BUDGET_FUND_KIND: dict[str, str] = {
    "资金总额": "total", "收入合计": "total", "合计": "generic_total", "财政拨款": "fiscal",
    "上级财政拨款": "fiscal_level", "本级财政安排": "fiscal_level", "一般公共预算资金": "fiscal_source",
    "政府性基金": "fiscal_source", "财政专户管理资金": "fiscal_source", "国有资本经营预算": "fiscal_source",
}
# Words that join a fund to its amount in a sentence (年度预算资金共计…元，其中：…) and are no part of its name.
BUDGET_SENTENCE_LEADS = ("其中", "包括", "包含", "含", "另有", "本项目", "该项目", "本单位", "项目单位", "全年", "本年度")
BUDGET_SENTENCE_LINKS = ("共计", "合计", "总计", "总额为", "为", "计", "达", "约", "是")
# A period that is not the current year's budget: last year, the half year, the medium (or whole implementation)
# term, earlier years, history columns, monthly plans, shares, execution figures.
_NON_CURRENT_RE = re.compile(
    r"半年|上年|以前|往年|中期|实施期|项目期|累计|^20\d{2}年?度?$|月底|月末|\d{1,2}[-—~至]\d{1,2}月|季度|占比|比例|比重|执行数|决算|实际|"
    r"计划支出|计划执行"
)


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def budget_fund_key(text: str | None) -> str:
    """A fund label reduced for lookup: 其中：财政拨款 → 财政拨款; 财政拨款小计 → 财政拨款; 合  计 → 合计."""
    s = fold(text)
    s = re.sub(r"^(其中|含)[:：]?", "", s)
    s = re.sub(r"[（(][^()（）]*[)）]", "", s)
    s = re.sub(r"[:：、,，;；。.]", "", s)
    if s.endswith("小计") and len(s) > 2:
        s = s[:-2]
    return s


def budget_fund(text: str | None) -> str | None:
    """The canonical fund a label names (年度本级预算金额 → 资金总额, 上级资金 → 上级财政拨款), if any."""
    return _FUND_BY_KEY.get(budget_fund_key(text)) if text else None


def split_fund_names(text: str | None) -> list[str] | None:
    """The fund names a cell holds run together (资金总额上级资金 → 资金总额, 上级资金): two
    headings whose columns a reader of an unruled table did not part. None unless the whole
    text is two or more fund names, each printed as the vocabulary knows it."""
    k = budget_fund_key(text) if text else ""
    if len(k) < 4 or budget_fund(k) is not None:
        return None
    best: dict[int, list[str]] = {0: []}
    for i in range(len(k)):
        if i not in best:
            continue
        for j in range(len(k), i + 1, -1):  # the longest name first
            if j not in best and budget_fund(k[i:j]) is not None:
                best[j] = best[i] + [k[i:j]]
    parts = best.get(len(k))
    return parts if parts and len(parts) >= 2 else None


def budget_fund_kind(text: str | None) -> str | None:
    """total / generic_total / fiscal / fiscal_level / fiscal_source / other, or None for no fund."""
    canon = budget_fund(text)
    if canon is None:
        return None
    return BUDGET_FUND_KIND.get(canon, "other")


# A period word in front of a fund's name: 中期资金总额, 年度资金总额, 2024年预算数, 实施期资金总额.
_PERIOD_PREFIX = re.compile(r"^(中期|长期|实施期|项目期|年度|本年度?|当年|上年|全年|半年|20\d{2}年度?|20\d{2}[-—–~至]20\d{2}年)")


def names_period_total(text: str | None) -> bool:
    """A fund total, with or without a period in front of it (中期资金总额, 年度资金总额, 资金总额).

    Two of these side by side in one row of headings are the periods of the columns (中期资金总额 |
    年度资金总额 over 合计 / 其中：财政拨款 / 其他资金 rows), never the parts of one whole: a total
    has no total among its parts."""
    if budget_fund_kind(text) == "total":
        return True
    k = budget_fund_key(text)
    m = _PERIOD_PREFIX.match(k)
    return bool(m) and m.end() < len(k) and budget_fund_kind(k[m.end():]) == "total"


def budget_line_fund(item: str | None, column: str | None) -> tuple[str | None, str | None]:
    """Split a budget line's (item, column) into (the fund it is, the period/heading it is in).

    Rows layouts put the fund in the item and the period in the column (财政拨款 | 全年预算数);
    headed-column layouts put the fund in the column and a period row label, or nothing, in
    the item (年度预算数 | 上级资金, None | 资金总额). A column is the fund when it names one and is
    not itself a heading word (…预算数, …金额), and the item names no fund, or only looks
    like a heading, or is a total while the column is a part of it.
    """
    fi, fc = budget_fund_kind(item), budget_fund_kind(column)
    col_names_fund = fc is not None and not BUDGET_COLUMN_RE.search(key(column))
    item_is_heading = fi is None or bool(BUDGET_COLUMN_RE.search(key(item)))
    if col_names_fund and (item_is_heading or (fi in ("total", "generic_total") and fc not in ("total", "generic_total"))):
        return column, item
    return item, column


def is_current_budget_period(*texts: str | None) -> bool:
    """Whether a line's period (its column or row label, its section) is the current year's budget."""
    return not any(t and _NON_CURRENT_RE.search(key(t)) for t in texts)


_BLOCK_RE = re.compile(r"^(项目|部门|单位|年度|部门整体|部门总体|本年|当年)?(预算|资金|经费)(申请|安排|情况|来源|构成|规模)?$")


# A label wrapped in a narrow cell is often cut inside its unit: 项目资金（万 / 元）. The head keeps
# an unclosed bracket (stripped like a closed one), the tail is a cell of its own (unit_tail).
_UNIT_HEAD = re.compile(r"（[^）]*）$|（(万|亿)?元?$")
_UNIT_TAIL = re.compile(r"(万|亿)?元）")


def unit_tail(text: str | None) -> bool:
    """A cell holding only the end of a wrapped unit bracket (``元）``, ``万元）``)."""
    return bool(_UNIT_TAIL.fullmatch(key(text)))


_GLUED_BLOCK_UNIT = re.compile(r"^(?P<head>.+?)(?P<label>" + "|".join(sorted(BUDGET_BLOCK_LABELS, key=len, reverse=True))
                               + r")[(（](?P<unit>万元|元|亿元)[)）]$")


def glued_block_label(text: str | None) -> tuple[str, str, str] | None:
    """(the fund name, the block label, the unit) of a fund label glued to its block's label:
    其中：一般公共预算资金情况（元）.

    A block label merged down the rows (资金情况（元）) is drawn centred on the block, on the
    line of one fund; a reader that joins a row's text lines glues the two."""
    m = _GLUED_BLOCK_UNIT.match(re.sub(r"\s+", "", fold(text or "")))
    if m is None or budget_fund(re.sub(r"^其中[:：]?", "", m.group("head"))) is None:
        return None  # 年度资金情况（万元） is one block label, not 年度 glued to 资金情况
    return m.group("head"), m.group("label"), m.group("unit")


_LABELS_BY_LENGTH = "|".join(sorted({*BUDGET_BLOCK_LABELS, *BUDGET_SECTIONS}, key=len, reverse=True))
_UNIT_OPENED_LABEL = re.compile(rf"^(?P<label>{_LABELS_BY_LENGTH})[(（](?P<unit>万|亿)?(?P<rest>[^()（）元]{{2,}}?)元[)）]$")


def label_in_open_unit(text: str | None) -> tuple[str, str, str] | None:
    """(label, unit, neighbour) of a block or section label wrapped inside its unit and glued to
    the cell beside it: ``上年预算（万`` + ``实际支出数`` + ``元）`` read as one cell's text.

    A label printed with its unit wraps in a narrow cell (``上年预算（万`` / ``元）``); where no
    rule or gap parts it from the next column, the next cell's text lands between the two
    pieces. The neighbour is what stands between the opened bracket and its close."""
    m = _UNIT_OPENED_LABEL.match(re.sub(r"\s+", "", fold(text or "")))
    if m is None or budget_fund(m.group("rest")) is None and not BUDGET_ITEM_HINT_RE.search(m.group("rest")):
        return None  # 项目资金（财政拨款部分）: a label's own note, not a neighbour's name
    return m.group("label"), (m.group("unit") or "") + "元", m.group("rest")


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def is_budget_block_label(text: str | None) -> bool:
    """The label of a funding block: 项目资金（万元）, 部门预算资金, 年度预算申请, 资金情况 …"""
    k = _UNIT_HEAD.sub("", key(text))
    if len(k) > 16:
        return False
    return any(k.startswith(lbl) for lbl in BUDGET_BLOCK_LABELS) or bool(_BLOCK_RE.match(k)) or k.endswith("预算申请")


def budget_block_name(text: str | None) -> str:
    """The block label as a section name: 部门预算资金（万元） → 部门预算资金, a wrapped 项目资金（万 → 项目资金."""
    return _UNIT_HEAD.sub("", key(text))


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def budget_section(text: str | None) -> str | None:
    k = key(text)
    k = _UNIT_HEAD.sub("", k)
    return k if k in BUDGET_SECTIONS else None


def task_list_heading(text: str | None) -> str | None:
    """The task-list section a heading cell opens: a task column heading (任务名称, 工作内容) or the
    section's name heading the task-name column (年度主要任务名称)."""
    k = _UNIT_HEAD.sub("", key(text))
    if k in BUDGET_TASK_HEADINGS:
        return BUDGET_TASK_SECTIONS[0]
    return next((s for s in BUDGET_TASK_SECTIONS if k.startswith(s) and k[len(s):] in ("名称", "内容")), None)


def task_list_name_heading(text: str | None) -> bool:
    """The heading of a task list's name column (任务名称, 年度主要任务名称): it opens the list."""
    k = _UNIT_HEAD.sub("", key(text))
    return k == BUDGET_TASK_HEADINGS[0] or any(k == s + "名称" for s in BUDGET_TASK_SECTIONS)


def is_budget_column(text: str | None) -> bool:
    k = key(text)
    return bool(k) and len(k) <= 14 and bool(BUDGET_COLUMN_RE.search(k)) and not BUDGET_ITEM_HINT_RE.search(k)


# ---------------------------------------------------------------------------------------
# Value-like content, used to place cells of rows whose columns drifted
# Qualitative targets (健全, 显著提升, 按期完成 …): what a value cell holds instead of a number. Two
# readers use them: the extractors place cells of drifted rows by them (QUALITATIVE_VALUES), and
# the value grammar calls a target of one of them qualitative (QUALITATIVE_TARGETS, with a
# suffix rule of its own in reconcile.grammar). The words both know are written once.
_QUALITATIVE_COMMON = _words("""
    健全 规范 合规 完全合规 合理 明确 科学 充分 有效 及时 公开 完善 完成 达标 优良 较高 高 较好 良好 好 较显著 显著 明显
    作用明显 影响程度明显 效果明显 效果良好 经济效益良好 有序推进 稳步推进 稳步提高 不断提升 有效提升 成效显著 提升 促进
    显著改善 改善 持续保障 影响可持续 长期 应保尽保 是 否 无 序时进度 按月安排 控制在预算内 高中低 完全相符 相符 合格 按时
    准确 安全 稳定 正常 满意 基本满意 逐步提升 持续提升 明显提升 提高 保障 达到 达到预期 全覆盖 按期 按期完成 符合 符合要求
    降低 减少 充足 不超预算
""")
QUALITATIVE_VALUES = frozenset(_QUALITATIVE_COMMON + _words("大幅提升 有所提高 增长 稳定增长"))
QUALITATIVE_TARGETS = frozenset(_QUALITATIVE_COMMON + _words("""
    基本合规 优秀 中 低 较明显 效果显著 稳步提升 稳步增长 显著提升 明显改善 持续改善 可持续 长期有效 持续 有 按序时进度
    按季安排 基本相符 较满意 达到预期目标 部分达到预期目标 未达到预期目标 按时完成 全部完成 规范有序 有序 健全完善 完整
    达到要求 增强 增加 加强 扩大 下降 优化 积极 良好运转 正常运行 运行正常 全年 全年运行 逐年提升 得到提升 持续推进
"""))
BASIS_SPELLINGS = Spellings(
    _words("计划标准 行业标准 历史标准 其他标准"),
    _words("预算支出标准 财政部门认可的其他标准 工作计划 工作经验 工作要求 制度及协议 年度计划 历史数据 行业数据"),
)
BASIS_VALUES = frozenset(BASIS_SPELLINGS.all)
# The 指标分类 column's closed vocabulary as the templates print it. Ordered: reconcile's
# near-miss check (reconcile/header.py) takes the first closest term, so 绩效基本型 wins ties.
CATEGORY_TERMS = _words("绩效基本型 绩效创新型 绩效创新性 正向指标 反向指标 定性指标 定量指标 定性 定量 共性指标 个性指标 "
                        "核心指标 非核心指标 正向 反向")
# 定性 / 定量 say how a value is written, not what kind of indicator it is: printed in the same
# column, but never a category.
VALUE_KIND_WORDS = frozenset("定量 定性 定量指标 定性指标".split())
CATEGORY_VALUES = frozenset(CATEGORY_TERMS) - VALUE_KIND_WORDS
OPERATOR_WORDS = {
    "≥": "≥", "≤": "≤", "=": "=", ">": ">", "<": "<", "大于等于": "≥", "小于等于": "≤", "等于": "=", "大于": ">",
    "小于": "<", "不低于": "≥", "不高于": "≤", "不少于": "≥", "不超过": "≤", "≧": "≥", "≦": "≤", ">=": "≥", "<=": "≤",
}


def operator_in_cell(text: str | None) -> str | None:
    """The operator an operator-column cell holds, also when OCR mangled it.

    OCR reads a lone symbol twice (``≥≥``) or joins it with a neighbour's character (``号==``
    from a header cell above); when every symbol in the cell is the same operator, that is
    the reading. Two different symbols (``≥≤``) say nothing.
    """
    k = key(text)
    if k in OPERATOR_WORDS:
        return OPERATOR_WORDS[k]
    if (text or "").strip().upper() == "VI":  # a small ≤ read as letters
        return "≤"
    symbols = {OPERATOR_WORDS[ch] for ch in re.findall(r"[≥≤=><≧≦]", k)}
    return symbols.pop() if len(symbols) == 1 else None


# ---------------------------------------------------------------------------------------
# Text a form carries that the extraction format has no field for (the coverage check,
# ``jixiao.extract.coverage``, counts it as read on purpose, never as lost)

# Labels of fields the format does not carry; the value next to such a label is skipped too.
UNEXTRACTED_SPELLINGS = Spellings(_words("""
    项目负责人 联系电话 联系人 填报人 项目属性 项目类型 项目级次 项目期 起止时间 开始时间 完成时间 部门职能概述
    部门职能分解 单位主要职能 机构设置及人员配置 所属部门领域 直属部门包括 内设职能部门 编制控制数 在职人员总数
    行政编制人数 事业编制人数 编外人数 其他需要说明的事项 任务名称
"""), _words("""
    项目负责人/联系电话 负责人 联系方式 项目联系人 单位负责人 财务负责人 部门负责人
    项目类别 项目周期 实施期限 实施周期 项目期限
    实施可行性 项目实施内容 项目内容 项目概况 立项依据 项目立项依据 实施方案 项目编码 项目编号 编码 代码 单位编码
    填表人 审核人 填报日期 填表日期 日期 备注 序号 编号 单位代码 预算年度 项目代码 功能分类 经济分类 科目编码
    机构设置 人员配置 人员编制 实有人数
    下属单位 是否为一级预算主管部门 近三年单位职能是否发生过重大变化
    依据（三定方案批文号） 年度主要任务名称 对应年度绩效目标
    项目起止时间 项目开始时间 项目结束时间 部门职能 部门主要职能 单位职能
"""))
UNEXTRACTED_LABELS = frozenset(UNEXTRACTED_SPELLINGS.all)
# Labels of descriptive text the format has no field for (单位主要职能, 部门职能概述, 资金用途,
# 年度工作任务 …): whatever is not an amount beside or under them is description.
DESCRIPTIVE_LABEL_RE = re.compile(
    r"(用途|职能|概况|概述|简述|情况说明|需要说明的事项|实施内容|主要内容|工作内容|项目内容|实施计划|工作任务|主要任务|"
    r"任务名称|立项依据|保障措施|职能分解|分解)$"
)
# Descriptive labels DESCRIPTIVE_LABEL_RE reads, as the templates print them (snap targets of OCR repair).
DESCRIPTIVE_LABELS = ("主要内容", "部门职能简述", "具体实施计划")
_RUN_ON_LABELS = frozenset(x for x in UNEXTRACTED_LABELS if len(x) >= 3 and not any(
    x in labels for _r, labels in ROLE_HEADERS))
UNEXTRACTED_LABEL_RE = re.compile(
    r"^(" + "|".join(sorted(map(re.escape, UNEXTRACTED_LABELS), key=len, reverse=True)) + r")[:：]"
)
# Lines around and inside a form that are never content: units, page numbers, signatures
# and dates, notes, and the chrome of web pages and PDF viewers.
CHROME_RE = re.compile(
    r"^(单位[:：]?(万元|元|亿元)|[（(]?(万元|元|亿元)[)）]?|金额单位[:：].*|"
    r"第\d+页(/?共\d+页)?|共\d+页(第\d+页)?|[-—]\d+[-—]|\d+/\d+|page\d+(of\d+)?|"
    r"(填报|填表|审核|制表|编制|复核)(人|日期|单位)?[:：].*|(单位|部门|财务|项目)?负责人[:：].*|联系(人|电话)[:：].*|"
    r"(日期|时间)[:：].*|(\d{4}年)?\d{1,2}月\d{1,2}日|\d{4}[-./]\d{1,2}[-./]\d{1,2}|"
    r"(单位|部门)?[（(]?盖章[)）]?.*|(注|备注|说明)\d*[:：].*|注[:：]?\d*[、.．].*|"
    r"(发布时间|发布日期|成文日期|来源|字号|浏览次数|点击数|分享到|当前位置|打印|关闭|关闭窗口|扫一扫|索引号|发文机关|"
    r"发文字号|主题分类|公开方式|公开范围|有效性).*|【?(打印|关闭)(本页|窗口)?】?|(【[^】]{1,8}】)+)$",
    re.I,
)
PLACEHOLDER_RE = re.compile(r"^([/\\\-—–_…·.。、]+|无|空|略|—+|－+)$")
SERIAL_RE = re.compile(r"^([（(]?[一二三四五六七八九十]{1,3}[)）、.．]?|[（(]?\d{1,3}[)）、.．]?|[①-⑳])$")


def is_unextracted_label(text: str | None) -> bool:
    """A label of a field the format has no place for (项目负责人, 项目类型, 填报人 …), alone or with its value."""
    k = key(text)
    return k in UNEXTRACTED_LABELS or bool(UNEXTRACTED_LABEL_RE.match(fold(text or "")))


@lru_cache(maxsize=16384)  # a pure function of the text, asked of every cell
def is_descriptive_label(text: str | None) -> bool:
    """A short label over description the format does not carry (单位主要职能, 预算规模及资金用途, 年度工作任务)."""
    k = re.sub(r"（[^）]*）$", "", key(text))
    return 2 <= len(k) <= 20 and (k in UNEXTRACTED_LABELS or bool(DESCRIPTIVE_LABEL_RE.search(k)))


def is_chrome(text: str | None) -> bool:
    """Units, page numbers, signature and date lines, notes, web-page chrome: never form content.
    The one chrome test for coverage; ``is_chrome_line`` (the web-page part, which the stream reader drops
    before reading since a unit line there still sets the form's unit) is part of it."""
    k = fold(text or "")
    return bool(k) and (bool(CHROME_RE.match(k)) or bool(PLACEHOLDER_RE.match(k)) or is_chrome_line(text))


# ---------------------------------------------------------------------------------------
# The words OCR repair snaps to (``domain.repair.load_lexicon``): each table's printed spellings


def lexicon_header_words() -> list[str]:
    """Headings of indicator and budget tables as printed: column roles, lead cells, funds,
    budget headings, the basis standards. Deduplicated, in table order."""
    groups = (
        *(sp.printed for _r, sp in ROLE_SPELLINGS), LEAD_LABELS,
        *(sp.printed for sp in BUDGET_FUND_SPELLINGS.values()), BUDGET_HEADINGS, BASIS_SPELLINGS.printed,
    )
    return list(dict.fromkeys(w for g in groups for w in g))


def lexicon_field_words() -> list[str]:
    """Labels of the form's key/value cells as printed: header fields, goals, fields the format
    does not carry, descriptive labels, budget sections. Deduplicated, in table order."""
    groups = (
        *(sp.printed for sp in HEADER_SPELLINGS.values()), *(sp.printed for sp in GOAL_SPELLINGS.values()),
        GENERIC_GOAL_LABELS, UNEXTRACTED_SPELLINGS.printed, DESCRIPTIVE_LABELS, BUDGET_SECTION_SPELLINGS.printed,
    )
    return list(dict.fromkeys(w for g in groups for w in g))


# ---------------------------------------------------------------------------------------
# Web-page chrome: what a browser copy of a government page puts around a form.
# A line matching one of these is never form content (a form cell never starts "发布时间：").
CHROME_LINE_RE = re.compile(
    r"^\s*(?:"
    r"(?:发布|更新|印发|成文)(?:时间|日期)\s*[:：]|(?:信息|文章|稿件)?来源\s*[:：]|作者\s*[:：]|(?:责任)?编辑\s*[:：]|"
    r"(?:浏览|阅读|点击|访问)(?:次数|量|数)?\s*[:：]|字号\s*[:：]?|字体\s*[:：]|索引号\s*[:：]|文号\s*[:：]|"
    r"(?:当前|您的|您现在的|所在)位置\s*[:：]?|首页\s*[>＞»/]|分享到|扫一扫|用手机|在手机(?:上)?打开|"
    r"上一篇|下一篇|相关(?:链接|文章|阅读|附件)|网站地图|联系我们|版权所有|(?:主办|承办|协办)(?:单位)?\s*[:：]|"
    r"技术支持\s*[:：]|.*ICP备|.*公网安备|.*网站标识码|"
    r"(?i:.*copyright\b|.*©|.*\ball\s+rights\s+reserved)|"  # a page footer's copyright line
    r"(?:建议|推荐|请)(?:您)?(?:使用|采用|用).{0,30}(?:分辨率|浏览器)"  # 建议使用1366×768分辨率浏览
    r")"
)
CHROME_WORDS = frozenset(
    "打印 打印本页 打印此页 关闭 关闭窗口 关闭本页 返回顶部 返回 收藏 分享 大 中 小 默认 【 】 [ ] 字号 "
    "大中小 微信 微博 QQ空间 二维码 纠错 我要纠错 无障碍 长者模式 English 登录 注册 搜索 "
    "使用帮助 网站声明 隐私声明 免责声明".split()
)
_CHROME_SPLIT = re.compile(r"[\s|｜/·•【】\[\]()（）]+")


def is_chrome_line(text: str | None) -> bool:
    """A line of web-page chrome: 发布时间, 字号 大 中 小, 打印 关闭, 扫一扫, a breadcrumb (首页 > …)."""
    t = (text or "").strip()
    if not t:
        return False
    if CHROME_LINE_RE.match(t):
        return True
    if len(re.findall(r"[>＞»](?!\s*[=\d.])", t)) >= 2 and len(t) <= 80:  # breadcrumb: 首页 > 政务公开 > 预决算 (not >95%)
        return True
    words = [w for w in _CHROME_SPLIT.split(t) if w]
    return bool(words) and all(w in CHROME_WORDS for w in words) and not (len(words) == 1 and len(words[0]) == 1)
