"""Load run for ``jixiao serve`` (issue 13; a measurement, not a test).

Starts a real server on a free loopback port, sends N uploads at once from N client
threads (golden inputs: PDFs from every producer, DOCX, XLSX, HTML, text — scans only with
--with-scanned), and while the workers extract, polls ``GET /v1/documents/{id}`` and
``/healthz`` to measure API latency. Reports: every job's final status, documents per
minute (first upload → last job done), p50/p95 API latency during extraction, upload
latency, and the peak RSS of the server's whole process tree (sampled from /proc).

    PYTHONPATH=src python eval/serve_load.py --n 50 --workers 2 [--with-scanned --cold-cache] [--out eval/out/serve_load.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from fakes.serve_process import free_port, start_server, stop_server  # noqa: E402


def inputs(n: int, with_scanned: bool) -> list[Path]:
    names = ["digital.pdf", "form.docx", "form.xlsx", "page.html", "pdf-chromium.pdf", "pdf-wkhtml.pdf",
             "pdf-libreoffice.pdf", "pdf-reportlab.pdf", "source.txt", "text-tsv.txt", "text-lines.txt"]
    if with_scanned:
        names.insert(1, "scanned.pdf")
    found = [p for name in names for p in sorted(ROOT.glob(f"golden/*/{name}"))]
    if len(found) < n:
        raise SystemExit(f"only {len(found)} golden inputs for {n} uploads")
    return found[:n]


def tree_rss(pid: int) -> int:
    """RSS (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(stat[1]), []).append(int(d))
            rss[int(d)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--with-scanned", action="store_true")
    ap.add_argument("--cold-cache", action="store_true", help="an empty OCR/LLM cache (default: the CLI's cache)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    files = inputs(a.n, a.with_scanned)
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-serve-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = ("--cache-dir", str(tmp / "cache")) if a.cold_cache else ()
    proc = start_server(tmp / "data", port, tmp / "server.log", workers=a.workers, extra=extra)
    peak = {"rss": tree_rss(proc.pid)}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak["rss"] = max(peak["rss"], tree_rss(proc.pid))

    threading.Thread(target=sample, daemon=True).start()
    try:
        client = httpx.Client(timeout=120)
        t0 = time.perf_counter()

        def up(p: Path) -> tuple[str, float]:
            s = time.perf_counter()
            r = client.post(f"{base}/v1/documents", files=[("file", (f"{p.parent.name}-{p.name}", p.read_bytes()))])
            r.raise_for_status()
            return r.json()["documents"][0]["id"], time.perf_counter() - s

        with ThreadPoolExecutor(a.n) as pool:
            ups = list(pool.map(up, files))
        ids = [i for i, _ in ups]
        lat: list[float] = []
        status: dict[str, str] = {}
        while True:
            for job_id in ids:
                if status.get(job_id) in ("done", "failed"):
                    continue
                s = time.perf_counter()
                status[job_id] = client.get(f"{base}/v1/documents/{job_id}").json()["status"]
                lat.append(time.perf_counter() - s)
            s = time.perf_counter()
            client.get(f"{base}/healthz")
            lat.append(time.perf_counter() - s)
            if all(st in ("done", "failed") for st in status.values()) and len(status) == len(ids):
                break
            time.sleep(0.25)
        wall = time.perf_counter() - t0
        jobs = client.get(f"{base}/v1/documents", params={"limit": 1000}).json()["documents"]
    finally:
        stop.set()
        stop_server(proc)
    report = {
        "uploads": a.n, "workers": a.workers, "cpus": os.cpu_count(), "cold_cache": a.cold_cache,
        "kinds": {k: sum(j["kind"] == k for j in jobs) for k in sorted({j["kind"] for j in jobs})},
        "done": sum(j["status"] == "done" for j in jobs), "failed": [(j["name"], j["error"]) for j in jobs
                                                                    if j["status"] == "failed"],
        "attempts_max": max(j["attempts"] for j in jobs),
        "wall_s": round(wall, 1), "docs_per_min": round(60 * a.n / wall, 1),
        "upload_latency_s": {"p50": round(pct([u for _, u in ups], 0.5), 3), "p95": round(pct([u for _, u in ups], 0.95), 3)},
        "api_latency_ms_during_extraction": {"n": len(lat), "p50": round(1000 * pct(lat, 0.5), 1),
                                             "p95": round(1000 * pct(lat, 0.95), 1),
                                             "mean": round(1000 * statistics.fmean(lat), 1)},
        "peak_rss_mb_process_tree": round(peak["rss"] / 2**20),
        "extract_seconds": {"p50": round(pct([j["finished"] - j["started"] for j in jobs if j["finished"]], 0.5), 2),
                            "max": round(max(j["finished"] - j["started"] for j in jobs if j["finished"]), 2)},
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
