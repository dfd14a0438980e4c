"""Decide per PDF page whether its text layer can be trusted, and say why.

Kept free of OCR imports so ingest can call it cheaply on every page.
"""

from __future__ import annotations

from typing import Any

from jixiao.docmodel import PageTextStatus


def classify_page(page: Any) -> tuple[PageTextStatus, str]:
    """Classify a ``pymupdf.Page``: OK, NO_TEXT (image-only) or GARBLED, with the reason."""
    text = page.get_text("text") or ""
    chars = sum(1 for c in text if not c.isspace())
    if chars == 0:
        n_img = len(page.get_images(full=False))
        return PageTextStatus.NO_TEXT, f"no text layer ({n_img} image(s) on the page)"
    bad = sum(1 for c in text if c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF)
    if bad / max(chars, 1) > 0.1:
        return PageTextStatus.GARBLED, f"{bad} of {chars} characters are U+FFFD or private-use"
    return PageTextStatus.OK, f"{chars} characters in the text layer"
