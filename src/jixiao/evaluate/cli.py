"""``jixiao eval``: score predictions (read with --pred, or extracted now) against the golden set.

Mounting: the command is the plain function :func:`eval_command`; the main CLI registers it
with ``app.command("eval")(eval_command)``. ``app`` here is a one-command Typer for running
the evaluator on its own (``python -m jixiao.evaluate.cli``) and for tests.

Exit codes: 0 all thresholds met; 1 a metric is below its minimum (or above its maximum);
2 the inputs could not be read (golden dir, thresholds file, old report).
"""

from __future__ import annotations

import json
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jixiao.evaluate.report import (
    MAIN_METRICS,
    build_report,
    llm_section,
    check_thresholds,
    compare_reports,
    gated_variants,
    load_thresholds,
    pct,
    signed_pct,
    write_reports,
)
from jixiao.evaluate.golden import (  # noqa: F401 - re-exported: the library half of `jixiao eval`
    DEFAULT_VARIANT,
    VARIANT_FILES,
    VARIANT_PATTERNS,
    EvalError,
    Extractor,
    GoldenDoc,
    Prediction,
    _empty,
    family_of,
    load_golden,
    load_knobs,
    pipeline_extractor,
    predictions_from_dir,
    score_predictions,
    variant_file,
    variants_present,
)
from jixiao.evaluate.scorer import aggregate
from jixiao.model.modes import LlmMode

DEFAULT_THRESHOLDS = Path("eval/thresholds.toml")


class Variant(str, Enum):
    """The variants with a fixed name; ``--variant`` also takes any ``pdf-*`` / ``text-*`` family."""

    text = "text"
    digital = "digital"
    scanned = "scanned"
    docx = "docx"
    xlsx = "xlsx"
    text_lines = "text-lines"
    text_pipe = "text-pipe"
    text_tsv = "text-tsv"
    text_space = "text-space"
    text_blank = "text-blank"
    text_concat = "text-concat"
    text_viewer = "text-viewer"
    text_vertical = "text-vertical"
    text_chrome = "text-chrome"
    text_prose = "text-prose"
    text_chromium = "text-chromium"
    html = "html"
    pdf_chromium = "pdf-chromium"
    pdf_wkhtml = "pdf-wkhtml"
    pdf_libreoffice = "pdf-libreoffice"
    pdf_reportlab = "pdf-reportlab"


def predictions_by_extraction(
    golden: list[GoldenDoc],
    variants: list[str] | None,
    llm: LlmMode,
    save_dir: Path | None,
    console: Console,
    extractor: Extractor | None = None,
) -> list[Prediction]:
    """Extract every (document, variant) input now, with a progress bar.

    A failing input becomes an empty prediction with its error listed, so one broken file
    costs its own score and does not stop the run. Predictions are saved under
    ``save_dir`` as ``<doc_id>.<variant>.json`` so a later run can re-score them with --pred.
    """
    run = extractor or pipeline_extractor()
    jobs = [(g, v) for g in golden for v in g.variants if not variants or v in variants]
    out: list[Prediction] = []
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        task = progress.add_task("extracting", total=len(jobs))
        for g, v in jobs:
            progress.update(task, description=f"{g.doc_id} [{v}]")
            path = g.dir / (variant_file(v) or v)
            t0 = time.perf_counter()
            if not path.exists():
                out.append(Prediction(g, v, _empty(g.doc_id), error=f"{path}: input file missing"))
            else:
                try:
                    doc = run(path, llm)
                    out.append(Prediction(g, v, doc, seconds=time.perf_counter() - t0))
                    if save_dir is not None:
                        (save_dir / f"{g.doc_id}.{v}.json").write_text(doc.to_json(), encoding="utf-8")
                except Exception as exc:  # noqa: BLE001 - any failure of one input is that input's score
                    out.append(Prediction(g, v, _empty(g.doc_id), error=f"{type(exc).__name__}: {exc}",
                                          seconds=time.perf_counter() - t0))
            progress.advance(task)
    return out


