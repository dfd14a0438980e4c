"""On-disk cache of validated LLM answers: a rerun of the same chunk costs 0 tokens.

The key is sha256 over everything that determines the answer: model, endpoint family
(the same model behind another family may decode differently), prompt name + version +
the rendered prompt's own hash (so an edit without a version bump still misses), the
response schema's hash, the chunk text, and the endpoint URL: answers from a bad
endpoint must not be reused for another endpoint serving a model of the same name
(issue 15).

Only validated answers are stored, plus a marker for answers cut off at max_tokens (the
chunk is then split, and a rerun goes straight to the halves); other failures are never
stored, so they are retried. One JSON file per key, written atomically, Chinese kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def schema_hash(model: type[BaseModel]) -> str:
    schema = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode("utf-8")).hexdigest()[:16]


def cache_key(*, model: str, family: str, prompt_version: str, prompt_sha: str, schema: str, chunk_text: str,
              max_tokens: int | None = None, endpoint: str = "") -> str:
    """``max_tokens`` is part of the key because it decides whether an answer is cut off;
    ``endpoint`` because two servers may serve different weights under one model name
    (a bad endpoint's answers must never be reused for another)."""
    payload = json.dumps(
        {"model": model, "family": family, "prompt_version": prompt_version, "prompt_sha": prompt_sha,
         "schema": schema, "chunk": chunk_text, "max_tokens": max_tokens, "endpoint": endpoint.rstrip("/")},
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    """``$JIXIAO_CACHE_DIR``, else ``$XDG_CACHE_HOME/jixiao``, else ``~/.cache/jixiao``."""
    if os.environ.get("JIXIAO_CACHE_DIR"):
        return Path(os.environ["JIXIAO_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jixiao"


class LlmCache:
    """``<dir>/llm/<k[:2]>/<k>.json`` holding the answer, its usage and where it came from."""

    def __init__(self, cache_dir: str | Path | None, enabled: bool = True):
        self.root = Path(cache_dir or default_cache_dir()) / "llm"
        self.enabled = enabled

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        p = self.path(key)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError):
            return None  # a torn or foreign file is a miss, and will be overwritten
        return data if isinstance(data, dict) and ("response" in data or data.get("split")) else None

    def put(self, key: str, response: BaseModel, meta: dict[str, Any]) -> None:
        self._write(key, {"key": key, **meta, "response": response.model_dump(mode="json")})

    def put_split(self, key: str, meta: dict[str, Any]) -> None:
        """Remember that this chunk's answer was cut off, so a rerun goes straight to its halves."""
        self._write(key, {"key": key, **meta, "split": True})

    def _write(self, key: str, data: dict[str, Any]) -> None:
        if not self.enabled:
            return
        p = self.path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
