"""Grounding by the row, not by vocabulary (issue 16): a correct answer printed in its row
is kept whatever it looks like; values printed over several cells are joined; a value
copied from another column, or a level from a merged cell that is not the row's, is not
taken as read."""

from __future__ import annotations

from jixiao.extract.llm.chunking import Chunk, SourceRow, chunk_region, source_rows
from jixiao.extract.llm.grounding import LlmIndicator, ground_indicator
from jixiao.extract.llm.run import merge_indicators, select_unsettled
from jixiao.model.output import AlignmentStatus, Evidence, Form, Indicator, Severity
from jixiao.model.source import Paragraph
from jixiao.segment import FormRegion
from fakes.openai_server import make_table


def chunk_of(rows: list[list[str]]):
    (c,) = chunk_region(FormRegion(blocks=[make_table(rows)]))
    return c


def table_rows(rows: list[list[str]]) -> list[SourceRow]:
    return source_rows(FormRegion(blocks=[make_table(rows)]))


def prose(text: str) -> tuple[list[SourceRow], Chunk]:
    """A region of one paragraph (a text copy's line): its rows and its one chunk."""
    region = FormRegion(blocks=[Paragraph(text=text, page=1)])
    rows_ = source_rows(region)
    (c,) = chunk_region(region, rows=rows_)
    return rows_, c


def item(row: str, level3: str, *, level1: str | None = None, level2: str | None = None,
         half_year: str | None = None, target: str | None = None) -> LlmIndicator:
    return LlmIndicator(row=row, level1=level1, level2=level2, level3=level3, half_year=half_year, target=target)


def test_zhejiang_form_without_level3_keeps_rows_named_like_a_level() -> None:
    # 指标类型 / 指标名称 / 指标值: the 名称 column holds 数量指标, 质量指标 …
    rows = [["指标类型", "指标名称", "指标值", "指标描述"],
            ["产出指标", "数量指标", "≥120场", "全年送戏下乡演出场次"],
            ["", "质量指标", "≥95%", "演出验收合格率"]]
    c = chunk_of(rows)
    for rid, l3, target in (("r2", "数量指标", "≥120场"), ("r3", "质量指标", "≥95%")):
        g = ground_indicator(item(rid, l3, level1="产出指标", level2=l3, target=target), c)
        assert g.indicator is not None, g.dropped
        assert g.indicator.level3 == l3 and g.indicator.evidence["level3"].status is AlignmentStatus.EXACT
        assert g.indicator.target == target


def test_level3_equal_to_a_level_name_is_kept_when_printed_in_the_level3_column() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%"],
            ["效益指标", "可持续影响指标", "持续发展", "较上年提升"]]
    c = chunk_of(rows)
    g = ground_indicator(item("r2", "满意度", level1="满意度指标", level2="服务对象满意度指标", target="≥90%"), c)
    assert g.indicator is not None and g.indicator.level3 == "满意度"
    g = ground_indicator(item("r3", "持续发展", level1="效益指标", level2="可持续影响指标", target="较上年提升"), c)
    assert g.indicator is not None and g.indicator.level3 == "持续发展"


def test_level_name_copied_from_a_level_column_is_still_dropped() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "", ""],
            ["", "", "培训人次", "≥100人次"]]
    g = ground_indicator(item("r2", "数量指标", level1="产出指标", level2="数量指标"), chunk_of(rows))
    assert g.indicator is None and g.dropped is not None and g.dropped.code == "llm_invented_row"


