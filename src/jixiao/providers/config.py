"""Where the LLM endpoint comes from: defaults < TOML file < environment.

Offline by default: with no base URL configured anywhere the LLM path is off, and no
code path opens a network connection ("government data does not leave the building
unless the user says so"). Configuring an endpoint *is* saying so.

Config file (``~/.config/jixiao/llm.toml``, or ``--llm-config PATH``, or
``$JIXIAO_LLM_CONFIG``)::

    base_url = "https://api.deepseek.com/v1"
    model = "deepseek-chat"
    api_key_env = "DEEPSEEK_API_KEY"   # or api_key = "…" (the file is then a secret)
    profile = "deepseek"               # openai | deepseek | qwen | vllm | ollama | llamacpp | generic
    timeout = 120                      # seconds per HTTP request
    concurrency = 4                    # requests in flight for the whole run (every file, every worker)
    run_budget = 3600                  # seconds of LLM work per run; 0 (default): none

    [capabilities]                     # override the profile's facts
    context_size = 32000
    structured_mode = "json"           # json_schema | tools | json

Environment (wins over the file): JIXIAO_LLM_BASE_URL, JIXIAO_LLM_API_KEY,
JIXIAO_LLM_MODEL, JIXIAO_LLM_TIMEOUT, JIXIAO_LLM_CONCURRENCY, JIXIAO_LLM_PROFILE,
JIXIAO_LLM_DOCUMENT_BUDGET, JIXIAO_LLM_RUN_BUDGET.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from collections.abc import Mapping
from urllib.parse import urlparse

from jixiao.providers.profiles import Profile, detect_family, get_profile
from jixiao.providers.provider import LlmNotConfigured

ENV = {
    "base_url": "JIXIAO_LLM_BASE_URL",
    "api_key": "JIXIAO_LLM_API_KEY",
    "model": "JIXIAO_LLM_MODEL",
    "timeout": "JIXIAO_LLM_TIMEOUT",
    "concurrency": "JIXIAO_LLM_CONCURRENCY",
    "profile": "JIXIAO_LLM_PROFILE",
    "document_budget": "JIXIAO_LLM_DOCUMENT_BUDGET",
    "run_budget": "JIXIAO_LLM_RUN_BUDGET",
}
CONFIG_ENV = "JIXIAO_LLM_CONFIG"
NOT_CONFIGURED_HELP = (
    "the LLM path is off: no endpoint is configured, so nothing is sent anywhere. "
    "To enable it set JIXIAO_LLM_BASE_URL and JIXIAO_LLM_MODEL (and JIXIAO_LLM_API_KEY if the endpoint "
    "needs one), or write ~/.config/jixiao/llm.toml, or pass --llm-config PATH; "
    "`jixiao llm serve` starts a local test server and prints the lines to use."
)


@dataclass
class LlmConfig:
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    profile: str | None = None  # None: detected from base_url
    timeout: float = 120.0  # per HTTP request
    concurrency: int = 2
    temperature: float = 0.0
    max_output_tokens: int | None = None  # None: the profile's
    transport_retries: int = 3  # timeouts / 429 / 5xx / connection errors (tenacity)
    validation_retries: int = 1  # instructor re-asks on schema-invalid output
    backoff_base: float = 1.0  # seconds; doubles per transport retry
    backoff_max: float = 30.0
    max_retry_after: float = 60.0  # longest Retry-After we are willing to honour (the wait is logged)
    document_budget: float = 600.0  # wall-clock seconds of LLM work per document; later chunks are not sent
    run_budget: float = 0.0  # wall-clock seconds of LLM work per run (all files, all workers); 0: no run budget
    chunk_tokens: int | None = None  # None: derived from the context size
    cache: bool = True
    prompts_dir: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # setting → "env:VAR" | "file:PATH" | "default"

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    @property
    def family(self) -> str:
        return (self.profile or detect_family(self.base_url, self.model)).lower()

    @property
    def capability(self) -> Profile:
        return get_profile(self.family, self.capabilities)

    @property
    def is_local(self) -> bool:
        """True when the endpoint is this machine (data stays here)."""
        host = (urlparse(self.base_url or "").hostname or "").lower()
        return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")

    def require(self) -> None:
        """Raise a clear error unless an endpoint is fully configured."""
        if not self.configured:
            raise LlmNotConfigured(NOT_CONFIGURED_HELP)
        if not self.model:
            raise LlmNotConfigured(
                f"an LLM endpoint is configured ({self.base_url}, from {self.sources.get('base_url', '?')}) "
                "but no model: set JIXIAO_LLM_MODEL or `model = …` in the config file"
            )
        _ = self.capability  # validates the profile name and overrides (raises ValueError)

    def masked(self) -> dict[str, Any]:
        """Settings for display; the API key is never printed."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("sources",):
                continue
            v = getattr(self, f.name)
            if f.name == "api_key" and v:
                v = f"…{v[-4:]}" if len(v) > 8 else "***"
            out[f.name] = v
        out["family"] = self.family
        return out


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jixiao" / "llm.toml"


