"""The indicator frameworks (指标体系) as data, and name normalization against them.

Why this exists: L1/L2 cells are merged vertically in almost every form, so an export or an
OCR pass regularly loses them or fills them down into the wrong block (seed 000's 预算执行
rows end up under 决策). The frameworks are closed vocabularies — unlike L3, which is free
text — so they let the reconciler (a) name each L1/L2 canonically whatever local spelling
the form uses and (b) restore a lost or inconsistent L1 when the L2 pins it down.

Frameworks covered:

* ``project_classic`` — 产出 (数量/质量/时效/成本), 效益 (经济/社会/生态/可持续影响), 满意度;
* ``project_2021`` — 财预〔2021〕101号: 成本指标 as its own L1 (经济/社会/生态环境成本);
* ``evaluation_2020`` — 财预〔2020〕10号: 决策 / 过程 / 产出 / 效益 (Suzhou puts these in the
  target table itself);
* ``evaluation_2013_project`` / ``evaluation_2013_department`` — 财预〔2013〕53号: 投入 / 过程 /
  产出 / 效果;
* ``suzhou_project`` — Suzhou 项目 (seed 002): the 10号 决策 / 过程 rows, then 产出 / 效益 / 满意度;
* ``suzhou_department`` — Suzhou 部门整体: 决策 / 过程 / 履职 / 效益 / 满意度;
* ``hubei_department`` — Hubei 部门整体: 运行成本 / 管理效率 / 履职效能 / 社会效应 /
  可持续发展能力 / 满意度.

Name normalization accepts the observed variants: 效果指标 ≈ 效益指标, the suffix 指标 dropped
or added, 满意度 as an L2 under 效益, 成本 at L1 (2021) or L2 (classic), 环境效益 ≈ 生态效益,
annotations such as ``(必填硬性指标)`` or ``(0-20)分`` stripped, spaces and line breaks, a
leading ``*`` or ``一、``, a trailing colon, the Japanese 満 and a few traditional characters.

Canonical names: L1s carry the suffix 指标 where the national project framework does
(产出指标, 效益指标, 满意度指标, 成本指标) — so 产出 and 产出指标 are one L1 — while the
evaluation and provincial L1s are written bare (决策, 过程, 运行成本 …). L2s likewise
(数量指标, 经济效益指标 … but 项目立项, 预算执行 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jixiao.domain.values import fold

# ---------------------------------------------------------------------------------------
# The frameworks

_EFFECT_L2 = ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")
_SATISFACTION_L2 = ("服务对象满意度指标",)


@dataclass(frozen=True)
class Framework:
    """One indicator framework: its L1s in printed order, each with its L2s.

    An empty L2 tuple means the L1 is *open*: its L2s are department-specific (Suzhou
    履职's functional areas, Hubei 履职效能's 核心业务产出1, 2, …).
    """

    key: str
    title: str
    levels: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def level1s(self) -> tuple[str, ...]:
        return tuple(l1 for l1, _ in self.levels)

    def level2s(self, level1: str) -> tuple[str, ...] | None:
        """The L2s of ``level1`` in this framework (``()`` when open), None if absent."""
        for l1, l2s in self.levels:
            if l1 == level1:
                return l2s
        return None


FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        "project_classic",
        "项目支出绩效目标 (2015–): 产出 / 效益 / 满意度",
        (
            # 经济/社会/生态环境成本 under 产出: mixed old/new forms (Sichuan self-evaluation).
            ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标",
                          "经济成本指标", "社会成本指标", "生态环境成本指标")),
            # 满意度 as an L2 of 效益 is a documented local variant (社会公众或服务对象满意度指标).
            ("效益指标", _EFFECT_L2 + ("综合效益指标",) + _SATISFACTION_L2),
            ("满意度指标", _SATISFACTION_L2),
        ),
    ),
    Framework(
        "project_2021",
        "财预〔2021〕101号: 成本 / 产出 / 效益 / 满意度",
        (
            ("成本指标", ("经济成本指标", "社会成本指标", "生态环境成本指标")),
            ("产出指标", ("数量指标", "质量指标", "时效指标")),
            ("效益指标", _EFFECT_L2),
            ("满意度指标", _SATISFACTION_L2),
        ),
    ),
    Framework(
        "evaluation_2020",
        "财预〔2020〕10号 项目支出绩效评价: 决策 / 过程 / 产出 / 效益",
        (
            ("决策", ("项目立项", "绩效目标", "资金投入")),
            ("过程", ("资金管理", "组织实施")),
            ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
            ("效益指标", ("项目效益", "实施效益") + _EFFECT_L2 + _SATISFACTION_L2),
        ),
    ),
    Framework(
        "suzhou_project",
        "苏州 项目: 决策 / 过程 (10号) + 产出 / 效益 / 满意度",
        (
            ("决策", ("项目立项", "绩效目标", "资金投入")),
            ("过程", ("资金管理", "组织实施")),
            ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
            ("效益指标", _EFFECT_L2),
            ("满意度指标", _SATISFACTION_L2),
        ),
    ),
    Framework(
        "evaluation_2013_project",
        "财预〔2013〕53号 项目: 投入 / 过程 / 产出 / 效果",
        (
            ("投入", ("项目立项", "资金落实")),
            ("过程", ("业务管理", "财务管理")),
            ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
            ("效益指标", _EFFECT_L2 + _SATISFACTION_L2),
        ),
    ),
    Framework(
        "evaluation_2013_department",
        "财预〔2013〕53号 部门整体: 投入 / 过程 / 产出 / 效果",
        (
            ("投入", ("目标设定", "预算配置")),
            ("过程", ("预算执行", "预算管理", "资产管理")),
            ("产出指标", ("职责履行",)),
            ("效益指标", ("履职效益",) + _EFFECT_L2 + _SATISFACTION_L2),
        ),
    ),
    Framework(
        "suzhou_department",
        "苏州 部门整体: 决策 / 过程 / 履职 / 效益 / 满意度",
        (
            ("决策", ("计划制定", "目标设定", "预算编制")),
            ("过程", ("预算执行", "预算管理", "资产管理", "项目管理", "人员管理", "机构建设")),
            ("履职", ()),
            ("效益指标", _EFFECT_L2),
            ("满意度指标", _SATISFACTION_L2),
        ),
    ),
    Framework(
        "hubei_department",
        "湖北 部门整体: 运行成本 / 管理效率 / 履职效能 / 社会效应 / 可持续发展能力 / 满意度",
        (
            ("运行成本", ("公用经费控制", "在职人员控制", "项目支出成本控制")),
            ("管理效率", ("战略管理", "预算编制", "预算执行", "绩效管理", "资产管理", "财务管理")),
            ("履职效能", ()),
            ("社会效应", ("经济效益指标", "社会效益指标", "生态效益指标")),
            ("可持续发展能力", ("体制机制改革", "人才支撑", "科技支撑")),
            ("满意度指标", ("服务对象满意度指标", "联系部门满意度")),
        ),
    ),
)

@dataclass(frozen=True)
class PrintedOrder:
    """How forms print one framework's names, in printed order: the spellings OCR repair snaps
    to and the order that restores an unreadable L2 cell from its neighbours (repair.py).

    Not a second framework: every name here must canonicalise (``canonical_level1`` /
    ``canonical_level2``) to a name of ``framework`` — tests/unit/domain/test_framework_once.py.
    ``variant``: an observed local variant, consulted only when no main order fits.
    """

    framework: str
    levels: tuple[tuple[str, tuple[str, ...]], ...]
    variant: bool = False


PRINTED_ORDERS: tuple[PrintedOrder, ...] = (
    PrintedOrder("project_classic", (  # most local project forms since 2015 (成本 still an output dimension)
        ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )),
    PrintedOrder("project_classic", (  # observed local variants of the classic set
        ("效果指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("预期产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "环境效益指标", "可持续影响指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续性发展影响指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标",
                      "社会公众或服务对象满意度指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标",
                      "服务对象或受益者满意度指标")),
        ("满意度指标", ("满意度指标",)),
    ), variant=True),
    PrintedOrder("project_2021", (  # 财预〔2021〕101号: 成本指标 its own L1, listed first
        ("成本指标", ("经济成本指标", "社会成本指标", "生态环境成本指标")),
        ("产出指标", ("数量指标", "质量指标", "时效指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )),
    PrintedOrder("evaluation_2020", (  # 财预〔2020〕10号 as Suzhou prints it in target tables
        ("决策", ("项目立项", "绩效目标", "资金投入")),
        ("过程", ("资金管理", "组织实施")),
        ("产出", ("产出数量", "产出质量", "产出时效", "产出成本")),
        ("效益", ("项目效益", "实施效益", "满意度")),
    )),
    PrintedOrder("evaluation_2013_project", (
        ("投入", ("项目立项", "资金落实")),
        ("过程", ("业务管理", "财务管理")),
        ("效果", ("经济效益", "社会效益", "生态效益", "可持续影响", "社会公众或服务对象满意度")),
    )),
    PrintedOrder("evaluation_2013_department", (
        ("投入", ("目标设定", "预算配置")),
        ("过程", ("预算执行", "预算管理", "资产管理")),
        ("产出", ("职责履行",)),
        ("效果", ("履职效益",)),
    )),
    PrintedOrder("suzhou_department", (
        ("决策", ("计划制定", "目标设定", "预算编制")),
        ("过程", ("预算执行", "预算管理", "资产管理", "项目管理", "人员管理", "机构建设")),
        ("履职", ()),
        ("效益指标", ("经济效益", "社会效益", "生态效益", "可持续影响")),
        ("满意度指标", ("服务对象满意度",)),
    )),
    PrintedOrder("hubei_department", (
        ("运行成本", ("公用经费控制", "在职人员控制", "项目支出成本控制")),
        ("管理效率", ("战略管理", "预算编制", "预算执行", "绩效管理", "资产管理", "财务管理")),
        ("履职效能", ()),
        ("社会效应", ("经济效益", "社会效益", "生态效益")),
        ("可持续发展能力", ("体制机制改革", "人才支撑", "科技支撑")),
        ("满意度", ("服务对象满意度", "联系部门满意度")),
    )),
)

# Variant spellings, as normalization keys (see ``name_key``), → canonical name.
_LEVEL1_ALIASES: dict[str, tuple[str, ...]] = {
    "产出指标": ("产出", "预期产出", "产出目标"),
    "效益指标": ("效益", "效果", "预期效益", "预期效果", "效益目标"),
    "满意度指标": ("满意度",),
    "成本指标": ("成本",),
    "决策": ("决策",),
    "过程": ("过程",),
    "投入": ("投入",),
    "履职": ("履职",),
    "运行成本": ("运行成本",),
    "管理效率": ("管理效率",),
    "履职效能": ("履职效能",),
    "社会效应": ("社会效应",),
    "可持续发展能力": ("可持续发展能力",),
}

_LEVEL2_ALIASES: dict[str, tuple[str, ...]] = {
    "数量指标": ("数量", "产出数量"),
    "质量指标": ("质量", "产出质量"),
    "时效指标": ("时效", "时效性", "产出时效"),
    "成本指标": ("成本", "产出成本"),
    "经济成本指标": ("经济成本",),
    "社会成本指标": ("社会成本",),
    "生态环境成本指标": ("生态环境成本", "环境成本", "生态成本"),
    "经济效益指标": ("经济效益",),
    "社会效益指标": ("社会效益",),
    "生态效益指标": ("生态效益", "环境效益", "生态环境效益", "生态文明效益"),
    "可持续影响指标": ("可持续影响", "可持续性影响", "可持续发展影响", "可持续性发展影响"),
    "综合效益指标": ("社会经济生态效益", "经济社会生态效益", "社会经济效益", "经济社会效益"),
    "服务对象满意度指标": (
        "服务对象满意度", "满意度", "社会公众或服务对象满意度", "服务对象或受益者满意度",
        "社会公众满意度", "公众满意度", "受益对象满意度", "受益群众满意度",
    ),
    "联系部门满意度": ("联系部门满意度",),
    "项目立项": ("项目立项",),
    "绩效目标": ("绩效目标",),
    "资金投入": ("资金投入",),
    "资金管理": ("资金管理",),
    "组织实施": ("组织实施",),
    "项目效益": ("项目效益",),
    "实施效益": ("实施效益",),
    "资金落实": ("资金落实",),
    "业务管理": ("业务管理",),
    "财务管理": ("财务管理",),
    "目标设定": ("目标设定",),
    "预算配置": ("预算配置",),
    "预算执行": ("预算执行",),
    "预算管理": ("预算管理",),
    "资产管理": ("资产管理",),
    "职责履行": ("职责履行",),
    "履职效益": ("履职效益",),
    "计划制定": ("计划制定", "计划制订"),
    "预算编制": ("预算编制",),
    "项目管理": ("项目管理",),
    "人员管理": ("人员管理",),
    "机构建设": ("机构建设",),
    "公用经费控制": ("公用经费控制",),
    "在职人员控制": ("在职人员控制",),
    "项目支出成本控制": ("项目支出成本控制",),
    "战略管理": ("战略管理",),
    "绩效管理": ("绩效管理",),
    "体制机制改革": ("体制机制改革",),
    "人才支撑": ("人才支撑",),
    "科技支撑": ("科技支撑",),
}

# Open L1s accept any L2; Hubei's 核心业务产出N is still recognised as a name.
_OPEN_L2_PATTERNS = (re.compile(r"^核心业务产出\d*$"),)

# ---------------------------------------------------------------------------------------
# Normalization

# Japanese / traditional forms seen in OCR output and traditional-character transcodes.
_CHAR_FOLD = str.maketrans({
    "満": "满", "滿": "满", "標": "标", "會": "会", "質": "质", "數": "数", "時": "时",
    "濟": "济", "態": "态", "續": "续", "響": "响", "務": "务", "對": "对", "產": "产",
    "應": "应", "績": "绩", "環": "环", "費": "费", "資": "资", "預": "预", "執": "执",
    "項": "项", "決": "决", "過": "过", "實": "实", "設": "设", "計": "计", "劃": "划",
    "織": "织", "經": "经", "開": "开", "職": "职", "門": "门", "發": "发", "當": "当",
    "體": "体", "機": "机", "學": "学", "國": "国", "長": "长", "員": "员", "協": "协",
    "規": "规", "範": "范", "確": "确", "據": "据", "線": "线", "運": "运", "動": "动",
})
_NUMBERING = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[)）、.．]|\d+[)）、.．])")
_PAREN = re.compile(r"[（(【\[][^()（）【】\[\]]*[)）】\]]分?")
_PUNCT = re.compile(r"[*＊:：、，,；;。.．·\-—_/\\'\"“”‘’]")


@lru_cache(maxsize=16384)
def name_key(name: str | None) -> str:
    """The comparison key of an L1/L2 name: folded, annotations and the suffix 指标 removed
    (remembered: a pure function of the name, asked for every indicator by several checks).

    ``"数量指标 (必填硬性指标)"`` → ``数量``; ``"效益指标:"`` → ``效益``;
    ``"成本指标(0-20)分"`` → ``成本``; ``" 満意度指标"`` → ``满意度``.
    """
    s = fold(name).translate(_CHAR_FOLD)
    s = _NUMBERING.sub("", s)
    prev = None
    while prev != s:  # nested or repeated annotations
        prev = s
        s = _PAREN.sub("", s)
    s = _PUNCT.sub("", s)
    while s.endswith("指标") and len(s) > 3:
        s = s[:-2]
    if s == "指标":
        return ""
    return s


def _build_index(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, variants in aliases.items():
        for v in (canonical, *variants):
            k = name_key(v)
            if k in index and index[k] != canonical:
                raise ValueError(f"framework.py: alias {v!r} maps to both {index[k]} and {canonical}")
            index[k] = canonical
    return index


_L1_INDEX = _build_index(_LEVEL1_ALIASES)
_L2_INDEX = _build_index(_LEVEL2_ALIASES)


def _check_tables() -> None:
    """Every name used in FRAMEWORKS must be a canonical name of the alias tables."""
    for fw in FRAMEWORKS:
        for l1, l2s in fw.levels:
            if l1 not in _LEVEL1_ALIASES:
                raise ValueError(f"framework.py: {fw.key}: L1 {l1!r} has no alias entry")
            for l2 in l2s:
                if l2 not in _LEVEL2_ALIASES:
                    raise ValueError(f"framework.py: {fw.key}: L2 {l2!r} has no alias entry")


_check_tables()


# ---------------------------------------------------------------------------------------
# Public API


def canonical_level1(name: str | None) -> str | None:
    """The canonical L1 for a printed L1 name, None if it is no framework's L1.

    >>> canonical_level1("效果\\n指标")
    '效益指标'
    """
    k = name_key(name)
    return _L1_INDEX.get(k) if k else None


def is_open_level1(level1: str | None) -> bool:
    """True when the L1's L2s are department-specific (履职, 履职效能)."""
    c = canonical_level1(level1)
    if c is None:
        return False
    return any(fw.level2s(c) == () for fw in FRAMEWORKS)


