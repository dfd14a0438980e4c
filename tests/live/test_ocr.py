"""OCR end to end with the real RapidOCR engine (marked ``slow``) on a Chinese ruled table rendered
with PyMuPDF and degraded like a scan (rotated 1°, blurred, noisy, JPEG) — shared/notes/toolchain.md §1–2.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import pymupdf
import pytest
from jixiao.model.source import PageInfo, PageTextStatus, Paragraph, SourceDocument, Table
from jixiao.ocr import apply_ocr
from fakes.scans import all_cells, block_texts, scan_pdf, table_html, text_pdf

# ---------------------------------------------------------------------------------------
# End to end with the real engine

REASON_RE = re.compile(r"^ocr: rapidocr \d+\.\d+\.\d+, \d+ lines, mean score [01]\.\d\d")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    pytest.importorskip("rapidocr")
    d = tmp_path_factory.mktemp("scan")
    src = text_pdf(d / "table.pdf", [table_html()])
    return scan_pdf(src, d / "scan.pdf")


@pytest.mark.slow
def test_scanned_table_comes_back_and_rerun_hits_the_cache(scanned, tmp_path):
    from jixiao.ingest.pdf import ingest_pdf

    src = ingest_pdf(scanned)
    assert [p.status for p in src.pages] == [PageTextStatus.NO_TEXT]
    calls = []
    t0 = time.perf_counter()
    apply_ocr(src, scanned, cache_dir=tmp_path, workers=1, progress=lambda d, t: calls.append((d, t)))
    first = time.perf_counter() - t0
    page = src.pages[0]
    assert page.status == PageTextStatus.OCR
    assert REASON_RE.match(page.reason), page.reason
    assert "deskewed" in page.reason  # the 1° rotation was measured and removed
    assert calls == [(1, 1)]
    assert len(list((tmp_path / "ocr").rglob("*.json"))) == 1  # <cache root>/ocr, as the LLM cache uses <root>/llm
    tables = [b for b in src.blocks if isinstance(b, Table)]
    assert tables and all(t.source == "ocr" and t.pages == [1] for t in tables)
    texts = {c.text for c in all_cells(src)}
    for key in ("三级指标", "≥95%", "≤356.18万元", "组织参加各类招商推介会次数", "服务对象满意度指标"):
        assert key in texts, f"{key!r} not among OCR cells {sorted(texts)}"
    # merged 一级指标 cells come back as a span (copies point at the origin) thanks to the scan's rulings
    copies = [c for c in all_cells(src) if c.is_copy and c.text == "产出指标"]
    assert len(copies) >= 3
    scores = [c.score for c in all_cells(src) if c.text]
    assert all(0.0 < s <= 1.0 for s in scores) and min(scores) < 1.0

    again = ingest_pdf(scanned)
    t0 = time.perf_counter()
    apply_ocr(again, scanned, cache_dir=tmp_path, workers=1)
    second = time.perf_counter() - t0
    assert "from cache" in again.pages[0].reason
    assert block_texts(again) == block_texts(src)
    assert second < first / 5, f"cache rerun {second:.2f}s vs first run {first:.2f}s"


@pytest.mark.slow
@pytest.mark.parametrize("turn, expected", [(90, "page turned 90°"), (180, "page turned 180°")])
def test_page_scanned_sideways_or_upside_down_is_turned_upright(tmp_path, turn, expected):
    pytest.importorskip("rapidocr")
    src_pdf = text_pdf(tmp_path / "t.pdf", [table_html()])
    scan = scan_pdf(src_pdf, tmp_path / "turned.pdf", angle=0.5, turn=turn)
    doc = pymupdf.open(str(scan))
    rect = doc[0].rect
    assert (rect.width > rect.height) == (turn == 90)  # a sideways sheet makes a landscape page
    src = SourceDocument(path=str(scan), format="pdf", pages=[PageInfo(1, rect.width, rect.height, status=PageTextStatus.NO_TEXT)])
    apply_ocr(src, scan, cache_dir=tmp_path / "c", workers=1)
    assert expected in src.pages[0].reason
    texts = {c.text for c in all_cells(src)}
    assert {"一级指标", "三级指标", "≥95%", "≤356.18万元"} <= texts


@pytest.mark.slow
def test_mixed_document_in_parallel_keeps_page_order(tmp_path):
    """Page 1 has a text layer, pages 2–3 are scans (one with vertical 一级指标 cells)."""
    pytest.importorskip("rapidocr")
    from jixiao.ingest.pdf import ingest_pdf

    src_pdf = text_pdf(tmp_path / "t.pdf", [
        "<p>第一页：文字层正常的说明文字，部门整体支出绩效目标。</p>",
        table_html("第二页 项目支出绩效目标表"),
        table_html("第三页 项目支出绩效目标表", vertical_l1=True),
    ])
    scan = scan_pdf(src_pdf, tmp_path / "mixed.pdf", keep_text_pages=(1,))
    src = ingest_pdf(scan)
    assert [p.status for p in src.pages] == [PageTextStatus.OK, PageTextStatus.NO_TEXT, PageTextStatus.NO_TEXT]
    calls = []
    apply_ocr(src, scan, cache_dir=tmp_path / "c", workers=2, progress=lambda d, t: calls.append((d, t)))
    assert [p.status for p in src.pages] == [PageTextStatus.OK, PageTextStatus.OCR, PageTextStatus.OCR]
    assert sorted(calls) == [(1, 2), (2, 2)]
    pages = [b.page if isinstance(b, Paragraph) else b.pages[0] for b in src.blocks]
    assert pages == sorted(pages) and pages[0] == 1 and set(pages) == {1, 2, 3}
    assert "文字层正常" in src.blocks[0].text
    page3 = {c.text for b in src.blocks if isinstance(b, Table) and 3 in b.pages for row in b.rows for c in row}
    assert {"满意度指标", "产出指标", "≤356.18万元"} <= page3


@pytest.mark.slow
def test_worker_pool_from_an_unguarded_script(tmp_path):
    """A user script without ``if __name__ == "__main__"`` must not be re-run by the spawned workers."""
    pytest.importorskip("rapidocr")
    small = "<table><tr><th>一级指标</th><th>二级指标</th><th>三级指标</th></tr><tr><td>产出指标</td><td>数量指标</td><td>培训人次</td></tr></table>"
    src_pdf = text_pdf(tmp_path / "t.pdf", [small, small])
    scan = scan_pdf(src_pdf, tmp_path / "two.pdf")
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from jixiao.ocr import ocr_pages
        print("SCRIPT BODY RAN")
        res = ocr_pages(Path({str(scan)!r}), [1, 2], workers=2)
        print("PAGES", sorted(res), all(any(l.text == "三级指标" for l in r.lines) for r in res.values()))
    """), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count("SCRIPT BODY RAN") == 1
    assert "PAGES [1, 2] True" in out.stdout
