"""Golden-set renderer: label + layout → digital PDF, scan, DOCX, XLSX, and the CLI."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pymupdf
import pytest
from typer.testing import CliRunner

from jixiao.evaluate.render.cli import app, check_folder
from jixiao.evaluate.render.form_layout import Grid, IndicatorTable, LayoutError, SideBySide, build, split_value
from jixiao.evaluate.render.office import excel_value, render_docx, render_xlsx
from jixiao.evaluate.render.pdf import BORDER, css, layout_page, page_html, page_rect, paginate, placed_positions, render_pdf
from jixiao.evaluate.render.scan import scan_pdf
from jixiao.model.output import BudgetLine, Document, load_document
from jixiao.domain.values import fold

GOLDEN = Path(__file__).resolve().parents[3] / "golden"


def _ind(l1: str, l2: str, l3: str, target: str, **kw: object) -> dict:
    return {"scope": kw.pop("scope", "annual"), "level1": l1, "level2": l2, "level3": l3, "target": target, **kw}


def small_label() -> Document:
    inds = [
        _ind("产出指标", "数量指标", "培训人次", "≥120人次", half_year="≥60人次"),
        _ind("产出指标", "数量指标", "服务覆盖率", "≥95%", half_year="≥90%"),
        _ind("产出指标", "质量指标", "验收合格率", "=100%", half_year="=100%"),
        _ind("效益指标", "社会效益指标", "管理制度", "健全", half_year="健全"),
        _ind("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", half_year="≥85%"),
    ]
    return Document.model_validate({"doc_id": "t", "forms": [{"project_name": "测试项目", "indicators": inds}]})


def small_layout(**indicator_keys: object) -> dict:
    block = {
        "type": "indicators", "scope": "annual",
        "columns": [{"field": "level1", "header": "一级指标"}, {"field": "level2", "header": "二级指标"},
                    {"field": "level3", "header": "三级指标"}, {"field": "half_year", "header": "半年指标值"},
                    {"field": "target", "header": "全年指标值"}],
        "merge": ["level1", "level2"],
    }
    block.update(indicator_keys)
    return {"forms": [{"blocks": [
        {"type": "heading", "text": "项目支出绩效目标表"},
        {"type": "grid", "rows": [["项目名称", {"text": "测试项目", "colspan": 2}],
                                  [{"text": "项目资金", "rowspan": 2}, "全年预算数", "356.18"],
                                  ["半年计划执行数", "0.92"]]},
        block,
    ]}]}


def page_cells(page: pymupdf.Page) -> list[list[str | None]]:
    """All table grids on a page, cell text read by clip (Table.extract() garbles numbers)."""
    rows = []
    for tab in page.find_tables(use_layout=False).tables:
        for row in tab.rows:
            rows.append([None if c is None else page.get_text("text", clip=pymupdf.Rect(c)).replace("\n", "").strip()
                         for c in row.cells])
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def table_rows(page: pymupdf.Page) -> list[list[str | None]]:
    """Folded text of every cell of every row ``find_tables`` sees on a page.

    The same reading as :func:`page_cells` (a character belongs to the cell holding its
    centre), with one text extraction per page instead of one per cell, so the whole
    golden set can be read in a few seconds.
    """
    chars = [(ch["c"], (ch["bbox"][0] + ch["bbox"][2]) / 2, (ch["bbox"][1] + ch["bbox"][3]) / 2)
             for b in page.get_text("rawdict")["blocks"] for ln in b.get("lines", ()) for sp in ln["spans"]
             for ch in sp["chars"]]
    def text(c: tuple[float, float, float, float]) -> str:
        return fold("".join(t for t, x, y in chars if c[0] <= x <= c[2] and c[1] <= y <= c[3]))

    return [[None if c is None else text(c) for c in row.cells]
            for tab in page.find_tables(use_layout=False).tables for row in tab.rows]


# ---------------------------------------------------------------------------------------
# values and layout


def test_split_value_moves_operator_and_unit_to_their_columns() -> None:
    assert split_value("≥95%", op_column=True, unit_column=False) == ("≥", "95%", "")
    assert split_value("≥95%", op_column=True, unit_column=True) == ("≥", "95", "%")
    assert split_value("≥95%", op_column=False, unit_column=True) == ("", "≥95", "%")
    assert split_value("≤0.8万元/场", op_column=True, unit_column=True) == ("≤", "0.8", "万元/场")
    assert split_value("健全", op_column=True, unit_column=True) == ("", "健全", "")
    assert split_value("2025年12月31日前", op_column=True, unit_column=True) == ("", "2025年12月31日前", "")


def test_build_rejects_form_count_mismatch_and_ragged_grid() -> None:
    label = small_label()
    layout = small_layout()
    with pytest.raises(LayoutError, match="layout has 2 forms, the label 1"):
        build(label, {"forms": layout["forms"] * 2}, name="x")
    bad = {"forms": [{"blocks": [{"type": "grid", "rows": [["a", "b"], ["c"]]}]}]}
    with pytest.raises(LayoutError, match=r"block 1: row 2 leaves column\(s\) \[1\] empty"):
        build(label, bad, name="x")
    with pytest.raises(LayoutError, match="unknown column field 'levle3'"):
        build(label, small_layout(columns=[{"field": "levle3", "header": "三级指标"}]), name="x")


def test_merge_runs_are_nested_in_parent_runs() -> None:
    """A level2 run never crosses a level1 boundary, even with equal level2 text."""
    inds = [_ind("产出指标", "数量指标", "a", "1个"), _ind("效益指标", "数量指标", "b", "2个")]
    label = Document.model_validate({"doc_id": "t", "forms": [{"indicators": inds}]})
    table = build(label, small_layout()).forms[0].blocks[2]
    grid = table.whole()
    data = grid.rows[1:]
    assert [c.rowspan for c in data[0][:2]] == [1, 1]
    assert [c.text for c in data[1][:2]] == ["效益指标", "数量指标"]


# ---------------------------------------------------------------------------------------
# digital PDF


def test_pdf_text_layer_holds_the_cell_texts(tmp_path: Path) -> None:
    out = tmp_path / "d.pdf"
    assert render_pdf(small_label(), small_layout(), out) == 1
    text = pymupdf.open(out)[0].get_text()
    for s in ("项目支出绩效目标表", "356.18", "0.92", "≥95%", "=100%", "≥120人次", "健全", "群众满意度", "服务对象满意度指标"):
        assert s in text, s
    assert text.count("产出指标") == 1  # merged over three rows: printed once


def test_rowspans_are_merged_cells_for_find_tables(tmp_path: Path) -> None:
    out = tmp_path / "d.pdf"
    render_pdf(small_label(), small_layout(), out)
    page = pymupdf.open(out)[0]
    rows = page_cells(page)
    header = next(i for i, r in enumerate(rows) if "一级指标" in r)
    first, second, third = rows[header + 1], rows[header + 2], rows[header + 3]
    col1 = first.index("产出指标")
    assert first[col1 + 1] == "数量指标" and "培训人次" in first
    assert second[col1] is None and second[col1 + 1] is None  # inside both merged cells
    assert third[col1] is None and third[col1 + 1] == "质量指标"  # level1 still merged, level2 new
    assert "356.18" in [c for r in rows for c in r]


def _tall_merge_case() -> tuple[Document, dict]:
    """Two rows under a merged 重点工作 cell whose text wraps to more lines than the rows hold."""
    task = "受理商务投诉举报，接处商务领域投诉举报，并按时反馈处理结果"
    inds = [_ind("履职", "执法", "满意率", "≥95%", key_task=task),
            _ind("履职", "执法", "及时办结率", "≥98%", key_task=task),
            _ind("履职", "执法", "学习次数", "≥6次", key_task="开展学习")]
    label = Document.model_validate({"doc_id": "t", "forms": [{"indicators": inds}]})
    cols = [{"field": "level1", "header": "一级指标"}, {"field": "key_task", "header": "重点工作", "width": 18},
            {"field": "level3", "header": "三级指标"}, {"field": "target", "header": "全年指标值"}]
    layout = {"forms": [{"blocks": [{"type": "indicators", "scope": "annual", "columns": cols,
                                     "merge": ["level1", "key_task"]}]}]}
    return label, layout


def test_rows_beside_a_tall_merged_cell_are_fully_ruled(tmp_path: Path) -> None:
    """MuPDF drew no rules across the gap it leaves above a tall span's last row, so
    find_tables lost the row 及时办结率 (its text fell in no cell) — seed 000's bug."""
    label, layout = _tall_merge_case()
    out = tmp_path / "d.pdf"
    render_pdf(label, layout, out)
    rows = table_rows(pymupdf.open(out)[0])
    assert [c for c in rows[2] if c is not None] == ["及时办结率", "≥98%"]
    assert rows[2][:2] == [None, None]  # inside the merged 一级指标 and 重点工作 cells
    assert [c for c in rows[3] if c is not None] == ["开展学习", "学习次数", "≥6次"]


