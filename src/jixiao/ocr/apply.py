"""The OCR stage: redo the pages whose text layer is missing or garbage, in place.

``apply_ocr`` takes the ``SourceDocument`` ingest produced (pages marked NO_TEXT/GARBLED
carry no blocks) and fills those pages in: render → cache lookup → RapidOCR (on a few
threads) → ``layout.page_blocks_from_words`` with the rulings found on the scan, page by
page. Tables that run over a page break (a text page onto a scanned one, two scanned pages)
are joined afterwards by the pipeline's one document-level stitch.

Parallelism: threads in this process, not worker processes. ONNX Runtime releases the
GIL while a model runs (~90% of a page's CPU time), so ``workers`` threads keep the cores
busy while the models, the interpreter and the libraries exist once. Worker processes cost
~240 MB each before their first page plus a copy of every buffer (two spawned workers grew
to ~960 MB each on a 20-page scan), and their start-up (~2 s) was paid by every document.
Up to ``workers`` pages are in flight, each page's lines are recognised by ``workers``
threads, and detection — the largest allocation — runs one page at a time (see
``RapidOcrEngine``). The engine is created once per process and reused by later documents
(:func:`shared_engine`), so a batch loads the models once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from jixiao.model.source import Block, PageInfo, PageTextStatus, Paragraph, SourceDocument
from jixiao.layout import page_blocks_from_words
from jixiao.ocr.cache import OcrCache, cache_key
from jixiao.ocr.engine import (
    OcrParams, OcrUnavailableError, PageOcr, RapidOcrEngine, engine_version, release_freed_memory, render_page,
)
from jixiao.model.output import Flag, Severity

Progress = Callable[[int, int], None]
"""Called as ``progress(pages_done, pages_total)`` after each OCR'd (or cache-hit) page."""


def apply_ocr(
    src: SourceDocument,
    path: Path,
    *,
    cache_dir: Path | None = None,
    workers: int = 2,
    force: bool = False,
    progress: Progress | None = None,
    params: OcrParams | None = None,
    use_cache: bool = True,
) -> SourceDocument:
    """OCR every page of ``src`` marked NO_TEXT or GARBLED (every page when ``force``).

    Each such page gets ``status=OCR``, a reason ``"ocr: rapidocr <version>, N lines, mean
    score x"`` (plus what was done: deskew, rotation, vertical cells), and its blocks — built
    by the layout stage from the OCR lines and the rulings seen on the image — in page order
    in ``src.blocks``; table cells carry the lowest OCR score of their text. Returns ``src``.
    ``cache_dir`` is the jixiao cache root, as for the LLM cache: results go to
    ``<cache_dir>/ocr`` (default ``~/.cache/jixiao/ocr``, or ``$JIXIAO_CACHE_DIR/ocr``).
    Raises ``OcrUnavailableError`` (with the pip command) when the ``[ocr]`` extra is missing.
    """
    targets = [p for p in src.pages if (force and not p.over_budget)
               or p.status in (PageTextStatus.NO_TEXT, PageTextStatus.GARBLED)]
    if not targets:
        return src
    params = params or OcrParams()
    cache = page_cache(cache_dir) if use_cache else None
    results = ocr_pages(Path(path), [p.number for p in targets], params=params, cache=cache, workers=workers, progress=progress)
    new_blocks: dict[int, list[Block]] = {}
    for info in targets:
        res = results[info.number]
        frame = PageInfo(number=info.number, width=res.width, height=res.height, rotation=info.rotation)
        blocks = page_blocks_from_words(res.words(), frame, res.rulings, source="ocr")
        new_blocks[info.number] = blocks
        info.status = PageTextStatus.OCR
        info.reason = ocr_reason(res)
        info.chars = sum(len(ln.text.replace(" ", "")) for ln in res.lines)
        if not res.lines:
            src.flags.append(Flag(
                severity=Severity.WARNING, code="ocr_empty_page",
                message=f"page {info.number}: OCR found no text ({res.engine})", evidence={"page": info.number},
            ))
    src.blocks = _merge_by_page(src.blocks, new_blocks)  # page-local; the pipeline stitches once after OCR
    return src