def test_value_split_over_operator_number_and_unit_cells_is_joined() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "计算符号", "指标值", "计量单位"],
            ["产出指标", "质量指标", "验收合格率", "≥", "95", "%"],
            ["", "数量指标", "培训人次", "=", "46", "人"]]
    c = chunk_of(rows)
    g = ground_indicator(item("r2", "验收合格率", target="≥95%"), c)
    ev = g.indicator.evidence["target"]
    assert g.indicator.target == "≥95%" and ev.status is AlignmentStatus.EXACT
    assert ev.source_text == "≥ | 95 | %" and ev.bbox[0] < ev.bbox[2] and ev.bbox[2] - ev.bbox[0] > 200
    assert g.indicator.target_parsed.op == "≥" and g.indicator.target_parsed.number == 95.0
    g = ground_indicator(item("r3", "培训人次", target="=46人"), c)
    assert g.indicator.target == "=46人" and g.indicator.evidence["target"].status is AlignmentStatus.EXACT


def test_value_copied_from_another_column_is_flagged_not_read() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值", "权重"],
            ["产出指标", "数量指标", "培训人次", "≥50人次", "≥120人次", "10"]]
    c = chunk_of(rows)
    g = ground_indicator(item("r2", "培训人次", target="≥50人次"), c)  # the half-year cell
    ind = g.indicator
    assert ind.evidence["target"].status is AlignmentStatus.FUZZY
    assert [f.field for f in ind.flags if f.code == "llm_wrong_column" and f.severity is Severity.WARNING] == ["target"]
    # merged into a rules row: a disagreement, the rules value kept
    rows_ = table_rows(rows)
    rules = Indicator(level1="产出指标", level2="数量指标", level3="培训人次", half_year="≥50人次", target="≥120人次",
                      row_id="r2")
    rules.evidence["target"] = Evidence(status=AlignmentStatus.EXACT, source_text="≥120人次")
    form = Form(indicators=[rules])
    merge_indicators(form, [g], rows_)
    assert rules.target == "≥120人次"
    assert [f.field for f in rules.flags if f.code == "llm_disagrees"] == ["target"]


def test_level_from_a_merged_cell_further_up_is_not_the_rows_own() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "培训人次", "≥100人次"],
            ["", "质量指标", "培训合格率", "≥95%"],
            ["", "", "结业率", "≥90%"]]
    c = chunk_of(rows)
    g = ground_indicator(item("r4", "结业率", level1="产出指标", level2="数量指标", target="≥90%"), c)
    ind = g.indicator
    assert ind.evidence["level1"].status is AlignmentStatus.EXACT  # nearest printed 一级 cell
    assert ind.evidence["level2"].status is AlignmentStatus.UNGROUNDED  # 质量指标 is nearer
    assert any(f.code == "llm_ungrounded" and f.field == "level2" for f in ind.flags)


def test_grounded_llm_value_replaces_an_implausible_rules_value_with_evidence() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值", "金额（元）"],
            ["产出指标", "质量指标", "资金到位率", "100%", "500元"]]
    rows_ = table_rows(rows)
    g = ground_indicator(item("r2", "资金到位率", target="100%"), chunk_of(rows))
    rules = Indicator(level1="产出指标", level2="质量指标", level3="资金到位率", target="500元", row_id="r2")
    rules.evidence["target"] = Evidence(status=AlignmentStatus.EXACT, source_text="500元")
    form = Form(indicators=[rules])
    counts = merge_indicators(form, [g], rows_)
    assert rules.target == "100%" and counts["replaced"] == 1
    (flag,) = [f for f in rules.flags if f.code == "llm_replaced"]
    assert flag.evidence["rules_value"] == "500元" and flag.evidence["llm_value"] == "100%"
    assert "rate" in flag.evidence["reason"] and flag.evidence["rules_evidence"]["source_text"] == "500元"


