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
    return kept + found
