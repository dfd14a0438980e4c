"""One file of a batch, and the executors that run a batch's files: in this process, in N
worker processes (``--jobs``), or on a Dask cluster (``--executor dask``).

Every executor runs the same per-file function, ``run_file``: resume check, extraction,
export (each output written atomically by ``jixiao.export``), and a ``FileResult`` for
run.json. Executors yield ``(index, FileResult)`` as files complete, so the CLI streams
progress while run.json keeps the input order. A file whose worker dies is run once more
on a fresh worker, then reported as failed with the reason — never the batch.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jixiao.export import export


@dataclass
class FileResult:
    path: str
    status: str  # ok | failed | skipped
    reason: str = ""
    forms: int = 0
    indicators: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stem: str = ""
    key: str = ""  # resume key: content hash + options + formats (jixiao.runstate)
    peak_rss_mib: float | None = None  # the worker process's peak RSS when it finished this file
    ocr_ranges: list[dict] | None = None  # a split file's OCR page ranges, each run as a task (jixiao.batch_split)


@dataclass
class FileJob:
    """Everything one file's run needs; picklable, so it can travel to a worker or a cluster."""

    path: Path
    stem: str
    out: Path
    fmts: list[str]
    opts: Any  # pipeline.ExtractOptions
    force: bool
    debug: bool
    fingerprint: dict
    previous: dict | None
    timeout: float | None = None  # seconds; the file then runs in a child process killed when over
    max_memory: int | None = None  # MiB of address space for that child (RLIMIT_AS)
    limits: Any = None  # model.limits.Limits in force in the parent (--limit): a worker process installs them
    llm_gate: Any = None  # providers.gate.GateSpec: the run's cap on LLM requests in flight and its LLM budget
    data: bytes | None = None  # the input's bytes, sent to a worker that cannot see ``path`` (--send-bytes)
    source_path: str | None = None  # the path the output names as its source when ``path`` is a worker's copy
    pages: tuple[int, ...] | None = None  # set: only OCR these pages into the cache (jixiao.batch_split)


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def count_flags(doc) -> dict[str, int]:
    from jixiao.export import all_flags_of

    counts = {"error": 0, "warning": 0, "info": 0}
    for fl in list(doc.flags) + [x for f in doc.forms for x in all_flags_of(f)]:
        counts[fl.severity.value] += 1
    return counts


def run_file(job: FileJob) -> FileResult:
    """The per-file function every executor runs (in a child process when the job has limits)."""
    if job.limits is not None:
        from jixiao.model.limits import set_limits

        set_limits(job.limits)
    if job.llm_gate is not None:
        _install_gate(job.llm_gate)
    if job.timeout or job.max_memory:
        return _in_child(job)
    result = _extract_one(job)
    result.peak_rss_mib = peak_rss_mib()
    return result


@contextmanager
def wall_clock(seconds: float) -> Iterator[None]:
    """Raise ``FileOverTime`` in this thread once ``seconds`` have passed (SIGALRM timer).

    Only the main thread of a process receives signals: that is where the CLI, ``--jobs``
    workers and ``--timeout`` children run files. Elsewhere (a Dask worker's thread) the
    budget is not enforced here — bound the worker instead.
    """
    import signal
    import threading

    from jixiao.model.limits import FileOverTime

    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def over(signum: int, frame: Any) -> None:
        raise FileOverTime(seconds)

    previous = signal.signal(signal.SIGALRM, over)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cap_memory(mib: int | None) -> None:
    """Cap this process's address space (a worker's, never the CLI's own)."""
    import resource

    if mib:
        cap = int(mib) * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _worker_init(memory_mib: int | None, gate: Any = None, slots: Any = None) -> None:
    """A ``--jobs`` worker starts: its address-space cap, then the run's LLM gate."""
    cap_memory(memory_mib)
    if gate is not None:
        _install_gate(gate, slots)


def _install_gate(spec: Any, slots: Any = None) -> None:
    """This process's LLM gate for the run (a no-op when it is already the run's)."""
    from jixiao.providers import gate

    if slots is not None or gate.installed() != spec:
        gate.install(spec, slots)


