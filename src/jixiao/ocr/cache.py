"""On-disk cache of page OCR results.

OCR costs seconds a page; rerunning the pipeline on the same file (new extraction rules, a
different LLM mode) must not pay it again. The key is the rendered page image itself plus
the engine version and every parameter that changes the output, so a changed file, a
different dpi, or an engine upgrade all miss, while the same page inside another PDF hits.

Entries are small JSON files (``<root>/<2 hex>/<key>.json``) written atomically (temp file
and rename), so two processes filling the cache at once never leave a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """``$JIXIAO_CACHE_DIR/ocr`` when set, else ``$XDG_CACHE_HOME/jixiao/ocr`` or ``~/.cache/jixiao/ocr``."""
    env = os.environ.get("JIXIAO_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "ocr"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "jixiao" / "ocr"


def cache_key(image: np.ndarray, engine: str, params: dict[str, Any]) -> str:
    """Hash of the page image (pixels and shape), the engine version and the OCR parameters."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"jixiao-ocr/{CACHE_FORMAT}|{engine}|{json.dumps(params, sort_keys=True)}|".encode())
    h.update(f"{image.shape}|{image.dtype}|".encode())
    h.update(np.ascontiguousarray(image).data)
    return h.hexdigest()


class OcrCache:
    """Get/put page results by key; ``root=None`` means the default directory."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self._warned = False

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or None (missing or unreadable entries are misses, not errors)."""
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        return data.get("result")

    def put(self, key: str, result: dict[str, Any]) -> None:
        """Store a result. A cache that cannot be written costs a warning, not the OCR result."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"format": CACHE_FORMAT, "result": result}, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if not self._warned:
                self._warned = True
                warnings.warn(f"OCR cache {self.root} is not writable ({exc}); results will not be reused", stacklevel=2)
