"""The OCR stage: redo the pages whose text layer is missing or garbage, in place.

``apply_ocr`` takes the ``SourceDocument`` ingest produced (pages marked NO_TEXT/GARBLED
carry no blocks) and fills those pages in: render → cache lookup → RapidOCR (in a pool of
worker processes) → ``layout.page_blocks_from_words`` with the rulings found on the scan →
``layout.stitch_tables`` over the whole document, so a table that runs from a text page onto
a scanned page (or across two scanned pages) comes out as one table.

Parallelism: pages are spread over ``workers`` spawned processes with one ONNX Runtime
intra-op thread each. Measured on the 2-core machine (full A4 table page, 155 cells): one
thread 7.3 CPU-s a page, two intra-op threads 10.1 CPU-s for the same page — the second
thread mostly spins — so two single-threaded processes get more pages through. A document
with one page to OCR (or ``workers=1``) runs in-process, with ``workers`` threads.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from jixiao.docmodel import Block, PageInfo, PageTextStatus, Paragraph, SourceDocument
from jixiao.layout import page_blocks_from_words, stitch_tables
from jixiao.ocr.cache import OcrCache, cache_key
from jixiao.ocr.engine import OcrParams, OcrUnavailableError, PageOcr, RapidOcrEngine, engine_version, render_page
from jixiao.schema import Flag, Severity

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
    targets = [p for p in src.pages if force or p.status in (PageTextStatus.NO_TEXT, PageTextStatus.GARBLED)]
    if not targets:
        return src
    params = params or OcrParams()
    cache = OcrCache(Path(cache_dir) / "ocr" if cache_dir is not None else None) if use_cache else None
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
    src.blocks = stitch_tables(_merge_by_page(src.blocks, new_blocks), src.pages)
    return src


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
# Pages → PageOcr, with cache and worker processes


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

    Pages are rendered lazily in this process and looked up in the cache; misses go to the
    workers with at most two pages in flight per worker, so memory holds a few page images
    whatever the page count. The pool is only started when a page actually misses.
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
            key = cache_key(image, version, params.key())
            hit = cache.get(key) if cache is not None else None
            if hit is None:
                yield n, key, image
                continue
            res = PageOcr.from_dict(hit)
            res.page, res.cached = n, True
            finished(res, key)

    try:
        if workers <= 1 or total == 1:
            engine: RapidOcrEngine | None = None
            for n, key, image in misses():
                engine = engine or RapidOcrEngine(params, threads=max(1, workers))
                finished(engine.ocr_image(image, page=n, dpi=params.dpi), key)
        else:
            _run_pool(misses(), params, workers, finished, path)
    finally:
        doc.close()
    return results


def _run_pool(
    jobs: Iterator[tuple[int, str, Any]], params: OcrParams, workers: int, finished: Callable[[PageOcr, str], None],
    path: Path,
) -> None:
    """OCR images in ``workers`` spawned processes (ONNX Runtime threads do not survive fork)."""
    first = next(jobs, None)
    if first is None:
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(params,)) as pool:
        futures: dict[Future[dict[str, Any]], tuple[int, str]] = {}
        nxt: tuple[int, str, Any] | None = first
        with _caller_script_hidden():  # a spawn pool starts one worker per submit, up to ``workers``
            while nxt is not None and len(futures) < workers:
                n, key, image = nxt
                futures[pool.submit(_ocr_task, n, image, params.dpi)] = (n, key)
                nxt = next(jobs, None)
        while nxt is not None or futures:
            while nxt is not None and len(futures) < 2 * workers:
                n, key, image = nxt
                futures[pool.submit(_ocr_task, n, image, params.dpi)] = (n, key)
                nxt = next(jobs, None)
            done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for f in done:
                n, key = futures.pop(f)
                try:
                    data = f.result()
                except OcrUnavailableError:
                    raise
                except Exception as exc:  # a worker crash or an engine error: name the page
                    raise RuntimeError(f"{path}: OCR failed on page {n}: {type(exc).__name__}: {exc}") from exc
                finished(PageOcr.from_dict(data), key)


@contextmanager
def _caller_script_hidden() -> Iterator[None]:
    """Start spawned workers without re-running the caller's script in them.

    ``spawn`` normally imports the parent's ``__main__`` file in every child, which breaks
    (or repeats the side effects of) a script that calls the pipeline at top level without an
    ``if __name__ == "__main__"`` guard. The workers only need ``jixiao``, so the script's
    path is withheld while they start, and restored right after.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not hasattr(main, "__file__"):
        yield  # run with -m or interactively: spawn imports by module name, which is guarded
        return
    path = main.__file__
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


_WORKER: RapidOcrEngine | None = None


def _init_worker(params: OcrParams) -> None:
    global _WORKER
    _WORKER = RapidOcrEngine(params, threads=1)


def _ocr_task(page: int, image: Any, dpi: int) -> dict[str, Any]:
    if _WORKER is None:
        raise RuntimeError("OCR worker used before its initializer ran")
    return _WORKER.ocr_image(image, page=page, dpi=dpi).to_dict()
