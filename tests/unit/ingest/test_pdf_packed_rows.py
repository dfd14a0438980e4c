"""A ruled header block whose rules between some rows are missing (三线表, rules between
groups only): one ruled band holds several of the form's rows.

The PDF is drawn here with PyMuPDF (built-in CJK font): a header block with an outer frame,
a rule under 项目名称 and a rule between the label and value columns, but none between
实施单位, 资金总额 and 年度目标; under it a fully ruled indicator table. The grid finder
sees one cell reading 实施单位 / 资金总额 / 年度目标 beside one holding all three values.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest.pdf_packed import packed_row
from jixiao.model.source import Cell
from jixiao.pipeline import extract_file

FONT = "china-s"
SIZE = 10.0


def _text(page: pymupdf.Page, x: float, y: float, s: str) -> None:
    page.insert_text((x, y), s, fontname=FONT, fontsize=SIZE)


def _line(page: pymupdf.Page, x0: float, y0: float, x1: float, y1: float) -> None:
    page.draw_line((x0, y0), (x1, y1), color=(0, 0, 0), width=0.8)


def _form(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _text(page, 200, 60, "某县项目支出绩效目标表")
    left, mid, right = 50.0, 150.0, 545.0
    # the header block: a frame, a rule under the first row, the label/value column rule
    top, first, bottom = 80.0, 100.0, 170.0
    for y in (top, first, bottom):
        _line(page, left, y, right, y)
    for x in (left, mid, right):
        _line(page, x, top, x, bottom)
    _text(page, 55, 94, "项目名称")
    _text(page, 155, 94, "乡村道路养护工程")
    for y, label, value in ((118, "实施单位", "某县公路养护中心"), (138, "资金总额", "120.00"),
                            (158, "年度目标", "完成乡村道路养护100公里，养护合格率达到95%以上")):
        _text(page, 55, y, label)
        _text(page, 155, y, value)
    # the indicator table, every rule drawn
    xs = [left, 150.0, 250.0, 420.0, right]
    rows = [("一级指标", "二级指标", "三级指标", "指标值"), ("产出指标", "数量指标", "养护里程", "≥100公里"),
            ("产出指标", "质量指标", "养护合格率", "≥95%"), ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%")]
    y = 190.0
    for cells in rows:
        _line(page, left, y, right, y)
        for x, s in zip(xs, cells):
            _text(page, x + 4, y + 14, s)
        y += 20
    _line(page, left, y, right, y)
    for x in xs:
        _line(page, x, 190.0, x, y)
    doc.save(path)


def test_a_cell_of_several_labels_is_a_packed_row() -> None:
    label = Cell(text="实施单位\n资金总额\n年度目标", row=1, col=0)
    value = Cell(text="某县公路养护中心\n120.00\n完成养护", row=1, col=1)
    assert packed_row([label, value])
    assert not packed_row([Cell(text="年度绩效\n目标", row=1, col=0), value])  # one label, wrapped
    assert not packed_row([Cell(text="项目资金\n（万元）", row=1, col=0), value])


def test_the_rows_run_together_between_two_rules_are_read_apart(tmp_path: Path) -> None:
    pdf = tmp_path / "packed.pdf"
    _form(pdf)
    form = extract_file(pdf).forms[0]
    assert form.project_name == "乡村道路养护工程"
    assert form.unit_name == "某县公路养护中心"
    assert form.budget.total == 120.0
    assert form.goals.annual == "完成乡村道路养护100公里，养护合格率达到95%以上"
    assert [i.level3 for i in form.indicators] == ["养护里程", "养护合格率", "群众满意度"]
