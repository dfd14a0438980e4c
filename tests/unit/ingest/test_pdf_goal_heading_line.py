"""Goal labels printed as one line of headings above the grid row holding their texts.

Drawn here with PyMuPDF (built-in CJK font): the headings of a department form's goal row
(职能分解 | 中期目标 | 年度绩效目标) printed without rules above a ruled row of three cells, as a
browser prints a heading row whose cells have no borders. The reader sees a paragraph line
of labels, then a table row; the row's cells are the goals, in the order of the headings.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from fakes.pdfkit import CJK_FONT, ruled_grid
from jixiao.pipeline import extract_file

FONT = CJK_FONT


def _grid(page: pymupdf.Page, top: float, rows: list[list[str]], xs: list[float], h: float = 40.0) -> float:
    return ruled_grid(page, top, rows, xs, h)


def _form(path: Path, headings: list[str]) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((200, 50), "部门整体支出绩效目标设置申报表", fontname=FONT, fontsize=12)
    y = _grid(page, 70, [["部门（单位）名称", "某县农业农村局", "", ""]], [40.0, 200.0, 555.0], h=24.0)
    xs = [40.0, 200.0, 340.0, 555.0]
    for x, text in zip(xs, headings):  # the heading row, no rules
        page.insert_text((x + 4, y + 20), text, fontname=FONT, fontsize=9)
    y = _grid(page, y + 30, [["负责全县农业农村发展\n规划的拟定和实施。", "三年内建成高标准农田\n十万亩。",
                              "全年新建高标准农田三万亩，培训\n高素质农民五百人。"]], xs)
    _grid(page, y + 30, [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "新建高标准农田面积", "≥3万亩"],
                         ["满意度指标", "服务对象满意度指标", "农户满意度", "≥90%"]], [40.0, 140.0, 260.0, 460.0, 555.0],
          h=24.0)
    doc.save(path)


def test_the_goals_are_the_cells_under_the_heading_line(tmp_path: Path) -> None:
    pdf = tmp_path / "goals.pdf"
    _form(pdf, ["部门职能分解", "部门中期目标", "部门年度绩效目标"])
    form = extract_file(pdf).forms[0]
    assert form.unit_name == "某县农业农村局"
    assert form.goals.long_term == "三年内建成高标准农田十万亩。"
    assert form.goals.annual == "全年新建高标准农田三万亩，培训高素质农民五百人。"


def test_headings_that_do_not_match_the_cells_take_nothing(tmp_path: Path) -> None:
    pdf = tmp_path / "goals.pdf"
    _form(pdf, ["部门中期目标", "部门年度绩效目标", ""])  # two headings over three cells: no order to trust
    form = extract_file(pdf).forms[0]
    assert form.goals.long_term is None and form.goals.annual is None
