"""Decide per PDF page whether its text layer can be trusted, and say why.

Government forms reach us as born-digital PDFs, as scans with no text at all, and as scans or
exports whose text layer is garbage: fonts without a Unicode map (Identity-H with no
ToUnicode, so MuPDF returns glyph ids as "characters"), private-use code points, a scanner's
invisible OCR layer full of noise, mojibake. Extracting from garbage silently gives confident
nonsense, so each page gets a verdict — OK, NO_TEXT or GARBLED — and the OCR stage redoes the
pages that are not OK. The checks follow MuPDF's text extraction and MinerU's classifier in
spirit: cheap counts over the page text, fonts and image boxes (about 1–3 ms a page), no
rendering and no OCR imports.

Signals. *Strong* ones decide alone: U+FFFD / private-use / control characters, Chinese
characters mostly outside GB2312 (glyph ids spread over all 20,000+ CJK code points, real
simplified text almost never leaves GB2312), letters of unrelated scripts, runs of mixed
punctuation. *Weak* ones need a second: a few of the above, a Type0 font without ToUnicode,
Latin gibberish, no domain word in a long Chinese text, an invisible text layer over a
page-size image (a scanner's own OCR).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jixiao.model.source import PageTextStatus

# Chars that mean "no Unicode for this glyph": U+FFFD, private use, C0/C1 controls.
_BAD_RE = re.compile(r"[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Runs of 4+ punctuation/symbols that are not one repeated leader character (……, ----, ____).
_PUNCT_RUN_RE = re.compile(r"[!-/:-@\[-`{-~\u00a1-\u00bf\u2010-\u2027\u2030-\u205e\u2190-\u23ff\u2500-\u27bf]{4,}")
_LATIN_TOKEN_RE = re.compile(r"[A-Za-z]{3,}")

STRONG_BAD = 0.05  # share of bad characters
STRONG_RARE = 0.20  # share of CJK characters outside GB2312
STRONG_STRAY = 0.30  # share of letters from unrelated scripts
STRONG_PUNCT = 0.30  # share of characters in mixed-punctuation runs
MIN_CHARS_OVER_IMAGE = 40  # fewer characters than this on a page mostly covered by images → a scan
INVISIBLE_OVER_IMAGE = 0.5  # image cover from which an invisible text layer counts (a scanner's OCR)


@dataclass
class PageSignals:
    """What :func:`classify_page` measured on one page (kept for debugging and tests)."""

    chars: int = 0  # non-space characters
    cjk: int = 0
    bad: int = 0
    rare_cjk: int = 0
    letters: int = 0  # alphabetic characters of any script
    stray: int = 0  # letters of scripts that do not belong in a Chinese/English form
    latin: int = 0
    punct_noise: int = 0
    gibberish_tokens: int = 0
    latin_tokens: int = 0
    lexicon_hits: int = 0
    images: int = 0
    image_cover: float = 0.0  # share of the page area under images
    invisible: float = 0.0  # share of characters drawn invisibly (render mode 3)
    fonts_without_unicode: list[str] = field(default_factory=list)


def classify_page(page: Any, textpage: Any = None) -> tuple[PageTextStatus, str]:
    """Classify a ``pymupdf.Page``: OK, NO_TEXT (image-only) or GARBLED, with a short reason.

    ``textpage``: the page's ``TextPage`` with the default text flags, when the caller has
    one (PDF ingest reads the characters from the same one; a second costs a full text
    extraction). The invisible share is measured only where it can count (``decide``: a
    page mostly covered by images): the text trace is a pass over the whole page."""
    text = page.get_text("text", textpage=textpage) or ""
    sig = measure_text(text)
    sig.images, sig.image_cover = _image_cover(page)
    if sig.chars:
        sig.fonts_without_unicode = _fonts_without_unicode(page)
        if sig.image_cover >= INVISIBLE_OVER_IMAGE:
            sig.invisible = _invisible_share(page)
    return decide(sig)


def measure_text(text: str) -> PageSignals:
    """Character-level counts over a page's text (pure function: the testable core)."""
    sig = PageSignals()
    chars = [c for c in text if not c.isspace()]
    sig.chars = len(chars)
    if not chars:
        return sig
    for c in chars:
        kind = _char_kind(c)
        if kind is None:
            continue
        if kind <= _RARE_CJK:
            sig.cjk += 1
            if kind == _RARE_CJK:
                sig.rare_cjk += 1
        elif kind == _BAD:
            sig.bad += 1
        else:
            sig.letters += 1
            if kind == _LATIN:
                sig.latin += 1
            elif kind == _STRAY:
                sig.stray += 1
    sig.letters += sig.cjk
    sig.punct_noise = sum(len(m.group()) for m in _PUNCT_RUN_RE.finditer(text) if len(set(m.group())) > 2)
    tokens = _LATIN_TOKEN_RE.findall(text)
    sig.latin_tokens = len(tokens)
    sig.gibberish_tokens = sum(1 for t in tokens if _gibberish(t))
    if sig.cjk >= 20:
        sig.lexicon_hits = len(_lexicon_re().findall(text.replace(" ", "")))
    return sig


