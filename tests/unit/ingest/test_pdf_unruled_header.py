"""Indicator tables drawn without any rule, under a form's key/value block.

The PDFs are drawn here with PyMuPDF's text insertion (the built-in CJK font), cell by cell,
the way reportlab or a browser lays out a table with ``GRID`` / borders switched off:
labels centred in their columns, a vertically merged level cell centred on its rows. The
reader sees only the words.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from tests.unit.ingest.test_pdf import stitched_pdf
from jixiao.model.source import Table

FONT = "china-s"
SIZE = 10.0
HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]
# column centres of the indicator table (a 4-column table over a 500 pt wide text block)
CENTRES = [85.0, 190.0, 335.0, 493.0]


def _put(page: pymupdf.Page, text: str, cx: float, y: float) -> None:
    """``text`` centred on ``cx`` with its baseline at ``y``."""
    w = pymupdf.get_text_length(text, fontname=FONT, fontsize=SIZE)
    page.insert_text((cx - w / 2, y), text, fontname=FONT, fontsize=SIZE)


def _left(page: pymupdf.Page, text: str, x: float, y: float) -> None:
    page.insert_text((x, y), text, fontname=FONT, fontsize=SIZE)


def _key_value_block(page: pymupdf.Page, y: float) -> float:
    """A form's header block: labels at the left margin, values in one wide column whose
    text runs across where the indicator table's third and fourth columns will be."""
    rows = [
        ("部门名称", "江门市市场监督管理局"),
        ("资金总额", "12,856.37"),
        ("部门职能", "负责全市市场综合监督管理，统一登记市场主体，组织市场监管综合执法"),
        ("年度目标", "完成食品安全监督抽检4800批次以上，特种设备定期检验率达到98%以上"),
    ]
    for label, value in rows:
        _left(page, label, 50, y)
        _left(page, value, 160, y)
        y += 22
    return y


def _data_rows(page: pymupdf.Page, y: float, rows: list[tuple[str, str]],
               levels: tuple[str, str] = ("产出指标", "数量指标")) -> float:
    """Indicator rows (name, value) under one level-1/level-2 pair centred on them."""
    top = y
    for name, value in rows:
        _put(page, name, CENTRES[2], y)
        _put(page, value, CENTRES[3], y)
        y += 20
    mid = (top + y - 20) / 2
    _put(page, levels[0], CENTRES[0], mid)
    _put(page, levels[1], CENTRES[1], mid)
    return y


ROWS = [("食品安全监督抽检批次", "≥4800批次"), ("特种设备监督检查台次", "≥1500台次"),
        ("新增登记市场主体户数", "≥35000户"), ("处理消费投诉举报件数", "≥12000件")]
MORE = [("食品安全评价性抽检合格率", "≥98%"), ("特种设备定期检验率", "≥98%")]


def _indicator_rows(doc_path: Path) -> tuple[list[list[str]], list[Table]]:
    doc = stitched_pdf(doc_path)
    holding = [t for t in doc.tables if any("一级指标" in "".join(c.text for c in row) for row in t.rows)]
    assert holding, f"no table holds the indicator header in {doc_path.name}"
    t = holding[0]
    return [[c.text for c in row if c.merged_from is None] for row in t.rows], holding


def test_header_closing_a_page_keeps_its_columns_and_takes_the_next_pages_rows(tmp_path: Path) -> None:
    """The header is the last line of page 1, its rows are on page 2: the header must not be
    glued into the key/value block's value column (三级指标指标值), and the rows of page 2
    continue under it."""
    doc = pymupdf.open()
    p1 = doc.new_page(width=595, height=842)
    y = _key_value_block(p1, 90)
    for text, cx in zip(HEADER, CENTRES):
        _put(p1, text, cx, y + 14)
    p2 = doc.new_page(width=595, height=842)
    y2 = _data_rows(p2, 60, ROWS)
    _data_rows(p2, y2, MORE, ("效益指标", "社会效益指标"))
    path = tmp_path / "header-closes-page.pdf"
    doc.save(path)

    rows, holding = _indicator_rows(path)
    assert HEADER in rows, rows
    assert holding[0].pages == [1, 2]
    every = dict(ROWS + MORE)
    names = [r for r in rows if any(n in r for n in every)]
    assert list(every) == [next(c for c in r if c in every) for r in names]
    for r in names:  # name and value in cells of their own
        assert any(c.startswith("≥") for c in r), r


def test_indicator_header_under_a_key_value_block_opens_its_own_table(tmp_path: Path) -> None:
    """Header and rows on the same page, right under the key/value block: the header's four
    labels are four columns, and each data row keeps its name and value apart."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = _key_value_block(page, 90)
    for text, cx in zip(HEADER, CENTRES):
        _put(page, text, cx, y + 6)
    _data_rows(page, y + 28, ROWS)
    path = tmp_path / "header-under-block.pdf"
    doc.save(path)

    rows, _ = _indicator_rows(path)
    assert HEADER in rows, rows
    for name, value in ROWS:
        row = next(r for r in rows if name in r)
        assert value in row, row
