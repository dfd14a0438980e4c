"""The run modes, defined once: every entry point (CLI, pipeline, LLM run, eval) uses these.

``StrEnum`` so a mode compares equal to its spelling (``LlmMode.OFF == "off"``) and
formats as it (cache keys, stats and reports keep the plain word).
"""

from __future__ import annotations

from enum import StrEnum


class LlmMode(StrEnum):
    """How the LLM is used: never, only for what the rules could not settle, or everywhere."""

    OFF = "off"  # default: nothing leaves the machine
    FALLBACK = "fallback"  # only regions/rows the rules path flagged as unsettled
    FULL = "full"  # every region


class OcrMode(StrEnum):
    """When pages are OCRed: pages without a usable text layer, never, or every PDF page."""

    AUTO = "auto"
    OFF = "off"
    FORCE = "force"


def choices(mode: type[StrEnum]) -> str:
    """``off, fallback or full``: the values of a mode for a message."""
    vals = [m.value for m in mode]
    return ", ".join(vals[:-1]) + " or " + vals[-1]
