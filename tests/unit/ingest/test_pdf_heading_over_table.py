"""A funding table whose heading row was left outside its rules: the column heading 全年预算数
stands as a line of its own right above the amounts column (PyMuPDF, CJK font)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.pipeline import extract_file

FONT = "china-s"


def _table(page: pymupdf.Page, top: float, xs: list[float], rows: list[tuple[str, ...]]) -> float:
    y = top
    for cells in rows:
        page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
        for x, s in zip(xs, cells):
            page.insert_text((x + 4, y + 14), s, fontname=FONT, fontsize=10)
        y += 20
    page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
    for x in xs:
        page.draw_line((x, top), (x, y), width=0.8)
    return y


def test_the_heading_above_the_table_names_its_amounts(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((200, 50), "部门整体绩效目标表", fontname=FONT, fontsize=12)
    page.insert_text((60, 80), "部门名称", fontname=FONT, fontsize=10)
    page.insert_text((200, 80), "某市商务服务中心", fontname=FONT, fontsize=10)
    page.insert_text((420, 112), "全年预算数", fontname=FONT, fontsize=10)
    xs = [50.0, 150.0, 400.0, 545.0]
    y = _table(page, 120, xs, [("收入", "资金总额", "410.99"), ("收入", "财政拨款", "410.99"), ("收入", "其他资金", "0")])
    _table(page, y + 30, [50.0, 150.0, 300.0, 450.0, 545.0],
           [("一级指标", "二级指标", "三级指标", "指标值"), ("产出指标", "数量指标", "执法检查次数", "≥20次"),
            ("满意度指标", "服务对象满意度指标", "投诉咨询满意度", "≥90%")])
    pdf = tmp_path / "heading.pdf"
    doc.save(pdf)
    form = extract_file(pdf).forms[0]
    assert {(ln.item, ln.column, ln.amount) for ln in form.budget.lines} == {
        ("资金总额", "全年预算数", 410.99), ("财政拨款", "全年预算数", 410.99), ("其他资金", "全年预算数", 0.0)}
