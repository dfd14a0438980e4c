"""Header checks, grounding flags and the confidence they give (reconcile.header, reconcile.confidence)."""

from __future__ import annotations

from jixiao.reconcile import reconcile
from jixiao.model.output import AlignmentStatus, Document, Evidence, Flag, Repair, Severity, SourceInfo

from .builders import (
    EX,
    flags_of,
    gaoxin_project,
    hubei_department,
    ind,
    jiangxi_department,
    run,
    suzhou_project,
)


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
    # without evidence pages, source.ocr_pages gives the prior (stats are telemetry: ignored)
    d = Document(doc_id="t", forms=[suzhou_project()], source=SourceInfo(pages=2, ocr_pages=2))
    assert reconcile(d).forms[0].indicators[4].confidence["target"] < j.confidence["target"]
    d = Document(doc_id="t", forms=[suzhou_project()], stats={"ocr_pages": 2, "pages": 2})
    assert reconcile(d).forms[0].indicators[4].confidence["target"] == j.confidence["target"]
    # a text that reads like OCR output is as doubtful as a scan
    d = Document(doc_id="t", forms=[suzhou_project()], source=SourceInfo(pages=1, text_looks_like_ocr=True))
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
