"""Header checks (form_type vs names, year) and OCR-garbage detection in text fields."""

from __future__ import annotations

from jixiao.reconcile.common import garbage_in, raise_flag
from jixiao.schema import Form
from jixiao.values import year_from_text

_TEXT_FIELDS = ("level1", "level2", "level3", "description", "key_task", "basis", "category")
_CLOSED = ("level1", "level2")
_HEADER_TEXT = ("title", "unit_name", "competent_dept", "project_name")


def check_header(form: Form) -> None:
    if form.form_type == "project" and not (form.project_name or "").strip():
        raise_flag(form, "project_name_missing", "a project form without project_name", "project_name")
    if form.form_type == "department" and not (form.unit_name or "").strip():
        raise_flag(form, "unit_name_missing", "a department form without unit_name", "unit_name")
    if form.year is not None:
        if not 2000 <= form.year <= 2100:
            raise_flag(form, "year_implausible", f"year {form.year} is outside 2000–2100", "year", year=form.year)
        else:
            titled = year_from_text(form.title)
            if titled is not None and titled != form.year:
                raise_flag(form, "year_mismatch_title", f"year {form.year} but the title says {titled}", "year",
                           year=form.year, title_year=titled)


def check_text(form: Form) -> None:
    """Flag text fields holding characters OCR garbage is made of (values: see grammar)."""
    for field in _HEADER_TEXT:
        bad = garbage_in(getattr(form, field))
        if bad:
            raise_flag(form, "text_garbled", f"{field} holds {''.join(bad)}", field, suspicious=bad)
    for ind in form.indicators:
        for field in _TEXT_FIELDS:
            bad = garbage_in(getattr(ind, field), closed_vocab=field in _CLOSED)
            if bad:
                raise_flag(ind, "text_garbled", f"{field} {getattr(ind, field)} holds {''.join(bad)}", field,
                           value=getattr(ind, field), suspicious=bad)
