"""Header checks (form_type vs names, year) and OCR-garbage detection in text fields."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from jixiao.reconcile.common import garbage_in, raise_flag
from jixiao.model.output import Form
from jixiao.domain import vocab
from jixiao.domain.values import fold, year_from_text

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


# The closed vocabularies of the 指标分类 and 指标值确定依据 columns (one home: domain.vocab).
CATEGORY_VOCAB = vocab.CATEGORY_TERMS
BASIS_VOCAB = vocab.BASIS_SPELLINGS.all
_REPEAT = re.compile(r"([\u4e00-\u9fff])\1{2,}")  # 型型型: a character three times in a row
_TRUNCATED = re.compile(r"[，,、；;：:（(“\"'‘《【]$")


_CODE = re.compile(r"[\[【(（]\s*\d{2,}\s*[\]】)）]")  # 主管部门及代码: [137]绵阳市水利局


def check_text(form: Form) -> None:
    """Flag text fields holding what OCR garbage and lost cells are made of (values: grammar)."""
    for field in _HEADER_TEXT:
        _check_field(form, field, getattr(form, field), closed=False)
    for field in ("unit_name", "competent_dept"):
        m = _CODE.search(getattr(form, field) or "")
        if m:
            raise_flag(form, "name_has_code", f"{field} {getattr(form, field)} carries the code {m.group(0)}", field,
                       value=getattr(form, field), department_code=m.group(0))
    for field in ("goals.long_term", "goals.annual"):
        _check_field(form, field, getattr(form.goals, field.split(".")[1]), closed=False)
    for ind in form.indicators:
        for field in _TEXT_FIELDS:
            _check_field(ind, field, getattr(ind, field), closed=field in _CLOSED)
        _check_vocab(ind, "category", CATEGORY_VOCAB)
        _check_vocab(ind, "basis", BASIS_VOCAB)


def _check_field(obj, field: str, text: str | None, *, closed: bool) -> None:  # noqa: ANN001 - Form | Indicator
    if not text:
        return
    bad = garbage_in(text, closed_vocab=closed) + [m.group(0) for m in _REPEAT.finditer(text)]
    if bad:
        raise_flag(obj, "text_garbled", f"{field} {text} holds {''.join(bad)}", field, value=text, suspicious=bad)
    elif _TRUNCATED.search(text.strip()):
        raise_flag(obj, "text_truncated", f"{field} {text} ends in {text.strip()[-1]}: cut off?", field, value=text)


def _check_vocab(ind, field: str, terms: tuple[str, ...]) -> None:  # noqa: ANN001
    """A value near, but not equal to, a closed-vocabulary term is a damaged term (绩效基本 for 绩效基本型)."""
    text = getattr(ind, field)
    key = fold(text)
    if not key or key in terms or len(key) > 12:
        return
    if re.search(r"[≥≤=<>%\d]", key):  # an operator/value column mapped onto a vocabulary column
        raise_flag(ind, "vocab_near_miss", f"{field} {text} is no {field} term (operators or numbers)", field,
                   value=text, suggestion=None, score=0.0)
        return
    near = max(terms, key=lambda v: fuzz.ratio(key, v))
    score = fuzz.ratio(key, near)
    if score >= 75 or (len(key) >= 2 and near.startswith(key)):
        raise_flag(ind, "vocab_near_miss", f"{field} {text} looks like {near}", field, value=text,
                   suggestion=near, score=round(score, 1))
