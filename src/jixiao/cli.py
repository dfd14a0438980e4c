"""The ``jixiao`` command line: one command or sub-app per job.

    jixiao extract FILES_OR_DIRS... -o OUT/     every form in every file → JSON/XLSX/CSV/Markdown
    jixiao eval [GOLDEN_DIR]                    score extraction against the golden set
    jixiao golden render|check|export           build/check the golden set; export a served job as a label
    jixiao llm serve|ping|config                the optional LLM endpoint
    jixiao serve [--host --port --data-dir]     the HTTP API, job queue and review page
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from jixiao import __version__
from jixiao.model.modes import LlmMode, OcrMode, choices
from jixiao.batch import FileJob, FileResult, default_jobs, make_executor
from jixiao.export import FORMATS
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


@dataclass
class Inputs:
    """The files of a run, each with its path relative to its input root, and what was skipped."""

    files: list[Path] = field(default_factory=list)
    rel: dict[Path, str] = field(default_factory=dict)
    missing: list[tuple[Path, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=lambda: {"hidden": 0, "unsupported": 0, "outside": 0})


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def scan_inputs(paths: list[Path], follow_symlinks: bool = False) -> Inputs:
    """Expand directories (recursively) into supported files, staying inside each root.

    A symlink whose target lies outside the directory given is skipped (``outside``) unless
    ``follow_symlinks``; hidden files and folders and unsupported suffixes are counted too.
    """
    res = Inputs()
    for p in paths:
        if p.is_dir():
            found = 0
            for dirpath, dirnames, filenames in os.walk(p, followlinks=follow_symlinks):
                hidden = [d for d in dirnames if d.startswith(".")]
                res.skipped["hidden"] += len(hidden)
                visible = [d for d in dirnames if not d.startswith(".")]
                inside = [d for d in visible if follow_symlinks or _inside(Path(dirpath, d), p)]
                res.skipped["outside"] += len(visible) - len(inside)
                dirnames[:] = sorted(inside)
                for name in sorted(filenames):
                    q = Path(dirpath, name)
                    if name.startswith("."):
                        res.skipped["hidden"] += 1
                    elif q.suffix.lower() not in SUPPORTED_SUFFIXES:
                        res.skipped["unsupported"] += 1
                    elif not follow_symlinks and not _inside(q, p):
                        res.skipped["outside"] += 1
                    elif q.is_file():
                        res.files.append(q)
                        res.rel[q] = q.relative_to(p).as_posix()
                        found += 1
            if not found:
                res.missing.append((p, "directory holds no supported files (" + ", ".join(SUPPORTED_SUFFIXES) + ")"))
        elif p.exists():
            res.files.append(p)
            res.rel[p] = p.name
        else:
            res.missing.append((p, "no such file"))
    seen: set[Path] = set()
    res.files = [f for f in res.files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return res


def collect_inputs(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files and missing paths (the older interface of ``scan_inputs``)."""
    res = scan_inputs(paths)
    return res.files, res.missing


def _parse_limits(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in pairs:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r}: write name=value", param_hint="--limit")
        out[name.strip()] = value.strip()
    return out


RUN_JSON_EVERY_S = 5.0  # run.json is rewritten this often while a batch runs


def _fail(message: str) -> None:
    console.print(f"[red]jixiao: {message}[/red]", highlight=False)
    raise typer.Exit(code=2)


