"""DOCX and XLSX ingest: body order, merged cells as copies, value formatting, unreadable files."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from fixtures import make_fixtures as fx

from jixiao.model.source import (
    IngestError,
    PageTextStatus,
    Paragraph,
    SourceDocument,
    Table,
)
from jixiao.ingest.docx import ingest_docx
from jixiao.ingest.xlsx import format_cell, ingest_xlsx


def _tables(doc: SourceDocument) -> list[Table]:
    return doc.tables


def _texts(t: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in t.rows]


# ---------------------------------------------------------------------------------------
# DOCX


@pytest.fixture(scope="module")
def docx_doc(tmp_path_factory: pytest.TempPathFactory) -> SourceDocument:
    return ingest_docx(fx.form_docx(tmp_path_factory.mktemp("docx") / "form.docx"))


def test_docx_body_order_and_page(docx_doc: SourceDocument) -> None:
    kinds = [(type(b).__name__, b.text if isinstance(b, Paragraph) else b.n_cols) for b in docx_doc.blocks]
    assert kinds == [
        ("Paragraph", "苏州市市级项目预算绩效目标表"),
        ("Table", 4),
        ("Paragraph", "绩效指标"),
        ("Table", 5),
        ("Paragraph", "填报说明：无"),
    ]
    assert docx_doc.format == "docx" and len(docx_doc.sha256) == 64
    assert [(p.number, p.status) for p in docx_doc.pages] == [(1, PageTextStatus.NOT_APPLICABLE)]
    assert all(t.pages == [1] and t.source == "docx" and t.exact_grid for t in _tables(docx_doc))


def test_docx_gridspan_becomes_copies(docx_doc: SourceDocument) -> None:
    header = _tables(docx_doc)[0]
    assert _texts(header) == [
        ["项目名称", "商务执法专项经费", "商务执法专项经费", "商务执法专项经费"],
        ["年度资金总额", "410.99", "财政拨款", "356.18"],
    ]
    origin = header.rows[0][1]
    assert (origin.colspan, origin.merged_from) == (3, None)
    assert [c.merged_from for c in header.rows[0][2:]] == [(0, 1), (0, 1)]


def test_docx_vmerge_becomes_copies_and_nested_text_is_joined(docx_doc: SourceDocument) -> None:
    t = _tables(docx_doc)[1]
    assert _texts(t)[0] == fx.HEADER
    assert [r[0].text for r in t.rows[1:]] == ["产出指标"] * 4
    assert [r[0].merged_from for r in t.rows[1:]] == [None, (1, 0), (1, 0), (1, 0)]
    assert t.rows[1][0].rowspan == 4
    assert [r[1].text for r in t.rows[1:]] == ["数量指标", "数量指标", "质量指标", "时效指标"]
    assert t.rows[2][1].merged_from == (1, 1) and t.rows[3][1].merged_from is None
    assert t.rows[1][2].text == "培训人数\n其中：线上\n线下"  # nested table text, one line per paragraph
    assert [r[4].text for r in t.rows[1:]] == ["356.18", "0.92", "=100%", "2024年12月前"]
    assert [(c.row, c.col) for c in t.rows[3]] == [(3, c) for c in range(5)]


def test_docx_grid_before_and_legacy_hmerge(tmp_path: Path) -> None:
    """Rows that skip leading grid columns (w:gridBefore) and old-style w:hMerge stay aligned."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c, text in enumerate(["甲", "乙", "丙"]):
        t.cell(0, c).text = text
    tr = t.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    tr.insert(0, parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>'))
    tr.tc_lst[0].get_or_add_tcPr().append(parse_xml(f'<w:hMerge {nsdecls("w")} w:val="restart"/>'))
    tr.tc_lst[1].get_or_add_tcPr().append(parse_xml(f'<w:hMerge {nsdecls("w")}/>'))
    from docx.table import _Cell

    _Cell(tr.tc_lst[0], t).text = "合并"
    path = tmp_path / "grid.docx"
    d.save(str(path))
    [table] = _tables(ingest_docx(path))
    assert _texts(table) == [["甲", "乙", "丙"], ["", "合并", "合并"]]
    assert table.rows[1][2].merged_from == (1, 1)


# ---------------------------------------------------------------------------------------
# XLSX


@pytest.fixture(scope="module")
def xlsx_doc(tmp_path_factory: pytest.TempPathFactory) -> SourceDocument:
    return ingest_xlsx(fx.form_xlsx(tmp_path_factory.mktemp("xlsx") / "form.xlsx"))


def test_xlsx_sheets_are_pages_with_title_and_table(xlsx_doc: SourceDocument) -> None:
    assert [(type(b).__name__, b.page if isinstance(b, Paragraph) else b.pages) for b in xlsx_doc.blocks] == [
        ("Paragraph", 1), ("Table", [1]), ("Paragraph", 2), ("Table", [2]),
    ]
    assert [b.text for b in xlsx_doc.blocks if isinstance(b, Paragraph)] == ["资金", "绩效指标"]
    assert [(p.number, p.status) for p in xlsx_doc.pages] == [(1, PageTextStatus.NOT_APPLICABLE), (2, PageTextStatus.NOT_APPLICABLE)]


def test_xlsx_merged_ranges_numbers_and_trimming(xlsx_doc: SourceDocument) -> None:
    funding, indicators = _tables(xlsx_doc)
    assert _texts(funding) == [  # the empty column D is trimmed
        ["项目资金（万元）", "年度资金总额", "410.99"],
        ["项目资金（万元）", "财政拨款", "356.18"],
        ["项目资金（万元）", "其他资金", "54.81"],
    ]
    assert [r[0].merged_from for r in funding.rows] == [None, (0, 0), (0, 0)]
    assert _texts(indicators) == [  # formatted-but-empty G12 does not add rows or columns
        fx.HEADER,
        ["产出指标", "数量指标", "培训人数", "100", "100"],
        ["产出指标", "数量指标", "人均经费", "0.9", "356.18"],
        ["产出指标", "质量指标", "合格率", "95%", "95.5%"],
        ["产出指标", "质量指标", "整改率", "100%", "90%"],
    ]
    assert indicators.rows[3][1].merged_from is None and indicators.rows[4][1].merged_from == (3, 1)
    assert indicators.rows[1][0].rowspan == 4


@pytest.mark.parametrize(
    ("value", "fmt", "want"),
    [
        (100.0, "General", "100"),
        (0.9, "General", "0.9"),
        (0.1 + 0.2, "General", "0.3"),
        (356.18, "0.00", "356.18"),
        (1e20, "General", "100000000000000000000"),
        (0.95, "0%", "95%"),
        (0.955, "0.00%", "95.5%"),
        (5, '0"%"', "5"),  # a literal % sign is not a percent format
        (True, "General", "TRUE"),
        (dt.datetime(2024, 6, 30), "yyyy-mm-dd", "2024-06-30"),
        ("  健全 ", "@", "健全"),
        (None, "General", ""),
    ],
)
def test_format_cell(value: object, fmt: str, want: str) -> None:
    assert format_cell(value, fmt) == want


# ---------------------------------------------------------------------------------------
# unreadable files


FAKE_ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64
FAKE_LEGACY = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 64


@pytest.mark.parametrize("ingest, suffix", [(ingest_docx, ".docx"), (ingest_xlsx, ".xlsx")])
def test_office_errors(tmp_path: Path, ingest, suffix: str) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "random": (os.urandom(2048), "zip"),
        "badzip": (b"PK\x03\x04" + os.urandom(2048), "corrupt"),
        "encrypted": (FAKE_ENCRYPTED, "encrypted"),
        "legacy": (FAKE_LEGACY, "legacy"),
        "empty": (b"", "empty"),
    }
    for name, (data, word) in cases.items():
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        with pytest.raises(IngestError) as e:
            ingest(path)
        assert word in e.value.reason and e.value.path == str(path), (name, e.value.reason)
    with pytest.raises(IngestError, match="not found"):
        ingest(tmp_path / f"missing{suffix}")


def test_docx_given_to_xlsx_reader_is_an_error(tmp_path: Path) -> None:
    path = fx.form_docx(tmp_path / "form.docx")
    with pytest.raises(IngestError, match="corrupt"):
        ingest_xlsx(path)


def test_xlsx_formulas_without_saved_results(tmp_path: Path) -> None:
    """openpyxl-written files carry formulas but no results: a literal "=100%" is what was
    typed (a target with its operator); a real formula is flagged, not silently empty."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["三级指标", "指标值", "合计"])
    ws.append(["验收合格率", "=100%", "=SUM(B2:B3)"])
    ws.append(["培训人数", "=1,200", 5])
    path = tmp_path / "formulas.xlsx"
    wb.save(str(path))
    doc = ingest_xlsx(path)
    [table] = _tables(doc)
    assert _texts(table) == [["三级指标", "指标值", "合计"], ["验收合格率", "=100%", ""], ["培训人数", "=1,200", "5"]]
    [flag] = doc.flags
    assert flag.code == "xlsx_formula_without_value" and "C2" in flag.message