def test_rowspan_gap_is_spread_without_growing_the_page() -> None:
    """The height MuPDF puts in a gap goes to the span's rows: rows touch, total height kept."""
    label, layout = _tall_merge_case()
    doc, pages = paginate(label, layout)
    rect = page_rect("a4") + (doc.margin, doc.margin, -doc.margin, -doc.margin)
    style = css(doc.font_size)

    def place(html: str) -> tuple[dict, float]:
        story = pymupdf.Story(html=html, user_css=style)
        _, filled = story.place(rect)
        return placed_positions(story).rows, filled[3]

    first_rows, first_bottom = place(page_html(pages[0][1], rect.width)[0])
    gaps = [first_rows[(0, r + 1)].y0 + BORDER / 2 - first_rows[(0, r)].y1 for r in range(3)]
    assert max(gaps) > 5  # MuPDF's gap is there to be spread (else this test tests nothing)
    final, _ = layout_page(pages[0][1], rect, style)
    rows, bottom = place(final)
    assert all(abs(rows[(0, r + 1)].y0 + BORDER / 2 - rows[(0, r)].y1) < 0.3 for r in range(3))
    assert abs(bottom - first_bottom) < 0.5


def test_op_and_unit_columns_print_the_parts(tmp_path: Path) -> None:
    cols = [{"field": "level3", "header": "三级指标"}, {"field": "op", "header": "指标性质", "qualitative": "定性"},
            {"field": "target", "header": "指标值"}, {"field": "unit", "header": "度量单位"}]
    out = tmp_path / "d.pdf"
    render_pdf(small_label(), small_layout(columns=cols, merge=[]), out)
    rows = page_cells(pymupdf.open(out)[0])
    # the grid above shares the table's outer rules, so find_tables joins both: drop spanned slots
    by_name = {r[0]: [c for c in r[1:] if c is not None] for r in rows if r and r[0]}
    assert by_name["服务覆盖率"] == ["≥", "95", "%"]
    assert by_name["培训人次"] == ["≥", "120", "人次"]
    assert by_name["管理制度"] == ["定性", "健全", ""]


