"""The contract every stage shares: the v1 extraction format plus provenance.

The v1 keys (README.md, "Output format") are the public contract read by
other tools and by the scorer; everything else here (``evidence``, ``confidence``,
``flags``, ``*_parsed``) is an *extension* the spec allows ("keys not listed here may be
added by the program"). A golden label file loads into the same models, so predictions
and labels go through one loader.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

BBox = tuple[float, float, float, float]
"""x0, y0, x1, y1 in PDF points (1/72 inch), origin top-left, as PyMuPDF reports."""


class Severity(str, Enum):
    """How much a flag should worry a reviewer."""

    ERROR = "error"  # the value is probably wrong or missing
    WARNING = "warning"  # the value may be wrong; look at it
    INFO = "info"  # something was inferred or repaired; no action expected


class AlignmentStatus(str, Enum):
    """How a value is tied to the source (an enum rather than booleans, after langextract)."""

    EXACT = "exact"  # the value is the source text of one cell, verbatim
    REPAIRED = "repaired"  # the source text after recorded repairs (OCR look-alikes, spaces)
    FUZZY = "fuzzy"  # matched the source approximately (LLM values aligned back)
    INFERRED = "inferred"  # not printed there: filled down, or restored from the framework
    UNGROUNDED = "ungrounded"  # no support found in the source


class Repair(BaseModel):
    """One text repair, kept so a reviewer can see what was changed and why."""

    rule: str
    original: str
    repaired: str


class Evidence(BaseModel):
    """Where one value came from."""

    model_config = ConfigDict(extra="ignore")

    page: int | None = None  # 1-based page (or sheet / text block ordinal for non-PDF inputs)
    bbox: BBox | None = None
    line: int | None = None  # 1-based line in a text export
    span: tuple[int, int] | None = None  # [start, end) character offsets of source_text within ``line``
    source_text: str | None = None
    status: AlignmentStatus = AlignmentStatus.EXACT
    repairs: list[Repair] = Field(default_factory=list)
    extractor: str = "rules"  # rules | stream | llm | ocr | framework
    ocr_score: float | None = None


class Flag(BaseModel):
    """A doubt a reviewer can act on: what, where, why, with the evidence."""

    model_config = ConfigDict(extra="ignore")

    severity: Severity
    code: str
    message: str
    field: str | None = None  # e.g. "target", "budget.total", "level1"
    evidence: dict[str, Any] = Field(default_factory=dict)


class ParsedValue(BaseModel):
    """The parse of a target value: ``≥95%`` → op ``≥``, number 95.0, unit ``%``."""

    op: Literal["≥", "≤", "=", ">", "<"] | None = None
    number: float | None = None
    unit: str | None = None
    text: str | None = None


class Traced(BaseModel):
    """Mixin: per-field provenance, confidence and flags (all optional extensions)."""

    model_config = ConfigDict(extra="ignore")

    evidence: dict[str, Evidence] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)

    def flag(self, severity: Severity, code: str, message: str, field: str | None = None, **evidence: Any) -> Flag:
        """Attach a flag and return it."""
        f = Flag(severity=severity, code=code, message=message, field=field, evidence=evidence)
        self.flags.append(f)
        return f


class BudgetLine(Traced):
    section: str | None = None
    item: str | None = None
    column: str | None = None
    amount: float | None = None


class Budget(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total: float | None = None
    fiscal: float | None = None
    lines: list[BudgetLine] = Field(default_factory=list)


class Goals(BaseModel):
    model_config = ConfigDict(extra="ignore")

    long_term: str | None = None
    annual: str | None = None


IndicatorScope = Literal["annual", "long_term"]


class Indicator(Traced):
    scope: IndicatorScope = "annual"
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    description: str | None = None
    key_task: str | None = None
    half_year: str | None = None
    target: str | None = None
    basis: str | None = None
    category: str | None = None
    history: dict[str, str] = Field(default_factory=dict)
    weight: float | None = None
    # extensions
    half_year_parsed: ParsedValue | None = None
    target_parsed: ParsedValue | None = None
    unit: str | None = None  # from a 计量单位 column, when the form has one
    level1_canonical: str | None = None  # the national-framework name, see reconcile
    level2_canonical: str | None = None
    row_id: str | None = None  # stable id of the source row (cited by the LLM path)


FormType = Literal["department", "project"]


class Form(Traced):
    form_type: FormType = "project"
    title: str | None = None
    year: int | None = None
    unit_name: str | None = None
    competent_dept: str | None = None
    project_name: str | None = None
    budget: Budget = Field(default_factory=Budget)
    goals: Goals = Field(default_factory=Goals)
    indicators: list[Indicator] = Field(default_factory=list)
    # extensions
    pages: list[int] = Field(default_factory=list)


class SourceInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str | None = None
    format: str | None = None  # pdf | docx | xlsx | html | text
    sha256: str | None = None
    pages: int | None = None
    # Facts about how the text was read that reconcile's confidence needs (typed here, not
    # left in ``stats``, which is telemetry): pages recognised by OCR, and a text layer or
    # text file that reads like OCR output (garbled names; flag text_looks_like_ocr).
    ocr_pages: int = 0
    text_looks_like_ocr: bool = False


class Document(Traced):
    """One input file: every form in it, in document order."""

    schema_version: str = SCHEMA_VERSION
    doc_id: str
    forms: list[Form] = Field(default_factory=list)
    # extensions
    source: SourceInfo | None = None
    notes: list[str] | str | None = None  # golden labels: the judgement calls made
    stats: dict[str, Any] = Field(default_factory=dict)  # timings, LLM calls/tokens, OCR pages

    def to_json(self, *, full: bool = True) -> str:
        """Canonical JSON: UTF-8, Chinese kept as Chinese, stable key order.

        ``full=False`` writes only the v1 keys (what a golden label holds).
        """
        data = self.model_dump(mode="json", exclude_none=False)
        if not full:
            data = strip_extensions(data)
        return json.dumps(data, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------------------
# v1 key sets: what the spec defines. Anything else is an extension.
V1_DOCUMENT_KEYS = ("schema_version", "doc_id", "forms")
V1_FORM_KEYS = (
    "form_type", "title", "year", "unit_name", "competent_dept", "project_name", "budget", "goals", "indicators",
)
V1_BUDGET_KEYS = ("total", "fiscal", "lines")
V1_LINE_KEYS = ("section", "item", "column", "amount")
V1_INDICATOR_KEYS = (
    "scope", "level1", "level2", "level3", "description", "key_task", "half_year", "target", "basis",
    "category", "history", "weight",
)
V1_PARSED_KEYS = ("half_year_parsed", "target_parsed")  # named by the spec as what programs emit


def strip_extensions(doc: dict[str, Any]) -> dict[str, Any]:
    """Reduce a dumped Document to the v1 keys (plus the spec's ``*_parsed``)."""
    out = {k: doc.get(k) for k in V1_DOCUMENT_KEYS}
    forms = []
    for f in doc.get("forms", []):
        form = {k: f.get(k) for k in V1_FORM_KEYS if k not in ("budget", "indicators")}
        b = f.get("budget") or {}
        form["budget"] = {k: b.get(k) for k in ("total", "fiscal")}
        form["budget"]["lines"] = [{k: ln.get(k) for k in V1_LINE_KEYS} for ln in b.get("lines", [])]
        form["goals"] = {k: (f.get("goals") or {}).get(k) for k in ("long_term", "annual")}
        form["indicators"] = [
            {k: ind.get(k) for k in V1_INDICATOR_KEYS + V1_PARSED_KEYS if k in ind} for ind in f.get("indicators", [])
        ]
        forms.append(form)
    out["forms"] = forms
    return out


def load_document(path: str | Path) -> Document:
    """Load a prediction or a golden label (same format) from JSON."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{p}: cannot read extraction JSON: {exc}") from exc
    data.setdefault("doc_id", p.stem)
    return Document.model_validate(data)