def test_fallback_sends_rows_the_rules_did_not_read() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "培训人次", "≥100人次"],
            ["", "", "培训天数", "≥5天"],
            ["", "质量指标", "培训合格率", "≥95%"]]
    region = FormRegion(blocks=[make_table(rows)])
    rows_ = source_rows(region)
    chunks = chunk_region(region, rows=rows_)
    read = Indicator(level1="产出指标", level2="数量指标", level3="培训人次", target="≥100人次", row_id="r2")
    assert select_unsettled(chunks, Form(indicators=[read]), rows_) == chunks  # 1 of 3 rows read, nothing flagged
    all_read = [read, *(Indicator(level3=n, target=t, row_id=r) for r, n, t in
                        (("r3", "培训天数", "≥5天"), ("r4", "培训合格率", "≥95%")))]
    assert select_unsettled(chunks, Form(indicators=all_read), rows_) == []


def test_fallback_sends_a_value_its_name_rules_out() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "质量指标", "资金到位率", "500元"]]
    region = FormRegion(blocks=[make_table(rows)])
    rows_ = source_rows(region)
    chunks = chunk_region(region, rows=rows_)
    rules = Indicator(level1="产出指标", level2="质量指标", level3="资金到位率", target="500元", row_id="r2")
    assert select_unsettled(chunks, Form(indicators=[rules]), rows_) == chunks


# A text export (tab-separated, a copy from a web page) drops the empty places of merged
# cells: a row under a merged 一级/二级 cell is shorter than its header, its cells moved left.
SHIFTED = [["一级指标", "二级指标", "三级指标", "指标解释", "指标值类型", "指标值", "计量单位", "权重", "指标值确定依据"],
           ["产出指标", "数量指标", "日常养护里程", "纳入日常养护的里程", "定量", "≥11800", "公里", "10", "计划标准"],
           ["危桥改造座数", "完成危桥改造的数量", "定量", "=32", "座", "8", "计划标准"]]


def test_name_in_a_row_shorter_than_its_header_is_read_by_the_rows_own_columns() -> None:
    c = chunk_of(SHIFTED)
    g = ground_indicator(item("r3", "危桥改造座数", level1="产出指标", level2="数量指标", target="=32座"), c)
    assert g.indicator is not None, g.dropped
    ind = g.indicator
    assert ind.level3 == "危桥改造座数" and ind.evidence["level3"].status is AlignmentStatus.EXACT
    assert ind.target == "=32座" and ind.evidence["target"].status is AlignmentStatus.EXACT  # "=32 | 座" joined
    assert not any(f.code == "llm_wrong_column" for f in ind.flags)
    # the weight column, moved left with the rest, is still not the target's
    g2 = ground_indicator(item("r3", "危桥改造座数", target="8"), c)
    assert any(f.code == "llm_wrong_column" and f.field == "target" for f in g2.indicator.flags)


def test_rules_row_read_into_the_wrong_columns_is_replaced_field_by_field() -> None:
    c = chunk_of(SHIFTED)
    rows_ = table_rows(SHIFTED)
    g = ground_indicator(item("r3", "危桥改造座数", level1="产出指标", level2="数量指标", target="=32座"), c)
    # the rules read the row one column left: the name as level1, the description as level2
    rules = Indicator(level1="危桥改造座数", level2="完成危桥改造的数量", level3="定量", target="=32座", row_id="r3",
                      description="=32")
    for name in ("level1", "level2", "level3", "target"):
        rules.evidence[name] = Evidence(status=AlignmentStatus.EXACT, source_text=getattr(rules, name))
    form = Form(indicators=[rules])
    counts = merge_indicators(form, [g], rows_)
    assert (rules.level1, rules.level2, rules.level3, rules.target) == ("产出指标", "数量指标", "危桥改造座数", "=32座")
    replaced = {f.field: f.evidence for f in rules.flags if f.code == "llm_replaced"}
    assert set(replaced) == {"level1", "level2", "level3"} and counts["replaced"] == 3
    assert replaced["level3"]["rules_value"] == "定量" and "level1" in replaced["level3"]["reason"]
    # what the LLM does not read stays as the rules read it, never unflagged
    assert rules.description == "=32"
    assert any(f.code == "llm_rules_misread" and f.field == "description" for f in rules.flags)


