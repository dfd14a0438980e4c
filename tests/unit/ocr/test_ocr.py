"""OCR stage (jixiao.ocr) without the models: engine wrapper, cache, geometry helpers.

The end-to-end tests with the real RapidOCR engine are in tests/live/test_ocr.py.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import textwrap
import numpy as np
import pytest
from jixiao.model.source import PageInfo, PageTextStatus, Paragraph, SourceDocument, Table
from jixiao.ocr import OCR_EXTRA_HINT, OcrCache, OcrParams, OcrUnavailableError, PageOcr, apply_ocr, cache_key, engine_version
from jixiao.ocr import apply as ocr_apply
from jixiao.ocr import engine as ocr_engine
from jixiao.ocr.engine import OcrLine


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