def page_cache(cache_dir: Path | None) -> OcrCache:
    """The page cache under the jixiao cache root ``cache_dir`` (None: the default root).

    One place for the layout, so a batch that warms the cache ahead of a file's run
    (``jixiao.batch_split``) fills the very entries ``apply_ocr`` reads."""
    return OcrCache(Path(cache_dir) / "ocr" if cache_dir is not None else None)


def ocr_reason(res: PageOcr) -> str:
    """``ocr: rapidocr 3.10.0, 54 lines, mean score 0.98`` plus the corrections applied."""
    reason = f"ocr: {res.engine}, {len(res.lines)} lines, mean score {res.mean_score:.2f}"
    extra = []
    if res.rotation:
        extra.append(f"page turned {res.rotation}°")
    if res.skew:
        extra.append(f"deskewed {res.skew:+.1f}°")
    if res.reread_vertical:
        extra.append(f"{res.reread_vertical} vertical cell(s) re-read")
    if res.cached:
        extra.append("from cache")
    return reason + ("; " + ", ".join(extra) if extra else "")


def _block_page(b: Block) -> int:
    if isinstance(b, Paragraph):
        return b.page or 0
    return b.pages[0] if b.pages else 0


def _merge_by_page(old: list[Block], new: dict[int, list[Block]]) -> list[Block]:
    """Old blocks of re-OCR'd pages dropped, new ones inserted; page order, stable within a page."""
    keep: list[Block] = []
    for b in old:
        pages = [b.page] if isinstance(b, Paragraph) else list(b.pages)
        if pages and all(p in new for p in pages if p is not None):
            continue  # a garbage (or forced) page's previous text
        keep.append(b)
    merged = keep + [b for n in sorted(new) for b in new[n]]
    order = {id(b): i for i, b in enumerate(merged)}
    return sorted(merged, key=lambda b: (_block_page(b), order[id(b)]))


# ---------------------------------------------------------------------------------------
# Pages → PageOcr, with cache and threads


def ocr_pages(
    path: Path,
    numbers: list[int],
    *,
    params: OcrParams | None = None,
    cache: OcrCache | None = None,
    workers: int = 2,
    progress: Progress | None = None,
) -> dict[int, PageOcr]:
    """OCR the given 1-based pages of the PDF at ``path``; cached pages are not OCR'd again.

    Pages are rendered lazily and looked up in the cache; misses are OCR'd by the shared
    engine with ``workers`` threads and at most ``workers`` pages in flight, so memory holds
    a few page images whatever the page count. The models load only when a page misses.
    """
    import pymupdf

    params = params or OcrParams()
    version = engine_version()
    try:
        doc = pymupdf.open(str(path))
    except Exception as exc:
        raise ValueError(f"{path}: cannot open for OCR: {exc}") from None
    for n in numbers:
        if not 1 <= n <= doc.page_count:
            doc.close()
            raise ValueError(f"{path}: page {n} does not exist (the PDF has {doc.page_count} pages)")
    results: dict[int, PageOcr] = {}
    total = len(numbers)

    def finished(res: PageOcr, key: str) -> None:
        results[res.page] = res
        if cache is not None and not res.cached:
            cache.put(key, res.to_dict())
        if progress is not None:
            progress(len(results), total)

    def misses() -> Iterator[tuple[int, str, Any]]:
        for n in numbers:
            image = render_page(doc[n - 1], params.dpi)
            _forget_decoded_images(pymupdf)
            key = cache_key(image, version, params.key())
            hit = cache.get(key) if cache is not None else None
            if hit is None:
                yield n, key, image
                continue
            res = PageOcr.from_dict(hit)
            res.page, res.cached = n, True
            finished(res, key)

    try:
        engine = shared_engine(params, workers)
        _run_threads(misses(), engine, max(1, workers), finished, path)
    finally:
        doc.close()
        release_freed_memory()
    return results


