"""Segmentation of multi-form documents and the rules extractor, on hand-made forms."""

from __future__ import annotations

from jixiao.model.source import Cell, Paragraph, SourceDocument, Table
from jixiao.extract.rules import extract_form
from jixiao.ingest.text import parse_text
from jixiao.segment import segment


def _doc(text: str) -> SourceDocument:
    return SourceDocument(path="t.txt", format="text", blocks=parse_text(text))


def _forms(text: str):
    return [extract_form(r) for r in segment(_doc(text))]


PROJECT = """某市项目支出绩效目标表
2025年度
项目名称\t{name}\t\t主管部门\t某市财政局
实施单位\t某市信息中心
项目资金（万元）\t收入\t\t全年预算数
\t\t资金总额\t{total}
\t\t财政拨款\t{total}
年度目标\t完成{name}。
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t服务人数\t≥20人
\t质量指标\t验收合格率\t=100%
效益指标\t社会效益\t服务水平\t有效提升
满意度指标\t服务对象满意度\t群众满意度\t≥90%
"""


def test_two_titled_forms_in_one_document():
    forms = _forms(PROJECT.format(name="网络维护", total=12) + "\n" + PROJECT.format(name="设备购置", total=30))
    assert [f.project_name for f in forms] == ["网络维护", "设备购置"]
    assert [f.budget.total for f in forms] == [12.0, 30.0]
    assert all(f.form_type == "project" and f.year == 2025 for f in forms)
    assert [len(f.indicators) for f in forms] == [4, 4]
    ind = forms[0].indicators[1]
    assert (ind.level1, ind.level2, ind.level3, ind.target) == ("产出指标", "质量指标", "验收合格率", "=100%")
    assert ind.evidence["level1"].status.value == "inferred"  # filled down from the merged cell
    assert ind.evidence["target"].line is not None


def test_forms_without_titles_split_at_the_next_header_row():
    body = PROJECT.format(name="甲项目", total=1).split("\n", 2)[2]
    body2 = PROJECT.format(name="乙项目", total=2).split("\n", 2)[2]
    doc = SourceDocument(path="t.txt", format="text", blocks=parse_text(body + body2))
    regions = segment(doc)
    assert len(regions) == 2
    assert [extract_form(r).project_name for r in regions] == ["甲项目", "乙项目"]


def test_drifted_text_rows_are_aligned_by_content():
    text = """部门整体绩效目标表
一级指标\t二级指标\t三级指标\t\t半年指标值\t全年指标值
\t项目立项\t立项依据充分性\t\t充分\t充分
决策\t绩效目标\t绩效目标合理性\t合理\t合理
预算执行\t\t预算执行率\t=100%\t=100%
过程\t资金管理\t资金到位率\t序时进度\t100%
\t\t\t系统平均故障修复时间\t≤2小时
制度执行有效性\t\t有效\t有效
"""
    form = _forms(text)[0]
    got = [(i.level1, i.level2, i.level3, i.half_year, i.target) for i in form.indicators]
    assert got == [
        ("决策", "项目立项", "立项依据充分性", "充分", "充分"),  # level1 printed mid-span: filled up
        ("决策", "绩效目标", "绩效目标合理性", "合理", "合理"),
        ("过程", "预算执行", "预算执行率", "=100%", "=100%"),  # 预算执行 belongs to 过程 by the framework
        ("过程", "资金管理", "资金到位率", "序时进度", "100%"),
        ("过程", "资金管理", "系统平均故障修复时间", None, "≤2小时"),  # a lone value is the full-year one
        ("过程", "资金管理", "制度执行有效性", "有效", "有效"),
    ]


def test_multirow_header_with_history_basis_category():
    text = """年度绩效指标\t一级指标\t二级指标\t三级指标\t\t指标值\t指标值确定依据\t指标分类
\t\t\t\t近两年指标值\t预期当年实现值\t\t
\t\t\t\t2023年\t2024年\t\t
\t运行成本\t公用经费控制\t公用经费控制率\t85%\t88%\t80%\t计划标准\t绩效基本型
\t\t\t会议费控制率\t95%\t96%\t90%\t历史标准\t绩效创新型
"""
    form = _forms("部门整体绩效目标表\n" + text)[0]
    a, b = form.indicators
    assert a.history == {"2023": "85%", "2024": "88%"} and a.target == "80%"
    assert (a.basis, a.category, a.scope) == ("计划标准", "绩效基本型", "annual")
    assert (b.level1, b.level2, b.target, b.basis) == ("运行成本", "公用经费控制", "90%", "历史标准")
    assert form.year == 2025  # the year after the history columns


def test_operator_and_unit_columns_are_combined_into_the_value():
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "计量单位"],
        ["产出指标", "数量指标", "培训人次", "≥", "200", "人次"],
        ["", "时效指标", "完成时间", "", "12月31日前", ""],
    ]
    table = Table(rows=[[Cell(text=t, row=r, col=c) for c, t in enumerate(row)] for r, row in enumerate(rows)],
                  exact_grid=True)
    doc = SourceDocument(path="x.pdf", format="pdf", blocks=[Paragraph("项目绩效目标表"), table])
    form = extract_form(segment(doc)[0])
    a, b = form.indicators
    assert (a.target, a.target_parsed.op, a.target_parsed.number, a.target_parsed.unit) == ("≥200人次", "≥", 200.0, "人次")
    assert b.target == "12月31日前" and b.level1 == "产出指标"


def test_budget_in_yuan_and_key_value_rows():
    text = """项目绩效目标申报表
单位：元
项目名称\t道路养护
预算规模及资金用途\t预算数\t3,309,840.00\t其中：财政资金\t3,000,000\t其他资金\t
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t养护里程\t≥10公里
"""
    form = _forms(text)[0]
    lines = {(ln.item, ln.column): ln.amount for ln in form.budget.lines}
    assert lines == {("预算数", None): 330.984, ("财政资金", None): 300.0}
    assert form.budget.total == 330.984 and form.budget.fiscal == 300.0


def test_budget_columns_with_subheader_years():
    text = """部门整体绩效目标表
部门总体资金情况\t总体资金情况\t当年金额\t占比\t近两年收支金额
\t\t\t\t2023年\t2024年
收入构成\t财政拨款\t100\t100%\t90\t80
\t合  计\t100\t100%\t90\t80
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t人数\t≥1人
"""
    form = _forms(text)[0]
    lines = {(ln.section, ln.item, ln.column): ln.amount for ln in form.budget.lines}
    assert lines[("收入构成", "财政拨款", "2024年")] == 80.0
    assert lines[("收入构成", "合计", "占比")] == 100.0
    assert form.budget.total == 100.0 and form.budget.fiscal == 100.0


def test_rows_without_level3_are_not_indicators():
    text = """项目绩效目标表
一级指标\t二级指标\t三级指标\t指标值
效益指标\t经济效益\t\t
\t社会效益\t服务水平\t提升
\t生态效益\t\t
\t……\t\t
"""
    form = _forms(text)[0]
    assert [i.level3 for i in form.indicators] == ["服务水平"]


def test_labels_inside_cells_and_run_on_cells():
    text = """项目绩效目标表
(2025年度) 部门名称 某县交通局\t\t
项目名称\t道路养护主管部门某县财政局
项目实施内容\t委托实施单位负责日常养护
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t养护里程\t≥10公里
"""
    form = _forms(text)[0]
    assert form.unit_name == "某县交通局"  # "部门名称 某县交通局" in one cell
    assert (form.project_name, form.competent_dept) == ("道路养护", "某县财政局")  # a lost column rule
    assert form.year == 2025


def test_code_prefix_dropped_and_nearest_heading_is_the_title():
    text = """Sheet1 项目绩效目标表
某市项目支出绩效目标表
主管部门及代码\t[137]某市水利局
项目名称\t农村饮水
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t维修工程数量\t≥12处
"""
    form = _forms(text)[0]
    assert form.competent_dept == "某市水利局"
    assert form.title == "某市项目支出绩效目标表"


def _ocr_table(rows: list[list[str]]) -> Table:
    """A ruled table as OCR rebuilds it: exact grid, cells with an OCR score below 1."""
    return Table(rows=[[Cell(text=t, row=r, col=c, score=0.97) for c, t in enumerate(row)] for r, row in enumerate(rows)],
                 exact_grid=True)


def test_mangled_operator_cells_and_a_truncated_header_on_an_ocr_page():
    """OCR cut 计算符号 into 计算符 (its 号 read into the cell below) and doubled a lone ≥."""
    rows = [
        ["一级指标", "二级指标", "三级指标", "计算符", "指标值", "度量单位"],
        ["产出指标", "数量指标", "保障人数", "号==", "46", "人"],
        ["", "", "演出场次", "≥≥", "120", "场"],
        ["", "", "巡查次数", "", "48", ""],
        ["", "时效指标", "完成时间", "", "12月31日前", ""],
    ]
    doc = SourceDocument(path="x.pdf", format="pdf", blocks=[Paragraph("部门整体绩效目标表"), _ocr_table(rows)])
    regions = segment(doc)
    from jixiao.extract.rules import mark_suspect_document

    mark_suspect_document(regions)
    a, b, c, d = extract_form(regions[0]).indicators
    assert (a.target, b.target, c.target) == ("=46人", "≥120场", "48")
    codes = {f.code for f in c.flags}
    assert {"operator_missing_ocr", "unit_missing_ocr"} <= codes  # the lone cells OCR lost are named
    assert not [f for f in d.flags if f.code.endswith("_missing_ocr")]  # a date needs neither
    assert not [f for f in a.flags if f.code.endswith("_missing_ocr")]


def test_operator_in_cell_and_truncated_header_roles():
    from jixiao.domain import vocab

    assert [vocab.operator_in_cell(t) for t in ("≥", "≧", "≥≥", "号==", "不低于", "≥≤", "人", "")] == \
        ["≥", "≥", "≥", "=", "≥", None, None, None]
    assert [vocab.header_role(t) for t in ("计算符", "三级指", "度量单", "目标", "指标")] == \
        ["op", "level3", "unit", None, None]


def test_cover_paragraph_names_the_unit_line_by_line():
    """A PDF text block holds the whole cover: unit, title and 编制 line together."""
    table = Table(rows=[[Cell(text=t, row=r, col=c) for c, t in enumerate(row)] for r, row in enumerate([
        ["项目名称", "招商引资"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "引进项目数", "≥10个"],
    ])], exact_grid=True)
    cover = Paragraph("高新区商务局\n2023年部门预算绩效文本\n高新区商务局编制")
    doc = SourceDocument(path="x.pdf", format="pdf", blocks=[cover, Paragraph("招商引资项目绩效目标表"), table])
    form = extract_form(segment(doc)[0])
    assert (form.unit_name, form.year) == ("高新区商务局", 2023)


def test_a_label_of_an_unextracted_field_is_cut_from_a_run_on_value():
    text = """项目支出绩效目标表
项目名称\t网络维护
项目单位\t某市信息中心项目负责人/联系电话张三12345678
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t维护次数\t≥12次
"""
    assert _forms(text)[0].unit_name == "某市信息中心"
