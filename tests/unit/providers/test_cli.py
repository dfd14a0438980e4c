"""`jixiao llm config|ping` (typer sub-app), against a fake endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.providers.cli import app
from fakes.openai_server import FakeOpenAIServer, Reply, completion

ENV_KEYS = ("JIXIAO_LLM_BASE_URL", "JIXIAO_LLM_API_KEY", "JIXIAO_LLM_MODEL", "JIXIAO_LLM_TIMEOUT",
            "JIXIAO_LLM_CONCURRENCY", "JIXIAO_LLM_PROFILE", "JIXIAO_LLM_CONFIG")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))


def test_config_shows_off_when_nothing_configured() -> None:
    res = CliRunner().invoke(app, ["config"])
    assert res.exit_code == 0, res.output
    assert "LLM path: OFF" in res.output and "JIXIAO_LLM_BASE_URL" in res.output


def test_config_init_writes_template_and_shows_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "cfg" / "jixiao" / "llm.toml"
    res = CliRunner().invoke(app, ["config", "--init"])
    assert res.exit_code == 0 and target.is_file() and "# base_url" in target.read_text(encoding="utf-8")
    monkeypatch.setenv("JIXIAO_LLM_BASE_URL", "https://api.deepseek.com/v1")
    monkeypatch.setenv("JIXIAO_LLM_MODEL", "deepseek-chat")
    monkeypatch.setenv("JIXIAO_LLM_API_KEY", "sk-secret-000011112222")
    res = CliRunner().invoke(app, ["config"])
    assert res.exit_code == 0, res.output
    assert "env:JIXIAO_LLM_MODEL" in res.output and "profile deepseek" in res.output
    assert "sk-secret" not in res.output and "(remote)" in res.output


def test_ping_not_configured_exits_2() -> None:
    res = CliRunner().invoke(app, ["ping"])
    assert res.exit_code == 2 and "LLM path is off" in res.output


def test_ping_reports_latency_and_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    body = completion(json.dumps({"ok": True, "echo": "绩效"}, ensure_ascii=False), tokens_in=42, tokens_out=9)
    with FakeOpenAIServer([Reply(body=body)]) as srv:
        monkeypatch.setenv("JIXIAO_LLM_BASE_URL", srv.base_url)
        monkeypatch.setenv("JIXIAO_LLM_MODEL", "fake")
        monkeypatch.setenv("JIXIAO_LLM_PROFILE", "llamacpp")
        res = CliRunner().invoke(app, ["ping"])
    assert res.exit_code == 0, res.output
    assert "tokens in 42, out 9" in res.output and '"echo": "绩效"' in res.output and "this machine" in res.output
    assert srv.requests[0]["json"]["response_format"]["json_schema"]["name"] == "PingReply"


def test_ping_failure_exits_1_with_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer([Reply(404, {"error": {"message": "model not found"}})]) as srv:
        monkeypatch.setenv("JIXIAO_LLM_BASE_URL", srv.base_url)
        monkeypatch.setenv("JIXIAO_LLM_MODEL", "nope")
        res = CliRunner().invoke(app, ["ping"])
    assert res.exit_code == 1 and "HTTP 404" in res.output and "model not found" in res.output
