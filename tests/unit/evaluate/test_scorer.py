"""The scorer against hand-made label/prediction pairs whose scores were worked out by hand."""

from __future__ import annotations

import itertools
import random

import pytest
from rapidfuzz import fuzz

from jixiao.evaluate import aggregate, assign, score_document
from jixiao.evaluate.scorer import (
    HEADER_FIELDS,
    INDICATOR_FIELDS,
    MIN_INDICATOR_SIMILARITY,
    calibration,
    match_lines,
    pair_indicators,
)
from jixiao.model.output import Budget, BudgetLine, Document, Flag, Form, Goals, Indicator, ParsedValue, Severity


def ind(level3: str, target: str | None = "≥90%", level1: str = "产出指标", level2: str = "数量指标", **kw) -> Indicator:
    return Indicator(level1=level1, level2=level2, level3=level3, target=target, **kw)


def form(name: str, indicators: list[Indicator], *, form_type: str = "project", total: float | None = 3.0,
         lines: list[BudgetLine] | None = None, **kw) -> Form:
    return Form(
        form_type=form_type, title="项目支出绩效目标表", year=2024, unit_name="某市财政局", competent_dept="某市财政局",
        project_name=name if form_type == "project" else None,
        budget=Budget(total=total, fiscal=total, lines=lines or []),
        goals=Goals(long_term=None, annual="完成年度审计任务"),
        indicators=indicators, **kw,
    )


def doc(*forms: Form) -> Document:
    return Document(doc_id="t", forms=list(forms))


def copy(d: Document) -> Document:
    return d.model_copy(deep=True)


THREE = [ind("审计报告数", "=2份"), ind("审计覆盖率", "100%", level2="质量指标"), ind("服务对象满意度", "≥95%", "满意度指标", "服务对象满意度指标")]


def test_identical_prediction_scores_one_everywhere():
    gold = doc(form("委托审计审核费用", [i.model_copy() for i in THREE], lines=[BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=3.0)]))
    m = score_document(gold, copy(gold)).metrics()
    for key in ("form_recall", "form_precision", "indicator_precision", "indicator_recall", "indicator_f1",
                "indicator_field_accuracy", "exact_row_rate", "header_accuracy", "budget_accuracy", "budget_line_f1"):
        assert m[key] == 1.0, key
    assert m["silent_error_rate"] == 0.0
    # 8 header + 2 budget + 1 line + 3 indicators × 10 fields
    assert m["counts"]["fields"] == 8 + 2 + 1 + 30


def test_missed_form_counts_all_its_fields_and_indicators_as_missed():
    a = form("委托审计审核费用", [i.model_copy() for i in THREE])
    b = form("信息化运维经费", [ind("系统运行率", "≥99%"), ind("故障响应时间", "≤2小时", level2="时效指标")])
    gold = doc(a, b)
    pred = doc(a.model_copy(deep=True))
    s = score_document(gold, pred)
    m = s.metrics()
    assert m["form_recall"] == 0.5 and m["form_precision"] == 1.0
    assert m["indicator_recall"] == 3 / 5 and m["indicator_precision"] == 1.0
    assert m["indicator_f1"] == pytest.approx(2 * 3 / (5 + 3))
    # per-field accuracy is over paired indicators only (spec); exact rows over all golden rows
    assert m["indicator_field_accuracy"] == 1.0
    assert m["exact_row_rate"] == 3 / 5 and m["exact_row_rate_paired"] == 1.0
    assert m["header_accuracy"] == 8 / 16 and m["budget_accuracy"] == 2 / 4
    missed = [r for r in s.records if r.form == "信息化运维经费"]
    assert len(missed) == 8 + 2 + 2 * 10
    assert all(not r.correct and not r.paired and r.got is None for r in missed)
    # nothing in the prediction flags the missing form, so all of it is silent
    assert m["silent_error_rate"] == len(missed) / len(s.records)