def test_a_differing_name_alone_does_not_replace_a_rules_row() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "培训人次", "≥100人次"]]
    rows_ = table_rows(rows)
    g = ground_indicator(item("r2", "培训人次", target="≥100人次"), chunk_of(rows))
    rules = Indicator(level1="产出指标", level2="数量指标", level3="培训人数", target="≥100人次", row_id="r2")
    form = Form(indicators=[rules])
    merge_indicators(form, [g], rows_)
    assert rules.level3 == "培训人数"
    assert any(f.code == "llm_disagrees" and f.field == "level3" for f in rules.flags)


def test_an_ungrounded_level_does_not_fill_a_gap_of_a_rules_row() -> None:
    # a careless model's made-up level2 would make reconcile restore the level1 from it, unflagged
    rows = [["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "", "办结时限", "≤7个工作日"]]
    rows_ = table_rows(rows)
    g = ground_indicator(item("r2", "办结时限", level1="产出指标", level2="经济效益指标", target="≤7个工作日"),
                         chunk_of(rows))
    assert g.statuses["level2"] is AlignmentStatus.UNGROUNDED
    rules = Indicator(level1="产出指标", level3="办结时限", target="≤7个工作日", row_id="r2")
    counts = merge_indicators(Form(indicators=[rules]), [g], rows_)
    assert rules.level2 is None and counts["rejected"] >= 1


def test_a_whole_paragraph_is_not_grounded_as_a_value() -> None:
    text = "年度目标：实现生活垃圾分类示范小区覆盖620个以上，回收利用率达到40%以上，健全垃圾分类长效管理机制。"
    (c,) = chunk_region(FormRegion(blocks=[Paragraph(text=text, page=1)]))
    g = ground_indicator(item(c.rows[0].rid, "垃圾分类长效管理机制", target=text), c)
    assert g.indicator is not None and g.indicator.target is None and "target" in g.ungrounded
    g2 = ground_indicator(item(c.rows[0].rid, "垃圾分类长效管理机制", target="健全"), c)
    assert g2.indicator.target == "健全"


def test_fallback_sends_a_row_read_into_the_wrong_columns() -> None:
    region = FormRegion(blocks=[make_table(SHIFTED)])
    rows_ = source_rows(region)
    chunks = chunk_region(region, rows=rows_)
    good = Indicator(level1="产出指标", level2="数量指标", level3="日常养护里程", target="≥11800公里", row_id="r2")
    right = Indicator(level1="产出指标", level2="数量指标", level3="危桥改造座数", target="=32座", row_id="r3")
    assert select_unsettled(chunks, Form(indicators=[good, right]), rows_) == []
    shifted = Indicator(level1="危桥改造座数", level2="完成危桥改造的数量", level3="定量", target="=32座", row_id="r3")
    assert select_unsettled(chunks, Form(indicators=[good, shifted]), rows_) == chunks


def test_a_prose_row_whose_level2_the_rules_took_for_the_name_is_replaced_not_added() -> None:
    rows_, c = prose("组织管理 管理制度健全性 健全 健全")
    rid = rows_[0].rid
    g = ground_indicator(item(rid, "管理制度健全性", level2="组织管理", target="健全"), c)
    rules = Indicator(level3="组织管理", target="健全", row_id=rid)
    form = Form(indicators=[rules])
    counts = merge_indicators(form, [g], rows_)
    assert counts["added"] == 0 and len(form.indicators) == 1
    assert (rules.level2, rules.level3) == ("组织管理", "管理制度健全性")
    assert any(f.code == "llm_replaced" and f.field == "level3" for f in rules.flags)


def test_a_name_quoted_from_a_sentence_with_no_value_of_its_own_is_not_added() -> None:
    # the goal sentence names an indicator; the model cites it: a phrase is no indicator row
    rows_, c = prose("年度目标：维持单位正常运作，解决工作中遇到的法律纠纷。")
    g = ground_indicator(item(rows_[0].rid, "维持单位正常运作", level1="效益指标", target="有效"), c)
    assert g.indicator is not None and g.statuses["level3"] is AlignmentStatus.EXACT
    form = Form(indicators=[])
    counts = merge_indicators(form, [g], rows_)
    assert form.indicators == [] and counts["added"] == 0 and counts["rejected"] == 1
    # the same name with its value printed in the sentence is an indicator the rules missed
    rows2, c2 = prose("效益指标：维持单位正常运作 有效")
    g2 = ground_indicator(item(rows2[0].rid, "维持单位正常运作", target="有效"), c2)
    counts2 = merge_indicators(form, [g2], rows2)
    assert counts2["added"] == 1 and form.indicators[0].level3 == "维持单位正常运作"


def test_a_level_name_read_as_the_name_does_not_replace_the_rules_row() -> None:
    # the model answers the row's 二级指标 as its 三级指标: an echo, not the rules' misreading
    rows_, c = prose("满意度指标 服务对象满意度 体检人员满意度 ≥98%")
    rid = rows_[0].rid
    g = ground_indicator(item(rid, "服务对象满意度", level1="满意度指标", target="≥98%"), c)
    rules = Indicator(level1="满意度指标", level2="服务对象满意度", level3="体检人员满意度", target="≥98%", row_id=rid)
    merge_indicators(Form(indicators=[rules]), [g] if g.indicator is not None else [], rows_)
    assert rules.level3 == "体检人员满意度"
    assert not any(f.code in ("llm_replaced", "llm_rules_misread") for f in rules.flags)


def merged_on_a_line(line: str, llm_level3: str, llm_target: str, **rules_fields: str) -> Indicator:
    """The rules' indicator of a one-line prose region after the LLM's answer is merged in."""
    rows_, c = prose(line)
    rid = rows_[0].rid
    g = ground_indicator(item(rid, llm_level3, target=llm_target), c)
    rules = Indicator(row_id=rid, **rules_fields)
    merge_indicators(Form(indicators=[rules]), [g], rows_)
    return rules


def test_a_name_and_value_printed_without_a_separator_are_cut_where_the_llm_read_them() -> None:
    # a text copy glued name and value; the rules' name swallowed the value: the LLM's cut,
    # printed one piece after the other, replaces it
    rules = merged_on_a_line("档案管理完整性完整（指标值确定依据:计划标准）;", "档案管理完整性", "完整",
                             level3="档案管理完整性完整", basis="计划标准")
    assert (rules.level3, rules.target, rules.basis) == ("档案管理完整性", "完整", "计划标准")
    assert any(f.code == "llm_replaced" and f.field == "level3" for f in rules.flags)
    assert not any(f.code == "llm_rules_misread" for f in rules.flags)  # the other fields were read right
    # the rules cut off part of the value: the LLM's pieces cover the printed run
    rules2 = merged_on_a_line("出行环境稳步改善改善10%（指标值确定依据:计划标准）;", "出行环境稳步改善", "改善10%",
                              level3="出行环境稳步", target="改善")
    assert (rules2.level3, rules2.target) == ("出行环境稳步改善", "改善10%")


def test_a_glued_cut_the_llm_pieces_together_from_apart_does_not_replace() -> None:
    # the model's target copied from elsewhere in the row: name + value are not printed
    # together, so the rules' reading stays, with the disagreement flagged
    rules = merged_on_a_line("档案管理完整性完整（指标值确定依据:计划标准）;", "档案管理完整性", "计划标准",
                             level3="档案管理完整性完整", target="完整")
    assert (rules.level3, rules.target) == ("档案管理完整性完整", "完整")
    assert any(f.code == "llm_disagrees" and f.field == "level3" for f in rules.flags)


def test_a_prose_rows_level2_answered_as_a_name_is_not_added_as_a_row() -> None:
    # the row prints its 二级指标 before the name; a model taking it for a name of its own
    # re-read the rules' indicator: no second row, the doubt flagged on the name
    rows_, c = prose("满意度指标 服务对象满意度 参训学员满意度 ≥95%")
    rid = rows_[0].rid
    g = ground_indicator(item(rid, "服务对象满意度", level1="满意度指标", target="≥95%"), c)
    assert g.indicator is not None
    rules = Indicator(level1="满意度指标", level2="服务对象满意度", level3="参训学员满意度", target="≥95%", row_id=rid)
    form = Form(indicators=[rules])
    counts = merge_indicators(form, [g], rows_)
    assert counts["added"] == 0 and [i.level3 for i in form.indicators] == ["参训学员满意度"]


def prose_lines(*lines: str) -> tuple[list[SourceRow], Chunk]:
    """A region of several paragraphs (a prose copy's lines): its rows and its one chunk."""
    region = FormRegion(blocks=[Paragraph(text=t, page=1, line=k + 1) for k, t in enumerate(lines)])
    rows_ = source_rows(region)
    (c,) = chunk_region(region, rows=rows_)
    return rows_, c


def test_levels_printed_as_headings_of_earlier_prose_lines_are_grounded_at_the_nearest_heading() -> None:
    rows_, c = prose_lines("一、产出指标:", "数量指标:培训覆盖人次500人次;", "举办培训班次12期;",
                           "质量指标:培训合格率95%;", "考核通过率90%;")
    last = rows_[-1].rid
    g = ground_indicator(item(last, "考核通过率", level1="产出指标", level2="质量指标", target="90%"), c)
    assert g.statuses["level1"] is AlignmentStatus.EXACT and g.statuses["level2"] is AlignmentStatus.EXACT
    # a level2 heading further up, under another heading, is not this row's
    g2 = ground_indicator(item(last, "考核通过率", level2="数量指标", target="90%"), c)
    assert g2.statuses["level2"] is AlignmentStatus.UNGROUNDED and "level2" in g2.ungrounded
    # a row under 数量指标 gets it from the heading two lines up
    g3 = ground_indicator(item(rows_[2].rid, "举办培训班次", level2="数量指标", target="12期"), c)
    assert g3.statuses["level2"] is AlignmentStatus.EXACT


def test_fallback_sends_a_row_whose_value_was_cut_from_glued_text_or_never_found() -> None:
    from jixiao.extract.stream import GLUED_CUT_RULE
    from jixiao.model.output import Repair

    region = FormRegion(blocks=[Paragraph(text=t, page=1, line=k + 1) for k, t in enumerate(
        ["培训覆盖人次500人次;", "工作计划健全性健全;", "出行环境稳步改善改善10%;"])])
    rows_ = source_rows(region)
    chunks = chunk_region(region, rows=rows_, max_tokens=20, overlap=0)  # one row a chunk
    assert len(chunks) == 3
    read = Indicator(level3="培训覆盖人次", target="500人次", row_id=rows_[0].rid,
                     evidence={"level3": Evidence(line=1, source_text="培训覆盖人次")})
    swallowed = Indicator(level3="工作计划健全性健全", row_id=rows_[1].rid,
                          evidence={"level3": Evidence(line=2, source_text="工作计划健全性健全")})
    cut = Indicator(level3="出行环境稳步", target="改善", row_id=rows_[2].rid,
                    evidence={"level3": Evidence(line=3, source_text="出行环境稳步"),
                              "target": Evidence(line=3, source_text="改善", status=AlignmentStatus.REPAIRED,
                                                 repairs=[Repair(rule=GLUED_CUT_RULE, original="改善10%", repaired="改善")])})
    sent = select_unsettled(chunks, Form(indicators=[read, swallowed, cut]), rows_)
    assert [c.row_ids for c in sent] == [[rows_[1].rid], [rows_[2].rid]]
