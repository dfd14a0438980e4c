"""HTML ingest: grids with spans, nested/layout tables, encodings, hostile input, end to end.

The fixtures under tests/fixtures/html/ were made by real producers (LibreOffice's web
export of an openpyxl .xlsx and a python-docx .docx, a hand-written GBK government page,
and Chromium's --dump-dom of that page); see make_html_fixtures.py. What each must yield
is written here by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.cli import collect_inputs
from jixiao.model.source import IngestError, Paragraph, Table
from jixiao.ingest import ingest_file, sniff_format
from jixiao.ingest import html as html_mod
from jixiao.ingest.html import decode_html, ingest_html
from jixiao.pipeline import extract_file

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "html"
FIXTURES = ["xlsx_preview.html", "docx_preview.html", "gov_page_gbk.html", "chromium_dom.html"]

EXPECTED = [
    ("产出指标", "数量指标", "培训覆盖人次", "≥500人次"),
    ("产出指标", "数量指标", "服务社区数量", "=12个"),
    ("产出指标", "质量指标", "培训考核合格率", "≥95%"),
    ("产出指标", "时效指标", "项目完成时间", "2024年12月底前"),
    ("效益指标", "社会效益指标", "居民办事便利度", "明显提升"),
    ("效益指标", "可持续影响指标", "服务机制长效运行", "长期"),
    ("满意度指标", "服务对象满意度指标", "社区居民满意度", "≥90%"),
]


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def _tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


# ---------------------------------------------------------------------------------------
# End to end on producer output


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_form_reads_end_to_end(name: str) -> None:
    doc = extract_file(FIX / name)
    assert doc.source.format == "html"
    assert len(doc.forms) == 1
    form = doc.forms[0]
    got = [(i.level1, i.level2, i.level3, i.target) for i in form.indicators]
    assert got == EXPECTED
    assert form.project_name == "社区公共服务能力提升"
    assert form.competent_dept == "青山区民政局"
    assert form.unit_name == "青山区社区服务中心"
    assert form.year == 2024
    assert form.budget.total == pytest.approx(200.0)
    assert form.budget.fiscal == pytest.approx(180.0)
    assert form.goals.annual and form.goals.annual.startswith("开展社区工作者培训")
    assert not [f for f in form.flags if f.severity.value == "error"]


def test_gov_page_chrome_is_paragraphs_and_noise_is_skipped() -> None:
    doc = ingest_html(FIX / "gov_page_gbk.html")
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "2024年度项目支出绩效目标表" in paras
    assert any(p.startswith("当前位置：首页 > 政务公开") for p in paras)  # breadcrumbs kept as text, in order
    joined = "\n".join(paras)
    for noise in ("政策文件", "统计代码", "隐藏的统计文字", "color:#333"):  # nav, script, display:none, style
        assert noise not in joined
    # the layout table around the page is not a grid: only the form is a table
    tables = _tables(doc)
    assert len(tables) == 1
    assert tables[0].rows[0][0].text == "项目名称"
    # order: the heading before the form, the 填报人 line after it
    kinds = [("T" if isinstance(b, Table) else b.text) for b in doc.blocks]
    assert kinds.index("2024年度项目支出绩效目标表") < kinds.index("T") < next(
        i for i, k in enumerate(kinds) if k.startswith("填报人"))


def test_gov_page_merged_cells_are_copies_with_origin() -> None:
    table = _tables(ingest_html(FIX / "gov_page_gbk.html"))[0]
    budget = table.rows[2:5]
    assert budget[0][0].text == "项目资金\n（万元）"  # <br> is a line break inside the cell
    assert budget[1][0].merged_from == (2, 0) and budget[2][0].text == budget[0][0].text
    assert budget[0][3].merged_from == (2, 2) and budget[0][3].text == "200"  # colspan=2
    first_ind = 7
    assert table.rows[first_ind][0].text == "产出指标" and table.rows[first_ind][0].rowspan == 4
    assert [r[0].merged_from for r in table.rows[first_ind + 1:first_ind + 4]] == [(first_ind, 0)] * 3
    assert table.rows[first_ind + 1][2].text == "服务社区数量"  # the row after a rowspan starts in column 2
    assert table.exact_grid and table.source == "html"


def test_chromium_dump_is_utf8_under_a_gbk_meta() -> None:
    raw = (FIX / "chromium_dom.html").read_bytes()
    assert b"charset=GBK" in raw  # the producer kept the original declaration
    doc = ingest_html(FIX / "chromium_dom.html")
    assert [f.code for f in doc.flags] == ["html_charset_mismatch"]
    assert _tables(doc)[0].rows[0][1].text == "社区公共服务能力提升"


def test_cell_evidence_is_the_source_line() -> None:
    path = FIX / "gov_page_gbk.html"
    lines = path.read_bytes().decode("gbk").splitlines()
    form = extract_file(path).forms[0]
    ev = form.indicators[2].evidence["target"]
    assert ev.page == 1 and ev.bbox is None
    assert "≥95%" in lines[ev.line - 1].replace("&ge;", "≥")
    ev = form.evidence["project_name"]
    assert "社区公共服务能力提升" in lines[ev.line - 1]


# ---------------------------------------------------------------------------------------
# Grids


def test_rowspan_colspan_grid(tmp_path: Path) -> None:
    page = """<html><body><table>
      <tr><th rowspan=2>A</th><th colspan=2>B</th><td rowspan="0">Z</td></tr>
      <tr><td>b1</td><td>b2&nbsp;&nbsp;x</td></tr>
      <tr><td>c0</td><td colspan=2>  c1
          c1b </td></tr>
    </table></body></html>"""
    t = _tables(ingest_html(_write(tmp_path, "g.html", page)))[0]
    assert _texts(t) == [["A", "B", "B", "Z"], ["A", "b1", "b2 x", "Z"], ["c0", "c1 c1b", "c1 c1b", "Z"]]
    assert t.rows[1][0].merged_from == (0, 0)
    assert t.rows[0][2].merged_from == (0, 1)
    assert t.rows[2][3].merged_from == (0, 3)  # rowspan=0: to the end of the table
    assert t.rows[0][0].merged_from is None and t.rows[0][0].rowspan == 2


def test_nested_table_in_a_data_cell_is_cell_text(tmp_path: Path) -> None:
    page = """<table><tr><td>项目名称</td><td>道路养护</td></tr>
      <tr><td>资金</td><td><table><tr><td>财政</td><td>10</td></tr><tr><td>其他</td><td>2</td></tr></table></td></tr>
      <tr><td>目标</td><td>第一行<br>第二行<p>第三段</p></td></tr></table>"""
    doc = ingest_html(_write(tmp_path, "n.html", page))
    tables = _tables(doc)
    assert len(tables) == 1
    assert _texts(tables[0]) == [["项目名称", "道路养护"], ["资金", "财政 10\n其他 2"], ["目标", "第一行\n第二行\n第三段"]]


def test_layout_table_is_unwrapped(tmp_path: Path) -> None:
    page = """<table><tr><td>左栏菜单</td><td><p>标题</p>
      <table><tr><td>一级指标</td><td>二级指标</td></tr><tr><td>产出指标</td><td>数量指标</td></tr></table>
      <p>脚注</p></td></tr></table>"""
    doc = ingest_html(_write(tmp_path, "l.html", page))
    kinds = ["T" if isinstance(b, Table) else b.text for b in doc.blocks]
    assert kinds == ["左栏菜单", "标题", "T", "脚注"]
    assert _texts(_tables(doc)[0]) == [["一级指标", "二级指标"], ["产出指标", "数量指标"]]


def test_huge_colspan_does_not_make_columns(tmp_path: Path) -> None:
    page = "<table><tr><td colspan=100000>x</td></tr><tr><td>a</td><td>b</td></tr></table>"
    t = _tables(ingest_html(_write(tmp_path, "c.html", page)))[0]
    assert t.n_cols == 2


# ---------------------------------------------------------------------------------------
# Encodings

GB_PAGE = "<html><head>{meta}</head><body><p>主管部门</p><table><tr><td>项目名称</td><td>镕铖路灯改造</td></tr></table></body></html>"


@pytest.mark.parametrize("meta,enc", [
    ('<meta charset="gb2312">', "gb2312"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=GBK">', "gbk"),
    ("", "gb18030"),  # no declaration: not UTF-8, so GB18030
])
def test_gb_encodings(tmp_path: Path, meta: str, enc: str) -> None:
    text = GB_PAGE.format(meta=meta).replace("镕铖", "公园" if enc == "gb2312" else "镕铖")  # 镕铖 are GBK-only
    doc = ingest_file(_write(tmp_path, "p.htm", text.encode(enc)))
    assert doc.format == "html"
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "主管部门"
    assert _tables(doc)[0].rows[0][1].text.endswith("路灯改造")
    assert not doc.flags


def test_gb2312_declared_page_with_gbk_only_characters(tmp_path: Path) -> None:
    """Pages declare gb2312 and use GBK characters (镕): read as GB18030, the superset."""
    raw = GB_PAGE.format(meta='<meta charset="gb2312">').encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")
    doc = ingest_html(_write(tmp_path, "p.html", raw))
    assert _tables(doc)[0].rows[0][1].text == "镕铖路灯改造"


def test_bom_wins(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + GB_PAGE.format(meta='<meta charset="gbk">').encode("utf-8")
    doc = ingest_file(_write(tmp_path, "b.html", raw))
    assert doc.blocks[0].text == "主管部门"
    raw16 = GB_PAGE.format(meta="").encode("utf-16")  # with its BOM
    doc = ingest_file(_write(tmp_path, "u16.html", raw16))
    assert doc.blocks[0].text == "主管部门"


def test_decode_order() -> None:
    assert decode_html("<p>中文</p>".encode("utf-8"))[1] == "utf-8"
    assert decode_html("<p>中文</p>".encode("gbk"))[1] == "gb18030"
    text, enc, note = decode_html('<meta charset="big5"><p>中文</p>'.encode("big5"))
    assert enc == "big5" and "中文" in text and not note


# ---------------------------------------------------------------------------------------
# Dispatch and hostile input


def test_dispatch_and_directory_search(tmp_path: Path) -> None:
    _write(tmp_path, "a.html", "<table><tr><td>x</td></tr></table>")
    _write(tmp_path, "b.HTM", "<table><tr><td>x</td></tr></table>")
    sniffed = _write(tmp_path, "c.txt", "\n<!DOCTYPE html>\n<html><body><p>正文</p></body></html>")
    plain = _write(tmp_path, "d.txt", "项目名称\t道路\n")
    files, missing = collect_inputs([tmp_path])
    assert sorted(f.name for f in files) == ["a.html", "b.HTM", "c.txt", "d.txt"] and not missing
    assert sniff_format(sniffed) == "html" and sniff_format(plain) == "text"
    assert sniff_format(tmp_path / "b.HTM") == "html"


def test_size_limit_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_mod, "MAX_HTML_BYTES", 1000)
    p = _write(tmp_path, "big.html", "<p>" + "数" * 2000 + "</p>")
    with pytest.raises(IngestError) as e:
        ingest_file(p)
    assert "big.html" in str(e.value) and "limit" in e.value.reason


def test_grid_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_mod, "MAX_GRID_SLOTS", 50)
    p = _write(tmp_path, "wide.html", "<table>" + "<tr>" + "<td>x</td>" * 10 + "</tr>" * 1 + "<tr><td>y</td></tr>" * 9
               + "</table>")
    with pytest.raises(IngestError, match="wide.html: HTML table 1 is 10 × 10"):
        ingest_html(p)


def test_no_external_entities_or_network(tmp_path: Path) -> None:
    secret = _write(tmp_path, "secret.txt", "TOP-SECRET-CONTENT")
    page = f"""<?xml version="1.0" encoding="gbk"?>
