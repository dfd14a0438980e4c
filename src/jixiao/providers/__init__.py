"""The LLM path's machinery: provider interface, config, chunking, grounding, cache.

Nothing here imports openai/instructor at import time; :func:`make_provider` does, and
only once an endpoint is configured.
"""

from __future__ import annotations

from typing import Any

from jixiao.providers.config import LlmConfig, load_config
from jixiao.providers.provider import (
    LlmError,
    LlmInvalidOutput,
    LlmNotConfigured,
    LlmRateLimited,
    LlmServerError,
    LlmTimeout,
    LlmTruncated,
    LlmUnavailable,
    Provider,
    Usage,
)

__all__ = [
    "LlmConfig", "LlmError", "LlmInvalidOutput", "LlmNotConfigured", "LlmRateLimited", "LlmServerError",
    "LlmTimeout", "LlmTruncated", "LlmUnavailable", "Provider", "Usage", "load_config", "make_provider",
]


def make_provider(config: LlmConfig, **kwargs: Any) -> Provider:
    """The provider for a configured endpoint (raises :class:`LlmNotConfigured` otherwise)."""
    config.require()
    try:
        from jixiao.providers.openai_compat import OpenAICompatProvider
    except ImportError as exc:
        raise LlmNotConfigured(
            f"the LLM path needs the [llm] extra ({exc.name} is missing): pip install 'jixiao[llm]'"
        ) from exc
    return OpenAICompatProvider(config, **kwargs)
