"""``jixiao golden``: render the golden inputs from label + layout, and check the labels.

Mounted by the main CLI as ``jixiao golden``; runnable alone with
``python -c "from jixiao.evaluate.render.cli import app; app()" render``.

``render`` is incremental: an output is redrawn only when it is older than what it is
drawn from (label.json and layout.json; scanned.pdf also from digital.pdf), or with
``--force`` (use it after changing the renderer itself: renders are reproducible, so a
forced re-render of unchanged inputs gives byte-identical files and no git churn).
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jixiao.evaluate.render.form_layout import Grid, IndicatorTable, LayoutError, SideBySide, build, load_layout
from jixiao.model.output import Document, load_document
from jixiao.domain.values import fold, parse_amount, values_equal

app = typer.Typer(help="Golden set: render inputs from label.json + layout.json; check labels.", no_args_is_help=True)
# Piped output (CI logs, the lead's reports) gets a wide console so the table is not folded.
console = Console() if sys.stdout.isatty() else Console(width=160)

OUTPUT_FILES = {"digital": "digital.pdf", "scanned": "scanned.pdf", "docx": "form.docx", "xlsx": "form.xlsx"}


@dataclass
class Job:
    """One output file of one golden folder."""

    folder: Path
    kind: str  # digital | scanned | docx | xlsx
    inputs: list[Path]

    @property
    def out(self) -> Path:
        return self.folder / OUTPUT_FILES[self.kind]

    def stale(self) -> bool:
        if not self.out.exists():
            return True
        newest = max(p.stat().st_mtime for p in self.inputs if p.exists())
        return self.out.stat().st_mtime < newest


@dataclass
class Result:
    doc: str
    pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    error: str = ""


def golden_folders(golden_dir: Path, only: list[str] | None) -> list[Path]:
    """Folders under ``golden_dir`` that have a layout.json (optionally only the named ones)."""
    if not golden_dir.is_dir():
        raise typer.BadParameter(f"{golden_dir}: not a directory")
    folders = sorted(p.parent for p in golden_dir.glob("*/layout.json"))
    if only:
        wanted = set(only)
        missing = wanted - {f.name for f in folders}
        if missing:
            raise typer.BadParameter(f"no layout.json for {sorted(missing)} under {golden_dir}")
        folders = [f for f in folders if f.name in wanted]
    return folders


def _load(folder: Path) -> tuple[Document, dict[str, Any]]:
    label = load_document(folder / "label.json")
    layout = load_layout(folder / "layout.json")
    return label, layout


def _run_job(job: Job, label: Document, layout: dict[str, Any], res: Result) -> None:
    from jixiao.evaluate.render import office, pdf, scan

    t0 = time.perf_counter()
    name = job.folder.name
    if job.kind == "digital":
        res.pages = pdf.render_pdf(label, layout, job.out, name=name)
    elif job.kind == "scanned":
        params = dict(layout.get("scan") or {})
        if "turn" in params:
            params["turn"] = {int(k): int(v) for k, v in params["turn"].items()}
        scan.scan_pdf(job.folder / "digital.pdf", job.out, **params)
    elif job.kind == "docx":
        office.render_docx(label, layout, job.out, name=name)
    elif job.kind == "xlsx":
        office.render_xlsx(label, layout, job.out, name=name)
    res.seconds[job.kind] = time.perf_counter() - t0


def _jobs(folder: Path, outputs: list[str]) -> list[Job]:
    label, layout = folder / "label.json", folder / "layout.json"
    jobs = []
    for kind in ("digital", "scanned", "docx", "xlsx"):
        if kind in outputs or (kind == "digital" and "scanned" in outputs):
            inputs = [label, layout] + ([folder / "digital.pdf"] if kind == "scanned" else [])
            jobs.append(Job(folder, kind, inputs))
    return jobs


@app.command()
def render(
    golden_dir: Annotated[Path, typer.Argument(help="the golden folder")] = Path("golden"),
    only: Annotated[list[str] | None, typer.Option("--only", help="render only this doc_id (repeatable)")] = None,
    force: Annotated[bool, typer.Option("--force", help="redraw outputs even when up to date")] = False,
    text: Annotated[bool, typer.Option("--text", help="write only the text-* linearizations (golden/README.md)")] = False,
    producers: Annotated[bool, typer.Option("--producers", help="draw the independent-producer families instead (html, pdf-chromium, …)")] = False,
    family: Annotated[list[str] | None, typer.Option("--family", help="with --producers: only this family (repeatable)")] = None,
) -> None:
    """Draw digital.pdf, scanned.pdf (and form.docx / form.xlsx) for every golden folder with a layout.

    With ``--producers``: draw page.html / pdf-chromium.pdf / pdf-wkhtml.pdf / pdf-libreoffice.pdf /
    pdf-reportlab.pdf through those producers and record them in producers.json (see
    ``jixiao.evaluate.render.producers``).
    """
    folders = golden_folders(golden_dir, only)
    if text:
        from jixiao.evaluate.render.linearize import render_text_command

        raise typer.Exit(render_text_command(folders, console))
    if producers or family:
        from jixiao.evaluate.render.producers.cli import render_producers_command

        raise typer.Exit(render_producers_command(folders, family, force, console))
    plan: list[tuple[Path, Result, list[Job], Document | None, dict[str, Any] | None]] = []
    for folder in folders:
        res = Result(folder.name)
        try:
            label, layout = _load(folder)
            build(label, layout, name=folder.name)  # validate before drawing anything
        except (ValueError, LayoutError) as exc:
            res.error = str(exc)
            plan.append((folder, res, [], None, None))
            continue
        jobs = _jobs(folder, list(layout.get("outputs", ["digital", "scanned"])))
        todo: list[Job] = []
        for j in jobs:  # a redrawn digital.pdf makes its scan stale too
            if force or j.stale() or (j.kind == "scanned" and any(x.kind == "digital" for x in todo)):
                todo.append(j)
        res.skipped = [j.kind for j in jobs if j not in todo]
        plan.append((folder, res, todo, label, layout))
    total = sum(len(p[2]) for p in plan)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
    )
    with progress:
        task = progress.add_task("rendering", total=total)
        for folder, res, todo, label, layout in plan:
            for job in todo:
                progress.update(task, description=f"{folder.name}/{job.out.name}")
                try:
                    _run_job(job, label, layout, res)  # type: ignore[arg-type]
                except Exception as exc:  # report and go on with the other folders
                    res.error = f"{job.out}: {type(exc).__name__}: {exc}"
                    progress.advance(task, len(todo) - todo.index(job))
                    break
                progress.advance(task)
            for kind, fname in OUTPUT_FILES.items():
                if (folder / fname).exists():
                    res.sizes[kind] = (folder / fname).stat().st_size
            if not res.pages and (folder / "digital.pdf").exists() and not res.error:
                res.pages = _page_count(folder / "digital.pdf")
    _report([p[1] for p in plan])
    if any(p[1].error for p in plan):
        raise typer.Exit(1)


def _page_count(path: Path) -> int:
    import pymupdf

    with pymupdf.open(path) as d:
        return d.page_count


def _report(results: list[Result]) -> None:
    t = Table(title="golden render")
    for col in ("doc", "pages", "digital ms/page", "scan s/page", "docx ms", "xlsx ms", "digital KB", "scanned KB", "status"):
        t.add_column(col)
    for r in results:
        def per_page(kind: str, scale: float, fmt: str) -> str:
            return format(r.seconds[kind] * scale / max(r.pages, 1), fmt) if kind in r.seconds else "-"

        def ms(kind: str) -> str:
            return f"{r.seconds[kind] * 1000:.0f}" if kind in r.seconds else "-"

        def kb(kind: str) -> str:
            return f"{r.sizes[kind] / 1024:.0f}" if kind in r.sizes else "-"

        status = f"[red]{r.error}[/red]" if r.error else ("up to date" if not r.seconds else "rendered")
        if r.skipped and r.seconds:
            status += f" (kept {', '.join(r.skipped)})"
        t.add_row(r.doc, str(r.pages or "-"), per_page("digital", 1000, ".0f"), per_page("scanned", 1, ".2f"),
                  ms("docx"), ms("xlsx"), kb("digital"), kb("scanned"), status)
    console.print(t)


# ---------------------------------------------------------------------------------------
# check


def check_folder(folder: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) for one golden folder: the label loads, the layout agrees with it."""
    errors: list[str] = []
    warnings: list[str] = []
    label_path = folder / "label.json"
    if not label_path.exists():
        return [f"{label_path}: missing"], []
    try:
        label = load_document(label_path)
    except Exception as exc:  # pydantic ValidationError or ValueError, reported as text
        return [f"{label_path}: does not load: {exc}"], []
    raw = json.loads(label_path.read_text(encoding="utf-8"))
    variants = raw.get("variants") or []
    if "text" in variants and not (folder / "source.txt").exists():
        errors.append(f"{folder.name}: variants name 'text' but source.txt is missing")
    from jixiao.evaluate.render.producers import FAMILY_FILES  # issue 11 producer families

    for v in variants:
        if v in FAMILY_FILES and not (folder / FAMILY_FILES[v]).exists():
            errors.append(f"{folder.name}: variants name {v!r} but {FAMILY_FILES[v]} is missing "
                          f"(jixiao golden render --producers --family {v} --only {folder.name})")
    if not (folder / "layout.json").exists():
        return errors, warnings
    try:
        layout = load_layout(folder / "layout.json")
        rd = build(label, layout, name=folder.name)
    except (ValueError, LayoutError) as exc:
        errors.append(str(exc))
        return errors, warnings
    for kind in rd.outputs:
        if kind not in variants:
            warnings.append(f"{folder.name}: layout outputs {kind!r} but the label's variants do not list it")
        elif not (folder / OUTPUT_FILES[kind]).exists():
            warnings.append(f"{folder.name}: {OUTPUT_FILES[kind]} not rendered yet")
    for fi, (form, rform) in enumerate(zip(label.forms, rd.forms, strict=True)):
        warnings += _check_budget(folder.name, fi, form, rform.blocks)
        warnings += _check_rows(folder.name, fi, form, layout["forms"][fi])
    return errors, warnings