# ---------------------------------------------------------------------------------------
# Running


# Column labels short enough that a terminal shows every metric (full names in report.md/json).
SHORT_LABELS: dict[str, str] = {
    "form_recall": "form R", "form_precision": "form P", "indicator_precision": "ind P",
    "indicator_recall": "ind R", "indicator_f1": "ind F1", "indicator_field_accuracy": "field",
    "exact_row_rate": "row", "header_accuracy": "header", "budget_accuracy": "budget",
    "budget_line_precision": "line P", "budget_line_recall": "line R", "budget_line_f1": "line F1",
    "silent_error_rate": "silent",
}


def _print_summary(console: Console, report: dict[str, Any]) -> None:
    """One row per scope (overall, then each variant): with 20+ families a column per
    variant no longer fits a terminal, a column per metric does."""
    scopes = {"overall": report["overall"], **report["by_variant"]}
    table = Table(title="jixiao eval")
    table.add_column("scope")
    for m in MAIN_METRICS:
        table.add_column(SHORT_LABELS.get(m, m), justify="right")
    for name, vm in scopes.items():
        table.add_row(name, *[pct(vm.get(m)) for m in MAIN_METRICS])
    console.print(table)


def _print_compare(console: Console, rows: list[dict[str, Any]], old_path: Path) -> None:
    """One line per (scope, metric) that moved, "old → new (Δ)"; green better, red worse.

    Listing only what moved keeps the table readable with any number of families; the
    count of unchanged metrics says the rest was compared too."""
    moved = [r for r in rows if r["metric"] in MAIN_METRICS and r.get("delta")]
    table = Table(title=f"vs {old_path}")
    for col in ("scope", "metric", "old", "new", "Δ"):
        table.add_column(col, justify="left" if col in ("scope", "metric") else "right")
    for r in moved:
        colour = "" if r["better"] is None else ("green" if r["better"] else "red")
        delta = signed_pct(r["delta"])
        table.add_row(r["scope"], r["metric"], pct(r["old"]), pct(r["new"]), f"[{colour}]{delta}[/]" if colour else delta)
    unchanged = sum(1 for r in rows if r["metric"] in MAIN_METRICS) - len(moved)
    if moved:
        console.print(table)
    console.print(f"{len(moved)} metric(s) moved, {unchanged} unchanged (vs {old_path})")