def test_page_break_after_row_repeats_header_and_continues_merges(tmp_path: Path) -> None:
    out = tmp_path / "d.pdf"
    render_pdf(small_label(), small_layout(page_break_after_row=1), out)
    doc = pymupdf.open(out)
    assert doc.page_count == 2
    p1, p2 = (squash(p.get_text()) for p in doc)
    assert "培训人次" in p1 and "服务覆盖率" not in p1
    assert "一级指标" in p2 and "服务覆盖率" in p2  # header repeated on the new page
    assert "产出指标" not in p2  # the continued merged cell is drawn blank (Word style)
    rows = page_cells(doc[1])
    assert rows[1][0] == "" and rows[1][1] == ""  # blank continuation cells, not missing ones
    render_pdf(small_label(), small_layout(page_break_after_row=1, continued="repeat"), out)
    assert "产出指标" in squash(pymupdf.open(out)[1].get_text())


def test_long_table_paginates_between_rows(tmp_path: Path) -> None:
    inds = [_ind("产出指标" if i < 45 else "效益指标", f"二级{i // 10}", f"三级指标第{i}行", f"≥{i}个") for i in range(90)]
    label = Document.model_validate({"doc_id": "t", "forms": [{"indicators": inds}]})
    out = tmp_path / "d.pdf"
    n = render_pdf(label, small_layout(columns=small_layout()["forms"][0]["blocks"][2]["columns"][:3]
                                       + [{"field": "target", "header": "指标值"}]), out)
    doc = pymupdf.open(out)
    assert n == doc.page_count >= 2
    texts = [squash(p.get_text()) for p in doc]
    for i in range(90):  # every row on exactly one page, none lost at a break
        assert sum(t.count(f"三级指标第{i}行≥{i}个") for t in texts) == 1, i
    assert all("三级指标" in t for t in texts)  # header on every page
    for page in doc:  # no text drawn below the bottom margin (the MuPDF rowspan overflow bug)
        assert max(b[3] for b in page.get_text("blocks")) <= page.rect.height - 40


