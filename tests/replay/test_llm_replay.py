"""Replay responses recorded from the real llama-server (tests/recordings/*.json).

Each recording holds the exact request our code sent and the server's exact answer.
Replaying the answers from a fake server checks, in milliseconds and without the server,
that (1) our code still sends the same request (prompt, chunk rendering, schema — if not,
re-record with ``python tests/recordings/record.py``) and (2) it handles the real model's
real output the same way: parse, ground, drop inventions, count tokens, flag failures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("instructor")

from jixiao.extract.llm.run import extract_with_llm  # noqa: E402
from jixiao.providers.config import LlmConfig  # noqa: E402
from fakes.openai_server import FakeOpenAIServer, Reply, make_table  # noqa: E402
from jixiao.model.output import AlignmentStatus  # noqa: E402
from jixiao.segment import FormRegion  # noqa: E402
from jixiao.domain.values import fold  # noqa: E402

RECORDINGS = Path(__file__).parent / "recordings"
RERECORD = "the request changed (prompt, chunking or schema): re-record with .venv/bin/python tests/recordings/record.py"


def load(name: str) -> dict[str, Any]:
    p = RECORDINGS / f"{name}.json"
    if not p.is_file():
        pytest.skip(f"{p} not recorded yet (needs llama-server: tests/recordings/record.py)")
    data = json.loads(p.read_text(encoding="utf-8"))
    assert data["recorded_from"].startswith("llama-server ") and "gemma3-270m q4_k_m" in data["recorded_from"]
    assert data["date"] and data["exchanges"]
    return data


def replayer(data: dict[str, Any]) -> FakeOpenAIServer:
    ex = data["exchanges"]

    def respond(req: dict[str, Any], n: int) -> Reply:
        if n >= len(ex):
            pytest.fail(f"more requests than recorded ({n + 1} > {len(ex)}): {RERECORD}")
        rec = ex[n]["request"]
        for key in ("messages", "response_format", "max_tokens", "temperature"):
            if req.get(key) != rec.get(key):
                pytest.fail(f"request {n} differs in {key!r}: {RERECORD}")
        return Reply(status=ex[n]["status"], body=ex[n]["response"])

    return FakeOpenAIServer(respond)


def run(data: dict[str, Any], tmp_path: Path) -> tuple[Any, dict[str, Any], FakeOpenAIServer]:
    region = FormRegion(blocks=[make_table(data["table"], page=1)], title=data["title"])
    with replayer(data) as srv:
        cfg = LlmConfig(base_url=srv.base_url, model="gemma-3-270m", profile="llamacpp", timeout=30,
                        transport_retries=0, validation_retries=1, concurrency=1,
                        max_output_tokens=data["config"]["max_output_tokens"])
        form, stats = extract_with_llm(region, None, "full", cfg, tmp_path)
    return form, stats, srv


def recorded_usage(data: dict[str, Any]) -> tuple[int, int]:
    ins = outs = 0
    for e in data["exchanges"]:
        if e["status"] == 200:
            ins += e["response"]["usage"]["prompt_tokens"]
            outs += e["response"]["usage"]["completion_tokens"]
    return ins, outs


def test_replay_full_extraction_of_a_small_region(tmp_path: Path) -> None:
    data = load("extract_small_full")
    form, stats, srv = run(data, tmp_path)
    assert len(srv.requests) == len(data["exchanges"])
    first = srv.requests[0]["json"]
    assert first["response_format"]["type"] == "json_schema"
    assert (stats["tokens_in"], stats["tokens_out"]) == recorded_usage(data)
    # the same real answers give the same result as when recorded
    got = [i.model_dump(mode="json", include={"level3", "target", "row_id"}) for i in form.indicators]
    assert got == data["result"] and [f.code for f in form.flags] == data["flags"]
    # whatever the 270M base model said, nothing ungrounded survives as a row
    cells = {fold(t) for row in data["table"] for t in row}
    for ind in form.indicators:
        assert ind.evidence["level3"].status in (AlignmentStatus.EXACT, AlignmentStatus.FUZZY)
        assert fold(ind.level3) in cells
    answered = [item for e in data["exchanges"] if e["status"] == 200 and e["response"]["choices"][0]["finish_reason"] == "stop"
                for item in _items(e)]
    invented = [a for a in answered if fold(a.get("level3")) not in cells]
    assert stats["dropped_invented"] >= len({(a.get("row"), a.get("level3")) for a in invented}) - stats["failures"]


def _items(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        return json.loads(exchange["response"]["choices"][0]["message"]["content"]).get("indicators", [])
    except (ValueError, AttributeError):
        return []


def test_replay_truncated_output_is_flagged_not_fatal(tmp_path: Path) -> None:
    data = load("extract_small_truncated")
    form, stats, srv = run(data, tmp_path)
    reasons = [e["response"]["choices"][0]["finish_reason"] for e in data["exchanges"] if e["status"] == 200]
    assert "length" in reasons
    failed = [f for f in form.flags if f.code == "llm_chunk_failed"]
    assert failed and all(f.evidence["error"] in ("llm_truncated", "llm_invalid_output") for f in failed)
    assert failed[0].evidence["raw"] is not None and failed[0].evidence["model"] == "gemma-3-270m"
    assert stats["failures"] == len(failed) and stats["tokens_out"] == recorded_usage(data)[1]
    assert [f.code for f in form.flags] == data["flags"]


def test_replay_ping(tmp_path: Path) -> None:
    data = load("ping")
    from jixiao.providers.cli import PingReply
    from jixiao.providers.openai_compat import OpenAICompatProvider
    from jixiao.providers.provider import LlmError

    ex = data["exchanges"][0]
    with FakeOpenAIServer([Reply(status=ex["status"], body=ex["response"])]) as srv:
        p = OpenAICompatProvider(LlmConfig(base_url=srv.base_url, model="gemma-3-270m", profile="llamacpp",
                                           transport_retries=0, validation_retries=0))
        try:
            reply, usage = p.complete_structured(ex["request"]["messages"], PingReply, max_tokens=64, temperature=0.0)
            outcome = {"ok": True, "reply": reply.model_dump(), "usage": usage.__dict__}
        except LlmError as exc:
            outcome = {"ok": False, "error": exc.context()}
    assert srv.requests[0]["json"]["response_format"] == ex["request"]["response_format"]
    if outcome["ok"]:
        assert outcome == data["outcome"]
    else:
        assert outcome["error"]["error"] == data["outcome"]["error"]["error"]
