"""PDFs drawn by real producers (tests/fixtures/producers, made by its make.py with Chromium,
wkhtmltopdf, LibreOffice and reportlab): rulings whatever the drawing, and the per-page ladder.

The fixtures are committed; nothing here needs a producer at test time. ``label.json`` there
was written by hand from the form the generator draws.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from jixiao.model.source import Cell, Paragraph, Table
from jixiao.evaluate.scorer import aggregate, score_document
from jixiao.ingest import pdf as pdf_mod
from jixiao.extract import pdf_rungs
from jixiao.ingest import pdf_ladder
from jixiao.ingest.pdf import ingest_pdf
from jixiao.ingest.pdf_ladder import check_page
from jixiao.pipeline import ExtractOptions, extract_file
from jixiao.model.output import Document, Form, Indicator

HERE = Path(__file__).resolve().parents[2] / "fixtures" / "producers"
ALL = sorted(p.name for p in HERE.glob("*.pdf"))
HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]


def _gold() -> Document:
    return Document.model_validate(json.loads((HERE / "label.json").read_text(encoding="utf-8")))


def _f1(pred: Document) -> float:
    return aggregate([score_document(_gold(), pred)])["indicator_f1"] or 0.0


def _header_rows(name: str) -> list[list[str]]:
    """Rows (origin cells' text) of the tables holding the indicator header."""
    doc = ingest_pdf(HERE / name)
    out = []
    for t in doc.tables:
        for row in t.rows:
            texts = [c.text for c in row if c.merged_from is None]  # empty cells too: no shattered columns
            if "一级指标" in "".join(texts):
                out.append(texts)
    return out


# ---- rulings ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "wkhtml-runshade.pdf",  # inline background behind each text run
    "wkhtml-charshade.pdf",  # one shaded run per character
    "libreoffice-runshade.pdf",  # Word run shading (w:shd on runs)
    "chromium-runshade.pdf",
    "chromium-cellshade.pdf",
])
def test_shading_behind_text_is_not_a_rule(name: str) -> None:
    """The shaded header row stays one row of four cells, not one column per run/character."""
    assert HEADER in _header_rows(name)


@pytest.mark.parametrize("name", [
    "reportlab-fillrules.pdf",  # every rule a 0.6 pt filled rectangle
    "reportlab-cellrects.pdf",  # every cell its own stroked rectangle
    "chromium-separate.pdf",  # border-collapse: separate → double rules 2 pt apart
    "wkhtml-separate.pdf",
    "chromium-double.pdf",
    "chromium-dashed.pdf",  # each cell edge one path holding every dash of a 3px dashed border
    "wkhtml-dashed.pdf",
])
def test_thin_fills_cell_rects_double_and_dashed_rules(name: str) -> None:
    assert HEADER in _header_rows(name)


@pytest.mark.parametrize("name", ALL)
def test_every_producer_fixture_reads_every_indicator(name: str) -> None:
    """Indicator F1 against the hand-written label: 1.0 for every producer and style
    (三线表 and borderless tables through the word-box grid)."""
    assert _f1(extract_file(HERE / name, ExtractOptions(ocr="off"))) == 1.0


def test_highlights_rules_and_cell_shading_told_apart() -> None:
    import pymupdf

    from jixiao.ingest.pdf_rules import clean_drawings

    r = pymupdf.Rect
    chars = [(12 + 10 * i, 11, 22 + 10 * i, 21) for i in range(4)]  # 一级指标, 10 pt glyphs at y 11–21
    drawings = [
        {"type": "f", "fill": (0.85,) * 3, "rect": r(10, 10, 54, 22), "items": [("re", r(10, 10, 54, 22), 1)]},  # behind the run
        {"type": "f", "fill": (0.85,) * 3, "rect": r(0, 100, 120, 160), "items": [("re", r(0, 100, 120, 160), 1)]},  # a cell's shading
        {"type": "f", "fill": (0,) * 3, "rect": r(10, 30, 200, 30.6), "items": [("re", r(10, 30, 200, 30.6), 1)]},  # a rule
        {"type": "s", "color": (0,) * 3, "rect": r(10, 40, 60, 80), "items": [("re", r(10, 40, 60, 80), 1)]},  # cell outline
    ]
    kept, dropped = clean_drawings(drawings, chars)
    assert dropped == 1 and [d["rect"] for d in kept] == [r(0, 100, 120, 160), r(10, 30, 200, 30.6), r(10, 40, 60, 80)]


