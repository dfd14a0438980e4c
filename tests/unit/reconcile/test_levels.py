"""Framework normalisation of level1/level2/level3 (reconcile.levels)."""

from __future__ import annotations

from jixiao.model.output import AlignmentStatus, Evidence, Form, Severity

from .builders import (
    EX,
    INF,
    above_info,
    flags_of,
    hubei_department,
    ind,
    jiangxi_department,
    run,
    suzhou_department,
    suzhou_project,
)


# ---------------------------------------------------------------------------------------
# Framework


def _seed000_lost_process_cell() -> Form:
    """The 预算执行 block filled down as 决策 (the 过程 cell lost with its merge)."""
    f = suzhou_department()
    for i in f.indicators:
        if i.level2 == "预算执行":
            i.level1 = "决策"
            i.evidence["level1"] = Evidence(status=INF, page=1)
    return f


def test_level1_restored_from_framework_for_seed000_block() -> None:
    form = run(_seed000_lost_process_cell())
    block = [i for i in form.indicators if i.level2 == "预算执行"]
    assert len(block) == 6
    for i in block:
        assert i.level1 == "过程" and i.level1_canonical == "过程"
        assert i.evidence["level1"].status == AlignmentStatus.INFERRED
        assert i.evidence["level1"].extractor == "framework"
        (flag,) = [f for f in i.flags if f.code == "level1_restored_from_framework"]
        assert flag.severity == Severity.INFO and flag.field == "level1"
        assert flag.evidence["before"] == "决策" and flag.evidence["after"] == "过程"
        assert "决策 → 过程" in flag.message
    assert above_info(form) == []
    # the 决策 rows above stay 决策
    assert [i.level1 for i in form.indicators[:4]] == ["决策"] * 4


def test_level1_restored_without_evidence_when_it_repeats_the_row_above() -> None:
    f = _seed000_lost_process_cell()
    for i in f.indicators:
        i.evidence.pop("level1", None)
    form = run(f)
    assert {i.level1 for i in form.indicators if i.level2 == "预算执行"} == {"过程"}


def test_a_single_category_column_holds_level2s_including_cost() -> None:
    """指标类型 = 数量指标 / … / 成本指标 / 社会效益指标 / 服务对象满意度指标 read as the level1
    column: all move to level2 (成本指标 too, though 2021 also knows it as a level1) and the
    level1s come from the framework the form's level2s fit best."""
    names = ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "可持续影响指标", "服务对象满意度指标"]
    f = Form(form_type="project", project_name="送文化下乡",
             indicators=[ind(n, None, f"服务项目{k}", target="≥1") for k, n in enumerate(names)])
    form = run(f)
    got = [(i.level1, i.level2) for i in form.indicators]
    assert got == [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
                   ("效益指标", "社会效益指标"), ("效益指标", "可持续影响指标"), ("满意度指标", "服务对象满意度指标")]
    assert all(i.evidence["level1"].status == INF for i in form.indicators)
    assert not [f for i in form.indicators for f in i.flags if f.field in ("level1", "level2") and f.severity != Severity.INFO]


def test_cost_printed_as_a_level1_stays_a_level1() -> None:
    """A 2021-style form prints 成本指标 in a real level1 column next to 产出/效益."""
    f = Form(form_type="project", project_name="x", indicators=[
        ind("成本指标", "经济成本指标", "人均成本", target="≤2万元"),
        ind("产出指标", "数量指标", "培训人数", target="≥20人"),
        ind("效益指标", "社会效益指标", "服务水平", target="提升"),
    ])
    assert [i.level1 for i in run(f).indicators] == ["成本指标", "产出指标", "效益指标"]


def test_printed_level1_is_never_overwritten() -> None:
    f = suzhou_department()
    f.indicators[4].level1 = "决策"  # printed in the row (EXACT) yet inconsistent
    form = run(f)
    i = form.indicators[4]
    assert i.level1 == "决策"
    (flag,) = [x for x in i.flags if x.code == "level_mismatch"]
    assert flag.severity == Severity.WARNING and flag.evidence["candidates"] == ["过程"]
    assert i.confidence["level1"] < 0.8


def test_level1_not_restored_when_framework_is_ambiguous() -> None:
    # 预算编制 belongs to 决策 (Suzhou) and 管理效率 (Hubei); a form using neither L1, and whose
    # L1s fit no framework that has 预算编制, cannot decide
    f = Form(form_type="department", year=2024, unit_name="x", indicators=[
        ind("产出指标", "数量指标", "培训人次", target="≥10人次"),
        ind("产出指标", "预算编制", "预算编制科学性", target="科学", l1_status=INF),
    ])
    form = run(f)
    i = form.indicators[1]
    assert i.level1 == "产出指标"
    (flag,) = [x for x in i.flags if x.code == "level_mismatch"]
    assert set(flag.evidence["candidates"]) == {"决策", "管理效率"}
    # whereas 预算执行 under 产出 is decided by the one framework with both (2013 部门整体: 过程)
    f.indicators[1] = ind("产出指标", "预算执行", "预算执行率", target="=100%", l1_status=INF)
    restored = run(f).indicators[1]
    assert restored.level1 == "过程"
    assert restored.flags[0].evidence["decided_by"] == "framework_of_form"


