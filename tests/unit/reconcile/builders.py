"""Hand-made forms and helpers shared by the reconcile tests."""

from __future__ import annotations

from jixiao.reconcile import reconcile
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
    Severity,
    Traced,
)

EX, INF = AlignmentStatus.EXACT, AlignmentStatus.INFERRED


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
