"""Reconciliation: each check on a hand-made form that violates it, and clean forms that
must raise nothing above info."""

from __future__ import annotations

import random

import pytest

from jixiao.reconcile import FLAG_CODES, classify_value, reconcile, reconcile_form
from jixiao.reconcile.calibration import raw_scores
from jixiao.model.output import (
    AlignmentStatus,
    Budget,
    BudgetLine,
    Document,
    Evidence,
    Flag,
    Form,
    Goals,
    Indicator,
    Repair,
    Severity,
    Traced,
)

EX, INF = AlignmentStatus.EXACT, AlignmentStatus.INFERRED


@pytest.fixture(autouse=True)
def _uncalibrated_confidence():
    """These tests check the order the evidence terms give (what moves confidence which way);
    the golden-set calibration mapped on top of it is tested in tests/unit/evaluate/test_calibration.py."""
    with raw_scores():
        yield


# ---------------------------------------------------------------------------------------
# Builders


def ind(l1: str | None, l2: str | None, l3: str | None, half: str | None = None, target: str | None = None,
        *, l1_status: AlignmentStatus = EX, l2_status: AlignmentStatus = EX, **kw: object) -> Indicator:
    ev = {"level3": Evidence(status=EX)}
    if l1:
        ev["level1"] = Evidence(status=l1_status, page=1)
    if l2:
        ev["level2"] = Evidence(status=l2_status, page=1)
    if target:
        ev["target"] = Evidence(status=EX)
    if half:
        ev["half_year"] = Evidence(status=EX)
    return Indicator(level1=l1, level2=l2, level3=l3, half_year=half, target=target, evidence=ev, **kw)


def lines(section: str, column: str | None, items: list[tuple[str, float]]) -> list[BudgetLine]:
    return [BudgetLine(section=section, item=i, column=column, amount=a, evidence={"amount": Evidence(status=EX)})
            for i, a in items]


def suzhou_department() -> Form:
    """Seed 000's shape, consistent numbers, the 过程 cell printed on its first row."""
    b = lines("收入", "全年预算数", [
        ("资金总额", 410.99), ("财政拨款", 410.99), ("一般公共预算资金", 410.99), ("政府性基金", 0),
        ("财政专户管理资金", 0), ("国有资本金", 0), ("社保基金", 0), ("上年结转资金", 0), ("其他资金", 0)])
    for item, half, full in [("基本支出", 156, 356.18), ("项目支出", 24.02, 54.81), ("办公设备购置", 2, 4.5),
                             ("执法工作经费", 0.92, 1.92), ("党团活动经费", 0.6, 1.6), ("体检费", 0, 2.7),
                             ("物业管理费", 20, 42.59), ("政策法规普及宣传经费", 0.5, 1.5)]:
        b += lines("支出", "半年计划执行数", [(item, half)]) + lines("支出", "全年预算数", [(item, full)])
    inds = [
        ind("决策", "计划制定", "中长期规划制定健全性", "健全", "健全"),
        ind("决策", "计划制定", "工作计划制定健全性", "健全", "健全", l1_status=INF, l2_status=INF),
        ind("决策", "目标设定", "绩效目标合理性", "合理", "合理", l1_status=INF),
        ind("决策", "预算编制", "预算编制科学性", "科学", "科学", l1_status=INF),
        ind("过程", "预算执行", "预算调整率", "=0%", "=0%"),
        ind("过程", "预算执行", "预算执行率", "=100%", "=100%", l1_status=INF, l2_status=INF),
        ind("过程", "预算执行", "预算偏差率", "≤10%", "≤10%", l1_status=INF, l2_status=INF),
        ind("过程", "预算执行", "公用经费控制率", "≤100%", "≤100%", l1_status=INF, l2_status=INF),
        ind("过程", "预算执行", "“三公经费”变动率", "≤0%", "≤0%", l1_status=INF, l2_status=INF),
        ind("过程", "预算执行", "非税收入预算完成率", "≥100%", "≥100%", l1_status=INF, l2_status=INF),
        ind("过程", "预算管理", "资金使用合规性", "合规", "合规", l1_status=INF),
        ind("过程", "资产管理", "固定资产利用率", "=100%", "=100%", l1_status=INF),
        ind("履职", "商务执法辅助", "及时办结率", "≥98%", "≥98%", key_task="受理商务投诉举报"),
        ind("履职", "商务执法辅助", "组织内部法律法规集体学习次数", "≥3次", "≥6次", l1_status=INF, l2_status=INF),
        ind("履职", "商务领域监管服务", "组织执法检查家次", "≥25次", "≥50次", l1_status=INF),
        ind("履职", "商务领域监管服务", "叠加外资总部功能", "有序推进", "有序推进", l1_status=INF, l2_status=INF),
        ind("效益指标", "社会效益", "维护消费者合法权益", "较显著", "较显著"),
        ind("效益指标", "可持续影响", "执法能力有效提升", "较显著", "较显著", l1_status=INF),
        ind("满意度指标", "服务对象满意度", "投诉咨询满意度", "≥90%", "≥90%"),
    ]
    return Form(form_type="department", title="苏州市市级部门整体预算绩效目标表", year=2024,
                unit_name="苏州市商务服务中心", budget=Budget(total=410.99, fiscal=410.99, lines=b),
                goals=Goals(long_term="做优热力图", annual="落实热力图运维"), indicators=inds)


