"""Provider for any OpenAI-compatible endpoint: openai SDK + instructor + tenacity.

Imported lazily (only when an endpoint is configured and the LLM path runs), so the core
works without the ``[llm]`` extra.

Two retry loops, deliberately kept apart:

* **transport** (tenacity, here): timeouts, connection errors, HTTP 429 (honouring
  ``Retry-After``) and 5xx are retried with bounded exponential backoff. The openai
  client's own retries are disabled (``max_retries=0``) so there is exactly one policy.
  A 4xx other than 429 is a request the server will never accept: not retried.
* **validation** (instructor's ``max_retries``): output that does not validate against
  the schema is re-asked with the validation error. These cost tokens, so they are few.

The transport function is what instructor calls for every attempt, so each re-ask gets
its own transport retries, and token usage is summed over everything actually sent.
"""

from __future__ import annotations

import email.utils
import random
import re
import logging
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar
from collections.abc import Callable

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from jixiao.providers.config import LlmConfig
from jixiao.providers.gate import LlmBudgetSpent, in_flight, remaining
from jixiao.providers.provider import (
    LlmError,
    LlmInvalidOutput,
    LlmRateLimited,
    LlmServerError,
    LlmTimeout,
    LlmTruncated,
    LlmUnavailable,
    Usage,
    snippet,
)

M = TypeVar("M", bound=BaseModel)

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
}
_THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def strip_think(text: str) -> str:
    """Drop reasoning blocks: ``<think>…</think>`` anywhere, or a leading ``…</think>``
    whose opening tag was part of the chat template."""
    text = _THINK.sub("", text)
    low = text.lower()
    if "</think>" in low and "<think>" not in low:
        text = text[low.index("</think>") + len("</think>"):]
    return text.strip()


def extract_json_text(text: str) -> str:
    """In plain-JSON mode models wrap JSON in fences or prose; keep the object only."""
    s = text.strip()
    if s.startswith("{"):
        return s
    m = _FENCE.search(s)
    if m and m.group(1).strip().startswith("{"):
        return m.group(1).strip()
    a, b = s.find("{"), s.rfind("}")
    return s[a:b + 1] if 0 <= a < b else s


def fold_system_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For templates that drop/reject ``system``: prepend its text to the first user turn."""
    system = [m["content"] for m in messages if m.get("role") == "system" and isinstance(m.get("content"), str)]
    rest = [dict(m) for m in messages if m.get("role") != "system"]
    if not system:
        return rest
    prefix = "\n\n".join(system)
    for m in rest:
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            m["content"] = f"{prefix}\n\n{m['content']}"
            return rest
    return [{"role": "user", "content": prefix}, *rest]


def parse_retry_after(headers: Any) -> float | None:
    """``Retry-After`` as seconds (delta or HTTP date), or ``retry-after-ms``."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, (LlmTimeout, LlmUnavailable, LlmRateLimited)):
        return True
    return isinstance(exc, LlmServerError) and (exc.status is None or exc.status >= 500)


@dataclass
class _CallState:
    """What one structured call has sent and received (across all its attempts)."""

    usage: Usage = field(default_factory=Usage)
    last_content: str | None = None
    attempt: int = 0  # instructor attempt (1 + re-asks)
    deadline: float | None = None  # time.monotonic() the caller's budget ends (per-document)


