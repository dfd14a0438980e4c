"""Golden inputs drawn by independent producers (issue 11, "a golden set drawn by many hands").

Our own renderer (``jixiao.evaluate.render.pdf``) draws every golden PDF the same way: PyMuPDF
Story, 1 pt filled-rectangle rules, Droid Sans. A reader tuned on those files learns one
producer. This package draws every golden document again through real third-party
producers, each with style knobs drawn from a seed per (document, family):

==================  ===================  ==========================================
family (variant)    file                 producer
==================  ===================  ==========================================
``html``            ``page.html``        our HTML writer: a saved government page
                                         (``<table>`` rowspan/colspan, page chrome,
                                         UTF-8 / GBK / GB2312 with ``<meta charset>``)
``pdf-chromium``    ``pdf-chromium.pdf`` Chromium headless ``--print-to-pdf``
``pdf-wkhtml``      ``pdf-wkhtml.pdf``   wkhtmltopdf (Qt WebKit)
``pdf-libreoffice`` ``pdf-libreoffice.pdf``  LibreOffice headless from a styled .xlsx
                                         (openpyxl) or .docx (python-docx), the
                                         source alternating per document
``pdf-reportlab``   ``pdf-reportlab.pdf``    reportlab platypus + canvas rules
==================  ===================  ==========================================

Every file's knobs, producer version and command are recorded in
``golden/<doc>/producers.json`` (``{variant: {producer, version, command, knobs}}``), which
``jixiao eval`` reads to break results down by knob. Knobs come from
``random.Random(f"{doc_id}:{family}")``, so the same label and layout give the same knobs;
Chromium, wkhtmltopdf and LibreOffice write dates/ids into the PDF, so their bytes differ
between runs while the drawing does not.
"""

from __future__ import annotations

FAMILY_FILES: dict[str, str] = {
    "html": "page.html",
    "pdf-chromium": "pdf-chromium.pdf",
    "pdf-wkhtml": "pdf-wkhtml.pdf",
    "pdf-libreoffice": "pdf-libreoffice.pdf",
    "pdf-reportlab": "pdf-reportlab.pdf",
}
FAMILIES: tuple[str, ...] = tuple(FAMILY_FILES)
PRODUCERS_JSON = "producers.json"

__all__ = ["FAMILIES", "FAMILY_FILES", "PRODUCERS_JSON"]
