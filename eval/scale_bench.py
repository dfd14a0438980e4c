"""Batch throughput on one machine and on a Dask cluster (issue 14; a benchmark, not a test).

    python eval/scale_bench.py [--files 1000] [--scanned-share 0.05] [--golden golden]
                               [--runs jobs1,jobs2,dask2] [--work DIR] [--out eval/out/scale.json]
                               [--pages-target 1000000]

Builds a corpus of ``--files`` inputs from the golden set — its digital PDFs, Word, Excel,
HTML and text inputs, and ``--scanned-share`` of scanned PDFs — then runs ``jixiao extract``
over the whole corpus once per setting, each in its own process and with its own empty
OCR/LLM cache and output folder:

* ``jobs1``: ``--jobs 1`` (one process);
* ``jobs2``: ``--jobs 2`` (two worker processes);
* ``dask2``: ``--executor dask --jobs 2`` (a ``LocalCluster`` of two worker processes).

Every copy differs from the others in its bytes (a PDF comment or a faint dot on scanned
pages, a text line) so neither resume nor the OCR cache turns a copy into a hit. Reported
per setting: files/s, pages/s, wall time, the peak RSS of each worker (from run.json) and
the machine's load average before and after. From the measured per-page costs (seconds of
one file's extraction ÷ its pages, medians for digital and scanned) it prints a paper
estimate of 10⁶ pages on N workers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIGITAL = ("digital.pdf", "pdf-chromium.pdf", "pdf-libreoffice.pdf", "pdf-wkhtml.pdf", "pdf-reportlab.pdf")
OTHER = ("form.docx", "form.xlsx", "page.html", "source.txt", "text-lines.txt", "text-pipe.txt")
RUNS = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"], "dask2": ["--executor", "dask", "--jobs", "2"]}


def _pages(path: Path) -> int:
    if path.suffix.lower() != ".pdf":
        return 1
    import pymupdf

    with pymupdf.open(str(path)) as d:
        return d.page_count


def _unique_copy(src: Path, dst: Path, k: int) -> None:
    """A copy whose bytes differ from every other copy, read exactly as the original."""
    suffix = src.suffix.lower()
    if src.name == "scanned.pdf":
        import pymupdf

        with pymupdf.open(str(src)) as d:  # a dot per copy: the rendered page (OCR cache key) differs
            for page in d:
                x, y = 20 + 3 * (k % 150), 3 + 3 * (k // 150)
                page.draw_rect(pymupdf.Rect(x, y, x + 1.5, y + 1.5), color=None, fill=(0.85, 0.85, 0.85))
            d.save(str(dst), garbage=3, deflate=True)
    elif suffix == ".pdf":
        dst.write_bytes(src.read_bytes() + f"\n% copy {k}\n".encode())
    elif suffix in (".txt", ".html"):
        dst.write_bytes(src.read_bytes() + f"\n<!-- copy {k} -->\n".encode() if suffix == ".html"
                        else src.read_bytes() + f"\n（副本 {k}）\n".encode())
    else:  # docx/xlsx: a zip comment changes the bytes, not the package
        import zipfile

        shutil.copyfile(src, dst)
        with zipfile.ZipFile(dst, "a") as z:
            z.comment = f"copy {k}".encode()


def build_corpus(golden: Path, n: int, scanned_share: float, work: Path) -> list[dict[str, Any]]:
    scanned = sorted(golden.glob("*/scanned.pdf"))
    others = sorted(p for d in sorted(golden.iterdir()) if d.is_dir() for p in d.iterdir()
                    if p.name in DIGITAL + OTHER)
    if not others:
        raise SystemExit(f"{golden}: no golden inputs")
    n_scanned = round(n * scanned_share)
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    items = []
    for k in range(n):
        src = scanned[k % len(scanned)] if k < n_scanned and scanned else others[k % len(others)]
        dst = corpus / f"{k:05d}_{src.parent.name}_{src.name}"
        _unique_copy(src, dst, k)
        items.append({"path": str(dst), "kind": "scanned" if src.name == "scanned.pdf" else "digital",
                      "pages": _pages(dst)})
    return items


def run_setting(name: str, corpus: Path, work: Path) -> dict[str, Any]:
    out, cache = work / f"out-{name}", work / f"cache-{name}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    cmd = [sys.executable, "-m", "jixiao.cli", "extract", str(corpus), "-o", str(out), "-f", "json",
           "--cache-dir", str(cache), *RUNS[name]]
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{name}: jixiao extract exited {proc.returncode}\n{proc.stderr[-2000:]}")
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {"name": name, "wall_s": round(wall, 1), "load_before": [round(x, 2) for x in load0],
            "load_after": [round(x, 2) for x in os.getloadavg()], "files": run["files"]}


def summarize(res: dict[str, Any], corpus: list[dict[str, Any]]) -> dict[str, Any]:
    pages = {c["path"]: c for c in corpus}
    ok = [f for f in res["files"] if f["status"] == "ok"]
    n_pages = sum(pages[f["path"]]["pages"] for f in res["files"])
    per_page = {kind: [f["seconds"] / pages[f["path"]]["pages"] for f in ok if pages[f["path"]]["kind"] == kind]
                for kind in ("digital", "scanned")}
    rss = [f.get("peak_rss_mib") for f in res["files"] if f.get("peak_rss_mib")]
    return {"setting": res["name"], "files": len(res["files"]), "ok": len(ok), "pages": n_pages,
            "wall_s": res["wall_s"], "files_per_s": round(len(res["files"]) / res["wall_s"], 2),
            "pages_per_s": round(n_pages / res["wall_s"], 2), "peak_worker_rss_mib": max(rss) if rss else None,
            "s_per_page": {k: round(statistics.median(v), 4) if v else None for k, v in per_page.items()},
            "load_before": res["load_before"], "load_after": res["load_after"]}


def paper_estimate(rows: list[dict[str, Any]], pages_target: int, scanned_share: float) -> list[str]:
    """10⁶ pages on N workers, from one process's measured per-page costs (no speed-up assumed
    beyond N; the measured --jobs 2 efficiency is printed beside it)."""
    base = next((r for r in rows if r["setting"] == "jobs1"), rows[0])
    d, s = base["s_per_page"]["digital"] or 0.0, base["s_per_page"]["scanned"] or 0.0
    cost = pages_target * ((1 - scanned_share) * d + scanned_share * s)
    lines = [f"per page (one process, median): digital {d:.3f} s, scanned {s:.2f} s; "
             f"{pages_target:,} pages with {scanned_share:.0%} scanned = {cost / 3600:,.0f} core-hours"]
    two = next((r for r in rows if r["setting"] == "jobs2"), None)
    if two and base["pages_per_s"]:
        eff = two["pages_per_s"] / (2 * base["pages_per_s"])
        lines.append(f"measured --jobs 2 speed-up {two['pages_per_s'] / base['pages_per_s']:.2f}× "
                     f"(parallel efficiency {eff:.0%} on this machine)")
    for n in (2, 16, 64, 256):
        lines.append(f"  {n:4d} workers: {cost / n / 3600:8.1f} h")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--scanned-share", type=float, default=0.05)
    ap.add_argument("--golden", type=Path, default=ROOT / "golden")
    ap.add_argument("--runs", default="jobs1,jobs2,dask2")
    ap.add_argument("--work", type=Path, default=Path("/tmp/jixiao-scale"))
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "scale.json")
    ap.add_argument("--pages-target", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        ap.error(f"unknown run(s) {unknown}; choose from {sorted(RUNS)}")
    corpus = build_corpus(args.golden, args.files, args.scanned_share, args.work)
    print(f"corpus: {len(corpus)} files, {sum(c['pages'] for c in corpus)} pages "
          f"({sum(c['kind'] == 'scanned' for c in corpus)} scanned files); cpus {os.cpu_count()}", flush=True)
    rows = []
    for name in runs:
        row = summarize(run_setting(name, args.work / "corpus", args.work), corpus)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    print("| setting | files | pages | wall s | files/s | pages/s | peak worker RSS MiB | s/page digital | s/page scanned | load before→after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['files']} ({r['ok']} ok) | {r['pages']} | {r['wall_s']} | {r['files_per_s']} | "
              f"{r['pages_per_s']} | {r['peak_worker_rss_mib']} | {r['s_per_page']['digital']} | "
              f"{r['s_per_page']['scanned']} | {r['load_before'][0]}→{r['load_after'][0]} |")
    for line in paper_estimate(rows, args.pages_target, args.scanned_share):
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "argv": sys.argv[1:]}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
