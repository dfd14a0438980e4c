"""The indicator frameworks as data: canonical names, variants, L2 → L1 membership."""

from __future__ import annotations

import pytest

from jixiao.domain.framework import (
    FRAMEWORKS,
    canonical_level1,
    canonical_level2,
    fits,
    frameworks_with,
    is_open_level1,
    known_level1s,
    known_level2s,
    level1_for_level2,
    match_level1,
    match_level2,
    name_key,
)


@pytest.mark.parametrize(
    "printed, canonical",
    [
        ("产出指标", "产出指标"),
        ("产出", "产出指标"),
        ("产出\n\n指标", "产出指标"),
        ("效果\n指标", "效益指标"),  # seed 001
        ("效果指标", "效益指标"),
        ("效益指标:", "效益指标"),  # seed 004 trailing colon
        (" 満意度指标", "满意度指标"),  # seed 004 Japanese 満
        ("满意度", "满意度指标"),  # Hubei L1
        ("成本指标(0-20)分", "成本指标"),  # Fengjie score range
        ("*产出指标", "产出指标"),
        ("一、产出指标", "产出指标"),
        ("决策", "决策"),
        ("过程", "过程"),
        ("运行\n成本", "运行成本"),
        ("履职", "履职"),
        ("履职效能", "履职效能"),
        ("可持续发展能力", "可持续发展能力"),
    ],
)
def test_canonical_level1_variants(printed: str, canonical: str) -> None:
    assert canonical_level1(printed) == canonical


@pytest.mark.parametrize("name", [None, "", "州尼/又7日7小", "三级指标", "指标", "数量指标"])
def test_canonical_level1_rejects_non_level1(name: str | None) -> None:
    assert canonical_level1(name) is None


@pytest.mark.parametrize(
    "printed, canonical",
    [
        ("数量指标", "数量指标"),
        ("数量", "数量指标"),
        ("数量指标 (必填硬性指标)", "数量指标"),  # Ningxia annotation
        ("经济效益 指标 (选填)", "经济效益指标"),
        ("经济效益", "经济效益指标"),
        ("环境效益指标", "生态效益指标"),
        ("生态文明效益", "生态效益指标"),
        ("可持续影响", "可持续影响指标"),
        ("可持续性发展影响指标", "可持续影响指标"),
        ("社会公众或服务对象满意度指标", "服务对象满意度指标"),
        ("服务对象或受益者满意度指标", "服务对象满意度指标"),
        ("服务对象满意度", "服务对象满意度指标"),
        ("社会、经济、生态效益 指标", "综合效益指标"),
        ("社會成本指標", "社会成本指标"),  # traditional transcode
        ("经济成本指标", "经济成本指标"),
        ("成本指标", "成本指标"),
        ("产出数量", "数量指标"),
        ("预算执行", "预算执行"),
        ("项目立项", "项目立项"),
        ("计划制定", "计划制定"),
        ("公用经费控制", "公用经费控制"),
        ("核心业务产出3", "核心业务产出3"),
    ],
)
def test_canonical_level2_variants(printed: str, canonical: str) -> None:
    assert canonical_level2(printed) == canonical


def test_open_level1_accepts_any_level2() -> None:
    assert canonical_level2("招商服务、投资促进") is None
    assert canonical_level2("招商服务、投资促进", "履职") == "招商服务投资促进"
    assert is_open_level1("履职") and is_open_level1("履职效能")
    assert not is_open_level1("产出指标")
    assert fits("履职", "商务执法辅助") is True


@pytest.mark.parametrize(
    "l2, l1s",
    [
        ("预算执行", ["过程", "管理效率"]),  # Suzhou / 2013 department and Hubei
        ("预算编制", ["决策", "管理效率"]),
        ("数量指标", ["产出指标"]),
        ("成本指标", ["产出指标"]),  # classic: L2 of 产出
        ("经济成本指标", ["产出指标", "成本指标"]),  # 2021 style, plus mixed forms
        ("经济效益", ["效益指标", "社会效应"]),  # classic and Hubei
        ("服务对象满意度", ["效益指标", "满意度指标"]),  # 满意度 under 效益 is a variant
        ("项目立项", ["决策", "投入"]),
        ("资金管理", ["过程"]),
        ("机构建设", ["过程"]),
        ("人才支撑", ["可持续发展能力"]),
        ("核心业务产出1", ["履职效能"]),
        ("不存在的名字", []),
    ],
)
def test_level1_for_level2(l2: str, l1s: list[str]) -> None:
    assert level1_for_level2(l2) == l1s


def test_fits() -> None:
    assert fits("过程", "预算执行") is True
    assert fits("决策", "预算执行") is False
    assert fits("效果指标", "环境效益指标") is True
    assert fits("产出", "经济效益") is False
    assert fits("??", "数量指标") is None
    assert fits("履职效能", "核心业务产出2") is True
    assert fits("履职效能", "经济效益") is False  # Hubei: 经济效益 belongs to 社会效应
    assert fits("产出指标", "??") is None


def test_known_lists_cover_every_framework() -> None:
    l1s = known_level1s()
    assert {"产出指标", "效益指标", "满意度指标", "成本指标", "决策", "过程", "履职", "运行成本", "管理效率",
            "履职效能", "社会效应", "可持续发展能力"} <= set(l1s)
    assert len(l1s) == len(set(l1s))
    l2s = known_level2s()
    for name in ("数量指标", "经济成本指标", "项目立项", "绩效目标", "资金投入", "资金管理", "组织实施",
                 "计划制定", "目标设定", "预算编制", "预算执行", "预算管理", "资产管理", "项目管理",
                 "人员管理", "机构建设", "战略管理", "绩效管理", "体制机制改革", "联系部门满意度"):
        assert name in l2s, name
    assert known_level2s("成本指标") == ["经济成本指标", "社会成本指标", "生态环境成本指标"]
    # every framework's names are canonical: canonicalizing them is the identity
    for fw in FRAMEWORKS:
        for l1, l2s_ in fw.levels:
            assert canonical_level1(l1) == l1
            for l2 in l2s_:
                assert canonical_level2(l2) == l2


def test_frameworks_with() -> None:
    keys = [fw.key for fw in frameworks_with(["决策", "过程", "履职"])]
    assert keys == ["suzhou_department"]
    assert {fw.key for fw in frameworks_with(["运行成本"])} == {"hubei_department"}


def test_name_key_strips_annotations_and_suffix() -> None:
    assert name_key("数量指标（必填硬性指标）") == "数量"
    assert name_key("产出 指 标") == "产出"
    assert name_key("指标") == ""


def test_fuzzy_match_suggests_only_when_close() -> None:
    m = match_level2("对象 度指标")  # seed 004: 服务对象满意度指标 with characters lost
    assert m is not None and m.canonical == "服务对象满意度指标" and m.score < 100
    assert match_level2("数量指标") is not None and match_level2("数量指标").score == 100
    assert match_level1("州尼/又7日7小") is None
    assert match_level2("灰 里 1日 fv") is None