def suzhou_project() -> Form:
    """Seed 002's second project, with the 决策/过程 rows and the ≥0% half-year dummy."""
    b = lines("收入", "全年（程）预算数", [("资金总额", 750), ("财政拨款", 750), ("一般公共预算资金", 750),
                                          ("社保基金", 0), ("上年结转资金", 0), ("其他资金", 0)])
    b += lines("支出", "半年（程）计划执行数", [("苏州市加贸平台运营费用补贴", 0)])
    b += lines("支出", "全年（程）预算数", [("苏州市加贸平台运营费用补贴", 750)])
    inds = [
        ind("决策", "项目立项", "立项依据充分性", "充分", "充分"),
        ind("决策", "资金投入", "资金分配合理性", "合理", "合理", l1_status=INF),
        ind("过程", "资金管理", "资金到位率", "序时进度", "100%"),
        ind("过程", "组织实施", "管理制度健全性", "健全", "健全", l1_status=INF),
        ind("产出指标", "数量指标", "服务回收企业数", "≥3500家", "≥3500家"),
        ind("产出指标", "数量指标", "保税废料全年交易额", "≥3亿元", "≥8亿元", l1_status=INF, l2_status=INF),
        ind("产出指标", "时效指标", "系统平均无故障运行时间", "≥2500小时", "≥2500小时", l1_status=INF),
        ind("产出指标", "时效指标", "信息系统日常维护周期", "=1次/月", "=1次/月", l1_status=INF, l2_status=INF),
        ind("产出指标", "时效指标", "系统平均故障修复时间", None, "≤2小时", l1_status=INF, l2_status=INF),
        ind("产出指标", "质量指标", "因故障暂停交易业务次数", "≤1个", "≤2个", l1_status=INF),
        ind("效益指标", "经济效益", "企业直接受益", "≥600万元", "≥1600万元"),
        ind("满意度指标", "服务对象满意度", "受益人员满意度", "≥0%", "≥90%"),
    ]
    return Form(form_type="project", title="苏州市市级项目预算绩效目标表", year=2024, project_name="苏州市加贸平台运营费用补贴",
                unit_name="苏州市公共资源交易中心", competent_dept="苏州市行政审批局",
                budget=Budget(total=750, fiscal=750, lines=b), indicators=inds)


def hubei_department() -> Form:
    """Seed 003's shape: 收入构成/支出构成 with 合计 rows, 占比, two history columns."""
    b: list[BudgetLine] = []
    for item, cur, share, y22, y23 in [("财政拨款", 8167.74, 100, 6289.58, 5347.75),
                                       ("合计", 8167.74, 100, 6289.58, 5347.75)]:
        b += lines("收入构成", "当年金额", [(item, cur)]) + lines("收入构成", "占比", [(item, share)])
        b += lines("收入构成", "2022年", [(item, y22)]) + lines("收入构成", "2023年", [(item, y23)])
    for item, cur, share, y22, y23 in [("人员类项目支出", 1546.73, 18.94, 1648.54, 1774.61),
                                       ("运转类项目支出", 248.35, 3.04, 257.32, 233.85),
                                       ("特定目标类项目支出", 6372.66, 78.02, 4383.72, 3339.29),
                                       ("合计", 8167.74, 100, 6289.58, 5347.75)]:
        b += lines("支出构成", "当年金额", [(item, cur)]) + lines("支出构成", "占比", [(item, share)])
        b += lines("支出构成", "2022年", [(item, y22)]) + lines("支出构成", "2023年", [(item, y23)])
    inds = [
        ind("运行成本", "公用经费控制", "公用经费控制率", target="88.86%", basis="计划标准", category="绩效基本型"),
        ind("管理效率", "预算执行", "预算执行率", target="100%", basis="计划标准", category="绩效基本型"),
        ind("管理效率", "预算编制", "预算调整率", target="0%", l1_status=INF, basis="计划标准"),
        ind("履职效能", "核心业务产出1", "实现社会消费品零售总额增长率", target="增长7.5%"),
        ind("履职效能", "核心业务产出2", "完成外贸进出口亿元人民币", target="58.7亿元人民币", l1_status=INF),
        ind("社会效应", "经济效益", "稳定市场，促进再就业，扩大消费", target="促进"),
        ind("可持续发展能力", "人才支撑", "业务学习与培训完成率", target="100%"),
        ind("满意度", "服务对象满意度", "消费券使用客户满意度", target="90%"),
        ind("满意度", "联系部门满意度", "财政、商贸系统等满意度", target="95%", l1_status=INF),
    ]
    return Form(form_type="department", title="部门整体绩效目标表", year=2024, unit_name="鄂州市商务局",
                budget=Budget(total=8167.74, fiscal=8167.74, lines=b), indicators=inds)