_CJK, _RARE_CJK, _BAD, _LATIN, _STRAY, _LETTER = range(6)


@lru_cache(maxsize=65536)
def _char_kind(c: str) -> int | None:
    """What :func:`measure_text` counts a character as (remembered: a page repeats its characters)."""
    if _CJK_RE.match(c):
        return _CJK if c in _gb2312() else _RARE_CJK
    if _BAD_RE.match(c):
        return _BAD
    if c.isalpha():
        if c.isascii():
            return _LATIN
        return _STRAY if _is_stray_letter(c) else _LETTER
    return None


def decide(sig: PageSignals) -> tuple[PageTextStatus, str]:
    """The verdict from measured signals: strong signals decide alone, weak ones in pairs."""
    if sig.chars == 0:
        if sig.images:
            return PageTextStatus.NO_TEXT, f"no text layer; {sig.images} image(s) covering {sig.image_cover:.0%} of the page"
        return PageTextStatus.NO_TEXT, "no text layer and no images (blank or vector-only page)"
    if sig.image_cover >= 0.3 and sig.chars < MIN_CHARS_OVER_IMAGE:
        return PageTextStatus.NO_TEXT, (
            f"only {sig.chars} characters for {sig.images} image(s) covering {sig.image_cover:.0%} of the page (a scan)"
        )
    n = sig.chars
    strong: list[str] = []
    weak: list[str] = []
    bad, rare = sig.bad / n, sig.rare_cjk / max(sig.cjk, 1)
    stray, punct = sig.stray / max(sig.letters, 1), sig.punct_noise / n
    _grade(strong, weak, bad, STRONG_BAD, 0.005, f"{sig.bad} of {n} characters are U+FFFD, private-use or control codes")
    if sig.cjk >= 10:
        _grade(strong, weak, rare, STRONG_RARE, 0.05, f"{sig.rare_cjk} of {sig.cjk} Chinese characters are outside GB2312")
    if sig.stray >= 5:
        _grade(strong, weak, stray, STRONG_STRAY, 0.05, f"{sig.stray} letters of unrelated scripts (Cyrillic, Arabic, accented Latin…)")
    if sig.punct_noise >= 8:
        _grade(strong, weak, punct, STRONG_PUNCT, 0.05, f"{sig.punct_noise} characters in runs of mixed punctuation")
    if sig.fonts_without_unicode:
        weak.append(f"font(s) without a Unicode map: {', '.join(sig.fonts_without_unicode[:3])}")
    if sig.latin_tokens >= 8 and sig.gibberish_tokens / sig.latin_tokens > 0.4:
        weak.append(f"{sig.gibberish_tokens} of {sig.latin_tokens} Latin words are gibberish")
        if sig.cjk < 0.1 * n and sig.image_cover >= 0.5:
            strong.append(f"Latin gibberish ({sig.gibberish_tokens} of {sig.latin_tokens} words) over a page-size image")
    if sig.cjk >= 150 and sig.lexicon_hits == 0:
        weak.append(f"no budget-form word in {sig.cjk} Chinese characters")
    if sig.invisible >= 0.8 and sig.image_cover >= INVISIBLE_OVER_IMAGE:
        weak.append("an invisible text layer over a page-size image (a scanner's OCR)")
    if strong or len(weak) >= 2:
        return PageTextStatus.GARBLED, "garbled text layer: " + "; ".join(strong + weak)
    reason = f"{n} characters in the text layer"
    if weak:
        reason += f" (note: {weak[0]})"
    return PageTextStatus.OK, reason