def _extract_one(job: FileJob) -> FileResult:
    if job.pages is not None:  # one page range of a split file: warm the OCR cache, no output
        from jixiao.batch_split import warm_pages

        return warm_pages(job)
    from jixiao import runstate
    from jixiao.ingest import file_sha256
    from jixiao.model.limits import FileOverTime, LimitExceeded, limits
    from jixiao.model.source import IngestError
    from jixiao.pipeline import extract_file

    t0 = time.perf_counter()
    path, stem = job.path, job.stem
    key = ""

    def failed(reason: str) -> FileResult:
        return FileResult(path=str(path), status="failed", reason=reason, seconds=round(time.perf_counter() - t0, 3),
                          stem=stem, key=key)

    try:
        sha = file_sha256(path)
        key = runstate.resume_key(sha, job.fingerprint, job.fmts)
        if not job.force and runstate.up_to_date(job.previous, key):
            return FileResult(path=str(path), status="skipped", stem=stem, key=key,
                              outputs=list(job.previous.get("outputs") or []),
                              reason="up to date (same content, options and formats); --force to redo")
        with wall_clock(limits().max_file_seconds):
            doc = extract_file(path, job.opts)
        doc.doc_id = stem
        if job.source_path and doc.source is not None:
            doc.source.path = job.source_path
        written = export(doc, job.out, job.fmts, stem=stem)
    except FileOverTime as exc:
        return failed(str(exc))
    except IngestError as exc:
        return failed(exc.reason)
    except LimitExceeded as exc:
        return failed(str(exc))
    except MemoryError:
        return failed("out of memory (raise --limit worker_memory=MIB or --max-memory?)")
    except Exception as exc:  # one bad file never sinks a batch
        if job.debug:
            traceback.print_exc()
        return failed(f"internal error: {type(exc).__name__}: {exc}")
    reason = ""
    if not doc.forms:
        reason = "; ".join(f.message for f in doc.flags if f.severity.value == "error") or "no form found"
    return FileResult(path=str(path), status="ok", reason=reason, forms=len(doc.forms),
                      indicators=sum(len(f.indicators) for f in doc.forms), flags=count_flags(doc),
                      outputs=[str(p) for p in written], seconds=round(time.perf_counter() - t0, 3), stem=stem, key=key)


