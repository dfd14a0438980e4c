"""Speed benchmark of extraction on the golden PDFs (a benchmark, not a test).

    python eval/bench.py [--golden golden] [--variant digital|scanned ...] [--llm off]
                         [--out eval/out/bench.json] [--tracemalloc] [--only DOC_ID ...]

Times ``jixiao.pipeline.extract_file`` on every ``golden/<doc_id>/<variant>.pdf`` and
reports, per variant: pages/s (median over files), s/page (median; the number that
matters for scanned pages, where OCR dominates), total time, and peak memory.

Memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is the process's high-water mark, so
a file's figure includes everything before it (imports, OCR models loaded by the first
scanned file) — the per-variant figure is the peak of the whole run so far. With
``--tracemalloc`` the Python-heap peak of each file alone is reported too (it slows the
run, so timings taken with it are not comparable with timings taken without).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

VARIANT_FILES = {"digital": "digital.pdf", "scanned": "scanned.pdf"}


def page_count(path: Path) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return doc.page_count


def peak_rss_mb() -> float:
    """Process peak RSS in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


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


def bench_file(path: Path, llm: str, use_tracemalloc: bool) -> dict[str, Any]:
    from jixiao.pipeline import ExtractOptions, extract_file  # the thing being measured

    pages = page_count(path)
    if use_tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    error = None
    try:
        extract_file(path, ExtractOptions(llm=llm))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - a benchmark reports failures and goes on
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    heap = None
    if use_tracemalloc:
        heap = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    return {
        "pages": pages,
        "seconds": seconds,
        "pages_per_s": pages / seconds if seconds > 0 else None,
        "s_per_page": seconds / pages if pages else None,
        "peak_rss_mb": peak_rss_mb(),
        "tracemalloc_peak_mb": heap,
        "error": error,
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if not r["error"] and r["pages_per_s"]]
    return {
        "files": len(rows),
        "failed": len(rows) - len(ok),
        "pages": sum(r["pages"] for r in ok),
        "seconds": sum(r["seconds"] for r in ok),
        "median_pages_per_s": statistics.median(r["pages_per_s"] for r in ok) if ok else None,
        "median_s_per_page": statistics.median(r["s_per_page"] for r in ok) if ok else None,
        "peak_rss_mb": max((r["peak_rss_mb"] for r in rows), default=None),
    }


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def print_tables(files: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title="extraction per file")
    for col in ("doc", "variant", "pages", "s", "pages/s", "s/page", "peak RSS MiB", "heap MiB", "error"):
        t.add_column(col)
    for r in files:
        t.add_row(r["doc"], r["variant"], str(r["pages"]), _fmt(r["seconds"]), _fmt(r["pages_per_s"]),
                  _fmt(r["s_per_page"]), _fmt(r["peak_rss_mb"], ".0f"), _fmt(r["tracemalloc_peak_mb"], ".1f"),
                  r["error"] or "")
    console.print(t)
    s = Table(title="per variant (medians over files)")
    for col in ("variant", "files", "failed", "pages", "total s", "pages/s", "s/page", "peak RSS MiB"):
        s.add_column(col)
    for v, m in summary.items():
        s.add_row(v, str(m["files"]), str(m["failed"]), str(m["pages"]), _fmt(m["seconds"]),
                  _fmt(m["median_pages_per_s"]), _fmt(m["median_s_per_page"]), _fmt(m["peak_rss_mb"], ".0f"))
    console.print(s)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", type=Path, default=Path("golden"))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANT_FILES), help="repeatable; default both")
    ap.add_argument("--llm", default="off", choices=["off", "fallback", "full"])
    ap.add_argument("--out", type=Path, default=Path("eval/out/bench.json"))
    ap.add_argument("--tracemalloc", action="store_true", help="also measure each file's Python-heap peak (slower)")
    ap.add_argument("--only", action="append", default=[], help="only this doc id (repeatable)")
    args = ap.parse_args(argv)
    if not args.golden.is_dir():
        print(f"{args.golden}: golden directory not found", file=sys.stderr)
        return 2
    variants = args.variant or list(VARIANT_FILES)
    inputs = find_inputs(args.golden, variants, args.only)
    if not inputs:
        print(f"{args.golden}: no {' / '.join(VARIANT_FILES[v] for v in variants)} found", file=sys.stderr)
        return 2
    files = []
    for doc, variant, path in inputs:
        print(f"{doc} [{variant}] …", file=sys.stderr, flush=True)
        files.append({"doc": doc, "variant": variant, "path": str(path), **bench_file(path, args.llm, args.tracemalloc)})
    summary = {v: summarize([r for r in files if r["variant"] == v]) for v in variants if any(r["variant"] == v for r in files)}
    print_tables(files, summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"llm": args.llm, "tracemalloc": args.tracemalloc, "python": sys.version.split()[0],
              "summary": summary, "files": files}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
