"""Page verdicts (jixiao.ingest.pagecheck) on real PDFs built in the test."""

from __future__ import annotations

import random
import statistics
import time

import pymupdf
import pytest

from jixiao.model.source import PageTextStatus
from jixiao.ingest.pagecheck import classify_page, decide, measure_text

CSS = "table{border-collapse:collapse;width:100%} td,th{border:1px solid black;font-size:10pt;padding:3px} * {font-family: sans-serif;}"
ROWS = [
    ("一级指标", "二级指标", "三级指标", "指标值"),
    ("产出指标", "数量指标", "组织培训班次", "≥4次"),
    ("", "质量指标", "培训合格率", "≥95%"),
    ("", "时效指标", "培训计划完成时间", "2024年12月31日前"),
    ("", "成本指标", "人均培训成本", "≤356.18元"),
    ("效益指标", "社会效益指标", "受训人员能力提升", "明显"),
    ("满意度指标", "服务对象满意度指标", "受训学员满意度", "≥90%"),
]
PHRASE = "一级指标二级指标三级指标指标值产出指标数量指标满意度指标"


def table_pdf() -> pymupdf.Document:
    """A born-digital page: a Chinese indicator table drawn with real text."""
    html = "<p>项目支出绩效目标表（2024年度）</p><table>" + "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROWS
    ) + "</table>"
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_htmlbox(pymupdf.Rect(36, 36, 559, 806), html, css=CSS)
    return doc


