"""``jixiao serve --executor dask``: the server's queue handed to a Dask cluster.

One dispatcher thread in the server claims queued jobs from the store (no more than the
cluster has worker threads, so "running" means running) and submits each to Dask through the
batch executor's own session and submit (``batch.DaskExecutor``). The stored input travels
as bytes — blobs live on the server's disk only — and the v1 JSON comes back to be written
by the server under the job's claim (``worker.run_job_remote``). The rules of the local worker
pool hold: a job past the timeout is failed and its worker restarted; a job whose worker dies
is sent once more, then failed with the reason; what a stopped server left queued or running
is picked up on restart (``Store.requeue_running``).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.serve.store import Claimed, Store
from jixiao.serve.worker import PROGRESS_TOPIC, POLL_S, RemoteJob, run_job_remote

TRIES = 2  # a job whose worker dies is sent once more, then failed


@dataclass
class Flight:
    """A claimed job on the cluster."""

    job: Claimed
    remote: RemoteJob
    future: Any  # None while a retry waits for a free worker thread
    started: float
    tries: int = 1


class DaskDispatcher:
    """Feeds the store's queue to a Dask cluster; the lifecycle of ``WorkerPool`` (start, stop).

    ``scheduler``: ``tcp://HOST:8786`` of a running scheduler; None starts a LocalCluster of
    ``n`` single-threaded worker processes here. ``task`` is the function each job runs on a
    worker (``run_job_remote``; tests substitute one that kills its worker).
    """

    def __init__(self, data_dir: Path, cache_dir: Path | None, n: int, job_timeout_s: float,
                 scheduler: str | None = None, task: Callable[[RemoteJob], Any] = run_job_remote) -> None:
        self.data_dir, self.cache_dir, self.timeout, self.task = data_dir, cache_dir, job_timeout_s, task
        from jixiao.batch import DaskExecutor

        self.executor = DaskExecutor(n, scheduler)
        self.flights: dict[str, Flight] = {}
        self._stop = threading.Event()
        self._exit = ExitStack()
        self._thread: threading.Thread | None = None
        self.client: Any = None
        self.store: Store | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Connect (or start the LocalCluster), then dispatch in a thread of this process."""
        # a worker death surfaces at once (KilledWorker); the one retry is this dispatcher's
        try:
            self.client = self._exit.enter_context(self.executor.session(allowed_failures=0))
        except OSError as exc:
            raise RuntimeError(f"cannot reach the Dask scheduler {self.executor.scheduler}: {exc}") from exc
        self.store = Store(self.data_dir)
        self.client.subscribe_topic(PROGRESS_TOPIC, self._on_progress)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="jixiao-dask-dispatcher")
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching; jobs still on the cluster stay ``running`` and are requeued on restart."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for flight in self.flights.values():
            if flight.future is not None:
                flight.future.cancel()
        self._exit.close()
        if self.store is not None:
            self.store.close()

    # -- the loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            if self.client.status != "running":  # the scheduler is away: the client reconnects by itself
                continue
            try:
                self._collect()
                self._enforce_timeout()
                self._fill()
            except Exception:  # noqa: BLE001 — a scheduler hiccup must not end dispatching
                import traceback

                traceback.print_exc()

    def capacity(self) -> int:
        """The cluster's worker threads now (at least 1: a job waits for a worker to join)."""
        return max(1, sum(self.client.nthreads().values()))

    def _fill(self) -> None:
        """Retries first, then new claims — never more tasks on the cluster than worker threads.

        Dask counts a worker's death against every task it held, running or waiting; with one
        task per thread, a death is charged only to the document that was running there.
        """
        assert self.store is not None
        cap = self.capacity()
        for flight in self.flights.values():
            if flight.future is None and self._on_cluster() < cap:
                flight.future = self._submit(flight.remote)
        while len(self.flights) < cap and not self._stop.is_set():
            job = self.store.claim_next(os.getpid())
            if job is None:
                return
            name = (self.store.get(job.id, with_result=False) or {}).get("name")
            try:
                data = job.path.read_bytes()
            except OSError as exc:  # the blob went missing from the data dir: this job fails, not the loop
                self.store.finish(job.id, job.claim, None, f"the stored input {job.path} cannot be read: {exc}")
                continue
            remote = RemoteJob(id=job.id, claim=job.claim, blob_name=job.path.name, shown=str(job.path),
                               options=job.options, cache_dir=str(self.cache_dir) if self.cache_dir else None,
                               name=name, data=data)
            self.flights[job.id] = Flight(job, remote, self._submit(remote), time.time())

    def _on_cluster(self) -> int:
        return sum(1 for f in self.flights.values() if f.future is not None)

    def _submit(self, remote: RemoteJob) -> Any:
        key = f"jixiao-serve-{remote.id}-{uuid.uuid4().hex[:8]}"  # a fresh key per try
        return self.executor.submit(self.client, self.task, remote, key=key, retries=0)

    def _collect(self) -> None:
        assert self.store is not None
        for job_id, flight in list(self.flights.items()):
            fut = flight.future
            if fut is None or not fut.done():
                continue
            if fut.status == "finished":
                result, error = fut.result()
                self.store.finish(job_id, flight.job.claim, result, error)
                del self.flights[job_id]
                continue
            why = self._why(fut)
            if flight.tries < TRIES:  # its worker died (or was lost): once more, when a thread is free
                flight.tries += 1
                flight.future = None
                continue
            self.store.finish(job_id, flight.job.claim, None,
                              f"the Dask worker running this document was lost {flight.tries} times ({why})")
            del self.flights[job_id]

    @staticmethod
    def _why(fut: Any) -> str:
        try:
            exc = fut.exception()
        except Exception as err:  # noqa: BLE001 — a cancelled future raises here
            exc = err
        return f"{type(exc).__name__}: {exc}"

    def _enforce_timeout(self) -> None:
        assert self.store is not None
        now = time.time()
        for job_id, flight in list(self.flights.items()):
            if now - flight.started <= self.timeout:
                continue
            busy = []
            if flight.future is not None:
                busy = [addr for addr, keys in self.client.processing().items() if flight.future.key in keys]
                flight.future.cancel()
            if busy:  # the thread cannot be stopped: restart its worker process (a nanny brings it back)
                try:
                    self.client.restart_workers(busy, timeout=60)
                except Exception:  # noqa: BLE001 — a worker without a nanny: it finishes and is ignored
                    pass
            self.store.fail_stuck(job_id, f"timeout: extraction ran longer than {self.timeout:g} s")
            del self.flights[job_id]

    def _on_progress(self, event: Any) -> None:
        """A worker's progress event (on the client's event loop): written while the claim holds."""
        msg = event[1] if isinstance(event, tuple) else event
        if isinstance(msg, dict) and self.store is not None:
            self.store.set_progress(str(msg.get("job")), str(msg.get("claim")), str(msg.get("stage")),
                                    int(msg.get("done") or 0), int(msg.get("total") or 0))
