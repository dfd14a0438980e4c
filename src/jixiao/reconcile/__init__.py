"""Reconciliation: deterministic checks that flag every doubtful field, and confidence.

``reconcile(doc, alternatives=None) -> Document`` runs after extraction. It returns a copy
of ``doc`` with

* ``Indicator.level1_canonical`` / ``level2_canonical`` set, and a level1 restored where
  the framework is unambiguous and the level1 was not printed in that row
  (``levels``: seed 000's 预算执行 rows filled down as 决策 → 过程, INFO flag, evidence
  status INFERRED);
* ``half_year_parsed`` / ``target_parsed`` filled where the extractor left them empty;
* ``flags`` on forms, budget lines and indicators (codes and severities: ``jixiao.model.flags``;
  ``FLAG_CODES`` is the table for the README and the XLSX flags sheet);
* ``confidence[field]`` in [0, 1] for every field that has a value: indicators' level1,
  level2, level3, half_year, target, description, key_task, basis, category (and weight);
  forms' form_type, title, year, unit_name, competent_dept, project_name, budget.total,
  budget.fiscal, goals.long_term, goals.annual; budget lines' ``amount``;
* ``doc.stats["reconcile"]``: flag counts by severity and by code.

Checks, in order: framework (``levels``), value grammar (``grammar``), the rows of a table
against each other (``rows``), budget arithmetic (``budget``), header and text garbage
(``header``), evidence grounding, agreement with the
alternative readings (``agreement``), then confidence (``confidence``), which may add a
``low_confidence`` warning.

Severity rule: **error** = probably wrong; **warning** = may be wrong, look at it; **info**
= something was inferred or repaired, no action expected. A clean digital form raises
nothing above info. Document-internal inconsistencies (a printed 资金总额 that is not the
sum of its printed parts) are warnings even when the extraction is right: the reviewer has
to look at the source either way.

Confidence (per field) in two steps. First the *evidence score* ``z``, a sum of log-odds
terms (``confidence.py``)::

    z = S(status)                               EXACT 4.0 · REPAIRED 3.2 · FUZZY 2.8 ·
                                                INFERRED 2.6 · UNGROUNDED −0.4 · no evidence 2.6
      + 3.0 · ln(ocr_score)                     when Evidence.ocr_score is set (floor 0.05)
      − 1.3   when the value's page went through OCR (an ocr_score on that page, else
              × the OCR'd share of pages, source.ocr_pages; the whole document when
              its text reads like OCR output, source.text_looks_like_ocr); not for an L1/L2 name
              the framework confirms, nor for a field with no evidence
      − 0.1 · n_repairs − 0.4 · min(1, Σ edit distance ÷ len(original))   Evidence.repairs
              (the repair rules are deterministic and were right on the golden set: a
              repair is a small doubt, not a large one)
      + Σ over flags on the field:  error −6.0 · warning −4.6 · info −0.3
              (codes.DOCUMENT_CHECKS — the document contradicting itself, where the reading
              is right: error −1.0 · warning −0.5 · info −0.1; the flag itself tells the reviewer)
      + Σ over warning/error flags on the whole object (field null, e.g. the extractor's
              unmapped_cell): 0.15 × the above
      − 5.0 × the form's unread share (extract/coverage.py, on every field of the form; the
              unread_text flags themselves are not also counted as whole-object flags)
      + 0.5   framework fit (level1 consistent with its level2; level2 under its level1)
      + 0.3   value parses (number / date / known qualitative / relative change)
      + 1.0   per budget equation the amount closes (total = parts, 合计, 占比, 执行率, plan)
      + 1.2   per alternative reading that agrees
      − 0.4   per alternative reading with no value there (its disagreement is a warning flag)
      − 0.5   on level3 when an alternative lacks the whole indicator

Every doubt lowers ``z`` and every confirmation raises it, keeping the brief's order EXACT >
REPAIRED > FUZZY > INFERRED > UNGROUNDED. Then ``confidence = calibration(z)``: a monotone
step function fitted on the golden set by isotonic regression (``calibration.py``, table in
``jixiao/data/calibration.json``, refitted with ``python eval/calibrate.py --write``), so
that a confidence is the share of golden fields with that score that were right, clamped
to [0.001, 0.999] and rounded to 3 decimals. The fit is checked leaving one document out
at a time; ``jixiao eval`` reports the calibration table, whether it is monotone and its
expected calibration error. Below 0.5 with no warning on the field already, a
``low_confidence`` warning is added so that every doubtful field is flagged (the scorer
counts warning/error as "flagged").
"""

