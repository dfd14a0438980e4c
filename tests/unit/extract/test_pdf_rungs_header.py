"""The stream rung's form takes the header the table path read on the same pages.

A page whose header block the vector rung read (key/value rows above the table) but whose
indicator table every table rung misread goes to the stream extractor; its form replaces
the table path's indicator-less one and must not lose the names and budget read there."""

from __future__ import annotations

import sys
import types

import pytest

from jixiao.extract import pdf_rungs
from jixiao.model.output import Budget, Evidence, Form, Goals, Indicator
from jixiao.model.source import PageInfo


def _stream_module(monkeypatch: pytest.MonkeyPatch, form: Form) -> None:
    mod = types.ModuleType("fake_stream")
    mod.extract_stream = lambda text: types.SimpleNamespace(forms=[form], ranges=[(1, 1)])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_stream", mod)
    monkeypatch.setattr(pdf_rungs, "STREAM_MODULE", "fake_stream")
    monkeypatch.setattr(pdf_rungs, "stream_available", lambda: True)


def test_stream_form_inherits_the_table_paths_header(monkeypatch: pytest.MonkeyPatch) -> None:
    stream_form = Form(indicators=[Indicator(level1="产出指标", level2="数量指标", level3="养护里程", target="≥1200公里")],
                       pages=[1])
    _stream_module(monkeypatch, stream_form)
    table_form = Form(project_name="2023年农村公路养护补助资金", unit_name="岳阳市公路建设养护中心", year=2023,
                      budget=Budget(total=2350.0, fiscal=2350.0), goals=Goals(annual="完成农村公路养护"), pages=[1, 2])
    table_form.evidence["project_name"] = Evidence(page=1, bbox=(60.0, 90.0, 400.0, 100.0))
    pages = [PageInfo(number=1, rung="vector"), PageInfo(number=2, rung="stream", stream_text="一级指标 …")]
    stats: dict = {}
    forms = pdf_rungs.stream_rung(pages, [table_form], stats)
    assert len(forms) == 1 and forms[0] is stream_form
    f = forms[0]
    assert (f.project_name, f.unit_name, f.year, f.budget.total, f.goals.annual) == (
        "2023年农村公路养护补助资金", "岳阳市公路建设养护中心", 2023, 2350.0, "完成农村公路养护")
    assert f.evidence["project_name"].page == 1
    assert [i.level3 for i in f.indicators] == ["养护里程"]


def test_stream_form_keeps_what_it_read_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    stream_form = Form(project_name="道路养护", indicators=[Indicator(level3="养护里程", target="≥1200公里")], pages=[1])
    _stream_module(monkeypatch, stream_form)
    table_form = Form(project_name="道路养护（误读）", unit_name="公路中心", pages=[1])
    forms = pdf_rungs.stream_rung([PageInfo(number=1, rung="stream", stream_text="…")], [table_form], {})
    assert (forms[0].project_name, forms[0].unit_name) == ("道路养护", "公路中心")


PAGE_1 = """\
                     某市市级项目支出绩效目标表
  项目名称                        农村公路养护补助资金
  主管部门          某市交通运输局            实施单位          某市公路事务中心
                年度资金总额                                         1,200.00
项目资金（万元）      其中：财政拨款                                       1,000.00
                其他资金                                             200.00
"""
PAGE_2 = """\
          一级指标       二级指标             三级指标               指标值
                       数量指标          养护农村公路里程             ≥300公里
          产出指标
                       质量指标          养护路段优良率               ≥85%
         满意度指标   服务对象满意度指标     沿线群众满意度               ≥90%
"""


def test_the_handed_pages_are_read_as_a_layout_kept_text_input() -> None:
    """The page text keeps its layout (MuPDF's sorted text): read back into rows, the funding
    rows printed around their label keep their amounts; evidence names the page and its line."""
    pages = [PageInfo(number=1, rung="stream", stream_text=PAGE_1), PageInfo(number=2, rung="stream", stream_text=PAGE_2)]
    [form] = pdf_rungs.stream_rung(pages, [], {})
    assert form.budget.total == 1200.0 and form.budget.fiscal == 1000.0
    assert [(i.level3, i.target) for i in form.indicators] == [
        ("养护农村公路里程", "≥300公里"), ("养护路段优良率", "≥85%"), ("沿线群众满意度", "≥90%")]
    ev = form.indicators[0].evidence["level3"]
    assert (ev.page, ev.line) == (2, 2)
    assert form.budget.lines[0].evidence["amount"].page == 1
