"""``jixiao serve --executor dask`` (issue 14): the server's queue run on a real Dask
``LocalCluster`` (2 worker processes) behind the real FastAPI app. The results equal the local
worker's; a bad file fails alone; a job whose worker dies is sent once more, then failed; a job
past the timeout is failed and the queue goes on."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from jixiao.serve.app import ServeConfig, create_app  # noqa: E402
from jixiao.serve.store import Store  # noqa: E402
from jixiao.serve.worker import RemoteJob, run_job_remote, worker_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "golden"
DOCS = [GOLDEN / "s000_suzhou_dept" / "digital.pdf", GOLDEN / "syn_10_chongqing_docx" / "form.docx",
        GOLDEN / "syn_11_jiangxi_xlsx" / "form.xlsx"]
SMALL = GOLDEN / "syn_13_henan_kv_row" / "text-tsv.txt"
TIMING_KEYS = {"seconds", "ms"}  # wall-clock telemetry: the only fields allowed to differ between runs


def _without_timings(obj):
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


def _bad_docx() -> bytes:
    """A zip that passes the upload's type check (it names word/document.xml) but is no Word package."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document>never closed")
    return buf.getvalue()


def _upload(c: TestClient, files: list[tuple[str, bytes]]) -> list[str]:
    r = c.post("/v1/documents", files=[("file", (n, d, "application/octet-stream")) for n, d in files],
               data={"ocr": "off"})
    assert r.status_code == 202, r.text
    return [d["id"] for d in r.json()["documents"]]


def _wait(c: TestClient, ids: list[str], seconds: float = 240) -> tuple[dict[str, dict], set[tuple[str, str]]]:
    """Poll until every job ends; the final bodies, and every (id, status) and (id, "stage:…") seen."""
    seen: set[tuple[str, str]] = set()
    deadline = time.time() + seconds
    while time.time() < deadline:
        bodies = {i: c.get(f"/v1/documents/{i}").json() for i in ids}
        seen |= {(i, b["status"]) for i, b in bodies.items()}
        seen |= {(i, "stage:" + b["stage"]) for i, b in bodies.items() if b.get("stage")}
        if all(b["status"] in ("done", "failed") for b in bodies.values()):
            return bodies, seen
        time.sleep(0.05)
    raise AssertionError(f"jobs did not finish: { {i: b['status'] for i, b in bodies.items()} }")


FILES = [(p.name, p.read_bytes()) for p in DOCS] + [("bad.docx", _bad_docx())]