def image_page(doc: pymupdf.Document, src: pymupdf.Document, dpi: int = 100) -> pymupdf.Page:
    """Append a page holding only a picture of ``src``'s first page (a scan)."""
    pix = src[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    page = doc.new_page(width=src[0].rect.width, height=src[0].rect.height)
    page.insert_image(page.rect, stream=pix.tobytes("png"))
    return page


def cid_text_pdf(text: str = PHRASE * 4) -> tuple[pymupdf.Document, int]:
    """Text in an embedded Type0/Identity-H font; returns the doc and its ToUnicode xref."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    font = pymupdf.Font("china-s")
    page.insert_font(fontname="F0", fontbuffer=font.buffer)
    for i in range(0, len(text), 20):
        page.insert_text((50, 80 + 16 * (i // 20)), text[i : i + 20], fontname="F0", fontsize=12)
    doc = pymupdf.open("pdf", doc.tobytes())  # write out the font resources
    tu = None
    for xref in range(1, doc.xref_length()):
        kind, val = doc.xref_get_key(xref, "ToUnicode")
        if kind == "xref":
            tu = int(val.split()[0])
            font_xref = xref
    assert tu is not None, "expected a ToUnicode CMap on the inserted font"
    return doc, font_xref


def verdict(page: pymupdf.Page) -> tuple[PageTextStatus, str]:
    return classify_page(page)


# ---------------------------------------------------------------------------------------


def test_born_digital_table_page_is_ok():
    doc = table_pdf()
    status, reason = verdict(doc[0])
    assert status == PageTextStatus.OK, reason
    assert "characters in the text layer" in reason


def test_image_only_page_is_no_text():
    out = pymupdf.open()
    image_page(out, table_pdf())
    status, reason = verdict(out[0])
    assert status == PageTextStatus.NO_TEXT
    assert "no text layer" in reason and "1 image(s) covering 100%" in reason


def test_scan_with_a_stamped_page_number_is_still_a_scan():
    out = pymupdf.open()
    page = image_page(out, table_pdf())
    page.insert_text((280, 830), "- 3 -", fontsize=9)
    status, reason = verdict(out[0])
    assert status == PageTextStatus.NO_TEXT
    assert "only 3 characters" in reason


def test_blank_page_is_no_text_without_images():
    doc = pymupdf.open()
    doc.new_page()
    status, reason = verdict(doc[0])
    assert status == PageTextStatus.NO_TEXT and "no images" in reason


def test_font_mapping_glyphs_to_private_use_is_garbled():
    doc, font_xref = cid_text_pdf()
    font = pymupdf.Font("china-s")
    gids = sorted({font.has_glyph(ord(c)) for c in PHRASE})
    entries = "\n".join(f"<{g:04X}> <{0xE000 + i:04X}>" for i, g in enumerate(gids))
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(gids)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap CMapName currentdict /CIDInit /ProcSet findresource pop end end\n"
    )
    tu = int(doc.xref_get_key(font_xref, "ToUnicode")[1].split()[0])
    doc.update_stream(tu, cmap.encode())
    text = doc[0].get_text()
    assert any(0xE000 <= ord(c) <= 0xF8FF for c in text), "the test PDF must really yield private-use characters"
    status, reason = verdict(doc[0])
    assert status == PageTextStatus.GARBLED
    assert "private-use" in reason


def test_identity_font_without_tounicode_is_garbled():
    doc, font_xref = cid_text_pdf()
    assert verdict(doc[0])[0] == PageTextStatus.OK  # control: same page with its ToUnicode
    doc.xref_set_key(font_xref, "ToUnicode", "null")
    status, reason = verdict(doc[0])
    assert status == PageTextStatus.GARBLED
    assert "without a Unicode map" in reason


def test_latin_noise_over_a_chinese_scan_is_garbled():
    rng = random.Random(7)
    out = pymupdf.open()
    page = image_page(out, table_pdf())
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in range(30):
        words = []
        for _ in range(6):
            w = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 7)))
            words.append(w + rng.choice(["", "\\\\|/", "~^", ".,;:", "|"]))
        page.insert_text((40, 60 + 24 * i), " ".join(words), fontsize=9, render_mode=3)  # invisible, like scanner OCR
    status, reason = verdict(out[0])
    assert status == PageTextStatus.GARBLED, reason
    assert "gibberish" in reason


def test_classify_is_cheap():
    doc = table_pdf()
    classify_page(doc[0])  # warm-up: lexicon and GB2312 tables are built once
    times = []
    for _ in range(15):
        t = time.perf_counter()
        classify_page(doc[0])
        times.append(time.perf_counter() - t)
    # ~2–4 ms on the 2-core dev machine; the bound leaves room for a loaded CI box but still
    # catches anything that renders or OCRs the page.
    assert statistics.median(times) < 0.05, f"median {statistics.median(times) * 1000:.1f} ms"


# ---------------------------------------------------------------------------------------
# The text measures on their own


def test_mojibake_is_garbled():
    mojibake = ("预算绩效目标表 一级指标 二级指标 满意度指标 ≥95% " * 5).encode("utf-8").decode("latin-1")
    status, reason = decide(measure_text(mojibake))
    assert status == PageTextStatus.GARBLED
    assert "unrelated scripts" in reason


def test_glyph_id_soup_is_garbled():
    rng = random.Random(3)
    soup = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(400))
    status, reason = decide(measure_text(soup))
    assert status == PageTextStatus.GARBLED
    assert "outside GB2312" in reason


def test_chinese_with_english_terms_is_ok():
    text = (
        "项目名称：空气质量监测站运维 主管部门：生态环境局 年度目标：PM2.5年均浓度下降，"
        "完成CEMS在线监测系统的运维。一级指标 二级指标 三级指标 指标值 产出指标 数量指标 "
        "监测站点数 ≥12个 质量指标 数据有效率 ≥90% 满意度指标 服务对象满意度指标 ≥85%。"
    ) * 3
    assert decide(measure_text(text))[0] == PageTextStatus.OK


def test_ordinary_chinese_prose_without_domain_words_is_ok():
    prose = "春天来了，山上的花都开了，孩子们在田野里奔跑，老人坐在门口晒太阳，村里一片热闹的景象。" * 6
    status, reason = decide(measure_text(prose))
    assert status == PageTextStatus.OK
    assert "note" in reason  # one weak signal (no domain word) is recorded, not acted on


def test_dot_leaders_are_not_punctuation_noise():
    toc = "\n".join(f"第{i}章 绩效目标 ………………………… {i}" for i in range(1, 30))
    assert decide(measure_text(toc))[0] == PageTextStatus.OK


@pytest.mark.parametrize("bad", ["\ufffd", "\ue123"])
def test_replacement_and_private_use_characters(bad):
    text = "一级指标二级指标三级指标" * 3 + bad * 5
    status, reason = decide(measure_text(text))
    assert status == PageTextStatus.GARBLED
    assert "U+FFFD, private-use" in reason
