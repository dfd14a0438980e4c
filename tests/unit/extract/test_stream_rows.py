"""Rows of a department table copied one cell per line, rows separated by blank lines.

Hand-written the way a Word table exported to text looks (a tab before each cell, merged
cells left empty, a Word bookmark marker, a ``……`` placeholder row); not drawn from any
golden file.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream

TEXT = """部门整体绩效目标表
\t部门（单位）名称
\t市文化局

\t年度绩
效指标
\t一级指标
\t二级指标
\t三级指标
\t指标值
\t指标值确定依据
\t指标分类

\t
\t运行成本
\t公用经费控制
\t公用经费控制率
\t90%
\t计划标准
\t绩效基本型

\t
\t
\t
\t[bookmark: _GoBack]会议费控制率
\t95%
\t计划标准
\t绩效基本型

\t
\t
\t
\t……
\t
\t
\t

\t
\t管理效率
\t预算执行
\t预算执行率
\t100%
\t计划标准
\t绩效创新型
"""


def _rows() -> list[tuple]:
    forms = extract_stream(TEXT).forms
    assert len(forms) == 1
    return [(i.level1, i.level2, i.level3, i.target, i.basis, i.category) for i in forms[0].indicators]


def test_a_row_whose_category_is_read_ends_before_the_next_name() -> None:
    rows = _rows()
    assert ("运行成本", "公用经费控制", "公用经费控制率", "90%", "计划标准", "绩效基本型") in rows
    assert ("运行成本", "公用经费控制", "会议费控制率", "95%", "计划标准", "绩效基本型") in rows


def test_placeholder_rows_and_bookmarks_are_not_indicators() -> None:
    rows = _rows()
    assert [r[2] for r in rows] == ["公用经费控制率", "会议费控制率", "预算执行率"]
    assert rows[2][5] == "绩效创新型"


COLUMN_ORDER = """2025年部门整体绩效目标表
单位：万元
部门（单位）名称

年度预算申请

市图书馆管理中心

资金总额

财政拨款

86.00

80.00

年度绩效指标

一级指标

二级指标

三级指标

指标值

产出指标

数量指标

图书借阅人次