def test_swapped_level2_is_two_wrong_fields_not_a_pairing_failure():
    gold = doc(form("项目", [ind("审计报告数", level2="数量指标"), ind("审计覆盖率", level2="质量指标")]))
    pred = copy(gold)
    pred.forms[0].indicators[0].level2, pred.forms[0].indicators[1].level2 = "质量指标", "数量指标"
    m = score_document(gold, pred).metrics()
    assert m["indicator_recall"] == 1.0 and m["indicator_precision"] == 1.0
    assert m["field_accuracy"]["level2"] == 0.0
    assert all(m["field_accuracy"][f] == 1.0 for f in INDICATOR_FIELDS if f != "level2")
    assert m["exact_row_rate"] == 0.0
    assert m["indicator_field_accuracy"] == 18 / 20


def test_fuzzy_level3_pairs_but_the_level3_field_is_wrong():
    gold = doc(form("项目", [ind("受益人员满意度", "≥90%"), ind("群众满意度", "≥85%")]))
    pred = doc(form("项目", [ind("受益人员满意度指标", "≥90%"), ind("服务对象满意度", "≥85%")]))
    assert fuzz.ratio("受益人员满意度", "受益人员满意度指标") / 100 >= MIN_INDICATOR_SIMILARITY
    assert fuzz.ratio("群众满意度", "服务对象满意度") / 100 < MIN_INDICATOR_SIMILARITY
    s = score_document(gold, pred)
    m = s.metrics()
    assert m["indicator_recall"] == 0.5 and m["indicator_precision"] == 0.5
    assert m["field_accuracy"]["level3"] == 0.0
    assert m["field_accuracy"]["target"] == 1.0
    wrong_l3 = [r for r in s.records if r.field == "level3" and r.paired]
    assert [(r.expected, r.got, r.correct) for r in wrong_l3] == [("受益人员满意度", "受益人员满意度指标", False)]


def test_lookalike_operator_and_full_width_values_are_equal():
    gold = doc(form("项目", [ind("合格率", "≥80%"), ind("制度", "健全", description="（Ａ）类，按季度"),
                             ind("完成率", "100%")]))
    pred = doc(form("项目", [ind("合格率", "≧80%"), ind("制度", "健 全", description="(A)类,按季度"),
                             ind("完成率", "１００％")]))
    m = score_document(gold, pred).metrics()
    assert m["field_accuracy"]["target"] == 1.0
    assert m["field_accuracy"]["description"] == 1.0
    assert m["exact_row_rate"] == 1.0


def test_parsed_value_is_used_when_present_and_op_matters():
    gold = doc(form("项目", [ind("合格率", "≥80%"), ind("到位率", "≥95%")]))
    pred = copy(gold)
    # same text but a parse that says 90: the spec uses the emitted parse
    pred.forms[0].indicators[0].target_parsed = ParsedValue(op="≥", number=90.0, unit="%")
    pred.forms[0].indicators[1].target = "=95%"  # operator differs
    m = score_document(gold, pred).metrics()
    assert m["field_accuracy"]["target"] == 0.0


def test_amounts_in_yuan_are_wrong_and_small_rounding_is_right():
    lines = [BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=3.0),
             BudgetLine(section="支出", item="审计费", column="半年计划执行数", amount=2.2)]
    gold = doc(form("项目", [ind("审计报告数")], total=3.0, lines=lines))
    yuan = copy(gold)
    yuan.forms[0].budget.total = 30000.0  # 元 not converted to 万元
    yuan.forms[0].budget.lines[0].amount = 30000.0
    m = score_document(gold, yuan).metrics()
    assert m["budget_field_accuracy"]["budget.total"] == 0.0
    assert m["budget_field_accuracy"]["budget.fiscal"] == 1.0
    assert m["budget_line_precision"] == 0.5 and m["budget_line_recall"] == 0.5

    close = copy(gold)
    close.forms[0].budget.total = 3.004
    close.forms[0].budget.lines[0].amount = 3.004
    m = score_document(gold, close).metrics()
    assert m["budget_accuracy"] == 1.0 and m["budget_line_f1"] == 1.0

    off = copy(gold)
    off.forms[0].budget.lines[0].amount = 3.006
    assert score_document(gold, off).metrics()["budget_line_recall"] == 0.5


