"""The stream reader on a PDF viewer's default-order copy (poppler ``pdftotext`` without
``-layout``/``-raw``, or a viewer's select-all): text comes out block by block, so a form's
header prints its whole label column first (部门（单位）名称 | 部门预算资金 | 部门职能 | 年度总体目标 |
一级指标 | 产出指标) and then its values, in the same order.

Every input is written by hand in that shape (the labels, values and amounts are invented);
none is read from the golden set.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream
from jixiao.extract.stream_tokens import tokenize
from jixiao.model.output import AlignmentStatus

DEPT = """部门整体支出绩效目标表
（2024年度）
单位：万元
部门（单位）名称
部门预算资金（万
元）

部门职能

年度总体目标

一级指标

产出指标

某某市林业局
资金总额

2,468.10

其中：财政拨款

2,400.00

其他资金

68.10

负责全市林业资源保护和生态修复，组织森林防火和有害生物防治，指导
林业产业发展。
完成植树造林1.2万亩，森林覆盖率保持在41%以上，不发生重大森林火灾。
年度绩效指标
二级指标

数量指标

三级指标

指标值

植树造林面积

≥1.2万亩

森林防火巡查次数

≥300次
"""

PROJECT = """某某市市级项目支出绩效目标表
2024年度
2024年城乡绿化提升补助资金

项目名称
主管部门
资金情况
年度绩效目标
一级指标

某某市园林局

效益指标

年度预算资金共计2,000,000.00元，其中：一般公共预算拨款1,500,000.00元，其他资金
500,000.00元。
新增城乡绿地面积30万平方米，绿地养护合格率达到95%以上。
二级指标

三级指标

指标值

新增城乡绿地面积

≥30万平方米

绿地养护合格率

≥95%
"""


def test_label_column_then_values_department() -> None:
    [form] = extract_stream(DEPT).forms
    assert form.unit_name == "某某市林业局"
    assert form.evidence["unit_name"].status is AlignmentStatus.INFERRED
    assert form.budget.total == 2468.10
    assert form.budget.fiscal == 2400.00
    amounts = sorted(line.amount for line in form.budget.lines)
    assert amounts == [68.10, 2400.00, 2468.10]
    assert form.goals.annual is not None and form.goals.annual.startswith("完成植树造林")
    names = [i.level3 for i in form.indicators]
    assert names == ["植树造林面积", "森林防火巡查次数"]  # no budget item or duty read as an indicator


def test_project_name_printed_above_its_label() -> None:
    [form] = extract_stream(PROJECT).forms
    assert form.project_name == "2024年城乡绿化提升补助资金"
    assert form.evidence["project_name"].status is AlignmentStatus.INFERRED
    assert form.competent_dept == "某某市园林局"
    assert form.budget.total == 200.0  # 元 → 万元
    assert form.goals.annual is not None and form.goals.annual.startswith("新增城乡绿地面积")
    assert [i.level3 for i in form.indicators] == ["新增城乡绿地面积", "绿地养护合格率"]


def test_labels_read_in_place_wait_for_nothing() -> None:
    """A label whose value follows it (one cell per line) keeps the ordinary reading: a later
    label that happens to stand before another label opens no queue that eats the budget."""
    text = """项目支出绩效目标表
项目名称
乡村道路养护
主管部门
某某县交通运输局
机构设置及人员配置
机构设置
内设综合股、养护股
资金情况（万元）
资金总额
80.00
财政拨款
80.00
一级指标
二级指标
三级指标
指标值
产出指标
数量指标
养护里程
≥120公里
"""
    [form] = extract_stream(text).forms
    assert form.project_name == "乡村道路养护"
    assert form.budget.total == 80.0
    assert [i.level3 for i in form.indicators] == ["养护里程"]


# A table whose merged level cells came out as a block after their rows, as a viewer's default
# order prints a tall merged cell: the carried levels are guesses and must be flagged.
SCRAMBLED = """一级指标
二级指标
三级指标
指标值
数量指标
产出指标
培训覆盖人次
≥500人次
举办培训班期数
≥10期
质量指标
效益指标
满意度指标
培训合格率
≥95%
参训人员就业率
≥60%
参训人员满意度
≥90%
"""


def test_level_column_printed_apart_is_flagged() -> None:
    [form] = extract_stream("职业技能培训项目绩效目标表\n项目名称\n职业技能培训\n" + SCRAMBLED).forms
    assert len(form.indicators) == 5
    for ind in form.indicators:
        fields = {f.field for f in ind.flags if f.code == "level_order_scrambled"}
        assert fields == {"level1", "level2"}, ind.level3


def test_rows_printed_in_order_are_not_flagged() -> None:
    """An L2 with no rows of its own (生态效益指标), or the L1 printed again on every row, is
    the ordinary row order: no flag."""
    text = """项目绩效目标表
