"""One root for every error jixiao raises on purpose.

A caller (the CLI, a service, a batch job) can catch :class:`JixiaoError` to tell "the
input or the configuration is wrong, here is why" from a bug. Each stage keeps its own
subclass where it is raised (``IngestError``, ``EvalError``, ``LlmError``, …); the ones
that also subclass a builtin (``ValueError``, ``ImportError``) keep that base so existing
``except`` clauses still catch them.
"""

from __future__ import annotations


class JixiaoError(Exception):
    """Base class of every error jixiao raises deliberately (bad input, missing extra, config)."""


class JixiaoInterrupt(BaseException):
    """Root of jixiao's interrupts: a budget that stops a file's work. Not an ``Exception`` on
    purpose, so the stages' ``except Exception`` handlers (one bad page never sinks a
    document) cannot swallow it; only the per-file runner (``jixiao.batch``) catches it."""
