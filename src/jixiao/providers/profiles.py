"""Capability profiles: what each OpenAI-compatible endpoint family can actually do.

"OpenAI-compatible" hides real differences that break structured extraction if ignored:
which ``response_format`` types are accepted (DeepSeek and DashScope take ``json_object``
but not ``json_schema``; llama.cpp and vLLM compile a JSON schema into a grammar),
whether reasoning models prepend ``<think>…</think>`` to the content (Qwen3, DeepSeek-R1
served by vLLM/Ollama), how much context there is, and whether a ``system`` message is
honoured (some chat templates drop or reject it). A profile records those facts so the
provider can adapt the request instead of failing at runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlparse

StructuredMode = Literal["json_schema", "tools", "json"]


@dataclass(frozen=True)
class Profile:
    name: str
    # json_schema: response_format json_schema; tools: a forced tool call; json: json_object + schema in the prompt
    structured_mode: StructuredMode
    strip_think: bool  # remove <think>…</think> from content before parsing
    context_size: int  # tokens the endpoint accepts (prompt + output)
    system_messages: bool  # False: system text is folded into the first user turn
    max_output_tokens: int = 4096  # never ask for more than this per call
    note: str = ""


PROFILES: dict[str, Profile] = {
    "openai": Profile("openai", "json_schema", strip_think=False, context_size=128_000, system_messages=True,
                      max_output_tokens=16_384, note="native structured outputs"),
    "deepseek": Profile("deepseek", "json", strip_think=True, context_size=64_000, system_messages=True,
                        max_output_tokens=8_192, note="json_object only; no json_schema"),
    "qwen": Profile("qwen", "json", strip_think=True, context_size=32_000, system_messages=True,
                    max_output_tokens=8_192, note="DashScope compatible-mode: json_object; Qwen3 may think"),
    "vllm": Profile("vllm", "json_schema", strip_think=True, context_size=32_768, system_messages=True,
                    max_output_tokens=8_192, note="guided decoding from json_schema"),
    "ollama": Profile("ollama", "json_schema", strip_think=True, context_size=8_192, system_messages=True,
                      max_output_tokens=4_096, note="/v1 accepts json_schema (0.5+); default num_ctx is small"),
    "llamacpp": Profile("llamacpp", "json_schema", strip_think=True, context_size=4_096, system_messages=True,
                        max_output_tokens=2_048, note="llama-server: json_schema → grammar; ctx = its -c"),
    "generic": Profile("generic", "json", strip_think=True, context_size=8_192, system_messages=True,
                       max_output_tokens=4_096, note="unknown endpoint: plain JSON mode, the widest support"),
}

_OVERRIDABLE = ("structured_mode", "strip_think", "context_size", "system_messages", "max_output_tokens")


def get_profile(name: str, overrides: dict[str, Any] | None = None) -> Profile:
    """The named profile with per-user overrides (from the config's ``[capabilities]``)."""
    key = name.strip().lower()
    if key not in PROFILES:
        raise ValueError(f"unknown LLM profile {name!r}; known: {', '.join(sorted(PROFILES))}")
    prof = PROFILES[key]
    if not overrides:
        return prof
    unknown = set(overrides) - set(_OVERRIDABLE)
    if unknown:
        raise ValueError(f"unknown capability override(s) {sorted(unknown)}; allowed: {', '.join(_OVERRIDABLE)}")
    if "structured_mode" in overrides and overrides["structured_mode"] not in ("json_schema", "tools", "json"):
        raise ValueError(f"structured_mode must be json_schema, tools or json, not {overrides['structured_mode']!r}")
    return replace(prof, **overrides)


def detect_family(base_url: str | None, model: str | None = None) -> str:
    """Guess the endpoint family from its URL (and model name) when no profile is set.

    Only well-known hosts and default ports are recognised; anything else is
    ``generic`` (plain JSON mode), which every compatible server accepts.
    """
    if not base_url:
        return "generic"
    u = urlparse(base_url)
    host = (u.hostname or "").lower()
    port = u.port
    if host.endswith("openai.com"):
        return "openai"
    if "deepseek" in host:
        return "deepseek"
    if "dashscope" in host or "aliyuncs" in host:
        return "qwen"
    if port == 11434 or "ollama" in host:
        return "ollama"
    if port in (8080, 8089) or "llama" in host:
        return "llamacpp"
    if port == 8000 or "vllm" in host:
        return "vllm"
    m = (model or "").lower()
    if m.startswith("deepseek"):
        return "deepseek"
    return "generic"
