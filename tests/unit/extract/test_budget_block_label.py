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


def test_a_unit_line_below_the_label_restates_the_amounts_read_before_it() -> None:
    # 资金情况 / （元） merged down the block: each text line lands on its own row, the unit
    # beside the fourth fund; the two amounts read before it were printed in 元 too
    block = (
        "\t年度资金总额\t2,856,000.00\n"
        "\t其中：财政拨款\t2,600,000.00\n"
        "资金情况\t其中：一般公共预算\t2,400,000.00\n"
        "（元）\t政府性基金\t200,000.00\n"
        "\t自有资金\t256,000.00\n"
    )
    lines = _budget(block)
    assert {(ln[1], ln[3]) for ln in lines} == {
        ("年度资金总额", 285.6), ("财政拨款", 260.0), ("一般公共预算", 240.0), ("政府性基金", 20.0), ("自有资金", 25.6)}


def test_a_unit_printed_with_its_amount_is_not_restated() -> None:
    block = (
        "\t年度资金总额\t120万元\n"
        "资金情况\t财政拨款\t100\n"
        "（元）\t其他资金\t200,000\n"
    )
    amounts = {ln[1]: ln[3] for ln in _budget(block)}
    assert amounts["年度资金总额"] == 120.0  # its own 万元 holds
    assert amounts["财政拨款"] == 0.01 and amounts["其他资金"] == 20.0


def test_a_fund_label_glued_to_the_block_label_is_split() -> None:
    assert vocab.glued_block_label("其中：一般公共预算资金情况（元）") == ("其中:一般公共预算", "资金情况", "元")
    assert vocab.glued_block_label("年度资金情况（万元）") is None  # one block label
    assert vocab.glued_block_label("资金情况（元）") is None
    block = (
        "\t年度资金总额\t2,856,000.00\n"
        "其中：一般公共预算资金情况（元）\t2,400,000.00\n"
        "\t其他资金\t456,000.00\n"
    )
    lines = _budget(block)
    assert {(ln[0], ln[1], ln[3]) for ln in lines} == {
        ("资金情况", "年度资金总额", 285.6), ("资金情况", "一般公共预算", 240.0), ("资金情况", "其他资金", 45.6)}


def test_fund_names_as_headings_before_the_block_label_open_the_block() -> None:
    # a three-line table read by whitespace: the headings, the block label centred under
    # them on a line of its own, then the amounts
    block = (
        "资金总额\t财政拨款\t其他资金\n"
        "项目资金\t\t\n"
        "120.00\t100.00\t20.00\n"
    )
    lines = _budget(block)
    assert {(ln[0], ln[2], ln[3]) for ln in lines} == {
        ("项目资金", "资金总额", 120.0), ("项目资金", "财政拨款", 100.0), ("项目资金", "其他资金", 20.0)}


def test_columns_an_unruled_table_ran_together_are_parted() -> None:
    # 资金总额上级资金 one heading, 560.00 300.00 one cell: two columns with no gap between them
    assert vocab.split_fund_names("资金总额上级资金") == ["资金总额", "上级资金"]
    assert vocab.split_fund_names("资金总额") is None and vocab.split_fund_names("其中：财政拨款") is None
    block = (
        "项目资金（万元）\t资金来源\t资金总额上级资金\t本级资金\t其他资金\n"
        "\t上年预算数\t560.00 300.00\t240.00\t20.00\n"
        "\t年度预算数\t680.00 400.00\t250.00\t30.00\n"
    )
    lines = {(ln[1], ln[2]): ln[3] for ln in _budget(block)}
    assert lines == {("上年预算数", "资金总额"): 560.0, ("上年预算数", "上级资金"): 300.0, ("上年预算数", "本级资金"): 240.0,
                     ("上年预算数", "其他资金"): 20.0, ("年度预算数", "资金总额"): 680.0, ("年度预算数", "上级资金"): 400.0,
                     ("年度预算数", "本级资金"): 250.0, ("年度预算数", "其他资金"): 30.0}


