"""Simulated scan of a digital PDF: an image-only PDF for the OCR path.

Recipe and timings measured on the golden renders (PIL + numpy; augraphy was
5× slower and 1 GB of dependencies for a look the OCR engine does not care about):
rasterize in gray, rotate slightly, blur, darken towards one edge (uneven lighting),
add gaussian noise and speckle, JPEG. Every random draw comes from a numpy Generator
seeded with ``seed`` and the page number, so the same input gives the same bytes.

Each output page keeps the input page's size (a landscape page stays landscape); a page
listed in ``turn`` is scanned a quarter or half turn round, as happens when a landscape
sheet goes through a portrait feeder, so its output page is the rotated size.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

FIXED_DATE = "D:20240101000000Z"


def degrade_page(
    gray: Image.Image, *, rotate: float, blur: float, noise: float, speckle: float, gradient: float,
    rng: np.random.Generator,
) -> Image.Image:
    """One page's scan artefacts on an 8-bit gray image (white background)."""
    img = gray
    if rotate:
        img = img.rotate(rotate, resample=Image.BICUBIC, fillcolor=255)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape
    if gradient:
        arr = arr - np.linspace(0.0, gradient, w, dtype=np.float32)[None, :]
    if noise:
        arr = arr + rng.standard_normal(size=(h, w), dtype=np.float32) * np.float32(noise)
    if speckle:
        n = int(h * w * speckle)
        ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
        arr[ys, xs] = rng.integers(0, 90, n).astype(np.float32)  # dust: dark dots
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="L")


def scan_pdf(
    digital: Path,
    out: Path,
    *,
    dpi: int = 200,
    rotate: float = 0.8,
    blur: float = 0.7,
    noise: float = 10.0,
    jpeg_quality: int = 45,
    seed: int = 1,
    speckle: float = 0.0015,
    gradient: float = 18.0,
    turn: dict[int, int] | None = None,
) -> int:
    """Write an image-only PDF that looks like a scan of ``digital``; returns the page count.

    ``rotate`` is the skew in degrees (alternating sign from page to page, as sheets
    slip both ways in a feeder); ``turn`` maps 1-based page numbers to 90/180/270 for
    pages scanned sideways or upside down.
    """
    digital, out = Path(digital), Path(out)
    turn = {int(k): int(v) for k, v in (turn or {}).items()}
    if any(v not in (90, 180, 270) for v in turn.values()):
        raise ValueError(f"{digital}: scan 'turn' values must be 90, 180 or 270, got {turn}")
    try:
        src = pymupdf.open(digital)
    except Exception as exc:  # pymupdf raises its own FileDataError / RuntimeError
        raise ValueError(f"{digital}: cannot open the digital PDF to scan: {exc}") from exc
    dst = pymupdf.open()
    for i, page in enumerate(src):
        rng = np.random.default_rng([seed, i])
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        gray = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        skew = rotate * (1 if i % 2 == 0 else -0.7)
        img = degrade_page(gray, rotate=skew, blur=blur, noise=noise, speckle=speckle, gradient=gradient, rng=rng)
        quarter = turn.get(i + 1, 0)
        if quarter:
            img = img.rotate(quarter, expand=True)  # PIL turns counter-clockwise
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(jpeg_quality), optimize=False)
        w_pt, h_pt = page.rect.width, page.rect.height  # exactly the digital page's size
        if quarter in (90, 270):
            w_pt, h_pt = h_pt, w_pt
        new = dst.new_page(width=w_pt, height=h_pt)
        new.insert_image(new.rect, stream=buf.getvalue())
    dst.set_metadata({
        "title": src.metadata.get("title", "") if src.metadata else "", "creator": "jixiao golden scan",
        "producer": "PyMuPDF", "creationDate": FIXED_DATE, "modDate": FIXED_DATE,
    })
    n = dst.page_count
    src.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    dst.save(tmp, garbage=4, deflate=True, no_new_id=True, reproducible=True)
    dst.close()
    tmp.replace(out)
    return n