class OpenAICompatProvider:
    """A :class:`jixiao.providers.provider.Provider` for one configured endpoint."""

    def __init__(
        self,
        config: LlmConfig,
        *,
        http_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        config.require()
        self.config = config
        self.profile = config.capability
        self.family = self.profile.name
        self.model = str(config.model)
        self.endpoint = str(config.base_url)
        self.context_size = self.profile.context_size
        self._sleep = sleep
        self._client = openai.OpenAI(
            base_url=self.endpoint,
            api_key=config.api_key or "none",
            timeout=config.timeout,
            max_retries=0,  # transport retries are ours (tenacity), see module docstring
            http_client=http_client,
        )
        self._mode = _MODES[self.profile.structured_mode]

    # -- public -------------------------------------------------------------------------
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
        state = _CallState(deadline=deadline)
        create = instructor.patch(create=self._transport(state, chunk_id), mode=self._mode)
        limit_key = "max_completion_tokens" if self.family == "openai" else "max_tokens"
        kwargs: dict[str, Any] = {
            "messages": messages,
            "model": self.model,
            "temperature": temperature,
            limit_key: min(max_tokens, self.profile.max_output_tokens),
        }
        try:
            obj = create(response_model=response_model, max_retries=self.config.validation_retries, **kwargs)
        except IncompleteOutputException as exc:
            raise self._ctx(LlmTruncated(
                f"output hit the {kwargs[limit_key]}-token limit (finish_reason=length); the JSON is incomplete",
                raw=state.last_content), state, chunk_id) from exc
        except InstructorRetryException as exc:
            cause = _llm_cause(exc)
            if cause is not None:
                raise self._ctx(cause, state, chunk_id) from exc
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise self._ctx(LlmInvalidOutput(
                f"output did not validate against {response_model.__name__} after {state.attempt} attempt(s): {first}",
                raw=state.last_content), state, chunk_id) from exc
        except LlmError as exc:
            raise self._ctx(exc, state, chunk_id) from None
        return obj, state.usage

    # -- internals ------------------------------------------------------------------------
    def _ctx(self, exc: LlmError, state: _CallState, chunk_id: str | None) -> LlmError:
        exc.endpoint = exc.endpoint or self.endpoint
        exc.model = exc.model or self.model
        exc.chunk_id = exc.chunk_id or chunk_id
        exc.attempt = exc.attempt or state.attempt or None
        if exc.raw is None and state.last_content is not None:
            exc.raw = snippet(state.last_content)
        exc.usage = state.usage
        return exc

    def _wait(self, rs: RetryCallState) -> float:
        exc = rs.outcome.exception() if rs.outcome else None
        if isinstance(exc, LlmRateLimited) and exc.retry_after is not None:
            wait = min(exc.retry_after, self.config.max_retry_after)
            logging.getLogger("jixiao.providers").warning(
                "HTTP 429 from %s: waiting %.0f s (Retry-After %.0f s, capped at max_retry_after=%.0f s)",
                self.endpoint, wait, exc.retry_after, self.config.max_retry_after)
            return wait
        base = self.config.backoff_base * (2 ** (rs.attempt_number - 1))
        return min(base, self.config.backoff_max) * (1.0 + 0.1 * random.random())

    def _transport(self, state: _CallState, chunk_id: str | None) -> Callable[..., Any]:
        """The function instructor calls once per attempt; it retries transient failures."""

        def send(*args: Any, **kwargs: Any) -> Any:
            state.attempt += 1
            if not self.profile.system_messages and "messages" in kwargs:
                kwargs["messages"] = fold_system_messages(kwargs["messages"])
            retrying = Retrying(
                stop=stop_after_attempt(self.config.transport_retries + 1),
                wait=self._wait,
                retry=retry_if_exception(_transient),
                sleep=self._sleep,
                reraise=True,
            )
            for attempt in retrying:
                with attempt:
                    response = self._send_once(state, chunk_id, kwargs)
            return response

        return send

    def _send_once(self, state: _CallState, chunk_id: str | None, kwargs: dict[str, Any]) -> Any:
        state.usage.requests += 1
        ctx = {"endpoint": self.endpoint, "model": self.model, "chunk_id": chunk_id, "attempt": state.attempt}
        try:
            with in_flight(self.config.concurrency, **ctx):  # the run's cap on requests in flight, and its budget
                timeout = self._request_timeout(state, ctx)
                response = self._client.chat.completions.create(**kwargs, timeout=timeout)
        except openai.APITimeoutError as exc:
            raise LlmTimeout(f"no answer within {timeout:g} s", **ctx) from exc
        except openai.APIConnectionError as exc:
            raise LlmUnavailable(f"cannot connect: {exc}", **ctx) from exc
        except openai.RateLimitError as exc:
            raise LlmRateLimited(
                f"HTTP 429 rate limited: {exc.message}",
                retry_after=parse_retry_after(getattr(exc.response, "headers", None)),
                raw=_body(exc), **ctx,
            ) from exc
        except openai.APIStatusError as exc:
            raise LlmServerError(f"HTTP {exc.status_code}: {exc.message}", status=exc.status_code,
                                 raw=_body(exc), **ctx) from exc
        except openai.APIResponseValidationError as exc:
            raise LlmServerError(f"the answer is not a chat completion: {exc.message}", status=200,
                                 raw=_body(exc), **ctx) from exc
        usage = getattr(response, "usage", None)
        if usage is not None:
            state.usage.tokens_in += int(getattr(usage, "prompt_tokens", 0) or 0)
            state.usage.tokens_out += int(getattr(usage, "completion_tokens", 0) or 0)
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise LlmServerError("the answer has no choices", status=200, **ctx)
        message = choices[0].message
        content = message.content
        state.last_content = content
        if isinstance(content, str):
            if self.profile.strip_think:
                content = strip_think(content)
            if self.profile.structured_mode == "json":
                content = extract_json_text(content)
            message.content = content
        return response


    def _request_timeout(self, state: _CallState, ctx: dict[str, Any]) -> float:
        """``timeout`` cut to what is left of the document's and the run's budgets: a request
        sent a second before the deadline never runs on for the full ``timeout``."""
        left: list[float] = []
        if state.deadline is not None:
            doc_left = state.deadline - time.monotonic()
            if doc_left <= 0:
                raise LlmBudgetSpent(f"the per-document LLM budget of {self.config.document_budget:g} s is spent; "
                                     "request not sent (raise document_budget in the LLM config)", **ctx)
            left.append(doc_left)
        run_left = remaining()
        if run_left is not None:
            left.append(run_left)
        return min(self.config.timeout, max(0.5, min(left))) if left else self.config.timeout


def _body(exc: Any) -> str | None:
    body = getattr(exc, "body", None)
    if body is None:
        resp = getattr(exc, "response", None)
        try:
            return resp.text if resp is not None else None
        except Exception:  # noqa: BLE001 - a body we cannot read is just not shown
            return None
    return body if isinstance(body, str) else str(body)


def _llm_cause(exc: BaseException) -> LlmError | None:
    """Transport errors reach us wrapped in instructor's retry exception; unwrap them."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, LlmError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None
