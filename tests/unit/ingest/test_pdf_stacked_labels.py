"""A funding block drawn without rules, as a browser prints a borderless table (PyMuPDF, CJK
font): the block label 项目资金 merged down two rows wraps one line per row (项目 / 资金), and
the second row's cell holds two funds on two lines (其中：财政资金 / 其他资金) beside the one
amount printed, level with the first."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from fakes.pdfkit import put_text
from jixiao.pipeline import extract_file

_t = put_text


def _form(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _t(page, 220, 50, "项目支出绩效目标表")
    _t(page, 50, 90, "项目名称")
    _t(page, 130, 90, "高标准农田建设项目")
    _t(page, 50, 112, "主管部门")
    _t(page, 130, 112, "某县农业农村委员会")
    _t(page, 50, 140, "项目")  # the label's first line, in the first row
    _t(page, 130, 140, "年度资金总额")
    _t(page, 330, 140, "4,860.00")
    _t(page, 50, 162, "资金")  # its second line, in the second row
    _t(page, 130, 162, "其中：财政资金")
    _t(page, 330, 162, "4,860.00")
    _t(page, 130, 176, "其他资金")
    y = 215.0
    for cells in (("一级指标", "二级指标", "三级指标", "指标值"), ("产出指标", "数量指标", "新建高标准农田面积", "≥1.62万亩"),
                  ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%")):
        for x, s in zip((50, 130, 250, 430), cells):
            _t(page, x, y, s)
        y += 24
    doc.save(path)


def test_the_stacked_label_names_the_block_and_the_amount_goes_to_its_own_fund(tmp_path: Path) -> None:
    pdf = tmp_path / "stacked.pdf"
    _form(pdf)
    form = extract_file(pdf).forms[0]
    lines = {(ln.section, ln.item, ln.amount) for ln in form.budget.lines}
    assert lines == {("项目资金", "年度资金总额", 4860.0), ("项目资金", "财政资金", 4860.0)}
    assert form.budget.total == 4860.0 and form.budget.fiscal == 4860.0