def _grade(strong: list[str], weak: list[str], value: float, strong_at: float, weak_at: float, why: str) -> None:
    if value > strong_at:
        strong.append(why)
    elif value > weak_at:
        weak.append(why)


# ---------------------------------------------------------------------------------------
# Helpers


_STRAY_SCRIPTS = (
    "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "THAI", "HANGUL", "ARMENIAN", "GEORGIAN", "DEVANAGARI",
    "BENGALI", "TAMIL", "ETHIOPIC", "SYRIAC", "THAANA", "SINHALA", "TIBETAN", "MONGOLIAN", "KHMER", "LAO",
    "MYANMAR", "SUNDANESE", "BALINESE", "JAVANESE", "CHEROKEE", "CANADIAN", "RUNIC", "OGHAM", "NKO",
    "SAMARITAN", "MANDAIC", "TELUGU", "KANNADA", "MALAYALAM", "GUJARATI", "GURMUKHI", "ORIYA", "LATIN",
)


def _is_stray_letter(c: str) -> bool:
    """A non-ASCII letter of a script that has no business in a Chinese budget form.

    Accented Latin (é, ß, Ã) counts too: it is what mojibake and glyph-id garbage look like.
    Japanese kana do not: they show up in correct text as look-alikes (ー for —).
    """
    name = unicodedata.name(c, "")
    return name.split(" ", 1)[0] in _STRAY_SCRIPTS


def _gibberish(token: str) -> bool:
    """A Latin token no language would write: no vowel, or case flipping inside the word."""
    low = token.lower()
    vowels = sum(ch in "aeiouy" for ch in low)
    if vowels == 0 or vowels / len(low) < 0.15:
        return True
    flips = sum(1 for a, b in zip(token, token[1:]) if a.islower() and b.isupper())
    return flips >= 2


@lru_cache(maxsize=1)
def _gb2312() -> frozenset[str]:
    from jixiao.domain.repair import common_hanzi

    return common_hanzi(2)


@lru_cache(maxsize=1)
def _lexicon_re() -> re.Pattern[str]:
    """Any domain word (lexicon names plus the genre's core terms), longest first."""
    from jixiao.domain.repair import load_lexicon

    lex = load_lexicon()
    words = {w for w in lex.words() if len(w) >= 2}
    words |= {"指标", "绩效", "预算", "项目", "资金", "目标", "万元", "部门", "单位", "年度", "满意度", "支出"}
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _image_cover(page: Any) -> tuple[int, float]:
    """Number of images and the share of the page they cover (union approximated by a sum, capped)."""
    try:
        infos = page.get_image_info()
    except Exception:  # a broken image dictionary must not stop the verdict
        return 0, 0.0
    rect = page.rect
    area = max(rect.width * rect.height, 1.0)
    covered = 0.0
    for info in infos:
        x0, y0, x1, y1 = info.get("bbox", (0, 0, 0, 0))
        w = max(0.0, min(x1, rect.x1) - max(x0, rect.x0))
        h = max(0.0, min(y1, rect.y1) - max(y0, rect.y0))
        covered += w * h
    return len(infos), min(1.0, covered / area)


def _fonts_without_unicode(page: Any) -> list[str]:
    """Type0 fonts with an Identity encoding and no ToUnicode CMap: their text is glyph ids."""
    out: list[str] = []
    doc = page.parent
    for xref, _ext, ftype, basefont, _name, encoding, *_ in page.get_fonts():
        if ftype != "Type0" or not str(encoding).startswith("Identity"):
            continue
        try:
            kind, _val = doc.xref_get_key(xref, "ToUnicode")
        except Exception:
            continue
        if kind == "null":
            out.append(basefont or f"xref {xref}")
    return out


def _invisible_share(page: Any) -> float:
    """Share of characters drawn in render mode 3 (invisible): a scanner's OCR layer."""
    try:
        spans = page.get_texttrace()
    except Exception:
        return 0.0
    total = sum(len(s.get("chars", ())) for s in spans)
    if not total:
        return 0.0
    hidden = sum(len(s.get("chars", ())) for s in spans if s.get("type") == 3 or s.get("opacity", 1.0) == 0)
    return hidden / total
