"""The PDF ladder's last rung, run after the table path: the stream extractor on the pages
``jixiao.ingest.pdf_ladder`` handed to it, and the per-page rung counts.

Ingest cannot call the stream extractor (it is a later stage); it marks a page whose table
rungs all failed their self-check with ``rung="stream"`` and keeps the page's text. Here that
text goes to ``jixiao.extract.stream.extract_stream`` — written separately; where it is not
installed, the pages go back to the vector rung (their blocks are the vector ones anyway)
and their ``rung_reason`` says so.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any

from jixiao.ingest.pdf_ladder import rung_counts
from jixiao.model.output import Form
from jixiao.model.source import PageInfo

STREAM_MODULE = "jixiao.extract.stream"


def stream_available() -> bool:
    """Whether the stream extractor is installed."""
    try:
        return importlib.util.find_spec(STREAM_MODULE) is not None
    except (ImportError, ValueError):
        return False


def stream_rung(pages: Sequence[PageInfo], forms: list[Form], stats: dict[str, Any]) -> list[Form]:
    """Forms after the stream rung, and ``stats["pdf_rungs"]`` recorded.

    The stream extractor's forms (those with indicators) for the pages handed to it are added
    when the table path read no indicator on those pages, replacing the table path's forms of
    those pages that hold no indicator: a page misread by every table rung is not counted
    twice, a page the table path read after all keeps its reading.
    """
    handed = [p for p in pages if p.rung == "stream"]
    if handed and not stream_available():
        for p in handed:
            p.rung, p.rung_reason, p.stream_text = "vector", f"{p.rung_reason}; stream: unavailable", ""
        handed = []
    counts = rung_counts(pages)
    if counts:
        stats["pdf_rungs"] = counts
    if not handed:
        return forms
    numbers = {p.number for p in handed}
    read_there = sum(
        1 for f in forms for ind in f.indicators
        if any(ev is not None and ev.page in numbers for ev in ind.evidence.values())
    )
    if read_there:
        return forms
    found = [f for f in _read_as_text("\n".join(p.stream_text for p in handed)) if f.indicators]
    for f in found:
        _place_on_pages(f, handed)
        for ind in f.indicators:
            ind.row_id = None  # ids of the text's rows, not of the page blocks the LLM path is shown
    stats["pdf_stream_forms"] = len(found)
    if not found:
        return forms
    # a table-path form of those pages with no indicator (its header block read, its table
    # not) is the same form the stream extractor read whole: it gives way
    kept = [f for f in forms if f.indicators or not numbers.intersection(f.pages or [])]
    gave_way = [f for f in forms if not any(f is k for k in kept)]
    if len(gave_way) == len(found):  # one table-path form per stream form, in page order
        for table_form, stream_form in zip(gave_way, found):
            inherit_header(stream_form, table_form)
    return kept + found


def _place_on_pages(form: Form, handed: Sequence[PageInfo]) -> None:
    """Evidence read from the handed pages' joined text: its line turned into the page and the
    line on that page (each page's text is its own lines, joined in page order)."""
    starts: list[tuple[int, int]] = []
    at = 1
    for p in handed:
        starts.append((at, p.number))
        at += len(p.stream_text.split("\n"))
    objs = [form, *form.budget.lines, *form.indicators]
    for obj in objs:
        for ev in obj.evidence.values():
            if ev.page is not None or ev.line is None:
                continue
            first, number = max((s for s in starts if s[0] <= ev.line), default=starts[0])
            ev.page, ev.line = number, ev.line - first + 1


def _read_as_text(text: str) -> list[Form]:
    """The handed pages' text read as a text input is: a layout-kept page (cells placed by
    position, as MuPDF's sorted text keeps them) back into rows (``ingest.text_layout``), the
    rows through the table path, and the stream reader where that path cannot settle a form
    (``extract.stream_settle``), so a funding block's rows printed around their label keep
    their columns."""
    from jixiao.extract.rules import extract_form, mark_suspect_document
    from jixiao.extract.stream_settle import settle_text
    from jixiao.ingest.text import parse_text
    from jixiao.ingest.text_layout import delayout
    from jixiao.model.source import PageTextStatus, SourceDocument
    from jixiao.segment import segment

    stream = importlib.import_module(STREAM_MODULE)
    text = delayout(text)
    src = SourceDocument(path="<pages handed to the stream rung>", format="text", blocks=parse_text(text),
                         pages=[PageInfo(number=1, status=PageTextStatus.NOT_APPLICABLE, reason="page text", chars=len(text))])
    regions = segment(src)
    mark_suspect_document(regions)
    forms = [extract_form(r) for r in regions]
    _, forms = settle_text(src, None, regions, forms, {}, text=text, stream=stream.extract_stream)
    return forms


_HEADER_FIELDS = ("title", "year", "unit_name", "competent_dept", "project_name")


def inherit_header(form: Form, table_form: Form) -> None:
    """Fields the stream form left empty, taken from the table-path form it replaces.

    The table rungs may read a page's header block and budget (key/value rows, drawn above
    the indicator table) and fail only on the indicator table; the stream extractor then
    reads the indicators from the page text but may miss the header. Each field keeps the
    table path's evidence.
    """
    for name in _HEADER_FIELDS:
        if getattr(form, name) is None and getattr(table_form, name) is not None:
            setattr(form, name, getattr(table_form, name))
            if name in table_form.evidence:
                form.evidence[name] = table_form.evidence[name]
    for name in ("long_term", "annual"):
        if getattr(form.goals, name) is None and getattr(table_form.goals, name) is not None:
            setattr(form.goals, name, getattr(table_form.goals, name))
            if (key := f"goals.{name}") in table_form.evidence:
                form.evidence[key] = table_form.evidence[key]
    empty = form.budget.total is None and form.budget.fiscal is None and not form.budget.lines
    if empty and (table_form.budget.total is not None or table_form.budget.lines):
        form.budget = table_form.budget.model_copy(deep=True)
        form.evidence.update({k: v for k, v in table_form.evidence.items() if k.startswith("budget")})
