"""``jixiao golden render --producers``: progress and a summary table (hooked from render/cli.py)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from jixiao.evaluate.render.producers.generate import Drawn, ProducerError, render_producers


def render_producers_command(folders: list[Path], families: list[str] | None, force: bool, console: Console) -> int:
    """Draw, print one row per file, return the exit code (1 when any file failed)."""

    def done(r: Drawn) -> None:
        state = f"[red]{r.error}[/red]" if r.error else ("up to date" if r.seconds < 0 else f"{r.seconds:.1f} s")
        console.print(f"{r.doc} {r.family}: {state}", soft_wrap=True)

    try:
        results = render_producers(folders, families, force=force, on_done=done)
    except ProducerError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    t = Table(title="golden render --producers")
    for col in ("family", "files", "pages", "KB", "s", "failed"):
        t.add_column(col)
    for fam in dict.fromkeys(r.family for r in results):
        rs = [r for r in results if r.family == fam]
        t.add_row(fam, str(sum(1 for r in rs if not r.error)), str(sum(r.pages for r in rs)),
                  f"{sum(r.size for r in rs) / 1024:.0f}", f"{sum(max(r.seconds, 0) for r in rs):.1f}",
                  str(sum(1 for r in rs if r.error)))
    console.print(t)
    return 1 if any(r.error for r in results) else 0