def canonical_level2(name: str | None, level1: str | None = None) -> str | None:
    """The canonical L2 for a printed L2 name, None if unknown.

    Under an open L1 (履职, 履职效能) any non-empty name is accepted and returned tidied
    (spaces and annotations removed), because those L2s are the department's own areas.
    """
    k = name_key(name)
    if not k:
        return None
    if k in _L2_INDEX:
        return _L2_INDEX[k]
    if any(p.match(k) for p in _OPEN_L2_PATTERNS):
        return k
    if level1 is not None and is_open_level1(level1):
        return k
    return None


@lru_cache(maxsize=None)
def _l1s_of_l2(l2: str) -> tuple[str, ...]:
    out: list[str] = []
    for fw in FRAMEWORKS:
        for l1, l2s in fw.levels:
            if l2 in l2s and l1 not in out:
                out.append(l1)
    return tuple(out)


def level1_for_level2(l2: str | None) -> list[str]:
    """Which canonical L1s the L2 belongs to, across all frameworks (empty when unknown).

    >>> level1_for_level2("预算执行")
    ['过程', '管理效率']
    """
    c = canonical_level2(l2)
    if c is None:
        return []
    if any(p.match(c) for p in _OPEN_L2_PATTERNS):
        return ["履职效能"]
    return list(_l1s_of_l2(c))


