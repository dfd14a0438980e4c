"""One gate for a run's LLM requests (issue 15): ``concurrency`` caps the requests in flight
across every file and every ``--jobs`` worker, and ``run_budget`` bounds the run's LLM work
as a whole — once spent, nothing more is sent and every file keeps its rules result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("instructor")

from fakes.openai_server import FakeOpenAIServer, Reply, completion  # noqa: E402
from jixiao.providers import gate  # noqa: E402
from jixiao.providers.gate import GateSpec, LlmBudgetSpent, in_flight, spec_for_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_gate():
    saved = gate._gate
    yield
    gate._gate = saved


def _hold_all(n_threads: int, hold: float) -> tuple[int, list[BaseException]]:
    """``n_threads`` threads each hold a slot for ``hold`` s; the most held at once, and errors."""
    state = {"now": 0, "most": 0}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with in_flight():
                with lock:
                    state["now"] += 1
                    state["most"] = max(state["most"], state["now"])
                time.sleep(hold)
                with lock:
                    state["now"] -= 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return state["most"], errors


def test_slots_cap_requests_in_flight() -> None:
    gate.install(GateSpec(slots=2))
    most, errors = _hold_all(6, 0.1)
    assert not errors and most == 2


def test_spent_run_budget_sends_nothing() -> None:
    gate.install(spec_for_run(2, 0.2))
    time.sleep(0.3)
    with pytest.raises(LlmBudgetSpent, match="run's LLM budget of 0.2 s"):
        with in_flight(endpoint="http://x/v1"):
            pass


def test_waiting_for_a_slot_never_outlives_the_budget() -> None:
    gate.install(spec_for_run(1, 0.5))
    t0 = time.perf_counter()
    most, errors = _hold_all(2, 1.5)  # the second thread waits for the slot the first holds
    assert most == 1 and len(errors) == 1 and isinstance(errors[0], LlmBudgetSpent)
    assert time.perf_counter() - t0 < 3.0


# ---------------------------------------------------------------------------------------
# the real CLI: two worker processes, one endpoint


FORM = """项目支出绩效目标表
项目名称：{name}
主管部门：某市财政局
| 一级指标 | 二级指标 | 三级指标 | 指标值 |
| 产出指标 | 数量指标 | 培训人次 | ≥{n}人次 |
| 产出指标 | 数量指标 | 检查企业数量 | ≥{n}家 |
| 产出指标 | 质量指标 | 验收合格率 | 100% |
| 产出指标 | 时效指标 | 完成时间 | 2024年12月底前 |
| 效益指标 | 社会效益指标 | 群众知晓率 | ≥90% |
| 满意度指标 | 服务对象满意度指标 | 企业满意度 | ≥90% |
"""


def _inputs(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"form{i}.txt").write_text(FORM.format(name=f"第{i}号培训项目", n=100 + i), encoding="utf-8")
    return folder


def _extract(tmp_path: Path, base_url: str, jobs: int, executor: str = "local", **llm: object) -> tuple[subprocess.CompletedProcess, dict]:
    cfg = tmp_path / "llm.toml"
    settings = {"base_url": base_url, "model": "fake", "profile": "llamacpp", "transport_retries": 0,
                "validation_retries": 0, "cache": False, **llm}
    cfg.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items()) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_LLM_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "jixiao.cli", "extract", str(tmp_path / "in"), "-o", str(out),
                           "--llm", "full", "--llm-config", str(cfg), "--jobs", str(jobs), "-f", "json",
                           "--cache-dir", str(tmp_path / "cache"), "--executor", executor],
                          capture_output=True, text=True, env=env, timeout=300)
    report = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").exists() else {}
    return proc, report


class _Counting:
    """A responder that holds each request ``hold`` s and records the most in flight at once."""

    def __init__(self, hold: float) -> None:
        self.hold, self.now, self.most, self.lock = hold, 0, 0, threading.Lock()

    def __call__(self, req: dict, n: int) -> Reply:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1
        return Reply(body=completion(json.dumps({"indicators": []})))


@pytest.mark.slow
def test_jobs_share_one_cap_on_requests_in_flight(tmp_path: Path) -> None:
    _inputs(tmp_path / "in", 4)
    counting = _Counting(0.4)
    with FakeOpenAIServer(counting) as srv:
        proc, report = _extract(tmp_path, srv.base_url, jobs=2, concurrency=1)
        sent = len(srv.requests)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sent >= 4 and counting.most == 1, (sent, counting.most)
    assert [f["status"] for f in report["files"]] == ["ok"] * 4


@pytest.mark.slow
def test_run_budget_stops_the_run_and_keeps_every_file(tmp_path: Path) -> None:
    _inputs(tmp_path / "in", 6)
    counting = _Counting(0.8)
    with FakeOpenAIServer(counting) as srv:
        proc, report = _extract(tmp_path, srv.base_url, jobs=2, concurrency=2, run_budget=1.0)
        sent = len(srv.requests)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = report["files"]
    assert [f["status"] for f in files] == ["ok"] * 6 and all(f["indicators"] == 6 for f in files)
    assert sent <= 4, sent  # 2 in flight, each 0.8 s, inside a 1 s budget
    spent = 0
    for f in files:
        doc = json.loads(Path(f["outputs"][0]).read_text(encoding="utf-8"))
        text = json.dumps(doc, ensure_ascii=False)
        spent += "llm_budget_spent" in text
    assert spent >= 4, spent


@pytest.mark.slow
def test_dask_workers_share_one_cap_on_requests_in_flight(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _inputs(tmp_path / "in", 4)
    counting = _Counting(0.4)
    with FakeOpenAIServer(counting) as srv:
        proc, report = _extract(tmp_path, srv.base_url, jobs=2, concurrency=1, executor="dask")
        sent = len(srv.requests)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sent >= 4 and counting.most == 1, (sent, counting.most)
    assert [f["status"] for f in report["files"]] == ["ok"] * 4
