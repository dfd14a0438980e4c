"""Output naming as a contract (issue 15): one stem per input, unique, safe, bounded.

Every input gets one output *stem*; its outputs are ``OUT/<stem><suffix>`` for the suffixes
in ``OUTPUT_SUFFIXES``. The stem is

1. the input's path relative to its input root (the directory given on the command line,
   or the file's own folder for a file given directly), without the last extension, with
   folder separators written ``__`` (``a/same.pdf`` → ``a__same``);
2. made safe: control characters, ``/``, ``\\`` and NUL become ``_``, a leading ``.`` or
   ``-`` becomes ``_`` (no hidden files, no option-like names);
3. capped at ``MAX_STEM_BYTES`` bytes of UTF-8 (cut at a character boundary, then
   ``-`` + 8 hex digits of a hash of the relative path), so every output and its temporary
   file fit the 255-byte file-name limit;
4. unique within the run: when any output name of a stem (compared case-insensitively)
   is taken by an earlier input (sorted by path) or is reserved (``run.json`` and its lock),
   the stem gets ``-`` + 8 hex digits of the input's content hash — and a warning.

Stems never contain a path separator, so no output can land outside OUT.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

OUTPUT_SUFFIXES = (".json", ".xlsx", ".csv", ".budget.csv", ".md")
RESERVED_NAMES = frozenset({"run.json", ".run.json.lock"})
MAX_STEM_BYTES = 200  # + ".budget.csv" (11) + the temp file's ".…XXXXXXXX.tmp" (14) < 255
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass
class Naming:
    stems: dict[Path, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _short_hash(text: str | bytes) -> str:
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:8]


def _cap(stem: str, key: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) <= max_bytes:
        return stem
    cut = raw[: max_bytes - 9].decode("utf-8", "ignore")  # a character cut in half is dropped
    return f"{cut}-{_short_hash(key)}"


def base_stem(rel: str) -> str:
    """The readable stem of a relative path (steps 1–3 above)."""
    parts = [p for p in re.split(r"[/\\]", rel) if p not in ("", ".")]
    if not parts:
        parts = ["_"]
    last = parts[-1]
    dot = last.rfind(".")
    if dot > 0:
        last = last[:dot]
    stem = "__".join(parts[:-1] + [last]) or "_"
    stem = unicodedata.normalize("NFC", stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    stem = _UNSAFE.sub("_", stem)
    if stem[0] in ".-":
        stem = "_" + stem[1:]
    return _cap(stem, rel)


def output_names(stem: str) -> list[str]:
    return [stem + s for s in OUTPUT_SUFFIXES]


def assign_stems(items: Iterable[tuple[Path, str]], content_hash: Callable[[Path], str]) -> Naming:
    """Stems for ``(path, path relative to its input root)`` pairs; see the module docstring."""
    naming = Naming()
    taken: set[str] = {n.casefold() for n in RESERVED_NAMES}
    for path, rel in sorted(items, key=lambda x: (x[1], str(x[0]))):
        stem = base_stem(rel)
        if any(n.casefold() in taken for n in output_names(stem)):
            first = stem
            salt = content_hash(path)
            for attempt in range(100):
                tag = salt[:8] if attempt == 0 else _short_hash(f"{salt}:{attempt}")
                stem = _cap(first, rel, MAX_STEM_BYTES - 9) + f"-{tag}"
                if not any(n.casefold() in taken for n in output_names(stem)):
                    break
            naming.warnings.append(f"{path}: output name {first!r} is taken (another input or a reserved "
                                   f"name), writing {stem!r} instead")
        taken.update(n.casefold() for n in output_names(stem))
        naming.stems[path] = stem
    return naming
