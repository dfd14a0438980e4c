"""Safety defaults: bearer tokens (required off loopback), upload type by magic bytes, limits."""

from __future__ import annotations

import hmac
import io
import ipaddress
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.model.errors import JixiaoError
from jixiao.model.limits import Limits as FileLimits


class UploadRejected(JixiaoError, ValueError):
    """A bad upload: the message is the reason given to the client (HTTP 4xx)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 200
    max_files: int = 100
    max_request_bytes: int = 256 * 1024 * 1024  # one upload request, all files together
    job_timeout_s: float = 600.0
    # address space of each worker process (RLIMIT_AS), the same default as `jixiao extract --jobs`
    # workers: an upload that passes every read-time budget and still balloons fails its own job
    worker_memory_mib: int = field(default_factory=lambda: FileLimits().max_worker_memory)


@dataclass
class Tokens:
    """name → token. Empty means no auth (only allowed on a loopback host)."""

    by_name: dict[str, str] = field(default_factory=dict)

    def who(self, presented: str | None) -> str | None:
        """The token's name, or None when it matches none (constant-time compares)."""
        if not presented:
            return None
        found = None
        for name, token in self.by_name.items():
            if hmac.compare_digest(token.encode(), presented.encode()):
                found = name
        return found


def parse_tokens(text: str, origin: str) -> dict[str, str]:
    """``name: token`` lines (``#`` comments, blank lines ignored); env form may use ``,`` too."""
    out: dict[str, str] = {}
    for n, raw in enumerate(text.replace(",", "\n").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, token = line.partition(":")
        name, token = name.strip(), token.strip()
        if not sep or not name or not token:
            raise ValueError(f"{origin}: line {n}: expected 'name: token'")
        if len(token) < 16:
            raise ValueError(f"{origin}: line {n}: token for {name!r} is shorter than 16 characters")
        out[name] = token
    return out


def load_tokens(path: Path | None) -> Tokens:
    tokens: dict[str, str] = {}
    if path is not None:
        tokens.update(parse_tokens(Path(path).read_text(encoding="utf-8"), str(path)))
    env = os.environ.get("JIXIAO_SERVE_TOKENS")
    if env:
        tokens.update(parse_tokens(env, "JIXIAO_SERVE_TOKENS"))
    return Tokens(tokens)


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sniff_kind(data: bytes) -> str:
    """The input type from its bytes (never the extension): pdf, docx, xlsx, html or text."""
    if data[:1024].lstrip().startswith(b"%PDF-") or data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise UploadRejected(f"a ZIP archive that cannot be opened: {exc}", 415) from exc
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise UploadRejected("a ZIP archive that is neither a Word (.docx) nor an Excel (.xlsx) file", 415)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRejected("an old binary Office file (.doc/.xls): save it as .docx/.xlsx", 415)
    head = data[:4096]
    if b"\x00" in head:
        raise UploadRejected("a binary file of an unsupported type (supported: PDF, DOCX, XLSX, HTML, text)", 415)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadRejected("text in an unknown encoding (expected UTF-8 or GB18030)", 415)
    low = text[:2048].lstrip().lower()
    if low.startswith("<!doctype html") or low.startswith("<html") or "<table" in text[:200000].lower():
        return "html"
    return "text"


def check_pages(data: bytes, kind: str, max_pages: int) -> int | None:
    """The page count of a PDF (None for other kinds); rejects unreadable or too long PDFs."""
    if kind != "pdf":
        return None
    import pymupdf as fitz

    try:
        with fitz.open(stream=data, filetype="pdf") as doc:
            if doc.needs_pass:
                raise UploadRejected("the PDF is password-protected", 422)
            n = doc.page_count
    except UploadRejected:
        raise
    except Exception as exc:  # PyMuPDF raises its own types for broken files
        raise UploadRejected(f"the PDF cannot be opened: {exc}", 422) from exc
    if n == 0:
        raise UploadRejected("the PDF has no pages", 422)
    if n > max_pages:
        raise UploadRejected(f"the PDF has {n} pages; the limit is {max_pages}", 413)
    return n
