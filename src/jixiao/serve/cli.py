"""``jixiao serve``: start the HTTP service (needs the ``[server]`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve_command(
    host: Annotated[str, typer.Option(help="bind address; anything but loopback requires tokens")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="jobs database, uploads, golden exports")] = Path(
        "jixiao-data"),
    workers: Annotated[int, typer.Option(help="extraction worker processes (with --executor dask and no "
                                         "--scheduler: the LocalCluster's workers)")] = 2,
    executor: Annotated[str, typer.Option("--executor", help="local (worker processes here) or dask (the queue "
                                          "goes to a Dask cluster; the [cluster] extra)")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. "
                                                  "tcp://10.0.0.5:8786 (with --executor dask)")] = None,
    tokens: Annotated[Path | None, typer.Option("--tokens", help="file of 'name: token' lines "
                                                "(also env JIXIAO_SERVE_TOKENS)")] = None,
    max_mb: Annotated[float, typer.Option("--max-mb", help="upload size limit per file (MB)")] = 50,
    max_pages: Annotated[int, typer.Option("--max-pages", help="page limit per PDF")] = 200,
    job_timeout: Annotated[float, typer.Option("--job-timeout", help="seconds before a job is failed")] = 600,
    max_memory: Annotated[int | None, typer.Option("--max-memory", min=64, help="MiB of address space per worker "
                                                   "process (RLIMIT_AS; default as extract --jobs)")] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="OCR/LLM cache (default as the CLI)")] = None,
    library: Annotated[Path | None, typer.Option("--library", help="indicator library for /v1/suggest "
                                                 "(default: the shipped starter)")] = None,
) -> None:
    """Serve the API, the job queue and the review page (http://HOST:PORT/, API docs at /docs)."""
    try:
        import uvicorn

        from jixiao.serve.app import ServeConfig, create_app
        from jixiao.serve.security import Limits, is_loopback, load_tokens
    except ImportError as exc:
        typer.echo(f"jixiao serve needs the server extra: pip install 'jixiao[server]' ({exc})", err=True)
        raise typer.Exit(2) from None
    try:
        toks = load_tokens(tokens)
    except (OSError, ValueError) as exc:
        typer.echo(f"tokens: {exc}", err=True)
        raise typer.Exit(2) from None
    if not is_loopback(host) and not toks.by_name:
        typer.echo(f"refusing to listen on {host}: not a loopback address and no tokens given "
                   "(--tokens FILE or JIXIAO_SERVE_TOKENS='name: token')", err=True)
        raise typer.Exit(2)
    if workers < 1:
        raise typer.BadParameter("--workers must be at least 1")
    if executor not in ("local", "dask"):
        raise typer.BadParameter("choose local or dask", param_hint="--executor")
    if scheduler and executor != "dask":
        raise typer.BadParameter("--scheduler needs --executor dask", param_hint="--scheduler")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            typer.echo("jixiao serve --executor dask needs the cluster extra: pip install 'jixiao[cluster]'", err=True)
            raise typer.Exit(2) from None
        if scheduler and not _scheduler_answers(scheduler):
            raise typer.Exit(2)
    cfg = ServeConfig(data_dir=data_dir, tokens=toks, workers=workers, cache_dir=cache_dir, library=library,
                      executor=executor, scheduler=scheduler,
                      limits=_limits(Limits, max_mb, max_pages, job_timeout, max_memory))
    runs = f"workers: {workers}" if executor == "local" else f"dask: {scheduler or f'a local cluster of {workers}'}"
    typer.echo(f"jixiao serve: http://{host}:{port}/  data: {data_dir}  {runs}  "
               f"auth: {'tokens (' + ', '.join(toks.by_name) + ')' if toks.by_name else 'off (loopback)'}", err=True)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="info")


def _scheduler_answers(address: str, timeout_s: float = 15) -> bool:
    """Whether the Dask scheduler answers, said before the server starts rather than as a traceback."""
    from distributed import Client

    try:
        Client(address, timeout=timeout_s).close()
    except (OSError, ValueError, TypeError) as exc:
        typer.echo(f"cannot reach the Dask scheduler {address}: {exc} (start it with `dask scheduler`)", err=True)
        return False
    return True


def golden_export_command(
    job_or_doc_id: Annotated[str, typer.Argument(help="a job id (from the API) or a document's doc_id")],
    data_dir: Annotated[Path, typer.Option("--data-dir", help="the serve data dir holding jobs.sqlite3")] = Path(
        "jixiao-data"),
    out: Annotated[Path, typer.Option("-o", "--out", help="the golden folder to write <doc_id>/ into")] = Path(
        "golden"),
) -> None:
    """Write a reviewed document of `jixiao serve` as a golden label: <doc_id>/label.json + its input."""
    from jixiao.serve.golden_export import ExportError, export_job, find_job
    from jixiao.serve.store import Store

    if not (data_dir / "jobs.sqlite3").is_file():
        typer.echo(f"{data_dir}: no jobs.sqlite3 here (the --data-dir of jixiao serve)", err=True)
        raise typer.Exit(2)
    store = Store(data_dir)
    try:
        job = find_job(store, job_or_doc_id)
        doc, folder = export_job(store, job, out)
    except ExportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    typer.echo(f"{folder}: label.json + {', '.join(sorted(p.name for p in folder.iterdir() if p.name != 'label.json'))}"
               f" (job {job['id']}, doc {doc.doc_id})")


def _limits(limits: type, max_mb: float, max_pages: int, job_timeout: float, max_memory: int | None):
    """The service's limits from the command line; an unset memory cap keeps the shared default."""
    memory = {"worker_memory_mib": max_memory} if max_memory else {}
    return limits(max_bytes=int(max_mb * 1024 * 1024), max_pages=max_pages, job_timeout_s=job_timeout, **memory)
