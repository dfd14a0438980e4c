"""LLM deadlines and secrets (issue 15): a per-document budget, a capped and shown Retry-After,
the endpoint in the cache key, and no API key in any error text."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

pytest.importorskip("instructor")

from fakes.openai_server import FakeOpenAIServer, Reply, completion  # noqa: E402
from jixiao.extract.llm.run import extract_with_llm  # noqa: E402
from jixiao.providers.cache import cache_key  # noqa: E402
from jixiao.providers.config import LlmConfig  # noqa: E402
from jixiao.providers.provider import LlmServerError  # noqa: E402
from jixiao.providers.secrets import register_secret, scrub  # noqa: E402
from jixiao.segment import FormRegion  # noqa: E402
from tests.unit.extract.llm.test_run import answer, config, long_rows, make_table, read_chunk  # noqa: E402

KEY = "sk-test-0123456789abcdefSECRET"


def test_error_text_never_carries_the_key() -> None:
    register_secret(KEY)
    body = f'{{"error": "bad request", "echo": {{"Authorization": "Bearer {KEY}", "x-api-key": "{KEY}"}}}}'
    err = LlmServerError(f"HTTP 400: {body}", status=400, raw=body, endpoint="http://h/v1")
    for text in (str(err), err.message, err.raw or "", repr(err.context())):
        assert KEY not in text and "SECRET" not in text
    assert "Bearer ***" in scrub("Authorization: Bearer abcdefghijklmnop") or "***" in scrub(
        "Authorization: Bearer abcdefghijklmnop")
    assert scrub("x-api-key: zzzzzzzzzzzz") == "x-api-key: ***"


def test_cache_key_includes_endpoint() -> None:
    common = dict(model="m", family="f", prompt_version="1", prompt_sha="s", schema="x", chunk_text="c")
    assert cache_key(**common, endpoint="http://a/v1") != cache_key(**common, endpoint="http://b/v1")
    assert cache_key(**common, endpoint="http://a/v1/") == cache_key(**common, endpoint="http://a/v1")


def test_retry_after_is_capped_and_shown(tmp_path: Path, caplog) -> None:
    region = FormRegion(blocks=[make_table(long_rows(3))])
    replies = {"n": 0}

    def respond(req, n):
        replies["n"] += 1
        if n == 0:
            return Reply(status=429, body={"error": "slow down"}, headers={"retry-after": "86400"})
        return answer(read_chunk(req))

    caplog.set_level(logging.WARNING, logger="jixiao.providers")
    t0 = time.perf_counter()
    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv, transport_retries=2, max_retry_after=1.0),
                                       tmp_path)
    assert time.perf_counter() - t0 < 20
    assert any("Retry-After 86400" in r.getMessage() and "waiting 1 s" in r.getMessage() for r in caplog.records)
    assert stats["failures"] == 0 and len(form.indicators) == 3


def test_document_budget_stops_sending(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(long_rows(40))])

    def respond(req, n):
        return Reply(body=answer(read_chunk(req)).body, delay=0.6)

    t0 = time.perf_counter()
    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv, chunk_tokens=250, document_budget=0.5),
                                       tmp_path)
        sent = len(srv.requests)
    assert sent == 1 and stats["failures"] >= 1, stats
    assert any("per-document LLM budget" in f.message for f in form.flags)
    assert time.perf_counter() - t0 < 15


def test_a_request_in_flight_never_outlives_the_document_budget(tmp_path: Path) -> None:
    """An endpoint that never answers: the request is cut at the budget, not at ``timeout``."""
    region = FormRegion(blocks=[make_table(long_rows(3))])

    def respond(req, n):
        return Reply(body=answer(read_chunk(req)).body, delay=8.0)

    t0 = time.perf_counter()
    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv, timeout=120.0, transport_retries=3,
                                                                    document_budget=1.0), tmp_path)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed  # was timeout × (1 + retries) = 480 s
    assert stats["failures"] >= 1 and any("budget" in f.message or "no answer within" in f.message
                                          for f in form.flags)
