"""OCR speed and memory: the benchmark's own helpers, the threaded engine, the page scheduler.

Fast tests use fake RapidOCR objects (no models): they check what the speed and memory
design promises — detection one page at a time, recognition spread over threads with an
output that does not depend on the thread count, a bounded number of pages in flight, one
engine per process. The ``slow`` test runs the real models.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from jixiao.ocr import apply as ocr_apply
from jixiao.ocr import engine as ocr_engine
from jixiao.ocr.engine import OcrParams, PageOcr, RapidOcrEngine

ROOT = Path(__file__).resolve().parents[2]


def _load_bench():
    spec = importlib.util.spec_from_file_location("jixiao_bench", ROOT / "eval" / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["jixiao_bench"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


bench = _load_bench()
linux_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


# ---------------------------------------------------------------------------------------
# Benchmark: process-tree memory


def _fake_proc(root: Path, tree: dict[int, list[int]], rss: dict[int, int]) -> Path:
    """A /proc lookalike: ``tree`` maps pid → children (put on the pid's first task), ``rss`` pid → KiB."""
    for pid in set(tree) | {c for cs in tree.values() for c in cs}:
        task = root / str(pid) / "task" / str(pid)
        task.mkdir(parents=True, exist_ok=True)
        (task / "children").write_text(" ".join(map(str, tree.get(pid, []))) + (" " if tree.get(pid) else ""))
        if pid in rss:
            (root / str(pid) / "status").write_text(f"Name:\tpython\nVmPeak:\t 999999 kB\nVmRSS:\t {rss[pid]} kB\nThreads:\t3\n")
    return root


def test_tree_rss_sums_the_process_and_all_descendants(tmp_path):
    proc = _fake_proc(tmp_path, {10: [11, 12], 12: [13]}, {10: 1024, 11: 2048, 12: 512, 13: 512})
    # a second task (thread) of pid 10 with a child of its own
    (proc / "10" / "task" / "99").mkdir()
    (proc / "10" / "task" / "99" / "children").write_text("14")
    (proc / "14").mkdir()
    (proc / "14" / "status").write_text("VmRSS:\t 1024 kB\n")
    assert sorted(bench.process_tree(10, proc)) == [10, 11, 12, 13, 14]
    assert bench.tree_rss_mb(10, proc) == (5.0, 5)
    assert bench.tree_rss_mb(12, proc) == (1.0, 2)  # a subtree


def test_tree_rss_ignores_processes_that_are_gone(tmp_path):
    proc = _fake_proc(tmp_path, {20: [21, 22]}, {20: 1024, 21: 1024})  # 22 exited: no status file
    assert bench.rss_kib(22, proc) == 0
    assert bench.rss_kib(12345, proc) == 0
    assert bench.tree_rss_mb(20, proc) == (2.0, 3)
    assert bench.process_tree(777, proc) == [777]  # unknown pid: just itself, no error


@linux_proc
def test_sampler_sees_the_memory_of_a_child_process():
    """RUSAGE_SELF never sees a child's memory; the tree sampler must."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; b = bytearray(150 * 1024 * 1024); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ok"
        with bench.TreeRssSampler(interval=0.02) as mem:
            time.sleep(0.15)
        own = bench.rss_kib(os.getpid()) / 1024
    finally:
        child.kill()
        child.wait()
    assert mem.samples >= 3
    assert mem.peak_processes >= 2
    assert mem.peak_mb >= own + 140, (mem.peak_mb, own)


# ---------------------------------------------------------------------------------------
# Benchmark: the book and the machine load


def _image_pdf(path: Path, shades: list[int]) -> Path:
    """An image-only PDF, one small grey page per shade (a scanned page in miniature)."""
    doc = pymupdf.open()
    for shade in shades:
        page = doc.new_page(width=120, height=160)
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 60, 80), False)
        pix.set_rect(pix.irect, (shade,))
        page.insert_image(page.rect, pixmap=pix)
    doc.save(str(path))
    return path


def _render(doc: pymupdf.Document, i: int) -> bytes:
    return doc[i].get_pixmap(dpi=72, colorspace=pymupdf.csGRAY).samples


def test_book_repeats_the_source_pages_and_no_copy_renders_like_another(tmp_path):
    a = _image_pdf(tmp_path / "a.pdf", [200, 150])
    b = _image_pdf(tmp_path / "b.pdf", [100])
    book = bench.build_book([a, b], 7, tmp_path / "out" / "book.pdf")
    with pymupdf.open(str(book)) as doc, pymupdf.open(str(a)) as da, pymupdf.open(str(b)) as db:
        assert doc.page_count == 7
        assert not doc[0].get_text().strip()  # still image-only: OCR is what gets measured
        renders = [_render(doc, i) for i in range(7)]
        # the first pass is the sources unchanged, in order
        assert renders[:3] == [_render(da, 0), _render(da, 1), _render(db, 0)]
        # every page renders differently (the OCR cache key is the rendered image)
        assert len(set(renders)) == 7
        # … but a copy differs from its original only by a few pixels
        for i in range(3, 7):
            orig = np.frombuffer(renders[i % 3], np.uint8).astype(int)
            diff = np.count_nonzero(np.frombuffer(renders[i], np.uint8).astype(int) != orig)
            assert 0 < diff <= 16


def test_book_rejects_nothing_to_build(tmp_path):
    with pytest.raises(ValueError, match="at least one page"):
        bench.build_book([_image_pdf(tmp_path / "a.pdf", [9])], 0, tmp_path / "b.pdf")


def test_wait_for_quiet_waits_for_the_load_to_drop(monkeypatch):
    loads = iter([[3.0, 2, 1], [2.0, 2, 1], [1.0, 2, 1], [0.5, 1, 1]])
    monkeypatch.setattr(bench, "load_avg", lambda: next(loads))
    monkeypatch.setattr(bench.time, "sleep", lambda s: None)
    assert bench.wait_for_quiet(1.3, timeout=60)[0] is True
    monkeypatch.setattr(bench, "load_avg", lambda: [5.0, 5, 5])
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(bench.time, "monotonic", lambda: next(clock))
    quiet, waited = bench.wait_for_quiet(1.3, timeout=30)
    assert quiet is False and waited >= 30


def test_each_file_is_measured_from_an_empty_cache_that_is_removed(monkeypatch, tmp_path):
    seen: list[tuple[Path, bool]] = []

    def fake_extract(path, llm, cache, workers):
        seen.append((cache, cache.exists() and not any(cache.iterdir())))
        (cache / "ocr").mkdir(parents=True, exist_ok=True)
        (cache / "ocr" / "entry.json").write_text("{}")
        return 0.5, None, {"ocr_pages": 2}

    monkeypatch.setattr(bench, "_timed_extract", fake_extract)
    monkeypatch.setattr(bench, "page_count", lambda p: 2)
    r1 = bench.bench_file(Path("x.pdf"), "off", False)
    r2 = bench.bench_file(Path("y.pdf"), "off", False, warm=True)
    assert [empty for _, empty in seen] == [True, True, False]  # the warm rerun finds the filled cache
    assert seen[0][0] != seen[1][0] and not seen[0][0].exists() and not seen[1][0].exists()
    assert r1["s_per_page"] == 0.25 and r1["warm_s_per_page"] is None and r2["warm_s_per_page"] == 0.25
    assert r1["peak_tree_rss_mb"] > 0
    # an explicit cache directory is shared and kept
    shared = tmp_path / "cache"
    shared.mkdir()
    bench.bench_file(Path("z.pdf"), "off", False, cache_dir=shared)
    assert seen[-1][0] == shared and (shared / "ocr" / "entry.json").exists()


# ---------------------------------------------------------------------------------------
# The engine: detection one page at a time, recognition over threads


class _Concurrency:
    """Counts how many threads are inside a section at once."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


class _Result:
    def __init__(self, boxes=None, txts=None, scores=None):
        self.boxes, self.txts, self.scores = boxes, txts, scores


class FakeRapidOcr:
    """Detection finds ``n_lines`` boxes of growing width; recognition reads a crop's width."""

    def __init__(self, n_lines: int = 9, delay: float = 0.02, batch: int = 6):
        self.n_lines, self.delay, self.batch = n_lines, delay, batch
        self.det = _Concurrency()
        self.rec = _Concurrency()
        self.rec_calls: list[list[int]] = []

    def __call__(self, img, use_det=None, use_cls=None, use_rec=None):
        assert use_det and not use_rec and not use_cls
        with self.det:
            time.sleep(self.delay)
        boxes = [[[10, 10 + 30 * i], [40 + 25 * i, 10 + 30 * i], [40 + 25 * i, 30 + 30 * i], [10, 30 + 30 * i]]
                 for i in range(self.n_lines)]
        return _Result(boxes=np.array(boxes, dtype=np.float32))

    def recognize_txt(self, imgs):
        assert all(im.ndim == 3 and im.shape[2] == 3 for im in imgs)  # RapidOCR wants BGR
        assert len(imgs) <= self.batch
        with self.rec:
            self.rec_calls.append([im.shape[1] for im in imgs])
            time.sleep(self.delay)
        widest = max(im.shape[1] for im in imgs)  # a batch is padded to its widest line
        return _Result(txts=tuple(f"w{im.shape[1]}/{widest}" for im in imgs), scores=tuple(0.9 for _ in imgs))


def _engine_with(fake: FakeRapidOcr, threads: int, **params) -> RapidOcrEngine:
    eng = RapidOcrEngine(OcrParams(**params), threads=threads)
    eng._ocr = eng._det = fake  # recognition and detection fronts
    return eng


def test_recognition_is_split_over_threads_with_the_same_result():
    page = np.full((400, 300), 255, np.uint8)
    reads = {}
    for threads in (1, 3):
        fake = FakeRapidOcr(n_lines=10, batch=2)
        eng = _engine_with(fake, threads, rec_batch=2)
        reads[threads] = [(r.text, r.aabb) for r in eng._read(page)]
        eng.close()
        # batches are RapidOCR's: lines sorted by width, two neighbours at a time
        widths = sorted(w for call in fake.rec_calls for w in call)
        assert sorted(sorted(c) for c in fake.rec_calls) == [widths[k : k + 2] for k in range(0, 10, 2)]
        if threads == 1:
            assert fake.rec.peak == 1
        else:
            assert fake.rec.peak >= 2, "recognition never ran on two threads at once"
    assert reads[1] == reads[3]
    # each line got its own reading, in detection order, padded to its batch's widest line
    widths = [int(t.split("/")[0][1:]) for t, _ in reads[1]]
    assert widths == sorted(widths) and len(widths) == 10
    assert all(int(t.split("/")[1]) >= int(t.split("/")[0][1:]) for t, _ in reads[1])


def test_low_scores_and_empty_readings_are_dropped():
    class Picky(FakeRapidOcr):
        def recognize_txt(self, imgs):
            res = super().recognize_txt(imgs)
            txts = tuple("" if im.shape[1] < 80 else t for im, t in zip(imgs, res.txts))
            scores = tuple(0.3 if 80 <= im.shape[1] < 120 else 0.9 for im in imgs)
            return _Result(txts=txts, scores=scores)

    eng = _engine_with(Picky(n_lines=8, delay=0), 2, rec_min_width=320)  # no padding: widths as detected
    raws = eng._read(np.full((400, 300), 255, np.uint8))
    assert sorted(round(r.w) for r in raws) == [130, 155, 180, 205]  # 30/55: empty, 80/105: score 0.3


def test_pages_in_parallel_never_detect_at_the_same_time():
    fake = FakeRapidOcr(n_lines=6, delay=0.03)
    eng = _engine_with(fake, 2, orientation=False, vertical_text=False, rulings=False, rec_batch=1)
    pages = [np.full((400, 300), 255, np.uint8) for _ in range(4)]
    outs: list[PageOcr] = []
    threads = [threading.Thread(target=lambda i=i: outs.append(eng.ocr_image(pages[i], page=i + 1))) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eng.close()
    assert sorted(o.page for o in outs) == [1, 2, 3, 4] and all(len(o.lines) == 6 for o in outs)
    assert fake.det.peak == 1  # detection holds the largest buffers: one page at a time
    assert fake.rec.peak >= 2  # … while recognition overlaps


def test_crop_matches_rapidocr_crop():
    pytest.importorskip("rapidocr")
    from rapidocr.utils.process_img import get_rotate_crop_image

    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (300, 400), dtype=np.uint8)
    quads = [
        [[10, 20], [200, 24], [199, 60], [9, 56]],  # a slightly rotated line
        [[50, 50], [80, 50], [80, 250], [50, 250]],  # a tall box: turned to read along its length
        [[0, 0], [399, 0], [399, 299], [0, 299]],
    ]
    for q in quads:
        quad = np.array(q, dtype=np.float32)
        ours = ocr_engine._crop_quad(img, quad)
        theirs = get_rotate_crop_image(np.repeat(img[:, :, None], 3, axis=2), quad.copy())
        assert ours.shape == theirs.shape[:2]
        assert np.array_equal(np.repeat(ours[:, :, None], 3, axis=2), theirs)


def test_only_short_lines_lose_the_recognisers_full_context():
    short = (1.5, 10 / 3)
    glyph = np.zeros((30, 20), np.uint8)  # '≥' alone in a cell: taller than wide
    padded = ocr_engine._keep_context(glyph, short)
    assert padded.shape == (30, 200)  # 30 px high → 320/48 × 30 = 200 px, as RapidOCR pads it
    assert np.array_equal(padded[:, :20], glyph) and np.all(padded[:, 20:] == 127)
    assert ocr_engine._keep_context(np.zeros((30, 20, 3), np.uint8), short).shape == (30, 200, 3)
    cell = np.zeros((30, 60), np.uint8)  # ≥80%: short, read at its own width
    assert ocr_engine._keep_context(cell, short) is cell
    medium = np.zeros((30, 120), np.uint8)  # 一级指标: 4 wide, little to save, keeps the context
    assert ocr_engine._keep_context(medium, short).shape == (30, 200)
    long = np.zeros((30, 400), np.uint8)  # wider than the context: nothing to pad
    assert ocr_engine._keep_context(long, short) is long
    assert ocr_engine._keep_context(cell, (0.0, 0.0)).shape == (30, 200)  # no short range: all padded


def test_short_lines_reach_the_recogniser_unpadded():
    class Mixed(FakeRapidOcr):
        def __call__(self, img, use_det=None, use_cls=None, use_rec=None):
            return _Result(boxes=np.array([[[10, 10], [30, 10], [30, 36], [10, 36]],  # 20×26: a glyph
                                           [[40, 10], [100, 10], [100, 40], [40, 40]],  # 60×30: short
                                           [[40, 50], [160, 50], [160, 80], [40, 80]]], dtype=np.float32))  # 120×30

    fake = Mixed(delay=0)
    eng = _engine_with(fake, 1, rec_min_width=96, rec_short=(1.5, 10 / 3))
    eng._read(np.full((100, 200), 255, np.uint8))
    assert sorted(w for call in fake.rec_calls for w in call) == [60, 174, 200]  # glyph 26 × 320/48, line 30 × 320/48
    fake = Mixed(delay=0)  # RapidOCR's own width: it pads everything itself, nothing to do here
    _engine_with(fake, 1, rec_min_width=320, rec_short=(1.5, 10 / 3))._read(np.full((100, 200), 255, np.uint8))
    assert sorted(w for call in fake.rec_calls for w in call) == [20, 60, 120]


def test_release_freed_memory_is_harmless():
    ocr_engine.release_freed_memory()  # glibc: malloc_trim; elsewhere a no-op


# ---------------------------------------------------------------------------------------
# The page scheduler and the shared engine


class FakeEngine:
    def __init__(self, delay: float = 0.02, fail_on: int | None = None):
        self.params = OcrParams()
        self.delay, self.fail_on = delay, fail_on
        self.inside = _Concurrency()

    def ocr_image(self, image, page=1, dpi=None):
        with self.inside:
            time.sleep(self.delay)
        if page == self.fail_on:
            raise ValueError("model exploded")
        return PageOcr(page=page, width=10, height=10)


def _jobs(n: int, rendered: list[int], in_flight: list[int], finished: list[int]):
    for i in range(1, n + 1):
        rendered.append(i)
        in_flight.append(len(rendered) - len(finished))
        yield i, f"key{i}", np.zeros((2, 2), np.uint8)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pages_in_flight_are_bounded_by_the_workers(workers):
    eng = FakeEngine()
    rendered: list[int] = []
    in_flight: list[int] = []
    finished: list[int] = []
    ocr_apply._run_threads(_jobs(9, rendered, in_flight, finished), eng, workers,
                           lambda res, key: finished.append(res.page), Path("book.pdf"))
    assert sorted(finished) == list(range(1, 10))
    assert max(in_flight) <= workers + 1  # rendered one ahead of a free slot, never more
    assert eng.inside.peak == workers


def test_a_failing_page_names_the_file_and_the_page():
    with pytest.raises(RuntimeError, match=r"scan\.pdf: OCR failed on page 3: ValueError: model exploded"):
        ocr_apply._run_threads(_jobs(5, [], [], []), FakeEngine(delay=0, fail_on=3), 2, lambda r, k: None, Path("scan.pdf"))


def test_nothing_to_ocr_starts_no_thread():
    before = threading.active_count()
    ocr_apply._run_threads(iter([]), FakeEngine(), 2, lambda r, k: None, Path("x.pdf"))
    assert threading.active_count() == before


def test_one_engine_per_process_until_the_parameters_change():
    ocr_apply.release_engine()
    try:
        a = ocr_apply.shared_engine(OcrParams(), 2)
        assert ocr_apply.shared_engine(OcrParams(), 2) is a
        b = ocr_apply.shared_engine(OcrParams(det_side=1280), 2)
        c = ocr_apply.shared_engine(OcrParams(det_side=1280), 1)
        assert b is not a and c is not b and c.threads == 1
    finally:
        ocr_apply.release_engine()
    assert ocr_apply._ENGINE is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_builds_its_own_engine():
    ocr_apply.release_engine()
    try:
        parent = ocr_apply.shared_engine(OcrParams(), 2)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the inherited engine (and its dead threads) must be gone
            ok = ocr_apply._ENGINE is None and ocr_apply.shared_engine(OcrParams(), 2) is not parent
            os.write(w, b"1" if ok else b"0")
            os._exit(0)
        os.close(w)
        os.waitpid(pid, 0)
        assert os.read(r, 1) == b"1"
        os.close(r)
        assert ocr_apply.shared_engine(OcrParams(), 2) is parent  # the parent keeps its own
    finally:
        ocr_apply.release_engine()


def test_recogniser_settings_are_part_of_the_cache_key():
    from jixiao.ocr.cache import cache_key

    img = np.zeros((4, 4), np.uint8)
    base = cache_key(img, "rapidocr 3", OcrParams().key())
    for change in ({"rec_min_width": 48}, {"rec_batch": 3}, {"rec_short": (1.0, 2.0)}):
        assert cache_key(img, "rapidocr 3", OcrParams(**change).key()) != base, change


# ---------------------------------------------------------------------------------------
# Real models


@pytest.mark.slow
def test_thread_count_does_not_change_the_reading(tmp_path):
    pytest.importorskip("rapidocr")
    from fakes.scans import scan_pdf, table_html, text_pdf

    scan = scan_pdf(text_pdf(tmp_path / "t.pdf", [table_html()]), tmp_path / "scan.pdf")
    with pymupdf.open(str(scan)) as doc:
        img = ocr_engine.render_page(doc[0], 200)
    lines = {}
    for threads in (1, 2):
        eng = RapidOcrEngine(OcrParams(), threads=threads)
        res = eng.ocr_image(img)
        eng.close()
        lines[threads] = [(ln.text, ln.bbox, ln.score) for ln in res.lines]
    assert len(lines[1]) > 40
    assert lines[1] == lines[2]
    assert {"三级指标", "≥95%"} <= {t for t, _, _ in lines[1]}
