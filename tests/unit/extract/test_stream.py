"""The stream extractor on text as people copy it from government web pages.

Every input here is written by hand the way a browser copy of a form looks in each
linearization (one cell per line, ``|||`` rows, blank-line-separated cells, space rows,
no separators at all, vertical labels, ``?`` padding, a prose list), with page chrome
around it. The reader must give the same form whatever the linearization.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jixiao.extract.stream import extract_stream
from jixiao.model.output import AlignmentStatus, Form

GOLDEN = Path(__file__).resolve().parents[3] / "golden"

CHROME_TOP = """首页 > 信息公开 > 财政资金 > 预算绩效
发布时间：2024-03-12 16:20   来源：区财政局
字号：大 中 小
"""
CHROME_BOTTOM = """【打印本页】 【关闭窗口】
扫一扫在手机打开当前页
"""

EXPECTED = [
    ("产出指标", "数量指标", "培训覆盖人次", "≥500人次"),
    ("产出指标", "数量指标", "举办培训班期数", "≥10期"),
    ("产出指标", "质量指标", "培训合格率", "≥95%"),
    ("产出指标", "时效指标", "培训完成时间", "2024年11月底前"),
    ("效益指标", "社会效益指标", "参训人员就业率", "≥60%"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%"),
]

CELLS = CHROME_TOP + """2024年度职业技能培训补助项目绩效目标表
项目名称
职业技能培训补助
主管部门
某某区人力资源和社会保障局
实施单位
某某区就业服务中心
年度目标
全年开展职业技能培训不少于500人次，培训合格率95%以上。
一级指标
二级指标
三级指标
指标值
产出指标
数量指标
培训覆盖人次
≥500人次
举办培训班期数
≥10期
质量指标
培训合格率
≥95%
时效指标
培训完成时间
2024年11月底前
效益指标
社会效益指标
参训人员就业率
≥60%
满意度指标
服务对象满意度指标
参训人员满意度
≥90%
""" + CHROME_BOTTOM

PIPE3 = CHROME_TOP + """2024年度职业技能培训补助项目绩效目标表
项目名称|||职业技能培训补助|||主管部门|||某某区人力资源和社会保障局
实施单位|||某某区就业服务中心
年度目标|||全年开展职业技能培训不少于500人次，培训合格率95%以上。
一级指标|||二级指标|||三级指标|||指标值
产出指标|||数量指标|||培训覆盖人次|||≥500人次
举办培训班期数|||≥10期
质量指标|||培训合格率|||≥95%
时效指标|||培训完成时间|||2024年11月底前
效益指标|||社会效益指标|||参训人员就业率|||≥60%
满意度指标|||服务对象满意度指标|||参训人员满意度|||≥90%
""" + CHROME_BOTTOM

BLANK = CHROME_TOP + "\n\n".join(line for line in CELLS.splitlines() if line and "发布" not in line) + "\n"

SPACE = CHROME_TOP + """2024年度职业技能培训补助项目绩效目标表
项目名称 职业技能培训补助 主管部门 某某区人力资源和社会保障局
实施单位 某某区就业服务中心
一级指标 二级指标 三级指标 指标值
产出指标 数量指标 培训覆盖人次 ≥500人次
举办培训班期数 ≥10期
质量指标 培训合格率 ≥95%
时效指标 培训完成时间 2024年11月底前
效益指标 社会效益指标 参训人员就业率 ≥60%
满意度指标 服务对象满意度指标 参训人员满意度 ≥90%
""" + CHROME_BOTTOM

GLUED = CHROME_TOP + """2024年度职业技能培训补助项目绩效目标表
项目名称职业技能培训补助
主管部门某某区人力资源和社会保障局
实施单位某某区就业服务中心
一级指标二级指标三级指标指标值
产出指标数量指标培训覆盖人次≥500人次
举办培训班期数≥10期
质量指标培训合格率≥95%
时效指标培训完成时间2024年11月底前
效益指标社会效益指标参训人员就业率≥60%
满意度指标服务对象满意度指标参训人员满意度≥90%
""" + CHROME_BOTTOM

VERTICAL = CELLS.replace("产出指标\n数量指标", "产\n出\n指\n标\n数\n量\n指\n标").replace(
    "效益指标\n社会效益指标", "效\n益\n指\n标\n社会效益指标").replace(
    "满意度指标\n服务对象满意度指标", "满??意??度??指??标\n服务对象满意度指标").replace(
    "项目名称\n", "项??目??名??称\n").replace("一级指标\n", "一级\n指标\n")

PROSE = CHROME_TOP + """2024年度职业技能培训补助项目绩效目标表
项目名称：职业技能培训补助
主管部门：某某区人力资源和社会保障局
实施单位：某某区就业服务中心
绩效指标：
1.产出指标：数量指标：培训覆盖人次≥500人次；举办培训班期数(≥**期)>=10期；
2.质量指标：培训合格率≥95%；
3.时效指标：培训完成时间2024年11月底前；
4.效益指标：社会效益指标：参训人员就业率≥60%；
5.满意度指标：服务对象满意度指标：参训人员满意度≥90%。
""" + CHROME_BOTTOM


def _rows(form: Form) -> list[tuple[Any, ...]]:
    return [(i.level1, i.level2, i.level3, i.target) for i in form.indicators]


def _check_evidence(text: str, form: Form) -> None:
    """Every indicator field's evidence points at its source: line, span and text agree."""
    lines = text.splitlines()
    for ind in form.indicators:
        for fld in ("level1", "level2", "level3", "target"):
            ev = ind.evidence[fld]
            assert ev.extractor == "stream" and ev.line is not None
            if ev.span is not None:
                a, b = ev.span
                assert lines[ev.line - 1][a:b] == ev.source_text, (fld, ev)
            else:
                assert ev.source_text.replace("\n", "") in "".join(lines[ev.line - 1:ev.line + 12]).replace("?", "")


