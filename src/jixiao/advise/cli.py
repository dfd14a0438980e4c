"""CLI for the advise package: `jixiao library build|stats|search`, `jixiao suggest`, `jixiao review`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jixiao.advise import library as lib

library_app = typer.Typer(no_args_is_help=True, help="The indicator library (precedent forms in SQLite).")


@library_app.command("build")
def build_cmd(sources: list[Path] = typer.Argument(..., help="Extraction JSON files, golden label.json files, or folders."),
              out: Path = typer.Option(..., "-o", "--out", help="SQLite file (created or extended)."),
              include_synthetic: bool = typer.Option(False, "--include-synthetic", help="Also add synthetic golden forms.")) -> None:
    """Add every form of SOURCES to the library (idempotent: forms keyed by content hash)."""
    try:
        typer.echo(json.dumps(lib.build(sources, out, include_synthetic=include_synthetic), ensure_ascii=False))
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc)) from exc


@library_app.command("stats")
def stats_cmd(library: Path = typer.Option(None, "--library", help="Library file (default: the shipped starter).")) -> None:
    """Counts of forms, indicators and L2s."""
    typer.echo(json.dumps(lib.stats(library or lib.starter_library()), ensure_ascii=False, indent=1))


@library_app.command("search")
def search_cmd(query: str, library: Path = typer.Option(None, "--library"), k: int = typer.Option(5, "-k")) -> None:
    """BM25 (jieba tokens) over project names, goals and indicator names."""
    ix = lib.Index(library or lib.starter_library())
    for h in ix.search(query, k=k):
        typer.echo(f"{h.score:6.2f}  {h.row['doc_id']}#{h.row['form_index']}  {h.row['project_name'] or '(部门整体)'}"
                   f"  {h.row['unit_name'] or ''}")


def suggest_command(
    name: str = typer.Option(..., "--name", help="项目名称 of the new project."),
    goal: str = typer.Option(None, "--goal", help="年度目标 (improves precedent search)."),
    budget: float = typer.Option(None, "--budget", help="Budget in 万元."),
    unit: str = typer.Option(None, "--unit", help="Implementing unit."),
    year: int = typer.Option(None, "--year", help="Budget year (a missing 时效 row is proposed as done by its year end)."),
    deadline: str = typer.Option(None, "--deadline", help="完成时限, e.g. 2025年6月30日 (a missing 时效 row uses it)."),
    framework: str = typer.Option("auto", "--framework", help="auto | 2020 | 2021 | dept | a framework key."),
    library: Path = typer.Option(None, "--library", help="Library file (default: the shipped starter)."),
    llm: str = typer.Option("off", "--llm", help="off | on: a configured LLM rephrases names and adds project-specific "
                            "indicators (marked novel, linted; citations kept)."),
    llm_config: Path = typer.Option(None, "--llm-config", help="LLM endpoint config (see `jixiao llm config`)."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="LLM cache (default as extract)."),
    out: Path = typer.Option(..., "-o", "--out", help="DRAFT.json, DRAFT.xlsx or DRAFT.md."),
) -> None:
    """Draft a cited indicator set for a new project from precedent forms."""
    from jixiao.advise.suggest import Request, draft_markdown, suggest
    from jixiao.advise.suggest import write_draft_xlsx
    from jixiao.export import write_json

    if llm not in ("off", "on"):
        raise typer.BadParameter("must be off or on", param_hint="--llm")
    doc = suggest(Request(name=name, goal=goal, budget=budget, unit=unit, year=year, deadline=deadline,
                          framework=framework, library=library))
    if llm == "on":
        from jixiao.advise.suggest_llm import enrich_with_llm

        stats = enrich_with_llm(doc, goal=goal, budget=budget, config=llm_config, cache_dir=cache_dir)
        typer.echo(f"llm: {stats}", err=True)
    def md(d, p: Path) -> None:
        p.write_text(draft_markdown(d), encoding="utf-8")

    writer = {".json": write_json, ".xlsx": write_draft_xlsx, ".md": md}.get(out.suffix.lower())
    if writer is None:
        raise typer.BadParameter("output must end in .json, .xlsx or .md", param_hint="-o")
    writer(doc, out)
    typer.echo(f"{out}: {len(doc.forms[0].indicators)} indicators")


def review_command(
    inputs: list[Path] = typer.Argument(..., help="Extraction JSON / label.json, or any file `extract` reads."),
    out: Path = typer.Option(None, "-o", "--out", help="OUT/ (a folder: review.json, review.xlsx and review.md), or one file REVIEW.json, "
                        "REVIEW.xlsx or REVIEW.md (default: print Markdown)."),
    framework: str = typer.Option("auto", "--framework", help="auto or a framework key."),
) -> None:
    """Audit forms: 完整性, 规范性, 相符性 findings; exit code 1 when an error is found."""
    from jixiao.advise.review import findings_dict, findings_markdown, review_form
    from jixiao.model.output import load_document

    report, md, errors = [], [], 0
    for p in inputs:
        if p.suffix.lower() == ".json":
            doc = load_document(p)
        else:
            from jixiao.pipeline import extract_file
            doc = extract_file(p)
        for k, f in enumerate(doc.forms):
            fs = review_form(f, framework)
            errors += sum(x.severity == "error" for x in fs)
            title = f"{p.name}#{k} {f.project_name or f.unit_name or ''}"
            report.append({"source": str(p), "form": k, "project_name": f.project_name, "findings": findings_dict(fs)})
            md.append(findings_markdown(title, fs))
    if out is None:
        typer.echo("\n".join(md))
    elif out.is_dir() or not out.suffix:  # -o OUT/: every report, for the reviewer to send back
        out.mkdir(parents=True, exist_ok=True)
        for name in ("review.json", "review.xlsx", "review.md"):
            _write_review(report, md, out / name)
        typer.echo(f"{out}: review.json, review.xlsx, review.md ({errors} errors)", err=True)
    else:
        _write_review(report, md, out)
    raise typer.Exit(code=1 if errors else 0)


def _write_review(report: list[dict], md: list[str], out: Path) -> None:
    """One report file, its format by suffix: .json, .xlsx, anything else Markdown."""
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    elif out.suffix.lower() == ".xlsx":
        from jixiao.advise.review import write_report_xlsx

        write_report_xlsx(report, out)
    else:
        out.write_text("\n".join(md), encoding="utf-8")