项目名称
职业技能培训
一级指标|二级指标|三级指标|指标值
产出指标|数量指标|培训覆盖人次|≥500人次
效益指标|社会效益指标|参训人员就业率|≥60%
效益指标|生态效益指标||
效益指标|可持续影响指标|培训长效机制|逐步建立
满意度指标|服务对象满意度指标|参训人员满意度|≥90%
"""
    [form] = extract_stream(text).forms
    assert len(form.indicators) == 4
    assert not [f for ind in form.indicators for f in ind.flags if f.code == "level_order_scrambled"]


def test_named_column_left_empty_is_flagged() -> None:
    """The header names 指标值确定依据; a row whose basis was not read says so."""
    text = """项目绩效目标表
项目名称
职业技能培训
一级指标|二级指标|三级指标|指标值|指标值确定依据
产出指标|数量指标|培训覆盖人次|≥500人次|计划标准
产出指标|数量指标|举办培训班期数|≥10期|
"""
    [form] = extract_stream(text).forms
    first, second = form.indicators
    assert first.basis == "计划标准"
    assert not [f for f in first.flags if f.code == "column_unread"]
    assert [f.field for f in second.flags if f.code == "column_unread"] == ["basis"]


def test_name_glued_to_its_description_is_cut() -> None:
    """Rows copied with no separators under 三级指标 | 指标描述 | 指标值: the name ends where a name
    ends (…人数, …（次）, …数量 taken whole), the description is the rest."""
    text = """培训项目绩效目标表
项目名称
职业技能培训
一级指标二级指标三级指标指标描述指标值
产出指标数量指标培训覆盖人数参加培训、考核并结业的人数≥500人
质量指标开展实操演练（次）组织学员到企业、园区现场演练≥6次
时效指标补贴发放数量按时发放到人的补贴笔数≥480笔
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.description, i.target) for i in form.indicators]
    assert got == [
        ("培训覆盖人数", "参加培训、考核并结业的人数", "≥500人"),
        ("开展实操演练（次）", "组织学员到企业、园区现场演练", "≥6次"),
        ("补贴发放数量", "按时发放到人的补贴笔数", "≥480笔"),
    ]


def test_run_together_row_with_weight_and_scoring_rule() -> None:
    """A wide template copied with no separators: …指标值类型 | 指标值 | 计量单位 | 权重 | 评（扣）分标准 | 依据.
    The header's headings are cut apart (权重, the star of 指标值类型*); the score at the end of the
    scoring rule (得10分) is never the target; a qualitative target follows the 定性 word."""
    text = """项目支出绩效目标申报表
项目名称乡村道路养护
一级指标二级指标三级指标指标解释指标值类型*指标值计量单位权重评（扣）分标准指标值确定依据
产出指标数量指标道路养护里程纳入养护的乡道里程定量≥300公里10完成目标值得10分；每少完成1%扣1分，扣完为止计划标准
效益指标可持续影响指标长效养护机制乡村两级路长制落实情况定性健全10机制健全得10分；不健全不得分计划标准
"""
    [form] = extract_stream(text).forms
    got = [(i.level2, i.level3, i.target) for i in form.indicators]
    assert got == [("数量指标", "道路养护里程", "≥300公里"), ("可持续影响指标", "长效养护机制", "健全")]


