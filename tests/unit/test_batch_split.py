"""A large scan split by page ranges across ``--jobs`` workers (issue 14, jixiao.batch_split):
the plan, the two passes, the cache the ranges warm — and, with real OCR (slow), the same
JSON as ``--jobs 1``."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest
from typer.testing import CliRunner

from jixiao.batch import FileJob, FileResult, SerialExecutor
from jixiao.batch_split import (
    MIN_OCR_PAGES, MIN_RANGE_PAGES, RANGES_PER_WORKER, SplitExecutor, SplitPlan, cut_ranges, plan_split, range_job,
    span, warm_pages,
)
from jixiao.cli import app
from jixiao.ingest.pdf import pages_needing_ocr
from jixiao.model.modes import OcrMode
from jixiao.pipeline import ExtractOptions

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden"
DIGITAL = GOLDEN / "s002_suzhou_projects" / "digital.pdf"
SCANS = [(GOLDEN / "s004_jiujiang_ocr" / "scanned.pdf", [0, 1, 2]), (GOLDEN / "s001_gaoxin_projects" / "scanned.pdf", [0])]
TIMING_KEYS = {"seconds", "ms"}  # wall-clock telemetry in stats: the only fields allowed to differ


def _scan(path: Path) -> Path:
    """A 4-page image-only PDF made of golden scan pages (two documents, so pages differ)."""
    out = pymupdf.open()
    for src, pages in SCANS:
        with pymupdf.open(src) as doc:
            for n in pages:
                out.insert_pdf(doc, from_page=n, to_page=n)
    out.save(path)
    out.close()
    return path


def _job(path: Path, out: Path, cache: Path, **opts) -> FileJob:
    out.mkdir(parents=True, exist_ok=True)
    return FileJob(path, path.stem, out, ["json"], ExtractOptions(cache_dir=cache, workers=1, **opts), False, False,
                   {}, None)


# ---------------------------------------------------------------------------------------
# The plan


def test_the_text_layer_check_names_the_scanned_pages_only(tmp_path: Path) -> None:
    scan = _scan(tmp_path / "scan.pdf")
    assert pages_needing_ocr(scan) == [1, 2, 3, 4]
    assert pages_needing_ocr(DIGITAL) == []
    with pymupdf.open(DIGITAL) as doc:
        assert pages_needing_ocr(DIGITAL, force=True) == list(range(1, doc.page_count + 1))


@pytest.mark.parametrize("n, capacity", [(4, 2), (5, 2), (21, 2), (21, 16), (3, 4), (100, 3)])
def test_ranges_cover_the_pages_in_order_each_worth_a_task(n: int, capacity: int) -> None:
    pages = list(range(1, 2 * n, 2))  # not contiguous: digital pages between scanned ones
    ranges = cut_ranges(pages, capacity)
    assert [p for r in ranges for p in r] == pages
    assert len(ranges) <= RANGES_PER_WORKER * capacity
    assert all(len(r) >= MIN_RANGE_PAGES for r in ranges) or len(ranges) == 1
    assert max(map(len, ranges)) - min(map(len, ranges)) <= 1


def test_a_scan_alone_is_split_and_nothing_else_is(tmp_path: Path) -> None:
    scan, cache = _scan(tmp_path / "scan.pdf"), tmp_path / "cache"
    job = _job(scan, tmp_path / "out", cache)
    plan = plan_split([job], 2)
    assert plan is not None and plan.jobs == 2 and plan.files() == [0]
    assert [p for _, r in plan.ranges for p in r] == [1, 2, 3, 4] and len(plan.ranges) == 2
    assert plan_split([job], 1) is None  # --jobs 1
    assert plan_split([job, _job(DIGITAL, tmp_path / "out", cache)], 2) is None  # every worker has a file
    assert plan_split([_job(DIGITAL, tmp_path / "out", cache)], 4) is None  # digital: not worth it
    assert plan_split([_job(scan, tmp_path / "out", cache, ocr=OcrMode.OFF)], 2) is None
    mixed = plan_split([_job(DIGITAL, tmp_path / "out", cache), job], 4)
    assert mixed is not None and mixed.files() == [1]


def test_a_scan_up_to_date_in_out_is_not_split(tmp_path: Path) -> None:
    from jixiao import runstate
    from jixiao.ingest import file_sha256

    scan = _scan(tmp_path / "scan.pdf")
    job = _job(scan, tmp_path / "out", tmp_path / "cache")
    done = tmp_path / "out" / "scan.json"
    done.write_text("{}", encoding="utf-8")
    key = runstate.resume_key(file_sha256(scan), job.fingerprint, job.fmts)
    assert plan_split([replace(job, previous={"status": "ok", "key": key, "outputs": [str(done)]})], 2) is None
    assert plan_split([replace(job, previous={"status": "ok", "key": key, "outputs": [str(done)]}, force=True)], 2)


def test_too_few_pages_to_ocr_are_not_split(tmp_path: Path) -> None:
    small = pymupdf.open()
    with pymupdf.open(SCANS[0][0]) as doc:
        small.insert_pdf(doc, from_page=0, to_page=MIN_OCR_PAGES - 2)
    small.save(tmp_path / "small.pdf")
    assert plan_split([_job(tmp_path / "small.pdf", tmp_path / "out", tmp_path / "cache")], 2) is None


# ---------------------------------------------------------------------------------------
# The two passes (an in-process executor that records what it ran)


class _Recorder(SerialExecutor):
    """Runs nothing: answers each job at once and records the passes it was given."""

    def __init__(self, fail_pages: tuple[int, ...] = ()) -> None:
        self.passes: list[list[tuple[str, tuple[int, ...] | None]]] = []
        self.fail_pages = fail_pages

    def run(self, jobs):
        self.passes.append([(j.stem, j.pages) for j in jobs])
        for i, job in enumerate(jobs):
            if job.pages is None:
                yield i, FileResult(path=str(job.path), status="ok", stem=job.stem)
                continue
            status = "failed" if job.pages == self.fail_pages else "ok"
            yield i, FileResult(path=str(job.path), status=status, stem=job.stem, reason="boom" * (status == "failed"),
                                ocr_ranges=[{"pages": list(job.pages), "ocr": len(job.pages), "cached": 0}])


def test_ranges_run_first_then_the_split_file_with_their_outcomes(tmp_path: Path) -> None:
    jobs = [_job(Path(f"/in/{name}.pdf"), tmp_path / "out", tmp_path / "cache") for name in ("a", "big", "c")]
    plan = SplitPlan(ranges=[(1, (1, 2, 3)), (1, (4, 5, 6))], jobs=2, ocr_threads=1)
    inner = _Recorder(fail_pages=(4, 5, 6))
    results = list(SplitExecutor(plan, inner).run(jobs))
    assert inner.passes == [[("big", (1, 2, 3)), ("big", (4, 5, 6)), ("a", None), ("c", None)], [("big", None)]]
    assert [i for i, _ in results] == [0, 2, 1]
    big = dict(results)[1]
    assert big.status == "ok"  # a failed range costs only its pages: the file's own run reads them
    assert [(e["pages"], e["status"]) for e in big.ocr_ranges] == [([1, 2, 3], "ok"), ([4, 5, 6], "failed")]
    assert big.ocr_ranges[1]["reason"] == "boom"
    assert dict(results)[0].ocr_ranges is None


def test_a_range_job_carries_only_its_pages_and_threads(tmp_path: Path) -> None:
    job = _job(Path("/in/x.pdf"), tmp_path / "out", tmp_path / "cache")
    job = replace(job, opts=replace(job.opts, workers=4), previous={"status": "ok"})
    r = range_job(job, (3, 4), 1)
    assert r.pages == (3, 4) and r.opts.workers == 1 and r.previous is None
    assert (r.path, r.out, r.fmts, r.limits, r.timeout) == (job.path, job.out, job.fmts, job.limits, job.timeout)
    assert job.pages is None and job.opts.workers == 4
    assert span([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"


class _KillsItsWorker:
    """Options whose first use kills the worker process (as the OOM killer would)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):  # pickling looks these up first
            raise AttributeError(name)
        os._exit(9)


