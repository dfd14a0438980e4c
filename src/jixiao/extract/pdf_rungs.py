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
    stream = importlib.import_module(STREAM_MODULE)
    found = [f for f in stream.extract_stream("\n".join(p.stream_text for p in handed)).forms if f.indicators]
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