def fits(level1: str | None, level2: str | None) -> bool | None:
    """Whether (L1, L2) is a pair some framework allows; None when either is unknown."""
    c1 = canonical_level1(level1)
    if c1 is None:
        return None
    if is_open_level1(c1):
        # an open L1 takes the department's own L2s, not another L1's framework L2
        # (Hubei: 经济效益 belongs to 社会效应, not to 履职效能)
        known = canonical_level2(level2)
        if known is not None and not any(p.match(known) for p in _OPEN_L2_PATTERNS):
            return c1 in level1_for_level2(known)
        return bool(name_key(level2))
    c2 = canonical_level2(level2)
    if c2 is None:
        return None
    return c1 in level1_for_level2(c2)


def known_level1s() -> list[str]:
    """Every canonical L1, in first-seen framework order."""
    out: list[str] = []
    for fw in FRAMEWORKS:
        for l1 in fw.level1s:
            if l1 not in out:
                out.append(l1)
    return out


def known_level2s(level1: str | None = None) -> list[str]:
    """Every canonical L2 (of ``level1`` when given), in first-seen framework order."""
    c1 = canonical_level1(level1) if level1 is not None else None
    out: list[str] = []
    for fw in FRAMEWORKS:
        for l1, l2s in fw.levels:
            if c1 is not None and l1 != c1:
                continue
            for l2 in l2s:
                if l2 not in out:
                    out.append(l2)
    return out


