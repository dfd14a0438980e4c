"""Ingest: any supported file → ``SourceDocument``.

The format is decided from the file's content (magic bytes), not its name, so a PDF
saved as ``.dat`` still works and a renamed Word file gets a clear message.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from jixiao.model.source import IngestError, SourceDocument

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".xlsx", ".xlsm", ".html", ".htm", ".txt", ".tsv", ".md", ".csv", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MAX_BYTES = 512 * 1024 * 1024


def sniff_format(path: Path) -> str:
    """pdf | docx | xlsx | html | text, from magic bytes; raises IngestError when unknown.

    HTML has no magic bytes: a file named .html/.htm, or one whose first markup is
    ``<!DOCTYPE html>`` / ``<html``, is HTML (``looks_like_html``).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise IngestError(str(path), f"cannot open: {exc.strerror or exc}") from exc
    if not head:
        raise IngestError(str(path), "empty file")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        from jixiao.ingest.zipcheck import refuse_zip_bomb

        refuse_zip_bomb(path, path)  # from the zip's directory, before zipfile indexes every member
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile as exc:
            raise IngestError(str(path), f"corrupt Office file (bad zip: {exc})") from exc
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise IngestError(str(path), "zip archive that is neither a .docx nor a .xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(str(path), "legacy .doc/.xls or encrypted Office file: save it as .docx/.xlsx (or remove the password)")
    if path.suffix.lower() == ".pdf":
        raise IngestError(str(path), "not a valid PDF (no %PDF header): the file is corrupt or mis-named")
    if path.suffix.lower() in HTML_SUFFIXES or looks_like_html(path):
        return "html"
    return "text"


_HTML_START = re.compile(rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def looks_like_html(path: Path) -> bool:
    """Whether the file starts (after a BOM, blanks and comments) with an HTML doctype or ``<html>``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")))


def ingest_file(path: str | Path) -> SourceDocument:
    """Read one input into blocks; every failure is an IngestError naming file and reason."""
    p = Path(path)
    if not p.exists():
        raise IngestError(str(p), "no such file")
    if p.is_dir():
        raise IngestError(str(p), "is a directory")
    from jixiao.model.limits import limits

    size = p.stat().st_size
    if size > limits().max_bytes:
        raise IngestError(str(p), f"file is {size / 2**20:.0f} MiB, above the budget max_bytes="
                          f"{limits().max_bytes // 2**20} MiB (raise it with --limit bytes=N)")
    fmt = sniff_format(p)
    if fmt == "pdf":
        from jixiao.ingest.pdf import ingest_pdf

        doc = ingest_pdf(p)
    elif fmt == "docx":
        from jixiao.ingest.docx import ingest_docx

        doc = ingest_docx(p)
    elif fmt == "xlsx":
        from jixiao.ingest.xlsx import ingest_xlsx

        doc = ingest_xlsx(p)
    elif fmt == "html":
        from jixiao.ingest.html import ingest_html

        doc = ingest_html(p)
    else:
        from jixiao.ingest.text import ingest_text

        doc = ingest_text(p)
    if not doc.sha256:
        doc.sha256 = file_sha256(p)
    return doc


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
