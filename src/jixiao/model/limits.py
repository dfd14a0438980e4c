"""Per-file budgets: the one place their defaults live (issue 15).

A tiny file can describe a huge object — a Word cell spanning 100 million columns, an Excel
merge over the whole sheet, a page 5 metres wide. Every reader checks the size a file
*claims* against these budgets before allocating anything, and fails that file alone with
an ``IngestError`` naming the limit and the value (``LimitExceeded`` carries both).

Defaults are generous for real budget books (a form is tens of rows, a book a few thousand
pages). Override them with ``JIXIAO_LIMIT_<NAME>`` environment variables or
``jixiao extract --limit name=value``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from jixiao.model.errors import JixiaoError, JixiaoInterrupt


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 512 * 1024 * 1024  # input file size
    max_zip_member_bytes: int = 256 * 1024 * 1024  # one decompressed member of a DOCX/XLSX package
    max_zip_members: int = 10_000  # members of one DOCX/XLSX package (a Word file has ~20)
    max_zip_total_bytes: int = 1024 * 1024 * 1024  # all members of one package, decompressed
    max_zip_ratio: int = 200  # decompressed ÷ compressed bytes of one member over 1 MiB (real XML: 5-30)
    max_text_chars: int = 20_000_000  # decoded characters of a text/HTML export
    max_cells: int = 1_000_000  # cells of one table (rows × columns, after spans)
    max_merge_cells: int = 100_000  # cells covered by one merged range / one spanned cell
    max_span: int = 1_000  # a DOCX gridSpan or vMerge run, in grid slots
    max_pages: int = 5_000  # pages of one PDF
    max_page_area: float = 5000.0 * 5000.0  # pt²; A0 is 2384 × 3370 pt (8 Mpt²)
    # wall time of one file (an OCR'd page costs ~4 s on one core: 900 pages fit); checked by a
    # timer in the process that runs the file (see jixiao.batch.wall_clock)
    max_file_seconds: int = 3600
    # address space of a --jobs worker process (RLIMIT_AS); a scan with RapidOCR peaks at ~2.3 GiB
    max_worker_memory: int = 8192  # MiB

    def with_overrides(self, pairs: dict[str, str]) -> "Limits":
        """A copy with ``name=value`` overrides; unknown names raise ``KeyError``."""
        known = {f.name: f.type for f in fields(self)}
        changes: dict[str, int | float] = {}
        for name, value in pairs.items():
            key = name if name in known else f"max_{name}"
            if key not in known:
                raise KeyError(f"unknown limit {name!r}; known: {', '.join(sorted(known))}")
            changes[key] = float(value) if key == "max_page_area" else int(float(value))
        return replace(self, **changes)


class FileOverTime(JixiaoInterrupt):
    """A file ran past ``max_file_seconds`` (an interrupt: no stage's ``except Exception`` swallows it)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"ran past the budget file_seconds={seconds:,.0f} s (raise it with --limit file_seconds=N)")


class LimitExceeded(JixiaoError):
    """A file claims more than a budget allows; ``str()`` names the limit and the value."""

    def __init__(self, limit: str, value: float, allowed: float, what: str = ""):
        self.limit, self.value, self.allowed = limit, value, allowed
        where = f"{what}: " if what else ""
        super().__init__(f"{where}{value:,.0f} exceeds the budget {limit}={allowed:,.0f} "
                         f"(raise it with --limit {limit.removeprefix('max_')}=N)")


def _from_env() -> Limits:
    pairs = {f.name: os.environ[f"JIXIAO_LIMIT_{f.name.removeprefix('max_').upper()}"]
             for f in fields(Limits) if f"JIXIAO_LIMIT_{f.name.removeprefix('max_').upper()}" in os.environ}
    return Limits().with_overrides(pairs)


_current: Limits | None = None


def limits() -> Limits:
    """The budgets in force (environment overrides applied once)."""
    global _current
    if _current is None:
        _current = _from_env()
    return _current


def set_limits(value: Limits | None) -> None:
    """Install budgets for this process (``None``: back to defaults + environment)."""
    global _current
    _current = value


def check(limit: str, value: float, what: str = "") -> None:
    """Raise ``LimitExceeded`` when ``value`` is above the budget named ``limit``."""
    allowed = getattr(limits(), limit)
    if value > allowed:
        raise LimitExceeded(limit, value, allowed, what)
