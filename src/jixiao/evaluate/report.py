"""Evaluation reports: the JSON every later run compares against, plus Markdown and HTML views.

``report.json`` is the machine-readable record (``--compare`` reads an old one back);
``report.md`` is for a pull request; ``report.html`` is one self-contained file (inline
CSS, no scripts, no external assets) a reviewer can open offline to walk every wrong field
with the prediction's page and evidence text next to it.
"""

from __future__ import annotations

import html
import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from jixiao.evaluate.scorer import (
    AMOUNT_TOLERANCE,
    BUDGET_FIELDS,
    FORM_TYPE_PENALTY,
    GOAL_MIN_RATIO,
    HEADER_FIELDS,
    INDICATOR_FIELDS,
    MIN_FORM_SIMILARITY,
    MIN_INDICATOR_SIMILARITY,
    DocScore,
    aggregate,
)

MAIN_METRICS: tuple[str, ...] = (
    "form_recall",
    "form_precision",
    "indicator_precision",
    "indicator_recall",
    "indicator_f1",
    "indicator_field_accuracy",
    "exact_row_rate",
    "header_accuracy",
    "budget_accuracy",
    "budget_line_precision",
    "budget_line_recall",
    "budget_line_f1",
    "silent_error_rate",
)
LOWER_IS_BETTER = frozenset({"silent_error_rate", "field_error_rate", "expected_calibration_error"})

SCORER_SETTINGS = {
    "min_form_similarity": MIN_FORM_SIMILARITY,
    "min_indicator_similarity": MIN_INDICATOR_SIMILARITY,
    "form_type_penalty": FORM_TYPE_PENALTY,
    "amount_tolerance": AMOUNT_TOLERANCE,
    "goal_min_ratio": GOAL_MIN_RATIO,
}


# ---------------------------------------------------------------------------------------
# Building


KNOB_METRICS: tuple[str, ...] = (
    "indicator_f1", "field_accuracy.target", "header_accuracy", "budget_field_accuracy.budget.total",
    "budget_field_accuracy.budget.fiscal", "budget_line_f1", "silent_error_rate",
)