@pytest.mark.parametrize("style", ["cells", "pipe3", "blank", "space", "glued", "vertical", "prose"])
def test_each_linearization_gives_the_same_form(style: str) -> None:
    text = {"cells": CELLS, "pipe3": PIPE3, "blank": BLANK, "space": SPACE, "glued": GLUED,
            "vertical": VERTICAL, "prose": PROSE}[style]
    (form,) = extract_stream(text).forms
    assert _rows(form) == EXPECTED
    assert form.project_name == "职业技能培训补助"
    assert form.competent_dept == "某某区人力资源和社会保障局"
    assert form.unit_name == "某某区就业服务中心"
    assert form.year == 2024 and form.title == "2024年度职业技能培训补助项目绩效目标表"
    _check_evidence(text, form)


def test_chrome_never_reaches_a_value() -> None:
    (form,) = extract_stream(CELLS).forms
    dumped = form.model_dump_json()
    for chrome in ("发布时间", "打印", "扫一扫", "首页", "字号", "来源"):
        assert chrome not in dumped
    assert form.goals.annual == "全年开展职业技能培训不少于500人次，培训合格率95%以上。"


def test_evidence_lines_and_statuses() -> None:
    (form,) = extract_stream(CELLS).forms
    lines = CELLS.splitlines()
    first, second = form.indicators[:2]
    assert lines[first.evidence["level3"].line - 1] == "培训覆盖人次"
    assert lines[first.evidence["target"].line - 1] == "≥500人次"
    assert first.evidence["level1"].status is AlignmentStatus.EXACT
    # the merged level cells are printed once: the next record inherits them
    assert second.evidence["level1"].status is AlignmentStatus.INFERRED
    assert second.evidence["level1"].line == first.evidence["level1"].line
    assert lines[form.evidence["project_name"].line - 1] == "职业技能培训补助"
    # glued text: the values are cut out of a longer line, spans say where
    (g,) = extract_stream(GLUED).forms
    ev = g.indicators[0].evidence["target"]
    assert ev.status is AlignmentStatus.REPAIRED and ev.span == (14, 20)
    assert GLUED.splitlines()[ev.line - 1] == "产出指标数量指标培训覆盖人次≥500人次"


def test_vertical_labels_and_padding_are_rejoined() -> None:
    from jixiao.extract.stream_tokens import tokenize

    texts = [t.text for t in tokenize("绩\n效\n指\n标\n一级\n指标\n部门（单位）\n名称\n项??目??名??称\n")]
    assert texts == ["绩效指标", "一级指标", "部门（单位）名称", "项目名称"]
    # two vertical labels one after the other are cut into labels, a one-character cell kept apart
    assert [t.text for t in tokenize("产\n出\n指\n标\n数\n量\n指\n标\n")] == ["产出指标", "数量指标"]
    assert [t.text for t in tokenize("是\n满\n意\n度\n指\n标\n")] == ["是", "满意度指标"]


