"""Speed and memory benchmark of extraction on the golden PDFs (a benchmark, not a test).

    python eval/bench.py [--golden golden] [--variant digital|scanned ...] [--llm off]
                         [--out eval/out/bench.json] [--only DOC_ID ...] [--workers N]
                         [--cache-dir DIR] [--warm] [--book N] [--max-load 1.3 --wait-load S]
                         [--tracemalloc]

Times ``jixiao.pipeline.extract_file`` on every ``golden/<doc_id>/<variant>.pdf`` and
reports, per variant: s/page (median over files — the headline for scanned pages, where OCR
dominates), pages/s, total time and peak memory.

What is measured, and why:

* **OCR, not the cache.** Each file runs against a fresh, empty OCR cache directory (removed
  afterwards), so a scanned page is always OCR'd; ``--cache-dir DIR`` shares one directory
  instead (then a second run measures cache hits). ``--warm`` runs each file a second time
  against its now filled cache and reports that path separately (``warm_s_per_page``).
* **Memory of the whole process tree.** OCR runs in spawned worker processes, which
  ``getrusage(RUSAGE_SELF)`` never sees. A background thread sums VmRSS over this process
  and all its descendants (``/proc/<pid>/task/*/children``) every 50 ms; the peak of that sum
  is ``peak_tree_rss_mb``. Summing RSS counts pages shared between processes (the mapped
  libraries) once per process, so it is an upper bound of what the machine really spent.
* **A book.** ``--book N`` concatenates the golden scanned pages (repeated until N pages,
  each copy stamped with a faint dot so no copy is a cache hit of another) into one PDF,
  extracts it once and reports s/page and the peak tree RSS: the memory bound for long
  scans, where the per-file medians only cover short documents.
* **Machine load.** The machine is shared; ``os.getloadavg()`` is recorded at the start and
  end. ``--max-load L`` waits (up to ``--wait-load`` seconds) for the 1-minute load to drop
  below L before starting, and ``load_ok`` says whether it did: timings taken under load
  are not comparable with quiet ones.

With ``--tracemalloc`` the Python-heap peak of each file is reported too (it slows the run,
so timings taken with it are not comparable with timings taken without).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

VARIANT_FILES = {"digital": "digital.pdf", "scanned": "scanned.pdf"}
QUIET_LOAD = 1.3  # 1-minute load under which a 2-core machine counts as quiet (``load_ok``)


def page_count(path: Path) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return doc.page_count


def peak_rss_mb() -> float:
    """This process's own peak RSS in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


# ---------------------------------------------------------------------------------------
# Process-tree memory (Linux /proc; psutil is not a dependency)


