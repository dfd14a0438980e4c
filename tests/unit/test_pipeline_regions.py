"""The LLM path pairs forms and regions by position: a form the PDF stream rung read must
get a region too (else ``--llm`` fails with "N regions but M rules forms")."""

from __future__ import annotations

from jixiao.model.output import Form
from jixiao.model.source import PageInfo, Paragraph, SourceDocument
from jixiao.pipeline import _regions_of
from jixiao.segment import FormRegion


def test_stream_rung_form_gets_a_region_of_its_pages() -> None:
    p1, p2 = Paragraph(text="项目支出绩效目标表", page=1), Paragraph(text="产出指标 数量指标 培训人次 ≥200人次", page=2)
    src = SourceDocument(path="x.pdf", format="pdf", blocks=[p1, p2],
                         pages=[PageInfo(number=1), PageInfo(number=2, rung="stream")])
    table_form, stream_form = Form(pages=[1]), Form()
    region = FormRegion(blocks=[p1], pages=[1])
    regions = _regions_of([table_form, stream_form], [(table_form, region)], src)
    assert len(regions) == 2
    assert regions[0].blocks == [p1]
    assert regions[1].blocks == [p2] and regions[1].index == 1


def test_unchanged_forms_keep_their_regions() -> None:
    f = Form()
    r = FormRegion(blocks=[], index=0)
    assert _regions_of([f], [(f, r)], SourceDocument(path="x.pdf", format="pdf"))[0] is r
