"""``jixiao llm``: serve a local test model, ping the configured endpoint, show the config.

Mounted by the main CLI with ``app.add_typer(jixiao.providers.cli.app, name="llm")``. Imports
stay light: openai/instructor load only inside ``ping``.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import BaseModel, Field

app = typer.Typer(name="llm", help="The LLM path: local test server, endpoint check, configuration.",
                  no_args_is_help=True)

ConfigOpt = Annotated[Optional[Path], typer.Option("--llm-config", help="TOML config (default ~/.config/jixiao/llm.toml)")]


class PingReply(BaseModel):
    ok: bool
    echo: str = Field(max_length=16)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8089,
    ctx: Annotated[int, typer.Option(help="context size (tokens), shared by the parallel slots")] = 4096,
    threads: Annotated[Optional[int], typer.Option(help="CPU threads (default: half the CPUs, at most 8)")] = None,
    parallel: Annotated[int, typer.Option(help="parallel request slots")] = 1,
    cache_dir: Annotated[Optional[Path], typer.Option(help="where the GGUF and logs go")] = None,
) -> None:
    """Start llama-server with gemma3-270m on 127.0.0.1 (a protocol test double, not an extractor)."""
    from jixiao.providers.serve import ServeError, start_server

    try:
        server = start_server(port=port, ctx=ctx, threads=threads, parallel=parallel, cache_dir=cache_dir)
    except ServeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"llama-server {server.version} ready in {server.started_s:.1f} s (pid {server.process.pid})")
    typer.echo(f"model: {server.model}")
    typer.echo(f"log:   {server.log_path}")
    typer.echo(f"base URL: {server.base_url}\n\nUse it with:")
    for line in server.env_lines():
        typer.echo(f"  {line}")
    if parallel > 1:
        typer.echo(f"\nEach of the {parallel} slots gets {ctx // parallel} tokens of context: put "
                   f"'[capabilities]\\ncontext_size = {ctx // parallel}' in the LLM config file.")
    typer.echo("\nNote: gemma3-270m is a base model that extracts nothing right; use it to test the plumbing only.")
    typer.echo("Ctrl-C (or SIGTERM) stops the server.")

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # run the finally below: the server is stopped with us

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started in the background (SIGINT ignored there)
    try:
        while server.alive():
            time.sleep(1.0)
        typer.echo(f"llama-server exited with code {server.process.returncode}; see {server.log_path}", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("stopping…")
    finally:
        server.stop()


@app.command()
def ping(llm_config: ConfigOpt = None) -> None:
    """One small structured call to the configured endpoint: latency and tokens."""
    from jixiao.providers import make_provider
    from jixiao.providers.config import load_config
    from jixiao.providers.provider import LlmError

    try:
        cfg = load_config(llm_config)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        cfg.require()
        provider = make_provider(cfg)
    except LlmError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    where = "this machine" if cfg.is_local else "a REMOTE endpoint: the test sentence leaves this machine"
    typer.echo(f"endpoint {cfg.base_url} ({where}); model {cfg.model}; profile {provider.family} "
               f"({cfg.capability.structured_mode})")
    messages = [
        {"role": "system", "content": "你只输出 JSON。"},
        {"role": "user", "content": '回复 JSON：{"ok": true, "echo": "绩效"}'},
    ]
    t0 = time.monotonic()
    try:
        reply, usage = provider.complete_structured(messages, PingReply, max_tokens=64, temperature=0.0,
                                                    chunk_id="ping")
    except LlmError as exc:
        typer.echo(f"failed after {time.monotonic() - t0:.2f} s: {exc}", err=True)
        raise typer.Exit(1) from None
    dt = time.monotonic() - t0
    typer.echo(f"ok in {dt:.2f} s: tokens in {usage.tokens_in}, out {usage.tokens_out}, requests {usage.requests}")
    typer.echo("reply: " + json.dumps(reply.model_dump(), ensure_ascii=False))


@app.command("config")
def config_cmd(
    llm_config: ConfigOpt = None,
    init: Annotated[bool, typer.Option("--init", help="write a commented template config if none exists")] = False,
) -> None:
    """Show the effective LLM settings, where each came from, and whether the path is on."""
    from jixiao.providers.config import CONFIG_TEMPLATE, default_config_path, load_config

    if init:
        target = llm_config or default_config_path()
        if target.exists():
            typer.echo(f"{target} exists; not overwritten")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(CONFIG_TEMPLATE, encoding="utf-8")
            typer.echo(f"wrote {target}")
        return
    try:
        cfg = load_config(llm_config)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    shown = cfg.masked()
    typer.echo(f"config file: {cfg.config_path or '(none; default ' + str(default_config_path()) + ')'}")
    for key in ("base_url", "model", "api_key", "profile", "timeout", "concurrency", "max_output_tokens",
                "transport_retries", "validation_retries", "chunk_tokens", "cache"):
        typer.echo(f"  {key:<18} {shown.get(key)!s:<40} [{cfg.sources.get(key, 'default')}]")
    if not cfg.configured:
        from jixiao.providers.config import NOT_CONFIGURED_HELP

        typer.echo("\nLLM path: OFF — " + NOT_CONFIGURED_HELP)
        return
    try:
        prof = cfg.capability
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"\nprofile {prof.name}: structured_mode={prof.structured_mode} context={prof.context_size} "
               f"system_messages={prof.system_messages} strip_think={prof.strip_think} "
               f"max_output={prof.max_output_tokens}")
    typer.echo("LLM path: ON — data goes to " + ("this machine" if cfg.is_local else f"{cfg.base_url} (remote)"))
