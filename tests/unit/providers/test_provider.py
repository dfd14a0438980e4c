"""The openai/instructor provider against a fake HTTP server: request format and faults.

Real HTTP on 127.0.0.1, real openai client, real instructor: only the answers are scripted.
Transport retries (tenacity) and validation re-asks (instructor) are checked separately.
"""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("instructor")

from jixiao.providers.config import LlmConfig  # noqa: E402
from jixiao.extract.llm.grounding import IndicatorList  # noqa: E402
from jixiao.providers.openai_compat import (  # noqa: E402
    OpenAICompatProvider,
    extract_json_text,
    fold_system_messages,
    parse_retry_after,
    strip_think,
)
from jixiao.providers.provider import (  # noqa: E402
    LlmInvalidOutput,
    LlmRateLimited,
    LlmServerError,
    LlmTimeout,
    LlmTruncated,
    LlmUnavailable,
)
from jixiao.providers.serve import free_port  # noqa: E402
from fakes.openai_server import FakeOpenAIServer, Reply, completion  # noqa: E402

GOOD = {"indicators": [{"row": "r2", "level1": "产出指标", "level2": "数量指标", "level3": "检查企业数量",
                        "half_year": "≥50家", "target": "≥120家", "scope": "annual"}]}
MESSAGES = [{"role": "system", "content": "抽取指标"}, {"role": "user", "content": "r2 | 产出指标 | …"}]


def ok(content: object = GOOD, **kw: object) -> Reply:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return Reply(body=completion(text, **kw))  # type: ignore[arg-type]


def provider(srv: FakeOpenAIServer, sleeps: list[float] | None = None, **cfg: object) -> OpenAICompatProvider:
    base = dict(base_url=srv.base_url, model="test-model", profile="llamacpp", timeout=5.0, backoff_base=0.01,
                transport_retries=2, validation_retries=1)
    base.update(cfg)
    sink = sleeps if sleeps is not None else []
    return OpenAICompatProvider(LlmConfig(**base), sleep=sink.append)  # type: ignore[arg-type]


def call(p: OpenAICompatProvider, max_tokens: int = 300):
    return p.complete_structured(MESSAGES, IndicatorList, max_tokens=max_tokens, temperature=0.0, chunk_id="f0-表格1-c1")


def test_request_format_json_schema_and_usage() -> None:
    with FakeOpenAIServer([ok(tokens_in=321, tokens_out=45)]) as srv:
        obj, usage = call(provider(srv))
    assert obj.indicators[0].level3 == "检查企业数量" and obj.indicators[0].target == "≥120家"
    assert (usage.tokens_in, usage.tokens_out, usage.requests) == (321, 45, 1)
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions"
    body = req["json"]
    assert body["model"] == "test-model" and body["temperature"] == 0.0 and body["max_tokens"] == 300
    rf = body["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["name"] == "IndicatorList"
    assert "indicators" in rf["json_schema"]["schema"]["properties"]
    assert body["messages"][0] == MESSAGES[0]  # system kept: the llamacpp profile allows it
    assert "抽取指标".encode() in req["raw"]  # Chinese sent as UTF-8, not \\u escapes


def test_max_tokens_capped_by_profile_and_openai_uses_max_completion_tokens() -> None:
    with FakeOpenAIServer([ok()]) as srv:
        call(provider(srv, profile="llamacpp"), max_tokens=999_999)
        call(provider(srv, profile="openai"), max_tokens=500)
    assert srv.requests[0]["json"]["max_tokens"] == 2048
    assert srv.requests[1]["json"]["max_completion_tokens"] == 500 and "max_tokens" not in srv.requests[1]["json"]


def test_timeout_is_retried_then_raised_with_context() -> None:
    with FakeOpenAIServer([Reply(body=completion("{}"), delay=1.0)]) as srv:
        t0 = time.monotonic()
        with pytest.raises(LlmTimeout) as info:
            call(provider(srv, timeout=0.3, transport_retries=1))
        elapsed = time.monotonic() - t0
    err = info.value
    assert len(srv.requests) == 2  # 1 try + 1 transport retry
    assert err.endpoint == srv.base_url and err.model == "test-model" and err.chunk_id == "f0-表格1-c1"
    assert err.attempt == 1 and err.usage.requests == 2
    assert "0.3" in str(err) and elapsed < 4


def test_429_honours_retry_after_then_succeeds() -> None:
    sleeps: list[float] = []
    replies = [Reply(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "7"}), ok()]
    with FakeOpenAIServer(replies) as srv:
        obj, usage = call(provider(srv, sleeps))
    assert obj.indicators[0].row == "r2"
    assert len(srv.requests) == 2 and usage.requests == 2
    assert sleeps == [7.0]  # the server's Retry-After, not our backoff


def test_429_retry_after_is_bounded_and_exhaustion_raises() -> None:
    sleeps: list[float] = []
    replies = [Reply(429, {"error": {"message": "quota"}}, headers={"Retry-After": "3600"})]
    with FakeOpenAIServer(replies) as srv:
        with pytest.raises(LlmRateLimited) as info:
            call(provider(srv, sleeps, max_retry_after=2.0, transport_retries=2))
    assert len(srv.requests) == 3 and sleeps == [2.0, 2.0]
    assert info.value.retry_after == 3600.0