@pytest.mark.slow
def test_a_local_cluster_behind_the_app_gives_the_local_workers_results(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    before = Store(tmp_path / "dask")  # a server that stopped with one job queued and one running
    left = _queue(before, ["left-running.txt", "left-queued.txt"])
    assert before.claim_next(12345).id == left[0]
    before.close()
    app = create_app(ServeConfig(data_dir=tmp_path / "dask", executor="dask", workers=2,
                                 cache_dir=tmp_path / "cache"))
    with TestClient(app) as c:
        assert c.get("/healthz").json()["executor"] == "dask"
        ids = _upload(c, FILES)
        bodies, seen = _wait(c, ids + left)
    assert [bodies[i]["status"] for i in left] == ["done", "done"]  # picked up again on restart
    assert [bodies[i]["status"] for i in ids] == ["done", "done", "done", "failed"], [bodies[i]["error"] for i in ids]
    assert {s for _, s in seen} >= {"queued", "running", "done"}  # the states went by as the cluster worked
    assert any(s.startswith("stage:") for _, s in seen)  # the workers' progress events reached the store
    bad = bodies[ids[3]]
    assert "not a readable .docx" in bad["error"] and "jixiao-remote-" not in bad["error"]  # the server's blob named

    # the local worker processes' path on the same uploads: the very same v1 JSON
    local = create_app(ServeConfig(data_dir=tmp_path / "local", start_workers=False, cache_dir=tmp_path / "cache"))
    with TestClient(local) as c:
        local_ids = _upload(c, FILES)
        worker_main(str(tmp_path / "local"), str(tmp_path / "cache"), os.getpid(), stop_when_idle=True)
        want = [c.get(f"/v1/documents/{i}").json() for i in local_ids]
    for got, exp in zip((bodies[i] for i in ids), want):
        assert got["status"] == exp["status"]
        assert _without_timings(got["result"]) == _without_timings(exp["result"])
    assert bad["error"].replace(str(tmp_path / "dask"), "") == want[3]["error"].replace(str(tmp_path / "local"), "")
    assert bodies[ids[0]]["result"]["source"]["path"] == DOCS[0].name  # the uploaded name, not a worker's copy
    store = Store(tmp_path / "dask")
    rows = {r["id"]: r for r in store.list()}
    store.close()
    assert all(rows[i]["attempts"] == 1 and rows[i]["finished_count"] == 1 for i in ids)
    assert rows[left[0]]["attempts"] == 2 and rows[left[0]]["finished_count"] == 1  # run again, finished once


# -- tasks that misbehave on a worker (module level: the workers import them by name) -------
def _deadly(marker: str, job: RemoteJob):
    """Kill the worker for ``doomed.txt`` every time, and for ``once.txt`` the first time only
    (as the kernel's OOM killer would); run every other job for real."""
    if job.name == "doomed.txt":
        os._exit(9)
    if job.name == "once.txt" and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(9)
    if job.name == "slow.txt":
        time.sleep(600)
    return run_job_remote(job)


def _queue(store: Store, names: list[str]) -> list[str]:
    data = SMALL.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    store.put_blob(data, sha, "text")
    return [store.add_job(n, sha, "text", {"ocr": "off", "llm": "off"}) for n in names]


def _run_queue(data_dir: Path, store: Store, names: list[str], n: int, timeout_s: float, task) -> dict[str, dict]:
    """Queue one small text per name, run the dispatcher until the queue is empty; the final rows."""
    from jixiao.serve.dispatch import DaskDispatcher

    ids = dict(zip(names, _queue(store, names)))
    pool = DaskDispatcher(data_dir, None, n, job_timeout_s=timeout_s, task=task)
    pool.start()
    try:
        deadline = time.time() + 240
        while time.time() < deadline and any(store.get(i)["status"] in ("queued", "running") for i in ids.values()):
            time.sleep(0.2)
    finally:
        pool.stop()
    return {name: store.get(i) for name, i in ids.items()}


@pytest.mark.slow
def test_a_dead_worker_costs_one_retry_then_the_job_fails_alone(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    store, marker = Store(tmp_path), tmp_path / "died"
    jobs = _run_queue(tmp_path, store, ["once.txt", "doomed.txt", "fine.txt"], 2, 120,
                      functools.partial(_deadly, str(marker)))
    assert marker.exists()  # once.txt's first worker really died
    assert jobs["once.txt"]["status"] == "done", jobs["once.txt"]["error"]
    assert jobs["fine.txt"]["status"] == "done", jobs["fine.txt"]["error"]
    assert jobs["doomed.txt"]["status"] == "failed" and "lost 2 times" in jobs["doomed.txt"]["error"]
    assert "KilledWorker" in jobs["doomed.txt"]["error"]
    assert all(j["finished_count"] == 1 for j in jobs.values())
    store.close()


@pytest.mark.slow
def test_a_job_past_the_timeout_fails_and_its_worker_is_freed(tmp_path: Path) -> None:
    """One worker: the job after the slow one runs only if the slow one's worker was restarted."""
    pytest.importorskip("distributed")
    store = Store(tmp_path)
    jobs = _run_queue(tmp_path, store, ["slow.txt", "fine.txt"], 1, 25, functools.partial(_deadly, ""))
    assert jobs["slow.txt"]["status"] == "failed" and "timeout" in jobs["slow.txt"]["error"]
    assert jobs["fine.txt"]["status"] == "done", jobs["fine.txt"]["error"]
    store.close()


def test_serve_scheduler_needs_the_dask_executor(tmp_path: Path) -> None:
    from jixiao.cli import app

    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--scheduler", "tcp://x:8786"])
    assert r.exit_code == 2 and "--executor dask" in r.output
    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--executor", "spark"])
    assert r.exit_code == 2 and "local or dask" in r.output


def test_serve_says_when_the_scheduler_cannot_be_reached(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from jixiao.cli import app

    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--executor", "dask", "--scheduler", "nonsense"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler nonsense" in r.output
