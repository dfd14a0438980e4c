"""Text decoding for text exports (issue 15): BOM, strict UTF-8, then a maintained detector.

Order, and why:

1. a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32);
2. UTF-16 without a BOM, recognised by its zero bytes (every other byte of ASCII, tabs
   and newlines is 0) — or later by charset-normalizer;
3. strict UTF-8 — most exports today;
4. *mostly* UTF-8 — valid multi-byte sequences everywhere and a few bad bytes (a truncated
   copy, one stray byte): decoded as UTF-8 with U+FFFD for the bad bytes and **flagged**,
   never re-read as another encoding (one bad byte used to turn a file into UTF-16 mojibake);
5. charset-normalizer's best guess; a Chinese guess (GB2312/GBK/GB18030/HZ) is read as
   GB18030, the superset that government offices' exports use;
6. nothing fits: GB18030 with replacement, flagged.

Binary data (NUL bytes that are not UTF-16/32) is refused.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


@dataclass
class Decoded:
    text: str
    encoding: str
    replaced: int = 0  # undecodable byte sequences turned into U+FFFD
    binary: bool = False


def _utf16_no_bom(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` when zeros sit on one parity of an even-length buffer."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    half = len(raw) // 2
    if odd > 0.2 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.2 * half and odd < 0.02 * half:
        return "utf-16-be"
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
    bad = lossy.count("\ufffd")
    multibyte = sum(1 for ch in lossy if ord(ch) > 0x7F and ch != "\ufffd")
    if bad and multibyte >= 4 * bad:  # mostly UTF-8 with a few broken bytes
        return Decoded(lossy, "utf-8", bad)
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1 << 20]).best()
    guess = (best.encoding if best else "").lower().replace("_", "").replace("-", "")
    if best is not None and guess.startswith("utf16"):
        text = raw.decode(best.encoding, errors="replace")
        return Decoded(text, best.encoding, text.count("\ufffd"))
    if best is None or guess in {e.replace("_", "") for e in _CHINESE} or guess.startswith("gb"):
        text = _strict(raw, "gb18030")
        if text is not None:
            return Decoded(text, "gb18030")
        text = raw.decode("gb18030", errors="replace")
        return Decoded(text, "gb18030", text.count("\ufffd"))
    text = raw.decode(best.encoding, errors="replace")
    return Decoded(text, best.encoding, text.count("\ufffd"))