def test_budget_lines_compare_folded_text_one_to_one():
    g = [BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=3.0)] * 2
    p = [BudgetLine(section="收 入", item="财政拨款", column="全年预算数", amount=3.001),
         BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=2.999),
         BudgetLine(section="收入", item="财政拨款", column="全年预算数", amount=3.0)]
    assert len(match_lines(g, p)) == 2  # two golden lines, never three matches
    gold = doc(form("项目", [], lines=g))
    m = score_document(gold, doc(form("项目", [], lines=p))).metrics()
    assert m["budget_line_recall"] == 1.0 and m["budget_line_precision"] == pytest.approx(2 / 3)
    assert m["budget_line_f1"] == pytest.approx(2 * 2 / (2 + 3))


def test_invented_indicator_lowers_precision_only():
    gold = doc(form("项目", [i.model_copy() for i in THREE]))
    pred = copy(gold)
    pred.forms[0].indicators.append(ind("宣传活动次数", "≥3次"))
    m = score_document(gold, pred).metrics()
    assert m["indicator_precision"] == 3 / 4
    assert m["indicator_recall"] == 1.0
    assert m["indicator_field_accuracy"] == 1.0 and m["exact_row_rate"] == 1.0
    assert m["counts"]["fields"] == score_document(gold, copy(gold)).metrics()["counts"]["fields"]


def test_optimal_assignment_beats_greedy():
    # gold: 审计报告数, 出具审计审核报告数; pred (garbled): 审计报告数, 审计报告率
    g = ["审计报告数", "出具审计审核报告数"]
    p = ["审计报告数", "审计报告率"]
    sim = {(i, j): fuzz.ratio(a, b) / 100 for (i, a), (j, b) in itertools.product(enumerate(g), enumerate(p))}
    # greedy takes the exact pair (1.0) first and strands 出具审计审核报告数: its only partner left is too far
    assert sim[(0, 0)] == 1.0 and sim[(1, 1)] < MIN_INDICATOR_SIMILARITY
    assert sim[(0, 1)] >= MIN_INDICATOR_SIMILARITY and sim[(1, 0)] >= MIN_INDICATOR_SIMILARITY
    gold = doc(form("项目", [ind(x) for x in g]))
    pred = doc(form("项目", [ind(x) for x in p]))
    pairs = [(i, j) for i, j, _ in pair_indicators(gold.forms[0].indicators, pred.forms[0].indicators)]
    assert pairs == [(0, 1), (1, 0)]
    m = score_document(gold, pred).metrics()
    assert m["indicator_recall"] == 1.0  # greedy would give 0.5
    assert m["field_accuracy"]["level3"] == 0.0 and m["field_accuracy"]["target"] == 1.0


def test_duplicate_level3_pairs_by_level2():
    gold = doc(form("项目", [ind("满意度", "≥90%", "满意度指标", "服务对象满意度"), ind("满意度", "≥80%", "效益指标", "社会效益")]))
    pred = copy(gold)
    pred.forms[0].indicators.reverse()
    m = score_document(gold, pred).metrics()
    assert m["exact_row_rate"] == 1.0


def test_assign_matches_brute_force():
    rng = random.Random(7)
    for _ in range(200):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        w = {(i, j): round(rng.random(), 3) for i in range(n) for j in range(m) if rng.random() < 0.6}
        if not w:
            continue
        best = 0.0
        for perm in itertools.permutations(range(max(n, m))):
            best = max(best, sum(w.get((i, perm[i]), 0.0) for i in range(n)))
        got = assign(w)
        assert len({i for i, _ in got}) == len(got) == len({j for _, j in got})
        assert all(e in w for e in got)
        assert sum(w[e] for e in got) == pytest.approx(best)


def test_scope_must_match():
    gold = doc(form("项目", [ind("审计报告数", scope="long_term")]))
    pred = doc(form("项目", [ind("审计报告数", scope="annual")]))
    assert score_document(gold, pred).metrics()["indicator_recall"] == 0.0


def test_form_type_mismatch_still_pairs_on_the_same_name():
    gold = doc(form("某市财政局", [ind("审计报告数")], form_type="department"))
    pred = doc(form("某市财政局", [ind("审计报告数")], form_type="project"))
    pred.forms[0].project_name = None  # key falls back to unit_name on both sides
    m = score_document(gold, pred).metrics()
    assert m["form_recall"] == 1.0
    assert m["header_field_accuracy"]["form_type"] == 0.0


