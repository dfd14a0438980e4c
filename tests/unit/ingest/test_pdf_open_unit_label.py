"""A section label wrapped inside its unit, centred on its block, glued to the item beside it.

Drawn here with PyMuPDF (built-in CJK font): two ruled blocks, no rule between the label
column and the item column, the label on the block's middle row in two lines
(``上年预算（万`` / ``元）``) with the item printed between its pieces on the first line —
what a browser's borderless label column gives a PDF reader.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.domain import vocab
from fakes.pdfkit import CJK_FONT, ruled_grid
from jixiao.pipeline import extract_file

FONT = CJK_FONT


def _grid(page: pymupdf.Page, top: float, rows: list[list[str]], xs: list[float], h: float = 28.0) -> float:
    return ruled_grid(page, top, rows, xs, h)


def _form(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((220, 50), "部门整体支出绩效目标表", fontname=FONT, fontsize=12)
    xs = [40.0, 240.0, 330.0, 460.0, 555.0]
    y = _grid(page, 70, [["批复数", "757.3", "调整数", "1773.6"],
                         ["上年预算（万实际支出数\n元）", "1773.6", "执行率", "100.00%"],
                         ["年末结转结余数", "0", "", ""]], xs)
    y = _grid(page, y + 10, [["收入合计", "734.05", "其中：上级财政拨款", "0"],
                             ["当年预算（万本级财政安排\n元）", "734.05", "其他", "0"]], xs)
    _grid(page, y + 20, [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "招商活动场次", "≥10场"],
                         ["满意度指标", "服务对象满意度指标", "企业满意度", "≥90%"]], xs)
    doc.save(path)


def test_the_label_and_the_item_between_its_unit_pieces_come_apart() -> None:
    assert vocab.label_in_open_unit("上年预算（万实际支出数\n元）") == ("上年预算", "万元", "实际支出数")
    assert vocab.label_in_open_unit("上年预算（万元）") is None
    assert vocab.label_in_open_unit("项目资金（财政拨款部分）") is None  # a note of the label's own


def test_each_block_takes_its_label_above_and_below_it(tmp_path: Path) -> None:
    pdf = tmp_path / "blocks.pdf"
    _form(pdf)
    form = extract_file(pdf).forms[0]
    lines = {(ln.section, ln.item): ln.amount for ln in form.budget.lines}
    assert lines[("上年预算", "批复数")] == 757.3 and lines[("上年预算", "实际支出数")] == 1773.6
    assert lines[("当年预算", "收入合计")] == 734.05 and lines[("当年预算", "本级财政安排")] == 734.05
    assert form.budget.fiscal == 734.05
