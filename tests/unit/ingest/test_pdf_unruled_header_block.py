"""A form's header block printed without any rule over a fully ruled indicator table — the
way a word processor exports a first table whose borders were switched off (PyMuPDF, CJK
font). The ruled table goes to the table finder; the header block above it must still be
read as rows of cells (the budget's headings over their amounts), not as one paragraph of
lines."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from fakes.pdfkit import put_text
from jixiao.pipeline import extract_file

_t = put_text


def _form(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=842, height=595)
    _t(page, 350, 44, "项目支出绩效目标表")
    _t(page, 70, 90, "项目名称")
    _t(page, 380, 90, "职业技能提升行动专项资金")
    _t(page, 70, 106, "主管部门")
    _t(page, 200, 106, "某市人力资源和社会保障局")
    _t(page, 470, 106, "实施单位")
    _t(page, 600, 106, "某市职业技能鉴定指导中心")
    _t(page, 185, 124, "资金来源")
    _t(page, 385, 124, "中期资金总额")
    _t(page, 650, 124, "年度资金总额")
    _t(page, 60, 140, "项目资金（万元）")
    _t(page, 195, 140, "合计")
    _t(page, 400, 140, "4,500.00")
    _t(page, 665, 140, "1,600.00")
    _t(page, 170, 156, "其中：财政拨款")
    _t(page, 400, 156, "4,500.00")
    _t(page, 665, 156, "1,600.00")
    _t(page, 190, 172, "其他资金")
    _t(page, 410, 172, "0.00")
    _t(page, 675, 172, "0.00")
    xs = [50.0, 200.0, 350.0, 600.0, 790.0]
    rows = [("一级指标", "二级指标", "三级指标", "指标值"), ("产出指标", "数量指标", "培训人次", "≥2万人次"),
            ("产出指标", "质量指标", "培训合格率", "≥90%"), ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%")]
    y = 200.0
    for cells in rows:
        page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
        for x, s in zip(xs, cells):
            _t(page, x + 4, y + 14, s)
        y += 20
    page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
    for x in xs:
        page.draw_line((x, 200.0), (x, y), width=0.8)
    doc.save(path)


def test_the_unruled_block_above_the_ruled_table_is_read_as_rows(tmp_path: Path) -> None:
    pdf = tmp_path / "form.pdf"
    _form(pdf)
    doc = extract_file(pdf)
    form = doc.forms[0]
    lines = {(ln.item, ln.column): ln.amount for ln in form.budget.lines}
    assert lines[("合计", "年度资金总额")] == 1600.0 and lines[("财政拨款", "中期资金总额")] == 4500.0
    assert form.budget.total == 1600.0 and form.budget.fiscal == 1600.0
    assert form.unit_name == "某市职业技能鉴定指导中心"
    assert [i.level3 for i in form.indicators] == ["培训人次", "培训合格率", "参训人员满意度"]