def run_eval(
    golden_dir: Path,
    *,
    pred_dir: Path | None = None,
    variants: list[str] | None = None,
    llm: LlmMode | str = LlmMode.OFF,
    out_dir: Path = Path("eval/out"),
    compare: Path | None = None,
    thresholds: Path | None = None,
    only: list[str] | None = None,
    console: Console | None = None,
    extractor: Extractor | None = None,
) -> tuple[dict[str, Any], int]:
    """The whole evaluation; returns (report, exit code). Raises EvalError for unusable inputs."""
    console = console or Console(stderr=True)
    llm = LlmMode(llm)  # a bad spelling fails here, before any extraction
    golden = load_golden(golden_dir, only or ())
    old = None
    if compare is not None:
        try:
            old = json.loads(compare.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EvalError(f"{compare}: cannot read old report: {exc}") from exc
    limits = None
    th_path = thresholds if thresholds is not None else (DEFAULT_THRESHOLDS if DEFAULT_THRESHOLDS.exists() else None)
    if th_path is not None:
        if not th_path.exists():
            raise EvalError(f"{th_path}: thresholds file not found")
        try:
            limits = load_thresholds(th_path)
        except ValueError as exc:
            raise EvalError(str(exc)) from exc

    if pred_dir is not None:
        preds = predictions_from_dir(golden, pred_dir, variants)
    else:
        preds = predictions_by_extraction(golden, variants, llm, out_dir / "pred", console, extractor)
    scores = score_predictions(preds)
    errors = [{"doc": p.golden.doc_id, "variant": p.variant, "error": p.error} for p in preds if p.error]
    meta = {
        "golden_dir": str(golden_dir),
        "pred_dir": str(pred_dir) if pred_dir else None,
        "llm": None if pred_dir else llm,
        "variants": variants,
        "only": only,
        "thresholds_file": str(th_path) if th_path else None,
    }
    report = build_report(scores, meta=meta, errors=errors, knobs=load_knobs(golden), family=family_of)
    for entry, p in zip(report["by_document"], preds):
        entry["extract_s"] = p.seconds
    llm_counts = llm_section([(p.variant, p.doc.stats.get("llm")) for p in preds], family_of)
    if llm_counts is not None:
        report["llm"] = llm_counts
    if old is not None:
        report["meta"]["compare_with"] = str(compare)
        report["compare"] = compare_reports(report, old)
    code = 0
    if limits is not None:
        scope = gated_variants(limits)
        if scope is not None:
            report["overall_gated"] = aggregate([s for s in scores if (s.variant or DEFAULT_VARIANT) in [*scope, DEFAULT_VARIANT]])
            report["meta"]["overall_gated_variants"] = scope
        res = check_thresholds(report, limits)
        report["thresholds"] = res.to_dict()
        code = 1 if res.failures else 0
    paths = write_reports(report, out_dir)

    _print_summary(console, report)
    if old is not None and compare is not None:
        _print_compare(console, report["compare"], compare)
    for e in errors:
        console.print(f"[yellow]input failed[/] {e['doc']} [{e['variant']}]: {e['error']}")
    if limits is not None:
        th = report["thresholds"]
        for f in th["failures"]:
            console.print(f"[red]threshold failed[/] {escape(f)}")
        if not th["failures"]:
            console.print(f"[green]thresholds met[/] ({th['checked']} checked, {len(th['skipped'])} not applicable)")
    console.print("reports: " + ", ".join(str(p) for p in paths.values()))
    return report, code


def eval_command(
    golden_dir: Annotated[Path, typer.Argument(help="golden set: <dir>/<doc_id>/label.json + inputs")] = Path("golden"),
    pred: Annotated[Optional[Path], typer.Option("--pred", help="score saved predictions <doc_id>[.<variant>].json instead of extracting")] = None,
    variant: Annotated[Optional[list[str]], typer.Option("--variant", help="only these input variants (repeatable): "
                       "text, digital, scanned, docx, xlsx, html, pdf-<producer>, text-<style>")] = None,
    llm: Annotated[LlmMode, typer.Option("--llm", help="LLM mode when extracting")] = LlmMode.OFF,
    out: Annotated[Path, typer.Option("--out", help="where report.json/.md/.html go")] = Path("eval/out"),
    compare: Annotated[Optional[Path], typer.Option("--compare", help="an older report.json to print deltas against")] = None,
    thresholds: Annotated[Optional[Path], typer.Option("--thresholds", help="minimum metrics (default eval/thresholds.toml if present)")] = None,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="only this doc id (repeatable)")] = None,
) -> None:
    """Score extraction against the golden set; exit 1 when a metric is below its threshold."""
    console = Console(stderr=True)
    bad = [v for v in variant or [] if variant_file(v) is None]
    if bad:
        console.print(f"[red]error:[/] unknown variant(s) {', '.join(bad)} (known: {', '.join(VARIANT_FILES)}, "
                      "pdf-<producer>, text-<style>)")
        raise typer.Exit(2)
    try:
        _, code = run_eval(
            golden_dir,
            pred_dir=pred,
            variants=list(variant) if variant else None,
            llm=llm,
            out_dir=out,
            compare=compare,
            thresholds=thresholds,
            only=only,
            console=console,
        )
    except EvalError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


app = typer.Typer(add_completion=False, help="Score extraction against the golden set.")
app.command("eval")(eval_command)

if __name__ == "__main__":  # pragma: no cover
    app()
