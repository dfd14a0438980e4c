"""OCR stage (jixiao.ocr): engine wrapper, cache, geometry helpers, and end-to-end on simulated scans.

Fast tests need neither the OCR models nor a scan. Tests marked ``slow`` run the real
RapidOCR engine on a Chinese ruled table rendered with PyMuPDF and degraded like a scan
(rotated 1°, blurred, noisy, JPEG) — shared/notes/toolchain.md §1–2.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pymupdf
from fakes.pdfkit import story_pdf
import pytest

from jixiao.model.source import PageInfo, PageTextStatus, Paragraph, SourceDocument, Table
from jixiao.ocr import OCR_EXTRA_HINT, OcrCache, OcrParams, OcrUnavailableError, PageOcr, apply_ocr, cache_key, engine_version
from jixiao.ocr import apply as ocr_apply
from jixiao.ocr import engine as ocr_engine
from jixiao.ocr.engine import OcrLine

# ---------------------------------------------------------------------------------------
# Test documents

INDICATORS = [
    ("产出指标", [
        ("数量指标", [("组织参加各类招商推介会次数", "≥4次", "≥8次"), ("新引进项目开工率", "≥70%", "≥95%")]),
        ("质量指标", [("项目落户流程规范执行率", "=100%", "=100%")]),
        ("时效指标", [("项目完成期限", "2024年12月31日前", "12月31日前")]),
        ("成本指标", [("资金支出成本", "≤356.18万元", "≤734.05万元")]),
    ]),
    ("效益指标", [
        ("经济效益指标", [("招商引资资金到位率", "≥60%", "≥80%")]),
        ("社会效益指标", [("带动就业人数", "≥200人", "≥500人")]),
    ]),
    ("满意度指标", [("服务对象满意度指标", [("企业满意度", "≥90%", "≥95%"), ("社会公众满意度", "≥80%", "≥90%")])]),
]
CSS = "table{border-collapse:collapse;width:100%} td,th{border:1px solid black;font-size:10pt;padding:4px 3px} * {font-family: sans-serif;}"


def table_html(title: str = "项目支出绩效目标表（2024年度）", vertical_l1: bool = False) -> str:
    """An indicator table with merged (rowspan) 一级/二级 cells, as real forms have."""
    out = [f"<p style='text-align:center'>{title}</p><table>",
           "<tr><th>一级指标</th><th>二级指标</th><th>三级指标</th><th>半年指标值</th><th>全年指标值</th></tr>"]
    for l1, l2s in INDICATORS:
        n1 = sum(len(l3s) for _, l3s in l2s)
        first1 = True
        for l2, l3s in l2s:
            first2 = True
            for l3, half, full in l3s:
                out.append("<tr>")
                if first1:
                    name = "<br/>".join(l1) if vertical_l1 else l1
                    out.append(f"<td rowspan='{n1}'>{name}</td>")
                    first1 = False
                if first2:
                    out.append(f"<td rowspan='{len(l3s)}'>{l2}</td>")
                    first2 = False
                out.append(f"<td>{l3}</td><td>{half}</td><td>{full}</td></tr>")
    out.append("</table>")
    return "".join(out)


def text_pdf(path: Path, pages: list[str]) -> Path:
    """Born-digital PDF: one Story per page (built-in CJK font)."""
    return story_pdf(path, pages, CSS)


def scan_pdf(src: Path, dst: Path, *, angle: float = 1.0, turn: int = 0, keep_text_pages: tuple[int, ...] = ()) -> Path:
    """Image-only copy of ``src``: 200 dpi, rotated, blurred, noisy, JPEG q35 (toolchain §2).

    ``turn`` (90/180/270, counter-clockwise) puts the sheet on the scanner sideways or upside down.
    Pages listed in ``keep_text_pages`` (1-based) are copied with their text layer instead.
    """
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(0)
    doc = pymupdf.open(str(src))
    out = pymupdf.open()
    for i, page in enumerate(doc, 1):
        if i in keep_text_pages:
            out.insert_pdf(doc, from_page=i - 1, to_page=i - 1)
            continue
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(0.8))
        if turn:
            img = img.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[turn])
        arr = np.asarray(img, np.float32)
        arr = arr - np.linspace(0, 18, arr.shape[1])[None, :] + rng.normal(0, 12, arr.shape)
        speckle = rng.random(arr.shape) < 0.0015
        arr[speckle] = 0
        buf = io.BytesIO()
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=35)
        p = out.new_page(width=arr.shape[1] * 72 / 200, height=arr.shape[0] * 72 / 200)
        p.insert_image(p.rect, stream=buf.getvalue())
    out.save(str(dst), deflate=True)
    return dst


def all_cells(src: SourceDocument) -> list:
    return [c for b in src.blocks if isinstance(b, Table) for row in b.rows for c in row]


def block_texts(src: SourceDocument) -> list[list[str]]:
    out = []
    for b in src.blocks:
        if isinstance(b, Table):
            out.append([c.text for row in b.rows for c in row])
        else:
            out.append([b.text])
    return out


# ---------------------------------------------------------------------------------------
# Optional extra: the core must import without it, and say how to get it


def test_core_imports_without_rapidocr_and_explains_the_extra():
    code = textwrap.dedent(
        """
        import sys, importlib.abc
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in ("rapidocr", "onnxruntime"):
                    raise ImportError(f"No module named {name!r}")
        sys.meta_path.insert(0, Block())
        import numpy as np
        import jixiao.ingest.pagecheck, jixiao.domain.repair, jixiao.ocr, jixiao.ocr.apply
        from jixiao.ocr import RapidOcrEngine, OcrUnavailableError
        assert not any(m.startswith(("rapidocr", "onnxruntime")) for m in sys.modules)
        try:
            RapidOcrEngine().ocr_image(np.zeros((50, 50), np.uint8))
        except OcrUnavailableError as e:
            print("MSG", e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install 'jixiao[ocr]'" in out.stdout


def test_missing_package_is_a_clear_error(monkeypatch, tmp_path):
    real = importlib.metadata.version

    def fake(name):
        if name == "rapidocr":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", fake)
    with pytest.raises(OcrUnavailableError, match=re.escape(OCR_EXTRA_HINT)):
        engine_version()
    src = SourceDocument(path="x.pdf", format="pdf", pages=[PageInfo(1, 595, 842, status=PageTextStatus.NO_TEXT)])
    with pytest.raises(OcrUnavailableError):
        apply_ocr(src, tmp_path / "x.pdf", cache_dir=tmp_path)


def test_nothing_to_do_touches_no_engine(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr_apply, "engine_version", lambda: pytest.fail("OCR must not start"))
    para = Paragraph("正文", page=1)
    src = SourceDocument(path="x.pdf", format="pdf", blocks=[para], pages=[PageInfo(1, 595, 842)])
    assert apply_ocr(src, tmp_path / "x.pdf") is src
    assert src.blocks == [para] and src.pages[0].status == PageTextStatus.OK


# ---------------------------------------------------------------------------------------
# Cache


def test_cache_key_depends_on_pixels_engine_and_params():
    img = np.full((40, 30), 255, np.uint8)
    k = cache_key(img, "rapidocr 3.10.0", OcrParams().key())
    assert k == cache_key(img.copy(), "rapidocr 3.10.0", OcrParams().key())
    img2 = img.copy()
    img2[5, 5] = 0
    assert cache_key(img2, "rapidocr 3.10.0", OcrParams().key()) != k
    assert cache_key(img, "rapidocr 3.11.0", OcrParams().key()) != k
    assert cache_key(img, "rapidocr 3.10.0", OcrParams(dpi=300).key()) != k
    assert cache_key(img.reshape(30, 40), "rapidocr 3.10.0", OcrParams().key()) != k


def test_cache_roundtrip_and_bad_entries(tmp_path):
    cache = OcrCache(tmp_path)
    res = PageOcr(page=2, width=595.0, height=842.0, engine="rapidocr 3.10.0",
                  lines=[OcrLine("三级指标", (10.0, 20.0, 60.0, 32.0), 0.98)], rulings=[(0.0, 5.0, 100.0, 5.0)])
    assert cache.get("ab" * 20) is None
    cache.put("ab" * 20, res.to_dict())
    back = PageOcr.from_dict(cache.get("ab" * 20))
    assert back.lines[0].text == "三级指标" and back.lines[0].bbox == (10.0, 20.0, 60.0, 32.0)
    assert back.rulings == [(0.0, 5.0, 100.0, 5.0)] and back.page == 2
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / f"{'cd' * 20}.json").write_text("{not json", encoding="utf-8")
    assert cache.get("cd" * 20) is None  # a corrupt entry is a miss, not a crash
    assert not list(tmp_path.rglob(".tmp-*"))


