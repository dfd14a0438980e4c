"""A web page's title repeats the first form's heading above a cover and prose (issue 11 §3).

Seen on saved government pages: the page title (the article's name, here the first form's
heading) stands above the document's cover and prose, then the form prints its own heading.
The text between the two headings is the document's preamble, not the form's.
"""

from __future__ import annotations

from jixiao.model.source import Cell, Paragraph, Table
from jixiao.model.source import SourceDocument
from jixiao.segment import segment


def _form_table() -> Table:
    rows = [["项目名称", "招商引资"], ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "推介会场次", "2场"]]
    return Table(rows=[[Cell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)])


def test_text_between_a_page_title_and_the_form_heading_is_preamble() -> None:
    blocks = [
        Paragraph("招商引资项目绩效目标表"),  # the page's title
        Paragraph("高新区商务局"),
        Paragraph("2023年部门预算绩效文本"),
        Paragraph("商务局按照党工委、管委会部署要求，贯彻落实国家和省、市有关内外贸易工作的发展战略。"),
        Paragraph("招商引资项目绩效目标表"),  # the form's own heading
        _form_table(),
    ]
    (region,) = segment(SourceDocument(path="x.html", format="html", blocks=blocks))
    assert [b.text for b in region.blocks if isinstance(b, Paragraph)] == ["招商引资项目绩效目标表"] * 2
    assert region.context == {"unit_name": "高新区商务局", "year": 2023}


def test_adjacent_headings_still_make_one_form() -> None:
    """An Excel sheet name over the sheet's printed heading: one form, the nearer heading its title."""
    blocks = [Paragraph("项目绩效目标表"), Paragraph("2024年度项目支出绩效目标表"), _form_table()]
    (region,) = segment(SourceDocument(path="x.xlsx", format="xlsx", blocks=blocks))
    assert region.title == "2024年度项目支出绩效目标表"


def test_a_title_block_holding_a_label_line_under_it_is_titled_by_its_title_line() -> None:
    """A PDF text block holding the heading and the line under it (预算年度：2024 年): the title
    is the heading; a heading wrapped over two lines stays whole."""
    blocks = [Paragraph("项目支出绩效目标表\n预算年度：2024 年"), _form_table()]
    (region,) = segment(SourceDocument(path="x.pdf", format="pdf", blocks=blocks))
    assert region.title == "项目支出绩效目标表"
    wrapped = [Paragraph("2024年度某县交通运输局项目支出\n绩效目标表"), _form_table()]
    (region2,) = segment(SourceDocument(path="x.pdf", format="pdf", blocks=wrapped))
    assert region2.title == "2024年度某县交通运输局项目支出绩效目标表"


def test_a_header_value_with_its_quoted_words_printed_apart_is_flagged() -> None:
    from jixiao.extract.rules import extract_form
    from jixiao.segment import FormRegion

    rows = [["项目名称", "2024年送文化下乡惠民工程 “ ”"], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "送戏下乡场次", "≥120场"]]
    table = Table(rows=[[Cell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)])
    form = extract_form(FormRegion(blocks=[table], title="项目支出绩效目标表"))
    assert any(f.code == "quotes_emptied" and f.field == "project_name" for f in form.flags)
    rows[0][1] = "2024年“送文化下乡”惠民工程"
    table = Table(rows=[[Cell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)])
    assert not any(f.code == "quotes_emptied" for f in extract_form(FormRegion(blocks=[table])).flags)
