"""Start ``jixiao serve`` as a real process on a free loopback port (restart and browser tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int, log: Path, workers: int = 1, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start the server and wait for /healthz (raises with the log when it does not come up)."""
    import httpx

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("JIXIAO_SERVE_TOKENS", None)
    proc = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "serve", "--port", str(port), "--data-dir",
                             str(data_dir), "--workers", str(workers), *extra], stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError("server exited: " + log.read_text(errors="replace"))
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start: " + log.read_text(errors="replace"))


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
