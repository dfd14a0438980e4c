"""Tables ruled between their rows only, drawn here the way browsers draw them: one thin
filled rectangle per cell edge (jixiao.ingest.pdf_rules.cell_edge_rulings)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest.pdf import ingest_pdf
from jixiao.ingest.pdf_rules import cell_edge_rulings
from jixiao.model.source import Table

XS = [40.0, 120.0, 200.0, 360.0, 460.0]
ROW = 22.0


def _draw(path: Path, rows: list[list[tuple[str, int, int]]], verticals: bool = False) -> None:
    """A table as rows of (text, rowspan, colspan) cells, laid out as HTML lays them out;
    each cell gets a 0.75 pt rule piece along its top and bottom edge (and its sides with
    ``verticals``), none across the inside of a merged cell."""
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=400)
    taken: set[tuple[int, int]] = set()
    y0 = 40.0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            box = pymupdf.Rect(XS[c], y0 + r * ROW, XS[c + cs], y0 + (r + rs) * ROW)
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken.add((rr, cc))
            edges = [(box.x0, box.y0, box.x1, box.y0 + 0.75), (box.x0, box.y1 - 0.75, box.x1, box.y1)]
            if verticals:
                edges += [(box.x0, box.y0, box.x0 + 0.75, box.y1), (box.x1 - 0.75, box.y0, box.x1, box.y1)]
            for e in edges:
                page.draw_rect(pymupdf.Rect(*e), color=None, fill=(0, 0, 0), width=0)
            if text:
                page.insert_text((box.x0 + 3, box.y0 + (box.height + 9) / 2), text, fontname="china-s", fontsize=9)
            c += cs
    doc.save(path)


FORM = [
    [("项目名称", 1, 1), ("乡村道路维护工程项目", 1, 3)],
    [("一级指标", 1, 1), ("二级指标", 1, 1), ("三级指标", 1, 1), ("指标值", 1, 1)],
    [("产出指标", 3, 1), ("数量指标", 2, 1), ("维护里程", 1, 1), ("≥20公里", 1, 1)],
    [("维修次数", 1, 1), ("≥4次", 1, 1)],
    [("质量指标", 1, 1), ("验收合格率", 1, 1), ("100%", 1, 1)],
    [("效益指标", 1, 1), ("社会效益", 1, 1), ("通行条件", 1, 1), ("改善", 1, 1)],
]


def _table(path: Path) -> Table:
    tables = [b for b in ingest_pdf(path).blocks if isinstance(b, Table)]
    assert len(tables) == 1
    return tables[0]


def test_rule_pieces_place_the_columns_and_merged_cells(tmp_path: Path) -> None:
    _draw(tmp_path / "h.pdf", FORM)
    t = _table(tmp_path / "h.pdf")
    assert t.n_cols == 4 and len(t.rows) == 6
    texts = [[c.text for c in row] for row in t.rows]
    assert texts[1] == ["一级指标", "二级指标", "三级指标", "指标值"]
    assert texts[3] == ["产出指标", "数量指标", "维修次数", "≥4次"]  # merged down: no piece across them
    assert t.rows[3][0].merged_from == (2, 0) and t.rows[3][1].merged_from == (2, 1)
    assert t.rows[4][1].merged_from is None and texts[4][1] == "质量指标"
    assert t.rows[0][1].colspan == 3 and texts[0][1] == "乡村道路维护工程项目"  # its text spans the boundaries


def test_a_fully_ruled_grid_gets_no_extra_rules(tmp_path: Path) -> None:
    """Where the joints already have vertical rules, a boundary without one is a merged cell:
    a short text in a cell spanning two columns stays one cell."""
    rows = [[("项目名称", 1, 1), ("道路", 1, 3)], *FORM[1:]]
    _draw(tmp_path / "g.pdf", rows, verticals=True)
    t = _table(tmp_path / "g.pdf")
    assert t.rows[0][1].colspan == 3 and t.rows[0][1].text == "道路"


def test_one_rule_per_row_is_no_column_evidence() -> None:
    """Whole-width rules (one piece per row, 三线表) have no joints: nothing is added."""
    rules = [(40.0, y, 460.0, y) for y in (40.0, 62.0, 84.0, 106.0)]
    assert cell_edge_rulings(rules, []) == []


def test_two_tables_meeting_on_one_rule_keep_their_own_columns() -> None:
    """The bottom rule of one table drawn on the top rule of the next: each band takes the
    pieces of its own table, so the upper table's boundary (x=150) does not cut the lower."""
    upper = [(40.0, 150.0), (150.0, 460.0)]
    lower = [(40.0, 100.0), (100.0, 300.0), (300.0, 460.0)]
    rules = [(a, y, b, y) for y, pieces in ((20.0, upper), (42.0, upper), (64.0, upper + lower), (86.0, lower),
                                            (108.0, lower)) for a, b in pieces]
    added = cell_edge_rulings(rules, [])
    lower_xs = {round(x0) for x0, y0, _, y1 in added if y0 >= 64.0 and y1 > y0 and 40 < x0 < 460}
    upper_xs = {round(x0) for x0, y0, _, y1 in added if y1 <= 64.0 and y1 > y0 and 40 < x0 < 460}
    assert lower_xs == {100, 300} and upper_xs == {150}


def test_an_underline_near_a_table_is_not_one_of_its_rules() -> None:
    """Rules join one table only where a shorter one starts and ends at the other's marks:
    link underlines above a table (page chrome) do not pull the chrome into its grid."""
    table = [(40.0, 150.0), (150.0, 300.0), (300.0, 460.0)]
    rules = [(a, y, b, y) for y, pieces in ((60.0, table), (82.0, table), (104.0, table)) for a, b in pieces]
    rules += [(220.0, 50.0, 260.0, 50.0), (265.0, 50.0, 290.0, 50.0)]  # underlines 10 pt above the top rule
    added = cell_edge_rulings(rules, [])
    assert added and min(min(y0, y1) for _, y0, _, y1 in added) == 60.0
