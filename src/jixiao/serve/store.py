"""The job store: one SQLite file (WAL) under the data dir, and uploaded files by content hash.

Why SQLite: the API process and the worker processes share the queue without a broker, and a
job queued or running when the server stops is still there on restart. A job is claimed with
a fresh ``claim`` token; a result is written only while that claim still holds, so a worker
orphaned by a crash can never overwrite a job that was requeued and run again.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,              -- the uploaded file name: shown, never used in a path
  sha256 TEXT NOT NULL,
  kind TEXT NOT NULL,              -- pdf | docx | xlsx | html | text (from magic bytes)
  status TEXT NOT NULL,            -- queued | running | done | failed
  progress REAL NOT NULL DEFAULT 0,
  stage TEXT,                      -- read | ocr | extract | llm | reconcile (coarse, while running)
  pages_done INTEGER,
  pages_total INTEGER,
  error TEXT,
  options TEXT NOT NULL,           -- JSON: {"ocr": ..., "llm": ...}
  result TEXT,                     -- the v1 JSON (with corrections applied)
  original TEXT,                   -- the v1 JSON as extracted
  claim TEXT,
  worker_pid INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  finished_count INTEGER NOT NULL DEFAULT 0,
  created REAL NOT NULL,
  started REAL,
  finished REAL,
  updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created);
CREATE TABLE IF NOT EXISTS corrections (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  at REAL NOT NULL,
  who TEXT NOT NULL,
  op TEXT NOT NULL,
  path TEXT NOT NULL,
  before TEXT,                     -- JSON
  after TEXT                       -- JSON
);
CREATE INDEX IF NOT EXISTS corrections_job ON corrections(job_id, seq);
"""

SUFFIX = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "html": ".html", "text": ".txt"}
JOB_COLUMNS = ("id", "name", "sha256", "kind", "status", "progress", "stage", "pages_done", "pages_total", "error",
               "options", "attempts", "finished_count", "created", "started", "finished", "worker_pid")
# the coarse share of a job done when a stage starts (OCR takes most of a scan's time)
STAGE_SHARE = {"read": 0.1, "ocr": 0.1, "extract": 0.7, "llm": 0.75, "reconcile": 0.9}
ADDED_COLUMNS = {"stage": "TEXT", "pages_done": "INTEGER", "pages_total": "INTEGER"}