def test_default_cache_dir_is_overridable(monkeypatch, tmp_path):
    monkeypatch.setenv("JIXIAO_CACHE_DIR", str(tmp_path))
    assert OcrCache().root == tmp_path / "ocr"
    monkeypatch.delenv("JIXIAO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert OcrCache().root == tmp_path / "xdg" / "jixiao" / "ocr"


def test_page_ocr_words_are_docmodel_words():
    res = PageOcr(page=3, width=595.0, height=842.0, lines=[OcrLine("≥95%", (1.0, 2.0, 3.0, 4.0), 0.87654)])
    (w,) = res.words()
    assert (w.text, w.bbox, w.page, w.score) == ("≥95%", (1.0, 2.0, 3.0, 4.0), 3, 0.8765)
    assert res.mean_score == pytest.approx(0.87654)


def test_merge_by_page_replaces_ocr_pages_and_keeps_order():
    old = [Paragraph("p1", page=1), Paragraph("garbage", page=2), Paragraph("p3", page=3)]
    t2 = Table(rows=[], pages=[2])
    merged = ocr_apply._merge_by_page(old, {2: [Paragraph("ocr2", page=2), t2]})
    assert [b.text if isinstance(b, Paragraph) else "T" for b in merged] == ["p1", "ocr2", "T", "p3"]


# ---------------------------------------------------------------------------------------
# Geometry helpers (cv2 comes with the [ocr] extra)


def test_rotating_points_matches_rotating_the_image():
    pytest.importorskip("cv2")
    img = np.full((400, 300), 255, np.uint8)
    img[100:104, 200:204] = 0
    for angle in (1.0, -2.5):
        rot = ocr_engine._rotate_image(img, angle)
        ys, xs = np.nonzero(rot < 128)
        pt = ocr_engine._rotate_points(np.array([[201.5, 101.5]], np.float32), angle, img.shape)[0]
        assert abs(xs.mean() - pt[0]) < 1.0 and abs(ys.mean() - pt[1]) < 1.0


def test_skew_is_the_median_angle_of_long_lines():
    raws = []
    for i in range(8):
        y = 100 + 40 * i
        slope = np.tan(np.radians(-1.0))
        poly = np.array([[100, y], [500, y + 400 * slope], [500, y + 400 * slope + 20], [100, y + 20]], np.float32)
        raws.append(ocr_engine._Raw(poly, "文字" * 5, 0.99))
    raws.append(ocr_engine._Raw(np.array([[0, 0], [10, 0], [10, 30], [0, 30]], np.float32), "竖", 0.9))  # ignored
    assert ocr_engine._estimate_skew(raws) == pytest.approx(-1.0, abs=0.05)
    assert ocr_engine._estimate_skew(raws[:2]) == 0.0  # too little evidence: leave it


def test_detect_rulings_finds_the_grid_not_the_text():
    pytest.importorskip("cv2")
    import cv2

    img = np.full((600, 800), 255, np.uint8)
    for y in (50, 120, 190, 260):
        img[y : y + 2, 40:760] = 0
    for x in (40, 300, 560, 758):
        img[50:262, x : x + 2] = 0
    cv2.putText(img, "TEXT 123 HHH", (60, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    raw = ocr_engine._Raw(np.array([[60, 75], [280, 75], [280, 105], [60, 105]], np.float32), "TEXT", 0.9)
    segs = ocr_engine.detect_rulings(img, [raw])
    hor = sorted(round(s[1]) for s in segs if s[1] == s[3])
    ver = sorted(round(s[0]) for s in segs if s[0] == s[2])
    assert hor == [51, 121, 191, 261]
    assert ver == [41, 301, 561, 759]


def test_vertical_column_is_cut_into_a_strip():
    col = np.full((200, 40), 255, np.uint8)
    for i in range(5):  # five "characters", 30 px tall with 10 px gaps
        col[5 + 40 * i : 35 + 40 * i, 5:35] = 0
    strip = ocr_engine._stack_to_strip(col)
    assert strip is not None and strip.shape[1] > strip.shape[0]
    dark_cols = (strip < 128).any(axis=0)
    runs = np.count_nonzero(np.diff(dark_cols.astype(int)) == 1)
    assert runs == 5


def test_single_characters_stacked_in_a_column_are_merged():
    def box(x, y, t):
        return ocr_engine._Raw(np.array([[x, y], [x + 30, y], [x + 30, y + 30], [x, y + 30]], np.float32), t, 0.95)

    raws = [box(50, 100 + 40 * i, ch) for i, ch in enumerate("满意度指标")] + [box(300, 100, "≥"), box(200, 500, "一")]
    merged = ocr_engine._merge_stacked(raws)
    texts = sorted(r.text for r in merged)
    assert "满意度指标" in texts and "≥" in texts and "一" in texts
    (col,) = [r for r in merged if r.text == "满意度指标"]
    assert col.vertical and col.aabb == (50.0, 100.0, 80.0, 290.0)


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
