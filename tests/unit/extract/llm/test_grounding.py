"""Grounding: every LLM value is aligned back to a cell, or flagged; inventions are dropped."""

from __future__ import annotations

import json

from jixiao.extract.llm.chunking import chunk_region
from jixiao.extract.llm.grounding import LlmIndicator, ground_indicator, match_cell, response_model_for
from fakes.openai_server import make_table
from jixiao.model.source import Cell, Paragraph
from jixiao.model.output import AlignmentStatus, Severity
from jixiao.segment import FormRegion

ROWS = [
    ["一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值"],
    ["产出指标", "数量指标", "检查企业数量", "≥50家", "≥120家"],
    ["", "", "发放宣传册", "=500份", "=1000份"],
    ["", "质量指标", "投诉处理及时率", "≧95％", "≥95%"],
    ["满意度指标", "服务对象满意度", "企业满意度", "≥90%", "≥90%"],
]


def chunk():
    (c,) = chunk_region(FormRegion(blocks=[make_table(ROWS, page=4)]))
    return c


def item(**kw: object) -> LlmIndicator:
    base = dict(row="r3", level1="产出指标", level2="数量指标", level3="发放宣传册", half_year="=500份", target="=1000份")
    base.update(kw)
    return LlmIndicator(**base)  # type: ignore[arg-type]


def test_exact_grounding_gives_page_bbox_and_fills_levels_from_merged_cells_above() -> None:
    g = ground_indicator(item(), chunk())
    ind = g.indicator
    assert ind is not None and g.rid == "r3" and ind.row_id == "r3"
    for name in ("level1", "level2", "level3", "half_year", "target"):
        ev = ind.evidence[name]
        assert ev.status is AlignmentStatus.EXACT and ev.extractor == "llm" and ev.page == 4, name
    # level1/level2 are printed on r2 (merged cell), not on r3
    assert ind.evidence["level1"].bbox[1] == 120.0 and ind.evidence["level3"].bbox[1] == 140.0
    assert ind.target_parsed.op == "=" and ind.target_parsed.number == 1000.0
    assert not ind.flags and not g.ungrounded


def test_folded_equal_is_exact_and_fuzzy_is_snapped_to_the_source() -> None:
    g = ground_indicator(item(row="r4", level2="质量指标", level3="投诉处理及时率", half_year="≥95%", target="≥95%"),
                         chunk())
    assert g.indicator.evidence["half_year"].status is AlignmentStatus.EXACT  # ≧95％ folds to ≥95%
    assert g.indicator.evidence["half_year"].source_text == "≧95％"
    g2 = ground_indicator(item(level3="发放宣传手册"), chunk())  # model's typo: one char extra
    ind = g2.indicator
    assert ind.level3 == "发放宣传册" and ind.evidence["level3"].status is AlignmentStatus.FUZZY
    assert ind.evidence["level3"].repairs[0].original == "发放宣传手册"
    assert ind.confidence["level3"] < ind.confidence["target"]


def test_changed_number_is_never_a_match() -> None:
    g = ground_indicator(item(target="=1001份"), chunk())
    ind = g.indicator
    # an unsupported value is not used; the flag keeps the claim for a reviewer
    assert ind.target is None and "target" not in ind.evidence and ind.half_year == "=500份"
    assert g.ungrounded == ["target"] and g.statuses["target"] is AlignmentStatus.UNGROUNDED
    (flag,) = [f for f in ind.flags if f.code == "llm_ungrounded"]
    assert flag.severity is Severity.WARNING and flag.field == "target" and flag.evidence["value"] == "=1001份"
    assert match_cell("≥95.5%", Cell("≥96.5%", 0, 0)) is None
    assert match_cell("96.5%", Cell("≥96.5%", 0, 0)) is not None


def test_value_from_another_row_is_not_grounded() -> None:
    # ≥120家 is printed on r2, not on r3: a value is only looked for on its own row
    g = ground_indicator(item(target="≥120家"), chunk())
    assert g.indicator.target is None and g.ungrounded == ["target"]


