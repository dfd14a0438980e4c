"""Stable row ids (issue 10 §3): the extractor that reads a row stamps ``Indicator.row_id``
with the id the LLM chunking shows the model for it, so the merge pairs answers by id."""

from __future__ import annotations

from jixiao.extract.llm.chunking import source_rows
from jixiao.extract.llm.grounding import LlmIndicator, ground_indicator
from jixiao.extract.llm.chunking import chunk_region
from jixiao.extract.llm.run import merge_indicators
from jixiao.extract.rules import extract_form
from jixiao.extract.stream_settle import stamp_row_ids
from jixiao.model.output import Evidence, Form, Indicator
from jixiao.model.source import Paragraph
from jixiao.segment import FormRegion
from fakes.openai_server import make_table

ROWS = [["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "培训人次", "≥200人次"],
        ["", "质量指标", "培训合格率", "≥95%"],
        ["效益指标", "社会效益指标", "群众知晓率", "≥90%"]]


def test_rules_rows_carry_the_chunk_row_ids() -> None:
    region = FormRegion(blocks=[Paragraph(text="项目支出绩效目标表"), make_table(ROWS)])
    form = extract_form(region)
    shown = {r.rid: r.texts for r in source_rows(region)}
    assert [i.level3 for i in form.indicators] == ["培训人次", "培训合格率", "群众知晓率"]
    for ind in form.indicators:
        assert ind.row_id is not None and ind.level3 in shown[ind.row_id]


def test_stream_indicators_get_the_id_of_their_line() -> None:
    lines = ["绩效指标", "产出指标 数量指标 培训人次 ≥200人次", "质量指标 培训合格率 ≥95%"]
    region = FormRegion(blocks=[Paragraph(text=t, line=k + 1) for k, t in enumerate(lines)])
    form = Form(indicators=[Indicator(level3="培训合格率", evidence={"level3": Evidence(line=3)}),
                            Indicator(level3="培训人次", evidence={"level3": Evidence(line=2)})])
    stamp_row_ids(form, region)
    assert [i.row_id for i in form.indicators] == ["r3", "r2"]


def test_answer_for_a_prose_row_read_by_the_stream_replaces_nothing_and_adds_nothing() -> None:
    # the stream read 培训人次 from a prose line with no level2; the LLM reads the same row
    # (placing it in the other scope): same row id → one indicator, not two
    lines = ["产出指标 数量指标 培训人次 ≥200人次"]
    region = FormRegion(blocks=[Paragraph(text=t, line=k + 1) for k, t in enumerate(lines)])
    stream = Indicator(scope="annual", level1="产出指标", level3="培训人次", target="≥200人次",
                       evidence={"level3": Evidence(line=1, span=(10, 14), source_text="培训人次")})
    form = Form(indicators=[stream])
    stamp_row_ids(form, region)
    (chunk,) = chunk_region(region)
    g = ground_indicator(LlmIndicator(row="r1", level1="产出指标", level2="数量指标", level3="培训人次",
                                      target="≥200人次", scope="long_term"), chunk)
    assert g.indicator is not None, g.dropped
    counts = merge_indicators(form, [g], source_rows(region))
    assert counts["added"] == 0 and len(form.indicators) == 1
    assert form.indicators[0].level2 == "数量指标"


def test_answer_naming_consumed_text_of_a_prose_row_is_not_added() -> None:
    # the extractor read 培训人次（线上）; the LLM cites the same row with the shorter name
    region = FormRegion(blocks=[Paragraph(text="产出指标 数量指标 培训人次（线上） ≥200人次", line=1),
                                Paragraph(text="质量指标 培训合格率 ≥95%", line=2)])
    read = Indicator(level1="产出指标", level3="培训人次（线上）", target="≥200人次",
                     evidence={"level3": Evidence(line=1, source_text="培训人次（线上）")})
    form = Form(indicators=[read])
    stamp_row_ids(form, region)
    (chunk,) = chunk_region(region)
    g = ground_indicator(LlmIndicator(row="r1", level1="产出指标", level3="培训人次", target="≥200人次"), chunk)
    assert g.indicator is not None, g.dropped
    counts = merge_indicators(form, [g], source_rows(region))
    assert counts["added"] == 0 and len(form.indicators) == 1