def test_empty_level1_filled_from_form_framework() -> None:
    f = hubei_department()
    f.indicators[1].level1 = None  # 管理效率 cell lost
    f.indicators[1].evidence.pop("level1")
    form = run(f)
    assert form.indicators[1].level1 == "管理效率"
    assert flags_of(form, "level1_restored_from_framework")[0].evidence["decided_by"] == "form"


def test_level2_name_in_level1_column_is_moved_back() -> None:
    # seed 000 text export: "预算执行\t\t预算调整率" — the L2 name sits in the L1 column
    f = suzhou_department()
    for i in f.indicators:
        if i.level2 == "预算执行":
            i.level1, i.level2 = "预算执行", None
            i.evidence["level1"] = Evidence(status=EX)
            i.evidence.pop("level2", None)
    form = run(f)
    for i in (x for x in form.indicators if x.level3 in ("预算调整率", "预算执行率")):
        assert (i.level1, i.level2) == ("过程", "预算执行")
        assert {x.code for x in i.flags} >= {"level2_moved_from_level1", "level1_restored_from_framework"}
    assert above_info(form) == []


def test_unknown_and_garbled_levels_are_warned() -> None:
    f = jiangxi_department()
    f.indicators.append(ind("州尼/又7日7小", "1州心/文1日仰", "社会公众满意度", target="≥80%"))
    f.indicators.append(ind("产出指标", "灰 里 1日 fv", "项目落户流程规范执行率", target="=100%"))
    f.indicators.append(ind("满意度指标", "对象 度指标", "客商满意度", target="≥90%"))
    form = run(f)
    garbled_l1, garbled_l2, fuzzy_l2 = form.indicators[-3:]
    assert "level1_unknown" in {x.code for x in garbled_l1.flags}
    assert {"level2_unknown", "text_garbled"} <= {x.code for x in garbled_l2.flags if x.field == "level2"}
    (fz,) = [x for x in fuzzy_l2.flags if x.code == "level2_fuzzy"]
    assert fz.evidence["suggestion"] == "服务对象满意度指标"
    for i in (garbled_l1, garbled_l2, fuzzy_l2):
        assert min(i.confidence.get("level1", 1), i.confidence["level2"]) < 0.8


def test_misaligned_rows_of_an_ocr_table() -> None:
    """Seed 004: OCR bleeds the start of level3 into the level2 cell, and 产出指标 loses 指标."""
    f = jiangxi_department()
    f.indicators.append(ind("产出", "亲", "所引进项目开工率", target="≥70%"))
    f.indicators.append(ind("灰 里 1日 fv", "项目符合", "合区产业招商规划执行率", target="≧80%"))
    form = run(f)
    shifted, garbled = form.indicators[-2:]
    assert {(x.code, x.field) for x in shifted.flags} >= {
        ("level2_unknown", "level2"), ("level3_doubtful_alignment", "level3"), ("level1_suffix_inconsistent", "level1")}
    assert [x for x in shifted.flags if x.code == "level1_suffix_inconsistent"][0].evidence["suggestion"] == "产出指标"
    # an unknown level1 does not excuse an unknown level2
    assert {"level1_unknown", "level2_unknown", "level3_doubtful_alignment"} <= {x.code for x in garbled.flags}
    assert garbled.confidence["level3"] < 0.8


def test_local_level2_variant_is_info() -> None:
    f = suzhou_project()
    f.indicators.append(ind("过程", "组织管理", "制度执行有效性", "有效", "有效"))  # seed 002 prints this
    form = run(f)
    (flag,) = flags_of(form, "level2_local_variant")
    assert flag.severity == Severity.INFO and flag.evidence["like"] == "组织实施"
    assert above_info(form) == []


def test_placeholder_and_bare_framework_rows() -> None:
    f = hubei_department()
    f.indicators.append(ind("履职效能", "核心业务产出4", "……"))
    f.indicators.append(ind("效益指标", "生态效益", "生态效益"))
    form = run(f)
    assert flags_of(form, "placeholder_indicator")[0].evidence["value"] == "……"
    assert flags_of(form, "level3_is_framework_name")[0].field == "level3"
    assert not flags_of(form, "target_missing")  # a bare row is not a missing value


def test_level1_column_read_again_as_the_level2_is_still_moved_back() -> None:
    # a form with one 指标类型 column (数量指标 …): the rules read it as level1, an LLM reads the
    # same cell as the level2; the level1 is the framework's, not the level2 name twice
    f = suzhou_project()
    for i in f.indicators:
        if i.level2 == "数量指标":
            i.level1 = "数量指标"
            i.evidence["level1"] = Evidence(status=EX)
            i.evidence["level2"] = Evidence(status=EX)
    form = run(f)
    moved = [i for i in form.indicators if i.level2 == "数量指标"]
    assert moved
    for i in moved:
        assert (i.level1, i.level2) == ("产出指标", "数量指标")
        assert "level1_unknown" not in {x.code for x in i.flags}
        assert {x.code for x in i.flags} >= {"level2_moved_from_level1", "level1_restored_from_framework"}