def suffixed_level1s() -> frozenset[str]:
    """The L1s the national project frameworks write with the suffix 指标 (产出指标, 成本指标 …)."""
    return frozenset(l1 for fw in FRAMEWORKS if fw.key.startswith("project_") for l1 in fw.level1s
                     if l1.endswith("指标"))


def frameworks_with(level1s: list[str]) -> list[Framework]:
    """Frameworks containing every given (canonical or printed) L1 name that is known."""
    cs = [c for c in (canonical_level1(n) for n in level1s) if c]
    return [fw for fw in FRAMEWORKS if all(c in fw.level1s for c in cs)]


@dataclass(frozen=True)
class NameMatch:
    """A fuzzy match of a garbled L1/L2 name to a canonical one (a suggestion, not a fix)."""

    canonical: str
    score: float  # 0..100


def _similarity(a: str, b: str) -> float:
    """Share of the garbled key's characters found, in order, in the candidate (×100).

    OCR drops and replaces characters ("卖影响 标" for 可持续影响指标) far more often than it
    adds them, so the longest common subsequence over the *query* length is the signal;
    it is damped for very short queries, which match anything.
    """
    if not a or not b:
        return 0.0
    m, n = len(a), len(b)
    prev = [0] * (n + 1)
    for i in range(m):
        cur = [0] * (n + 1)
        for j in range(n):
            cur[j + 1] = prev[j] + 1 if a[i] == b[j] else max(prev[j + 1], cur[j])
        prev = cur
    lcs = prev[n]
    if lcs < 2:
        return 0.0
    cover_query = lcs / m
    cover_cand = lcs / n
    return 100.0 * (0.7 * cover_query + 0.3 * cover_cand)