_PLACEHOLDER = re.compile(r"^(?:[.…。·]+|指标\d+|……)$")


def _same_row(printed: tuple[str, str], label: tuple[str, str]) -> bool:
    """A printed row matches a label row when the label's (repaired) texts are in the printed ones.

    Containment, not equality: labels drop printed prefixes such as '指标1：' and repair
    OCR damage, so the printed level3 may be longer than the label's.
    """
    return fold(label[0]) in fold(printed[0]) and (values_equal(printed[1], label[1]) or fold(label[1]) in fold(printed[1]))


def _check_rows(name: str, fi: int, form: Any, form_layout: dict[str, Any]) -> list[str]:
    """The indicator rows a layout draws must be the label's indicators, in order.

    Generated blocks are right by construction; blocks with explicit ``rows`` (drawn to
    show blank rows as printed) can drift from the label when one of the two is edited.
    Rows with an empty level3 are skipped: they are printed but are not indicators.
    """
    drawn: dict[str, list[tuple[str, str]]] = {}
    blocks = []
    for b in form_layout.get("blocks", []):
        blocks += b.get("blocks", []) if b.get("type") == "side_by_side" else [b]
    for b in blocks:
        if b.get("type") != "indicators":
            continue
        scope = b.get("scope", "annual")
        if b.get("rows") is not None:
            rows = [(str(r.get("level3") or ""), str(r.get("target") or "")) for r in b["rows"]]
        else:
            inds = [i for i in form.indicators if i.scope == scope]
            if b.get("range") is not None:
                inds = inds[b["range"][0] : b["range"][1]]
            rows = [(i.level3 or "", i.target or "") for i in inds]
        drawn.setdefault(scope, []).extend(r for r in rows if r[0].strip() and not _PLACEHOLDER.match(r[0].strip()))
    out = []
    for scope in sorted({i.scope for i in form.indicators} | set(drawn)):
        want = [(i.level3 or "", i.target or "") for i in form.indicators if i.scope == scope]
        got = drawn.get(scope, [])
        same = [_same_row(g, w) for g, w in zip(got, want)]
        if len(got) != len(want) or not all(same):
            diff = same.index(False) if not all(same) else min(len(got), len(want))
            out.append(f"{name}: form {fi + 1}: the layout draws {len(got)} {scope} indicator rows, the label has "
                       f"{len(want)}; first difference at row {diff + 1}")
    return out


