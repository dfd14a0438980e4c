"""The only place that wires the stages together: path → Document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jixiao.model.modes import LlmMode, OcrMode

if TYPE_CHECKING:
    from jixiao.model.output import Document
    from jixiao.model.output import Form
    from jixiao.model.source import SourceDocument
    from jixiao.segment import FormRegion


@dataclass
class ExtractOptions:
    llm: LlmMode = LlmMode.OFF
    ocr: OcrMode = OcrMode.AUTO
    llm_config: Path | None = None  # config file for the LLM endpoint (see README)
    cache_dir: Path | None = None  # OCR and LLM caches; default ~/.cache/jixiao
    workers: int = 2
    # coarse progress for a caller that shows it (jixiao serve's job list): (stage, pages done, pages total)
    progress: Callable[[str, int, int], None] | None = None


def _progress(opts: ExtractOptions, stage: str, done: int, total: int) -> None:
    if opts.progress is not None:
        opts.progress(stage, done, total)


def _regions_of(forms: list[Form], read: list[tuple[Form, FormRegion]], src: SourceDocument) -> list[FormRegion]:
    """One region per form after the PDF stream rung, for the LLM path (it pairs them by position).

    A form the table path read keeps its region; a form the stream rung read from the pages
    handed to it gets a region of those pages' blocks, so the LLM sees the same page text."""
    from dataclasses import replace

    from jixiao.model.source import Paragraph
    from jixiao.segment import FormRegion

    by_form = {id(f): r for f, r in read}
    if all(id(f) in by_form for f in forms) and len(forms) == len(read):
        return [r for _, r in read]
    handed = {p.number for p in src.pages if p.rung == "stream"}

    def on_handed(b) -> bool:
        pages = [b.page] if isinstance(b, Paragraph) else list(b.pages)
        return bool(handed.intersection(p for p in pages if p is not None))

    out = []
    for k, f in enumerate(forms):
        r = by_form.get(id(f))
        out.append(replace(r, index=k) if r is not None else
                   FormRegion(blocks=[b for b in src.blocks if on_handed(b)], pages=sorted(handed), index=k))
    return out


def doc_id_for(path: Path) -> str:
    """A stable id for an input: its file stem (the golden set names inputs by doc id)."""
    return path.stem


def extract_file(path: str | Path, options: ExtractOptions | None = None) -> "Document":
    """Run the whole pipeline on one file. Raises ``IngestError`` when the file cannot be read."""
    import time

    from jixiao.extract.rules import extract_form, mark_suspect_document
    from jixiao.ingest import ingest_file
    from jixiao.model.output import Document, Severity, SourceInfo
    from jixiao.segment import segment

    opts = options or ExtractOptions()
    p = Path(path)
    t0 = time.perf_counter()
    src = ingest_file(p)
    n_pages = len(src.pages)
    stats: dict = {"pages": n_pages}
    ocr_next = (src.needs_ocr and opts.ocr != OcrMode.OFF) or opts.ocr == OcrMode.FORCE
    _progress(opts, "ocr" if ocr_next else "read", 0, n_pages)
    src = _maybe_ocr(src, p, opts, stats)
    src.blocks = _stitch(src)
    _progress(opts, "extract", n_pages, n_pages)
    regions = segment(src)
    mark_suspect_document(regions)
    forms = [extract_form(r) for r in regions]
    if src.format == "text":  # cells lost in a copy: the layout-free stream reader may answer instead
        from jixiao.extract.stream_settle import settle_text

        regions, forms = settle_text(src, p, regions, forms, stats)
    _check_coverage(regions, forms, stats)
    llm_regions = regions  # one per form, in order: what the LLM path pairs with the forms
    if src.format == "pdf":  # the PDF ladder's last rung, and its per-page counts
        from jixiao.extract.pdf_rungs import stream_rung

        read = [(f, r) for f, r in zip(forms, regions)]
        forms = stream_rung(src.pages, forms, stats)
        llm_regions = _regions_of(forms, read, src)
    doc = Document(
        doc_id=doc_id_for(p),
        forms=forms,
        source=SourceInfo(path=str(p), format=src.format, sha256=src.sha256, pages=len(src.pages)),
        flags=list(src.flags),
    )
    for page in src.needs_ocr:
        doc.flag(Severity.ERROR, "page_needs_ocr", f"page {page.number}: {page.reason}; OCR was not run", field=None,
                 page=page.number)
    doc.source.ocr_pages = int(stats.get("ocr_pages") or 0)
    if any(r.suspect for r in regions) and not doc.source.ocr_pages:
        # a text layer (or text export) that reads like OCR output: repairs were applied,
        # and reconcile treats every value as read by OCR (confidence.ocr_context)
        doc.source.text_looks_like_ocr = True
        doc.flag(Severity.INFO, "text_looks_like_ocr",
                 "the text reads like OCR output (garbled names): repairs applied, confidence lowered", field=None)
    if not forms:
        doc.flag(Severity.ERROR, "no_form_found", "no 绩效目标表 found (no indicator table or form header)")
    if opts.llm != LlmMode.OFF:
        if not llm_regions:  # no form found: send the whole document when it speaks of indicators (issue 11 §6)
            from jixiao.extract.llm.run import document_region

            llm_regions = document_region(src)
        _progress(opts, "llm", n_pages, n_pages)
        doc = _apply_llm(doc, llm_regions, opts, stats)
    doc.stats.update(stats)
    _progress(opts, "reconcile", n_pages, n_pages)
    doc = _reconcile(doc)
    doc.stats["seconds"] = round(time.perf_counter() - t0, 4)
    return doc


