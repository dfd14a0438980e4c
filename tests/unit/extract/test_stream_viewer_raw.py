"""The stream reader on a PDF viewer's raw-order copy of a wide indicator table (poppler
``pdftotext -raw``, or a viewer's select-all on a landscape page): each row's cells come out on
one line with one space between them, and a cell too wide for its column comes out as lines of
its own, one under the other, before the rest of its row.

Every input is written by hand in that shape (names, values and rules are invented); none is
read from the golden set.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream
from jixiao.extract.stream_tokens import line_tokens

HEAD = """某某市项目支出绩效目标申报表
单位：万元
项目名称 2025年城区绿道维护资金 主管部门 某某市园林局
年度绩效目标
完成城区绿道日常维护，更新破损路面，保持绿道开放。
一级指标 二级指标 三级指标 指标解释 指标值类型 指标值 计量单位 权重 评（扣）分标准 指标值确定依据
产出指标
数量指标
"""


def test_a_row_line_whose_score_cell_has_its_own_semicolon_is_still_cells() -> None:
    """The ； inside the 评（扣）分标准 cell keeps single spaces as text elsewhere on such a line
    (prose); the piece before it, words side by side with a bare value and 定量, is cells (issue 11)."""
    line = "绿道巡查次数 每月巡查绿道的次数 定量 =24 次 6 全部完成得6分；每少1次扣0.5分 计划标准"
    texts = [t.text for t in line_tokens(1, line)]
    assert texts[:6] == ["绿道巡查次数", "每月巡查绿道的次数", "定量", "=24", "次", "6"]
    prose = "绿道开放率同比提高 5 个百分点；群众满意。"  # a bare value in prose, no space between words
    assert [t.text for t in line_tokens(1, prose)][0] == "绿道开放率同比提高 5 个百分点"


def test_a_row_line_with_a_semicolon_reads_as_one_indicator() -> None:
    text = HEAD + "绿道巡查次数 每月巡查绿道的次数 定量 =24 次 6 全部完成得6分；每少1次扣0.5分 计划标准\n"
    [form] = extract_stream(text).forms
    [ind] = form.indicators
    assert (ind.level3, ind.description, ind.target, ind.basis) == ("绿道巡查次数", "每月巡查绿道的次数", "=24次", "计划标准")


def test_cells_wrapped_on_lines_of_their_own_before_the_rest_of_the_row() -> None:
    """A name and a description too wide for their columns come out line by line before the
    rest of their row (定量 ≥… on one line): the short second line of each joins the line above it,
    and the row's own line may start with the last name cell (issue 11)."""
    text = HEAD + """城区绿道日常维护
里程
纳入日常维护的城区绿道总
里程
定量 ≥45 公里 8 完成得8分；每少1公里扣1分 计划标准
破损路面更新面积
年度更新破损路面的面积
定量 ≥3000 平方米 6 完成得6分；每少100平方米扣0.5分 计划标准
质量指标
维护工程验收
合格率
验收合格的维护工程占比 定量 =100 % 6 达到得6分；未达到不得分 行业标准
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.description, i.target) for i in form.indicators]
    assert got == [
        ("城区绿道日常维护里程", "纳入日常维护的城区绿道总里程", "≥45公里"),
        ("破损路面更新面积", "年度更新破损路面的面积", "≥3000平方米"),
        ("维护工程验收合格率", "验收合格的维护工程占比", "=100%"),
    ]


def test_a_description_wrapped_after_the_value_is_no_name_of_the_next_row() -> None:
    """指标名称 | 指标值 | 指标描述: the description's second line (地方文献) is the previous row's
    description going on, no row of its own, and the next row's line (a name and its value) is a
    whole row, not the end of a wrapped name (issue 11)."""
    text = """项目支出绩效目标表
项目名称 2025年社区书屋补助
指标类型 指标名称 指标值 指标描述
数量指标
社区书屋新增册数 ≥5000册
为社区书屋配送的新书册数，含少儿读物和
地方文献
书屋开放天数 ≥300天 全年社区书屋对外开放的天数
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target, i.description) for i in form.indicators]
    assert got == [
        ("社区书屋新增册数", "≥5000册", "为社区书屋配送的新书册数，含少儿读物和地方文献"),
        ("书屋开放天数", "≥300天", "全年社区书屋对外开放的天数"),
    ]


def test_budget_item_names_wrapped_in_a_narrow_cell() -> None:
    """A funding block's item column is narrow: a name comes out a line at a time (实际支出 | 数,
    上 | 级财政拨 | 款), each piece alone on its line before the amount; the pieces are one item,
    while two funds printed one under the other with no amount (财政专户管理资金 | 单位资金) stay two
    rows (issue 11)."""
    text = """部门整体绩效目标表
部门（单位）名称 某某县文旅局
当年预算（万元）
收入合计 420.50
其中：上
级财政拨
款
20.50
本级财政
安排
400.00
财政专户管理资金
单位资金
上年预算（万元）
实际支出
数
388.00
一级指标 二级指标 三级指标 指标值
产出指标
数量指标
文化惠民演出场次 ≥30场
"""
    [form] = extract_stream(text).forms
    got = {(ln.section, ln.item): ln.amount for ln in form.budget.lines}
    assert got[("当年预算", "上级财政拨款")] == 20.50
    assert got[("当年预算", "本级财政安排")] == 400.00
    assert got[("上年预算", "实际支出数")] == 388.00
    assert form.budget.fiscal == 420.50
    assert not any(ln.item and "单位资金" in ln.item and "财政" in ln.item for ln in form.budget.lines)