def jiangxi_department() -> Form:
    """Seed 004's 上年预算 / 当年预算 key-value block and classic indicators (after repair)."""
    b = lines("上年预算", None, [("批复数", 757.3), ("调整数", 1773.6), ("实际支出数", 1773.6), ("执行率", 100),
                                  ("年末结转结余数", 0)])
    b += lines("当年预算", None, [("收入合计", 734.05), ("上级财政拨款", 0), ("本级财政安排", 734.05), ("其他", 0),
                                  ("支出合计", 734.05), ("人员经费", 579.59), ("公用经费", 154.46), ("项目经费", 0)])
    inds = [
        ind("产出指标", "数量指标", "组织参加各类招商推介会、展会次数", target="≥2场"),
        ind("产出指标", "时效指标", "项目完成期限", target="2024年12月31日前", l1_status=INF),
        ind("产出指标", "成本指标", "资金支出成本", target="≤734.05万元", l1_status=INF),
        ind("效益指标", "经济效益指标", "招商引资资金到位率", target="≥60%"),
        ind("效益指标", "可持续影响指标", "预决算信息公开,提高部门公信力", target="作用明显", l1_status=INF),
        ind("满意度指标", "满意度指标", "企业满意度", target="≥80%"),
    ]
    return Form(form_type="department", title="部门整体支出绩效目标设置申报表", year=2024, unit_name="九江市柴桑区商务局",
                budget=Budget(total=734.05, fiscal=734.05, lines=b), indicators=inds)


def gaoxin_project() -> Form:
    """Seed 001's project form: 预算数 / 财政资金 and the 资金支出计划 percentages."""
    b = lines("预算规模及资金用途", None, [("预算数", 50), ("财政资金", 50)])
    b += lines("资金支出计划", "3月底", [("资金支出计划", 0)]) + lines("资金支出计划", "6月底", [("资金支出计划", 0)])
    b += lines("资金支出计划", "10月底", [("资金支出计划", 0)]) + lines("资金支出计划", "12月底", [("资金支出计划", 100)])
    inds = [
        ind("产出指标", "数量指标", "接待客商人数", target="≥20人", description="客商人数", basis="工作计划"),
        ind("产出指标", "时效指标", "项目完成时效", target="12月31日前", l1_status=INF, basis="工作经验"),
        ind("效果指标", "经济效益指标", "企业对高新区了解度", target="提升", basis="工作经验"),
        ind("满意度指标", "服务对象满意度指标", "受益人满意度", target="≥90%", basis="工作经验"),
    ]
    return Form(form_type="project", title="招商引资项目绩效目标表", year=2023, project_name="招商引资",
                budget=Budget(total=50, fiscal=50, lines=b), indicators=inds)


def run(form: Form, **kw: object) -> Form:
    return reconcile(Document(doc_id="t", forms=[form]), **kw).forms[0]  # type: ignore[arg-type]


def all_flags(form: Form) -> list[tuple[Traced, Flag]]:
    objs: list[Traced] = [form, *form.budget.lines, *form.indicators]
    return [(o, f) for o in objs for f in o.flags]


def flags_of(form: Form, code: str) -> list[Flag]:
    return [f for _, f in all_flags(form) if f.code == code]


def above_info(form: Form) -> list[str]:
    return [f"{f.code}: {f.message}" for _, f in all_flags(form) if f.severity != Severity.INFO]


# ---------------------------------------------------------------------------------------
# Clean forms


@pytest.mark.parametrize("build", [suzhou_department, suzhou_project, hubei_department, jiangxi_department,
                                   gaoxin_project])
def test_clean_forms_raise_nothing_above_info(build) -> None:
    form = run(build())
    assert above_info(form) == []
    # every field with a value has a confidence in [0, 1]
    for i in form.indicators:
        for field in ("level1", "level2", "level3", "half_year", "target", "basis", "category", "key_task"):
            if getattr(i, field):
                assert 0.0 <= i.confidence[field] <= 1.0
        assert i.level1_canonical is not None and i.level2_canonical is not None
    for ln in form.budget.lines:
        assert 0.0 <= ln.confidence["amount"] <= 1.0
    assert form.confidence["budget.total"] > 0.9


def test_reconcile_does_not_mutate_input_and_is_idempotent() -> None:
    doc = Document(doc_id="t", forms=[suzhou_department()])
    doc.forms[0].indicators[4].level1 = "决策"  # 预算执行 under 决策, filled down
    doc.forms[0].indicators[4].evidence["level1"] = Evidence(status=INF)
    before = doc.model_dump()
    once = reconcile(doc)
    assert doc.model_dump() == before
    twice = reconcile(once)
    assert once.model_dump(exclude={"stats"}) == twice.model_dump(exclude={"stats"})
    assert twice.stats["reconcile"]["flags"]["info"] >= 1


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


# ---------------------------------------------------------------------------------------
# Value grammar


@pytest.mark.parametrize("text, kind", [
    ("≥95%", "number"), ("=2份", "number"), ("健全", "qualitative"), ("较显著", "qualitative"),
    ("有序推进", "qualitative"), ("序时进度", "qualitative"), ("12月31日前", "date"), ("2024年12月31日前", "date"),
    ("2025年年底前", "date"), ("2023.07-2024.01", "date"), ("2020年1月--2020年11月", "date"),
    ("增长7.5%", "relative"), ("±3%以内", "relative"), ("≥**", "placeholder"), ("Hh I 1√□", "garbled"),
    ("对单位信息化工作正常运行的影响或提升程度以及其他的说明文字", "free"), ("健全0", "garbled"), ("95%0", "garbled"),
    ("=1次/月", "number"),
])
def test_classify_value(text: str, kind: str) -> None:
    assert classify_value(text).kind == kind


def test_parsed_values_are_filled() -> None:
    form = run(suzhou_project())
    i = form.indicators[4]
    assert i.target_parsed is not None and (i.target_parsed.op, i.target_parsed.number, i.target_parsed.unit) == (
        "≥", 3500.0, "家")


