"""Batches (issue 14): ``--jobs N`` worker processes and a Dask ``LocalCluster`` give the same
outputs as one process; a worker that dies costs only its own file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.batch import FileJob, ProcessExecutor, run_file
from jixiao.cli import app
from jixiao.pipeline import ExtractOptions

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden"
INPUTS = [GOLDEN / "syn_10_chongqing_docx" / "form.docx", GOLDEN / "s000_suzhou_dept" / "source.txt",
          GOLDEN / "s002_suzhou_projects" / "digital.pdf", GOLDEN / "syn_11_jiangxi_xlsx" / "form.xlsx",
          GOLDEN / "syn_13_henan_kv_row" / "page.html"]
TIMING_KEYS = {"seconds", "ms"}  # wall-clock telemetry in stats: the only fields allowed to differ


def _without_timings(obj):
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


def _extract(out: Path, *args: str) -> dict:
    r = CliRunner().invoke(app, ["extract", *map(str, INPUTS), "-o", str(out), "-f", "json,csv", "--cache-dir",
                                 str(out.parent / "cache"), *args])
    assert r.exit_code == 0, r.output
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


def _outputs(out: Path) -> dict[str, object]:
    docs = {p.name: _without_timings(json.loads(p.read_text(encoding="utf-8")))
            for p in out.glob("*.json") if p.name != "run.json"}
    docs.update({p.name: p.read_bytes() for p in out.glob("*.csv")})
    return docs


def test_jobs_2_gives_the_same_outputs_and_order_as_jobs_1(tmp_path: Path) -> None:
    one = _extract(tmp_path / "one", "--jobs", "1")
    two = _extract(tmp_path / "two", "--jobs", "2")
    assert [Path(f["path"]).name for f in two["files"]] == [p.name for p in INPUTS]  # input order, not finish order
    assert [f["status"] for f in two["files"]] == ["ok"] * len(INPUTS)
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")
    assert two["jobs"] == 2 and one["jobs"] == 1
    assert all(f["peak_rss_mib"] and f["peak_rss_mib"] > 10 for f in two["files"])
    again = _extract(tmp_path / "two", "--jobs", "2")  # a rerun resumes whatever executor ran it
    assert {f["status"] for f in again["files"]} == {"skipped"}


class _DieOnce:
    """Options whose first use kills the worker process (as the OOM killer would), once per
    marker file; afterwards they behave as the real options."""

    def __init__(self, marker: str) -> None:
        self.marker, self.real = marker, ExtractOptions()

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("marker", "real"):  # pickling looks these up first
            raise AttributeError(name)
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(9)
        return getattr(self.real, name)


class _DieAlways(_DieOnce):
    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("marker", "real"):
            raise AttributeError(name)
        os._exit(9)


def _jobs(tmp_path: Path, opts_for) -> list[FileJob]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return [FileJob(p, f"f{i}", out, ["json"], opts_for(i), True, False, {}, None) for i, p in enumerate(INPUTS[:4])]


def test_a_worker_killed_mid_batch_costs_nothing_when_the_retry_succeeds(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path, lambda i: _DieOnce(str(tmp_path / "died")) if i == 1 else ExtractOptions())
    results = dict(ProcessExecutor(2).run(jobs))
    assert (tmp_path / "died").exists()  # the worker really was killed
    assert [results[i].status for i in range(4)] == ["ok"] * 4
    assert (tmp_path / "out" / "f1.json").is_file()


def test_a_file_that_kills_every_worker_is_reported_and_the_batch_completes(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path, lambda i: _DieAlways("") if i == 2 else ExtractOptions())
    results = dict(ProcessExecutor(2).run(jobs))
    assert results[2].status == "failed" and "died twice" in results[2].reason, results[2].reason
    assert [results[i].status for i in (0, 1, 3)] == ["ok"] * 3


def test_run_file_reports_its_peak_rss(tmp_path: Path) -> None:
    [job] = _jobs(tmp_path, lambda i: ExtractOptions())[:1]
    r = run_file(job)
    assert r.status == "ok" and r.peak_rss_mib > 10


def test_scheduler_needs_the_dask_executor(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["extract", str(INPUTS[0]), "-o", str(tmp_path), "--scheduler", "tcp://x:8786"])
    assert r.exit_code == 2 and "--executor dask" in r.output
    r = CliRunner().invoke(app, ["extract", str(INPUTS[0]), "-o", str(tmp_path), "--executor", "dask", "--timeout", "9"])
    assert r.exit_code == 2 and "memory-limit" in r.output


@pytest.mark.slow
def test_a_dask_local_cluster_gives_the_same_outputs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _extract(tmp_path / "one", "--jobs", "1")
    dask = _extract(tmp_path / "dask", "--executor", "dask", "--jobs", "2")
    assert dask["executor"] == "dask" and [f["status"] for f in dask["files"]] == ["ok"] * len(INPUTS)
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "dask")


def _hammer(args: tuple[str, int]) -> int:
    """Write the same 40 keys 5 times over into both caches, reading each back at once; returns
    how many reads saw a torn or foreign entry."""
    from pydantic import BaseModel

    from jixiao.ocr.cache import OcrCache
    from jixiao.providers.cache import LlmCache

    class Answer(BaseModel):
        text: str

    root, who = args
    ocr, llm = OcrCache(Path(root) / "ocr"), LlmCache(root)
    bad = 0
    for rnd in range(5):
        for k in range(40):
            key = f"{k:02d}" + "ab" * 30
            big = "表" * (2000 + 97 * k)  # entries of different sizes, so a torn write would show
            ocr.put(key, {"who": who, "round": rnd, "text": big})
            llm.put(key, Answer(text=big), {"who": who})
            got, ans = ocr.get(key), llm.get(key)
            bad += got is None or got["text"] != big or ans is None or ans["response"]["text"] != big
    return bad


def test_two_processes_writing_the_same_cache_keys_leave_every_entry_valid(tmp_path: Path) -> None:
    import multiprocessing as mp

    with mp.get_context("forkserver").Pool(2) as pool:
        assert pool.map(_hammer, [(str(tmp_path), 1), (str(tmp_path), 2)]) == [0, 0]
    entries = list(tmp_path.rglob("*.json"))
    assert len(entries) == 80 and not list(tmp_path.rglob(".tmp-*"))
    for p in entries:
        json.loads(p.read_text(encoding="utf-8"))  # every entry parses


def test_run_json_grows_while_the_batch_runs_and_stays_in_input_order(tmp_path: Path, monkeypatch) -> None:
    """A run killed halfway keeps run.json entries for the files it finished (rewritten as files
    complete), and every version of run.json lists files in input order."""
    from jixiao import cli, runstate

    seen: list[list[str]] = []
    real = runstate.write_run_report

    def spy(out, entries, meta):
        real(out, entries, meta)
        seen.append([Path(e["path"]).name for e in json.loads((out / "run.json").read_text("utf-8"))["files"]])

    monkeypatch.setattr(cli, "RUN_JSON_EVERY_S", 0.0)
    monkeypatch.setattr(runstate, "write_run_report", spy)
    _extract(tmp_path / "out", "--jobs", "2")
    names = [p.name for p in INPUTS]
    assert len(seen) == len(INPUTS) + 1  # once per finished file, then the final report
    assert [len(s) for s in seen[:-1]] == list(range(1, len(INPUTS) + 1))
    assert all(s == [n for n in names if n in s] for s in seen)  # input order at every step


def _address_space_cap() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


def test_jobs_workers_start_under_the_worker_memory_budget() -> None:
    """What ProcessExecutor hands its pool: every worker caps its address space first."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from jixiao.batch import _worker_init

    with ProcessPoolExecutor(1, mp_context=mp.get_context("forkserver"), initializer=_worker_init,
                             initargs=(1024, None, None)) as pool:
        assert pool.submit(_address_space_cap).result() == 1024 * 2**20