def test_5xx_retried_with_exponential_backoff() -> None:
    sleeps: list[float] = []
    replies = [Reply(500, {"error": {"message": "boom"}}), Reply(503, {"error": {"message": "loading"}}), ok()]
    with FakeOpenAIServer(replies) as srv:
        obj, usage = call(provider(srv, sleeps, backoff_base=0.5))
    assert usage.requests == 3 and obj.indicators
    assert 0.5 <= sleeps[0] <= 0.55 and 1.0 <= sleeps[1] <= 1.1  # 0.5 · 2^k (+≤10% jitter)


def test_persistent_500_raises_server_error() -> None:
    with FakeOpenAIServer([Reply(500, {"error": {"message": "kaput"}})]) as srv:
        with pytest.raises(LlmServerError) as info:
            call(provider(srv))
    assert info.value.status == 500 and len(srv.requests) == 3
    assert "kaput" in str(info.value)


def test_4xx_is_not_retried() -> None:
    with FakeOpenAIServer([Reply(400, {"error": {"message": "response_format not supported"}})]) as srv:
        with pytest.raises(LlmServerError) as info:
            call(provider(srv))
    assert info.value.status == 400 and len(srv.requests) == 1


def test_connection_refused_is_unavailable() -> None:
    port = free_port()
    cfg = LlmConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", profile="llamacpp", backoff_base=0.0,
                    transport_retries=1)
    with pytest.raises(LlmUnavailable) as info:
        OpenAICompatProvider(cfg, sleep=lambda s: None).complete_structured(
            MESSAGES, IndicatorList, max_tokens=10, temperature=0)
    assert info.value.usage.requests == 2 and str(port) in str(info.value)


def test_malformed_json_is_reasked_once_then_accepted() -> None:
    bad = '{"indicators": [{"row": "r2", "level3": 检查'
    with FakeOpenAIServer([ok(bad, tokens_in=100, tokens_out=10), ok(tokens_in=150, tokens_out=30)]) as srv:
        obj, usage = call(provider(srv))
    assert obj.indicators[0].level3 == "检查企业数量"
    assert len(srv.requests) == 2 and (usage.tokens_in, usage.tokens_out) == (250, 40)
    reask = srv.messages(1)
    assert len(reask) > len(MESSAGES) and reask[-2]["role"] == "assistant" and bad in reask[-2]["content"]


def test_always_malformed_raises_invalid_output_with_raw_snippet() -> None:
    bad = '{"indicators": "我不知道"}'
    with FakeOpenAIServer([ok(bad)]) as srv:
        with pytest.raises(LlmInvalidOutput) as info:
            call(provider(srv, validation_retries=2))
    err = info.value
    assert len(srv.requests) == 3 and err.attempt == 3
    assert err.raw == bad and "IndicatorList" in err.message and err.chunk_id == "f0-表格1-c1"
    assert err.usage.tokens_in == 300  # 3 × 100 counted even though it failed


def test_truncated_output_raises_truncated() -> None:
    loop = '{"indicators": [{"row": "r1", "level3": ">(1)>(1)>(1)>(1)'
    with FakeOpenAIServer([ok(loop, finish_reason="length", tokens_out=300)]) as srv:
        with pytest.raises(LlmTruncated) as info:
            call(provider(srv))
    assert len(srv.requests) == 1  # a truncation is not re-asked at the same size
    assert info.value.raw.startswith('{"indicators"') and info.value.usage.tokens_out == 300


def test_think_blocks_and_fences_stripped_in_json_mode() -> None:
    content = "<think>先看表头 {不是JSON}</think>\n```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```"
    with FakeOpenAIServer([ok(content)]) as srv:
        obj, _ = call(provider(srv, profile="qwen"))
    assert obj.indicators[0].target == "≥120家"
    body = srv.requests[0]["json"]
    assert body["response_format"] == {"type": "json_object"}
    assert "检查企业数量" not in body["messages"][0]["content"] and "json_schema" in body["messages"][0]["content"]


def test_system_messages_folded_when_profile_forbids_them() -> None:
    with FakeOpenAIServer([ok()]) as srv:
        call(provider(srv, capabilities={"system_messages": False}))
    msgs = srv.messages(0)
    assert [m["role"] for m in msgs] == ["user"]
    assert msgs[0]["content"].startswith("抽取指标") and "r2 | 产出指标" in msgs[0]["content"]


def test_helpers() -> None:
    assert strip_think("<think>a</think>{}") == "{}"
    assert strip_think("reasoning…</think>\n{\"a\": 1}") == '{"a": 1}'
    assert extract_json_text('好的：{"a": {"b": 1}} 完') == '{"a": {"b": 1}}'
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None
    assert fold_system_messages([{"role": "system", "content": "S"}, {"role": "assistant", "content": "A"}]) == [
        {"role": "user", "content": "S"}, {"role": "assistant", "content": "A"}]