def test_satisfaction_target_of_zero_percent() -> None:
    f = suzhou_project()
    f.indicators[-1].target = "≥0%"
    form = run(f)
    (flag,) = [x for x in flags_of(form, "satisfaction_target_degenerate") if x.field == "target"]
    assert flag.severity == Severity.WARNING and flag.evidence["number"] == 0.0
    # the half-year ≥0% with a real full-year target was only the known dummy (info) before
    clean = run(suzhou_project())
    (info,) = flags_of(clean, "satisfaction_half_year_placeholder")
    assert info.severity == Severity.INFO and info.evidence["target"] == "≥90%"


def test_satisfaction_target_under_fifty_percent() -> None:
    f = suzhou_project()
    f.indicators[-1].target = "≥45%"
    (flag,) = flags_of(run(f), "satisfaction_target_low")
    assert flag.evidence["number"] == 45.0 and "45%" in flag.message


def test_half_year_above_full_year_for_a_count() -> None:
    f = suzhou_project()
    f.indicators.append(ind("产出指标", "数量指标", "全年竞价会场次", "≥600次", "≥500次"))
    form = run(f)
    flags = flags_of(form, "half_year_exceeds_target")
    assert [x.field for x in flags] == ["half_year", "target"]  # either may be the wrong one
    flag = flags[0]
    assert flag.evidence["half_year"] == 600.0 and flag.evidence["target"] == 500.0
    assert "600" in flag.message and "500" in flag.message
    assert form.indicators[-1].confidence["half_year"] < form.indicators[4].confidence["half_year"]


def test_half_year_check_on_caps_rates_and_durations() -> None:
    f = suzhou_project()
    f.indicators.append(ind("产出指标", "时效指标", "响应时间", "≤4小时", "≤2小时"))  # durations: no
    f.indicators.append(ind("产出指标", "质量指标", "预算偏差率", "≤15%", "≤10%"))  # rate caps: no
    f.indicators.append(ind("产出指标", "质量指标", "故障次数", "≤3个", "≤2个"))  # count caps: yes
    f.indicators.append(ind("满意度指标", "服务对象满意度", "群众满意度", "≥90%", "≥0%"))  # swapped: yes
    form = run(f)
    hit = {x.evidence["half_year"] for x in flags_of(form, "half_year_exceeds_target")}
    assert hit == {3.0, 90.0}


def test_progress_value_in_the_full_year_column() -> None:
    f = suzhou_project()
    f.indicators[2].half_year, f.indicators[2].target = "100%", "序时进度"
    flags = flags_of(run(f), "progress_value_in_target")
    assert {x.field for x in flags} == {"half_year", "target"}


def test_percent_out_of_range_and_growth_exemption() -> None:
    f = suzhou_project()
    f.indicators.append(ind("产出指标", "质量指标", "验收合格率", target="≥120%"))
    f.indicators.append(ind("效益指标", "经济效益", "交易额增长率", target="≥120%"))
    form = run(f)
    (flag,) = flags_of(form, "percent_out_of_range")
    assert flag.evidence["number"] == 120.0 and "验收合格率" in flag.message


def test_unit_conflicts_with_name() -> None:
    f = hubei_department()
    f.indicators.append(ind("履职效能", "核心业务产出3", "完成实际利用外资万美元", target="1050.72亿美元"))
    form = run(f)
    (flag,) = flags_of(form, "unit_conflicts_with_name")
    assert flag.evidence["value_unit"] == "亿美元" and flag.evidence["name_unit"] == "万美元"
    assert "1050.72亿美元" in flag.message
    # the same scale as the name raises nothing
    f2 = hubei_department()
    f2.indicators.append(ind("履职效能", "核心业务产出3", "完成实际利用外资万美元", target="1155.8万美元"))
    assert not flags_of(run(f2), "unit_conflicts_with_name")


def test_unit_column_conflict() -> None:
    f = jiangxi_department()
    f.indicators.append(ind("产出指标", "成本指标", "培训成本", target="≤3元", unit="万元"))
    (flag,) = flags_of(run(f), "unit_conflicts_with_name")
    assert flag.evidence["name_unit"] == "万元"


def test_dates_outside_the_budget_year() -> None:
    f = jiangxi_department()
    f.indicators.append(ind("产出指标", "时效指标", "验收时间", target="2023年12月31日前"))
    f.indicators.append(ind("产出指标", "时效指标", "建成时间", target="2025年6月底前"))
    f.indicators.append(ind("产出指标", "时效指标", "报送时间", target="13月31日前"))
    form = run(f)
    (w,) = flags_of(form, "date_outside_budget_year")
    assert w.evidence["years"] == [2023] and w.evidence["budget_year"] == 2024
    (i,) = flags_of(form, "date_after_budget_year")
    assert i.severity == Severity.INFO
    (e,) = flags_of(form, "date_invalid")
    assert e.severity == Severity.ERROR


def test_operator_direction_and_missing_and_unparsed_values() -> None:
    f = gaoxin_project()
    f.indicators.append(ind("满意度指标", "服务对象满意度指标", "参会人员满意度", target="≤90%"))
    f.indicators.append(ind("产出指标", "质量指标", "培训质量", half="≥1次"))
    f.indicators.append(ind("产出指标", "质量指标", "活动效果", target="根据上级部门的统一安排进行相应的调整与落实"))
    f.indicators.append(ind("产出指标", "数量指标", "宣传次数", target="≥**次"))
    form = run(f)
    assert flags_of(form, "operator_direction_suspicious")[0].evidence["op"] == "≤"
    assert flags_of(form, "target_missing")[0].evidence["half_year"] == "≥1次"
    assert flags_of(form, "value_unparsed")[0].severity == Severity.INFO
    assert flags_of(form, "value_placeholder")[0].field == "target"