def test_funding_text_left_unread_is_flagged() -> None:
    """A funding row whose amounts the reader could not cut into lines raises budget_text_unread
    on budget.lines; a block read in full raises nothing."""
    unread = """部门整体绩效目标表
部门（单位）名称某某市商务局
合  计8167.74100%6289.585347.75
一级指标二级指标三级指标指标值
产出指标数量指标招商活动场次≥10场
"""
    [form] = extract_stream(unread).forms
    flags = [f for f in form.flags if f.code == "budget_text_unread"]
    assert flags and flags[0].field == "budget.lines"
    read = """部门整体绩效目标表
部门（单位）名称
某某市商务局
资金情况（万元）
资金总额
100.00
财政拨款
100.00
一级指标
二级指标
三级指标
指标值
产出指标
数量指标
招商活动场次
≥10场
"""
    [form] = extract_stream(read).forms
    assert form.budget.total == 100.0
    assert not [f for f in form.flags if f.code == "budget_text_unread"]


def test_trailing_description_lines_fold_into_their_row() -> None:
    """Block order (the level column printed apart) and a description column whose heading was
    printed elsewhere: the wrapped description lines after each value belong to that row."""
    text = """培训项目绩效目标表
项目名称
职业技能培训
一级指标
二级指标
数量指标
产出指标
三级指标
指标值
培训覆盖人次
≥500人次
参加培训并结业的
人员人次
举办培训班期数
≥10期
全年举办的培训班期数
培训合格率
≥95%
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target, i.description) for i in form.indicators]
    assert got == [("培训覆盖人次", "≥500人次", "参加培训并结业的人员人次"),
                   ("举办培训班期数", "≥10期", "全年举办的培训班期数"),
                   ("培训合格率", "≥95%", None)]
    first = form.indicators[0]
    assert first.evidence["description"].status is AlignmentStatus.INFERRED
    assert [f.field for f in first.flags if f.code == "trailing_text_as_description"] == ["description"]
    assert [f.field for f in form.flags if f.code == "trailing_text_as_description"] == ["indicators"]


def test_budget_heading_row_cut_by_a_cell_of_the_first_row() -> None:
    """A viewer's default order reads the budget block's headings with a cell of the first row of
    amounts in among them, then the merged labels beside the rows (the block's own name, the row
    group 支出构成), then the rest of the headings (近两年支出 spanning 2021年 / 2022年): the columns
    are all four headings, and each named row's amounts go to them in order (issue 11)."""
    text = """部门整体绩效目标表
单位：万元
部门（单位）名称
某某区文化馆
总体资金情况
当年金额
占比
520.00
部门资金情况
合计
支出构成
近两年支出金额
2021年
2022年
100%
480.00
450.00
基本支出
320.00
61.54%
300.00
290.00
项目支出
200.00
38.46%
180.00
160.00
一级指标
二级指标
三级指标
指标值
产出指标
数量指标
举办公益展览场次
≥12场
"""
    [form] = extract_stream(text).forms
    got = {(ln.item, ln.column): ln.amount for ln in form.budget.lines if ln.item == "基本支出" or ln.item == "项目支出"}
    assert got == {
        ("基本支出", "当年金额"): 320.0, ("基本支出", "占比"): 61.54,
        ("基本支出", "2021年"): 300.0, ("基本支出", "2022年"): 290.0,
        ("项目支出", "当年金额"): 200.0, ("项目支出", "占比"): 38.46,
        ("项目支出", "2021年"): 180.0, ("项目支出", "2022年"): 160.0,
    }
    assert all(ln.section == "支出构成" for ln in form.budget.lines if ln.item in ("基本支出", "项目支出"))
    # 100% | 480.00 | 450.00 under the columns with no row name (the 合计 row's name printed before
    # the headings it sits under): never a silent line, budget.lines is flagged
    assert [f for f in form.flags if f.code == "budget_row_unnamed" and f.field == "budget.lines"]


def test_goal_wrapped_in_a_narrow_cell_before_its_label() -> None:
    """The annual goal printed in a narrow cell comes out a few characters a line, before its
    label (a viewer's default order prints the label column after the cell beside it): the short
    lines read as sentences, so they are the goal's text, never name/value pairs of indicators."""
    text = """部门整体绩效目标表
部门（单位）名称
某某县农业农村局
一级指标
二级指标
三级指标
指标值
产出指标
数量指标
培训新型职业农民人数
≥300人
效益指标
社会效益指标
农民人均可支配收入增长率
≥6%
1.2025
年全县
完成高
标准农
田建设
2万亩。
2.培训
新型职
业农民
300人，
带动农
民增收。
年度目标：
一级指标
二级指标
三级指标
指标值
产出指标
质量指标
农田建设验收合格率
100%
"""
    [form] = extract_stream(text).forms
    assert form.goals.annual == "1.2025年全县完成高标准农田建设2万亩。2.培训新型职业农民300人，带动农民增收。"
    assert form.evidence["goals.annual"].status is AlignmentStatus.INFERRED
    names = [i.level3 for i in form.indicators]
    assert names == ["培训新型职业农民人数", "农民人均可支配收入增长率", "农田建设验收合格率"]


