"""Scrub secrets from every error text before it is logged, flagged or exported (issue 15).

An endpoint's error body may echo the request — ``Authorization: Bearer sk-…`` — and that
text flows into LlmError messages, flags, the Markdown summary and stderr. Two nets:
the configured API keys themselves (registered when a config is loaded), and the shapes
keys travel in (Authorization / api-key headers, bearer tokens, ``sk-`` keys).
"""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_PATTERNS = (
    (re.compile(r"(?i)\b(authorization|proxy-authorization|x-api-key|api[-_]?key)(\"?'?\s*[:=]\s*\"?'?)"
                r"(?:bearer\s+|basic\s+)?[^\s\"',;}]+"), r"\1\2***"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer ***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"), "sk-***"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret to scrub (keys shorter than 8 characters, like "none", are ignored)."""
    if value and len(value) >= 8:
        _SECRETS.add(value)


def scrub(text: str | None) -> str | None:
    """``text`` with every known secret and every key-shaped token replaced by ``***``."""
    if not text:
        return text
    for s in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(s, "***")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text
