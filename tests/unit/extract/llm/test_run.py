"""The LLM path end to end against a fake endpoint: modes, merge, grounding, cache, failures.

The fake "model" reads the chunk it is sent and answers from it (like a competent model
would), optionally adding an invented row, failing or truncating on request — so what is
tested is our code: chunk selection, request, grounding, merge, cache and containment.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("instructor")

from jixiao.extract.llm.run import extract_with_llm  # noqa: E402
from jixiao.providers.config import LlmConfig  # noqa: E402
from fakes.openai_server import FakeOpenAIServer, Reply, completion, make_table  # noqa: E402
from jixiao.model.output import AlignmentStatus, Evidence, Form, Indicator, Severity  # noqa: E402
from jixiao.segment import FormRegion  # noqa: E402

HEADER = ["一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值"]
SMALL = [
    HEADER,
    ["产出指标", "数量指标", "检查企业数量", "≥50家", "≥120家"],
    ["", "", "发放宣传册", "=500份", "=1000份"],
    ["", "时效指标", "投诉处理及时率", "≥95%", "≥95%"],
    ["满意度指标", "服务对象满意度", "企业满意度", "≥90%", "≥90%"],
]
ROW_LINE = re.compile(r"^(r\d+) \| (.*)$")


def long_rows(n: int) -> list[list[str]]:
    rows = [HEADER]
    for i in range(n):
        rows.append(["产出指标" if i == 0 else "", "数量指标" if i == 0 else "", f"第{i + 1}项任务完成数", f"≥{i}个",
                     f"≥{2 * i}个"])
    return rows


def read_chunk(request: dict[str, Any]) -> list[dict[str, Any]]:
    """What a competent model would answer: one indicator per data row, levels filled down."""
    text = request["messages"][-1]["content"]
    l1 = l2 = None
    hint = re.search(r"一级指标=([^；\n]+)(?:；二级指标=([^\n]+))?", text)
    if hint:
        l1, l2 = hint.group(1), hint.group(2)
    out = []
    for line in text.splitlines():
        m = ROW_LINE.match(line)
        if not m:
            continue
        cells = m.group(2).split(" | ")
        if len(cells) < 5 or "三级指标" in cells[2] or not cells[2]:
            continue
        l1 = cells[0] or l1
        l2 = cells[1] or l2
        out.append({"row": m.group(1), "level1": l1, "level2": l2, "level3": cells[2], "half_year": cells[3],
                    "target": cells[4], "scope": "annual"})
    return out


def answer(items: list[dict[str, Any]], **kw: Any) -> Reply:
    return Reply(body=completion(json.dumps({"indicators": items}, ensure_ascii=False), **kw))


def config(srv: FakeOpenAIServer, **kw: Any) -> LlmConfig:
    base = dict(base_url=srv.base_url, model="fake", profile="llamacpp", backoff_base=0.0, transport_retries=1,
                validation_retries=0, concurrency=1)
    base.update(kw)
    return LlmConfig(**base)  # type: ignore[arg-type]


def rules_indicator(l1: str, l2: str, l3: str, half: str | None, target: str | None, *, page: int = 1,
                    y: float = 0.0, flags: list[tuple[str, str | None]] = ()) -> Indicator:
    ind = Indicator(level1=l1, level2=l2, level3=l3, half_year=half, target=target)
    ind.evidence["level3"] = Evidence(page=page, bbox=(220.0, y, 310.0, y + 20), source_text=l3)
    for code, field in flags:
        ind.flag(Severity.WARNING, code, "test", field=field)
    return ind


def test_off_and_not_configured_return_the_rules_form_untouched(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(SMALL)])
    rules = Form(title="t", indicators=[rules_indicator("产出指标", "数量指标", "检查企业数量", "≥50家", "≥120家")])
    form, stats = extract_with_llm(region, rules, "off", LlmConfig(), tmp_path)
    assert form == rules and stats["enabled"] is False
    form, stats = extract_with_llm(region, rules, "full", LlmConfig(), tmp_path)
    assert form == rules and stats["enabled"] is False and "JIXIAO_LLM_BASE_URL" in stats["reason"]
    assert not (tmp_path / "llm").exists()
    with pytest.raises(ValueError, match="unknown LLM mode"):
        extract_with_llm(region, rules, "always", LlmConfig(), tmp_path)  # type: ignore[arg-type]


def test_full_mode_merges_grounded_rows_and_drops_inventions(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(SMALL, page=3)], title="项目支出绩效目标表")
    rules = Form(title="项目支出绩效目标表", indicators=[
        # r2 with a misread half_year nobody flagged; r4 with a garbled value the rules flagged; r3, r5 missed
        rules_indicator("产出指标", "数量指标", "检查企业数量", "≥5家", "≥120家", page=3, y=120.0),
        rules_indicator("产出指标", "时效指标", "投诉处理及时率", "≥95%", "?95", page=3, y=160.0,
                        flags=[("unmapped_cell", None)]),  # a real unsettled code (row-level)
    ])
    invented = {"row": "r5", "level1": "效益指标", "level2": "社会效益", "level3": "群众获得感提升率", "target": "≥85%"}

    def respond(req: dict[str, Any], n: int) -> Reply:
        items = read_chunk(req)
        items[0]["target"] = "≥121家"  # disagrees with the rules' grounded value (and is ungrounded)
        return answer(items + [invented], tokens_in=700, tokens_out=250)

    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, rules, "full", config(srv), tmp_path)
    assert len(srv.requests) == 1
    user = srv.requests[0]["json"]["messages"][-1]["content"]
    assert "表名：项目支出绩效目标表" in user and "r3 |  |  | 发放宣传册 | =500份 | =1000份" in user

    assert [i.level3 for i in form.indicators] == ["检查企业数量", "发放宣传册", "投诉处理及时率", "企业满意度"]
    first, added, fixed, last = form.indicators
    # a grounded disagreement is flagged, the unflagged rules value kept; an ungrounded one is not even weighed
    assert first.half_year == "≥5家" and [f.field for f in first.flags if f.code == "llm_disagrees"] == ["half_year"]
    assert first.target == "≥120家"
    assert fixed.target == "≥95%" and fixed.evidence["target"].extractor == "llm"
    assert any(f.code == "llm_replaced" for f in fixed.flags)
    assert added.level1 == "产出指标" and added.evidence["level1"].status is AlignmentStatus.EXACT
    assert added.evidence["level3"].page == 3 and added.row_id == "r3"
    assert any(f.code == "llm_added_row" for f in added.flags)
    assert last.level2 == "服务对象满意度"
    dropped = [f for f in form.flags if f.code == "llm_invented_row"]
    assert len(dropped) == 1 and "群众获得感提升率" in dropped[0].message
    assert stats["calls"] == 1 and stats["tokens_in"] == 700 and stats["tokens_out"] == 250
    assert stats["dropped_invented"] == 1 and stats["added"] == 2 and stats["replaced"] == 1
    assert stats["disagreed"] == 1 and stats["ungrounded_values"] == 1
    assert stats["prompt_version"] == "1" and stats["failures"] == 0


def test_fallback_sends_only_the_chunks_the_rules_flagged(tmp_path: Path) -> None:
    rows = long_rows(60)
    region = FormRegion(blocks=[make_table(rows)])
    inds = [rules_indicator("产出指标", "数量指标", r[2], r[3], r[4], y=120.0 + 20 * i) for i, r in enumerate(rows[1:])]
    inds[50].flags.clear()
    inds[50].flag(Severity.WARNING, "unmapped_cell", "?", field=None)
    rules = Form(indicators=inds)
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req))) as srv:
        form, stats = extract_with_llm(region, rules, "fallback", config(srv, chunk_tokens=250), tmp_path)
    assert stats["chunks"] >= 3 and stats["chunks_sent"] == 1 and len(srv.requests) == 1
    assert "第51项任务完成数" in srv.requests[0]["json"]["messages"][-1]["content"]
    assert len(form.indicators) == 60 and stats["added"] == 0
    # no rules indicators at all → every chunk goes
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req))) as srv:
        form, stats = extract_with_llm(region, Form(), "fallback", config(srv, chunk_tokens=250), tmp_path / "b")
    assert stats["chunks_sent"] == stats["chunks"] and len(form.indicators) == 60
    assert [i.row_id for i in form.indicators] == [f"r{k}" for k in range(2, 62)]  # overlap deduplicated, in order


def test_second_run_is_served_from_cache(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(long_rows(30))])
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req), tokens_in=500, tokens_out=200)) as srv:
        cfg = config(srv, chunk_tokens=250)
        first, s1 = extract_with_llm(region, None, "full", cfg, tmp_path)
        sent = len(srv.requests)
        second, s2 = extract_with_llm(region, None, "full", cfg, tmp_path)
        assert len(srv.requests) == sent  # nothing sent the second time
    assert s1["calls"] == sent >= 2 and s1["tokens_in"] == 500 * sent
    assert s2["calls"] == 0 and s2["tokens_in"] == 0 and s2["tokens_out"] == 0 and s2["cache_hits"] == s1["chunks_sent"]
    assert first.model_dump() == second.model_dump() and len(first.indicators) == 30
    files = list((tmp_path / "llm").rglob("*.json"))
    assert len(files) == sent
    assert "第1项任务完成数" in files[0].read_text(encoding="utf-8") or any(
        "任务完成数" in f.read_text(encoding="utf-8") for f in files)  # Chinese kept as Chinese


def test_a_failed_chunk_is_flagged_and_the_rest_kept(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(long_rows(30))])

    def respond(req: dict[str, Any], n: int) -> Reply:
        if "第30项任务完成数" in req["messages"][-1]["content"]:
            return Reply(500, {"error": {"message": "CUDA out of memory"}})
        return answer(read_chunk(req))

    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv, chunk_tokens=250), tmp_path)
    (flag,) = [f for f in form.flags if f.code == "llm_chunk_failed"]
    assert flag.severity is Severity.ERROR  # nothing else read those rows (no rules indicators)
    assert flag.evidence["status"] == 500 and flag.evidence["chunk_id"].startswith("f0-表格1-c")
    assert "CUDA out of memory" in flag.message or "CUDA" in str(flag.evidence)
    assert stats["failures"] == 1
    got = {i.level3 for i in form.indicators}
    assert "第1项任务完成数" in got and "第30项任务完成数" not in got and len(got) >= 20


def test_truncated_chunk_is_split_and_retried(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(long_rows(6))])

    def respond(req: dict[str, Any], n: int) -> Reply:
        items = read_chunk(req)
        if len(items) > 4:  # 6 rows: the whole chunk truncates, its halves (2 and 4 rows) do not
            return Reply(body=completion('{"indicators": [{"row": "r2", "level3": "第1项', finish_reason="length",
                                         tokens_out=999))
        return answer(items)

    with FakeOpenAIServer(respond) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv), tmp_path)
        assert len(srv.requests) == 3 and stats["calls"] == 3 and stats["failures"] == 0
        assert [i.level3 for i in form.indicators] == [f"第{k}项任务完成数" for k in range(1, 7)]
        assert stats["tokens_out"] >= 999
        # the rerun (same endpoint) remembers the cut-off and goes straight to the cached halves: 0 calls
        again, s2 = extract_with_llm(region, None, "full", config(srv), tmp_path)
        assert len(srv.requests) == 3 and s2["calls"] == 0 and s2["cache_hits"] == 3
    assert again.model_dump() == form.model_dump()
    # another endpoint serving a model of the same name never reuses these answers (issue 15)
    with FakeOpenAIServer(respond) as other:
        _, s3 = extract_with_llm(region, None, "full", config(other), tmp_path)
    assert s3["cache_hits"] == 0 and len(other.requests) == 3


def test_chunks_run_concurrently(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(long_rows(30))])

    def respond(req: dict[str, Any], n: int) -> Reply:
        r = answer(read_chunk(req))
        r.delay = 0.6
        return r

    import jixiao.providers.openai_compat  # noqa: F401 - import cost outside the timing
    with FakeOpenAIServer(respond) as srv:
        t0 = time.monotonic()
        form, stats = extract_with_llm(region, None, "full", config(srv, chunk_tokens=250, concurrency=4), tmp_path)
        elapsed = time.monotonic() - t0
    n = stats["chunks_sent"]
    assert n >= 3 and len(form.indicators) == 30
    assert elapsed < 0.6 * n - 0.3  # serial would take ≥ 0.6 s per chunk


def test_failed_chunk_is_a_warning_where_the_rules_read_the_rows(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(SMALL)])
    rules = Form(indicators=[rules_indicator(*r, y=120.0 + 20 * i) for i, r in enumerate(SMALL[1:])])
    with FakeOpenAIServer([Reply(503, {"error": {"message": "loading model"}})]) as srv:
        form, stats = extract_with_llm(region, rules, "full", config(srv), tmp_path)
    (flag,) = [f for f in form.flags if f.code == "llm_chunk_failed"]
    assert flag.severity is Severity.WARNING and flag.evidence["error"] == "llm_server_error"
    assert len(srv.requests) == 2  # 1 + 1 transport retry
    assert [i.level3 for i in form.indicators] == [r[2] for r in SMALL[1:]]


def test_config_file_path_is_accepted(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(SMALL)])
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req))) as srv:
        f = tmp_path / "llm.toml"
        f.write_text(f'base_url = "{srv.base_url}"\nmodel = "fake"\nprofile = "vllm"\nconcurrency = 1\n', encoding="utf-8")
        form, stats = extract_with_llm(region, None, "full", f, tmp_path / "cache")
    assert stats["family"] == "vllm" and len(form.indicators) == 4


def test_core_modules_do_not_import_providers() -> None:
    import subprocess
    import sys

    code = ("import sys, jixiao.extract.llm.run, jixiao.providers.cli, jixiao.providers.serve, fakes.openai_server; "
            "print(sorted(m for m in ('openai', 'instructor', 'tenacity') if m in sys.modules))")
    tests_dir = Path(__file__).resolve().parents[3]  # so the child can import fakes.openai_server
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tests_dir)
    assert out.stdout.strip() == "[]"


def test_split_halves_keep_header_and_merged_levels() -> None:
    from jixiao.extract.llm.run import split_chunk
    from jixiao.extract.llm.chunking import chunk_region

    (chunk,) = chunk_region(FormRegion(blocks=[make_table(long_rows(6))]))
    first, second = split_chunk(chunk)
    assert first.row_ids == ["r2", "r3", "r4"] and second.row_ids == ["r5", "r6", "r7"]
    for half in (first, second):
        assert "表头 r1 | 一级指标 | 二级指标 | 三级指标" in half.text and [h.rid for h in half.header] == ["r1"]
    assert "续表" not in first.text  # r2 itself prints 产出指标
    assert "续表：上文最近的 一级指标=产出指标；二级指标=数量指标" in second.text
    assert split_chunk(split_chunk(first)[0]) is None  # one data row: cannot split further


def test_document_run_pools_chunks_of_all_forms(tmp_path: Path) -> None:
    import jixiao.providers.openai_compat  # noqa: F401 - import cost (seconds on a busy box) outside the timing
    from jixiao.extract.llm.run import extract_document_with_llm

    regions = [FormRegion(blocks=[make_table(SMALL)], index=0, title="项目A"),
               FormRegion(blocks=[make_table(long_rows(3))], index=1, title="项目B"),
               FormRegion(blocks=[make_table([["资金来源", "金额"], ["财政拨款", "3"]])], index=2)]

    def respond(req: dict[str, Any], n: int) -> Reply:
        r = answer(read_chunk(req), tokens_in=300 + 100 * ("项目B" in req["messages"][-1]["content"]), tokens_out=50)
        r.delay = 0.6
        return r

    with FakeOpenAIServer(respond) as srv:
        t0 = time.monotonic()
        forms, stats = extract_document_with_llm(regions, [None, None, None], "full", config(srv, concurrency=2),
                                                 tmp_path)
        elapsed = time.monotonic() - t0
    assert [len(f.indicators) for f in forms] == [4, 3, 0]
    assert forms[1].indicators[0].level3 == "第1项任务完成数"
    per = stats["per_form"]
    assert [p["form"] for p in per] == [0, 1, 2] and [p["tokens_in"] for p in per] == [300, 400, 0]
    assert per[2]["chunks"] == 0  # a funding-only region has nothing to ask
    assert stats["tokens_in"] == 700 and stats["calls"] == 2
    assert elapsed < 1.1  # both forms' chunks in flight at once (serial ≥ 1.2 s)


def test_prose_row_with_two_indicators_merges_by_level3(tmp_path: Path) -> None:
    from jixiao.model.source import Paragraph

    para = Paragraph("绩效指标：商务管理工作完成率85%以上，招商项目落地数不少于10个。", page=1, bbox=(50, 60, 500, 80))
    region = FormRegion(blocks=[para])
    rules_ind = Indicator(level3="商务管理工作完成率", target="85%以上")
    rules_ind.evidence["level3"] = Evidence(page=1, bbox=(50, 60, 500, 80), source_text=para.text)
    items = [{"row": "r1", "level3": "商务管理工作完成率", "target": "85%以上"},
             {"row": "r1", "level3": "招商项目落地数", "target": "≥10个"}]
    with FakeOpenAIServer([answer(items)]) as srv:
        form, stats = extract_with_llm(region, Form(indicators=[rules_ind]), "full", config(srv), tmp_path)
    assert [i.level3 for i in form.indicators] == ["商务管理工作完成率", "招商项目落地数"]
    assert stats["agreed"] == 2 and stats["added"] == 1  # level3 + target agree on the first
    assert form.indicators[1].target == "≥10个" and form.indicators[1].evidence["target"].status is AlignmentStatus.FUZZY


def test_unflagged_cell_value_is_kept_flagged_inferred_one_replaced(tmp_path: Path) -> None:
    region = FormRegion(blocks=[make_table(SMALL)])
    # r3: the rules filled level2 down wrongly (inferred) and flagged the row without naming a field
    wrong = rules_indicator("产出指标", "时效指标", "发放宣传册", "=500份", "=1000份", y=140.0,
                            flags=[("unmapped_cell", None)])
    wrong.evidence["level2"] = Evidence(status=AlignmentStatus.INFERRED)
    # r4: level2 read from a cell, not flagged, but the LLM reads it differently
    kept = rules_indicator("产出指标", "质量指标", "投诉处理及时率", "≥95%", "≥95%", y=160.0)
    kept.evidence["level2"] = Evidence(page=1, bbox=(130.0, 160.0, 220.0, 180.0), source_text="质量指标")
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req))) as srv:
        form, stats = extract_with_llm(region, Form(indicators=[wrong, kept]), "full", config(srv), tmp_path)
    by = {i.level3: i for i in form.indicators}
    assert by["发放宣传册"].level2 == "数量指标" and any(f.code == "llm_replaced" for f in by["发放宣传册"].flags)
    assert by["投诉处理及时率"].level2 == "质量指标"
    assert [f.field for f in by["投诉处理及时率"].flags if f.code == "llm_disagrees"] == ["level2"]


def test_an_answer_that_failed_validation_is_not_cached(tmp_path: Path) -> None:
    """Issue 15 item 7: an endpoint whose answer fails schema validation leaves nothing in the
    cache, so the next run (the endpoint fixed) asks again instead of reusing a bad answer."""
    region = FormRegion(blocks=[make_table(SMALL)])
    bad = Reply(body=completion('{"indicators": "我不知道"}'))
    with FakeOpenAIServer(lambda req, n: bad) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv), tmp_path)
    assert stats["failures"] >= 1 and any(f.code == "llm_chunk_failed" for f in form.flags)
    assert not list((tmp_path / "llm").rglob("*.json")) if (tmp_path / "llm").exists() else True
    with FakeOpenAIServer(lambda req, n: answer(read_chunk(req))) as srv:
        form, stats = extract_with_llm(region, None, "full", config(srv), tmp_path)
        assert len(srv.requests) >= 1 and stats["cache_hits"] == 0
    assert {i.level3 for i in form.indicators} >= {"检查企业数量", "企业满意度"}
    assert list((tmp_path / "llm").rglob("*.json"))  # the valid answer is cached