# ---- the self-check -----------------------------------------------------------------


def _table(rows: list[list[str]]) -> Table:
    return Table(rows=[[Cell(text=t, row=i, col=j) for j, t in enumerate(row)] for i, row in enumerate(rows)])


GOOD = [HEADER, ["产出指标", "数量指标", "培训人次", "≥500人次"], ["效益指标", "社会效益指标", "群众知晓率", "≥90%"]]


def test_check_passes_a_clean_page_and_a_page_without_indicators() -> None:
    assert check_page([_table(GOOD)]).ok
    assert check_page([Paragraph(text="项目名称 某项目"), _table([["主管部门", "某局"]])]).ok


def test_check_fails_a_header_split_across_tables() -> None:
    tables = [_table([[h], ["x"]]) for h in HEADER]
    assert not check_page(tables).ok


def test_check_fails_a_header_split_into_characters() -> None:
    rows = [["一", "级", "指标", "二级指标", "三级指标", "指标值"], ["产出指标", "", "", "数量指标", "培训人次", "≥500人次"]]
    assert "fragments" in check_page([_table(rows)]).reason


def test_check_fails_a_header_with_nothing_under_it_but_not_at_the_page_end() -> None:
    assert check_page([_table([HEADER])]).ok  # rows continue on the next page
    assert not check_page([_table([HEADER]), Paragraph(text="备注")]).ok


def test_check_fails_rows_off_the_framework() -> None:
    rows = [HEADER, ["上门服务老人人数", "≥1200人", "", ""], ["新建日间照料中心数量", "6个", "", ""],
            ["服务质量抽查合格率", "≥95%", "", ""]]
    assert "framework" in check_page([_table(rows)]).reason


# ---- the ladder -----------------------------------------------------------------------


def test_vector_rung_settles_a_clean_page() -> None:
    doc = extract_file(HERE / "wkhtml-runshade.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"] == {"vector": 1, "raster": 0, "columns": 0, "stream": 0}


def test_raster_rung_reads_a_grid_drawn_as_an_image() -> None:
    """reportlab-gridimage: the rules are a picture under the text layer; the vector rung
    sees none, the self-check sees the header words in no row, the raster rung reads it."""
    src = ingest_pdf(HERE / "reportlab-gridimage.pdf")
    assert src.pages[0].rung == "raster" and "no table row" in src.pages[0].rung_reason
    doc = extract_file(HERE / "reportlab-gridimage.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"]["raster"] == 1 and _f1(doc) == 1.0


def test_raster_rung_rescues_a_misread_vector_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """With shading taken for rules (as before pdf_rules existed) the header shatters; the
    ladder notices and the raster rung, which sees rules only where ink is, reads the form."""
    monkeypatch.setattr(pdf_mod, "clean_drawings", lambda d, text=(): (d, 0))
    doc = extract_file(HERE / "libreoffice-runshade.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"] == {"vector": 0, "raster": 1, "columns": 0, "stream": 0}
    assert _f1(doc) == 1.0


def _fake_stream(monkeypatch: pytest.MonkeyPatch, seen: list[str]) -> None:
    mod = types.ModuleType("fake_stream")

    def extract_stream(text: str) -> types.SimpleNamespace:
        seen.append(text)
        ind = Indicator(level1="产出指标", level2="数量指标", level3="上门服务老人人数", target="≥1200人")
        return types.SimpleNamespace(forms=[Form(indicators=[ind])], ranges=[])

    mod.extract_stream = extract_stream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_stream", mod)
    monkeypatch.setattr(pdf_rungs, "STREAM_MODULE", "fake_stream")
    monkeypatch.setattr(pdf_rungs, "stream_available", lambda: True)