@app.command("extract")
def extract_command(
    inputs: list[Path] = typer.Argument(..., help="Files or directories (PDF, DOCX, XLSX, HTML, text exports). Directories are searched recursively."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output directory (created if missing)."),
    formats: str = typer.Option("json,xlsx,md", "--format", "-f", help=f"Comma-separated output formats: {', '.join(FORMATS)}."),
    llm: str = typer.Option(LlmMode.OFF.value, "--llm", help="LLM use: off (default; nothing leaves the machine), fallback (only regions the rules could not settle), full (every region)."),
    llm_config: Path | None = typer.Option(None, "--llm-config", help="TOML file with the LLM endpoint (see README)."),
    ocr: str = typer.Option(OcrMode.AUTO.value, "--ocr", help="OCR: auto (pages without a usable text layer), off, force (every PDF page)."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="OCR threads per file (pages in flight); default: the cores left to each job, at least 1."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Files processed at once, each in its own worker process (default: the number of cores; 1 runs in this process). With fewer files than jobs, a large scan's OCR pages are split across them."),
    executor: str = typer.Option("local", "--executor", help="local (this machine) or dask (a Dask cluster: --scheduler, or a local one with --jobs workers; the [cluster] extra)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)."),
    send_bytes: bool = typer.Option(False, "--send-bytes", help="With --executor dask: send each input to its worker as bytes and write the outputs here (workers need no shared disk)."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="OCR/LLM cache directory (default ~/.cache/jixiao)."),
    force: bool = typer.Option(False, "--force", help="Re-extract files whose output is already up to date."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks for failed files."),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks", help="Follow links that leave the input folders (skipped by default)."),
    limit: list[str] = typer.Option([], "--limit", help="Per-file budget override name=value, e.g. cells=2000000 (README: Budgets)."),
    timeout: float | None = typer.Option(None, "--timeout", min=1, help="Seconds per file; the file runs in a worker process that is killed when it runs over."),
    max_memory: int | None = typer.Option(None, "--max-memory", min=64, help="MiB of address space per file (worker process, RLIMIT_AS)."),
) -> None:
    """Extract every form from each input into OUT/ (one JSON per input, plus the chosen formats).

    A file that cannot be read is listed with its reason and the batch goes on; the exit
    code is 2 when OUT is unusable and 1 when every file failed. Reruns skip inputs whose
    last result is ok for the same content, options and formats, with all outputs present,
    unless --force.
    """
    from jixiao.model.limits import limits as current_limits, set_limits
    from jixiao.pipeline import ExtractOptions
    from jixiao import runstate

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
    try:
        set_limits(current_limits().with_overrides(_parse_limits(limit)))
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--limit")
    problem = runstate.check_out_dir(out)
    if problem:
        _fail(problem)
    if executor not in ("local", "dask"):
        raise typer.BadParameter("choose local or dask", param_hint="--executor")
    if scheduler and executor != "dask":
        raise typer.BadParameter("--scheduler needs --executor dask", param_hint="--scheduler")
    if send_bytes and executor != "dask":
        raise typer.BadParameter("--send-bytes needs --executor dask", param_hint="--send-bytes")
    if executor == "dask" and (timeout or max_memory):
        raise typer.BadParameter("--timeout/--max-memory fork a child per file, which Dask's worker processes may not: "
                                 "bound Dask workers with `dask worker --memory-limit` instead", param_hint="--executor")
    scan = scan_inputs(inputs, follow_symlinks)
    n_jobs = min(jobs or default_jobs(), max(1, len(scan.files)))
    ocr_threads = workers or max(1, default_jobs() // n_jobs)  # cores are not oversubscribed
    opts = ExtractOptions(llm=LlmMode(llm), ocr=OcrMode(ocr), llm_config=llm_config, cache_dir=cache_dir,
                          workers=ocr_threads)
    results = [FileResult(path=str(p), status="failed", reason=reason) for p, reason in scan.missing]
    from jixiao.export_names import assign_stems

    naming = assign_stems([(f, scan.rel[f]) for f in scan.files], file_sha256)
    for w in naming.warnings:
        console.print(f"[yellow]warning: {w}[/yellow]", highlight=False)
    previous = runstate.load_entries(out)
    fingerprint = runstate.options_fingerprint(opts)
    gate = _llm_gate(opts, executor)
    batch = [FileJob(path, naming.stems[path], out, fmts, opts, force, debug, fingerprint, previous.get(str(path)),
                     timeout=timeout, max_memory=max_memory, limits=current_limits(), llm_gate=gate)
             for path in scan.files]
    done: list[FileResult | None] = [None] * len(batch)
    from jixiao.batch_split import SplitExecutor, plan_split

    split = plan_split(batch, jobs or default_jobs(), workers) if executor == "local" else None  # a big scan, idle workers
    if split is not None:
        n_jobs, ocr_threads = split.jobs, split.ocr_threads
    meta = {"jixiao": __version__, "llm": opts.llm, "ocr": opts.ocr, "options": fingerprint,
            "executor": executor, "send_bytes": send_bytes, "jobs": n_jobs, "ocr_threads": ocr_threads,
            "split": split.summary() if split is not None else None,
            "skipped_inputs": scan.skipped, "limits": asdict(current_limits()),
            "llm_gate": {"in_flight": gate.slots, "run_budget": gate.run_budget} if gate else None}
    last_write = time.monotonic()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=console, transient=False) as progress:
        task = progress.add_task("extract", total=len(batch), current="")
        try:
            runner = make_executor(executor, n_jobs, scheduler, gate, send_bytes)
            for i, result in (SplitExecutor(split, runner) if split is not None else runner).run(batch):
                done[i] = result
                progress.update(task, advance=1, current=batch[i].path.name)
                if time.monotonic() - last_write > RUN_JSON_EVERY_S:  # a killed run keeps what it finished
                    try:
                        runstate.write_run_report(out, [asdict(r) for r in results + [d for d in done if d]], meta)
                    except OSError:
                        pass  # the final write below reports an OUT that cannot be written
                    last_write = time.monotonic()
        except RuntimeError as exc:  # the executor could not start (e.g. the cluster extra is missing)
            _fail(str(exc))
        finally:
            if gate is not None:  # the run's LLM gate ends with the run (an in-process caller may go on)
                from jixiao.providers.gate import uninstall

                uninstall()
    results += [r for r in done if r is not None]
    try:
        runstate.write_run_report(out, [asdict(r) for r in results], meta)
    except OSError as exc:
        _print_summary(results, scan.skipped)
        _fail(f"cannot write {out / runstate.RUN_JSON} ({exc.strerror or exc}); the previous one is kept")
    _print_summary(results, scan.skipped)
    if results and all(r.status == "failed" for r in results):
        raise typer.Exit(code=1)


def _llm_gate(opts, executor: str):
    """The run's LLM gate (requests in flight, run budget), or None when the LLM is off or
    not configured (the per-file path then says why)."""
    if opts.llm == LlmMode.OFF:
        return None
    try:
        from jixiao.providers.config import load_config
        from jixiao.providers.gate import spec_for_run

        cfg = load_config(opts.llm_config)
    except Exception:  # noqa: BLE001 - a bad config is reported per file by the LLM path
        return None
    if not cfg.configured:
        return None
    name = f"jixiao-llm-{uuid.uuid4().hex[:12]}" if executor == "dask" else None
    return spec_for_run(cfg.concurrency, cfg.run_budget, dask_semaphore=name)


def _print_summary(results: list[FileResult], skipped: dict[str, int] | None = None) -> None:
    table = RichTable(title="jixiao extract")
    for col in ("file", "status", "forms", "indicators", "flags e/w/i", "note"):
        table.add_column(col)
    for r in results:
        fl = f"{r.flags.get('error', 0)}/{r.flags.get('warning', 0)}/{r.flags.get('info', 0)}" if r.flags else ""
        style = {"failed": "red", "skipped": "dim"}.get(r.status, "")
        table.add_row(Path(r.path).name, r.status, str(r.forms), str(r.indicators), fl, r.reason, style=style)
    console.print(table)
    if skipped and any(skipped.values()):
        console.print("not read: " + ", ".join(f"{n} {k}" for k, n in skipped.items() if n)
                      + " (hidden files, unsupported suffixes, links outside the input folders)")
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

        from jixiao.serve.cli import golden_export_command

        golden_app.command("export")(golden_export_command)
        app.add_typer(golden_app, name="golden", help="Build, check and export (from jixiao serve) golden labels.")
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
    from jixiao.serve.cli import serve_command  # imports fastapi/uvicorn only when run ([server] extra)

    app.command("serve")(serve_command)


_mount()


if __name__ == "__main__":  # pragma: no cover
    app()