def _forget_decoded_images(pymupdf: Any) -> None:
    """Empty MuPDF's store of decoded resources after a page is rendered.

    MuPDF keeps every decoded image in a process-wide store (up to 256 MB by default): a
    scanned page is one ~4 MB image that is rendered once and never needed again, so over
    a long scan the store alone grew the process by ~4 MB a page (~250 MB by page 60).
    """
    try:
        pymupdf.TOOLS.store_shrink(100)
    except Exception:  # an older PyMuPDF without it: the store stays bounded by its own limit
        pass


def _run_threads(
    jobs: Iterator[tuple[int, str, Any]], engine: RapidOcrEngine, workers: int,
    finished: Callable[[PageOcr, str], None], path: Path,
) -> None:
    """OCR the images ``jobs`` yields with up to ``workers`` pages in flight.

    Images are rendered (by ``jobs``, in this thread) one ahead of a free slot, so memory
    holds ``workers + 1`` page images whatever the page count, and a thread that finishes
    a page finds the next one ready. Results are handed to ``finished`` in this thread, as
    pages complete.
    """
    def ocr(n: int, image: Any) -> PageOcr:
        try:
            return engine.ocr_image(image, page=n, dpi=engine.params.dpi)
        finally:
            release_freed_memory()

    first = next(jobs, None)
    if first is None:
        return  # every page came from the cache: no thread, no model
    if workers == 1:
        for n, key, image in _chain(first, jobs):
            finished(_named(path, n, lambda: ocr(n, image)), key)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jixiao-ocr-page") as pool:
        futures: dict[Future[PageOcr], tuple[int, str]] = {}
        pending = _chain(first, jobs)
        nxt = next(pending, None)
        while nxt is not None or futures:
            while nxt is not None and len(futures) < workers:
                n, key, image = nxt
                futures[pool.submit(ocr, n, image)] = (n, key)
                del image
                nxt = next(pending, None)
            done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for f in done:
                n, key = futures.pop(f)
                finished(_named(path, n, f.result), key)


def _chain(first: tuple[int, str, Any], rest: Iterator[tuple[int, str, Any]]) -> Iterator[tuple[int, str, Any]]:
    yield first
    yield from rest


def _named(path: Path, page: int, get: Callable[[], PageOcr]) -> PageOcr:
    """``get()``, with an engine failure re-raised as one that names the file and the page."""
    try:
        return get()
    except OcrUnavailableError:
        raise
    except Exception as exc:
        raise RuntimeError(f"{path}: OCR failed on page {page}: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------------------------------
# One engine per process


_ENGINE: RapidOcrEngine | None = None
_ENGINE_LOCK = threading.Lock()


def shared_engine(params: OcrParams, threads: int) -> RapidOcrEngine:
    """The process's engine for these parameters and thread count, created on first use.

    Loading the models costs ~0.6 s and ~55 MB; a batch of documents (``jixiao extract
    dir/``, the eval, the benchmark) pays it once. A call with other parameters or another
    thread count replaces the engine, so at most one set of models is held.
    """
    global _ENGINE
    threads = max(1, int(threads))
    with _ENGINE_LOCK:
        if _ENGINE is None or _ENGINE.params != params or _ENGINE.threads != threads:
            if _ENGINE is not None:
                _ENGINE.close()
            _ENGINE = RapidOcrEngine(params, threads=threads)
        return _ENGINE


def _drop_engine_in_child() -> None:
    """A forked child inherits the engine but not its threads (nor ONNX Runtime's): it
    would wait forever on a recognition pool that has no thread. It builds its own."""
    global _ENGINE, _ENGINE_LOCK
    _ENGINE, _ENGINE_LOCK = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_engine_in_child)


def release_engine() -> None:
    """Drop the shared engine (its models and threads), e.g. before a long non-OCR phase."""
    global _ENGINE
    with _ENGINE_LOCK:
        engine, _ENGINE = _ENGINE, None
    if engine is not None:
        engine.close()
    release_freed_memory()