def _fuzzy(name: str | None, index: dict[str, str], min_score: float) -> NameMatch | None:
    k = name_key(name)
    if len(k) < 2:
        return None
    scored: dict[str, float] = {}
    for alias, canonical in index.items():
        s = _similarity(k, alias)
        if s > scored.get(canonical, 0.0):
            scored[canonical] = s
    if not scored:
        return None
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    if score < min_score:
        return None
    if len(ranked) > 1 and ranked[1][1] >= score - 5:  # ambiguous: no suggestion
        return None
    return NameMatch(best, round(score, 1))


def match_level1(name: str | None, min_score: float = 65.0) -> NameMatch | None:
    """Exact (score 100) or fuzzy canonical L1 for a possibly garbled name."""
    c = canonical_level1(name)
    if c:
        return NameMatch(c, 100.0)
    return _fuzzy(name, _L1_INDEX, min_score)


def match_level2(name: str | None, level1: str | None = None, min_score: float = 65.0) -> NameMatch | None:
    """Exact (score 100) or fuzzy canonical L2 for a possibly garbled name."""
    c = canonical_level2(name, level1)
    if c:
        return NameMatch(c, 100.0)
    return _fuzzy(name, _L2_INDEX, min_score)


@lru_cache(maxsize=65536)
def leading_level_name(text: str | None, max_len: int = 16) -> tuple[str, str, int] | None:
    """A framework L1/L2 name printed at the start of glued text: ``数量指标培训人次`` → (level2, 数量指标, 4).

    Text copied with no cell separators runs the merged level cells into the indicator name
    (``产出指标数量指标培训覆盖人次≥500人次``). The longest prefix that names a level is taken;
    returns (level, canonical, length of the printed prefix) or None. Callers decide whether a
    bare prefix (``质量`` in ``质量抽检合格率``) is a level or the start of a name.
    """
    s = text or ""
    for n in range(min(len(s), max_len), 1, -1):
        head = s[:n]
        if (c := canonical_level1(head)) is not None:
            return "level1", c, n
        if (c := canonical_level2(head)) is not None:
            return "level2", c, n
    return None