def test_forms_pair_by_name_not_order():
    a, b = form("委托审计审核费用", [ind("审计报告数")]), form("信息化运维经费", [ind("系统运行率")])
    gold, pred = doc(a, b), doc(b.model_copy(deep=True), a.model_copy(deep=True))
    s = score_document(gold, pred)
    assert sorted((i, j) for i, j, _ in s.form_pairs) == [(0, 1), (1, 0)]
    assert s.metrics()["exact_row_rate"] == 1.0


def test_goals_fuzzy_and_history():
    long_goal = "通过委托第三方开展审计审核工作，提高财政资金使用效益，规范项目管理，确保资金安全"
    gold = doc(form("项目", [ind("审计报告数", history={"2022": "85.63%", "2023": "88.86%"})]))
    gold.forms[0].goals.long_term = long_goal
    pred = copy(gold)
    pred.forms[0].goals.long_term = long_goal.replace("，", "")  # punctuation lost: ratio ≥ 0.9
    pred.forms[0].goals.annual = "完成任务"  # different text
    pred.forms[0].indicators[0].history = {"2022": "85.63 %", "2023": "88.8%"}
    s = score_document(gold, pred)
    m = s.metrics()
    assert m["header_field_accuracy"]["goals.long_term"] == 1.0
    assert m["header_field_accuracy"]["goals.annual"] == 0.0
    assert m["field_accuracy"]["history"] == 0.0
    assert set(m["header_field_accuracy"]) == set(HEADER_FIELDS)


def test_flags_make_errors_not_silent_and_confidence_is_bucketed():
    gold = doc(form("项目", [ind("审计报告数", "=2份"), ind("审计覆盖率", "100%")]))
    pred = copy(gold)
    i0, i1 = pred.forms[0].indicators
    i0.target = "=3份"
    i0.flags.append(Flag(severity=Severity.WARNING, code="value_doubt", message="?", field="target"))
    i0.confidence["target"] = 0.4
    i1.target = "90%"
    i1.flags.append(Flag(severity=Severity.INFO, code="repaired", message="ok", field="target"))  # info is not a doubt
    i1.confidence["target"] = 0.95
    i1.confidence["level3"] = 0.8
    s = score_document(gold, pred)
    m = s.metrics()
    n = m["counts"]["fields"]
    assert m["field_error_rate"] == 2 / n
    assert m["silent_error_rate"] == 1 / n
    assert m["flag_recall"] == 0.5 and m["flag_precision"] == 1.0
    buckets = {c["bucket"]: c for c in calibration(s.records)}
    assert (buckets["0–0.5"]["fields"], buckets["0–0.5"]["accuracy"]) == (1, 0.0)
    assert (buckets["0.9–1.0"]["fields"], buckets["0.9–1.0"]["accuracy"]) == (1, 0.0)
    assert (buckets["0.7–0.9"]["fields"], buckets["0.7–0.9"]["accuracy"]) == (1, 1.0)
    assert buckets["none"]["fields"] == n - 3 and buckets["none"]["accuracy"] == 1.0


def test_aggregate_is_micro_averaged_and_empty_rates_are_none():
    gold1 = doc(form("项目", [ind("审计报告数")]))
    gold2 = doc(form("项目", [ind("a1"), ind("a2"), ind("a3")]))
    s1 = score_document(gold1, copy(gold1))  # 1 of 1
    s2 = score_document(gold2, doc())  # 0 of 3, nothing predicted
    m = aggregate([s1, s2])
    assert m["indicator_recall"] == 1 / 4 and m["indicator_precision"] == 1.0
    assert s2.metrics()["indicator_precision"] is None  # nothing predicted: precision undefined
    assert s2.metrics()["indicator_f1"] == 0.0
    assert m["budget_line_f1"] is None  # no lines anywhere
    # the average hides the document that read nothing; the worst one does not
    assert m["indicator_f1"] == 2 / 5 and m["worst_document_indicator_f1"] == 0.0
    assert aggregate([s1])["worst_document_indicator_f1"] == 1.0