_NUMBER_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _check_budget(name: str, fi: int, form: Any, blocks: list[Any]) -> list[str]:
    """Each budget line's amount should be printed somewhere in the form's grids.

    A printed amount is accepted in 万元, in 元 (÷10000) or in 亿元 (×10000), so a label
    that converted 元 to 万元 wrongly (a common slip when writing labels) is caught.
    """
    printed: list[float] = []
    grids = []
    for b in blocks:
        grids += b.grids if isinstance(b, SideBySide) else [b.whole()] if isinstance(b, IndicatorTable) else [b]
    for g in grids:
        if isinstance(g, Grid):
            for row in g.rows:
                for cell in row:
                    # a whole amount cell, or amounts inside a sentence (年度预算资金共计1,234,500.00元，其中…)
                    found = [parse_amount(cell.text)[0]] + [parse_amount(m)[0] for m in _NUMBER_IN_TEXT.findall(cell.text)]
                    for v in found:
                        if v is not None:
                            printed += [v, v / 10000.0, v * 10000.0]
    out = []
    for ln in form.budget.lines:
        if ln.amount is not None and not any(abs(ln.amount - p) <= 0.005 for p in printed):
            out.append(f"{name}: form {fi + 1}: budget line {ln.section}/{ln.item}/{ln.column} = {ln.amount} "
                       "is not printed in any grid")
    return out


