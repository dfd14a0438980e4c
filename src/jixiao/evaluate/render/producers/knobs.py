"""Seeded style knobs per (document, family): the same seed always gives the same knobs.

Each family draws only the knobs its producer can express; the values are plain JSON so
they go into ``producers.json`` as they are and ``jixiao eval`` can group scores by them.
"""

from __future__ import annotations

import random
from typing import Any

SHADES = ("#d9d9d9", "#dce6f1", "#f2f2f2", "#c6d9f1", "#fde9d9", "#e2efda")

# CSS font stacks as government pages write them; the first installed face wins
# (Debian: Noto CJK via fontconfig aliases, WenQuanYi Zen Hei).
FONT_STACKS = {
    "song": '"宋体", SimSun, "Noto Serif CJK SC", serif',
    "hei": '"微软雅黑", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
    "wqy": '"WenQuanYi Zen Hei", "文泉驿正黑", sans-serif',
}


def rng_for(doc_id: str, family: str) -> random.Random:
    """The knob generator of one (document, family); str seeds are stable across runs."""
    return random.Random(f"{doc_id}:{family}")


def html_knobs(doc_id: str, family: str) -> dict[str, Any]:
    """Knobs of an HTML page (also the source of the Chromium and wkhtmltopdf PDFs)."""
    r = rng_for(doc_id, family)
    # most published forms are fully ruled; the others exercise readers that need the rules
    borders = r.choice(["collapse", "collapse", "collapse", "separate", "horizontal", "three-line", "none"])
    k: dict[str, Any] = {
        "header_shading": r.choice(["none", "cells", "rows", "runs", "runs"]),
        "label_shading": r.random() < 0.4,  # grid row labels (项目名称 …) shaded too
        "shade": r.choice(SHADES),
        "borders": borders,
        "border_style": r.choice(["solid", "solid", "double", "dashed"]) if borders != "none" else "none",
        "border_width_px": r.choice([1, 1, 2]),
        "padding_px": r.choice([1, 2, 4, 6]),
        "font_size_pt": r.choice([9, 10, 10.5, 12]),
        # Chromium draws the CFF (OpenType) Noto CJK faces as Type3 fonts, ~230 KB a page:
        # kept for one document in six there, to keep the committed files small.
        "font": r.choice(["wqy"] * 5 + ["song"] if family == "pdf-chromium" else sorted(FONT_STACKS)),
        "widths": r.choice(["layout", "auto", "jitter"]),
        "header_tag": r.choice(["td", "th"]),
        "thead": r.random() < 0.5,  # indicator header rows in <thead>: repeated on each printed page
        "row_break_inside": r.choice(["auto", "avoid"]),
        "chrome": r.random() < (0.8 if family == "html" else 0.35),
        "encoding": r.choice(["utf-8", "gbk", "gb2312"]) if family == "html" else "utf-8",
        "width_seed": r.randrange(1 << 30),
        "chrome_seed": r.randrange(1 << 30),
    }
    return k


def office_knobs(doc_id: str, family: str, has_docx: bool, has_xlsx: bool) -> dict[str, Any]:
    """Knobs of the LibreOffice family: which source, and how its tables are styled."""
    r = rng_for(doc_id, family)
    if has_docx != has_xlsx:
        source = "docx" if has_docx else "xlsx"
        r.random()
    else:
        source = r.choice(["docx", "xlsx"])
    k: dict[str, Any] = {
        "source": source,
        # docx: shading of the whole cell (w:tcPr/w:shd) or of each run (w:rPr/w:shd, Word run shading)
        "header_shading": r.choice(["none", "cells", "runs"] if source == "docx" else ["none", "cells", "rows"]),
        "shade": r.choice(SHADES),
        "borders": r.choice(["all", "all", "horizontal", "outer", "none"]),
        "border_style": r.choice(["single", "single", "double", "dashed"]),
        "font_size_pt": r.choice([9, 10, 10.5, 12]),
    }
    if source == "xlsx":
        k["border_style"] = {"single": "thin", "double": "double", "dashed": "dashed"}[k["border_style"]]
    return k


def reportlab_knobs(doc_id: str, family: str, landscape: bool) -> dict[str, Any]:
    """Knobs of the reportlab family: how rules are drawn and how pages are set."""
    r = rng_for(doc_id, family)
    rules = r.choice(["strokes", "filled-rects", "cell-rects", "three-line", "horizontal", "none"])
    k: dict[str, Any] = {
        "rules": rules,
        "line_style": r.choice(["solid", "solid", "double", "dashed"]) if rules not in ("none", "filled-rects") else "solid",
        "line_width": r.choice([0.5, 0.75, 1.0]),
        "header_shading": r.choice(["none", "cells", "runs", "runs"]),
        "shade": r.choice(SHADES),
        "font": r.choice(["STSong-Light", "WenQuanYiZenHei"]),  # a CID font (not embedded) or an embedded TTF subset
        "font_size_pt": r.choice([8, 9, 10, 10.5]),
        "padding_pt": r.choice([1.5, 3, 5]),
        "widths": r.choice(["layout", "jitter"]),
        "repeat_header": r.random() < 0.6,
        # a portrait page drawn in a landscape box and given /Rotate 90 (or a landscape form so stored)
        "rotate90": landscape or r.random() < 0.25,
        "width_seed": r.randrange(1 << 30),
    }
    return k
