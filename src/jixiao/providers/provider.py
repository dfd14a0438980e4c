"""The small interface between the extractor and any LLM endpoint.

The core (``jixiao.extract.llm.run``, chunking, grounding, cache) only ever talks to a
:class:`Provider`; the openai/instructor implementation lives in
``jixiao.providers.openai_compat`` and is imported lazily, so the core never needs the
``[llm]`` extra installed (enforced by tests/test_layering.py).

Errors carry their context (endpoint, model, chunk id, attempt, a snippet of the raw
output) because an LLM failure seen in a run log is useless without knowing *which*
request, against *what*, produced *what*.
"""

from __future__ import annotations

from jixiao.model.errors import JixiaoError

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

RAW_SNIPPET_CHARS = 300  # enough to recognise an echo / loop / refusal, short enough for a flag


@dataclass
class Usage:
    """Tokens spent by one structured call, summed over transport retries and re-asks."""

    tokens_in: int = 0
    tokens_out: int = 0
    requests: int = 0  # HTTP requests actually sent (retries and re-asks included)

    def add(self, other: Usage) -> None:
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.requests += other.requests


def snippet(text: str | None, limit: int = RAW_SNIPPET_CHARS) -> str | None:
    """First ``limit`` characters of a raw model output, marked when cut."""
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


class LlmError(JixiaoError):
    """Base of every LLM failure; ``str()`` names what failed and where."""

    kind = "llm_error"

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        model: str | None = None,
        chunk_id: str | None = None,
        attempt: int | None = None,
        raw: str | None = None,
        usage: Usage | None = None,
    ):
        from jixiao.providers.secrets import scrub

        super().__init__(scrub(message))
        self.message = message
        self.endpoint = endpoint
        self.model = model
        self.chunk_id = chunk_id
        self.attempt = attempt
        self.raw = snippet(raw)
        self.usage = usage or Usage()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("message", "raw", "endpoint") and isinstance(value, str):
            from jixiao.providers.secrets import scrub

            value = scrub(value)  # an error body may echo the Authorization header
        super().__setattr__(name, value)

    def context(self) -> dict[str, Any]:
        """The error as a flat dict, for a Flag's evidence or a stats entry (secrets scrubbed)."""
        d: dict[str, Any] = {"error": self.kind, "message": self.message}
        for key in ("endpoint", "model", "chunk_id", "attempt", "raw"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.context().items() if k not in ("error", "message", "raw"))
        text = f"{self.kind}: {self.message}" + (f" ({where})" if where else "")
        if self.raw:
            text += f"; raw output: {self.raw!r}"
        return text


class LlmNotConfigured(LlmError):
    """No endpoint configured: the LLM path stays off (data never leaves the machine)."""

    kind = "llm_not_configured"


class LlmTimeout(LlmError):
    kind = "llm_timeout"


class LlmUnavailable(LlmError):
    """Connection refused / DNS failure: nothing is listening at the endpoint."""

    kind = "llm_unavailable"


class LlmRateLimited(LlmError):
    kind = "llm_rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class LlmServerError(LlmError):
    """The endpoint answered with an HTTP error (5xx are retried, 4xx are not)."""

    kind = "llm_server_error"

    def __init__(self, message: str, *, status: int | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.status = status

    def context(self) -> dict[str, Any]:
        d = super().context()
        if self.status is not None:
            d["status"] = self.status
        return d


class LlmInvalidOutput(LlmError):
    """The model's output never validated against the schema, re-asks included."""

    kind = "llm_invalid_output"


class LlmTruncated(LlmError):
    """The output hit max_tokens (finish_reason=length): the JSON is incomplete."""

    kind = "llm_truncated"


@runtime_checkable
class Provider(Protocol):
    """One configured endpoint that returns validated pydantic objects.

    ``family`` and ``model`` identify what answers (they are part of every cache key);
    ``endpoint`` is for error messages only. ``context_size`` bounds chunking.
    """

    family: str
    model: str
    endpoint: str
    context_size: int

    def complete_structured(
        self,
        messages: list[dict[str, str]],
        response_model: type[M],
        *,
        max_tokens: int,
        temperature: float,
        chunk_id: str | None = None,
        deadline: float | None = None,
    ) -> tuple[M, Usage]:
        """Send ``messages``; return the validated object and the tokens spent.

        ``deadline`` (``time.monotonic()``) is the caller's budget: no request outlives it
        (each HTTP timeout is cut to what is left, no retry starts after it).
        Raises a subclass of :class:`LlmError` (with ``usage`` set to what was spent).
        """
        ...
