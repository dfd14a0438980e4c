"""The ``jixiao`` command line: one command or sub-app per job.

    jixiao extract FILES_OR_DIRS... -o OUT/     every form in every file → JSON/XLSX/CSV/Markdown
    jixiao eval [GOLDEN_DIR]                    score extraction against the golden set
    jixiao golden render|check                  build the golden set's PDF/DOCX/XLSX/scan inputs
    jixiao llm serve|ping|config                the optional LLM endpoint
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from jixiao import __version__
from jixiao.model.modes import LlmMode, OcrMode, choices
from jixiao.export import FORMATS, export
from jixiao.ingest import SUPPORTED_SUFFIXES, file_sha256

app = typer.Typer(
    name="jixiao",
    help="绩效 — extract, score and draft 预算绩效目标表 (budget performance target tables). Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jixiao {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """绩效 — extract, score and draft 预算绩效目标表. Runs offline unless you configure an LLM endpoint."""


# ---------------------------------------------------------------------------------------
# extract


def collect_inputs(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand directories (recursively) into supported files; report paths that do not exist."""
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUPPORTED_SUFFIXES
                           and not q.name.startswith("."))
            if not found:
                missing.append((p, "directory holds no supported files (" + ", ".join(SUPPORTED_SUFFIXES) + ")"))
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            missing.append((p, "no such file"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, missing


def output_stems(files: list[Path]) -> dict[Path, str]:
    """One output name per input: the file stem, disambiguated when two inputs share it."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f.stem] = counts.get(f.stem, 0) + 1
    return {f: (f.stem if counts[f.stem] == 1 else f"{f.stem}.{f.suffix.lstrip('.') or 'noext'}") for f in files}


@dataclass
class FileResult:
    path: str
    status: str  # ok | failed | skipped
    reason: str = ""
    forms: int = 0
    indicators: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _already_done(json_path: Path, sha: str) -> bool:
    """Resume: the JSON for this exact input (same sha256) is already there."""
    if not json_path.exists():
        return False
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return (data.get("source") or {}).get("sha256") == sha


def _count_flags(doc) -> dict[str, int]:
    from jixiao.export import all_flags_of

    counts = {"error": 0, "warning": 0, "info": 0}
    for fl in list(doc.flags) + [x for f in doc.forms for x in all_flags_of(f)]:
        counts[fl.severity.value] += 1
    return counts


@app.command("extract")
def extract_command(
    inputs: list[Path] = typer.Argument(..., help="Files or directories (PDF, DOCX, XLSX, HTML, text exports). Directories are searched recursively."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output directory (created if missing)."),
    formats: str = typer.Option("json,xlsx,md", "--format", "-f", help=f"Comma-separated output formats: {', '.join(FORMATS)}."),
    llm: str = typer.Option("off", "--llm", help="LLM use: off (default; nothing leaves the machine), fallback (only regions the rules could not settle), full (every region)."),
    llm_config: Path | None = typer.Option(None, "--llm-config", help="TOML file with the LLM endpoint (see README)."),
    ocr: str = typer.Option("auto", "--ocr", help="OCR: auto (pages without a usable text layer), off, force (every PDF page)."),
    workers: int = typer.Option(2, "--workers", "-w", min=1, help="OCR threads (pages in flight)."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="OCR/LLM cache directory (default ~/.cache/jixiao)."),
    force: bool = typer.Option(False, "--force", help="Re-extract files whose output is already up to date."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks for failed files."),
) -> None:
    """Extract every form from each input into OUT/ (one JSON per input, plus the chosen formats).

    A file that cannot be read is listed with its reason and the batch goes on; the exit
    code is non-zero only when every file failed. Reruns skip inputs already extracted
    (same content hash) unless --force.
    """
    from jixiao.pipeline import ExtractOptions, extract_file

    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise typer.BadParameter(f"unknown format(s) {bad}; choose from {FORMATS}", param_hint="--format")
    if "json" not in fmts:
        fmts.insert(0, "json")  # the canonical output; also what resume reads
    if llm not in set(LlmMode):
        raise typer.BadParameter(f"choose {choices(LlmMode)}", param_hint="--llm")
    if ocr not in set(OcrMode):
        raise typer.BadParameter(f"choose {choices(OcrMode)}", param_hint="--ocr")
    opts = ExtractOptions(llm=LlmMode(llm), ocr=OcrMode(ocr), llm_config=llm_config, cache_dir=cache_dir, workers=workers)
    files, missing = collect_inputs(inputs)
    results = [FileResult(path=str(p), status="failed", reason=reason) for p, reason in missing]
    stems = output_stems(files)
    out.mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=console, transient=False) as progress:
        task = progress.add_task("extract", total=len(files), current="")
        for path in files:
            progress.update(task, current=path.name)
            results.append(_extract_one(path, stems[path], out, fmts, opts, force, debug, extract_file))
            progress.advance(task)
    _write_run_report(out, results, opts)
    _print_summary(results)
    if results and all(r.status == "failed" for r in results):
        raise typer.Exit(code=1)


def _extract_one(path: Path, stem: str, out: Path, fmts: list[str], opts, force: bool, debug: bool, extract_file) -> FileResult:
    from jixiao.model.source import IngestError

    t0 = time.perf_counter()
    try:
        sha = file_sha256(path)
        if not force and _already_done(out / f"{stem}.json", sha):
            return FileResult(path=str(path), status="skipped", reason="up to date (same sha256); --force to redo")
        doc = extract_file(path, opts)
        doc.doc_id = stem
        written = export(doc, out, fmts, stem=stem)
    except IngestError as exc:
        return FileResult(path=str(path), status="failed", reason=exc.reason, seconds=time.perf_counter() - t0)
    except Exception as exc:  # one bad file never sinks a batch
        if debug:
            console.print(traceback.format_exc())
        return FileResult(path=str(path), status="failed", reason=f"internal error: {type(exc).__name__}: {exc}",
                          seconds=time.perf_counter() - t0)
    status, reason = "ok", ""
    if not doc.forms:
        reason = "; ".join(f.message for f in doc.flags if f.severity.value == "error") or "no form found"
    return FileResult(path=str(path), status=status, reason=reason, forms=len(doc.forms),
                      indicators=sum(len(f.indicators) for f in doc.forms), flags=_count_flags(doc),
                      outputs=[str(p) for p in written], seconds=round(time.perf_counter() - t0, 3))


def _write_run_report(out: Path, results: list[FileResult], opts) -> None:
    from dataclasses import asdict

    report = {"jixiao": __version__, "llm": opts.llm, "ocr": opts.ocr, "files": [asdict(r) for r in results]}
    (out / "run.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def _print_summary(results: list[FileResult]) -> None:
    table = RichTable(title="jixiao extract")
    for col in ("file", "status", "forms", "indicators", "flags e/w/i", "note"):
        table.add_column(col)
    for r in results:
        fl = f"{r.flags.get('error', 0)}/{r.flags.get('warning', 0)}/{r.flags.get('info', 0)}" if r.flags else ""
        style = {"failed": "red", "skipped": "dim"}.get(r.status, "")
        table.add_row(Path(r.path).name, r.status, str(r.forms), str(r.indicators), fl, r.reason, style=style)
    console.print(table)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} file(s) failed:[/red]")
        for r in failed:
            console.print(f"  {r.path}: {r.reason}")


# ---------------------------------------------------------------------------------------
# sub-apps, mounted lazily-tolerant: a missing optional part never breaks `extract`


def _mount() -> None:
    from jixiao.evaluate.cli import eval_command

    app.command("eval")(eval_command)
    try:
        from jixiao.evaluate.render.cli import app as golden_app

        app.add_typer(golden_app, name="golden", help="Build and check the golden set's rendered inputs.")
    except ImportError:  # pragma: no cover
        pass
    try:
        from jixiao.advise.cli import library_app, review_command, suggest_command

        app.add_typer(library_app, name="library", help="The indicator library: build, stats, search.")
        app.command("suggest")(suggest_command)
        app.command("review")(review_command)
    except ImportError:  # pragma: no cover
        pass
    try:
        from jixiao.providers.cli import app as llm_app

        app.add_typer(llm_app, name="llm", help="The optional LLM endpoint: serve a local model, ping, show config.")
    except ImportError:  # pragma: no cover
        pass


_mount()


if __name__ == "__main__":  # pragma: no cover
    app()