def _stitch(src):
    """The one document-level stitch (layout/stitch.py): a table that runs over a page break
    becomes one table, once every page is in — the text layer's and the OCR'd ones alike."""
    if src.format != "pdf":
        return src.blocks  # the other readers have no page breaks to join
    from jixiao.layout import stitch_tables

    return stitch_tables(src.blocks, src.pages)


def _check_coverage(regions, forms, stats: dict) -> None:
    """Flag text inside each form that no field read (``unread_text``; extract/coverage.py)."""
    from jixiao.extract.coverage import check_coverage

    unread = 0
    for region, form in zip(regions, forms):
        unread += len(check_coverage(region, form).unread)
    stats["unread_cells"] = unread


def _maybe_ocr(src, path: Path, opts: ExtractOptions, stats: dict):
    if opts.ocr == OcrMode.OFF or (opts.ocr == OcrMode.AUTO and not src.needs_ocr):
        return src
    before = len(src.needs_ocr)
    try:
        from jixiao.ocr import apply_ocr

        src = apply_ocr(src, path, cache_dir=opts.cache_dir, workers=opts.workers, force=opts.ocr == OcrMode.FORCE)
    except ImportError as exc:  # the optional extra is missing (OcrUnavailableError is an ImportError)
        from jixiao.model.output import Flag, Severity

        src.flags.append(Flag(severity=Severity.ERROR, code="ocr_unavailable",
                              message=f"pages need OCR but the OCR engine is not installed: {exc}"))
        return src
    stats["ocr_pages"] = before if opts.ocr == OcrMode.AUTO else len(src.pages)
    return src


def _apply_llm(doc, regions, opts: ExtractOptions, stats: dict):
    """The optional LLM path, once per document (all forms' chunks share one request pool)."""
    from jixiao.extract.llm.run import extract_document_with_llm
    from jixiao.extract.llm.fewshot import golden_examples

    examples = golden_examples(doc.source.path if doc.source else None, doc.source.sha256 if doc.source else None)
    whole = len(doc.forms) < len(regions)  # the document-level region: no rules form to merge with
    rules_forms = list(doc.forms) + [None] * (len(regions) - len(doc.forms))
    forms, llm_stats = extract_document_with_llm(regions, rules_forms, opts.llm, opts.llm_config, opts.cache_dir,
                                                 examples=examples)
    doc.forms = [f for f in forms if not whole or f.indicators]
    if whole:
        llm_stats["document_fallback"] = True
    stats["llm"] = llm_stats
    if not llm_stats.get("enabled", True) and llm_stats.get("reason"):
        from jixiao.model.output import Severity

        doc.flag(Severity.INFO, "llm_off", f"--llm {opts.llm} requested, but {llm_stats['reason']}")
    return doc


def _reconcile(doc):
    from jixiao.reconcile import reconcile

    return reconcile(doc, copy=False)  # the pipeline's own document: nothing reads it unreconciled