def test_a_value_glued_to_the_next_label_gives_that_label_the_next_cell() -> None:
    doc = SourceDocument(path="t.txt", format="text", blocks=parse_text(
        "项目支出绩效目标表\n项目名称\t图书馆总分馆建设\n主管部门\t泉州市文化广电和旅游局实施单位\t泉州市图书馆\n" + TAIL))
    form = extract_form(segment(doc)[0])
    assert form.competent_dept == "泉州市文化广电和旅游局" and form.unit_name == "泉州市图书馆"


def test_a_funding_block_read_as_paragraph_lines_with_wide_gaps() -> None:
    # a PDF funding block drawn without rules: each row a paragraph line, cells apart by wide gaps
    from jixiao.extract.rules import paragraph_budget_rows
    from jixiao.model.source import Paragraph

    paras = [Paragraph(text="批复数  757.3  调整数  1773.6", page=1, bbox=(50, 100, 400, 112)),
             Paragraph(text="上年预算（万元）  实际支出数  1773.6  执行率  100.00%", page=1, bbox=(50, 114, 400, 126)),
             Paragraph(text="收入合计  734.05  其中：上级财政拨款  0", page=1, bbox=(50, 128, 400, 140)),
             Paragraph(text="完成全年招商引资任务，资金到位率达到60%以上", page=1, bbox=(50, 142, 400, 154))]
    rows = paragraph_budget_rows(paras)
    assert [r.texts[0] for r in rows] == ["批复数", "上年预算（万元）", "收入合计"]  # the sentence is no row
    blocks = [Paragraph(text="部门整体支出绩效目标表", page=1), *paras, *parse_text(TAIL)]
    form = extract_form(segment(SourceDocument(path="t.pdf", format="pdf", blocks=blocks))[0])
    got = {(ln.section, ln.item): ln.amount for ln in form.budget.lines}
    # the label, merged down the block, lands on its middle line: the line above it is the block's too
    assert got[("上年预算", "批复数")] == 757.3 and got[("上年预算", "实际支出数")] == 1773.6
    assert got[("上年预算", "收入合计")] == 734.05


def test_a_group_label_centred_below_its_subtotal_names_the_subtotal() -> None:
    # 财政拨款 merged over 小计 / 一般公共预算资金 / 政府性基金, printed on the middle row
    block = (
        "收入\t资金总额\t\t410.99\n"
        "\t\t小计\t410.99\n"
        "\t财政拨款\t一般公共预算资金\t410.99\n"
        "\t\t政府性基金\t0\n"
    )
    assert {(ln[1], ln[3]) for ln in _budget(block)} == {
        ("资金总额", 410.99), ("财政拨款", 410.99), ("一般公共预算资金", 410.99), ("政府性基金", 0.0)}


def test_an_item_spanning_the_label_slot_is_no_group_label() -> None:
    block = (
        "项目资金（万元）\t\t合计\t2,360.00\n"
        "\t一般公共预算资金\t\t2,360.00\n"
    )
    assert {(ln[1], ln[3]) for ln in _budget(block)} == {("合计", 2360.0), ("一般公共预算资金", 2360.0)}


def test_a_fund_label_wrapped_around_its_amount_in_one_cell() -> None:
    from jixiao.extract.rows import CellView
    from jixiao.extract.rules import _unwrap_label_around_amount
    from jixiao.model.source import Cell

    raw = "其中：财政资\n2200万元\n金\n支持区内优秀企业相关项目补贴。"
    [*cells] = _unwrap_label_around_amount([CellView(text=raw.replace("\n", ""), col=1, cell=Cell(text=raw, row=0, col=1))])
    assert [c.text for c in cells] == ["其中：财政资金", "2200万元", "支持区内优秀企业相关项目补贴。"]
    plain = "完成全年任务\n2200万元\n以上"  # no fund named around it: left alone
    assert len(_unwrap_label_around_amount([CellView(text=plain, col=1, cell=Cell(text=plain, row=0, col=1))])) == 1
