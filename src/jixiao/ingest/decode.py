"""Text decoding for text exports (issue 15): BOM, strict UTF-8, then a maintained detector.

Order, and why:

1. a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32);
2. UTF-16 without a BOM, recognised by its zero bytes (every other byte of ASCII, tabs
   and newlines is 0) — or later by charset-normalizer;
3. strict UTF-8 — most exports today;
4. *mostly* UTF-8 — valid multi-byte sequences everywhere and a few bad bytes (a truncated
   copy, one stray byte): decoded as UTF-8 with U+FFFD for the bad bytes and **flagged**,
   never re-read as another encoding (one bad byte used to turn a file into UTF-16 mojibake);
5. strict GB18030 — the superset government offices' exports use (the detector alone
   often prefers a Japanese or Korean code page for short Chinese text);
6. charset-normalizer's candidates for what is left (Big5, Latin code pages, BOM-less
   UTF-16 of pure CJK text): GB18030 with replacement when a GB encoding is among them,
   else its best guess; replaced bytes are counted and flagged.

Binary data (NUL bytes that are not UTF-16/32) is refused.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_RUN = re.compile("\ufffd+")
_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


@dataclass
class Decoded:
    text: str
    encoding: str
    replaced: int = 0  # undecodable byte sequences turned into U+FFFD
    binary: bool = False


def _utf16_no_bom(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` when zero bytes sit on one parity only of an even-length buffer
    and the decode is strict text (no control characters but tab, CR, LF)."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    half = len(raw) // 2
    for enc, here, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if here and other <= 0.02 * half:
            text = _strict(raw, enc)
            if text is not None and not _CONTROL.search(text):
                return enc
    return None


def _strict(raw: bytes, enc: str) -> str | None:
    try:
        return raw.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(raw: bytes) -> Decoded:
    """Decode a text export; see the module docstring for the order."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            text = raw.decode(enc, errors="replace")
            return Decoded(text, enc, text.count("\ufffd") - raw.decode(enc, "ignore").count("\ufffd"))
    enc16 = _utf16_no_bom(raw)  # before UTF-8: NUL bytes are valid UTF-8, but no text has them
    if enc16:
        text = raw.decode(enc16, errors="replace")
        return Decoded(text, enc16, text.count("\ufffd"))
    if b"\x00" in raw[:65536]:  # NUL outside UTF-16/32: binary
        return Decoded("", "binary", binary=True)
    text = _strict(raw, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    if b"\x00" in raw[:65536]:
        return Decoded("", "binary", binary=True)
    lossy = raw.decode("utf-8", errors="replace")
    bad = len(_BAD_RUN.findall(lossy))  # one damaged spot may cost up to 4 replacement characters
    multibyte = sum(1 for ch in lossy if ord(ch) > 0x7F and ch != "\ufffd")
    if bad and multibyte >= 4 * bad:  # mostly UTF-8 with a few broken bytes
        return Decoded(lossy, "utf-8", bad)
    text = _strict(raw, "gb18030")
    if text is not None:  # the genre's own encoding, preferred over the detector's guess
        return Decoded(text, "gb18030")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw[:1 << 20]))
    best = matches[0] if matches else None
    gb_candidate = any(_is_chinese(enc) for m in matches for enc in m.could_be_from_charset)
    if best is not None and not gb_candidate and best.encoding.lower().replace("-", "_").startswith("utf_16"):
        text = raw.decode(best.encoding, errors="replace")
        return Decoded(text, best.encoding, text.count("\ufffd"))
    if best is None or gb_candidate:  # GB18030 preferred whenever the bytes can be GB text
        text = _strict(raw, "gb18030")
        if text is not None:
            return Decoded(text, "gb18030")
        text = raw.decode("gb18030", errors="replace")
        return Decoded(text, "gb18030", len(_BAD_RUN.findall(text)))
    text = raw.decode(best.encoding, errors="replace")
    return Decoded(text, best.encoding, len(_BAD_RUN.findall(text)))


def _is_chinese(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in _CHINESE
