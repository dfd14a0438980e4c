"""Every flag code any stage raises is registered in jixiao.model.flags, with the severity it is raised at.

The source is scanned (AST) for the ways a flag is made: ``obj.flag(Severity.X, "code", …)``,
``Flag(severity=…, code="code", …)`` and reconcile's ``raise_flag(obj, "code", …)``. A code
passed through a variable is checked where it is spelled (reconcile's ``raise_flag`` looks
each one up with ``severity_of``, which fails on an unknown code).
"""

from __future__ import annotations

import ast
from pathlib import Path

from jixiao.model.flags import FLAG_CODES, UNSETTLED_CODES
from jixiao.model.output import Severity

SRC = Path(__file__).resolve().parents[3] / "src" / "jixiao"


def _raised() -> dict[str, list[tuple[str, int, str | None]]]:
    """code → [(file, line, severity name or None when not a literal)]."""
    found: dict[str, list[tuple[str, int, str | None]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            pairs: list[tuple[ast.expr, ast.expr | None]] = []
            if name == "flag" and len(node.args) >= 2:
                pairs.append((node.args[1], node.args[0]))
            elif name == "raise_flag" and len(node.args) >= 2:
                pairs.append((node.args[1], None))
            elif name == "Flag":
                kw = {k.arg: k.value for k in node.keywords}
                if "code" in kw:
                    pairs.append((kw["code"], kw.get("severity")))
            for code, sev in pairs:
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    literal = sev.attr if isinstance(sev, ast.Attribute) and isinstance(sev.value, ast.Name) else None
                    found.setdefault(code.value, []).append((str(path.relative_to(SRC)), node.lineno, literal))
    return found


def test_the_scan_sees_every_stage() -> None:
    places = {f.split("/")[0] for hits in _raised().values() for f, _, _ in hits}
    assert {"ingest", "ocr", "extract", "reconcile", "pipeline.py"} <= places, places


def test_every_raised_code_is_registered() -> None:
    missing = {code: hits for code, hits in _raised().items() if code not in FLAG_CODES}
    assert not missing, f"register these in jixiao/model/flags.py: {missing}"


def test_literal_severities_match_the_registry() -> None:
    wrong = [
        (code, f, line, sev)
        for code, hits in _raised().items() if code in FLAG_CODES
        for f, line, sev in hits
        if sev is not None and Severity[sev] is not FLAG_CODES[code].severity
    ]
    assert not wrong, wrong


def test_unsettled_codes_are_raised_by_the_rules_extractor() -> None:
    raised = _raised()
    assert UNSETTLED_CODES, "the --llm fallback mode needs at least one unsettled code"
    for code in UNSETTLED_CODES:
        assert any(f.startswith("extract/") for f, _, _ in raised.get(code, [])), f"{code} is raised by no rules code"
