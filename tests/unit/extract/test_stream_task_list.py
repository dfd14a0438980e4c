"""A task list with amounts (年度主要任务 | 任务名称 | 主要内容 | 预算金额 over 总额 | 财政拨款 | 其他资金),
the only funding block of a Jiangxi project form, copied as text.

年度主要任务 is also the heading of a key-task column in indicator tables; here no indicator
header follows, so it opens a funding block. The funds under the one amount heading are the
columns; each row is a short label (任务1, 金额合计), text describing it, then its amounts, empty
cells skipped by the copy. Written by hand the way a browser copy, a pipe table, a
space-separated copy and a padded copy print such a table; not drawn from any golden file.
"""

from __future__ import annotations

import pytest

from jixiao.extract.stream import extract_stream
from jixiao.extract.stream_tokens import tokenize

HEAD = "项目绩效目标表\n项目名称\n农产品品牌推广\n"
TAIL = "年度绩效指标\n一级指标\n二级指标\n三级指标\n指标值\n产出指标\n数量指标\n举办推介活动场次\n≥3场\n"

LINES = HEAD + """年度主要任务
任务名称
主要内容
预算金额（万元）
总额
财政拨款
其他资金
任务1
举办农产品推介会
组织本地企业参加省内外展会，开展线上直播推介，扩大区域公用品牌影响。
45
金额合计
45
45
""" + TAIL

PIPE = HEAD + """年度主要任务 | 任务名称 |  | 主要内容 | 预算金额（万元） |  | 
 |  |  |  | 总额 | 财政拨款 | 其他资金
 | 任务1 | 举办农产品推介会 | 组织本地企业参加省内外展会，开展线上直播推介，扩大区域公用品牌影响。 | 45 |  | 
 | 金额合计 |  |  | 45 | 45 | 
""" + TAIL

SPACE = HEAD + """年度主要任务 任务名称 主要内容 预算金额（万元）
总额 财政拨款 其他资金
任务1 举办农产品推介会 组织本地企业参加省内外展会，开展线上直播推介，扩大区域公用品牌影响。 45
金额合计 45 45
""" + TAIL

# a web page copied with no separator: the merged cells (年度主要任务, 任务名称) printed again on each row
CONCAT = HEAD + """年度主要任务任务名称主要内容预算金额（万元）
年度主要任务任务名称任务名称主要内容总额财政拨款其他资金
年度主要任务任务1举办农产品推介会组织本地企业参加省内外展会，开展线上直播推介，扩大区域公用品牌影响。45
年度主要任务金额合计4545
""" + TAIL

PADDED = LINES.replace("年度主要任务\n任务名称\n主要内容\n", "年??度??主??要??任??务\n任??务??名??称\n主?要?内?容\n")

EXPECTED = {("任务1", "总额", 45.0), ("金额合计", "总额", 45.0), ("金额合计", "财政拨款", 45.0)}


@pytest.mark.parametrize("text", [LINES, PIPE, SPACE, PADDED, CONCAT], ids=["lines", "pipe", "space", "padded", "concat"])
def test_task_list_rows_under_fund_columns(text: str) -> None:
    form = extract_stream(text).forms[0]
    assert {(ln.item, ln.column, ln.amount) for ln in form.budget.lines} == EXPECTED
    assert {ln.section for ln in form.budget.lines} == {"年度主要任务"}
    assert (form.budget.total, form.budget.fiscal) == (45.0, 45.0)
    assert len(form.indicators) == 1


def test_padded_cells_on_consecutive_lines_stay_apart() -> None:
    texts = [t.text for t in tokenize("年??度??主??要??任??务\n任??务??名??称\n主?要?内?容\n")]
    assert texts == ["年度主要任务", "任务名称", "主要内容"]
    # one character a line is one label printed vertically
    assert [t.text for t in tokenize("绩\n效\n指\n标\n")] == ["绩效指标"]


def test_a_task_amount_under_no_heading_read_is_no_line() -> None:
    # the headings were lost: which fund 60 is cannot be told, so no line is made from it
    text = HEAD + "年度主要任务\n任务1\n举办农产品推介会\n60\n" + TAIL
    form = extract_stream(text).forms[0]
    assert not form.budget.lines


def test_a_glued_total_row_label_stays_whole() -> None:
    from jixiao.extract.budget_glued import split_budget_run

    text = "年度主要任务金额合计45.0045.00"
    spans = split_budget_run(text)
    assert spans is not None
    assert [text[a:b] for a, b in spans] == ["年度主要任务", "金额合计", "45.00", "45.00"]
