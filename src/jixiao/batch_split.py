"""A large scanned PDF split by page ranges across a batch's workers (issue 14, ``--jobs N``).

Why: ``--jobs N`` runs N files at once, so a batch of fewer files than workers leaves
workers idle while one scan is OCR'd page after page (~3.7 s a page on one core; a digital
page costs ~0.06 s). The OCR stage already keeps every page's result on disk
(``jixiao.ocr.cache``: atomic entries, safe for concurrent writers), keyed by the rendered
page image and the OCR parameters — not by the file, the process or the thread count. So a
split needs nothing new in the pipeline:

1. ``plan_split`` picks, by the cheap per-page text-layer check
   (``ingest.pdf.pages_needing_ocr``, 1–3 ms a page), the PDFs with at least
   ``MIN_OCR_PAGES`` pages to OCR, and cuts those pages into ranges;
2. ``SplitExecutor`` runs each range as a task on the same executor (``warm_pages``: OCR
   into the cache, nothing written to OUT), beside the batch's other files;
3. then it runs each split file itself, exactly as ``--jobs 1`` would: every OCR page is a
   cache hit, so the output is byte for byte the same. A worker that dies in a range costs
   only that range (the file's own run OCRs whatever the cache lacks), and ``run.json``
   lists each range's pages, status, time and peak RSS under the file (``ocr_ranges``).

Not split: digital PDFs and other formats (a page costs too little to be worth a task),
files already up to date in OUT, a scan with fewer than ``MIN_OCR_PAGES`` OCR pages, a batch
with at least as many files as workers (every worker has a file already), ``--ocr off``, a
machine without the ``[ocr]`` extra, and Dask runs (not yet: each ``DaskExecutor.run``
starts its own ``LocalCluster``, and the two phases would pay that twice).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jixiao.batch import Executor, FileJob, FileResult, default_jobs, peak_rss_mib, wall_clock

MIN_OCR_PAGES = 4  # fewer: one worker's OCR threads read them about as fast as a split would
MIN_RANGE_PAGES = 2  # a range task opens the PDF and (once per worker) loads the models: ~1 page of work
RANGES_PER_WORKER = 2  # a few more ranges than workers even out pages of unequal cost


@dataclass
class SplitPlan:
    """The ranges to warm, as ``(file index in the batch, pages)``, and how to run them."""

    ranges: list[tuple[int, tuple[int, ...]]]
    jobs: int  # worker processes
    ocr_threads: int  # OCR threads per range task

    def files(self) -> list[int]:
        """The batch indices of the split files, in input order."""
        return sorted({i for i, _ in self.ranges})

    def summary(self) -> dict:
        """What ``run.json`` records of the plan (the per-range results go under each file)."""
        return {"files": len(self.files()), "ranges": len(self.ranges),
                "pages": sum(len(p) for _, p in self.ranges), "ocr_threads": self.ocr_threads}


def plan_split(batch: Sequence[FileJob], capacity: int, ocr_threads: int | None = None) -> SplitPlan | None:
    """The split of ``batch`` over ``capacity`` workers, or None when no file is worth it.

    ``ocr_threads`` (``--workers``) sets the OCR threads of each range task; by default
    the cores divided among the workers, so they do not oversubscribe the machine.
    """
    if capacity <= 1 or len(batch) >= capacity or importlib.util.find_spec("rapidocr") is None:
        return None
    ranges = [(i, pages) for i, job in enumerate(batch) for pages in cut_ranges(ocr_pages_of(job), capacity)]
    if not ranges:
        return None
    return SplitPlan(ranges, jobs=capacity, ocr_threads=ocr_threads or max(1, default_jobs() // capacity))


def ocr_pages_of(job: FileJob) -> list[int]:
    """The pages of ``job``'s input its run would OCR; [] when the file is not a PDF, is up to
    date in OUT, cannot be read (its own run reports why) or has too few such pages."""
    from jixiao import runstate
    from jixiao.ingest import file_sha256, sniff_format
    from jixiao.ingest.pdf import pages_needing_ocr
    from jixiao.model.modes import OcrMode

    mode = OcrMode(job.opts.ocr)
    if mode == OcrMode.OFF or job.pages is not None or job.data is not None:
        return []
    try:
        if sniff_format(job.path) != "pdf":
            return []
        if not job.force and runstate.up_to_date(job.previous,
                                                 runstate.resume_key(file_sha256(job.path), job.fingerprint, job.fmts)):
            return []
        pages = pages_needing_ocr(job.path, force=mode == OcrMode.FORCE)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by its own run, unsplit
        return []
    return pages if len(pages) >= MIN_OCR_PAGES else []


def cut_ranges(pages: Sequence[int], capacity: int) -> list[tuple[int, ...]]:
    """``pages`` in order, cut into near-equal runs: at most ``RANGES_PER_WORKER`` per worker,
    at least ``MIN_RANGE_PAGES`` pages each (the last ones may hold one more page)."""
    if not pages:
        return []
    n = max(1, min(len(pages) // MIN_RANGE_PAGES, RANGES_PER_WORKER * max(1, capacity)))
    size, extra = divmod(len(pages), n)
    out, start = [], 0
    for k in range(n):
        end = start + size + (1 if k < extra else 0)
        out.append(tuple(pages[start:end]))
        start = end
    return out


def range_job(job: FileJob, pages: tuple[int, ...], ocr_threads: int) -> FileJob:
    """``job`` as one range task: the same file, options, limits and gate; only these pages."""
    opts = dataclasses.replace(job.opts, workers=ocr_threads)
    return dataclasses.replace(job, pages=tuple(pages), opts=opts, previous=None)


def span(pages: Sequence[int]) -> str:
    """``1-6, 9, 11-12``: the pages as runs."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def warm_pages(job: FileJob) -> FileResult:
    """A range task, in a worker: OCR ``job.pages`` of ``job.path`` into the page cache.

    The same engine parameters and cache root as the pipeline's OCR stage
    (``ocr.apply.apply_ocr`` with its defaults), so the file's own run finds every entry.
    Nothing is written to OUT; the result says how many pages were read and how many were
    in the cache already. Failures are reported, never raised: the file's run redoes them.
    """
    from jixiao.model.errors import JixiaoInterrupt
    from jixiao.model.limits import limits
    from jixiao.ocr import OcrParams, ocr_pages
    from jixiao.ocr.apply import page_cache

    t0 = time.perf_counter()
    pages = list(job.pages or ())
    entry = {"pages": pages, "ocr": 0, "cached": 0}
    status, reason = "ok", ""
    try:
        with wall_clock(limits().max_file_seconds):
            done = ocr_pages(job.path, pages, params=OcrParams(), cache=page_cache(job.opts.cache_dir),
                             workers=job.opts.workers)
        entry["cached"] = sum(1 for r in done.values() if r.cached)
        entry["ocr"] = len(done) - entry["cached"]
    except (JixiaoInterrupt, Exception) as exc:  # noqa: BLE001 - reported; the file's own run redoes the pages
        status, reason = "failed", f"OCR of pages {span(pages)}: {type(exc).__name__}: {exc}"
    return FileResult(path=str(job.path), status=status, reason=reason, stem=job.stem,
                      seconds=round(time.perf_counter() - t0, 3), peak_rss_mib=peak_rss_mib(), ocr_ranges=[entry])


