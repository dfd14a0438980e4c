"""A funding block's label as a PDF read without row rules hands it over (hand-made tables).

The label is a merged cell down the block's left edge. Read by whitespace, its text lands on
a middle row of the block (centred vertically), and a narrow cell wraps it inside its unit
(``项目资金（万`` over ``元）``). The block's name must still reach every line, and the
wrapped unit's tail is not a budget item. Written by hand, not drawn from any golden file.
"""

from __future__ import annotations

from jixiao.domain import vocab
from jixiao.extract.rules import extract_form
from jixiao.ingest.text import parse_text
from jixiao.model.source import SourceDocument
from jixiao.segment import segment

HEAD = "项目支出绩效目标表\n项目名称\t乡村道路养护\t主管部门\t某县交通运输局\n"
TAIL = "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t养护里程\t≥10公里\n"


def _budget(block: str) -> set[tuple]:
    doc = SourceDocument(path="t.txt", format="text", blocks=parse_text(HEAD + block + TAIL))
    form = extract_form(segment(doc)[0])
    return {(ln.section, ln.item, ln.column, ln.amount) for ln in form.budget.lines}


def test_a_label_wrapped_inside_its_unit_names_the_block() -> None:
    assert vocab.is_budget_block_label("项目资金（万")
    assert vocab.budget_block_name("项目资金（万") == "项目资金"
    assert vocab.unit_tail("元）") and vocab.unit_tail("万元）") and not vocab.unit_tail("元")


def test_the_label_on_a_middle_row_names_the_rows_read_before_it() -> None:
    block = (
        "\t资金来源\t全年预算数\n"
        "\t资金总额\t120\n"
        "项目资金（万\t财政拨款\t100\n"
        "元）\t其他资金\t20\n"
    )
    lines = _budget(block)
    assert {ln[1] for ln in lines} == {"资金总额", "财政拨款", "其他资金"}  # 元） is no item
    assert {ln[0] for ln in lines} == {"项目资金"}  # the first row too, read before the label
