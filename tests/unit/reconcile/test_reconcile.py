"""Reconciliation as a whole: clean forms raise nothing above info, idempotence, the code table, and
confidence ordering on synthetic corruptions."""

from __future__ import annotations

import random

import pytest

from jixiao.reconcile import FLAG_CODES, reconcile, reconcile_form
from jixiao.model.output import AlignmentStatus, Document, Evidence, Form, Severity

from .builders import (
    INF,
    above_info,
    all_flags,
    gaoxin_project,
    hubei_department,
    jiangxi_department,
    run,
    suzhou_department,
    suzhou_project,
)


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


@pytest.mark.parametrize("build", [suzhou_department, hubei_department])
def test_reconcile_in_place_gives_what_the_copy_gives(build) -> None:
    """``copy=False`` (what the pipeline uses) reconciles the document itself, with the same result."""
    fresh = Document(doc_id="d", forms=[build()])
    copied = reconcile(fresh.model_copy(deep=True))
    before = fresh.model_dump(exclude={"stats"})
    same = reconcile(fresh, copy=False)
    assert same is fresh
    assert same.model_dump(exclude={"stats"}) == copied.model_dump(exclude={"stats"})
    assert same.model_dump(exclude={"stats"}) != before  # it did change the document (confidence, flags)