@app.command()
def check(golden_dir: Annotated[Path, typer.Argument(help="the golden folder")] = Path("golden")) -> None:
    """Verify every label loads and every layout agrees with its label (form count, blocks, budget)."""
    if not golden_dir.is_dir():
        raise typer.BadParameter(f"{golden_dir}: not a directory")
    folders = sorted(p.parent for p in golden_dir.glob("*/label.json"))
    t = Table(title="golden check")
    for col in ("doc", "forms", "indicators", "budget lines", "layout", "result"):
        t.add_column(col)
    n_err = 0
    messages: list[str] = []
    for folder in folders:
        errors, warnings = check_folder(folder)
        n_err += len(errors)
        messages += [f"[red]error[/red] {e}" for e in errors] + [f"[yellow]warning[/yellow] {w}" for w in warnings]
        try:
            label = load_document(folder / "label.json")
            forms, inds = str(len(label.forms)), str(sum(len(f.indicators) for f in label.forms))
            lines = str(sum(len(f.budget.lines) for f in label.forms))
        except Exception:  # already reported as an error by check_folder
            forms = inds = lines = "-"
        if errors:
            result = f"[red]{len(errors)} error(s)[/red]"
        elif warnings:
            result = f"[yellow]{len(warnings)} warning(s)[/yellow]"
        else:
            result = "[green]ok[/green]"
        t.add_row(folder.name, forms, inds, lines, "yes" if (folder / "layout.json").exists() else "no", result)
    console.print(t)
    for m in messages:
        console.print(m, soft_wrap=True)
    if n_err:
        raise typer.Exit(1)
