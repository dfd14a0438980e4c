"""Shared helpers of the reconcile checks: the confidence ledger, flag raising, formatting."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from jixiao.model.flags import severity_of
from jixiao.model.output import Flag, Traced
from jixiao.domain.values import fold


class Ledger:
    """Log-odds adjustments per (object, field) collected by the checks.

    The checks do not compute confidence themselves: they record *why* a field is more or
    less believable (an equation that holds, a reading that agrees, a framework fit) and the
    confidence step adds these terms up. Flags are counted separately, from the objects.
    """

    def __init__(self) -> None:
        self._terms: dict[tuple[int, str], list[tuple[str, float]]] = defaultdict(list)

    def add(self, obj: object, field: str, term: str, delta: float) -> None:
        self._terms[(id(obj), field)].append((term, delta))

    def terms(self, obj: object, field: str) -> list[tuple[str, float]]:
        return list(self._terms.get((id(obj), field), ()))


def raise_flag(obj: Traced, code: str, message: str, field: str | None, **evidence: Any) -> Flag:
    """Attach a flag whose severity comes from the code table (never chosen ad hoc)."""
    f = Flag(severity=severity_of(code), code=code, message=message, field=field, evidence=evidence)
    obj.flags.append(f)
    return f


def has_flag(obj: Traced, code: str, field: str | None = None) -> bool:
    return any(f.code == code and (field is None or f.field == field) for f in obj.flags)


def fmt(x: float | None) -> str:
    """A number for a message: no float noise, no trailing zeros (410.99, 400, 0.5)."""
    if x is None:
        return "—"
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def decimals(x: float) -> int:
    """Decimals a printed number probably had (18.94 → 2), for rounding tolerances."""
    s = fmt(x)
    return len(s.split(".")[1]) if "." in s else 0


# ---------------------------------------------------------------------------------------
# Garbage detection

_KANA = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff]")
_JP_ONLY = re.compile(r"[満単県済従歩関発広気図転対経黒売読]")
_GLYPHS = re.compile(r"[□■☐☑✓✔√¦|\\\ufffd\ue000-\uf8ff]|\?{2,}")
_LATIN = re.compile(r"[A-Za-z]+")
_LATIN_OK = {
    "app", "km", "kg", "kw", "kwh", "mw", "gb", "tb", "mbps", "wifi", "wi", "fi", "pm", "ph", "m", "cm", "mm",
    "t", "h", "ip", "ipv", "it", "oa", "erp", "gdp", "cpi", "iso", "5g", "vr", "ar", "ai", "led", "gps", "sci",
    "ei", "ssci", "cssci", "ppp", "epc", "bim", "gis", "pc", "tv", "b", "mu",
}


def garbage_in(text: str | None, *, closed_vocab: bool = False) -> list[str]:
    """The suspicious pieces of a cell's text (empty when it looks clean).

    ``closed_vocab`` is for L1/L2 names, which never contain Latin letters; elsewhere an
    acronym (GDP, App, PM2.5) is normal and only a stray lowercase fragment counts.
    """
    if not text:
        return []
    out = _KANA.findall(text) + _JP_ONLY.findall(text) + _GLYPHS.findall(text)
    if closed_vocab:
        # L1/L2 names hold no digits except a trailing ordinal (核心业务产出1)
        out += re.findall(r"\d+(?!$)", fold(text))
    for tok in _LATIN.findall(text):
        if closed_vocab:
            out.append(tok)
        elif tok.lower() not in _LATIN_OK and not (tok.isupper() and len(tok) >= 2):
            out.append(tok)
    return out