def test_forced_break_after_a_full_page_is_dropped(tmp_path: Path) -> None:
    inds = [_ind("产出指标", "数量指标", f"三级{i}", "1个") for i in range(70)]
    label = Document.model_validate({"doc_id": "t", "forms": [{"indicators": inds}]})
    _, pages = paginate(label, small_layout(page_break_after_row=65))
    spans = [b.span for _, blocks in pages for b in blocks if hasattr(b, "span")]
    assert spans[0][0] == 0 and spans[-1][1] == 70
    assert len(pages) == 2  # the page ends before row 65: one break, not a near-empty page


def test_landscape_and_page_break_blocks(tmp_path: Path) -> None:
    layout = small_layout()
    layout["page_size"] = "a4-landscape"
    layout["forms"][0]["blocks"].insert(2, {"type": "page_break", "page_size": "a4"})
    out = tmp_path / "d.pdf"
    render_pdf(small_label(), layout, out)
    doc = pymupdf.open(out)
    assert doc.page_count == 2
    assert doc[0].rect.width > doc[0].rect.height and doc[1].rect.width < doc[1].rect.height


def test_side_by_side_tables_share_a_page(tmp_path: Path) -> None:
    inds = [_ind("产出指标", "数量指标", "长期甲", "≥3个", scope="long_term"),
            _ind("产出指标", "数量指标", "年度乙", "≥1个")]
    label = Document.model_validate({"doc_id": "t", "forms": [{"indicators": inds}]})
    cols = [{"field": "level3", "header": "三级指标"}, {"field": "target", "header": "指标值"}]
    layout = {"forms": [{"blocks": [{"type": "side_by_side", "blocks": [
        {"type": "indicators", "scope": "long_term", "columns": cols},
        {"type": "indicators", "scope": "annual", "columns": cols}]}]}]}
    out = tmp_path / "d.pdf"
    render_pdf(label, layout, out)
    page = pymupdf.open(out)[0]
    left = page.search_for("长期甲")[0]
    right = page.search_for("年度乙")[0]
    assert abs(left.y0 - right.y0) < 2 and right.x0 > page.rect.width / 2 > left.x1


def test_render_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_pdf(small_label(), small_layout(), a)
    render_pdf(small_label(), small_layout(), b)
    assert pymupdf.open(a)[0].get_text() == pymupdf.open(b)[0].get_text()
    assert a.read_bytes() == b.read_bytes()


# ---------------------------------------------------------------------------------------
# scan


def test_scan_is_image_only_same_pages_and_sizes(tmp_path: Path) -> None:
    layout = small_layout(page_break_after_row=2)
    layout["page_size"] = "a4-landscape"
    digital, scanned = tmp_path / "d.pdf", tmp_path / "s.pdf"
    render_pdf(small_label(), layout, digital)
    n = scan_pdf(digital, scanned, dpi=80, seed=3)
    d, s = pymupdf.open(digital), pymupdf.open(scanned)
    assert n == s.page_count == d.page_count == 2
    for pd, ps in zip(d, s, strict=True):
        assert ps.get_text().strip() == ""
        assert len(ps.get_images()) == 1
        assert abs(pd.rect.width - ps.rect.width) < 0.01 and abs(pd.rect.height - ps.rect.height) < 0.01
    again = tmp_path / "s2.pdf"
    scan_pdf(digital, again, dpi=80, seed=3)
    assert again.read_bytes() == scanned.read_bytes()
    other = tmp_path / "s3.pdf"
    scan_pdf(digital, other, dpi=80, seed=4)
    assert other.read_bytes() != scanned.read_bytes()


def test_scan_turn_rotates_one_page(tmp_path: Path) -> None:
    digital, scanned = tmp_path / "d.pdf", tmp_path / "s.pdf"
    render_pdf(small_label(), small_layout(page_break_after_row=2), digital)
    scan_pdf(digital, scanned, dpi=60, turn={2: 90})
    s = pymupdf.open(scanned)
    assert s[0].rect.height > s[0].rect.width  # portrait as drawn
    assert s[1].rect.width > s[1].rect.height  # scanned sideways
    with pytest.raises(ValueError, match="turn"):
        scan_pdf(digital, tmp_path / "x.pdf", turn={1: 45})


# ---------------------------------------------------------------------------------------
# office formats


