"""Confidence per field: a log-odds sum of the signals, then the golden-set calibration.

See the formula in ``jixiao.reconcile``'s module docstring. Terms are additive in log-odds
so that every signal moves confidence the same way whatever the others say (monotone),
and independent signals compound the way independent evidence does; the sum ``z`` orders
fields by doubt and ``calibration`` turns it into a measured probability of being right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from jixiao.reconcile.agreement import get_field
from jixiao.reconcile.calibration import calibrate, is_raw as _raw_mode
from jixiao.model.flags import DOCUMENT_CHECKS
from jixiao.reconcile.common import Ledger, has_flag, raise_flag
from jixiao.model.output import AlignmentStatus, Document, Evidence, Form, Severity, SourceInfo, Traced
from jixiao.domain.values import AMOUNT_UNIT_RULE

# Starting points per grounding status, in log-odds. The order is the brief's (EXACT >
# REPAIRED > FUZZY > INFERRED > UNGROUNDED); the magnitudes were checked against the golden
# set's rule-based predictions (41 document × variant runs): clean EXACT fields were right
# 99.5% (digital) / 98.2% (scanned) of the time, clean INFERRED (filled-down) fields 99.8%,
# header fields the extractor records no evidence for 99%+.
STATUS_LOGIT: dict[AlignmentStatus | None, float] = {
    AlignmentStatus.EXACT: 4.0,  # ≈ 0.982
    AlignmentStatus.REPAIRED: 3.2,  # ≈ 0.96
    AlignmentStatus.FUZZY: 2.8,  # ≈ 0.94
    AlignmentStatus.INFERRED: 2.6,  # ≈ 0.93
    AlignmentStatus.UNGROUNDED: -0.4,  # ≈ 0.40
    None: 2.6,  # no evidence recorded: ≈ 0.93
}
# Flags on the field. Warnings from the reading's own checks were right ~85–90% of the time
# on the golden set (a flagged EXACT field was correct 9–24% of the time), so a warning
# takes a value to ≈ 0.3; a warning that reports the document contradicting itself
# (codes.DOCUMENT_CHECKS) leaves the reading itself right: on the golden set all 13 fields
# carrying one were read correctly, so it costs little (the flag already asks for a look).
FLAG_LOGIT = {Severity.ERROR: -6.0, Severity.WARNING: -4.6, Severity.INFO: -0.3}
DOCUMENT_FLAG_LOGIT = {Severity.ERROR: -1.0, Severity.WARNING: -0.5, Severity.INFO: -0.1}
WHOLE_WEIGHT = 0.15  # a flag on the whole row/form (field null, often the extractor's)
OCR_WEIGHT = 3.0  # × ln(ocr_score): 0.95 → −0.15, 0.8 → −0.67, 0.6 → −1.53
OCR_PAGE = -1.3  # a value from an OCR'd page (scanned: 98.2% right vs 99.5% digital)
REPAIR_EACH = -0.1  # repairs are deterministic rules, right on the golden set: a small doubt each
REPAIR_DISTANCE = -0.4  # × (edit distance ÷ original length), capped at 1
OCR_LOW = 0.8  # an OCR score below this gets a warning (a prior; tune on real OCR runs)
# × the form's unread share (extract/coverage.py: unread characters ÷ all characters checked
# in the form's span): text the extractor could not place means fields may be missing or
# misplaced anywhere on the form. A prior (the golden forms have none unread): 10% unread
# → −0.5, 40% → −2.0. The unread_text flags themselves are not also counted as row flags.
UNREAD_WEIGHT = -5.0
UNREAD_CODE = "unread_text"
LOW = 0.5  # below this, a field with no warning gets ``low_confidence``

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


@dataclass(frozen=True)
class OcrContext:
    """Which pages of the document went through OCR.

    ``pages``: pages some value's evidence carries an OCR score for; ``share``: the share
    of the document's pages that were OCR'd (``source.ocr_pages``), the prior for values
    whose page is unknown. OCR'd tables lose and merge cells far more than their character
    scores show (scores were ≈ 0.9999 on wrong cells too), hence a prior per page.
    """

    pages: frozenset[int] = frozenset()
    share: float = 0.0


NO_OCR = OcrContext()


def terms_for(obj: Traced, field: str, ledger: Ledger, ocr: OcrContext = NO_OCR, unread: float = 0.0
              ) -> list[tuple[str, float]]:
    """Every log-odds term of one field, named (kept in the low_confidence flag's evidence).

    ``unread``: the unread share of the form the object belongs to (``unread_share``).
    """
    ev = evidence_for(obj, field)
    status = ev.status if ev is not None else None
    terms = [(f"status_{status.value if status else 'none'}", STATUS_LOGIT[status])]
    if ev is not None and ev.ocr_score is not None:
        terms.append(("ocr_score", OCR_WEIGHT * math.log(max(min(ev.ocr_score, 1.0), 0.05))))
    own = ledger.terms(obj, field)
    # a name the framework confirms (a closed vocabulary) is not at the mercy of the OCR
    confirmed = any(t == "framework_fit" and d > 0 for t, d in own)
    if confirmed or ev is None:  # no evidence: not a cell read from a page (form_type, a default)
        pass
    elif ev.ocr_score is not None or (ev.page is not None and ev.page in ocr.pages):
        terms.append(("ocr_page", OCR_PAGE))
    elif ocr.share:
        terms.append(("ocr_page", OCR_PAGE * ocr.share))
    repairs = [r for r in ev.repairs if r.rule != AMOUNT_UNIT_RULE] if ev is not None else []  # a unit note, no damage
    if repairs:
        dist = sum(Levenshtein.distance(r.original, r.repaired) for r in repairs)
        base = max(1, len(repairs[0].original))
        terms.append(("repairs", REPAIR_EACH * len(repairs) + REPAIR_DISTANCE * min(1.0, dist / base)))
    for f in obj.flags:
        if f.field == field and f.code != "low_confidence":
            table = DOCUMENT_FLAG_LOGIT if f.code in DOCUMENT_CHECKS else FLAG_LOGIT
            terms.append((f"flag_{f.code}", table[f.severity]))
        elif f.field is None and f.severity != Severity.INFO and f.code != UNREAD_CODE:
            # a doubt about the whole row/form (often the extractor's): a fraction on every field
            terms.append((f"row_flag_{f.code}", WHOLE_WEIGHT * FLAG_LOGIT[f.severity]))
    if unread > 0:
        terms.append(("unread_share", UNREAD_WEIGHT * unread))
    terms += own
    return terms


def evidence_score(terms: list[tuple[str, float]]) -> float:
    """The log-odds sum ``z`` of a field's terms: the order of doubt, before calibration."""
    return sum(d for _, d in terms)


def score(terms: list[tuple[str, float]]) -> float:
    """Confidence in [0.001, 0.999]: ``z`` through the golden-set calibration (``calibration``)."""
    c = calibrate(evidence_score(terms))
    if _raw_mode():
        return c  # unrounded: eval/calibrate.py fits on it
    return round(c, 3)  # calibrate() already clamped it to [0.001, 0.999]


def unread_share(form: Form) -> float:
    """The share of the form's text no field read, as the coverage check recorded it on its flags."""
    return max((float(f.evidence.get("form_unread_share") or 0.0) for f in form.flags if f.code == UNREAD_CODE),
               default=0.0)


def _set(obj: Traced, field: str, ledger: Ledger, ocr: OcrContext, unread: float = 0.0) -> None:
    terms = terms_for(obj, field, ledger, ocr, unread)
    c = score(terms)
    obj.confidence[field] = c
    if c < LOW and not any(f.field == field and f.severity in (Severity.WARNING, Severity.ERROR) for f in obj.flags):
        raise_flag(obj, "low_confidence", f"{field}: confidence {c:.2f}", field, confidence=c,
                   terms={k: round(v, 3) for k, v in terms})


def _has_value(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def set_confidence(form: Form, ledger: Ledger, ocr: OcrContext = NO_OCR) -> None:
    """Fill ``confidence`` on the form's header fields, budget lines and indicators."""
    form.confidence.clear()
    unread = unread_share(form)
    for field in FORM_FIELDS:
        if _has_value(get_field(form, field)):
            _set(form, field, ledger, ocr, unread)
    for ln in form.budget.lines:
        ln.confidence.clear()
        if ln.amount is not None:
            _set(ln, "amount", ledger, ocr, unread)
    for ind in form.indicators:
        ind.confidence.clear()
        for field in INDICATOR_FIELDS:
            if _has_value(getattr(ind, field)):
                _set(ind, field, ledger, ocr, unread)


def ocr_context(doc: Document) -> OcrContext:
    """The OCR'd pages of a document, from its evidence and ``doc.source`` (ocr_pages, text_looks_like_ocr)."""
    pages = {ev.page for form in doc.forms for obj in (form, *form.budget.lines, *form.indicators)
             for ev in obj.evidence.values() if ev.ocr_score is not None and ev.page is not None}
    src = doc.source or SourceInfo()
    n, total = src.ocr_pages, src.pages or 0
    share = min(1.0, float(n) / float(total)) if n and total else 0.0
    if src.text_looks_like_ocr:
        share = 1.0  # text that reads like OCR output is as doubtful as OCR
    return OcrContext(frozenset(pages), share)


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
