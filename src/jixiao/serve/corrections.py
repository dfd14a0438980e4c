"""Corrections to an extracted document: set a field, add or delete an indicator.

A path names what to change, slash-separated, indices 0-based:
``forms/0/project_name``, ``forms/0/budget/total``, ``forms/0/goals/annual``,
``forms/0/indicators/3/target``, ``forms/0/budget/lines/2/amount`` (op ``set``);
``forms/0/indicators`` (op ``add``, value = an indicator object, optional ``index``);
``forms/0/indicators/3`` (op ``delete``). Anything else is refused with the reason.
A corrected field gets confidence 1.0 and loses its flags (a person checked it); the
change is logged by the store with time, before, after and who.
"""

from __future__ import annotations

from typing import Any

from jixiao.domain.values import parse_value
from jixiao.model.errors import JixiaoError
from jixiao.model.output import Budget, BudgetLine, Document, Form, Goals, Indicator, Severity

FORM_FIELDS = {"form_type", "title", "year", "unit_name", "competent_dept", "project_name"}
INDICATOR_FIELDS = set(Indicator.model_fields) - {"evidence", "confidence", "flags", "history", "half_year_parsed",
                                                  "target_parsed", "row_id"}
LINE_FIELDS = {"section", "item", "column", "amount"}


class CorrectionError(JixiaoError, ValueError):
    """A correction that cannot be applied (HTTP 422 with this message)."""


def _index(seq: list, raw: str, what: str) -> int:
    if not raw.isdigit() or int(raw) >= len(seq):
        raise CorrectionError(f"{what} index {raw!r} out of range (0..{len(seq) - 1})")
    return int(raw)


def _set_traced(obj: Any, field: str, value: Any, model: type) -> tuple[Any, Any]:
    before = getattr(obj, field)
    probe = model.model_validate({**obj.model_dump(), field: value})  # type check by the contract
    after = getattr(probe, field)
    setattr(obj, field, after)
    if hasattr(obj, "confidence"):
        obj.confidence[field] = 1.0
        obj.flags = [f for f in obj.flags if f.field != field]
    if field in ("target", "half_year") and isinstance(obj, Indicator):
        setattr(obj, f"{field}_parsed", parse_value(after))  # the value grammar, as extraction parses it
    return before, after


def apply_one(doc: Document, op: str, path: str, value: Any = None, index: int | None = None) -> dict[str, Any]:
    """Apply one correction in place; returns the log entry {op, path, before, after}."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0] != "forms":
        raise CorrectionError(f"path {path!r} must start with forms/<i>/")
    form: Form = doc.forms[_index(doc.forms, parts[1], "form")]
    rest = parts[2:]
    if op == "set":
        if len(rest) == 1 and rest[0] in FORM_FIELDS:
            before, after = _set_traced(form, rest[0], value, Form)
        elif len(rest) == 2 and rest[0] == "budget" and rest[1] in ("total", "fiscal"):
            before = getattr(form.budget, rest[1])
            after = getattr(Budget.model_validate({rest[1]: value}), rest[1])
            setattr(form.budget, rest[1], after)
            form.confidence[f"budget.{rest[1]}"] = 1.0
            form.flags = [f for f in form.flags if f.field != f"budget.{rest[1]}"]
        elif len(rest) == 2 and rest[0] == "goals" and rest[1] in ("long_term", "annual"):
            before = getattr(form.goals, rest[1])
            after = getattr(Goals.model_validate({rest[1]: value}), rest[1])
            setattr(form.goals, rest[1], after)
            form.confidence[f"goals.{rest[1]}"] = 1.0
            form.flags = [f for f in form.flags if f.field != f"goals.{rest[1]}"]
        elif len(rest) == 3 and rest[0] == "indicators" and rest[2] in INDICATOR_FIELDS:
            ind = form.indicators[_index(form.indicators, rest[1], "indicator")]
            before, after = _set_traced(ind, rest[2], value, Indicator)
        elif len(rest) == 4 and rest[:2] == ["budget", "lines"] and rest[3] in LINE_FIELDS:
            line = form.budget.lines[_index(form.budget.lines, rest[2], "budget line")]
            before, after = _set_traced(line, rest[3], value, BudgetLine)
        else:
            raise CorrectionError(f"path {path!r} names no correctable field")
    elif op == "add":
        if rest != ["indicators"]:
            raise CorrectionError("add: path must be forms/<i>/indicators")
        if not isinstance(value, dict):
            raise CorrectionError("add: value must be an indicator object")
        ind = Indicator.model_validate(value)
        ind.confidence = {k: 1.0 for k in ("level1", "level2", "level3", "target") if getattr(ind, k)}
        ind.flag(Severity.INFO, "added_by_reviewer", "indicator added by a reviewer (not read from the page)")
        at = len(form.indicators) if index is None else max(0, min(index, len(form.indicators)))
        form.indicators.insert(at, ind)
        before, after, path = None, ind.model_dump(mode="json", exclude_defaults=True), f"forms/{parts[1]}/indicators/{at}"
    elif op == "delete":
        if len(rest) != 2 or rest[0] != "indicators":
            raise CorrectionError("delete: path must be forms/<i>/indicators/<j>")
        ind = form.indicators.pop(_index(form.indicators, rest[1], "indicator"))
        before, after = ind.model_dump(mode="json", exclude_defaults=True), None
    else:
        raise CorrectionError(f"unknown op {op!r} (set, add, delete)")
    return {"op": op, "path": path, "before": _plain(before), "after": _plain(after)}


def _plain(v: Any) -> Any:
    return v.model_dump(mode="json") if hasattr(v, "model_dump") else v


def apply_all(doc: Document, corrections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All or nothing: the caller keeps the stored document when any correction fails."""
    if not corrections:
        raise CorrectionError("no corrections given")
    return [apply_one(doc, c.get("op", "set"), str(c.get("path", "")), c.get("value"), c.get("index"))
            for c in corrections]