def test_stream_rung_when_no_table_rung_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_mod, "clean_drawings", lambda d, text=(): (d, 0))
    monkeypatch.setattr(pdf_mod, "_lattice_trusted", lambda check, blocks: False)  # the finder's reading (shattered)
    monkeypatch.setattr(pdf_ladder, "raster_rulings", lambda page, boxes, dpi=150: None)
    monkeypatch.setattr(pdf_mod, "_header_column_blocks", lambda page, info, lines, used=None: None)
    seen: list[str] = []
    _fake_stream(monkeypatch, seen)
    doc = extract_file(HERE / "wkhtml-runshade.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"] == {"vector": 0, "raster": 0, "columns": 0, "stream": 1}
    assert seen and "三级指标" in seen[0]  # the page's text went to the stream extractor
    assert any(i.level3 == "上门服务老人人数" for f in doc.forms for i in f.indicators)


def test_without_a_stream_extractor_the_page_goes_back_to_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_mod, "clean_drawings", lambda d, text=(): (d, 0))
    monkeypatch.setattr(pdf_mod, "_lattice_trusted", lambda check, blocks: False)  # the finder's reading (shattered)
    monkeypatch.setattr(pdf_ladder, "raster_rulings", lambda page, boxes, dpi=150: None)
    monkeypatch.setattr(pdf_rungs, "stream_available", lambda: False)
    monkeypatch.setattr(pdf_mod, "_header_column_blocks", lambda page, info, lines, used=None: None)
    page = ingest_pdf(HERE / "wkhtml-runshade.pdf").pages[0]
    assert page.rung == "stream" and page.stream_text  # ingest hands the page on
    doc = extract_file(HERE / "wkhtml-runshade.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"] == {"vector": 1, "raster": 0, "columns": 0, "stream": 0}


def test_a_table_ruled_between_rows_only_reads_on_the_vector_rung() -> None:
    """chromium-hrules-tight: rules between rows only, one piece per cell edge; where the
    pieces meet are the column boundaries (pdf_rules.cell_edge_rulings), so the first rung
    reads every indicator."""
    src = ingest_pdf(HERE / "chromium-hrules-tight.pdf")
    assert src.pages[0].rung == "vector"
    assert HEADER in _header_rows("chromium-hrules-tight.pdf")
    doc = extract_file(HERE / "chromium-hrules-tight.pdf", ExtractOptions(ocr="off"))
    assert _f1(doc) == 1.0


def test_columns_rung_reads_a_table_ruled_between_rows_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same page with the rule pieces' joints unused (as for rules drawn as whole lines):
    whitespace joins columns (the check sees the header words in no row), the indicator
    header's words place the column rules, and every indicator is read."""
    monkeypatch.setattr(pdf_mod, "cell_edge_rulings", lambda rulings, text=(): [])
    src = ingest_pdf(HERE / "chromium-hrules-tight.pdf")
    assert src.pages[0].rung == "columns"
    doc = extract_file(HERE / "chromium-hrules-tight.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"]["columns"] == 1 and _f1(doc) == 1.0


def test_a_form_turned_on_its_page_is_read_turned() -> None:
    """reportlab-rotated: the form drawn a quarter turn round on a landscape page, its text
    running up the page; read in the frame where the text runs left to right, the header is
    one row (not one column) and every indicator is read."""
    from jixiao.ingest.pdf_upright import dominant_direction

    assert dominant_direction(pdf_mod._page_lines(__import__("pymupdf").open(HERE / "reportlab-rotated.pdf")[0])) == (0.0, -1.0)
    assert HEADER in _header_rows("reportlab-rotated.pdf")
    assert _f1(extract_file(HERE / "reportlab-rotated.pdf", ExtractOptions(ocr="off"))) == 1.0


def test_stream_rung_with_the_real_stream_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table rung failing (shading taken for rules, no raster, no header columns), the
    page's text goes to jixiao.extract.stream, whose form replaces the table path's empty one."""
    pytest.importorskip("jixiao.extract.stream")
    monkeypatch.setattr(pdf_mod, "clean_drawings", lambda d, text=(): (d, 0))
    monkeypatch.setattr(pdf_mod, "_lattice_trusted", lambda check, blocks: False)  # the finder's reading (shattered)
    monkeypatch.setattr(pdf_ladder, "raster_rulings", lambda page, boxes, dpi=150: None)
    monkeypatch.setattr(pdf_mod, "_header_column_blocks", lambda page, info, lines, used=None: None)
    doc = extract_file(HERE / "wkhtml-runshade.pdf", ExtractOptions(ocr="off"))
    assert doc.stats["pdf_rungs"]["stream"] == 1 and len(doc.forms) == 1
    assert _f1(doc) == 1.0
