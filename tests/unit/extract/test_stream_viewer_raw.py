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
