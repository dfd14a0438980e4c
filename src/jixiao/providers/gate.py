"""One gate in front of every LLM request of a run: a cap on requests in flight and a
wall-clock budget for the whole run (issue 15).

Why a gate of its own: ``concurrency`` used to bound one document's thread pool, so a
batch with ``--jobs 8`` put eight times that many requests on the endpoint at once, and
``document_budget`` bounded each document but not the run — a thousand files could each
spend their ten minutes. The gate sits in the transport (``openai_compat._send_once``),
so extraction, ``suggest --llm on`` and every retry pass through it.

A run installs one ``GateSpec`` per process (``install``): the CLI for ``--jobs 1``, the
worker initializer for ``--jobs N`` (the semaphore is a ``multiprocessing`` one created by
the parent and inherited by every worker), and ``jixiao.batch.run_file`` on a Dask worker
(a ``distributed.Semaphore`` named after the run, shared through the scheduler). A process
with no gate installed gets a process-local one (``concurrency`` slots, no run budget).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from jixiao.providers.provider import LlmError


class LlmBudgetSpent(LlmError):
    """The run's LLM wall-clock budget is spent: the request is not sent (the rules result stands)."""

    kind = "llm_budget_spent"


class Slots(Protocol):
    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


@dataclass(frozen=True)
class GateSpec:
    """What travels with every file of a run (picklable).

    ``deadline`` is wall-clock (``time.time()``), so it means the same on every worker of a
    cluster; ``run_budget`` is kept only to say it in the error. ``dask_semaphore`` names the
    cluster-wide semaphore when the run is on Dask.
    """

    slots: int = 2
    deadline: float | None = None
    run_budget: float = 0.0
    dask_semaphore: str | None = None


def spec_for_run(concurrency: int, run_budget: float, *, dask_semaphore: str | None = None) -> GateSpec:
    """The gate of a run starting now; ``run_budget`` 0 means no run-wide budget."""
    deadline = time.time() + run_budget if run_budget and run_budget > 0 else None
    return GateSpec(max(1, int(concurrency)), deadline, float(run_budget or 0), dask_semaphore)


class _Gate:
    def __init__(self, spec: GateSpec, slots: Slots, explicit: bool = True) -> None:
        self.spec, self.slots, self.explicit = spec, slots, explicit


_lock = threading.Lock()
_gate: _Gate | None = None


def install(spec: GateSpec, slots: Slots | None = None) -> None:
    """Make ``spec`` this process's gate; ``slots`` is a semaphore shared with other processes."""
    global _gate
    with _lock:
        if slots is None and spec.dask_semaphore:
            slots = _dask_slots(spec)
        _gate = _Gate(spec, slots if slots is not None else threading.BoundedSemaphore(spec.slots))


def uninstall() -> None:
    """End of a run in this process: later library calls get their own gate again."""
    global _gate
    with _lock:
        _gate = None


def installed() -> GateSpec | None:
    return _gate.spec if _gate is not None else None


def _current(default_slots: int) -> _Gate:
    """The run's gate, or this process's own with the caller's ``concurrency`` (a library
    caller or a serve worker: no run around it). Holders release the semaphore they took,
    so replacing the process's own gate when the setting changes is safe."""
    global _gate
    with _lock:
        n = max(1, default_slots)
        if _gate is None or (not _gate.explicit and _gate.spec.slots != n):
            _gate = _Gate(GateSpec(slots=n), threading.BoundedSemaphore(n), explicit=False)
        return _gate


def _dask_slots(spec: GateSpec) -> Slots:
    from distributed import Semaphore

    sem = Semaphore(max_leases=spec.slots, name=spec.dask_semaphore)

    class _Leases:  # distributed's Semaphore has the same acquire/release, with timeout in seconds
        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            return bool(sem.acquire(timeout=timeout if blocking else 0))

        def release(self) -> None:
            sem.release()

    return _Leases()


def remaining() -> float | None:
    """Seconds left of the run's LLM budget (None: no run budget)."""
    gate = _gate
    if gate is None or gate.spec.deadline is None:
        return None
    return gate.spec.deadline - time.time()


def _spent(spec: GateSpec) -> LlmBudgetSpent:
    return LlmBudgetSpent(f"the run's LLM budget of {spec.run_budget:g} s is spent; request not sent "
                          "(raise run_budget in the LLM config or JIXIAO_LLM_RUN_BUDGET)")


@contextmanager
def in_flight(default_slots: int = 2, **ctx: Any) -> Iterator[None]:
    """Hold one of the run's request slots for the duration of one HTTP request.

    Raises ``LlmBudgetSpent`` (with ``ctx``: endpoint, chunk) when the run's budget is spent
    before a slot frees up; waiting for a slot never outlives the budget.
    """
    gate = _current(default_slots)
    spec = gate.spec
    wait = None if spec.deadline is None else spec.deadline - time.time()
    if wait is not None and wait <= 0:
        raise _with(_spent(spec), ctx)
    if not gate.slots.acquire(True, wait):
        raise _with(_spent(spec), ctx)
    try:
        yield
    finally:
        gate.slots.release()


def _with(exc: LlmError, ctx: dict[str, Any]) -> LlmError:
    for k, v in ctx.items():
        if getattr(exc, k, None) is None:
            setattr(exc, k, v)
    return exc