def test_invented_row_is_dropped_with_a_flag() -> None:
    g = ground_indicator(item(row="r3", level3="群众满意度调查覆盖率", target="≥80%"), chunk())
    assert g.indicator is None and g.dropped is not None
    assert g.dropped.code == "llm_invented_row" and "群众满意度调查覆盖率" in g.dropped.message
    # copying the header or a level name as the level3 is an invention too
    assert ground_indicator(item(row="r1", level3="三级指标"), chunk()).indicator is None
    assert ground_indicator(item(row="r2", level3="数量指标"), chunk()).indicator is None
    for word in ("半年", "指标", "满意度指标", "出指标"):  # header words, level names, fragments of them
        assert ground_indicator(item(row="r3", level3=word, level1=None, level2=None), chunk()).indicator is None, word


def test_wrong_citation_is_corrected_to_the_row_that_holds_the_level3() -> None:
    g = ground_indicator(item(row="r5", level3="发放宣传册"), chunk())
    assert g.rid == "r3" and g.indicator.evidence["target"].status is AlignmentStatus.EXACT
    assert any(f.code == "llm_row_corrected" and f.severity is Severity.INFO for f in g.indicator.flags)


def test_level_not_printed_anywhere_is_ungrounded_warning() -> None:
    g = ground_indicator(item(level1="产出", level2="数量"), chunk())
    ind = g.indicator
    # "产出" is contained in the printed "产出指标": aligned (fuzzy) to the printed wording
    assert ind.level1 == "产出指标" and ind.evidence["level1"].status is AlignmentStatus.FUZZY
    g2 = ground_indicator(item(level1="投入"), chunk())
    assert g2.indicator.evidence["level1"].status is AlignmentStatus.UNGROUNDED
    assert [f.severity for f in g2.indicator.flags if f.field == "level1"] == [Severity.WARNING]


def test_prose_rows_ground_substrings_exactly() -> None:
    para = Paragraph("绩效指标：按照管委会相关要求，商务管理工作完成率85%以上。", page=2, bbox=(50, 60, 500, 80))
    (c,) = chunk_region(FormRegion(blocks=[para]))
    g = ground_indicator(LlmIndicator(row="r1", level3="商务管理工作完成率", target="85%以上"), c)
    ind = g.indicator
    assert ind.evidence["level3"].status is AlignmentStatus.EXACT and ind.evidence["target"].bbox == (50, 60, 500, 80)
    assert ind.target_parsed.op == "≥" and ind.target_parsed.number == 85.0
    # a normalised reading of the prose keeps its number and unit: fuzzy, kept as the model wrote it
    g2 = ground_indicator(LlmIndicator(row="r1", level3="商务管理工作完成率", target="≥85%"), c)
    assert g2.indicator.target == "≥85%" and g2.indicator.evidence["target"].status is AlignmentStatus.FUZZY
    g3 = ground_indicator(LlmIndicator(row="r1", level3="商务管理工作完成率", target="≥90%"), c)
    assert g3.indicator.target is None


def test_response_schema_is_bounded_by_the_chunk() -> None:
    c = chunk()
    schema = response_model_for(c, enum_rows=True).model_json_schema()
    item_schema = schema["$defs"]["Indicator"]
    assert schema["properties"]["indicators"]["maxItems"] == 6  # 4 content rows + 2 slack
    assert item_schema["properties"]["row"]["enum"] == ["r2", "r3", "r4", "r5"]
    assert item_schema["properties"]["level3"]["maxLength"] >= len("投诉处理及时率")
    loose = response_model_for(c, enum_rows=False).model_json_schema()
    assert loose["$defs"]["Indicator"]["properties"]["row"]["type"] == "string"
    assert "范例" not in json.dumps(schema, ensure_ascii=False)
