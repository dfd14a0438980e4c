"""Two indicator tables side by side (a 中期 and a 年度 one) whose heads are ruled (shaded
or boxed title and header cells) and whose rows are drawn without rules. The lines under
the heads hold both tables' rows at different heights; each side must be read as its own
table under its own head, not as one eight-column table whose head is lost."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.ingest import ingest_file
from jixiao.model.source import Table

FONT = "china-s"
SIZE = 9.0
HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]


def _put(page: pymupdf.Page, text: str, cx: float, y: float) -> None:
    w = pymupdf.get_text_length(text, fontname=FONT, fontsize=SIZE)
    page.insert_text((cx - w / 2, y), text, fontname=FONT, fontsize=SIZE)


def _side(page: pymupdf.Page, x0: float, title: str, rows: list[tuple[str, str, str, str]]) -> None:
    widths = [70, 80, 150, 70]
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    page.draw_rect(pymupdf.Rect(xs[0], 100, xs[-1], 116), color=(0, 0, 0), width=0.5)
    _put(page, title, (xs[0] + xs[-1]) / 2, 111)
    for i, label in enumerate(HEADER):
        page.draw_rect(pymupdf.Rect(xs[i], 116, xs[i + 1], 132), color=(0, 0, 0), width=0.5)
        _put(page, label, (xs[i] + xs[i + 1]) / 2, 127)
    y = 146.0
    for row in rows:
        for i, text in enumerate(row):
            _put(page, text, (xs[i] + xs[i + 1]) / 2, y)
        y += 16 if len(row[2]) < 12 else 22


MID = [("产出指标", "数量指标", "培训人次", "≥6万人次"), ("产出指标", "质量指标", "培训合格率", "≥90%"),
       ("效益指标", "社会效益指标", "培训后就业率", "≥70%")]
YEAR = [("产出指标", "数量指标", "开展补贴性职业技能培训人次合计", "≥2万人次"), ("产出指标", "质量指标", "培训合格率", "≥90%"),
        ("效益指标", "社会效益指标", "带动农村劳动力转移就业人数合计", "≥5000人"), ("满意度指标", "服务对象满意度", "参训人员满意度", "≥90%")]


def test_side_by_side_heads_keep_their_own_unruled_rows(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=842, height=595)
    _side(page, 30, "中期绩效指标（2024—2026年）", MID)
    _side(page, 430, "年度绩效指标（2024年）", YEAR)
    doc.save(tmp_path / "sides.pdf")
    src = ingest_file(tmp_path / "sides.pdf")
    tables = [b for b in src.blocks if isinstance(b, Table) and any(c.text == "一级指标" for r in b.rows for c in r)]
    assert len(tables) == 2
    for t, rows in zip(sorted(tables, key=lambda t: t.bbox[0]), (MID, YEAR)):
        texts = [[c.text for c in r] for r in t.rows]
        assert HEADER in texts
        body = [r for r in texts if r[2] and r[2] != "三级指标"]
        assert [r[2:] for r in body] == [[name, value] for _, _, name, value in rows]
