"""Born-digital test PDFs: one PyMuPDF Story per page with the built-in CJK font (toolchain notes §1)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

TABLE_CSS = (
    "table{border-collapse:collapse;width:100%} td,th{border:1px solid black;font-size:%(size)spt;padding:%(pad)s}"
    " * {font-family: sans-serif;}"
)


def table_css(size: int = 10, pad: str = "4px 3px") -> str:
    return TABLE_CSS % {"size": size, "pad": pad}


def story_pdf(path: Path, pages: list[str], css: str | None = None) -> Path:
    """Write each HTML string as its own page(s) of an A4 PDF and return ``path``."""
    writer = pymupdf.DocumentWriter(str(path))
    for html in pages:
        story = pymupdf.Story(html=html, user_css=css or table_css())
        more = True
        while more:
            dev = writer.begin_page(pymupdf.paper_rect("a4"))
            more, _ = story.place(pymupdf.paper_rect("a4") + (36, 36, -36, -36))
            story.draw(dev)
            writer.end_page()
    writer.close()
    return path