def test_level_names_used_as_indicator_names() -> None:
    text = """一级指标
二级指标
三级指标
指标值
满意度指标
服务对象满意度指标
服务对象满意度
≥90%
社会公众满意度
≥85%
"""
    (form,) = extract_stream(text).forms
    assert _rows(form) == [("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%"),
                           ("满意度指标", "服务对象满意度指标", "社会公众满意度", "≥85%")]


def test_department_areas_under_an_open_level1() -> None:
    text = """一级指标
二级指标
三级指标
指标值
履职
招商服务、投资促进
组织招商活动次数
≥12次
商务执法辅助
组织执法检查家次
≥200家次
"""
    (form,) = extract_stream(text).forms
    assert _rows(form) == [("履职", "招商服务、投资促进", "组织招商活动次数", "≥12次"),
                           ("履职", "商务执法辅助", "组织执法检查家次", "≥200家次")]


def test_multiple_forms_split_at_titles_and_project_headers() -> None:
    one = CELLS.replace(CHROME_BOTTOM, "")
    two = one.replace(CHROME_TOP, "").replace("职业技能培训补助", "创业担保贷款贴息").replace("培训覆盖人次", "贴息人数")
    (a, b) = extract_stream(one + two + CHROME_BOTTOM).forms
    assert a.project_name == "职业技能培训补助" and b.project_name == "创业担保贷款贴息"
    assert len(a.indicators) == len(b.indicators) == 6 and b.indicators[0].level3 == "贴息人数"
    # no titles at all: a second 项目名称 after indicators starts the next form
    bare = "\n".join(line for line in (one + two).splitlines() if "绩效目标表" not in line)
    forms = extract_stream(bare).forms
    assert [f.project_name for f in forms] == ["职业技能培训补助", "创业担保贷款贴息"]
    res = extract_stream(one + two)
    assert res.ranges[0][1] < res.ranges[1][0]


def test_prose_around_forms_is_not_an_indicator_list() -> None:
    text = """二、分项绩效目标
绩效目标：做好外贸进出口、外资企业管理服务等工作。
绩效指标：按照管委会相关要求，保证各项工作正常运行，商务管理工作完成率85%以上。
"""
    assert extract_stream(text).forms == []


def test_budget_in_cells_and_in_a_sentence() -> None:
    (form,) = extract_stream(CELLS.replace("年度目标\n", "项目资金（万元）\n资金总额\n120\n财政拨款\n100\n其他资金\n20\n年度目标\n")).forms
    assert (form.budget.total, form.budget.fiscal) == (120.0, 100.0)
    prose = PROSE.replace("绩效指标：", "项目资金总额120万元，其中财政拨款100万元，其他资金20万元。\n绩效指标：")
    (form,) = extract_stream(prose).forms
    assert (form.budget.total, form.budget.fiscal) == (120.0, 100.0)
    assert form.budget.lines[0].evidence["amount"].extractor == "stream"


def test_pipeline_answers_text_with_the_stream_and_keeps_the_rules_for_seeds(tmp_path: Path) -> None:
    from jixiao.pipeline import extract_file

    p = tmp_path / "web.txt"
    p.write_text(SPACE, encoding="utf-8")
    doc = extract_file(p)
    assert doc.stats["extractor_path"] == "stream" and doc.stats["stream"]["indicators"] == 6
    assert [x.code for x in doc.forms[0].flags if x.code == "read_by_stream"] == ["read_by_stream"]
    assert not any(f.code == "no_form_found" for f in doc.flags)
    seed = GOLDEN / "s000_suzhou_dept" / "source.txt"
    doc = extract_file(seed)
    assert doc.stats["extractor_path"] == "rules"
    label = json.loads((GOLDEN / "s000_suzhou_dept" / "label.json").read_text(encoding="utf-8"))
    assert len(doc.forms[0].indicators) == len(label["forms"][0]["indicators"])