def test_closed_list_cells_wrapped_in_narrow_columns() -> None:
    """A viewer's default order prints a narrow column's cell a line per piece: 完全相 | 符 (the
    value), 绩效基本 | 型 (the category) are one cell each, not a name and a value of a new row
    (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
三级指标
指标值
指标值确定依据
指标分类
管理效率
预算编制
立项规范性
完全相
符
计划标准
绩效基本
型
预算执行率
98%
计划标准
绩效创新
型
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target, i.category) for i in form.indicators]
    assert got == [("立项规范性", "完全相符", "绩效基本型"), ("预算执行率", "98%", "绩效创新型")]


def test_a_name_wrapped_in_its_block_of_a_default_order_copy() -> None:
    """Each cell its own block, blank lines between: a name whose last characters wrapped onto the
    block's second line (社区养老服务满意 / 度调查, 助餐服务覆盖 / 率) is one name; a short value in a
    block of its own stays the value (issue 11)."""
    text = """部门整体绩效目标表

一级指标

二级指标

三级指标

指标值

产出指标

数量指标

助餐服务覆盖
率

≥80%

效益指标

社会效益指标

社区养老服务满意
度调查

好
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target) for i in form.indicators]
    assert got == [("助餐服务覆盖率", "≥80%"), ("社区养老服务满意度调查", "好")]


def test_a_stray_unit_left_by_a_scrambled_copy_is_no_indicator() -> None:
    """A viewer's default order can leave a lone unit (%) where a name is expected, with no value
    after it: no indicator is made of it (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
三级指标
指标值
满意度指标
服务对象满意度指标
群众满意度
≥90%
指标值说明
%
问卷调查满意率
"""
    [form] = extract_stream(text).forms
    assert "%" not in [i.level3 for i in form.indicators]
    assert form.indicators[0].level3 == "群众满意度"


def test_long_cells_wrapped_at_their_column_width_in_a_default_order_copy() -> None:
    """A narrow column wraps every long cell at the same width, each cell its own block: a first
    line as wide as other blocks' first lines broke there, so its block is one cell even when the
    tail is long (城区老旧小区改造完成 / 户数占比) or holds a digit (主责主业 / 产出2); a line one
    character short broke early because the next character may not start a line (推动河湖长制全面落 /
    实，压实各级责任). Stacked cells of a block whose first line is no column's width stay apart
    (issue 11)."""
    text = """部门整体绩效目标表

一级指标

二级指标

三级指标

指标值

产出指标

数量指标

城区老旧小区改造完成
户数占比

≥60%

农村饮水安全巩固提升
工程受益人口

≥3.2万人

效益指标

社会效益指标

推动河湖长制全面落
实，压实各级责任

有效落实

可持续影响指标

水源地巡查
水质达标率

≥98%

主责主业
产出1

主责主业
产出2
"""
    [form] = extract_stream(text).forms
    got = [(i.level2, i.level3, i.target) for i in form.indicators]
    assert got[:3] == [("数量指标", "城区老旧小区改造完成户数占比", "≥60%"),
                       ("数量指标", "农村饮水安全巩固提升工程受益人口", "≥3.2万人"),
                       ("社会效益指标", "推动河湖长制全面落实，压实各级责任", "有效落实")]
    assert "水源地巡查水质达标率" not in [i.level3 for i in form.indicators]
    texts = [t.text for t in tokenize(text)]
    assert "主责主业产出1" in texts and "主责主业产出2" in texts
    # a funding block's labels stacked in a block at such a width stay two cells
    texts = [t.text for t in tokenize(text + "\n财政专户管理资金\n单位资金\n\n一般公共预算拨款\n政府性基金\n")]
    assert texts[-4:] == ["财政专户管理资金", "单位资金", "一般公共预算拨款", "政府性基金"]


