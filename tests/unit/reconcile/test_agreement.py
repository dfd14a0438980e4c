"""Agreement with alternative readings (reconcile.agreement)."""

from __future__ import annotations

from jixiao.reconcile import reconcile
from jixiao.model.output import Document, Severity

from .builders import flags_of, gaoxin_project, ind, run, suzhou_project


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