def test_prose_notes_in_parentheses_fill_their_columns() -> None:
    text = """绩效指标：
1.产出指标：数量指标：培训覆盖人次≥500人次（半年≥200人次，指标值确定依据：计划标准）；
2.质量指标：培训合格率：≥95%（半年≥95%）；丰富培训内容，提升培训质量：较显著（半年较显著）。
"""
    (form,) = extract_stream(text).forms
    a, b, c = form.indicators
    assert (a.level3, a.half_year, a.target, a.basis) == ("培训覆盖人次", "≥200人次", "≥500人次", "计划标准")
    assert (b.level2, b.level3, b.half_year, b.target) == ("质量指标", "培训合格率", "≥95%", "≥95%")
    assert (c.level3, c.target) == ("丰富培训内容，提升培训质量", "较显著")  # a comma inside a name stays


def test_space_rows_with_a_merged_key_task_column() -> None:
    text = """一级指标　二级指标　重点工作　三级指标　全年指标值
履职　招商服务　开展招商推介　组织招商活动次数　≥12次
参加推介会场次　≥6场
商务执法辅助　受理投诉举报　投诉办结率　≥98%
"""
    (form,) = extract_stream(text).forms
    rows = [(i.level2, i.key_task, i.level3, i.target) for i in form.indicators]
    assert rows == [("招商服务", "开展招商推介", "组织招商活动次数", "≥12次"),
                    ("招商服务", "开展招商推介", "参加推介会场次", "≥6场"),
                    ("商务执法辅助", "受理投诉举报", "投诉办结率", "≥98%")]
    assert form.indicators[1].evidence["key_task"].status is AlignmentStatus.INFERRED


def test_a_copyright_footer_is_chrome_not_an_indicator() -> None:
    # a page footer's "Copyright © … All Rights Reserved" split at its spaces read like name | value
    text = CELLS + "Copyright © 2019 某区人民政府 All Rights Reserved\n版权所有 © 某区人民政府\n"
    (form,) = extract_stream(text).forms
    assert [(i.level1, i.level2, i.level3, i.target) for i in form.indicators] == EXPECTED
    assert "Copyright" not in form.model_dump_json() and "Rights" not in form.model_dump_json()


def test_a_numbered_goal_list_with_number_and_text_in_one_cell_is_the_annual_goal() -> None:
    # 绩效目标：目标1 <text> — the number and its text joined by a space are one cell, not an indicator row
    text = ("某项目绩效目标表\n项目名称：道路养护\n"
            "绩效目标：目标1 完成主干道养护，保障道路通行。\n目标2：改善群众出行条件。\n"
            "产出指标：数量指标：养护里程：≥12公里。\n满意度指标：服务对象满意度指标：群众满意度：≥90%。\n")
    (form,) = extract_stream(text).forms
    assert [i.level3 for i in form.indicators] == ["养护里程", "群众满意度"]
    assert form.goals.annual is not None
    assert form.goals.annual.startswith("目标1：完成主干道养护") and "目标2：改善群众出行条件" in form.goals.annual


def test_a_site_footer_with_host_and_help_lines_is_chrome() -> None:
    # 使用帮助 and 主办：… 承办：… (no 单位) close a government site's page, after the form
    text = CELLS + "网站地图\n使用帮助\n主办：某区人民政府门户网站  承办：某区人民政府办公室\n"
    (form,) = extract_stream(text).forms
    assert [(i.level1, i.level2, i.level3, i.target) for i in form.indicators] == EXPECTED


def test_a_browser_advice_line_in_the_footer_is_chrome() -> None:
    # 建议使用1280×1024分辨率浏览 split at its digits looked like a name with a value
    text = CELLS + "建议使用1280×1024分辨率浏览\n推荐使用谷歌浏览器访问本站\n"
    (form,) = extract_stream(text).forms
    assert [(i.level1, i.level2, i.level3, i.target) for i in form.indicators] == EXPECTED


def test_a_quality_name_glued_to_the_value_that_repeats_its_word_is_cut_there() -> None:
    """A prose list glues a quality's name to its value (档案管理规范性规范): the value repeats the
    quality's word, with or without 完全 / 基本 before it; rows with no heading before them too."""
    text = """部门整体绩效目标表
部门名称：某区档案馆
二、管理效率:
资产管理:资产管理规范性规范（指标值确定依据:计划标准）;
资产账卡完整性完整（指标值确定依据:计划标准）;
资金使用合规性完全合规（指标值确定依据:计划标准）;
查档服务及时率98%（指标值确定依据:计划标准）;
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target) for i in form.indicators]
    assert got == [("资产管理规范性", "规范"), ("资产账卡完整性", "完整"), ("资金使用合规性", "完全合规"),
                   ("查档服务及时率", "98%")]
