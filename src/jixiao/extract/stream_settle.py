"""Which path answers a text input: the table (rules) path or the stream reader.

The rules path reads text exports whose cells survived (TSV, pipe rows, one cell per
line with tabs). Web-page copies lose them, and the rules path then finds no form, a
header with no indicators, or a handful of rows. The stream reader is cheap (a few ms), so
it runs on every text input and a self-check decides, per document and then per form:

* no form from the rules path, and the stream found indicators → the stream answers;
* the stream read 1.5× as many indicators with a value (and ≥ 2 more) → the stream answers
  (both sides counted by values: a row read without its value is not settled);
* same number of forms: a rules form with no indicators, or far fewer than its stream twin,
  is replaced by that twin (``mixed``);
* otherwise the rules path answers (it has the cell grid, the stream only the order).

The answer is recorded in ``stats["extractor_path"]`` (``rules`` / ``stream`` / ``mixed``)
and per form in an INFO flag ``read_by_stream``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jixiao.model.source import Paragraph, SourceDocument, Table
from jixiao.extract.stream import extract_stream, indicator_count
from jixiao.extract.rows import rid_by_line
from jixiao.model.output import AlignmentStatus, Evidence, Form, Severity
from jixiao.segment import FormRegion, document_context

FAR_MORE = 1.5  # the stream wins when it reads this many times the rules path's indicators (seeds: ≤ 0.99×)


def settle_text(src: SourceDocument, path: Path | None, regions: list[FormRegion], forms: list[Form],
                stats: dict[str, Any], text: str | None = None,
                stream: Callable[[str], Any] = extract_stream) -> tuple[list[FormRegion], list[Form]]:
    """Run the stream reader on a text input and keep whichever path reads more (see module doc).

    ``text``: the input's text as the readers see it, where it comes from no file (the pages a
    PDF's ladder handed to the stream rung); else it is read from ``path``. ``stream``: the
    stream reader (``extract.stream.extract_stream``; the PDF rung passes the module it found)."""
    from jixiao.ingest.text import read_text

    t0 = time.perf_counter()
    result = stream(text if text is not None else read_text(path))
    ms = round((time.perf_counter() - t0) * 1000, 2)
    s_forms = result.forms
    rules_n, stream_n = indicator_count(forms, valued=True), indicator_count(s_forms, valued=True)
    stats["stream"] = {"forms": len(s_forms), "indicators": stream_n, "ms": ms}
    path_used = "rules"
    _inherit_cover(src, s_forms, result.ranges)
    if stream_n and (not forms or (stream_n >= FAR_MORE * rules_n and stream_n - rules_n >= 2)):
        path_used = "stream"
        regions = [_region(src, rng, k, regions) for k, rng in enumerate(result.ranges)]
        forms = s_forms
        for f in forms:
            _mark(f, "the table path could not settle this document" if rules_n == 0 else
                  f"the stream reader found {stream_n} indicators, the table path {rules_n}")
    elif stream_n and len(forms) == len(s_forms):
        for k, (rf, sf) in enumerate(zip(forms, s_forms)):
            n_rules, n_stream = indicator_count([rf], valued=True), indicator_count([sf], valued=True)
            if n_stream and (not n_rules or (n_stream >= FAR_MORE * n_rules and n_stream - n_rules >= 2)):
                forms[k] = sf
                _mark(sf, "the table path found this form's header but no indicators" if not n_rules else
                      f"the stream reader found {n_stream} indicators in this form, the table path {n_rules}")
                path_used = "mixed" if len(forms) > 1 else "stream"
    stats["extractor_path"] = path_used
    for region, form in zip(regions, forms):
        stamp_row_ids(form, region)
    return regions, forms


def stamp_row_ids(form: Form, region: FormRegion) -> None:
    """Give each stream-read indicator the id of the region row its name was read from
    (``jixiao.extract.rows.block_rows``, the numbering the LLM chunking shows the model), so
    the LLM merge pairs answers with these rows by id. A row the rules path read keeps its id."""
    by_line = rid_by_line(region.blocks)
    for ind in form.indicators:
        if ind.row_id is not None:
            continue
        ev = ind.evidence.get("level3")
        if ev is not None and ev.line is not None:
            ind.row_id = by_line.get(ev.line)


def _inherit_cover(src: SourceDocument, forms: list[Form], ranges: list[tuple[int, int]]) -> None:
    """The unit a budget book's cover names, for forms that print none (as the rules path does:
    ``segment.document_context``)."""
    if not forms or not ranges:
        return
    cover = [b for b in src.blocks if isinstance(b, Paragraph) and (b.line or 0) < ranges[0][0]]
    unit = document_context(cover).get("unit_name")
    for f in forms:
        if f.unit_name is None and unit:
            f.unit_name = unit
            f.evidence["unit_name"] = Evidence(status=AlignmentStatus.INFERRED, source_text="document cover",
                                               extractor="stream")


def _mark(form: Form, why: str) -> None:
    form.flags = [f for f in form.flags if f.code != "no_indicators"] if form.indicators else form.flags
    form.flag(Severity.INFO, "read_by_stream", f"read by the stream reader: {why}", field=None, extractor="stream")


def _region(src: SourceDocument, rng: tuple[int, int], index: int, old: list[FormRegion]) -> FormRegion:
    """The blocks of the source lines a stream form came from (the LLM path chunks regions)."""
    a, b = rng
    blocks = [blk for blk in src.blocks if a <= (_line_of(blk) or 0) <= b]
    context = dict(old[0].context) if old else {}
    return FormRegion(blocks=blocks, title=None, pages=[1], context=context, index=index)


def _line_of(block: Paragraph | Table) -> int | None:
    if isinstance(block, Paragraph):
        return block.line
    for row in block.rows:
        for c in row:
            if c.line is not None:
                return c.line
    return None
