"""OCR for scanned and garbled PDF pages (optional extra ``jixiao[ocr]``).

Importing this package never imports rapidocr or onnxruntime: the engine is loaded on first
use, and a missing extra raises ``OcrUnavailableError`` with the pip command to fix it.

* :func:`apply_ocr` — the pipeline stage: OCR the pages ingest marked NO_TEXT/GARBLED.
* :class:`RapidOcrEngine` / :func:`render_page` — one page image → :class:`PageOcr`.
* :class:`OcrCache` — results keyed by page image + engine version + parameters.
"""

from __future__ import annotations

from jixiao.ocr.apply import apply_ocr, ocr_pages, ocr_reason
from jixiao.ocr.cache import OcrCache, cache_key, default_cache_dir
from jixiao.ocr.engine import (
    OCR_EXTRA_HINT,
    OcrLine,
    OcrParams,
    OcrUnavailableError,
    PageOcr,
    RapidOcrEngine,
    engine_version,
    render_page,
)

__all__ = [
    "OCR_EXTRA_HINT", "OcrCache", "OcrLine", "OcrParams", "OcrUnavailableError", "PageOcr", "RapidOcrEngine",
    "apply_ocr", "cache_key", "default_cache_dir", "engine_version", "ocr_pages", "ocr_reason", "render_page",
]
