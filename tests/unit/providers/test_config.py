"""LLM configuration: offline by default, env over file over defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.providers.config import LlmConfig, load_config
from jixiao.providers.profiles import PROFILES, detect_family, get_profile
from jixiao.providers.provider import LlmNotConfigured


def _no_default_file(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "nothing-here")}


def test_nothing_configured_means_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    cfg = load_config(env={})
    assert not cfg.configured
    with pytest.raises(LlmNotConfigured) as info:
        cfg.require()
    assert "JIXIAO_LLM_BASE_URL" in str(info.value) and "nothing is sent" in str(info.value)


def test_env_overrides_file_overrides_default(tmp_path: Path) -> None:
    f = tmp_path / "llm.toml"
    f.write_text('base_url = "http://10.0.0.5:8000/v1"\nmodel = "qwen"\ntimeout = 30\nconcurrency = 3\n'
                 '[capabilities]\ncontext_size = 16000\n', encoding="utf-8")
    cfg = load_config(f, env={"JIXIAO_LLM_MODEL": "qwen3-32b", "JIXIAO_LLM_CONCURRENCY": "5"})
    assert cfg.base_url == "http://10.0.0.5:8000/v1" and cfg.sources["base_url"].startswith("file:")
    assert cfg.model == "qwen3-32b" and cfg.sources["model"] == "env:JIXIAO_LLM_MODEL"
    assert cfg.concurrency == 5 and cfg.timeout == 30.0
    assert cfg.sources["transport_retries"] == "default"
    assert cfg.family == "vllm"  # port 8000
    assert cfg.capability.context_size == 16000
    assert not cfg.is_local


def test_api_key_from_named_env_var_and_masked(tmp_path: Path) -> None:
    f = tmp_path / "llm.toml"
    f.write_text('base_url = "https://api.deepseek.com/v1"\nmodel = "deepseek-chat"\napi_key_env = "DS_KEY"\n',
                 encoding="utf-8")
    cfg = load_config(f, env={"DS_KEY": "sk-1234567890abcdef"})
    assert cfg.api_key == "sk-1234567890abcdef"
    assert cfg.family == "deepseek" and cfg.capability.structured_mode == "json"
    assert "sk-1234" not in str(cfg.masked()) and cfg.masked()["api_key"].endswith("cdef")
    with pytest.raises(ValueError, match="DS_KEY"):
        load_config(f, env={})


def test_bad_values_name_their_origin(tmp_path: Path) -> None:
    f = tmp_path / "llm.toml"
    f.write_text('base_url = "http://127.0.0.1:8089/v1"\nconcurency = 2\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"llm\.toml: concurency: unknown setting"):
        load_config(f, env={})
    with pytest.raises(ValueError, match=r"\$JIXIAO_LLM_TIMEOUT: bad value"):
        load_config(env={**_no_default_file(tmp_path), "JIXIAO_LLM_BASE_URL": "http://x/v1", "JIXIAO_LLM_TIMEOUT": "soon"})
    with pytest.raises(ValueError, match="not found"):
        load_config(tmp_path / "missing.toml", env={})
    g = tmp_path / "broken.toml"
    g.write_text("base_url = ", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.toml: cannot read"):
        load_config(g, env={})


def test_base_url_without_model_is_refused(tmp_path: Path) -> None:
    cfg = load_config(env={**_no_default_file(tmp_path), "JIXIAO_LLM_BASE_URL": "http://127.0.0.1:8089/v1"})
    assert cfg.configured and cfg.is_local and cfg.api_key == "none"
    with pytest.raises(LlmNotConfigured, match="no model"):
        cfg.require()


def test_config_env_var_points_at_file(tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_text('base_url = "http://127.0.0.1:11434/v1"\nmodel = "qwen3:8b"\n', encoding="utf-8")
    cfg = load_config(env={"JIXIAO_LLM_CONFIG": str(f)})
    assert cfg.config_path == str(f) and cfg.family == "ollama"


@pytest.mark.parametrize("url,model,family", [
    ("https://api.openai.com/v1", "gpt-4o-mini", "openai"),
    ("https://api.deepseek.com", "deepseek-chat", "deepseek"),
    ("https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus", "qwen"),
    ("http://127.0.0.1:11434/v1", "qwen3", "ollama"),
    ("http://127.0.0.1:8089/v1", "gemma", "llamacpp"),
    ("http://gpu-box:8000/v1", "Qwen/Qwen3-8B", "vllm"),
    ("http://proxy.internal/v1", "deepseek-v3", "deepseek"),
    ("http://proxy.internal/v1", "something", "generic"),
])
def test_detect_family(url: str, model: str, family: str) -> None:
    assert detect_family(url, model) == family


def test_profiles_and_overrides() -> None:
    assert set(PROFILES) >= {"openai", "deepseek", "qwen", "vllm", "ollama", "llamacpp"}
    assert get_profile("llamacpp").structured_mode == "json_schema"
    p = get_profile("qwen", {"system_messages": False, "context_size": 1000})
    assert p.system_messages is False and p.context_size == 1000 and p.strip_think
    with pytest.raises(ValueError, match="unknown LLM profile"):
        get_profile("gpt5")
    with pytest.raises(ValueError, match="structured_mode"):
        get_profile("openai", {"structured_mode": "xml"})
    with pytest.raises(ValueError, match="override"):
        get_profile("openai", {"colour": "red"})
    assert LlmConfig(base_url="http://127.0.0.1:9/v1", model="m", profile="OpenAI").family == "openai"