def test_docx_has_real_merged_cells(tmp_path: Path) -> None:
    import docx

    out = tmp_path / "f.docx"
    render_docx(small_label(), small_layout(), out)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml and "w:tblHeader" in xml
    d = docx.Document(str(out))
    grid, table = d.tables
    assert grid.cell(0, 1).text == "测试项目" and grid.cell(0, 1)._tc is grid.cell(0, 2)._tc  # colspan
    assert grid.cell(1, 0)._tc is grid.cell(2, 0)._tc  # rowspan (same merged cell)
    col = [table.cell(r, 0).text for r in range(1, 4)]
    assert col == ["产出指标"] * 3  # python-docx reports the merged cell on every row it spans
    assert table.cell(1, 4).text == "≥120人次" and table.cell(4, 2).text == "管理制度"
    again = tmp_path / "g.docx"
    render_docx(small_label(), small_layout(), again)
    assert again.read_bytes() == out.read_bytes()


def test_xlsx_has_merged_ranges_and_numbers(tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "f.xlsx"
    render_xlsx(small_label(), small_layout(), out)
    ws = openpyxl.load_workbook(out).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:E1" in merged  # heading across the form's width
    assert "B2:C2" in merged and "A3:A4" in merged  # grid colspan / rowspan
    assert "A6:A8" in merged and "B6:B7" in merged  # level1 over 3 rows, level2 over 2
    amount = ws["C3"]
    assert amount.value == pytest.approx(356.18) and amount.number_format == "0.00"
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "≥95%" in values and "健全" in values
    again = tmp_path / "g.xlsx"
    render_xlsx(small_label(), small_layout(), again)
    assert again.read_bytes() == out.read_bytes()


def test_excel_value_keeps_printed_form() -> None:
    assert excel_value("3,309,840.00") == (3309840.0, "#,##0.00")
    assert excel_value("18.94%") == (pytest.approx(0.1894), "0.00%")
    assert excel_value("0") == (0, "0")
    assert excel_value("027-60265422") == ("027-60265422", None)
    assert excel_value("027") == ("027", None)
    assert excel_value("≥95%") == ("≥95%", None)


# ---------------------------------------------------------------------------------------
# CLI


def _folder(root: Path, name: str, layout: dict, label: Document | None = None) -> Path:
    f = root / name
    f.mkdir(parents=True)
    data = json.loads((label or small_label()).to_json(full=False))
    data["doc_id"], data["variants"] = name, layout.get("outputs", ["digital", "scanned"])
    (f / "label.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (f / "layout.json").write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    return f


def test_cli_render_skips_up_to_date_and_force_redraws(tmp_path: Path) -> None:
    layout = small_layout()
    layout.update(outputs=["digital", "scanned", "docx", "xlsx"], scan={"dpi": 60})
    f = _folder(tmp_path, "syn_99_test", layout)
    runner = CliRunner()
    res = runner.invoke(app, ["render", str(tmp_path)])
    assert res.exit_code == 0, res.output
    outs = [f / n for n in ("digital.pdf", "scanned.pdf", "form.docx", "form.xlsx")]
    assert all(p.exists() for p in outs)
    stamps = [p.stat().st_mtime_ns for p in outs]
    res = runner.invoke(app, ["render", str(tmp_path)])
    assert res.exit_code == 0 and "up to date" in res.output
    assert [p.stat().st_mtime_ns for p in outs] == stamps
    res = runner.invoke(app, ["render", str(tmp_path), "--only", "syn_99_test", "--force"])
    assert res.exit_code == 0
    assert all(p.stat().st_mtime_ns > s for p, s in zip(outs, stamps, strict=True))
    assert runner.invoke(app, ["render", str(tmp_path), "--only", "nope"]).exit_code != 0


def test_cli_check_reports_broken_folders(tmp_path: Path) -> None:
    good = _folder(tmp_path, "a_good", small_layout())
    assert check_folder(good)[0] == []
    bad = _folder(tmp_path, "b_bad", {"forms": small_layout()["forms"] * 2})
    errors, _ = check_folder(bad)
    assert errors and "layout has 2 forms, the label 1" in errors[0]
    slip = small_label()
    slip.forms[0].budget.lines = [BudgetLine(section="项目资金", item="全年预算数", amount=35618.0)]  # 356.18 × 100
    _, warnings = check_folder(_folder(tmp_path, "c_slip", small_layout(), slip))
    assert any("35618.0 is not printed" in w for w in warnings)
    res = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert res.exit_code == 1 and "b_bad" in res.output


# ---------------------------------------------------------------------------------------
# the committed golden inputs


RENDERED = sorted(p.parent for p in GOLDEN.glob("*/layout.json") if (p.parent / "digital.pdf").exists())


def _grids(blocks: list) -> list[Grid]:
    out: list[Grid] = []
    for b in blocks:
        if isinstance(b, SideBySide):
            out += b.grids
        elif isinstance(b, IndicatorTable):
            out.append(b.whole())
        elif isinstance(b, Grid):  # also the paginator's table parts
            out.append(b)
    return out


def _in_order(want: list[str], row: list[str | None]) -> bool:
    it = iter(row)
    return all(any(c == w for c in it) for w in want)


@pytest.mark.parametrize("folder", RENDERED, ids=lambda p: p.name)
def test_golden_digital_pdf_has_every_cell_in_its_own_cell(folder: Path) -> None:
    """find_tables on the committed digital.pdf sees every printed cell as a cell of its own.

    Two readings: every label indicator's level3 is the whole text of some cell (a
    template prefix such as 指标1： may precede it), and every row of every grid the
    renderer drew has its cells, in order, as separate cells of one detected row.
    """
    label = load_document(folder / "label.json")
    _, pages = paginate(label, json.loads((folder / "layout.json").read_text(encoding="utf-8")), name=folder.name)
    pdf = pymupdf.open(folder / "digital.pdf")
    assert pdf.page_count == len(pages)
    found = [table_rows(page) for page in pdf]
    cells = [c for rows in found for row in rows for c in row if c]
    wanted = [fold(i.level3) for f in label.forms for i in f.indicators if i.level3]
    missing = [w for w in wanted if not any(c == w or c.endswith(w) for c in cells)]
    assert missing == [], f"{len(wanted) - len(missing)} of {len(wanted)} level3 texts are cells"
    lost = []
    for (_, blocks), rows in zip(pages, found, strict=True):
        for grid in _grids(blocks):
            for row in grid.rows:
                want = [fold(c.text) for c in row if fold(c.text)]
                if want and not any(_in_order(want, r) for r in rows):
                    lost.append(want)
    assert lost == []


def test_seed_000_row_under_a_wrapped_key_task_is_its_own_row(tmp_path: Path) -> None:
    """s000 page 2, 履职 table: 及时办结率 sits under a two-row 重点工作 cell whose text wraps."""
    folder = GOLDEN / "s000_suzhou_dept"
    out = tmp_path / "d.pdf"
    layout = json.loads((folder / "layout.json").read_text(encoding="utf-8"))
    render_pdf(load_document(folder / "label.json"), layout, out)
    rows = [r for page in pymupdf.open(out) for r in table_rows(page)]
    row = next(r for r in rows if "及时办结率" in r)
    assert [c for c in row if c is not None] == ["及时办结率", "≥98%", "≥98%"]
    above = rows[rows.index(row) - 1]
    assert [c for c in above if c is not None][-3:] == ["满意率", "≥95%", "≥95%"]


# ---------------------------------------------------------------------------------------
# the committed synthetic forms


SYNTHETIC = sorted(GOLDEN.glob("syn_*/layout.json"))


def test_there_are_enough_synthetic_forms() -> None:
    assert len(SYNTHETIC) >= 10


@pytest.mark.parametrize("layout_path", SYNTHETIC, ids=lambda p: p.parent.name)
def test_synthetic_form_is_consistent_and_rendered(layout_path: Path, tmp_path: Path) -> None:
    folder = layout_path.parent
    errors, warnings = check_folder(folder)
    assert errors == [] and warnings == []
    raw = json.loads((folder / "label.json").read_text(encoding="utf-8"))
    assert raw["notes"][0].startswith("synthetic:")
    label = load_document(folder / "label.json")
    fresh = tmp_path / "digital.pdf"
    render_pdf(label, json.loads(layout_path.read_text(encoding="utf-8")), fresh)
    committed = pymupdf.open(folder / "digital.pdf")
    text = squash("".join(p.get_text() for p in committed))
    assert text == squash("".join(p.get_text() for p in pymupdf.open(fresh))), "digital.pdf is stale: re-render"
    for form in label.forms:
        for ind in form.indicators:
            assert squash(ind.level3 or "") in text, ind.level3
            if form.project_name:
                assert squash(form.project_name) in text
    scanned = pymupdf.open(folder / "scanned.pdf")
    assert scanned.page_count == committed.page_count
    assert all(not p.get_text().strip() for p in scanned)
    for kind, name in (("docx", "form.docx"), ("xlsx", "form.xlsx")):
        assert (kind in raw["variants"]) == (folder / name).exists()
