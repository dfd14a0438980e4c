"""The run's state in OUT: the output directory check, resume keys and ``run.json`` (issue 15).

* ``check_out_dir`` — before any work: OUT must be (or become) a writable directory;
  the answer is one line for the user, never a traceback.
* ``resume_key`` — what was asked: the input's content hash, every option that changes the
  result (OCR mode, LLM mode, endpoint and model, prompt files, package version) and the
  requested formats. A file is skipped only when ``run.json`` records this key with status
  ok *and* every output it listed still exists; a failed file is always retried.
* ``write_run_report`` — ``run.json`` is merged under an exclusive ``fcntl`` lock (two runs
  on one OUT keep each other's entries) and replaced atomically (temp file, fsync, rename),
  so a full disk or a crash leaves the previous ``run.json`` intact.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from jixiao import __version__
from jixiao.model.modes import LlmMode

RUN_JSON = "run.json"
MIN_FREE_BYTES = 16 * 2**20  # below this a batch would fail halfway: refuse before any work
LOCK_NAME = ".run.json.lock"


def check_out_dir(out: Path) -> str | None:
    """Why OUT cannot take outputs (one line), or None after creating it if missing."""
    if out.exists() and not out.is_dir():
        return f"output directory {out} exists and is not a directory"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create output directory {out}: {exc.strerror or exc}"
    try:  # os.access lies for root and on some network mounts: try a real file
        fd, probe = tempfile.mkstemp(dir=out, prefix=".jixiao-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"output directory {out} is not writable: {exc.strerror or exc}"
    free = shutil.disk_usage(out).free
    if free < MIN_FREE_BYTES:
        return f"output directory {out} has {free / 2**20:.1f} MiB free (at least {MIN_FREE_BYTES // 2**20} MiB needed)"
    return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes) -> None:
    """Temp file in the same folder + fsync + rename; mode follows the umask (not mkstemp's 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:200]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prompts_sha() -> str:
    from importlib import resources

    h = hashlib.sha256()
    try:
        folder = resources.files("jixiao.extract.llm") / "prompts"
        for f in sorted(folder.iterdir(), key=lambda x: x.name):
            if f.name.endswith(".md"):
                h.update(f.name.encode() + b"\0" + f.read_bytes())
    except (OSError, ModuleNotFoundError):
        pass
    return h.hexdigest()[:16]


def options_fingerprint(opts) -> dict:
    """The options that change an extraction's result, as a plain dict."""
    fp = {"jixiao": __version__, "ocr": str(opts.ocr), "llm": str(opts.llm)}
    if LlmMode(opts.llm) != LlmMode.OFF:
        try:
            from jixiao.providers.config import load_config

            cfg = load_config(opts.llm_config)
            fp.update(endpoint=cfg.base_url or "", model=cfg.model or "", profile=cfg.profile or "")
        except Exception as exc:  # a broken config fails later, per file, with its own message
            fp["endpoint_error"] = type(exc).__name__
        fp["prompts"] = _prompts_sha()
    return fp


def resume_key(sha: str, fingerprint: dict, formats: list[str]) -> str:
    payload = json.dumps({"sha256": sha, "options": fingerprint, "formats": sorted(set(formats))}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def load_entries(out: Path) -> dict[str, dict]:
    """The previous run.json's file entries by input path ({} when missing or unreadable)."""
    try:
        data = json.loads((out / RUN_JSON).read_text(encoding="utf-8"))
        return {e["path"]: e for e in data.get("files", []) if isinstance(e, dict) and "path" in e}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def up_to_date(entry: dict | None, key: str) -> bool:
    """Skip only a file whose last result is ok for this very key, with every output present."""
    if not entry or entry.get("status") not in ("ok", "skipped") or entry.get("key") != key:
        return False
    outputs = entry.get("outputs") or []
    return bool(outputs) and all(Path(p).is_file() for p in outputs)


def write_run_report(out: Path, entries: list[dict], meta: dict) -> None:
    """Merge this run's entries into OUT/run.json under a lock; atomic replace.

    Entries of earlier runs that this one does not cover come first, then this run's in the
    order given (input order), so a report written while files are still completing — or by
    several executors finishing out of order — always reads in input order."""
    with open(out / LOCK_NAME, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            mine = {e["path"] for e in entries}
            kept = [e for p, e in load_entries(out).items() if p not in mine]
            report = {**meta, "files": kept + list(entries)}
            atomic_write(out / RUN_JSON, json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