def test_wall_clock_interrupts_a_runaway_loop_and_disarms() -> None:
    import signal
    import time

    import pytest

    from jixiao.batch import wall_clock
    from jixiao.model.limits import FileOverTime

    before = signal.getsignal(signal.SIGALRM)
    t0 = time.perf_counter()
    with pytest.raises(FileOverTime, match="file_seconds=0"):
        with wall_clock(0.3):
            try:
                while True:
                    pass
            except Exception:  # a stage's handler must not swallow it
                pytest.fail("FileOverTime was caught as an Exception")
    assert time.perf_counter() - t0 < 2
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_remote_worker_needs_only_the_bytes(tmp_path: Path) -> None:
    """--send-bytes: the worker never opens the client's path; the outputs come back as bytes."""
    from jixiao.batch import run_file_remote

    [job] = _jobs(tmp_path, lambda i: ExtractOptions())[:1]
    data = job.path.read_bytes()
    away = FileJob(**{**job.__dict__, "path": Path("/nonexistent/on/this/worker") / job.path.name, "data": data})
    result, payload = run_file_remote(away)
    assert result.status == "ok" and result.indicators > 0 and result.path == str(away.path)
    assert set(result.outputs) == {Path(p).name for p in run_file(job).outputs} <= set(payload)
    doc = json.loads(payload[f"{job.stem}.json"])
    assert "jixiao-remote-" not in json.dumps(doc, ensure_ascii=False)  # no worker temp path leaks into the output


@pytest.mark.slow
def test_dask_with_send_bytes_gives_the_same_outputs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _extract(tmp_path / "one", "--jobs", "1")
    sent = _extract(tmp_path / "sent", "--executor", "dask", "--jobs", "2", "--send-bytes")
    assert sent["send_bytes"] and [f["status"] for f in sent["files"]] == ["ok"] * len(INPUTS)
    assert [f["path"] for f in sent["files"]] == [str(p) for p in INPUTS]
    assert all(Path(o).parent == tmp_path / "sent" for f in sent["files"] for o in f["outputs"])
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "sent")
    again = _extract(tmp_path / "sent", "--executor", "dask", "--jobs", "2", "--send-bytes")
    assert {f["status"] for f in again["files"]} == {"skipped"}
