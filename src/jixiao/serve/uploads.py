"""Upload handling: the multipart body streamed to disk inside the budgets, then checked.

Why not FastAPI's ``UploadFile``: Starlette spools the whole request before the endpoint
runs, so an upload sent without ``Content-Length`` (chunked) is stored in full before any
limit applies, and a malformed body surfaces as a generic error. Here the body is parsed
as it arrives (python-multipart's push parser) and refused *while reading*:

* a request over ``max_request_bytes`` → 413 at the chunk that crosses it;
* one file over the per-file budget (the service's ``max_bytes`` and the extractor's
  ``max_bytes``, whichever is smaller) → 413 as soon as that part grows past it;
* more than ``max_files`` file parts, or more than ``MAX_FIELDS`` form fields → 413 when the
  part after the last allowed one begins;
* not multipart, no boundary, a torn or garbled body, a part without a name → 400/415
  with a JSON ``detail`` saying which.

File parts go to a temporary folder, one at a time in memory only as a chunk. Once the body
is complete, each file is checked against the extractor's budgets that can be judged from
the bytes alone (zip members, sizes and ratios for DOCX/XLSX — ``jixiao.ingest.zipcheck`` —
before anything opens the package), then its type (``security.sniff_kind``) and pages.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from jixiao.model.modes import LlmMode, OcrMode
from jixiao.serve.security import Limits, UploadRejected, check_pages, sniff_kind

FILE_FIELD = "file"
MAX_FIELDS = 20  # ocr, llm and room for a few more
MAX_FIELD_BYTES = 1024
MAX_HEADER_BYTES = 8192  # all header lines of one part together
MAX_NAME_CHARS = 200


@dataclass
class Upload:
    """One received file: the client's name (shown, never a path), where it is spooled, its hash."""

    name: str
    path: Path
    size: int
    sha256: str
    kind: str = ""
    pages: int | None = None


@dataclass
class Received:
    files: list[Upload] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None

    def close(self) -> None:
        """Remove the spooled files (the accepted ones are copied into the store first)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def per_file_bytes(limits: Limits) -> int:
    """The smaller of the service's upload limit and the extractor's file budget."""
    from jixiao.model.limits import limits as extract_limits

    return min(limits.max_bytes, extract_limits().max_bytes)


class _Parts:
    """python-multipart callbacks: headers per part, file data to disk, fields to memory."""

    def __init__(self, limits: Limits, folder: Path) -> None:
        self.limits, self.folder = limits, folder
        self.max_file = per_file_bytes(limits)
        self.out = Received(folder=folder)
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.header_bytes = 0
        self.part: dict[str, Any] | None = None
        self.ended = False

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value_cb, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
                "on_part_end": self.part_end, "on_end": self.end}

    def part_begin(self) -> None:
        self.headers, self.header_bytes, self.part = {}, 0, None
        self.header_name.clear()
        self.header_value.clear()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_name += data[start:end]

    def header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_value += data[start:end]

    def _count_header(self, n: int) -> None:
        self.header_bytes += n
        if self.header_bytes > MAX_HEADER_BYTES:
            raise UploadRejected(f"a part's headers are longer than {MAX_HEADER_BYTES} bytes", 400)

    def header_end(self) -> None:
        self.headers[bytes(self.header_name).decode("latin-1").strip().lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        disposition = self.headers.get("content-disposition")
        if disposition is None:
            raise UploadRejected("a multipart part without a Content-Disposition header", 400)
        _, params = parse_options_header(disposition)
        name = params.get(b"name")
        if name is None:
            raise UploadRejected("a multipart part without a field name", 400)
        field_name = name.decode("utf-8", "replace")
        if b"filename" in params:
            self._file_part(field_name, params[b"filename"])
        else:
            if len(self.out.fields) >= MAX_FIELDS:
                raise UploadRejected(f"more than {MAX_FIELDS} form fields in one request", 413)
            self.part = {"field": field_name, "value": bytearray()}

    def _file_part(self, field_name: str, raw_name: bytes) -> None:
        if field_name != FILE_FIELD:
            raise UploadRejected(f"files go in the field {FILE_FIELD!r}, not {field_name!r}", 400)
        if len(self.out.files) >= self.limits.max_files:
            raise UploadRejected(f"more than {self.limits.max_files} files in one request; "
                                 f"the limit is {self.limits.max_files}", 413)
        name = (raw_name.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1] or "upload")[:MAX_NAME_CHARS]
        path = self.folder / f"{len(self.out.files):05d}.part"
        self.part = {"name": name, "path": path, "fh": path.open("wb"), "size": 0, "sha": hashlib.sha256()}

    def part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part is None:
            return
        chunk = data[start:end]
        if "fh" in part:
            part["size"] += len(chunk)
            if part["size"] > self.max_file:
                raise UploadRejected(f"{part['name']}: larger than the limit of {self.max_file} bytes", 413)
            part["sha"].update(chunk)
            fh: BinaryIO = part["fh"]
            fh.write(chunk)
        else:
            part["value"] += chunk
            if len(part["value"]) > MAX_FIELD_BYTES:
                raise UploadRejected(f"form field {part['field']!r} is longer than {MAX_FIELD_BYTES} bytes", 413)

    def part_end(self) -> None:
        part, self.part = self.part, None
        if part is None:
            return
        if "fh" in part:
            part["fh"].close()
            self.out.files.append(Upload(part["name"], part["path"], part["size"], part["sha"].hexdigest()))
        else:
            self.out.fields[part["field"]] = bytes(part["value"]).decode("utf-8", "replace")

    def end(self) -> None:
        self.ended = True

    def abort(self) -> None:
        if self.part and "fh" in self.part:
            self.part["fh"].close()


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a Content-Type header; UploadRejected (415/400) when there is none."""
    from python_multipart.multipart import parse_options_header

    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        shown = kind.decode("latin-1") or "none"
        raise UploadRejected(f"the upload must be multipart/form-data (Content-Type: {shown}), "
                             f"with the files in the field {FILE_FIELD!r}", 415)
    boundary = params.get(b"boundary", b"")
    if not boundary or len(boundary) > 200:
        raise UploadRejected("multipart/form-data without a usable boundary parameter", 400)
    return boundary


