"""A landscape form on a portrait page turned by ``/Rotate 90`` (reportlab's ``rotate90``).

MuPDF gives the characters in the page's unrotated (portrait) frame, where the text runs up
the page; the reader turns them back. The turned frame must be the one the characters are
in (portrait), not the displayed (landscape) size, or every box is shifted left by the
difference of the two sides and comes out at negative x.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest import ingest_file
from jixiao.model.source import Table

ROWS = [("项目名称", "职业技能提升专项资金"), ("主管部门", "人力资源和社会保障局"), ("实施单位", "职业技能鉴定指导中心")]


def _rotated_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(90)
    m = page.derotation_matrix  # displayed → unrotated
    for i, row in enumerate(ROWS):
        for x, text in zip((60, 600), row):
            page.insert_text(pymupdf.Point(x, 100 + 20 * i) * m, text, fontname="china-s", fontsize=10, rotate=90)
    doc.save(path)
    return path


def test_rotated_page_boxes_are_in_the_displayed_frame(tmp_path: Path) -> None:
    src = ingest_file(_rotated_pdf(tmp_path / "rot.pdf"))
    tables = [b for b in src.blocks if isinstance(b, Table)]
    assert tables
    assert [[c.text for c in r] for r in tables[0].rows] == [list(r) for r in ROWS]
    for r in tables[0].rows:
        for c in r:
            x0, y0, x1, y1 = c.bbox
            assert 0 <= x0 < x1 <= 842 and 0 <= y0 < y1 <= 595
    assert abs(tables[0].rows[0][0].bbox[0] - 60) < 2 and abs(tables[0].rows[0][1].bbox[0] - 600) < 2