_FLOAT = ("timeout", "temperature", "backoff_base", "backoff_max", "max_retry_after", "document_budget",
          "run_budget")
_INT = ("concurrency", "max_output_tokens", "transport_retries", "validation_retries", "chunk_tokens")
_STR = ("base_url", "api_key", "model", "profile", "prompts_dir")


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Type-check one setting; the error names where the bad value came from."""
    try:
        if name in _FLOAT:
            v = float(value)
            if v < 0 or (name == "timeout" and v == 0):
                raise ValueError("must be positive")
            return v
        if name in _INT:
            if isinstance(value, bool):
                raise ValueError("not an integer")
            v = int(value)
            if v < (1 if name in ("concurrency", "max_output_tokens", "chunk_tokens") else 0):
                raise ValueError("too small")
            return v
        if name == "cache":
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "yes", "on")
        if name in _STR:
            s = str(value).strip()
            return s or None
        if name == "capabilities":
            if not isinstance(value, dict):
                raise ValueError("must be a table")
            return dict(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{origin}: bad value {value!r} for {name}: {exc}") from exc
    raise ValueError(f"{origin}: unknown setting {name!r}")


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> LlmConfig:
    """Build the effective config. An explicitly named file must exist; the default may not."""
    env = os.environ if env is None else env
    cfg = LlmConfig()
    for f in fields(cfg):
        cfg.sources[f.name] = "default"

    explicit = path or env.get(CONFIG_ENV)
    file = Path(explicit).expanduser() if explicit else default_config_path()
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{file}: cannot read LLM config: {exc}") from exc
        _apply_file(cfg, data, file, env)
        cfg.config_path = str(file)
    elif explicit:
        raise ValueError(f"{file}: LLM config file not found")

    for name, var in ENV.items():
        raw = env.get(var)
        if raw is not None and raw.strip() != "":
            setattr(cfg, name, _coerce(name, raw, f"${var}"))
            cfg.sources[name] = f"env:{var}"
    from jixiao.providers.secrets import register_secret

    register_secret(cfg.api_key)
    if cfg.configured and not cfg.api_key:
        cfg.api_key = "none"  # local servers ignore it; the openai client insists on one
    return cfg


def _apply_file(cfg: LlmConfig, data: dict[str, Any], file: Path, env: Mapping[str, str]) -> None:
    known = {f.name for f in fields(cfg)} - {"sources", "config_path"}
    for key, value in data.items():
        origin = f"{file}: {key}"
        if key == "api_key_env":
            secret = env.get(str(value))
            if not secret:
                raise ValueError(f"{origin}: environment variable {value!r} is not set")
            cfg.api_key = secret
            cfg.sources["api_key"] = f"env:{value} (via {file})"
            continue
        if key not in known:
            raise ValueError(f"{origin}: unknown setting; known: {', '.join(sorted(known | {'api_key_env'}))}")
        setattr(cfg, key, _coerce(key, value, origin))
        cfg.sources[key] = f"file:{file}"


CONFIG_TEMPLATE = """\
# jixiao LLM endpoint. Nothing is sent anywhere unless base_url is set.
# Environment variables (JIXIAO_LLM_BASE_URL, _MODEL, _API_KEY, _TIMEOUT, _CONCURRENCY,
# _PROFILE) override these settings.

# base_url = "http://127.0.0.1:8089/v1"     # `jixiao llm serve` (local, offline)
# model = "gemma-3-270m"
# base_url = "https://api.deepseek.com/v1"
# model = "deepseek-chat"
# api_key_env = "DEEPSEEK_API_KEY"           # read the key from this variable
# profile = "deepseek"                       # openai | deepseek | qwen | vllm | ollama | llamacpp | generic
# timeout = 120
# concurrency = 2                            # requests in flight for the whole run
# document_budget = 600                      # seconds of LLM work per document
# run_budget = 0                             # seconds of LLM work per run (0: none)

# [capabilities]
# context_size = 32000
# structured_mode = "json"                   # json_schema | tools | json
"""