def _child_main(job: FileJob, conn) -> None:
    """Child process: apply the memory limit, extract one file, send the FileResult back."""
    from jixiao.model.limits import limits

    cap_memory(job.max_memory or limits().max_worker_memory)
    try:
        result = _extract_one(job)
        result.peak_rss_mib = peak_rss_mib()
        conn.send(result)
    except BaseException as exc:  # noqa: BLE001 — report, never hang the parent
        conn.send(FileResult(path=str(job.path), status="failed", stem=job.stem,
                             reason=f"worker error: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _in_child(job: FileJob) -> FileResult:
    """Run one file in a forked child; a child over its time is killed and reported."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    t0 = time.perf_counter()
    proc = ctx.Process(target=_child_main, args=(job, send), daemon=True)
    proc.start()
    send.close()
    result = None
    if recv.poll(job.timeout):
        try:
            result = recv.recv()
        except (EOFError, OSError):
            result = None
    proc.join(1)
    if proc.is_alive():
        proc.kill()
        proc.join()
    seconds = round(time.perf_counter() - t0, 3)
    if result is not None:
        return result
    if job.timeout and seconds >= job.timeout:
        reason = f"killed after {job.timeout:g} s (--timeout)"
    elif proc.exitcode and proc.exitcode < 0:
        reason = f"worker killed by signal {-proc.exitcode}" + (" (--max-memory?)" if job.max_memory else "")
    else:
        reason = f"worker ended without a result (exit code {proc.exitcode})"
    return FileResult(path=str(job.path), status="failed", reason=reason, seconds=seconds, stem=job.stem)


@contextmanager
def received_input(data: bytes, name: str) -> Iterator[Path]:
    """A worker's private copy of an input that reached it as bytes: ``<tmp>/in/<name>``.

    The readers pick the format by suffix and content, so the copy keeps the input's own
    name; the folder (with anything written beside it) is removed afterwards. Used by
    ``run_file_remote`` (``extract --send-bytes``) and by the service's Dask dispatcher
    (``serve/worker.py: run_job_remote``), whose inputs live on the server's disk only.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="jixiao-remote-") as tmp:
        src = Path(tmp) / "in" / Path(name).name
        src.parent.mkdir()
        src.write_bytes(data)
        yield src


def run_file_remote(job: FileJob) -> tuple[FileResult, dict[str, bytes]]:
    """``run_file`` on a worker that shares no disk with the client (``--send-bytes``).

    The input arrives as ``job.data``; it is written to a private temporary folder under its
    own name (the reader picks the format by suffix and content), extracted and exported there,
    and the outputs travel back as bytes for the client to write into OUT. The client has
    already checked resume against its own OUT, so the worker always extracts.
    """
    import dataclasses

    with received_input(job.data or b"", job.path.name) as src:
        out = src.parent.parent / "out"
        out.mkdir()
        local = dataclasses.replace(job, path=src, out=out, data=None, previous=None, force=True,
                                    source_path=str(job.path))
        result = run_file(local)
        # every file the export wrote (a CSV export writes companions beside the file it names)
        payload = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
    result.path, result.outputs = str(job.path), [Path(p).name for p in result.outputs]
    if result.reason.startswith(str(src)):
        result.reason = str(job.path) + result.reason[len(str(src)):]
    return result, payload


def _send(job: FileJob) -> FileJob | FileResult:
    """The job with its input's bytes, or the ``skipped`` result when OUT is already up to date."""
    import dataclasses

    from jixiao import runstate
    from jixiao.ingest import file_sha256

    try:
        key = runstate.resume_key(file_sha256(job.path), job.fingerprint, job.fmts)
        if not job.force and runstate.up_to_date(job.previous, key):
            return FileResult(path=str(job.path), status="skipped", stem=job.stem, key=key,
                              outputs=list(job.previous.get("outputs") or []),
                              reason="up to date (same content, options and formats); --force to redo")
        return dataclasses.replace(job, data=job.path.read_bytes())
    except OSError as exc:
        return FileResult(path=str(job.path), status="failed", stem=job.stem,
                          reason=f"cannot read: {exc.strerror or exc}")


def _receive(job: FileJob, result: FileResult, payload: dict[str, bytes]) -> FileResult:
    """Write a remote file's outputs into OUT (atomically, as a local export does)."""
    from jixiao.runstate import atomic_write

    for name, data in payload.items():
        atomic_write(job.out / Path(name).name, data)
    result.outputs = [str(job.out / name) for name in result.outputs]
    return result


# ---------------------------------------------------------------------------------------
# executors


class Executor(Protocol):
    """Runs ``run_file`` over jobs; yields ``(index, result)`` in completion order."""

    def run(self, jobs: Sequence[FileJob]) -> Iterator[tuple[int, FileResult]]: ...


def died(job: FileJob, why: str) -> FileResult:
    return FileResult(path=str(job.path), status="failed", stem=job.stem,
                      reason=f"worker lost on this file after a retry ({why}); the rest of the batch went on")


class SerialExecutor:
    """In this process, one file after another (``--jobs 1``)."""

    def run(self, jobs: Sequence[FileJob]) -> Iterator[tuple[int, FileResult]]:
        for i, job in enumerate(jobs):
            yield i, run_file(job)


class ProcessExecutor:
    """``n`` worker processes on this machine (``--jobs N``).

    Workers are started with ``forkserver``: a clean interpreter per worker, never a fork of
    a parent holding threads (OCR engines, the progress bar). A worker that dies (the
    kernel's OOM killer, a segfault in a native library) breaks the whole pool, so every file
    in flight fails with it; those files are run again each in a child of its own, where the
    culprit dies alone and is reported, and the others complete.
    """

    def __init__(self, n: int, gate: Any = None) -> None:
        self.n, self.gate = max(1, n), gate

    def run(self, jobs: Sequence[FileJob]) -> Iterator[tuple[int, FileResult]]:
        import multiprocessing as mp
        from concurrent.futures import as_completed, ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        retry: list[int] = []
        ctx = mp.get_context("forkserver")
        slots = None
        if self.gate is not None:  # one semaphore for the run's LLM requests, inherited by every worker
            slots = ctx.BoundedSemaphore(self.gate.slots)
            _install_gate(self.gate, slots)  # and the parent's, for files rerun in a child of their own
        memory = getattr(jobs[0].limits, "max_worker_memory", None) if jobs else None
        pool = ProcessPoolExecutor(max_workers=min(self.n, len(jobs)), mp_context=ctx, initializer=_worker_init,
                                   initargs=(memory, self.gate, slots))
        try:
            futures = {pool.submit(run_file, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                try:
                    yield futures[fut], fut.result()
                except BrokenProcessPool:
                    retry.append(futures[fut])
        finally:
            pool.shutdown(wait=not retry, cancel_futures=True)
        for i in sorted(retry):
            result = _in_child(jobs[i])
            if result.status == "failed" and "worker" in result.reason:
                result.reason = f"{result.reason}; its worker process died twice on this file, the rest of the batch went on"
            yield i, result


class DaskExecutor:
    """The same ``run_file`` on a Dask cluster (``--executor dask``; the ``[cluster]`` extra).

    ``scheduler`` is ``tcp://HOST:8786`` of a running ``dask scheduler``; None starts a
    ``LocalCluster`` of ``n`` single-threaded worker processes. Inputs and OUT are on a path
    every worker sees (a shared disk), outputs written atomically by the worker that
    extracted them — or, with ``send_bytes``, each input travels to its worker as bytes and
    its outputs come back to be written here (``run_file_remote``). Results stream back as
    they complete. ``retries=1``: a file whose
    worker dies is run once more elsewhere, then reported.
    """

    def __init__(self, n: int, scheduler: str | None = None, send_bytes: bool = False) -> None:
        self.n, self.scheduler, self.send_bytes = max(1, n), scheduler, send_bytes

    @contextmanager
    def session(self, allowed_failures: int | None = None) -> Iterator[Any]:
        """A ``distributed.Client`` of the cluster, closed afterwards (with the LocalCluster it started).

        ``allowed_failures`` sets the LocalCluster's ``distributed.scheduler.allowed-failures``
        (how many worker deaths a task survives before ``KilledWorker``); a remote scheduler
        keeps its own setting. Shared by ``run`` and the service's dispatcher (``serve/dispatch.py``).
        """
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise RuntimeError("--executor dask needs the cluster extra: pip install 'jixiao[cluster]'") from exc
        cluster = None
        if self.scheduler is None:
            config = {} if allowed_failures is None else {"distributed.scheduler.allowed-failures": allowed_failures}
            with dask.config.set(config):
                cluster = LocalCluster(n_workers=self.n, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster if cluster is not None else self.scheduler)
        try:
            yield client
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    @staticmethod
    def submit(client: Any, fn: Any, *args: Any, key: str, retries: int = 1) -> Any:
        """One document's task: never cached by its arguments (``pure=False``), run again on a
        fresh worker ``retries`` times when its worker dies."""
        return client.submit(fn, *args, key=key, retries=retries, pure=False)

    def run(self, jobs: Sequence[FileJob]) -> Iterator[tuple[int, FileResult]]:
        with self.session() as client:  # says what is missing when the cluster extra is not installed
            from distributed import as_completed

            futures = {}
            for i, job in enumerate(jobs):
                task: FileJob | FileResult = _send(job) if self.send_bytes else job
                if isinstance(task, FileResult):
                    yield i, task
                    continue
                fn = run_file_remote if self.send_bytes else run_file
                futures[self.submit(client, fn, task, key=f"jixiao-{i}-{job.stem}")] = i
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    answer = fut.result()
                    yield i, _receive(jobs[i], *answer) if self.send_bytes else answer
                except Exception as exc:  # noqa: BLE001 — KilledWorker after the retry, or a lost worker
                    yield i, died(jobs[i], f"{type(exc).__name__}: {exc}")


def make_executor(kind: str, jobs: int, scheduler: str | None = None, gate: Any = None,
                  send_bytes: bool = False) -> Executor:
    """``local`` with ``jobs`` ≤ 1: this process; ``local``: N processes; ``dask``: a cluster.

    ``gate`` (a ``providers.gate.GateSpec``) is the run's LLM gate: installed here for a
    serial run, handed to the workers' initializer for N processes; on Dask each job carries
    it and names the cluster-wide semaphore.
    """
    if kind == "dask":
        return DaskExecutor(jobs, scheduler, send_bytes)
    if kind != "local":
        raise ValueError(f"unknown executor {kind!r}: local or dask")
    if jobs <= 1:
        if gate is not None:
            _install_gate(gate)
        return SerialExecutor()
    return ProcessExecutor(jobs, gate)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