def test_value_carrying_a_neighbouring_column() -> None:
    f = hubei_department()
    f.indicators[3].target = "58.7亿元人民币计划标准"
    f.indicators[5].target = "≥80% ≥80%"
    f.indicators[6].target = "≥6万人次≥2万人次"
    form = run(f)
    carried = {x.evidence["value"]: x.evidence["carries"] for x in flags_of(form, "value_column_bleed")}
    assert carried == {"58.7亿元人民币计划标准": "计划标准", "≥80% ≥80%": "≥80%", "≥6万人次≥2万人次": "≥2"}


def test_rows_breaking_the_table_pattern() -> None:
    f = hubei_department()
    for i in f.indicators:
        i.basis = "计划标准"
    f.indicators[2].basis = None  # the 指标值确定依据 cell lost on one row
    f.indicators[0].category = "绩效基本"  # truncated closed-vocabulary term
    f.indicators[1].category = "绩效创新型型型型"
    f.indicators.append(ind("满意度", "服务对象满意度", "消费券使用客户满意度财政、商贸系统等满意度", target="90%",
                            basis="计划标准"))
    form = run(f)
    (miss,) = flags_of(form, "column_value_missing")
    assert miss.field == "basis" and miss.evidence["filled"] == 9 and miss.evidence["rows"] == 10
    near = flags_of(form, "vocab_near_miss")
    assert [(x.evidence["value"], x.evidence["suggestion"]) for x in near] == [
        ("绩效基本", "绩效基本型"), ("绩效创新型型型型", "绩效创新型")]
    assert flags_of(form, "text_garbled")[0].evidence["suspicious"] == ["型型型型"]
    (merged,) = flags_of(form, "level3_merged")
    assert merged.evidence["contains"] == ["消费券使用客户满意度", "财政、商贸系统等满意度"]


def test_missing_operator_against_the_table() -> None:
    f = suzhou_project()
    f.indicators[6].target = "2500小时"  # the others all have an operator; "100%" alone is a convention
    (flag,) = flags_of(run(f), "value_pattern_break")
    assert flag.evidence["missing"] == "operator" and flag.field == "target"


def test_framework_level1_without_rows() -> None:
    f = hubei_department()
    f.indicators = [i for i in f.indicators if i.level1 != "运行成本"]
    (flag,) = flags_of(run(f), "framework_level1_absent")
    assert flag.field == "indicators" and flag.evidence == {"framework": "hubei_department", "absent": ["运行成本"],
                                                             "scope": "annual"}
    # 满意度 written as an L2 of 效益 is not a lost 满意度指标 block
    g = jiangxi_department()
    g.indicators = [i for i in g.indicators if i.level1 != "满意度指标"]
    g.indicators.append(ind("效益指标", "服务对象满意度指标", "企业满意度", target="≥80%"))
    assert not flags_of(run(g), "framework_level1_absent")


def test_header_codes_and_truncation() -> None:
    f = suzhou_project()
    f.competent_dept = "[137]苏州市行政审批局"
    f.goals.long_term = "保障加贸平台日常运营，"
    form = run(f)
    assert flags_of(form, "name_has_code")[0].evidence["department_code"] == "[137]"
    assert flags_of(form, "text_truncated")[0].field == "goals.long_term"


# ---------------------------------------------------------------------------------------
# Budget arithmetic


def test_fund_total_differs_from_its_parts() -> None:
    f = suzhou_department()
    for ln in f.budget.lines:
        if ln.item in ("财政拨款", "一般公共预算资金"):
            ln.amount = 400.0
    form = run(f)
    (flag,) = flags_of(form, "budget_sum_mismatch")
    assert flag.field == "amount"
    assert flag.evidence["total"] == 410.99 and flag.evidence["sum"] == 400.0
    assert flag.evidence["difference"] == pytest.approx(10.99)
    assert "410.99" in flag.message and "400" in flag.message
    total = next(ln for ln in form.budget.lines if ln.item == "资金总额")
    assert total.flags == [flag]
    clean = next(ln for ln in form.budget.lines if ln.item == "国有资本金")
    assert total.confidence["amount"] < clean.confidence["amount"]
    # and the expense side (基本支出 + 项目支出 = 410.99) no longer matches the income total? it still does:
    assert not flags_of(form, "budget_expense_income_mismatch")


def test_fiscal_subtotal_from_its_sources() -> None:
    f = suzhou_department()
    f.budget.lines.insert(4, lines("收入", "全年预算数", [("财政专户管理资金", 5)])[0])
    f.budget.lines = [ln for ln in f.budget.lines if not (ln.item == "财政专户管理资金" and ln.amount == 0)]
    flags = flags_of(run(f), "budget_sum_mismatch")
    assert [fl.evidence["total"] for fl in flags] == [410.99]
    assert flags[0].evidence["sum"] == pytest.approx(415.99)