def test_a_worker_dying_in_a_range_costs_only_that_range(tmp_path: Path, monkeypatch) -> None:
    from jixiao import batch_split
    from jixiao.batch import ProcessExecutor

    job = replace(_job(DIGITAL, tmp_path / "out", tmp_path / "cache"), force=True)
    monkeypatch.setattr(batch_split, "range_job", lambda job, pages, threads: replace(job, pages=pages,
                                                                                      opts=_KillsItsWorker()))
    plan = SplitPlan(ranges=[(0, (1, 2))], jobs=2, ocr_threads=1)
    [(i, result)] = list(SplitExecutor(plan, ProcessExecutor(2)).run([job]))
    assert i == 0 and result.status == "ok" and (tmp_path / "out" / "digital.json").is_file()
    [entry] = result.ocr_ranges
    assert entry["pages"] == [1, 2] and entry["status"] == "failed" and "died twice" in entry["reason"], entry


# ---------------------------------------------------------------------------------------
# The cache the ranges warm is the one the file's run reads (a fake engine, in process)


class _FakeEngine:
    """Reads every page as one line naming its mean pixel (so pages differ); counts calls."""

    def __init__(self) -> None:
        from jixiao.ocr import OcrParams

        self.calls: list[int] = []
        self.params = OcrParams()

    def ocr_image(self, image, page: int, dpi: int):
        from jixiao.ocr import OcrLine, PageOcr

        self.calls.append(page)
        h, w = image.shape[:2]
        return PageOcr(page=page, width=w * 72 / dpi, height=h * 72 / dpi, engine="fake 1",
                       lines=[OcrLine(text=f"页{page}均值{int(image.mean())}", bbox=(50.0, 50.0, 300.0, 70.0), score=0.9)])


