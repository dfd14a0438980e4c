"""Agreement: compare this reading field by field with other readings of the same input.

Two independent readings (rules vs LLM, text layer vs OCR) that agree are rarely both
wrong, so agreement is the strongest confidence signal there is; a disagreement is a
warning with both readings in the evidence. Pairing is deliberately simple:

* forms by (form_type, folded project_name or unit_name), then by fuzzy name (≥ 85), then
  the last unpaired form on each side with each other;
* indicators within a form by (scope, folded level3), duplicates in order, then fuzzy
  level3 (≥ 85) within the same scope;
* budget lines by folded (section, item, column).

Equality is the scorer's: values by their parses (``values_equal``), L1/L2 by canonical
framework name, other text by ``fold``, amounts within 0.005.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rapidfuzz import fuzz

from jixiao.domain.framework import canonical_level1, canonical_level2
from jixiao.reconcile.common import Ledger, raise_flag
from jixiao.model.output import Document, Form, Indicator, Traced
from jixiao.domain.values import fold, values_equal

AGREE = 1.2  # log-odds per agreeing reading
ABSENT = -0.4  # the other reading has nothing there: weak doubt
MISSING_ROW = -0.5  # the other reading lacks the whole indicator

INDICATOR_FIELDS = ("level1", "level2", "level3", "description", "key_task", "half_year", "target", "basis",
                    "category")
VALUE_FIELDS = ("half_year", "target")
FORM_FIELDS = ("title", "year", "unit_name", "competent_dept", "project_name", "budget.total", "budget.fiscal",
               "goals.long_term", "goals.annual")


def get_field(obj: Any, field: str) -> Any:
    """``budget.total`` → obj.budget.total."""
    for part in field.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def same(field: str, a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 0.005
    if field in VALUE_FIELDS:
        return values_equal(str(a), str(b))
    if field == "level1":
        ca, cb = canonical_level1(a), canonical_level1(b)
        if ca and cb:
            return ca == cb
    if field == "level2":
        ca, cb = canonical_level2(a), canonical_level2(b)
        if ca and cb:
            return ca == cb
    return fold(str(a)) == fold(str(b))


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not fold(v))


def compare_field(obj: Traced, other: Any, field: str, source: str, ledger: Ledger, flag_field: str | None = None) -> None:
    """Compare one field of ``obj`` with the same field of ``other`` (another reading)."""
    mine, theirs = get_field(obj, field), get_field(other, field)
    ff = flag_field or field
    if _empty(mine) and _empty(theirs):
        return
    if _empty(mine):
        raise_flag(obj, "alternative_has_value", f"{ff} empty here; {source} reads {theirs}", ff,
                   alternative=source, readings={"this": None, source: theirs})
    elif _empty(theirs):
        ledger.add(obj, ff, f"absent_in_{source}", ABSENT)
    elif same(field, mine, theirs):
        ledger.add(obj, ff, f"agrees_with_{source}", AGREE)
    else:
        raise_flag(obj, "alternative_disagrees", f"{ff}: this reading {mine}, {source} reads {theirs}", ff,
                   alternative=source, readings={"this": mine, source: theirs})


# ---------------------------------------------------------------------------------------
# Pairing


def _form_key(f: Form) -> tuple[str, str]:
    return f.form_type, fold(f.project_name or f.unit_name or f.title)


def pair_forms(mine: list[Form], theirs: list[Form]) -> tuple[list[tuple[Form, Form]], list[Form], list[Form]]:
    """Pairs, unpaired of mine, unpaired of theirs."""
    pairs: list[tuple[Form, Form]] = []
    left = list(theirs)
    unpaired: list[Form] = []
    for f in mine:
        hit = next((g for g in left if _form_key(g) == _form_key(f)), None)
        if hit is None:
            scored = [(fuzz.ratio(_form_key(f)[1], _form_key(g)[1]), g) for g in left if g.form_type == f.form_type]
            scored = [x for x in scored if x[0] >= 85]
            hit = max(scored, key=lambda x: x[0])[1] if scored else None
        if hit is None:
            unpaired.append(f)
        else:
            pairs.append((f, hit))
            left.remove(hit)
    if len(unpaired) == 1 and len(left) == 1:
        pairs.append((unpaired.pop(), left.pop()))
    return pairs, unpaired, left


def pair_indicators(
    mine: list[Indicator], theirs: list[Indicator],
) -> tuple[list[tuple[Indicator, Indicator]], list[Indicator], list[Indicator]]:
    """Pairs by (scope, folded level3), duplicates in order; then fuzzy level3 ≥ 85."""
    pool: dict[tuple[str, str], list[Indicator]] = defaultdict(list)
    for t in theirs:
        pool[(t.scope, fold(t.level3))].append(t)
    pairs: list[tuple[Indicator, Indicator]] = []
    rest: list[Indicator] = []
    for m in mine:
        bucket = pool.get((m.scope, fold(m.level3)))
        if bucket:
            pairs.append((m, bucket.pop(0)))
        else:
            rest.append(m)
    left = [t for b in pool.values() for t in b]
    unpaired: list[Indicator] = []
    for m in rest:
        scored = [(fuzz.ratio(fold(m.level3), fold(t.level3)), t) for t in left if t.scope == m.scope]
        scored = [x for x in scored if x[0] >= 85]
        if scored:
            t = max(scored, key=lambda x: x[0])[1]
            pairs.append((m, t))
            left.remove(t)
        else:
            unpaired.append(m)
    return pairs, unpaired, left


# ---------------------------------------------------------------------------------------


def check_agreement(doc: Document, alternatives: dict[str, Document], ledger: Ledger) -> None:
    """Compare ``doc`` with every alternative reading (flags and ledger terms on ``doc``)."""
    for source, alt in alternatives.items():
        pairs, mine_left, _ = pair_forms(doc.forms, alt.forms)
        for f in mine_left:
            raise_flag(f, "alternative_form_unpaired", f"no form of {source} pairs with this form", None,
                       alternative=source)
        for f, g in pairs:
            _compare_forms(f, g, source, ledger)


def _compare_forms(f: Form, g: Form, source: str, ledger: Ledger) -> None:
    for field in FORM_FIELDS:
        compare_field(f, g, field, source, ledger)
    _compare_lines(f, g, source, ledger)
    pairs, mine_left, theirs_left = pair_indicators(f.indicators, g.indicators)
    for a, b in pairs:
        for field in INDICATOR_FIELDS:
            compare_field(a, b, field, source, ledger)
    for a in mine_left:
        raise_flag(a, "alternative_missing_indicator", f"{source} has no indicator {a.level3}", "level3",
                   alternative=source)
        ledger.add(a, "level3", f"absent_in_{source}", MISSING_ROW)
    for b in theirs_left:
        raise_flag(f, "alternative_extra_indicator",
                   f"{source} reads an indicator this reading lacks: {b.level3} = {b.target}", "indicators",
                   alternative=source, level1=b.level1, level2=b.level2, level3=b.level3, target=b.target)


def _line_key(ln: Any) -> tuple[str, str, str]:
    return fold(ln.section), fold(ln.item), fold(ln.column)


def _compare_lines(f: Form, g: Form, source: str, ledger: Ledger) -> None:
    theirs: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for ln in g.budget.lines:
        theirs[_line_key(ln)].append(ln)
    for ln in f.budget.lines:
        bucket = theirs.get(_line_key(ln))
        if bucket:
            compare_field(ln, bucket.pop(0), "amount", source, ledger)
        elif ln.amount is not None:
            ledger.add(ln, "amount", f"absent_in_{source}", ABSENT)