def test_total_row_differs_from_items() -> None:
    f = hubei_department()
    for ln in f.budget.lines:
        if ln.item == "运转类项目支出" and ln.column == "2022年":
            ln.amount = 275.32
    form = run(f)
    (flag,) = flags_of(form, "budget_total_row_mismatch")
    assert flag.evidence["column"] == "2022年" and flag.evidence["total"] == 6289.58
    assert flag.evidence["difference"] == pytest.approx(-18.0)


def test_shares_summing_to_99_percent() -> None:
    f = hubei_department()
    for ln in f.budget.lines:
        if ln.item == "特定目标类项目支出" and ln.column == "占比":
            ln.amount = 77.02
    form = run(f)
    sums = flags_of(form, "budget_share_sum_mismatch")
    assert sums and all(fl.evidence["sum"] == pytest.approx(99.0) for fl in sums)
    assert "99%" in sums[0].message
    (item,) = flags_of(form, "budget_share_mismatch")
    assert item.evidence["share"] == 77.02 and item.evidence["expected"] == pytest.approx(78.02, abs=0.01)
    # the share flags land on the wrong line only, the confirmed shares stay clean
    wrong = next(ln for ln in form.budget.lines if ln.item == "特定目标类项目支出" and ln.column == "占比")
    right = next(ln for ln in form.budget.lines if ln.item == "人员类项目支出" and ln.column == "占比")
    assert {x.code for x in wrong.flags} == {"budget_share_mismatch", "budget_share_sum_mismatch"}
    assert right.flags == []
    assert wrong.confidence["amount"] < right.confidence["amount"]


def test_expenses_differ_from_income() -> None:
    f = suzhou_project()
    for ln in f.budget.lines:
        if ln.column == "全年（程）预算数" and ln.section == "支出":
            ln.amount = 227.54
    (flag,) = flags_of(run(f), "budget_expense_income_mismatch")
    assert flag.evidence["expenses"] == 227.54 and flag.evidence["income"] == 750
    f2 = jiangxi_department()
    for ln in f2.budget.lines:
        if ln.item == "支出合计":
            ln.amount = 743.05
    flags = flags_of(run(f2), "budget_expense_income_mismatch") + flags_of(run(f2), "budget_sum_mismatch")
    assert any(fl.evidence.get("difference") == pytest.approx(9.0) for fl in flags)


def test_execution_rate_and_spending_plan() -> None:
    f = jiangxi_department()
    for ln in f.budget.lines:
        if ln.item == "执行率":
            ln.amount = 42.7
    (flag,) = flags_of(run(f), "budget_rate_mismatch")
    assert flag.evidence["expected"] == pytest.approx(100.0)
    g = gaoxin_project()
    for ln in g.budget.lines:
        if ln.column == "10月底":
            ln.amount = 60
        if ln.column == "12月底":
            ln.amount = 50
    plan = flags_of(run(g), "budget_plan_inconsistent")
    assert len(plan) == 4 and plan[0].evidence["sum"] == 110


def test_form_budget_fields_against_lines() -> None:
    f = suzhou_department()
    f.budget.total = 401.99
    f.budget.fiscal = 500.0
    form = run(f)
    (t,) = flags_of(form, "budget_total_mismatch")
    assert t.field == "budget.total" and t.evidence["lines"] == [410.99]
    (fx,) = flags_of(form, "budget_fiscal_exceeds_total")
    assert fx.severity == Severity.ERROR
    g = suzhou_department()
    g.budget.total = None
    (m,) = flags_of(run(g), "budget_total_missing")
    assert "410.99" in m.message


def test_income_block_without_expense_lines() -> None:
    f = suzhou_project()
    f.budget.lines = [ln for ln in f.budget.lines if ln.section != "支出"]
    (flag,) = flags_of(run(f), "budget_expense_lines_missing")
    assert flag.field == "budget.lines"


def test_lost_budget_lines() -> None:
    f = suzhou_project()
    f.budget.lines = []
    f.budget.total = None
    form = run(f)
    assert {x.field for x in flags_of(form, "budget_block_missing")} == {"budget.lines", "budget.total"}
    g = suzhou_department()
    g.budget.total = 420.0  # none of the printed amounts
    assert {x.field for x in flags_of(run(g), "budget_total_not_in_lines")} == {"budget.total", "budget.lines"}
    h = suzhou_department()
    h.budget.lines = [ln for ln in h.budget.lines if ln.item != "党团活动经费"]  # a part lost
    form = run(h)
    assert {round(x.evidence["difference"], 6) for x in flags_of(form, "budget_sum_mismatch")} == {0.6, 1.6}
    assert flags_of(form, "budget_lines_incomplete")[0].field == "budget.lines"


def test_negative_amount() -> None:
    f = gaoxin_project()
    f.budget.lines.append(lines("预算规模及资金用途", None, [("其他资金", -3)])[0])
    form = run(f)
    assert flags_of(form, "budget_negative_amount")[0].evidence["amount"] == -3
    assert flags_of(form, "budget_sum_mismatch")  # 预算数 50 ≠ 50 + (−3)


# ---------------------------------------------------------------------------------------
# Header, grounding


def test_header_checks() -> None:
    f = suzhou_project()
    f.project_name = None
    f.year = 2023  # title has no year; the 2024 deadline makes no difference here
    f.title = "苏州市市级项目2024年度预算绩效目标表"
    form = run(f)
    assert flags_of(form, "project_name_missing")[0].field == "project_name"
    assert flags_of(form, "year_mismatch_title")[0].evidence == {"year": 2023, "title_year": 2024}


