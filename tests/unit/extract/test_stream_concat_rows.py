"""Indicator rows of a web page copied as plain text with no separator between cells (issue 11).

Hand-written in the style of such a copy (``产出指标数量指标培训覆盖人次≥500人次``); not drawn
from any golden file.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream

NUMBERED = """\
项目支出绩效目标表
项目名称农村公路养护
年度绩效指标一级指标二级指标三级指标指标值
年度绩效指标产出指标数量指标指标1：养护农村公路里程120公里
年度绩效指标产出指标质量指标指标1：路面优良率85%
年度绩效指标产出指标质量指标指标2：养护工程验收合格率100%
年度绩效指标效益指标社会效益指标指标1：群众出行满意度提升显著提升
"""


def test_a_rows_numbering_glued_after_its_level_is_no_part_of_the_level() -> None:
    (form,) = extract_stream(NUMBERED).forms
    rows = [(i.level1, i.level2, i.level3) for i in form.indicators]
    assert rows[:3] == [("产出指标", "数量指标", "养护农村公路里程"), ("产出指标", "质量指标", "路面优良率"),
                        ("产出指标", "质量指标", "养护工程验收合格率")]
    assert all(i.level2 and not i.level2.endswith("指标指标") for i in form.indicators)


QUALITATIVE = """\
项目支出绩效目标表
项目名称乡村文化振兴
一级指标二级指标三级指标指标值备注
产出指标数量指标送戏下乡场次≥30场全年组织送戏下乡
效益指标可持续影响指标乡村文艺人才培养持续推进组建村级文艺骨干队伍
社会效益指标群众文化生活稳步提升丰富农村群众精神文化生活
满意度指标服务对象满意度指标群众满意度≥90%问卷调查
"""


def test_a_qualitative_target_between_the_name_and_a_glued_description_is_cut_out() -> None:
    (form,) = extract_stream(QUALITATIVE).forms
    rows = {i.level3: i for i in form.indicators}
    assert "乡村文艺人才培养" in rows and rows["乡村文艺人才培养"].target == "持续推进"
    assert "群众文化生活" in rows and rows["群众文化生活"].target == "稳步提升"
    assert rows["群众文化生活"].level2 == "社会效益指标"


def test_a_qualitative_word_inside_a_name_stays_in_the_name() -> None:
    from jixiao.extract.stream import _qualitative_inside
    from jixiao.extract.stream_tokens import tokenize

    (tok,) = tokenize("对业务系统正常运行的保障程度")
    name, value, _after = _qualitative_inside(tok)
    assert value is None and name is tok


SATISFACTION = """\
部门整体支出绩效目标表
部门名称市体育局
绩效指标一级指标二级指标三级指标指标值
绩效指标产出指标数量指标全民健身活动场次≥40场
绩效指标满意度指标满意度指标参赛群众满意度≥85%
绩效指标满意度指标满意度指标社会公众满意度≥85%
"""


def test_a_level_name_printed_twice_is_the_level1_and_the_level2() -> None:
    (form,) = extract_stream(SATISFACTION).forms
    rows = [(i.level1, i.level2, i.level3, i.target) for i in form.indicators]
    assert ("满意度指标", "满意度指标", "社会公众满意度", "≥85%") in rows
    assert len(rows) == 3


NUMBERED_L2 = """\
部门整体支出绩效目标表
部门名称市农业农村局
一级指标二级指标三级指标指标值
管理效率绩效管理绩效自评覆盖率100%
财务管理内控制度执行率100%
履职效能核心业务产出1高标准农田建设面积≥3万亩
核心业务产出2农村人居环境整治村庄数≥120个
核心业务产出3新型农业经营主体培育数≥50家
满意度服务对象满意度农户满意度≥90%
"""


def test_the_next_of_a_numbered_run_of_level2_names_opens_its_level2() -> None:
    (form,) = extract_stream(NUMBERED_L2).forms
    rows = {i.level3: i.level2 for i in form.indicators}
    assert rows.get("农村人居环境整治村庄数") == "核心业务产出2"
    assert rows.get("新型农业经营主体培育数") == "核心业务产出3"


UNITS_AND_NOTES = """\
项目支出绩效目标表
项目名称乡镇文化站免费开放
一级指标二级指标三级指标指标值指标说明
产出指标数量指标开放文化站数量≥12个全区乡镇文化站
成本指标文化站运行补助标准≤1.5万元/站按市级补助标准执行
巡回放映补助标准≤200元/场·次按放映场次核算
效益指标社会效益指标群众参与人次增长率≥5%较上年增长幅度
"""


def test_a_rate_unit_and_a_percentage_before_a_glued_description_end_the_value() -> None:
    (form,) = extract_stream(UNITS_AND_NOTES).forms
    rows = {i.level3: i for i in form.indicators}
    assert rows["文化站运行补助标准"].target == "≤1.5万元/站"
    assert rows["巡回放映补助标准"].target == "≤200元/场·次"
    assert rows["群众参与人次增长率"].target == "≥5%"


QUALITATIVE_TAILS = """\
项目支出绩效目标表
项目名称城区河道保洁
一级指标二级指标三级指标指标值
产出指标数量指标保洁河道长度≥35公里
时效指标保洁经费支付进度按序时进度
效益指标可持续影响指标河道长效管护机制逐步完善
社会效益指标保洁作业对周边居民生活的负面影响无明显影响
"""


def test_common_qualitative_targets_glued_to_the_name_are_cut_whole() -> None:
    (form,) = extract_stream(QUALITATIVE_TAILS).forms
    rows = {i.level3: i.target for i in form.indicators}
    assert rows.get("保洁经费支付进度") == "按序时进度"
    assert rows.get("河道长效管护机制") == "逐步完善"
    assert rows.get("保洁作业对周边居民生活的负面影响") == "无明显影响"


HISTORY = """\
部门整体支出绩效目标表
部门名称市招商服务中心
一级指标二级指标三级指标近两年指标值指标值
2022年2023年
管理效率绩效管理绩效自评覆盖率100%100%100%
财务管理内控制度执行率100%100%100%
履职效能核心业务产出1引进外资总额万美元820.5万美元905.2万美元1000万美元
核心业务产出2实现出口总额亿元人民币40.12亿元人民币44.6亿元人民币48亿元人民币
可持续发展能力科技支撑政务服务平台建设完成平台一期上线运行完成平台一期上线运行完成平台一期上线运行
"""


def test_a_text_value_printed_in_each_value_column_and_currency_units_are_cut() -> None:
    (form,) = extract_stream(HISTORY).forms
    rows = {i.level3: i for i in form.indicators}
    assert rows["实现出口总额亿元人民币"].target == "48亿元人民币"
    assert rows["实现出口总额亿元人民币"].history == {"2022": "40.12亿元人民币", "2023": "44.6亿元人民币"}
    platform = rows["政务服务平台建设"]
    assert platform.target == "完成平台一期上线运行" and platform.level2 == "科技支撑"
    assert platform.history == {"2022": "完成平台一期上线运行", "2023": "完成平台一期上线运行"}


HALF_YEAR = """\
项目支出绩效目标表
项目名称政务服务大厅运行保障
一级指标二级指标三级指标半年指标值全年指标值
产出指标数量指标窗口服务事项数≥80项≥160项
效益指标社会效益指标政务服务形象的提升有效有效
可持续影响指标服务规范持续提升显著显著
"""


def test_no_more_values_are_cut_off_a_glued_row_than_the_table_has_value_columns() -> None:
    (form,) = extract_stream(HALF_YEAR).forms
    rows = {i.level3: i for i in form.indicators}
    assert rows["政务服务形象的提升"].half_year == "有效" and rows["政务服务形象的提升"].target == "有效"
    assert rows["服务规范持续提升"].target == "显著"


YES_NO = """\
项目支出绩效目标表
项目名称社区养老补助
绩效目标目标1保障社区养老服务中心正常运营。
目标2提升老年人生活质量。
一级指标二级指标三级指标指标描述指标值指标值确定依据
产出指标数量指标补助服务中心数量享受补助的服务中心个数≥8个计划标准
质量指标补助发放合规性补助资金严格按照管理办法发放是制度及协议
效益指标社会效益指标老年人生活质量老年人生活质量是否提高是工作经验
满意度指标服务对象满意度指标老年人满意度入户调查的满意比例≥90%工作经验
"""


def test_a_yes_no_target_glued_before_the_basis_and_a_glued_numbered_goal_list() -> None:
    (form,) = extract_stream(YES_NO).forms
    rows = [(i.level2, i.level3, i.description, i.target, i.basis) for i in form.indicators]
    assert rows == [
        ("数量指标", "补助服务中心数量", "享受补助的服务中心个数", "≥8个", "计划标准"),
        ("质量指标", "补助发放合规性", "补助资金严格按照管理办法发放", "是", "制度及协议"),
        ("社会效益指标", "老年人生活质量", "老年人生活质量是否提高", "是", "工作经验"),
        ("服务对象满意度指标", "老年人满意度", "入户调查的满意比例", "≥90%", "工作经验"),
    ]
    assert form.goals.annual is not None and form.goals.annual.startswith("目标1：保障社区养老服务中心正常运营")
    assert "目标2：提升老年人生活质量" in form.goals.annual