def test_level1_names_printed_one_after_another_are_no_indicator_names() -> None:
    """Two level1 names never follow each other in a table printed row by row: after its rows a
    viewer's default order prints the level column apart (质量指标 | 效益指标 | 满意度指标), and the
    last of them is no indicator named 满意度指标 even when a value printed apart comes next. In a
    copy printed row by row a level1 that can be a level2 of the one before (效益指标 | 满意度 | ≥90%)
    is still read as it was (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
数量指标
产出指标
三级指标
指标值
培训场次
≥12场
培训人次
≥300人次
质量指标
效益指标
满意度指标
2024年6月30日前
时效指标
培训完成时间
社会效益指标
参训人员履职能力
明显提升
"""
    [form] = extract_stream(text).forms
    names = [i.level3 for i in form.indicators]
    assert "满意度指标" not in names
    assert names[:2] == ["培训场次", "培训人次"]
    rows = "部门整体绩效目标表\n一级指标\n二级指标\n三级指标\n指标值\n产出指标\n数量指标\n培训场次\n≥12场\n" \
           "效益指标\n满意度\n≥90%\n"
    [plain] = extract_stream(rows).forms
    [plain_old] = extract_stream(rows.replace("效益指标\n满意度", "效益指标\n社会效益指标\n满意度")).forms
    assert [i.level3 for i in plain.indicators][-1] == [i.level3 for i in plain_old.indicators][-1] == "满意度"


def test_a_date_wrapped_in_its_value_block_is_one_value() -> None:
    """A narrow value column wraps a date where a date may break (2024年10 / 月31日前, 2024年 /
    6月30日前, 2024年12月 / 31日前); each cell its own block, the two lines are one value. A year
    over a word or a number of its own stays two cells (issue 11)."""
    texts = [t.text for t in tokenize("项目完工时间\n\n2024年10\n月31日前\n\n验收时间\n\n2024年\n6月30日前\n\n"
                                      "结算时间\n\n2024年12月\n31日前\n\n年度\n\n2024年\n完成\n\n2024年\n12\n")]
    assert "2024年10月31日前" in texts and "2024年6月30日前" in texts and "2024年12月31日前" in texts
    assert texts[-4:] == ["2024年", "完成", "2024年", "12"]
    text = """部门整体绩效目标表

一级指标

二级指标

三级指标

指标值

产出指标

时效指标

项目完工时间

2024年10
月31日前

数量指标

改造户数

≥120户
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target) for i in form.indicators]
    assert got == [("项目完工时间", "2024年10月31日前"), ("改造户数", "≥120户")]


def test_a_cell_wrapped_at_its_column_width_inside_a_block_of_stacked_cells() -> None:
    """A viewer prints a column's cells stacked in one block when nothing lies between them: a
    line of that block as wide as the column (the width other wrapped blocks break at) goes on
    under it (全年开展非遗进校园社区宣传展示 / 活动); the block's other lines are cells of their own.
    A block holding a closed-list word or a figure is cells of several columns: nothing joined
    (issue 11)."""
    text = """对辖区内各类文化市场经营场所开
展检查的次数

按照年度工作计划组织开展惠民演
出的场次

较上年度增长的幅度
全年开展非遗进校园社区宣传展示
活动
抽样问卷调查