def test_warmed_ranges_make_the_files_run_read_every_page_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("rapidocr")  # the cache key names the installed engine's version
    from jixiao.ocr import apply as ocr_apply
    from jixiao.pipeline import extract_file

    engine = _FakeEngine()
    monkeypatch.setattr(ocr_apply, "shared_engine", lambda params, threads: engine)
    scan = _scan(tmp_path / "scan.pdf")
    job = _job(scan, tmp_path / "out", tmp_path / "split-cache")
    fresh = extract_file(scan, replace(job.opts, cache_dir=tmp_path / "own-cache"))  # as --jobs 1 would
    assert sorted(engine.calls) == [1, 2, 3, 4]
    engine.calls.clear()
    warmed = [warm_pages(range_job(job, pages, 1)) for pages in ((1, 2), (3, 4))]
    assert [(r.status, r.ocr_ranges[0]["ocr"], r.ocr_ranges[0]["cached"]) for r in warmed] == [("ok", 2, 0)] * 2
    assert sorted(engine.calls) == [1, 2, 3, 4]
    engine.calls.clear()
    split = extract_file(scan, job.opts)
    assert engine.calls == []  # every page a cache hit
    assert _without_timings(split.model_dump(mode="json")) == _without_timings(fresh.model_dump(mode="json"))
    again = warm_pages(range_job(job, (1, 2), 1))
    assert (again.ocr_ranges[0]["ocr"], again.ocr_ranges[0]["cached"]) == (0, 2)


def test_a_range_that_fails_is_reported_not_raised(tmp_path: Path) -> None:
    job = _job(tmp_path / "missing.pdf", tmp_path / "out", tmp_path / "cache")
    r = warm_pages(range_job(job, (1, 2), 1))
    assert r.status == "failed" and "OCR of pages 1-2" in r.reason and r.ocr_ranges[0]["pages"] == [1, 2]


# ---------------------------------------------------------------------------------------
# End to end with real OCR and worker processes


def _without_timings(obj):
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


def _extract(scan: Path, out: Path, *args: str) -> tuple[dict, dict, float]:
    t0 = time.perf_counter()
    r = CliRunner().invoke(app, ["extract", str(scan), "-o", str(out), "-f", "json", "--cache-dir", str(out / "cache"),
                                 *args])
    seconds = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    doc = json.loads((out / f"{scan.stem}.json").read_text(encoding="utf-8"))
    return run, _without_timings(doc), seconds


@pytest.mark.slow
def test_jobs_2_splits_a_scan_and_gives_the_json_of_jobs_1(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr")
    scan = _scan(tmp_path / "scan.pdf")
    one, doc_one, _ = _extract(scan, tmp_path / "one", "--jobs", "1")
    two, doc_two, _ = _extract(scan, tmp_path / "two", "--jobs", "2")
    assert one["split"] is None and one["jobs"] == 1
    assert two["split"] == {"files": 1, "ranges": 2, "pages": 4, "ocr_threads": two["ocr_threads"]} and two["jobs"] == 2
    [entry] = two["files"]
    assert entry["status"] == "ok"
    assert [(e["pages"], e["status"], e["ocr"]) for e in entry["ocr_ranges"]] == [([1, 2], "ok", 2), ([3, 4], "ok", 2)]
    assert doc_one["source"]["ocr_pages"] == 4
    assert doc_two == doc_one
