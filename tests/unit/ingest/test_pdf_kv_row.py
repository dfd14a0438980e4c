"""A form's key/value block drawn without rules whose budget row lays out cells of its own.

The way a browser prints ``border: none`` with ``vertical-align: middle``: the block's rows
hold a label and one wide value, or two label/value pairs, but the budget row holds seven
cells (项目资金（万元） | 年度资金总额： | 386.50 | 其中：财政拨款 | 350.00 | 其他资金 |
36.50); its labels wrap onto two lines and the one-line amounts sit centred between those
lines. Columns found by whitespace over the whole block run through that row; the row must
come out as one row of seven cells, not two rows with the amounts glued together.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest import ingest_file
from jixiao.model.source import Table

FONT = "china-s"
SIZE = 10.0
LINE = 13.0  # baseline to baseline inside a wrapped cell


def _put(page: pymupdf.Page, text: str, cx: float, y: float) -> None:
    w = pymupdf.get_text_length(text, fontname=FONT, fontsize=SIZE)
    page.insert_text((cx - w / 2, y), text, fontname=FONT, fontsize=SIZE)


def _pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 100.0
    _put(page, "项目名称", 75, y)
    _put(page, "2024年中小学校园安全视频监控系统升级项目", 340, y)
    y += 20
    for cx, t in ((75, "主管部门"), (190, "洛阳市教育局"), (310, "实施单位"), (455, "洛阳市教育技术装备中心")):
        _put(page, t, cx, y)
    y += 22
    # the budget row: wrapped labels on two lines, amounts centred between them
    for cx, (a, b) in ((75, ("项目资金（万", "元）")), (160, ("年度资金总", "额：")), (310, ("其中：财政拨", "款"))):
        _put(page, a, cx, y)
        _put(page, b, cx, y + LINE)
    for cx, t in ((240, "386.50"), (390, "350.00"), (455, "其他资金"), (540, "36.50")):
        _put(page, t, cx, y + LINE / 2)
    y += LINE + 22
    _put(page, "年度目标", 75, y)
    page.insert_text((118, y), "完成56所中小学校园视频监控系统升级改造，新增和改造高清监控点位1200个以上",
                     fontname=FONT, fontsize=SIZE)
    doc.save(path)
    return path


def test_a_row_with_cells_of_its_own_is_one_row_of_seven_cells(tmp_path: Path) -> None:
    src = ingest_file(_pdf(tmp_path / "kv.pdf"))
    tables = [b for b in src.blocks if isinstance(b, Table)]
    assert tables
    rows = [[c.text.replace("\n", "") for c in r if c.merged_from is None and c.text] for r in tables[0].rows]
    budget = [r for r in rows if any("386.50" in t for t in r)]
    assert budget == [["项目资金（万元）", "年度资金总额：", "386.50", "其中：财政拨款", "350.00", "其他资金", "36.50"]]
    assert ["主管部门", "洛阳市教育局", "实施单位", "洛阳市教育技术装备中心"] in rows