def test_a_placeholder_line_under_a_row_is_no_part_of_its_last_cell() -> None:
    """A template's …… row under a row whose last cell is a closed-list value (绩效基本型) stays
    out of that cell."""
    text = """部门整体绩效目标表
一级指标 二级指标 三级指标 指标值 指标值确定依据 指标分类
管理效率 预算编制 预算编制科学性 科学 计划标准 绩效基本型
……
管理效率 预算执行 预算执行率 100% 计划标准 绩效基本型
"""
    [form] = extract_stream(text).forms
    assert [(i.level3, i.category) for i in form.indicators] == [("预算编制科学性", "绩效基本型"), ("预算执行率", "绩效基本型")]


def test_a_long_name_and_a_date_value_wrapped_under_their_lines() -> None:
    """A name that fills its line goes on under it, its value alone on the next line; a date value
    too wide for its column ends on the line under it (2025年12月31 | 日前): one row each (issue 11)."""
    text = """项目支出绩效目标表
一级指标 二级指标 三级指标 指标值
产出指标
数量指标
落实安全生产主体责任，持续开展隐患排查整治，组织全
体职工参加安全培训次数
≥4次
参加各类应急演练次数 ≥2次
时效指标 演练任务完成时间
2025年12月31
日前
成本指标 演练经费支出 ≤12万元
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.target) for i in form.indicators]
    assert got == [
        ("落实安全生产主体责任，持续开展隐患排查整治，组织全体职工参加安全培训次数", "≥4次"),
        ("参加各类应急演练次数", "≥2次"),
        ("演练任务完成时间", "2025年12月31日前"),
        ("演练经费支出", "≤12万元"),
    ]


def test_a_header_printed_again_after_a_page_break_continues_the_merged_levels() -> None:
    """The table's header printed again on the next page cuts no merged level cell: the rows after
    it are still under the level1 / level2 printed before the break (issue 11)."""
    text = """部门整体绩效目标表
一级指标 二级指标 三级指标 半年指标值 全年指标值
过程 预算执行
预算执行率 =50% =100%
预算调整率 =0% =0%
一级指标 二级指标 三级指标 半年指标值 全年指标值
结转结余率 =0% =0%
政府采购执行率 =100% =100%
资产管理
资产管理制度健全性 健全 健全
"""
    [form] = extract_stream(text).forms
    got = [(i.level3, i.level1, i.level2) for i in form.indicators]
    assert got == [
        ("预算执行率", "过程", "预算执行"),
        ("预算调整率", "过程", "预算执行"),
        ("结转结余率", "过程", "预算执行"),
        ("政府采购执行率", "过程", "预算执行"),
        ("资产管理制度健全性", "过程", "资产管理"),
    ]


def test_a_level_name_beside_a_numbered_name_on_a_row_line() -> None:
    """时效指标 指标1：name value — the level2 and the name's numbering one space apart on a line whose
    colon keeps spaces as text elsewhere: two cells, the level is 时效指标 (issue 11)."""
    texts = [t.text for t in line_tokens(1, "时效指标 指标1：资金拨付的及时性 ≥80%")]
    assert texts[:2] == ["时效指标", "指标1"]
    text = """项目支出绩效目标表
一级指标 二级指标 三级指标 指标值
产出指标
时效指标 指标1：补助资金拨付及时率 ≥95%
成本指标 指标1：单位培训成本 ≤800元/人
"""
    [form] = extract_stream(text).forms
    got = [(i.level2, i.level3, i.target) for i in form.indicators]
    assert got == [("时效指标", "补助资金拨付及时率", "≥95%"), ("成本指标", "单位培训成本", "≤800元/人")]


def test_more_wrapped_cells_of_a_raw_row() -> None:
    """A description wrapped under a row line that opens with the level and the name; a date value
    that ends on the line under it (2025年12月31日 | 前); a level2 whose 指标 wrapped onto a line of
    its own (服务对象满意度 | 指标): each read as one cell (issue 11)."""
    text = HEAD.replace("产出指标\n数量指标\n", "") + """效益指标
经济效益指标 绿道周边商户客流变化
绿道开放带来的周边商户客流
增长情况
定性 明显增加 5 效果明显得5分；效果一般得3分 其他标准
产出指标
时效指标
路面更新完工时间 年度路面更新任务全部完工的时间 定性
2025年12月31日
前
5 按时完工得5分；未按时完工不得分 计划标准
满意度指标
服务对象满意度
指标
绿道使用者满意度 问卷调查绿道使用者的满意比例 定量 ≥90 % 10 达到得10分；每降低1个百分点扣1分 行业标准
"""
    [form] = extract_stream(text).forms
    got = [(i.level2, i.level3, i.description, i.target) for i in form.indicators]
    assert got == [
        ("经济效益指标", "绿道周边商户客流变化", "绿道开放带来的周边商户客流增长情况", "明显增加"),
        ("时效指标", "路面更新完工时间", "年度路面更新任务全部完工的时间", "2025年12月31日前"),
        ("服务对象满意度指标", "绿道使用者满意度", "问卷调查绿道使用者的满意比例", "≥90%"),
    ]