# ---------------------------------------------------------------------------------------
# Completeness: what a form must carry under a framework (used by suggest and review)

_SATISFACTION_L1 = "满意度指标"
_EFFECT_L1 = "效益指标"


def framework_by_key(key: str) -> Framework:
    """The framework named ``key`` (ValueError naming the known keys otherwise)."""
    for fw in FRAMEWORKS:
        if fw.key == key:
            return fw
    raise ValueError(f"unknown framework {key!r}; known: {', '.join(f.key for f in FRAMEWORKS)}")


def required_groups(fw: Framework) -> list[tuple[str, tuple[str, ...]]]:
    """The level2 groups a complete form needs: (L1, alternatives), one alternative suffices.

    Why groups: the framework lists every allowed L2, but the guidance requires only one
    effect L2 (经济/社会/生态/可持续), one cost L2 (the classic 成本指标 or its 2021 split) and
    one satisfaction L2 (also accepted under 效益 as a local variant); every other listed L2
    (数量/质量/时效, 决策/过程 rows) is required on its own. An open L1 (履职) needs any row.
    """
    groups: list[tuple[str, tuple[str, ...]]] = []
    for l1, l2s in fw.levels:
        if not l2s:
            groups.append((l1, ()))
            continue
        cost = tuple(x for x in l2s if "成本" in x)
        sat = tuple(x for x in l2s if x in _SATISFACTION_L2 or "满意度" in x)
        if l1 == _EFFECT_L1:
            effect = tuple(x for x in l2s if x in _EFFECT_L2)
            groups.append((l1, effect))
            continue
        if l1 == _SATISFACTION_L1:
            groups.append((l1, l2s))
            continue
        if cost and len(cost) < len(l2s):
            groups.append((l1, cost))
        elif cost:
            groups.append((l1, cost))
            continue
        for x in l2s:
            if x not in cost and x not in sat:
                groups.append((l1, (x,)))
    return groups