async def receive(request: Any, limits: Limits, tmp_root: Path) -> Received:
    """Stream the request body into a ``Received``; UploadRejected for every problem (4xx).

    The caller owns the result and calls ``close()`` (the spooled files are removed).
    """
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser

    boundary = boundary_of(request.headers.get("content-type", ""))
    tmp_root.mkdir(parents=True, exist_ok=True)
    parts = _Parts(limits, Path(tempfile.mkdtemp(prefix="upload-", dir=tmp_root)))
    parser = MultipartParser(boundary, parts.callbacks())
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limits.max_request_bytes:
                raise UploadRejected(f"request of more than {limits.max_request_bytes} bytes; "
                                     f"the limit is {limits.max_request_bytes}", 413)
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        parts.abort()
        parts.out.close()
        raise UploadRejected(f"a malformed multipart body ({exc})", 400) from None
    except BaseException:
        parts.abort()
        parts.out.close()
        raise
    if not parts.ended:
        parts.out.close()
        raise UploadRejected("the multipart body ends before its closing boundary (torn upload?)", 400)
    if not parts.out.files:
        parts.out.close()
        raise UploadRejected(f"no file in the upload: send them in the multipart field {FILE_FIELD!r}", 400)
    return parts.out


def check_upload(up: Upload, limits: Limits) -> bytes:
    """The file's bytes once they pass the extractor's budgets, its type and page checks.

    Sets ``up.kind`` and ``up.pages``; every refusal is an UploadRejected naming the reason.
    """
    if up.size == 0:
        raise UploadRejected("the file is empty", 400)
    with up.path.open("rb") as fh:
        if fh.read(2) == b"PK":
            _check_zip(up.path)
    data = up.path.read_bytes()
    try:
        up.kind = sniff_kind(data)
        up.pages = check_pages(data, up.kind, limits.max_pages)
    except UploadRejected:
        raise
    except Exception as exc:  # a parser's own error on a hostile file: the client's problem, not a 500
        raise UploadRejected(f"the file cannot be read ({type(exc).__name__}: {exc})", 422) from None
    return data


def _check_zip(path: Path) -> None:
    """The zip budgets of ``jixiao extract`` (member count, sizes, ratio), from the zip directory."""
    from jixiao.ingest.zipcheck import check_zip_package
    from jixiao.model.limits import LimitExceeded

    try:
        check_zip_package(path, "zip package (.docx/.xlsx)")
    except LimitExceeded as exc:
        raise UploadRejected(str(exc), 413) from None


# The request body for the API docs (/docs): the endpoint parses it itself, so FastAPI cannot infer it.
OPENAPI_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FILE_FIELD],
    "properties": {
        FILE_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "one or more files (PDF, DOCX, XLSX, HTML, text); repeat the field"},
        "ocr": {"type": "string", "enum": [m.value for m in OcrMode], "default": OcrMode.AUTO.value},
        "llm": {"type": "string", "enum": [m.value for m in LlmMode], "default": LlmMode.OFF.value},
    }}}}}}