<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<html><body><p>a &xxe; b</p><img src="http://198.51.100.1/x.png"><iframe src="{secret.as_uri()}"></iframe>
<table><tr><td>&amp;&lt;&nbsp;ok</td></tr></table></body></html>"""
    doc = ingest_html(_write(tmp_path, "x.html", page))
    everything = " ".join(b.text if isinstance(b, Paragraph) else str(_texts(b)) for b in doc.blocks)
    assert "TOP-SECRET" not in everything
    assert _tables(doc)[0].rows[0][0].text == "&< ok"


def test_deep_nesting_is_refused_not_truncated(tmp_path: Path) -> None:
    page = "<html><body>" + "<div>" * 5000 + "深处文字" + "</div>" * 5000 + "<p>后文</p></body></html>"
    with pytest.raises(IngestError, match="deep.html: HTML page could not be read to the end"):
        ingest_html(_write(tmp_path, "deep.html", page))
    page = "<html><body>" + "<div>" * 150 + "深处文字" + "</div>" * 150 + "<p>后文</p></body></html>"
    doc = ingest_html(_write(tmp_path, "ok.html", page))
    assert [b.text for b in doc.blocks] == ["深处文字", "后文"]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="empty"):
        ingest_html(_write(tmp_path, "e.html", b"  \n"))
