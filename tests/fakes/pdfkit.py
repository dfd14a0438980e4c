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


CJK_FONT = "china-s"  # PyMuPDF's built-in CJK font


def put_text(page: pymupdf.Page, x: float, y: float, text: str, size: float = 10.0) -> None:
    """Set one line of text with its baseline's start at (x, y)."""
    page.insert_text((x, y), text, fontname=CJK_FONT, fontsize=size)


def ruled_grid(page: pymupdf.Page, top: float, rows: list[list[str]], xs: list[float], h: float = 28.0) -> float:
    """Draw ``rows`` as a fully ruled grid of rows ``h`` high between the column edges ``xs``,
    each cell's lines (split at "\\n") set at its top left in 9 pt; return the grid's bottom."""
    for r, cells in enumerate(rows):
        y = top + r * h
        page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
        for x, text in zip(xs, cells):
            for k, line in enumerate(text.split("\n")):
                page.insert_text((x + 4, y + 12 + 11 * k), line, fontname=CJK_FONT, fontsize=9)
    bottom = top + len(rows) * h
    page.draw_line((xs[0], bottom), (xs[-1], bottom), width=0.8)
    for x in xs:
        page.draw_line((x, top), (x, bottom), width=0.8)
    return bottom
