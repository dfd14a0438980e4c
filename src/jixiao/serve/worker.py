"""Worker processes: each pulls jobs from the SQLite queue and runs the one pipeline.

Started with the ``spawn`` context (no fork of the API's threads and sockets). A worker whose
server died exits by itself (its parent pid changes), and its late result is refused by the
store because the restarted server requeued the job with a new claim.

With ``jixiao serve --executor dask`` the server runs no worker processes of its own: its
dispatcher (``serve/dispatch.py``) sends each claimed job to a Dask worker as ``run_job_remote``,
the same ``job_outcome`` on a private copy of the stored input.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

POLL_S = 0.3


def upload_doc_id(sha256: str) -> str:
    """The document id of an upload: from its content hash, never from its file name."""
    return f"up_{sha256[:12]}"


def run_job(path: Path, options: dict, cache_dir: Path | None, name: str | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> str:
    """Extract one stored input exactly as ``jixiao extract`` does; the v1 JSON with provenance."""
    from jixiao.model.modes import LlmMode, OcrMode
    from jixiao.pipeline import ExtractOptions, extract_file

    opts = ExtractOptions(llm=LlmMode(options.get("llm", "off")), ocr=OcrMode(options.get("ocr", "auto")),
                          cache_dir=cache_dir, workers=1, progress=progress)
    doc = extract_file(path, opts)
    doc.doc_id = upload_doc_id(path.stem)
    if doc.source is not None and name:
        doc.source.path = name  # shown to people; the stored file is named by hash
    return doc.to_json()


def job_outcome(path: Path, options: dict, cache_dir: Path | None, name: str | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> tuple[str | None, str | None]:
    """``(result, None)`` or ``(None, reason)``: one document's failure fails its job, never the worker."""
    try:
        return run_job(path, options, cache_dir, name, progress), None
    except Exception as exc:  # noqa: BLE001 — any failure of one document
        traceback.print_exc()
        return None, f"{type(exc).__name__}: {exc}"


PROGRESS_TOPIC = "jixiao-serve-progress"


@dataclass
class RemoteJob:
    """One claimed job as it travels to a Dask worker: the input's bytes and what the result needs."""

    id: str
    claim: str
    blob_name: str  # ``<sha256><suffix>``: the doc_id comes from it, as on a local worker
    shown: str  # the stored input's path on the server: what a failure's reason names
    options: dict
    cache_dir: str | None
    name: str | None  # the uploaded name, shown as the result's source path
    data: bytes = field(repr=False, default=b"")


def run_job_remote(job: RemoteJob) -> tuple[str | None, str | None]:
    """One job on a Dask worker that cannot see the server's disk (``serve --executor dask``).

    The stored input arrives as bytes and is extracted from a private copy under its blob name
    (``batch.received_input``, as ``extract --send-bytes`` does), so the result is the one a
    local worker writes, and a reason naming the copy names the stored input instead. Progress
    goes to the server as Dask events (topic ``PROGRESS_TOPIC``) carrying the job's claim; the
    server writes it only while that claim holds.
    """
    from jixiao.batch import received_input

    def progress(stage: str, done: int, total: int) -> None:
        try:
            from distributed import get_worker

            get_worker().log_event(PROGRESS_TOPIC, {"job": job.id, "claim": job.claim, "stage": stage,
                                                    "done": done, "total": total})
        except Exception:  # noqa: BLE001 — not on a Dask worker, or the scheduler is away: no progress
            pass

    with received_input(job.data, job.blob_name) as path:
        result, error = job_outcome(path, job.options, Path(job.cache_dir) if job.cache_dir else None, job.name,
                                    progress)
    if error is not None:
        error = error.replace(str(path), job.shown)
    return result, error


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(3)  # the server is gone: stop at once, the job is requeued on restart
        time.sleep(0.5)


def worker_main(data_dir: str, cache_dir: str | None, parent: int, stop_when_idle: bool = False,
                memory_mib: int | None = None) -> None:
    """The loop of one worker process (also callable inline by tests with ``stop_when_idle``).

    ``memory_mib`` caps the process's address space first (as ``jixiao extract --jobs`` workers
    are capped): an allocation past it raises ``MemoryError`` inside the job, which fails that
    job alone; a reader that dies of it instead is seen by the supervisor and its job failed.
    """
    from jixiao.batch import cap_memory
    from jixiao.serve.store import Store

    cap_memory(memory_mib)

    if not stop_when_idle:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    store = Store(Path(data_dir))
    cache = Path(cache_dir) if cache_dir else None
    pid = os.getpid()
    while True:
        job = store.claim_next(pid)
        if job is None:
            if stop_when_idle:
                return
            time.sleep(POLL_S)
            continue
        name = (store.get(job.id, with_result=False) or {}).get("name")

        def progress(stage: str, done: int, total: int, job=job) -> None:
            store.set_progress(job.id, job.claim, stage, done, total)

        result, error = job_outcome(job.path, job.options, cache, name, progress)
        store.finish(job.id, job.claim, result, error)


class WorkerPool:
    """N worker processes, a supervisor thread that enforces the job timeout and restarts workers."""

    def __init__(self, data_dir: Path, cache_dir: Path | None, n: int, job_timeout_s: float,
                 memory_mib: int | None = None) -> None:
        self.data_dir, self.cache_dir, self.n, self.timeout = data_dir, cache_dir, n, job_timeout_s
        self.memory_mib = memory_mib
        self.ctx = mp.get_context("spawn")
        self.procs: list[mp.Process] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spawn(self) -> mp.Process:
        p = self.ctx.Process(target=worker_main, args=(str(self.data_dir), str(self.cache_dir) if self.cache_dir else None,
                                                       os.getpid(), False, self.memory_mib),
                             daemon=True, name="jixiao-worker")
        p.start()
        return p

    def start(self) -> None:
        self.procs = [self._spawn() for _ in range(self.n)]
        self._thread = threading.Thread(target=self._supervise, daemon=True, name="jixiao-supervisor")
        self._thread.start()

    def _supervise(self) -> None:
        from jixiao.serve.store import Store

        store = Store(self.data_dir)
        while not self._stop.wait(1.0):
            now = time.time()
            by_pid = {p.pid: p for p in self.procs}
            for job in store.running():
                proc = by_pid.get(job["worker_pid"])
                if proc is not None and job["started"] and now - job["started"] > self.timeout:
                    proc.kill()
                    proc.join(5)
                    store.fail_stuck(job["id"], f"timeout: extraction ran longer than {self.timeout:g} s")
                elif proc is not None and not proc.is_alive():
                    store.fail_stuck(job["id"], f"the worker process died (exit code {proc.exitcode})")
            self.procs = [p if p.is_alive() else self._spawn() for p in self.procs]
        store.close()

    def stop(self) -> None:
        self._stop.set()
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.join(5)
