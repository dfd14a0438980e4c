"""Scanned test documents: a ruled indicator table as HTML, rendered to PDF and degraded like a scan.

Shared by tests/unit/ocr/test_ocr.py and tests/live/test_ocr.py.
"""

from __future__ import annotations

import io
from pathlib import Path
import numpy as np
import pymupdf
from fakes.pdfkit import story_pdf
from jixiao.model.source import SourceDocument, Table


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