def _locked(method):
    """One connection is shared by the API's threads: serialize its use, so a transaction of
    one request never takes in a statement of another."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


@dataclass
class Claimed:
    id: str
    claim: str
    path: Path
    options: dict[str, Any]


class Store:
    """Jobs, blobs and corrections under one data dir. Open one per process (SQLite handles)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.blobs = self.data_dir / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "jobs.sqlite3"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        have = {r["name"] for r in self._db.execute("PRAGMA table_info(jobs)")}
        for col, typ in ADDED_COLUMNS.items():  # a data dir from an older version gains the progress columns
            if col not in have:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {col} {typ}")

    @_locked
    def close(self) -> None:
        self._db.close()

    # -- blobs ---------------------------------------------------------------------------
    def blob_path(self, sha256: str, kind: str) -> Path:
        """The stored input: ``blobs/<sha256><suffix>`` — hash and detected type only."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or kind not in SUFFIX:
            raise ValueError("bad blob key")
        return self.blobs / f"{sha256}{SUFFIX[kind]}"

    def put_blob(self, data: bytes, sha256: str, kind: str) -> Path:
        path = self.blob_path(sha256, kind)
        if not path.exists():
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return path

    # -- jobs ----------------------------------------------------------------------------
    @_locked
    def add_job(self, name: str, sha256: str, kind: str, options: dict[str, Any]) -> str:
        job_id = uuid.uuid4().hex[:16]
        now = time.time()
        self._db.execute(
            "INSERT INTO jobs(id,name,sha256,kind,status,options,created,updated) VALUES (?,?,?,?,?,?,?,?)",
            (job_id, name, sha256, kind, "queued", json.dumps(options), now, now))
        return job_id

    @_locked
    def get(self, job_id: str, with_result: bool = True) -> dict[str, Any] | None:
        cols = ", ".join(JOB_COLUMNS + (("result", "original") if with_result else ()))
        row = self._db.execute(f"SELECT {cols} FROM jobs WHERE id=?", (job_id,)).fetchone()
        return dict(row) if row else None

    @_locked
    def list(self, status: str | None = None, name: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        sql, args = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs WHERE 1=1", []
        if status:
            sql += " AND status=?"
            args.append(status)
        if name:
            sql += " AND name LIKE ? ESCAPE '\\'"
            args.append("%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        sql += " ORDER BY created DESC LIMIT ?"
        args.append(limit)
        return [dict(r) for r in self._db.execute(sql, args)]

    @_locked
    def requeue_running(self) -> int:
        """At startup: every job left running by a stopped server goes back to the queue."""
        cur = self._db.execute("UPDATE jobs SET status='queued', claim=NULL, worker_pid=NULL, progress=0, stage=NULL, "
                               "updated=? WHERE status='running'", (time.time(),))
        return cur.rowcount

    @_locked
    def claim_next(self, pid: int) -> Claimed | None:
        """Atomically take the oldest queued job (BEGIN IMMEDIATE: one writer at a time)."""
        claim = uuid.uuid4().hex
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT id, sha256, kind, options FROM jobs WHERE status='queued' "
                                   "ORDER BY created LIMIT 1").fetchone()
            if row is None:
                self._db.execute("COMMIT")
                return None
            self._db.execute("UPDATE jobs SET status='running', claim=?, worker_pid=?, started=?, progress=0.1, "
                             "attempts=attempts+1, updated=? WHERE id=?", (claim, pid, now, now, row["id"]))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return Claimed(row["id"], claim, self.blob_path(row["sha256"], row["kind"]), json.loads(row["options"]))

    @_locked
    def set_progress(self, job_id: str, claim: str, stage: str, done: int, total: int) -> bool:
        """Coarse progress of a running job, written only while our claim holds."""
        share = STAGE_SHARE.get(stage, 0.1)
        if stage == "ocr" and total:
            share += 0.6 * done / total
        cur = self._db.execute("UPDATE jobs SET stage=?, pages_done=?, pages_total=?, progress=?, updated=? "
                               "WHERE id=? AND claim=? AND status='running'",
                               (stage, done, total, round(share, 3), time.time(), job_id, claim))
        return cur.rowcount == 1

    @_locked
    def finish(self, job_id: str, claim: str, result: str | None, error: str | None) -> bool:
        """Store the outcome if the claim still holds; False when the job was taken from us."""
        now = time.time()
        status = "done" if error is None else "failed"
        cur = self._db.execute(
            "UPDATE jobs SET status=?, result=?, original=?, error=?, progress=1, stage=NULL, finished=?, updated=?, "
            "claim=NULL, finished_count=finished_count+1 WHERE id=? AND claim=? AND status='running'",
            (status, result, result, error, now, now, job_id, claim))
        return cur.rowcount == 1

    @_locked
    def fail_stuck(self, job_id: str, error: str) -> bool:
        now = time.time()
        cur = self._db.execute("UPDATE jobs SET status='failed', error=?, claim=NULL, progress=1, finished=?, "
                               "updated=?, finished_count=finished_count+1 WHERE id=? AND status='running'",
                               (error, now, now, job_id))
        return cur.rowcount == 1

    @_locked
    def running(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.execute("SELECT id, worker_pid, started FROM jobs WHERE status='running'")]

    @_locked
    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status")}

    # -- corrections ---------------------------------------------------------------------
    @_locked
    def save_corrections(self, job_id: str, result: str, entries: list[dict[str, Any]], who: str) -> None:
        """The corrected result and its log, in one transaction."""
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("UPDATE jobs SET result=?, updated=? WHERE id=?", (result, now, job_id))
            for e in entries:
                self._db.execute(
                    "INSERT INTO corrections(job_id,at,who,op,path,before,after) VALUES (?,?,?,?,?,?,?)",
                    (job_id, now, who, e["op"], e["path"], json.dumps(e.get("before"), ensure_ascii=False),
                     json.dumps(e.get("after"), ensure_ascii=False)))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @_locked
    def corrections(self, job_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT at, who, op, path, before, after FROM corrections WHERE job_id=? ORDER BY seq",
                                (job_id,))
        return [{"at": r["at"], "who": r["who"], "op": r["op"], "path": r["path"],
                 "before": json.loads(r["before"]), "after": json.loads(r["after"])} for r in rows]