≥5万人次
"""


def test_a_unit_name_printed_after_the_next_label_is_the_unit() -> None:
    forms = extract_stream(COLUMN_ORDER).forms
    assert forms and forms[0].unit_name == "市图书馆管理中心"
    assert all(ln.item != "市图书馆管理中心" for ln in forms[0].budget.lines)


GLUED_DEPT = """部门整体绩效目标表
部门（单位）名称市商务局
年度绩效指标一级指标二级指标三级指标指标值指标值确定依据指标分类
运行成本公用经费控制公用经费控制率90%计划标准绩效基本型
管理效率预算执行预算执行率95%计划标准绩效基本型
政府采购执行率100%行业标准绩效创新型
"""


def test_closed_list_cells_are_cut_off_the_end_of_a_glued_row() -> None:
    forms = extract_stream(GLUED_DEPT).forms
    rows = [(i.level3, i.target, i.basis, i.category) for i in forms[0].indicators]
    assert rows == [("公用经费控制率", "90%", "计划标准", "绩效基本型"),
                    ("预算执行率", "95%", "计划标准", "绩效基本型"),
                    ("政府采购执行率", "100%", "行业标准", "绩效创新型")]


def test_a_glued_header_row_starting_with_a_label_of_no_field() -> None:
    text = ("项目绩效目标表\n项目编码————项目名称社区养老服务补贴\n"
            "一级指标二级指标三级指标指标值\n产出指标数量指标服务老人人数≥300人\n")
    forms = extract_stream(text).forms
    assert forms and forms[0].project_name == "社区养老服务补贴"


def test_a_long_level_name_wrapped_in_its_cell_is_one_level() -> None:
    text = ("项目支出绩效目标表\n项目名称 社区养老服务补助\n一级指标 二级指标 三级指标 指标值\n"
            "产出指标\n数量指标\n服务老人人数 ≥300人\n效益指标\n社会公众或服务对象满意\n度指标\n老人满意度 ≥90%\n")
    forms = extract_stream(text).forms
    last = forms[0].indicators[-1]
    assert last.level3 == "老人满意度" and last.level2 and last.level2.endswith("满意度指标")
    assert [i.level3 for i in forms[0].indicators] == ["服务老人人数", "老人满意度"]


def test_the_tail_of_a_wrapped_name_before_its_value_joins_the_name() -> None:
    text = ("项目支出绩效目标表\n项目名称 社区养老服务补助\n一级指标 二级指标 三级指标 指标值\n"
            "产出指标\n数量指标\n补助社区居家养老服务中心数\n量\n≥86个\n上门服务人次 ≥3.6万人次\n")
    names = [i.level3 for i in extract_stream(text).forms[0].indicators]
    assert names == ["补助社区居家养老服务中心数量", "上门服务人次"]


def test_a_rows_last_cell_and_the_next_rows_lead_are_never_one_wrapped_label() -> None:
    # pipe rows without outer bars: 长期 ends one row, 绩效指标 starts the next; joined they spell a
    # goal label (长期绩效指标), but two rows of several cells each never share a wrapped cell
    from jixiao.extract.stream import extract_stream

    text = ("某项目绩效目标表\n项目名称|社区矫正\n绩效指标|一级指标|二级指标|三级指标|指标值\n"
            "绩效指标|产出指标|数量指标|矫正对象人数|≥30人\n"
            "绩效指标|效益指标|可持续影响指标|矫正工作机制运行|长期\n"
            "绩效指标|满意度指标|服务对象满意度指标|矫正对象满意度|≥90%\n")
    (form,) = extract_stream(text).forms
    got = [(i.scope, i.level3, i.target) for i in form.indicators]
    assert got == [("annual", "矫正对象人数", "≥30人"), ("annual", "矫正工作机制运行", "长期"),
                   ("annual", "矫正对象满意度", "≥90%")]


def test_a_text_target_printed_once_per_value_column_before_the_basis_is_the_rows_values() -> None:
    # one cell per line: a target no value grammar knows (建成智慧监管平台), printed under each
    # history year and the target, then the basis and category cells — values, not new indicators
    from jixiao.extract.stream import extract_stream

    text = "\n".join([
        "某部门整体绩效目标表", "部门名称", "某市市场监管局",
        "一级指标", "二级指标", "三级指标", "2023年", "2024年", "指标值", "指标值确定依据", "指标分类",
        "产出指标", "数量指标", "检查企业户数", "300户", "320户", "≥350户", "计划标准", "绩效基本型",
        "可持续发展能力", "科技支撑", "监管平台建设情况",
        "建成智慧监管平台", "建成智慧监管平台", "建成智慧监管平台", "计划标准", "绩效创新型",
        "满意度", "服务对象满意度", "企业满意度", "85%", "88%", "≥90%", "计划标准", "绩效基本型",
    ]) + "\n"
    (form,) = extract_stream(text).forms
    got = [(i.level3, i.target, i.basis) for i in form.indicators]
    assert got == [("检查企业户数", "≥350户", "计划标准"), ("监管平台建设情况", "建成智慧监管平台", "计划标准"),
                   ("企业满意度", "≥90%", "计划标准")]
    assert form.indicators[1].history == {"2023": "建成智慧监管平台", "2024": "建成智慧监管平台"}


def test_a_qualitative_half_year_value_before_the_annual_one_is_a_value() -> None:
    # one cell per line under 半年指标值 | 全年指标值: 逐步完善 then 健全 — both values of the row,
    # not 逐步完善 as the name of a row of its own
    from jixiao.extract.stream import extract_stream

    text = "\n".join([
        "某项目绩效目标表", "项目名称", "社区养老服务",
        "一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值",
        "产出指标", "数量指标", "服务老人人数", "≥100人", "≥200人",
        "效益指标", "可持续影响指标", "养老服务长效机制", "逐步完善", "健全",
        "满意度指标", "服务对象满意度指标", "老人满意度", "≥85%", "≥90%",
    ]) + "\n"
    (form,) = extract_stream(text).forms
    got = [(i.level3, i.half_year, i.target) for i in form.indicators]
    assert got == [("服务老人人数", "≥100人", "≥200人"), ("养老服务长效机制", "逐步完善", "健全"),
                   ("老人满意度", "≥85%", "≥90%")]


def test_a_prose_name_ending_in_a_qualitative_word_keeps_it_when_its_value_follows() -> None:
    # prose list: …，社区服务体系更加健全：较显著（半年较显著） — 健全 ends the name, 较显著 is the value
    from jixiao.extract.stream import extract_stream

    text = ("某部门整体绩效目标表\n部门名称：某区民政局\n"
            "（一）产出指标：数量指标：救助人次：>=100人次（半年>=50人次）。\n"
            "（二）效益指标：社会效益：困难群众生活保障：较显著（半年较显著），社区服务体系更加健全：较显著（半年较显著）。\n")
    (form,) = extract_stream(text).forms
    got = [(i.level3, i.half_year, i.target) for i in form.indicators]
    assert got[1:] == [("困难群众生活保障", "较显著", "较显著"), ("社区服务体系更加健全", "较显著", "较显著")]


def test_a_departments_own_level2_in_a_prose_list_is_a_level_not_an_indicator() -> None:
    # under the open level1 履职 a prose list names the department's own level2s (文化惠民服务,
    # 市场执法监管) before rows whose values carry notes or are glued to their names
    from jixiao.extract.stream import extract_stream

    text = ("某部门整体绩效目标表\n部门名称：某区文旅局\n"
            "（一）履职：文化惠民服务：送戏下乡演出：稳步推进（半年稳步推进）（重点工作：组织惠民演出），"
            "市场执法监管：检查经营场所次数(≥**次)>=40次（半年>=20次）（重点工作：开展市场检查），"
            "投诉办结率(≥**%)>=95%（半年>=95%）（重点工作：受理投诉举报）。\n"
            "（二）满意度指标：服务对象满意度：群众满意度：>=90%（半年>=90%）。\n")
    (form,) = extract_stream(text).forms
    got = [(i.level1, i.level2, i.level3, i.target) for i in form.indicators]
    assert got == [
        ("履职", "文化惠民服务", "送戏下乡演出", "稳步推进"),
        ("履职", "市场执法监管", "检查经营场所次数", "≥40次"),
        ("履职", "市场执法监管", "投诉办结率", "≥95%"),
        ("满意度指标", "服务对象满意度", "群众满意度", "≥90%"),
    ]


def test_the_stream_infers_the_year_from_the_history_columns_when_nothing_prints_it() -> None:
    # no year in the title or the header: 2022年 | 2023年 history columns put the budget year at 2024
    from jixiao.extract.stream import extract_stream

    text = "\n".join([
        "部门整体绩效目标表", "部门名称", "某市商务局",
        "一级指标", "二级指标", "三级指标", "2022年", "2023年", "指标值",
        "产出指标", "数量指标", "举办展会场次", "3场", "4场", "≥5场",
        "满意度指标", "服务对象满意度指标", "企业满意度", "85%", "88%", "≥90%",
    ]) + "\n"
    (form,) = extract_stream(text).forms
    assert form.indicators[0].history == {"2022": "3场", "2023": "4场"}
    assert form.year == 2024 and form.evidence["year"].status.value == "inferred"