from __future__ import annotations

import time
from collections import Counter

from jixiao.reconcile.agreement import check_agreement
from jixiao.reconcile.budget import check_budget
from jixiao.model.flags import ACTION_CODES, FLAG_CODES, RECONCILE_CODES, FlagCode, severity_of
from jixiao.reconcile.common import Ledger
from jixiao.reconcile.confidence import FORM_FIELDS, INDICATOR_FIELDS, grounding_flags, ocr_context, set_confidence
from jixiao.reconcile.grammar import check_values, classify_value
from jixiao.reconcile.header import check_header, check_text
from jixiao.reconcile.levels import check_levels
from jixiao.reconcile.rows import check_rows
from jixiao.model.output import Document, Form, Traced

__all__ = ["reconcile", "reconcile_form", "FLAG_CODES", "FlagCode", "severity_of", "classify_value"]


def reconcile(doc: Document, *, alternatives: dict[str, Document] | None = None, copy: bool = True) -> Document:
    """Check, normalize and score one extracted document; returns a new Document.

    ``alternatives`` are other readings of the same input (e.g. ``{"llm": …, "ocr": …}``);
    each is compared field by field with ``doc`` (see ``agreement``). Running reconcile on
    its own output gives the same result (its check flags are recomputed, its actions kept).
    ``copy=False`` reconciles ``doc`` itself and returns it: for a caller that never reads
    the unreconciled document again (the pipeline), the deep copy was 7% of a digital
    extraction (profiled on the golden digital PDFs).
    """
    t0 = time.perf_counter()
    out = doc.model_copy(deep=True) if copy else doc
    ledger = Ledger()
    for form in out.forms:
        _strip_check_flags(form)
        _check_form(form, ledger)
    if alternatives:
        check_agreement(out, alternatives, ledger)
    ocr = ocr_context(out)
    for form in out.forms:
        set_confidence(form, ledger, ocr)
    out.stats = {**out.stats, "reconcile": _summary(out, time.perf_counter() - t0)}
    return out


def reconcile_form(form: Form) -> Form:
    """Reconcile one form on its own (no alternatives); returns a new Form."""
    f = form.model_copy(deep=True)
    ledger = Ledger()
    _strip_check_flags(f)
    _check_form(f, ledger)
    set_confidence(f, ledger)
    return f


def _check_form(form: Form, ledger: Ledger) -> None:
    check_levels(form, ledger)
    check_values(form, ledger)
    check_rows(form)
    check_budget(form, ledger)
    check_header(form)
    check_text(form)
    grounding_flags(form, FORM_FIELDS)
    for ln in form.budget.lines:
        grounding_flags(ln, ("amount",))
    for ind in form.indicators:
        grounding_flags(ind, INDICATOR_FIELDS)


def _objects(form: Form) -> list[Traced]:
    return [form, *form.budget.lines, *form.indicators]


def _strip_check_flags(form: Form) -> None:
    """Drop flags an earlier reconcile raised (recomputed now); keep actions and others' flags."""
    for obj in _objects(form):
        obj.flags = [f for f in obj.flags if f.code not in RECONCILE_CODES or f.code in ACTION_CODES]


def _summary(doc: Document, seconds: float) -> dict[str, object]:
    by_sev: Counter[str] = Counter()
    by_code: Counter[str] = Counter()
    for form in doc.forms:
        for obj in _objects(form):
            for f in obj.flags:
                by_sev[f.severity.value] += 1
                by_code[f.code] += 1
    return {
        "flags": {s: by_sev.get(s, 0) for s in ("error", "warning", "info")},
        "by_code": dict(sorted(by_code.items())),
        "seconds": round(seconds, 4),
    }
