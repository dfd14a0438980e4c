"""Text painted over other text (a cell's overflowing paragraph) is kept out of the cells it covers."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest.pdf import ingest_pdf
from jixiao.layout.overprint import overprinting_blocks
from jixiao.model.source import Table


def _chars(x0: float, y0: float, n: int, size: float = 10.0) -> list[tuple[float, float, float, float]]:
    return [(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def _line(block: int, x0: float, y0: float, n: int) -> tuple[int, tuple[float, float, float, float], list]:
    chars = _chars(x0, y0, n)
    return block, (x0, y0, x0 + 10 * n, y0 + 10), chars


def test_a_block_over_several_others_is_the_intruder() -> None:
    cells = [_line(0, 100, 100, 6), _line(1, 100, 140, 6), _line(2, 100, 180, 6)]
    # a narrow paragraph at a 12 pt pitch running down across all three cells
    overflow = [_line(9, 120, 92 + 12 * k, 4) for k in range(10)]
    assert overprinting_blocks(cells + overflow) == {9}


def test_text_drawn_twice_is_no_intruder() -> None:
    """A fake bold (the same run drawn again 0.3 pt to the right) overlaps only its twin."""
    lines = [_line(0, 100, 100, 6), _line(1, 100.3, 100, 6), _line(2, 100, 140, 6), _line(3, 100.3, 140, 6)]
    assert overprinting_blocks(lines) == set()


def test_side_by_side_text_does_not_collide() -> None:
    lines = [_line(0, 100, 100, 6), _line(1, 170, 100, 6), _line(2, 100, 112, 6)]
    assert overprinting_blocks(lines) == set()


def _overflow_pdf(path: Path) -> None:
    """A ruled two-column table whose last row's paragraph was painted up over the rows above."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    ys = [100, 130, 160, 190, 220]
    for y in ys:
        page.draw_line((50, y), (500, y), width=0.5)
    for x in (50, 150, 500):
        page.draw_line((x, ys[0]), (x, ys[-1]), width=0.5)
    rows = [("单位名称", "鄂州市商务局"), ("项目名称", "商务发展专项"), ("联系电话", "027-60265422"), ("年度任务", "")]
    for (label, value), y in zip(rows, ys):
        page.insert_text((60, y + 20), label, fontname="china-s", fontsize=10)
        page.insert_text((160, y + 20), value, fontname="china-s", fontsize=10)
    # the overflowing paragraph of the last row: one text object, a narrow column from the top down
    text = "\n".join(["比增长12%左右", "实际利用外资", "同比增长百分", "之十全市商务", "工作主要任务", "是促进形成强", "大内需市场推", "动消费升级"])
    page.insert_textbox(pymupdf.Rect(165, 96, 240, 240), text, fontname="china-s", fontsize=10, lineheight=1.25)
    doc.save(path)


def test_overflowing_paragraph_is_not_read_into_the_cells_it_covers(tmp_path: Path) -> None:
    path = tmp_path / "overflow.pdf"
    _overflow_pdf(path)
    doc = ingest_pdf(path)
    texts = [c.text for b in doc.blocks if isinstance(b, Table) for row in b.rows for c in row]
    assert "鄂州市商务局" in texts
    assert "商务发展专项" in texts
    flags = [f for f in doc.flags if f.code == "overprinted_text"]
    assert flags and "实际利用外资" in flags[0].evidence["text"]