def test_grounding_flags_and_confidence_order() -> None:
    """EXACT > REPAIRED > FUZZY > INFERRED > UNGROUNDED, and OCR scores lower it."""
    confs = {}
    for status in AlignmentStatus:
        f = gaoxin_project()
        f.indicators[0].evidence["target"] = Evidence(status=status)
        confs[status] = run(f).indicators[0].confidence["target"]
    order = [AlignmentStatus.EXACT, AlignmentStatus.REPAIRED, AlignmentStatus.FUZZY, AlignmentStatus.INFERRED,
             AlignmentStatus.UNGROUNDED]
    assert [confs[s] for s in order] == sorted(confs.values(), reverse=True)
    assert len(set(confs.values())) == 5
    f = gaoxin_project()
    f.indicators[0].evidence["target"] = Evidence(status=AlignmentStatus.UNGROUNDED, extractor="llm")
    assert flags_of(run(f), "value_ungrounded")[0].evidence["extractor"] == "llm"
    by_score = []
    for s in (0.99, 0.9, 0.75, 0.5):
        f = gaoxin_project()
        f.indicators[0].evidence["target"] = Evidence(status=EX, ocr_score=s)
        form = run(f)
        by_score.append(form.indicators[0].confidence["target"])
        assert bool(flags_of(form, "ocr_low_score")) == (s < 0.8)
    assert by_score == sorted(by_score, reverse=True) and len(set(by_score)) == 4


def test_ocr_pages_lower_confidence_except_for_framework_names() -> None:
    f = suzhou_project()
    for i in f.indicators:
        for ev in i.evidence.values():
            ev.page = 2
    f.indicators[0].evidence["level3"].ocr_score = 0.99  # page 2 went through OCR
    scanned = reconcile(Document(doc_id="t", forms=[f])).forms[0]
    digital = run(suzhou_project())
    i, j = scanned.indicators[4], digital.indicators[4]
    assert i.confidence["target"] < j.confidence["target"]
    assert i.confidence["level3"] < j.confidence["level3"]
    assert i.confidence["level2"] == j.confidence["level2"]  # 数量指标 is confirmed by the framework
    # without evidence pages, stats["ocr_pages"] gives the prior
    d = Document(doc_id="t", forms=[suzhou_project()], stats={"ocr_pages": 2, "pages": 2})
    assert reconcile(d).forms[0].indicators[4].confidence["target"] < j.confidence["target"]


def test_document_inconsistency_lowers_confidence_less_than_a_broken_reading() -> None:
    f = hubei_department()
    f.indicators.append(ind("履职效能", "核心业务产出3", "完成实际利用外资万美元", target="1050.72亿美元"))
    f.indicators.append(ind("履职效能", "核心业务产出4", "完成实际利用外资额", target="1050.72亿美元计划标准"))
    form = run(f)
    doc_doubt, reading_doubt = form.indicators[-2:]
    clean = form.indicators[0]
    assert 0.5 < doc_doubt.confidence["target"] < clean.confidence["target"]
    assert reading_doubt.confidence["target"] < 0.5 < doc_doubt.confidence["target"]


def test_repairs_lower_confidence() -> None:
    f = jiangxi_department()
    f.indicators[0].evidence["target"] = Evidence(
        status=AlignmentStatus.REPAIRED, repairs=[Repair(rule="lookalike_operator", original="≧2场", repaired="≥2场")])
    f.indicators[3].evidence["target"] = Evidence(
        status=AlignmentStatus.REPAIRED, repairs=[Repair(rule="a", original="≧6O%", repaired="≥60%"),
                                                  Repair(rule="b", original="≥60 %", repaired="≥60%")])
    form = run(f)
    clean = run(jiangxi_department())
    assert form.indicators[3].confidence["target"] < form.indicators[0].confidence["target"] < \
        clean.indicators[0].confidence["target"]


def test_low_confidence_gets_a_warning() -> None:
    f = gaoxin_project()
    # a doubt about the whole row (the extractor's), an OCR score just above the warning
    # level and two repairs: no warning on the field itself, but together below 0.5
    f.indicators[0].flags.append(Flag(severity=Severity.WARNING, code="unmapped_cell", message="x", field=None))
    f.indicators[0].evidence["description"] = Evidence(status=AlignmentStatus.INFERRED, ocr_score=0.82,
                                                       repairs=[Repair(rule="x", original="客尚人数", repaired="客商人数"),
                                                                Repair(rule="y", original="客商人 数", repaired="客商人数")])
    form = run(f)
    i = form.indicators[0]
    assert i.confidence["description"] < 0.5
    (flag,) = [x for x in i.flags if x.code == "low_confidence"]
    assert flag.field == "description" and flag.evidence["confidence"] == i.confidence["description"]


# ---------------------------------------------------------------------------------------
# Agreement


