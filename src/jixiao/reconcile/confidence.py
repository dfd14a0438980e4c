"""Confidence per field: a log-odds sum of the signals, squashed to (0, 1).

See the formula in ``jixiao.reconcile``'s module docstring. Terms are additive in log-odds
so that every signal moves confidence the same way whatever the others say (monotone),
and independent signals compound the way independent evidence does.
"""

from __future__ import annotations

import math
from typing import Any

from rapidfuzz.distance import Levenshtein

from jixiao.reconcile.agreement import get_field
from jixiao.reconcile.common import Ledger, has_flag, raise_flag
from jixiao.schema import AlignmentStatus, Evidence, Form, Indicator, Severity, Traced

STATUS_LOGIT: dict[AlignmentStatus | None, float] = {
    AlignmentStatus.EXACT: 2.9,  # ≈ 0.95
    AlignmentStatus.REPAIRED: 2.0,  # ≈ 0.88
    AlignmentStatus.FUZZY: 1.4,  # ≈ 0.80
    AlignmentStatus.INFERRED: 1.1,  # ≈ 0.75
    AlignmentStatus.UNGROUNDED: -0.4,  # ≈ 0.40
    None: 1.4,  # no evidence recorded (an LLM or hand-made reading): ≈ 0.80
}
WHOLE_WEIGHT = 0.5
FLAG_LOGIT = {Severity.ERROR: -3.0, Severity.WARNING: -1.6, Severity.INFO: -0.25}
OCR_WEIGHT = 3.0  # × ln(ocr_score): 0.95 → −0.15, 0.8 → −0.67, 0.6 → −1.53
REPAIR_EACH = -0.35
REPAIR_DISTANCE = -1.5  # × (edit distance ÷ original length), capped at 1
OCR_LOW = 0.8  # an OCR score below this gets a warning (a prior; tune on real OCR runs)
LOW = 0.5  # below this, a field with no warning gets ``low_confidence``
FLOOR, CEIL = 0.01, 0.995

INDICATOR_FIELDS = ("level1", "level2", "level3", "half_year", "target", "description", "key_task", "basis",
                    "category", "weight")
FORM_FIELDS = ("form_type", "title", "year", "unit_name", "competent_dept", "project_name", "budget.total",
               "budget.fiscal", "goals.long_term", "goals.annual")
_EVIDENCE_ALIASES = {"budget.total": ("total",), "budget.fiscal": ("fiscal",), "goals.long_term": ("long_term",),
                     "goals.annual": ("annual",)}


def evidence_for(obj: Traced, field: str) -> Evidence | None:
    ev = obj.evidence.get(field)
    if ev is None:
        for alias in _EVIDENCE_ALIASES.get(field, ()):
            ev = obj.evidence.get(alias)
            if ev is not None:
                break
    return ev


def terms_for(obj: Traced, field: str, ledger: Ledger) -> list[tuple[str, float]]:
    """Every log-odds term of one field, named (kept in the low_confidence flag's evidence)."""
    ev = evidence_for(obj, field)
    status = ev.status if ev is not None else None
    terms = [(f"status_{status.value if status else 'none'}", STATUS_LOGIT[status])]
    if ev is not None and ev.ocr_score is not None:
        terms.append(("ocr_score", OCR_WEIGHT * math.log(max(min(ev.ocr_score, 1.0), 0.05))))
    if ev is not None and ev.repairs:
        dist = sum(Levenshtein.distance(r.original, r.repaired) for r in ev.repairs)
        base = max(1, len(ev.repairs[0].original))
        terms.append(("repairs", REPAIR_EACH * len(ev.repairs) + REPAIR_DISTANCE * min(1.0, dist / base)))
    for f in obj.flags:
        if f.field == field and f.code != "low_confidence":
            terms.append((f"flag_{f.code}", FLAG_LOGIT[f.severity]))
        elif f.field is None and f.severity != Severity.INFO:
            # a doubt about the whole row/form (often the extractor's): half weight on every field
            terms.append((f"row_flag_{f.code}", WHOLE_WEIGHT * FLAG_LOGIT[f.severity]))
    terms += ledger.terms(obj, field)
    return terms


def score(terms: list[tuple[str, float]]) -> float:
    z = sum(d for _, d in terms)
    c = 1.0 / (1.0 + math.exp(-z))
    return round(min(CEIL, max(FLOOR, c)), 3)


def _set(obj: Traced, field: str, ledger: Ledger) -> None:
    terms = terms_for(obj, field, ledger)
    c = score(terms)
    obj.confidence[field] = c
    if c < LOW and not any(f.field == field and f.severity in (Severity.WARNING, Severity.ERROR) for f in obj.flags):
        raise_flag(obj, "low_confidence", f"{field}: confidence {c:.2f}", field, confidence=c,
                   terms={k: round(v, 3) for k, v in terms})


def _has_value(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def set_confidence(form: Form, ledger: Ledger) -> None:
    """Fill ``confidence`` on the form's header fields, budget lines and indicators."""
    form.confidence.clear()
    for field in FORM_FIELDS:
        if _has_value(get_field(form, field)):
            _set(form, field, ledger)
    for ln in form.budget.lines:
        ln.confidence.clear()
        if ln.amount is not None:
            _set(ln, "amount", ledger)
    for ind in form.indicators:
        ind.confidence.clear()
        _set_indicator(ind, ledger)


def _set_indicator(ind: Indicator, ledger: Ledger) -> None:
    for field in INDICATOR_FIELDS:
        if _has_value(getattr(ind, field)):
            _set(ind, field, ledger)


def grounding_flags(obj: Traced, fields: tuple[str, ...]) -> None:
    """Warnings from the evidence itself: ungrounded values, low OCR scores."""
    for field in fields:
        if not _has_value(get_field(obj, field)):
            continue
        ev = evidence_for(obj, field)
        if ev is None:
            continue
        if ev.status == AlignmentStatus.UNGROUNDED and not has_flag(obj, "value_ungrounded", field):
            raise_flag(obj, "value_ungrounded", f"{field}: no support found in the source ({ev.extractor})", field,
                       extractor=ev.extractor)
        if ev.ocr_score is not None and ev.ocr_score < OCR_LOW and not has_flag(obj, "ocr_low_score", field):
            raise_flag(obj, "ocr_low_score", f"{field}: OCR score {ev.ocr_score:.2f}", field,
                       ocr_score=ev.ocr_score, source_text=ev.source_text)
