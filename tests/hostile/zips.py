"""A minimal zip writer for building real zip bombs cheaply (issue 15).

Python's ``zipfile`` compresses every byte it writes, so a 1 GiB member costs seconds of
CPU. A bomb needs no such work: a deflate block holding 1 MiB of zeros, compressed once
and ended with a full flush (which forgets the history), can be repeated as often as
wanted — each copy decodes to another MiB. ``repeated`` builds such a stream with its real
CRC-32 and size, and ``write_zip`` lays the members out as a valid archive (zip64 end
records when there are more than 65,535 members), which ``zipfile`` reads back.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Member:
    name: str
    deflated: bytes  # raw deflate stream (method 8)
    crc: int
    size: int  # decompressed bytes

    @classmethod
    def of(cls, name: str, data: bytes) -> "Member":
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def repeated(name: str, unit: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> Member:
    """A member whose content is ``head + unit * times + tail``, compressed in O(len(unit))."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    block = first.compress(unit) + first.flush(zlib.Z_FULL_FLUSH)  # independent of what came before
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = last.compress(tail) + last.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(tail, crc)
    return Member(name, start + block * times + end, crc, len(head) + len(unit) * times + len(tail))


def write_zip(path: Path, members: list[Member]) -> Path:
    """Write ``members`` as a zip archive (deflate, no extras)."""
    local, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(local)
        local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, m.crc,
                             len(m.deflated), m.size, len(name), 0) + name + m.deflated
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, m.crc,
                               len(m.deflated), m.size, len(name), 0, 0, 0, 0, 0, offset) + name
    cd_offset, n = len(local), len(members)
    end = bytearray()
    if n > 0xFFFF:
        z64_at = cd_offset + len(central)
        end += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(central), cd_offset)
        end += struct.pack("<4sIQI", b"PK\x06\x07", 0, z64_at, 1)
    count = min(n, 0xFFFF)
    end += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, 0)
    path.write_bytes(bytes(local + central + end))
    return path


def package_members(data: bytes) -> list[Member]:
    """The members of a real package (from python-docx / openpyxl), recompressed for ``write_zip``."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [Member.of(i.filename, z.read(i)) for i in z.infolist()]