def _slim(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers a family / knob row shows (KNOB_METRICS), flat, plus counts."""
    out: dict[str, Any] = {"documents": metrics["documents"], "errors": metrics["errors"]}
    for name in KNOB_METRICS:
        out[name] = metric_value(metrics, name)
    return out


def by_knob(
    scores: Sequence[DocScore], knobs: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """variant → knob → value → metrics of the inputs drawn with that value.

    Knobs are per producer family (an HTML page's ``borders`` is not reportlab's ``rules``),
    so the grouping stays inside each variant. Seeds (``*_seed``) are not style and are left out.
    """
    groups: dict[str, dict[str, dict[str, list[DocScore]]]] = {}
    for s in scores:
        variant = s.variant or "default"
        for knob, value in sorted(knobs.get((s.doc_id, variant), {}).items()):
            if knob.endswith("_seed"):
                continue
            key = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            groups.setdefault(variant, {}).setdefault(knob, {}).setdefault(key, []).append(s)
    return {v: {k: {val: _slim(aggregate(ss)) for val, ss in sorted(vals.items())} for k, vals in sorted(ks.items())}
            for v, ks in sorted(groups.items())}


def build_report(
    scores: Sequence[DocScore],
    *,
    meta: dict[str, Any] | None = None,
    errors: Sequence[dict[str, Any]] = (),
    knobs: dict[tuple[str, str], dict[str, Any]] | None = None,
    family: Any = None,
) -> dict[str, Any]:
    """Everything the views need, as plain JSON-able data.

    ``knobs`` ((doc, variant) → style knobs from producers.json) adds ``by_knob`` and each
    input's knobs; ``family`` (variant → coarse family, e.g. every ``pdf-*`` → ``pdf``)
    adds ``by_family``.
    """
    knobs = knobs or {}
    variants = sorted({s.variant or "default" for s in scores})
    by_doc = []
    for s in scores:
        m = s.metrics()
        by_doc.append({"doc": s.doc_id, "variant": s.variant or "default", "error": s.error,
                       **{k: m[k] for k in MAIN_METRICS}, "counts": m["counts"]})
        kn = knobs.get((s.doc_id, s.variant or "default"))
        if kn:
            by_doc[-1]["knobs"] = {k: v for k, v in kn.items() if not k.endswith("_seed")}
    fam = family or (lambda v: v)
    families = sorted({fam(s.variant or "default") for s in scores})
    return {
        "meta": {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "scorer": SCORER_SETTINGS,
            **(meta or {}),
        },
        "overall": aggregate(scores),
        "by_variant": {v: aggregate([s for s in scores if (s.variant or "default") == v]) for v in variants},
        "by_family": {f: aggregate([s for s in scores if fam(s.variant or "default") == f]) for f in families},
        "by_knob": by_knob(scores, knobs),
        "by_document": by_doc,
        "errors": list(errors),
        "wrong_fields": [r.to_dict() for s in scores for r in s.records if not r.correct],
    }


def metric_value(metrics: dict[str, Any], name: str) -> Any:
    """``field_accuracy.target`` → metrics["field_accuracy"]["target"]; KeyError if unknown."""
    value: Any = metrics
    parts = name.split(".")
    i = 0
    while i < len(parts):
        # nested keys may themselves contain dots (header_field_accuracy."goals.annual")
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(value, dict) and key in value:
                value, i = value[key], j
                break
        else:
            raise KeyError(name)
    return value


# ---------------------------------------------------------------------------------------
# Thresholds


@dataclass
class ThresholdResult:
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    checked: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"failures": self.failures, "skipped": self.skipped, "checked": self.checked}


def load_thresholds(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read thresholds: {exc}") from exc


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = float(v)
    return out


def _check_table(scope: str, metrics: dict[str, Any], table: dict[str, Any], res: ThresholdResult) -> None:
    maxima = table.get("max", {})
    minima = {k: v for k, v in table.items() if k != "max"}
    for kind, limits in (("min", _flatten(minima)), ("max", _flatten(maxima))):
        for name, limit in limits.items():
            try:
                value = metric_value(metrics, name)
            except KeyError:
                res.failures.append(f"{scope}: unknown metric {name!r} in thresholds")
                continue
            if value is None:
                res.skipped.append(f"{scope}.{name}: not applicable (nothing to count)")
                continue
            if not isinstance(value, (int, float)):
                res.failures.append(f"{scope}: {name!r} is not a number metric")
                continue
            res.checked += 1
            if kind == "min" and value < limit - 1e-12:
                res.failures.append(f"{scope}.{name} = {value:.4f} < minimum {limit:.4f}")
            if kind == "max" and value > limit + 1e-12:
                res.failures.append(f"{scope}.{name} = {value:.4f} > maximum {limit:.4f}")


def gated_variants(thresholds: dict[str, Any]) -> list[str] | None:
    """The variants ``[overall]`` is checked on (its ``variants`` key), or None for all of them.

    The producer families of issue 11 (html, pdf-*, text-*) are a test bed that starts far
    below the established inputs; they are gated one by one by ``[variant.<name>]`` tables,
    and ``[overall]`` keeps meaning the inputs its minimums were measured on.
    """
    scope = thresholds.get("overall", {}).get("variants")
    return [str(v) for v in scope] if isinstance(scope, list) else None


def check_thresholds(report: dict[str, Any], thresholds: dict[str, Any]) -> ThresholdResult:
    """Compare a report with ``[overall]`` and ``[variant.<name>]`` tables.

    ``[overall]`` may name ``variants = [...]``: its minimums then apply to
    ``report["overall_gated"]`` (the metrics of those variants together, see :func:`gated_variants`).

    Numbers in a table are minimums; a nested ``max`` table holds maximums (for rates where
    lower is better, e.g. silent_error_rate). A variant not evaluated in this run is skipped.
    """
    res = ThresholdResult()
    unknown = set(thresholds) - {"overall", "variant"}
    for name in sorted(unknown):
        res.failures.append(f"thresholds: unknown table [{name}] (expected [overall] or [variant.<name>])")
    if "overall" in thresholds:
        table = dict(thresholds["overall"])
        scope = table.pop("variants", None)
        if scope is not None:
            gated = report.get("overall_gated")
            if gated is None:
                res.failures.append("overall: thresholds name 'variants' but the report has no overall_gated metrics")
            else:
                _check_table(f"overall[{', '.join(scope)}]", gated, table, res)
        else:
            _check_table("overall", report["overall"], table, res)
    for variant, table in thresholds.get("variant", {}).items():
        if variant not in report["by_variant"]:
            res.skipped.append(f"variant.{variant}: not evaluated in this run")
            continue
        _check_table(f"variant.{variant}", report["by_variant"][variant], table, res)
    return res


# ---------------------------------------------------------------------------------------
# Comparing


def compare_reports(new: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    """Deltas of the main metrics, overall and for each variant present in both reports."""
    rows = []
    scopes = [("overall", new.get("overall", {}), old.get("overall", {}))]
    for v, m in new.get("by_variant", {}).items():
        if v in old.get("by_variant", {}):
            scopes.append((f"variant.{v}", m, old["by_variant"][v]))
    for scope, nm, om in scopes:
        for name in MAIN_METRICS:
            a, b = om.get(name), nm.get(name)
            delta = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            if delta is None:
                better = None
            else:
                better = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
                if abs(delta) < 1e-12:
                    better = None
            rows.append({"scope": scope, "metric": name, "old": a, "new": b, "delta": delta, "better": better})
    return rows


def compare_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Wide view of :func:`compare_reports`: one row per metric, "new (Δ)" per scope."""
    scopes = list(dict.fromkeys(r["scope"] for r in rows))
    cell = {(r["scope"], r["metric"]): r for r in rows}
    body = []
    for m in MAIN_METRICS:
        line = [m]
        for sc in scopes:
            r = cell.get((sc, m))
            line.append("" if r is None else f"{pct(r['new'])} ({signed_pct(r['delta'])})")
        body.append(line)
    return ["metric", *scopes], body


# ---------------------------------------------------------------------------------------
# Formatting helpers


def pct(x: Any) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def signed_pct(x: Any) -> str:
    return "—" if x is None else f"{100 * x:+.1f} pt"


def _short(v: Any, limit: int = 160) -> str:
    if v is None:
        return "∅"
    s = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


# The LLM section: report key → the Document.stats["llm"] counter it sums.
LLM_COUNTS = ("chunks_sent", "returned", "dropped", "grounded", "added", "replaced", "disagreements", "failures")
_LLM_STATS = {"chunks_sent": "chunks_sent", "returned": "returned", "dropped": "dropped_invented", "added": "added",
              "replaced": "replaced", "disagreements": "disagreed", "failures": "failures"}


def llm_section(inputs: Sequence[tuple[str, dict[str, Any] | None]], family: Any = None) -> dict[str, Any] | None:
    """Sum of the LLM path's counters over the inputs (variant, stats.llm), overall and per
    family; None when no input ran the LLM path. ``grounded`` = returned − dropped."""
    fam = family or (lambda v: v)

    def total(rows: list[dict[str, Any]]) -> dict[str, int]:
        out = {k: sum(int(r.get(src) or 0) for r in rows) for k, src in _LLM_STATS.items()}
        out["grounded"] = out["returned"] - out["dropped"]
        out["inputs"] = len(rows)
        return out

    ran = [(v, st) for v, st in inputs if st and st.get("enabled")]
    if not ran:
        return None
    families = sorted({fam(v) for v, _ in ran})
    return {"overall": total([st for _, st in ran]),
            "by_family": {f: total([st for v, st in ran if fam(v) == f]) for f in families}}


def _tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every table both views show, in order."""
    ov = report["overall"]
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    tables.append(("Summary", ["metric", "value"], [[m, pct(ov.get(m))] for m in MAIN_METRICS]))
    variants = report["by_variant"]
    tables.append((
        "Per variant",
        ["variant", "docs", *MAIN_METRICS],
        [[v, str(m["documents"]), *[pct(m.get(k)) for k in MAIN_METRICS]] for v, m in variants.items()],
    ))
    if report.get("by_family"):
        tables.append((
            "Per family (pdf = digital + every pdf-*; text = text + every text-*)",
            ["family", "inputs", "errors", *KNOB_METRICS],
            [[f, str(m["documents"]), str(m["errors"]), *[pct(metric_value(m, k)) for k in KNOB_METRICS]]
             for f, m in report["by_family"].items()],
        ))
    if report.get("llm"):
        llm = report["llm"]
        tables.append((
            "LLM path (from each document's stats.llm)",
            ["scope", "inputs", *LLM_COUNTS],
            [[scope, str(c["inputs"]), *[str(c[k]) for k in LLM_COUNTS]]
             for scope, c in [("overall", llm["overall"]), *llm["by_family"].items()]],
        ))
    if report.get("by_knob"):
        tables.append((
            "Per style knob (producers.json)",
            ["variant", "knob", "value", "inputs", *KNOB_METRICS],
            [[v, k, val, str(m["documents"]), *[pct(m.get(n)) for n in KNOB_METRICS]]
             for v, ks in report["by_knob"].items() for k, vals in ks.items() for val, m in vals.items()],
        ))
    short = ("form_recall", "indicator_f1", "indicator_field_accuracy", "exact_row_rate", "header_accuracy",
             "budget_line_f1", "silent_error_rate")
    tables.append((
        "Per document",
        ["doc", "variant", *short, "error"],
        [[d["doc"], d["variant"], *[pct(d.get(k)) for k in short], d.get("error") or ""] for d in report["by_document"]],
    ))
    per_field = [["indicator", f, pct(ov["field_accuracy"].get(f)), *[pct(m["field_accuracy"].get(f)) for m in variants.values()]]
                 for f in INDICATOR_FIELDS]
    per_field += [["header", f, pct(ov["header_field_accuracy"].get(f)),
                   *[pct(m["header_field_accuracy"].get(f)) for m in variants.values()]] for f in HEADER_FIELDS]
    per_field += [["budget", f, pct(ov["budget_field_accuracy"].get(f)),
                   *[pct(m["budget_field_accuracy"].get(f)) for m in variants.values()]] for f in BUDGET_FIELDS]
    tables.append(("Per field", ["group", "field", "overall", *variants.keys()], per_field))
    tables.append((
        "Calibration (all golden fields)",
        ["confidence", "fields", "correct", "accuracy", "mean confidence"],
        [[c["bucket"], str(c["fields"]), str(c["correct"]), pct(c["accuracy"]),
          "—" if c["mean_confidence"] is None else f"{c['mean_confidence']:.3f}"] for c in ov["calibration"]],
    ))
    tables.append(("Flags", ["metric", "value"], [
        ["silent_error_rate (wrong & unflagged ÷ all fields)", pct(ov["silent_error_rate"])],
        ["field_error_rate (wrong ÷ all fields)", pct(ov["field_error_rate"])],
        ["flag_recall (flagged ÷ wrong)", pct(ov["flag_recall"])],
        ["flag_precision (wrong ÷ flagged)", pct(ov["flag_precision"])],
        ["calibration_monotone (accuracy never falls as confidence rises)",
         {1.0: "yes", 0.0: "no"}.get(ov.get("calibration_monotone"), "—")],
        ["expected_calibration_error (Σ fields × |accuracy − mean confidence| ÷ fields)",
         "—" if ov.get("expected_calibration_error") is None else f"{ov['expected_calibration_error']:.4f}"],
    ]))
    if report.get("compare"):
        header, rows = compare_table(report["compare"])
        tables.append((f"Compared with {report['meta'].get('compare_with', 'old report')}", header, rows))
    return tables


# ---------------------------------------------------------------------------------------
# Markdown


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(str(c)) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(report: dict[str, Any], *, max_wrong: int = 200) -> str:
    meta = report["meta"]
    out = ["# jixiao evaluation", "",
           f"golden: `{meta.get('golden_dir')}` · predictions: `{meta.get('pred_dir') or 'extracted, llm=' + str(meta.get('llm'))}`"
           f" · generated {meta['generated_at']}", ""]
    th = report.get("thresholds")
    if th:
        out += ["**Thresholds: " + ("FAILED**" if th["failures"] else "passed**"), ""]
        out += [f"- {f}" for f in th["failures"]] + [""]
    for title, header, rows in _tables(report):
        out += [f"## {title}", "", _md_table(header, rows), ""]
    if report["errors"]:
        out += ["## Inputs that failed", "", _md_table(["doc", "variant", "error"],
                [[e["doc"], e["variant"], e["error"]] for e in report["errors"]]), ""]
    wrong = report["wrong_fields"]
    out += [f"## Wrong fields ({len(wrong)})", ""]
    rows = [[w["doc"], w["variant"] or "", w["form"], w["indicator"] or "", w["field"], _short(w["expected"], 60),
             _short(w["got"], 60), "" if w["page"] is None else str(w["page"]), "⚑" if w["flagged"] else ""]
            for w in wrong[:max_wrong]]
    out += [_md_table(["doc", "variant", "form", "level3", "field", "expected", "got", "page", "flagged"], rows)]
    if len(wrong) > max_wrong:
        out += ["", f"… {len(wrong) - max_wrong} more in report.html / report.json"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fafafa}
.fail{color:#b00020;font-weight:bold}.pass{color:#1b5e20;font-weight:bold}
.exp{color:#1b5e20}.got{color:#b00020}.ev{color:#555;font-size:.9em}
.meta{color:#555;font-size:.9em}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="num">{_e(c)}</td>' if str(c).endswith(("%", " pt")) or str(c).isdigit() else f"<td>{_e(c)}</td>"
            for c in r
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    meta = report["meta"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>jixiao evaluation</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>jixiao evaluation</h1>",
        f'<p class="meta">golden: {_e(meta.get("golden_dir"))} · predictions: '
        f'{_e(meta.get("pred_dir") or "extracted, llm=" + str(meta.get("llm")))} · generated {_e(meta["generated_at"])} · '
        f'scorer: {_e(json.dumps(meta["scorer"], ensure_ascii=False))}</p>',
    ]
    th = report.get("thresholds")
    if th:
        cls, word = ("fail", "FAILED") if th["failures"] else ("pass", "passed")
        parts.append(f'<p class="{cls}">Thresholds {word}</p>')
        if th["failures"]:
            parts.append("<ul>" + "".join(f"<li>{_e(f)}</li>" for f in th["failures"]) + "</ul>")
    for title, header, rows in _tables(report):
        parts += [f"<h2>{_e(title)}</h2>", _html_table(header, rows)]
    if report["errors"]:
        parts += ["<h2>Inputs that failed</h2>",
                  _html_table(["doc", "variant", "error"], [[e["doc"], e["variant"], e["error"]] for e in report["errors"]])]
    wrong = report["wrong_fields"]
    parts.append(f"<h2>Wrong fields ({len(wrong)})</h2>")
    rows = []
    for w in wrong:
        ev = "" if not w.get("evidence") else f'<div class="ev">{_e(w["evidence"])}</div>'
        conf = "" if w.get("confidence") is None else f"{w['confidence']:.2f}"
        rows.append(
            f"<tr><td>{_e(w['doc'])}</td><td>{_e(w['variant'] or '')}</td><td>{_e(w['form'])}</td>"
            f"<td>{_e(w['indicator'] or '')}</td><td>{_e(w['field'])}</td>"
            f'<td class="exp">{_e(_short(w["expected"], 400))}</td><td class="got">{_e(_short(w["got"], 400))}</td>'
            f'<td class="num">{_e("" if w["page"] is None else w["page"])}</td><td>{ev}</td>'
            f"<td>{'⚑' if w['flagged'] else ''}</td><td class=\"num\">{_e(conf)}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in
                   ("doc", "variant", "form", "level3", "field", "expected", "got", "page", "evidence", "flagged", "conf."))
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------
# Writing


def write_reports(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["md"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths
