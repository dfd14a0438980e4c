"""A header block drawn without column rules reaches the extractor as paragraph lines whose
cells are kept apart by wide whitespace (LibreOffice from a Word table with only horizontal
borders: ``项目名称  2023年高标准农田建设项目``). The form's names come from those lines."""

from __future__ import annotations

from jixiao.extract.rules import extract_form, paragraph_key_values
from jixiao.model.source import Cell, Paragraph, Table
from jixiao.segment import FormRegion


def _indicators() -> Table:
    texts = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "新建高标准农田面积", "≥1.62万亩"]]
    return Table(rows=[[Cell(text=t, row=r, col=c, page=1) for c, t in enumerate(row)] for r, row in enumerate(texts)])


def test_header_lines_with_wide_gaps_are_key_value_rows() -> None:
    header = Paragraph(text="项目名称  2023年高标准农田建设项目\n主管部门  奉节县农业农村委员会  实施单位  奉节县农田建设服务中心",
                       page=1, bbox=(60.0, 100.0, 400.0, 130.0))
    form = extract_form(FormRegion(blocks=[Paragraph(text="项目支出绩效目标表", page=1, bbox=(60, 60, 300, 70)),
                                           header, _indicators()]))
    assert (form.project_name, form.competent_dept, form.unit_name) == (
        "2023年高标准农田建设项目", "奉节县农业农村委员会", "奉节县农田建设服务中心")
    assert form.evidence["project_name"].page == 1 and form.evidence["project_name"].bbox == header.bbox
    assert [i.level3 for i in form.indicators] == ["新建高标准农田面积"]


def test_prose_naming_a_label_is_not_a_header_row() -> None:
    prose = Paragraph(text="由实施单位负责组织验收，主管部门  按季度督查。", page=1, bbox=(0, 0, 10, 10))
    assert paragraph_key_values(prose) == []
    one_cell = Paragraph(text="项目名称：道路养护", page=1, bbox=(0, 0, 10, 10))
    assert paragraph_key_values(one_cell) == []


def test_label_and_value_on_consecutive_lines() -> None:
    block = Paragraph(text="项目名称\n宜宾市职业技能提升行动专项资金\n主管部门\n宜宾市人力资源和社会保障局\n实施单位\n宜宾市职业技能鉴定指导中心",
                      page=1, bbox=(60.0, 100.0, 400.0, 200.0))
    form = extract_form(FormRegion(blocks=[block, _indicators()]))
    assert (form.project_name, form.competent_dept, form.unit_name) == (
        "宜宾市职业技能提升行动专项资金", "宜宾市人力资源和社会保障局", "宜宾市职业技能鉴定指导中心")


def test_wrapped_label_around_its_value() -> None:
    block = Paragraph(text="部门（单\n景德镇市昌江区文化广电新闻出版旅游局\n位）名称", page=1, bbox=(60.0, 100.0, 400.0, 130.0))
    form = extract_form(FormRegion(blocks=[block, _indicators()]))
    assert form.unit_name == "景德镇市昌江区文化广电新闻出版旅游局"


def test_label_printed_one_character_per_line_around_its_value_across_paragraphs() -> None:
    # a browser prints a narrow label cell 项目名称 as 项/目 above and 名/称 below the value's line,
    # each a text block of its own
    blocks = [Paragraph(text="项\n目", page=1, bbox=(60.0, 100.0, 70.0, 120.0)),
              Paragraph(text="2022年基层公共法律服务体系建设经费", page=1, bbox=(80.0, 118.0, 300.0, 128.0)),
              Paragraph(text="名\n称", page=1, bbox=(60.0, 126.0, 70.0, 146.0)),
              Paragraph(text="主\n管", page=1, bbox=(60.0, 150.0, 70.0, 170.0)),
              Paragraph(text="韶关市司法局  实施单位  韶关市公共法律服务中心", page=1, bbox=(80.0, 168.0, 400.0, 178.0)),
              Paragraph(text="部\n门", page=1, bbox=(60.0, 176.0, 70.0, 196.0)),
              _indicators()]
    form = extract_form(FormRegion(blocks=blocks))
    assert (form.project_name, form.competent_dept, form.unit_name) == (
        "2022年基层公共法律服务体系建设经费", "韶关市司法局", "韶关市公共法律服务中心")
    assert form.evidence["competent_dept"].bbox == (80.0, 168.0, 400.0, 178.0)


def test_wrapped_label_cut_into_rows_of_its_own_in_a_table() -> None:
    # LibreOffice, a Word table with no rules between rows: the label's two lines become rows
    # above and below its value's row
    texts = [["部门（单", "", "", "027-"], ["", "鄂州市商务局", "填报人", "张三"], ["位）名称", "", "", "60265422"]]
    header = Table(rows=[[Cell(text=t, row=r, col=c, page=1) for c, t in enumerate(row)] for r, row in enumerate(texts)])
    form = extract_form(FormRegion(blocks=[header, _indicators()]))
    assert form.unit_name == "鄂州市商务局"