全年开展非遗进校园社区宣传展示
计划标准
活动
"""
    texts = [t.text for t in tokenize(text)]
    assert texts[:5] == ["对辖区内各类文化市场经营场所开展检查的次数", "按照年度工作计划组织开展惠民演出的场次",
                         "较上年度增长的幅度", "全年开展非遗进校园社区宣传展示活动", "抽样问卷调查"]
    assert texts[5:] == ["全年开展非遗进校园社区宣传展示", "计划标准", "活动"]


def test_text_after_the_last_value_of_a_scrambled_table_is_no_indicator() -> None:
    """A viewer's default order can print the cells of some rows apart after every row of the
    table (a description, a lone operator ≥, the heading 指标值说明, a unit %): the text lines
    after the table's last value are cells printed apart, folded (flagged) into the last row with
    a value, not indicators; a lone operator is no value (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
数量指标
产出指标
三级指标
指标值
培训场次
≥12场
培训人次
≥300人次
合格率
≥95%
覆盖率
=100%
按计划开展全员培训
≥
指标值说明
%
抽样调查参训人员满意率
"""
    [form] = extract_stream(text).forms
    assert [i.level3 for i in form.indicators] == ["培训场次", "培训人次", "合格率", "覆盖率"]
    last = form.indicators[-1]
    assert last.target == "=100%"
    assert "trailing_text_as_description" in [f.code for f in last.flags]


def test_a_row_without_the_description_its_table_gives_most_rows_is_flagged() -> None:
    """In a copy that printed cells apart from their rows, most rows read a description (the lines
    after their value) and one did not: its description was printed elsewhere, so its empty
    description is flagged, not silently empty; rows with one are not flagged (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
数量指标
产出指标
三级指标
指标值
培训场次
≥12场
全年组织集中培训的场次
培训人次
≥300人次
全年参加培训的人员数量
合格率
≥95%
培训考核合格人数占比
质量指标
覆盖率
=100%
时效指标
培训完成时间
2024年10月底前
按计划完成全年培训
"""
    [form] = extract_stream(text).forms
    by_name = {i.level3: i for i in form.indicators}
    assert by_name["培训场次"].description == "全年组织集中培训的场次"
    unread = [n for n, i in by_name.items()
              if any(f.code == "column_unread" and f.field == "description" for f in i.flags)]
    assert unread == ["覆盖率"]


def test_cells_side_by_side_each_wrapped_once_are_joined_in_order() -> None:
    """A viewer's default order can put the first lines of two wrapped cells of one row on one line
    (服务对象 受助群众对救助 / 满意度 / 工作满意度) and their second lines after it, one a line in the
    same order: the i-th tail goes on the i-th cell, as a label of the genre so joined shows
    (服务对象满意度); two cells side by side with no tails of their own stay as they are (issue 11)."""
    text = """部门整体绩效目标表

一级指标

二级指标

三级指标

指标值

满意度指标

服务对象 受助群众对救助
满意度
工作满意度

≥90%

低保对象 救助资金
按时发放
"""
    texts = [t.text for t in tokenize(text)]
    assert "服务对象满意度" in texts and "受助群众对救助工作满意度" in texts
    assert texts[-3:] == ["低保对象", "救助资金", "按时发放"]
    [form] = extract_stream(text.split("\n低保对象")[0]).forms
    got = [(i.level2, i.level3, i.target) for i in form.indicators]
    assert got == [("服务对象满意度", "受助群众对救助工作满意度", "≥90%")]


def test_cells_of_narrow_columns_interleaved_in_one_block_are_taken_apart() -> None:
    """A row's cells in neighbouring narrow columns printed as one block, lines ordered by height:
    a two-line cell's lines come apart around a one-line cell centred beside them (完成村级光伏电站 /
    绩效基 / 计划标准 / 并网验收 / 本型). The lines that make a closed-list word are one cell (绩效基本型),
    the two text lines left the text cell; a block with no closed word split stays as it is
    (issue 11)."""
    text = """完成村级光伏电站并网验收

完成村级光伏电站
绩效基
计划标准
并网验收
本型

村级光伏电站
计划标准
绩效基本型
并网发电
"""
    texts = [t.text for t in tokenize(text)]
    assert texts[:4] == ["完成村级光伏电站并网验收", "完成村级光伏电站并网验收", "绩效基本型", "计划标准"]
    assert texts[4:] == ["村级光伏电站", "计划标准", "绩效基本型", "并网发电"]


def test_a_text_that_is_no_closed_word_does_not_fill_a_closed_column_of_a_scrambled_row() -> None:
    """In a copy that prints cells apart (a row's target printed elsewhere), a row short of a value
    is followed by the next row's name: a text that is no word of the closed list of the column
    next to fill (指标值确定依据: 计划标准…) is that name, not the short row's basis (issue 11)."""
    text = """部门整体绩效目标表
一级指标
二级指标
数量指标
产出指标
三级指标
近两年指标值
2022年
2023年
预期当年实现值
指标值确定依据
指标分类
培训场次
10场
12场
15场
计划标准
绩效基本型
人才储备率
80%
85%
信息系统建设情况
完成平台一期建设
完成平台一期建设
完成平台一期建设
计划标准
绩效创新性
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target, i.basis) for i in form.indicators]
    assert got[1][0] == "人才储备率" and got[1][2] is None
    assert got[2] == ("信息系统建设情况", "完成平台一期建设", "计划标准")
    assert len(got) == 3