def missing_groups(fw: Framework, pairs: set[tuple[str | None, str | None]]) -> list[tuple[str, tuple[str, ...]]]:
    """The required groups of ``fw`` not covered by the canonical (L1, L2) pairs present.

    A satisfaction L2 counts wherever it sits (under 效益 is a documented variant).
    """
    l2_present = {l2 for _, l2 in pairs if l2}
    l1_present = {l1 for l1, _ in pairs if l1}
    out = []
    for l1, alts in required_groups(fw):
        if not alts:
            if l1 not in l1_present:
                out.append((l1, alts))
        elif not any((l1, a) in pairs or (a in _SATISFACTION_L2 and a in l2_present) for a in alts):
            out.append((l1, alts))
    return out


def detect_framework(pairs: set[tuple[str | None, str | None]], form_type: str = "project") -> Framework:
    """The framework a form's canonical (L1, L2) pairs fit best (fewest missing groups, then order)."""
    l1s = {l1 for l1, _ in pairs if l1}
    def cost(fw: Framework) -> tuple[int, int, int, int]:
        # L1s the framework lacks, then missing groups; a department form may use the project
        # framework (Jiujiang 部门整体), so form type only breaks ties.
        unused = len(set(fw.level1s) - l1s)
        return (len(l1s - set(fw.level1s)), len(missing_groups(fw, pairs)), unused,
                int((form_type == "department") != ("department" in fw.key)))
    return min(FRAMEWORKS, key=cost)
