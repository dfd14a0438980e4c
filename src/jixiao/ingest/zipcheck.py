"""Budgets of a zip package (DOCX, XLSX) checked from its directory, before any library opens it.

A DOCX or XLSX is a zip archive, and a zip archive can be a bomb: a few kilobytes whose
members decompress to gigabytes (one member, or many that add up), or hundreds of
thousands of empty members that make every reader build an index entry for each. Python's
``zipfile`` — which python-docx and openpyxl both use — never returns more bytes than a
member's *declared* size (a member that lies fails its CRC), so the declared sizes in the
central directory are a sound bound on what a reader can be made to decompress.

The checks, cheapest first:

1. the number of members, read from the end-of-central-directory record (22 bytes near
   the end of the file) before ``zipfile`` builds one object per member;
2. the total declared decompressed size of all members (``max_zip_total_bytes``);
3. each member's declared size (``max_zip_member_bytes``);
4. each member's compression ratio, for members over ``RATIO_GRACE_BYTES``
   (``max_zip_ratio``): real Office XML compresses 5-30×, a bomb 1000×.

Every refusal is a ``LimitExceeded`` naming the limit, the value and the member.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from jixiao.model.limits import LimitExceeded, check, limits

RATIO_GRACE_BYTES = 1 << 20  # members smaller than this may compress any amount (an empty part: ∞)
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_MIN_CD_ENTRY = 46  # bytes of a central-directory entry without its name


def check_zip_package(source: Path | bytes | BinaryIO, what: str = "zip package") -> None:
    """Raise ``LimitExceeded`` when the package at ``source`` is over a zip budget.

    A file that is not a readable zip passes silently: the reader that opens it next reports
    the corruption in its own words.
    """
    if isinstance(source, bytes):
        _check_stream(io.BytesIO(source), what)
    elif isinstance(source, Path):
        with source.open("rb") as fh:
            _check_stream(fh, what)
    else:
        _check_stream(source, what)


def _check_stream(fh: BinaryIO, what: str) -> None:
    entries, cd_size = directory_size(fh)
    check("max_zip_members", entries, f"{what}: members")
    # zipfile reads the directory by its byte size, not its count: a lying count is caught here
    check("max_zip_members", cd_size // _MIN_CD_ENTRY, f"{what}: members its central directory has room for")
    fh.seek(0)
    try:
        infos = zipfile.ZipFile(fh).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    check("max_zip_members", len(infos), f"{what}: members")
    check("max_zip_total_bytes", sum(i.file_size for i in infos), f"{what}: decompressed bytes of all members")
    for info in infos:
        check("max_zip_member_bytes", info.file_size, f"{what}: member {info.filename}: decompressed bytes")
        if info.file_size > RATIO_GRACE_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits().max_zip_ratio:
                raise LimitExceeded("max_zip_ratio", ratio, limits().max_zip_ratio,
                                    f"{what}: member {info.filename} ({info.compress_size:,} bytes expanding to "
                                    f"{info.file_size:,}): compression ratio")


def directory_size(fh: BinaryIO) -> tuple[int, int]:
    """(member count, central directory bytes) from the end records; (0, 0) when there are none."""
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    tail_len = min(size, 22 + 0xFFFF)  # the record, after at most a 64 KiB comment
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return 0, 0
    entries, cd_size = struct.unpack("<HI", tail[at + 10:at + 16])
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= 20 and tail[at - 20:at - 16] == _ZIP64_LOCATOR:
        (z64_offset,) = struct.unpack("<Q", tail[at - 12:at - 4])
        if 0 <= z64_offset <= size - 56:
            fh.seek(z64_offset)
            rec = fh.read(56)
            if rec[:4] == _ZIP64_EOCD:
                entries, cd_size = struct.unpack("<QQ", rec[32:48])
    return entries, cd_size


def refuse_zip_bomb(path: Path | str, source: Path | bytes | BinaryIO) -> None:
    """``check_zip_package`` for the file ``path``: a budget overrun becomes an ``IngestError``."""
    from jixiao.model.source import IngestError

    try:
        check_zip_package(source, "zip package (.docx/.xlsx)")
    except LimitExceeded as e:
        raise IngestError(str(path), str(e)) from None