def test_agreement_raises_and_disagreement_lowers_confidence() -> None:
    base = run(suzhou_project())
    other = suzhou_project()
    other.indicators[4].target = "≥3000家"  # disagrees
    other.indicators[5].half_year = None  # absent in the other reading
    other.indicators[6].target = "≥ 2500 小时"  # same value, written differently: agrees
    form = run(suzhou_project(), alternatives={"llm": Document(doc_id="t", forms=[other])})
    agree = form.indicators[0]
    assert agree.confidence["target"] > base.indicators[0].confidence["target"]
    assert agree.confidence["level3"] > base.indicators[0].confidence["level3"]
    assert form.indicators[6].confidence["target"] > base.indicators[6].confidence["target"]
    dis = form.indicators[4]
    (flag,) = [x for x in dis.flags if x.code == "alternative_disagrees"]
    assert flag.field == "target" and flag.severity == Severity.WARNING
    assert flag.evidence["readings"] == {"this": "≥3500家", "llm": "≥3000家"}
    assert dis.confidence["target"] < base.indicators[4].confidence["target"]
    assert form.indicators[5].confidence["half_year"] < base.indicators[5].confidence["half_year"]
    # header and budget lines take part too
    assert form.confidence["project_name"] > base.confidence["project_name"]
    assert form.budget.lines[0].confidence["amount"] > base.budget.lines[0].confidence["amount"]


def test_agreement_two_alternatives_compound() -> None:
    alt = {"llm": Document(doc_id="t", forms=[suzhou_project()])}
    one = run(suzhou_project(), alternatives=alt)
    two = run(suzhou_project(), alternatives={**alt, "ocr": Document(doc_id="t", forms=[suzhou_project()])})
    assert two.indicators[2].confidence["target"] > one.indicators[2].confidence["target"]


def test_agreement_missing_and_extra_indicators_and_values() -> None:
    mine = suzhou_project()
    mine.indicators[3].basis = None
    other = suzhou_project()
    other.indicators[3].basis = "计划标准"
    extra = other.indicators.pop(1)  # the other reading lacks it
    other.indicators.append(ind("产出指标", "数量指标", "交易超期梳理", "≥1次", "≥2次"))
    form = run(mine, alternatives={"ocr": Document(doc_id="t", forms=[other])})
    assert flags_of(form, "alternative_has_value")[0].evidence["readings"]["ocr"] == "计划标准"
    (miss,) = flags_of(form, "alternative_missing_indicator")
    assert miss.severity == Severity.INFO and extra.level3 in miss.message
    (ex,) = flags_of(form, "alternative_extra_indicator")
    assert ex.evidence["level3"] == "交易超期梳理" and ex.evidence["target"] == "≥2次"


def test_agreement_pairs_forms_by_name_not_position() -> None:
    a, b = suzhou_project(), gaoxin_project()
    alt_b = gaoxin_project()
    alt_b.indicators[0].target = "≥30人"
    doc = Document(doc_id="t", forms=[a, b])
    out = reconcile(doc, alternatives={"llm": Document(doc_id="t", forms=[alt_b, suzhou_project()])})
    assert not flags_of(out.forms[0], "alternative_disagrees")
    (flag,) = flags_of(out.forms[1], "alternative_disagrees")
    assert flag.evidence["readings"]["llm"] == "≥30人"


# ---------------------------------------------------------------------------------------
# Calibration on synthetic corruptions


def _corrupt(form: Form, rng: random.Random) -> set[tuple[int, str]]:
    """Apply the extraction errors the genre produces; return the (indicator, field) made wrong."""
    wrong: set[tuple[int, str]] = set()
    for k, i in enumerate(form.indicators):
        r = rng.random()
        if r < 0.08 and i.half_year and i.target:  # columns swapped
            i.half_year, i.target = i.target, i.half_year
            if i.half_year != i.target:
                wrong |= {(k, "half_year"), (k, "target")}
        elif r < 0.16 and i.target:  # OCR misread with a low score
            i.target = i.target.replace("0", "8", 1) if "0" in i.target else i.target + "0"
            i.evidence["target"] = Evidence(status=AlignmentStatus.REPAIRED, ocr_score=rng.uniform(0.45, 0.8))
            wrong.add((k, "target"))
        elif r < 0.22 and i.target:  # LLM value not in the source
            i.target = "≥" + str(rng.randint(1, 99)) + "%"
            i.evidence["target"] = Evidence(status=AlignmentStatus.UNGROUNDED, extractor="llm")
            wrong.add((k, "target"))
        elif r < 0.28 and i.level2:  # garbled L2
            i.level2 = i.level2[:1] + " fv"
            wrong.add((k, "level2"))
    return wrong


def test_confidence_is_higher_for_right_fields_than_wrong_ones() -> None:
    rng = random.Random(7)
    right_c: list[float] = []
    wrong_c: list[float] = []
    flagged_wrong = 0
    for _ in range(30):
        for build in (suzhou_department, suzhou_project, hubei_department, jiangxi_department, gaoxin_project):
            f = build()
            wrong = _corrupt(f, rng)
            out = run(f)
            for k, i in enumerate(out.indicators):
                for field, c in i.confidence.items():
                    if (k, field) in wrong:
                        wrong_c.append(c)
                        flagged_wrong += any(x.field == field and x.severity != Severity.INFO for x in i.flags)
                    else:
                        right_c.append(c)
    assert wrong_c and right_c
    mean_r, mean_w = sum(right_c) / len(right_c), sum(wrong_c) / len(wrong_c)
    assert mean_r - mean_w > 0.3
    # every corruption kind above leaves a trace a reviewer can see
    assert flagged_wrong / len(wrong_c) > 0.9


def test_every_code_has_a_registered_severity() -> None:
    assert all(c.severity in Severity for c in FLAG_CODES.values())
    f = reconcile_form(suzhou_project())
    for _, fl in all_flags(f):
        assert fl.code in FLAG_CODES and fl.severity == FLAG_CODES[fl.code].severity