def child_pids(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Direct children of ``pid`` from ``/proc/<pid>/task/*/children`` (empty when it is gone)."""
    out: list[int] = []
    try:
        tasks = list((proc / str(pid) / "task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out.extend(int(x) for x in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return out


def process_tree(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """``pid`` and all its descendants, parents first."""
    seen: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(child_pids(p, proc))
    return seen


def rss_kib(pid: int, proc: Path = Path("/proc")) -> int:
    """VmRSS of one process in KiB; 0 for a process that has exited (or a kernel thread)."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_mb(pid: int | None = None, proc: Path = Path("/proc")) -> tuple[float, int]:
    """(summed VmRSS in MiB, number of processes) over ``pid`` (default: this one) and its descendants."""
    pids = process_tree(os.getpid() if pid is None else pid, proc)
    return sum(rss_kib(p, proc) for p in pids) / 1024, len(pids)


class TreeRssSampler:
    """Samples :func:`tree_rss_mb` in a background thread; ``peak_mb`` is the highest sum seen.

    Use as a context manager around the code being measured. One sample is taken at start
    and one at stop, so even a run shorter than the interval has a figure.
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05, proc: Path = Path("/proc")):
        self.pid = os.getpid() if pid is None else pid
        self.interval = interval
        self.proc = proc
        self.peak_mb = 0.0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> float:
        mb, n = tree_rss_mb(self.pid, self.proc)
        self.samples += 1
        if mb > self.peak_mb:
            self.peak_mb = mb
        self.peak_processes = max(self.peak_processes, n)
        return mb

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeRssSampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="tree-rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


# ---------------------------------------------------------------------------------------
# Machine load


def load_avg() -> list[float]:
    """1-, 5- and 15-minute load averages (zeros where the platform has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return [0.0, 0.0, 0.0]


def wait_for_quiet(max_load: float, timeout: float, poll: float = 10.0) -> tuple[bool, float]:
    """Wait until the 1-minute load is below ``max_load``: (quiet, seconds waited)."""
    t0 = time.monotonic()
    while True:
        if load_avg()[0] < max_load:
            return True, time.monotonic() - t0
        if time.monotonic() - t0 >= timeout:
            return False, time.monotonic() - t0
        print(f"load {load_avg()[0]:.2f} ≥ {max_load}: waiting …", file=sys.stderr, flush=True)
        time.sleep(poll)


# ---------------------------------------------------------------------------------------
# Inputs


def find_inputs(golden: Path, variants: list[str], only: list[str]) -> list[tuple[str, str, Path]]:
    inputs = []
    for doc_dir in sorted(p for p in golden.iterdir() if p.is_dir()):
        if only and doc_dir.name not in only:
            continue
        for v in variants:
            path = doc_dir / VARIANT_FILES[v]
            if path.exists():
                inputs.append((doc_dir.name, v, path))
    return inputs


def build_book(sources: list[Path], n_pages: int, out: Path) -> Path:
    """An ``n_pages`` PDF of the pages of ``sources`` in order, repeated until it is long enough.

    Every copy of a page after the first gets a faint 1.5 pt grey dot in its top margin at a
    position that encodes the copy number: the rendered image (the OCR cache key) differs,
    so a repeated page is OCR'd again like a new page of a real book would be.
    """
    import pymupdf

    if n_pages < 1:
        raise ValueError(f"a book needs at least one page, not {n_pages}")
    docs = [pymupdf.open(str(p)) for p in sources]
    pages = [(d, i) for d in docs for i in range(d.page_count)]
    if not pages:
        raise ValueError(f"no pages in {', '.join(map(str, sources)) or 'no sources'}")
    book = pymupdf.open()
    try:
        for k in range(n_pages):
            d, i = pages[k % len(pages)]
            book.insert_pdf(d, from_page=i, to_page=i)
            copy = k // len(pages)
            if copy:
                page = book[-1]
                x = 20 + 3 * (copy % 150)
                y = 3 + 3 * (copy // 150)
                page.draw_rect(pymupdf.Rect(x, y, x + 1.5, y + 1.5), color=None, fill=(0.85, 0.85, 0.85))
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(str(out), garbage=3, deflate=True)
    finally:
        book.close()
        for d in docs:
            d.close()
    return out


# ---------------------------------------------------------------------------------------
# Runs


@contextmanager
def _cache_root(cache_dir: Path | None) -> Iterator[Path]:
    """The given cache directory, or a fresh temporary one that is removed afterwards."""
    if cache_dir is not None:
        yield cache_dir
        return
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-cache-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _timed_extract(path: Path, llm: str, cache: Path, workers: int) -> tuple[float, str | None, dict[str, Any]]:
    from jixiao.pipeline import ExtractOptions, extract_file  # the thing being measured

    t0 = time.perf_counter()
    error = None
    stats: dict[str, Any] = {}
    try:
        doc = extract_file(path, ExtractOptions(llm=llm, cache_dir=cache, workers=workers))  # type: ignore[arg-type]
        stats = dict(doc.stats)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports failures and goes on
        error = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - t0, error, stats


def bench_file(path: Path, llm: str, use_tracemalloc: bool, *, cache_dir: Path | None = None, workers: int = 2,
               warm: bool = False) -> dict[str, Any]:
    """Extract one file from an empty (or the given) cache; optionally once more from the filled cache."""
    pages = page_count(path)
    with _cache_root(cache_dir) as cache:
        if use_tracemalloc:
            tracemalloc.start()
        with TreeRssSampler() as mem:
            seconds, error, stats = _timed_extract(path, llm, cache, workers)
        heap = None
        if use_tracemalloc:
            heap = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
            tracemalloc.stop()
        warm_seconds = _timed_extract(path, llm, cache, workers)[0] if warm and not error else None
    return {
        "pages": pages,
        "ocr_pages": stats.get("ocr_pages", 0),
        "seconds": seconds,
        "pages_per_s": pages / seconds if seconds > 0 else None,
        "s_per_page": seconds / pages if pages else None,
        "warm_s_per_page": warm_seconds / pages if warm_seconds is not None and pages else None,
        "peak_tree_rss_mb": mem.peak_mb,
        "peak_processes": mem.peak_processes,
        "peak_rss_mb": peak_rss_mb(),
        "tracemalloc_peak_mb": heap,
        "error": error,
    }


def bench_book(golden: Path, n_pages: int, llm: str, workers: int, cache_dir: Path | None) -> dict[str, Any]:
    """Build an ``n_pages`` scanned book from the golden scanned PDFs and extract it once."""
    sources = [p for _, _, p in find_inputs(golden, ["scanned"], [])]
    if not sources:
        raise SystemExit(f"{golden}: no scanned.pdf to build a book from")
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-book-") as tmp:
        book = build_book(sources, n_pages, Path(tmp) / f"book{n_pages}.pdf")
        row = bench_file(book, llm, False, cache_dir=cache_dir, workers=workers)
    row.update({"doc": f"book{n_pages}", "variant": "book", "path": f"<{n_pages} golden scanned pages>"})
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if not r["error"] and r["pages_per_s"]]
    warm = [r["warm_s_per_page"] for r in ok if r.get("warm_s_per_page") is not None]
    return {
        "files": len(rows),
        "failed": len(rows) - len(ok),
        "pages": sum(r["pages"] for r in ok),
        "seconds": sum(r["seconds"] for r in ok),
        "median_pages_per_s": statistics.median(r["pages_per_s"] for r in ok) if ok else None,
        "median_s_per_page": statistics.median(r["s_per_page"] for r in ok) if ok else None,
        "median_warm_s_per_page": statistics.median(warm) if warm else None,
        "peak_tree_rss_mb": max((r["peak_tree_rss_mb"] for r in rows), default=None),
        "peak_rss_mb": max((r["peak_rss_mb"] for r in rows), default=None),
    }


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def print_tables(files: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    t = Table(title="extraction per file (empty OCR cache)")
    for col in ("doc", "variant", "pages", "s", "s/page", "warm s/page", "tree RSS MiB", "procs", "heap MiB", "error"):
        t.add_column(col)
    for r in files:
        t.add_row(r["doc"], r["variant"], str(r["pages"]), _fmt(r["seconds"]), _fmt(r["s_per_page"]),
                  _fmt(r.get("warm_s_per_page")), _fmt(r["peak_tree_rss_mb"], ".0f"), str(r["peak_processes"]),
                  _fmt(r["tracemalloc_peak_mb"], ".1f"), r["error"] or "")
    console.print(t)
    s = Table(title="per variant (medians over files)")
    for col in ("variant", "files", "failed", "pages", "total s", "pages/s", "s/page", "warm s/page", "peak tree RSS MiB"):
        s.add_column(col)
    for v, m in summary.items():
        s.add_row(v, str(m["files"]), str(m["failed"]), str(m["pages"]), _fmt(m["seconds"]),
                  _fmt(m["median_pages_per_s"]), _fmt(m["median_s_per_page"]), _fmt(m.get("median_warm_s_per_page")),
                  _fmt(m["peak_tree_rss_mb"], ".0f"))
    console.print(s)


# ---------------------------------------------------------------------------------------
# Peers: jixiao's digital path beside the bare table finders it is built on


PEERS = ("jixiao", "pymupdf-find_tables", "pymupdf-words", "pdfplumber")
"""What ``--peers`` times on the same digital pages, each in a process of its own:

* ``jixiao`` — the whole pipeline (``extract_file``, LLM off): ingest, layout, extraction,
  reconcile; what a user waits for.
* ``pymupdf-find_tables`` — ``Page.find_tables(use_layout=False)`` on every page, nothing
  else (the line-strategy finder ``ingest.pdf`` falls back to).
* ``pymupdf-words`` — ``Page.get_text("words")``: the floor of any text-layer reader.
* ``pdfplumber`` — ``Page.extract_tables()`` with its defaults (lines strategy).
"""


def _peer_pages(tool: str, path: Path) -> int:
    """Run one peer on every page of one file; the number of pages."""
    if tool == "jixiao":
        from jixiao.pipeline import ExtractOptions, extract_file

        extract_file(path, ExtractOptions(llm="off"))  # type: ignore[arg-type]
        return page_count(path)
    if tool == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()  # drop its cached objects, as a reader of a long file would
            return len(pdf.pages)
    import pymupdf

    with pymupdf.open(path) as doc:
        for page in doc:
            if tool == "pymupdf-find_tables":
                page.find_tables(use_layout=False)
            else:
                page.get_text("words")
        return doc.page_count


def peer_child(tool: str, paths: list[Path]) -> dict[str, Any]:
    """In a fresh process: warm up on the first file (imports, lazy tables; not timed), then
    time every file once. Returns {"pages", "seconds", "cpu_seconds"}: on a shared machine
    the process's CPU time is the steadier measure (wall time counts the waits for a core)."""
    if tool not in PEERS:
        raise SystemExit(f"unknown peer {tool!r} (one of {', '.join(PEERS)})")
    _peer_pages(tool, paths[0])
    pages = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        pages += _peer_pages(tool, p)
    return {"pages": pages, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


BASELINE = "jixiao@baseline"
"""With ``--baseline SRC``: the jixiao pipeline imported from another source tree (``SRC`` is
its ``src`` directory, e.g. of ``git worktree add /tmp/old main``), timed in the same rounds."""


def _run_child(tool: str, paths: list[Path], pythonpath: str | None = None) -> dict[str, Any]:
    import subprocess

    cmd = [sys.executable, str(Path(__file__).resolve()), "--peer-child", tool, *map(str, paths)]
    env = os.environ.copy()
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_digital_book(sources: list[Path], n_pages: int, out: Path) -> Path:
    """One ``n_pages`` PDF of the given digital pages in order, repeated until long enough."""
    import pymupdf

    docs = [pymupdf.open(str(p)) for p in sources]
    pages = [(d, i) for d in docs for i in range(d.page_count)]
    book = pymupdf.open()
    try:
        for k in range(n_pages):
            d, i = pages[k % len(pages)]
            book.insert_pdf(d, from_page=i, to_page=i)
        book.save(str(out), garbage=3, deflate=True)
    finally:
        book.close()
        for d in docs:
            d.close()
    return out


def bench_peers(golden: Path, only: list[str], tools: list[str], repeat: int, book_pages: int,
                baseline: Path | None = None) -> dict[str, Any]:
    """Every tool on the golden digital PDFs (the folder, and one ``book_pages`` file built from
    them), each run in a fresh process, rounds interleaved so machine load hits all tools
    alike; per tool and corpus the median over ``repeat`` rounds of ms/page. ``baseline``:
    also time the jixiao of that source tree (:data:`BASELINE`), before and after in one run."""
    if baseline is not None:
        tools = [BASELINE, *tools]
    files = [p for _, _, p in find_inputs(golden, ["digital"], only)]
    if not files:
        raise SystemExit(f"{golden}: no digital.pdf found")
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-peers-") as tmp:
        corpora = {"folder": files}
        if book_pages:
            corpora["book"] = [build_digital_book(files, book_pages, Path(tmp) / f"book{book_pages}.pdf")]
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {c: {t: [] for t in tools} for c in corpora}
        for r in range(repeat):
            for corpus, paths in corpora.items():
                for tool in tools:
                    print(f"round {r + 1}/{repeat} {corpus} {tool} …", file=sys.stderr, flush=True)
                    if tool == BASELINE:
                        runs[corpus][tool].append(_run_child("jixiao", paths, str(Path(baseline).resolve())))  # type: ignore[arg-type]
                    else:
                        runs[corpus][tool].append(_run_child(tool, paths))
    out: dict[str, Any] = {}
    for corpus, by_tool in runs.items():
        out[corpus] = {}
        for tool, rs in by_tool.items():
            ok = [x for x in rs if "error" not in x]
            ms = [1000 * x["seconds"] / x["pages"] for x in ok if x["pages"]]
            cpu = [1000 * x["cpu_seconds"] / x["pages"] for x in ok if x["pages"]]
            out[corpus][tool] = {
                "files": len(corpora[corpus]), "pages": ok[0]["pages"] if ok else None,
                "ms_per_page": statistics.median(ms) if ms else None, "runs_ms_per_page": ms,
                "cpu_ms_per_page": statistics.median(cpu) if cpu else None, "runs_cpu_ms_per_page": cpu,
                "errors": [x["error"] for x in rs if "error" in x],
            }
    return out


def print_peers(peers: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="digital pages: ms/page, median of rounds (each tool in its own process)")
    for col in ("corpus", "tool", "files", "pages", "wall ms/page", "CPU ms/page", "CPU runs", "CPU × jixiao", "error"):
        t.add_column(col)
    for corpus, by_tool in peers.items():
        base = by_tool.get("jixiao", {}).get("cpu_ms_per_page")
        for tool, m in by_tool.items():
            ratio = m["cpu_ms_per_page"] / base if base and m["cpu_ms_per_page"] else None
            t.add_row(corpus, tool, str(m["files"]), str(m["pages"]), _fmt(m["ms_per_page"], ".1f"),
                      _fmt(m["cpu_ms_per_page"], ".1f"), " ".join(f"{x:.1f}" for x in m["runs_cpu_ms_per_page"]),
                      _fmt(ratio), "; ".join(m["errors"]))
    Console(width=150).print(t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", type=Path, default=Path("golden"))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANT_FILES), help="repeatable; default both")
    ap.add_argument("--llm", default="off", choices=["off", "fallback", "full"])
    ap.add_argument("--out", type=Path, default=Path("eval/out/bench.json"))
    ap.add_argument("--tracemalloc", action="store_true", help="also measure each file's Python-heap peak (slower)")
    ap.add_argument("--only", action="append", default=[], help="only this doc id (repeatable)")
    ap.add_argument("--workers", type=int, default=2, help="OCR worker processes (as `jixiao extract --workers`)")
    ap.add_argument("--cache-dir", type=Path, default=None,
                    help="one cache directory for every file (default: a fresh empty one per file)")
    ap.add_argument("--warm", action="store_true", help="also time a second run of each file from its filled cache")
    ap.add_argument("--book", type=int, default=0, metavar="N",
                    help="also extract an N-page book built from the golden scanned pages")
    ap.add_argument("--book-only", action="store_true", help="only the book (with --book)")
    ap.add_argument("--max-load", type=float, default=None,
                    help=f"wait for the 1-minute load to drop below this (load_ok is judged against it; default {QUIET_LOAD})")
    ap.add_argument("--wait-load", type=float, default=600.0, help="seconds to wait for --max-load (default 600)")
    ap.add_argument("--peers", action="store_true",
                    help="instead: time jixiao beside the bare table finders on the golden digital PDFs (see PEERS)")
    ap.add_argument("--peer", action="append", choices=PEERS, help="with --peers: only these tools (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="with --peers: rounds (median reported; default 3)")
    ap.add_argument("--peer-book", type=int, default=102, metavar="N",
                    help="with --peers: also one N-page file of the digital pages (0: none; default 102)")
    ap.add_argument("--baseline", type=Path, default=None, metavar="SRC",
                    help="with --peers: also time jixiao imported from this src directory (another checkout)")
    ap.add_argument("--peer-child", nargs="+", metavar=("TOOL", "PDF"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.peer_child:
        print(json.dumps(peer_child(args.peer_child[0], [Path(p) for p in args.peer_child[1:]])))
        return 0
    if not args.golden.is_dir():
        print(f"{args.golden}: golden directory not found", file=sys.stderr)
        return 2
    if args.book_only and args.book < 1:
        print("--book-only needs --book N", file=sys.stderr)
        return 2
    variants = args.variant or list(VARIANT_FILES)
    inputs = [] if args.book_only else find_inputs(args.golden, variants, args.only)
    if not inputs and not args.book:
        print(f"{args.golden}: no {' / '.join(VARIANT_FILES[v] for v in variants)} found", file=sys.stderr)
        return 2
    quiet_below = args.max_load if args.max_load is not None else QUIET_LOAD
    waited = wait_for_quiet(args.max_load, args.wait_load)[1] if args.max_load is not None else 0.0
    load_start = load_avg()
    load_ok = load_start[0] < quiet_below
    print(f"load average at start: {load_start} after waiting {waited:.0f} s"
          + ("" if load_ok else f" — NOT quiet (1-min ≥ {quiet_below}): timings are not comparable"),
          file=sys.stderr, flush=True)
    if args.peers:
        return _main_peers(args, load_start, load_ok, quiet_below)
    files = []
    for doc, variant, path in inputs:
        print(f"{doc} [{variant}] …", file=sys.stderr, flush=True)
        files.append({"doc": doc, "variant": variant, "path": str(path),
                      **bench_file(path, args.llm, args.tracemalloc, cache_dir=args.cache_dir, workers=args.workers,
                                   warm=args.warm)})
    summary = {v: summarize([r for r in files if r["variant"] == v]) for v in variants if any(r["variant"] == v for r in files)}
    book = None
    if args.book:
        print(f"book of {args.book} scanned pages …", file=sys.stderr, flush=True)
        book = bench_book(args.golden, args.book, args.llm, args.workers, args.cache_dir)
        files.append(book)
    load_end = load_avg()
    print_tables(files, summary)
    print(f"load average at start {load_start}, at end {load_end}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"llm": args.llm, "tracemalloc": args.tracemalloc, "python": sys.version.split()[0],
              "workers": args.workers, "cpus": os.cpu_count(), "cache_dir": str(args.cache_dir) if args.cache_dir else None,
              "load_start": load_start, "load_end": load_end, "load_ok": load_ok,
              "quiet_below": quiet_below, "summary": summary, "book": book, "files": files}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {args.out}", file=sys.stderr)
    return 0


def _main_peers(args: argparse.Namespace, load_start: list[float], load_ok: bool, quiet_below: float) -> int:
    peers = bench_peers(args.golden, args.only, args.peer or list(PEERS), args.repeat, args.peer_book, args.baseline)
    load_end = load_avg()
    print_peers(peers)
    print(f"load average at start {load_start}, at end {load_end}", file=sys.stderr)
    out = args.out if args.out != Path("eval/out/bench.json") else Path("eval/out/bench_peers.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": args.repeat,
              "load_start": load_start, "load_end": load_end, "load_ok": load_ok, "quiet_below": quiet_below,
              "peers": peers}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