def range_entry(pages: tuple[int, ...], result: FileResult) -> dict:
    """One line of a split file's ``ocr_ranges`` in ``run.json``."""
    entry = dict((result.ocr_ranges or [{}])[0])
    entry.update(pages=list(pages), status=result.status, seconds=result.seconds, peak_rss_mib=result.peak_rss_mib)
    if result.reason:
        entry["reason"] = result.reason
    return entry


class SplitExecutor:
    """Runs a batch with its split files' page ranges first, on ``inner`` (``--jobs N``).

    Two passes over ``inner``: the range tasks (in page order, so the first pages are read
    first) with the unsplit files behind them, then the split files themselves. Results
    are yielded as ``(index, FileResult)`` like any executor; a split file's result carries
    its ranges' outcomes (``ocr_ranges``).
    """

    def __init__(self, plan: SplitPlan, inner: Executor) -> None:
        self.plan, self.inner = plan, inner

    def run(self, jobs: Sequence[FileJob]) -> Iterator[tuple[int, FileResult]]:
        split = self.plan.files()
        tasks = [range_job(jobs[i], pages, self.plan.ocr_threads) for i, pages in self.plan.ranges]
        rest = sorted(set(range(len(jobs))) - set(split))
        ranges: dict[int, list[dict]] = {i: [] for i in split}
        for k, result in self.inner.run(tasks + [jobs[i] for i in rest]):
            if k < len(tasks):
                i, pages = self.plan.ranges[k]
                ranges[i].append(range_entry(pages, result))
            else:
                yield rest[k - len(tasks)], result
        for k, result in self.inner.run([jobs[i] for i in split]):
            i = split[k]
            result.ocr_ranges = sorted(ranges[i], key=lambda e: e["pages"][0])
            yield i, result
