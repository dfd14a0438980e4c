"""`jixiao suggest --llm on` against the fake OpenAI-compatible server: rephrasings keep every
citation, additions are marked novel and linted, the answer is cached under the prompt's version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai")
pytest.importorskip("instructor")

from fakes.openai_server import FakeOpenAIServer, Reply, completion  # noqa: E402
from jixiao.advise.suggest import Request, suggest  # noqa: E402
from jixiao.advise.suggest_llm import draft_table, enrich_with_llm  # noqa: E402
from jixiao.providers.config import LlmConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
NAME, GOAL = "城乡居民基本医疗保险补助", "提高参保率，保障群众就医"


def config(srv: FakeOpenAIServer) -> LlmConfig:
    return LlmConfig(base_url=srv.base_url, model="fake", profile="llamacpp", backoff_base=0.0, transport_retries=1,
                     validation_retries=0, concurrency=1)


def cites(ind) -> list[dict[str, Any]]:
    return [f.evidence for f in ind.flags if f.code == "citation"]


def test_llm_rephrases_and_adds_without_dropping_citations(tmp_path: Path) -> None:
    base = suggest(Request(name=NAME, goal=GOAL))
    cited = [k for k, i in enumerate(base.forms[0].indicators) if cites(i)]
    assert cited, "the starter library gives this project precedents"
    k = cited[0]
    before = [cites(i) for i in base.forms[0].indicators]
    reply = {"rephrased": [{"index": k + 1, "level3": "参保人数覆盖率"}, {"index": 999, "level3": "不存在的行"}],
             "added": [{"level1": "产出指标", "level2": "数量指标", "level3": "新增参保人数", "target": "≥5000人"},
                       {"level1": "产出指标", "level2": "质量指标", "level3": "医保报销合规率", "target": "≥**"}]}
    doc = base.model_copy(deep=True)
    with FakeOpenAIServer([Reply(body=completion(json.dumps(reply, ensure_ascii=False)))]) as srv:
        stats = enrich_with_llm(doc, goal=GOAL, budget=120.0, config=config(srv), cache_dir=tmp_path)
        user = srv.requests[0]["json"]["messages"][-1]["content"]
        assert NAME in user and draft_table(base).splitlines()[0] in user
        again = base.model_copy(deep=True)  # the same draft again: served from the cache
        stats2 = enrich_with_llm(again, goal=GOAL, budget=120.0, config=config(srv), cache_dir=tmp_path)
        assert len(srv.requests) == 1 and stats2["cache_hit"]
    inds = doc.forms[0].indicators
    assert stats["rephrased"] == 1 and stats["added"] == 2
    assert inds[k].level3 == "参保人数覆盖率"
    assert [f.evidence["before"] for f in inds[k].flags if f.code == "suggest_llm_rephrased"] == [
        base.forms[0].indicators[k].level3]
    assert [cites(i) for i in inds[: len(before)]] == before  # not one citation dropped
    new = inds[len(before):]
    assert [i.level3 for i in new] == ["新增参保人数", "医保报销合规率"]
    assert all(any(f.code == "novel" for f in i.flags) and not cites(i) for i in new)
    assert any(f.code == "suggest_lint" and f.evidence["finding"] == "placeholder" for f in new[1].flags)
    assert not any(f.code == "suggest_lint" and f.evidence["finding_severity"] == "error" for f in new[0].flags)
    assert stats["prompt_version"] == "1"


def test_llm_not_configured_or_failing_keeps_the_draft(tmp_path: Path) -> None:
    base = suggest(Request(name=NAME, goal=GOAL))
    doc = base.model_copy(deep=True)
    stats = enrich_with_llm(doc, goal=GOAL, budget=None, config=LlmConfig(), cache_dir=tmp_path)
    assert not stats["enabled"] and any(f.code == "llm_off" for f in doc.flags)
    assert [i.level3 for i in doc.forms[0].indicators] == [i.level3 for i in base.forms[0].indicators]
    doc = base.model_copy(deep=True)
    with FakeOpenAIServer([Reply(status=500, body={"error": "boom"})]) as srv:
        stats = enrich_with_llm(doc, goal=GOAL, budget=None, config=config(srv), cache_dir=tmp_path)
    assert not stats["enabled"] and any(f.code == "llm_off" for f in doc.flags)
    assert len(doc.forms[0].indicators) == len(base.forms[0].indicators)


def test_cli_suggest_llm_on_through_a_config_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app

    reply = {"rephrased": [], "added": [{"level1": "效益指标", "level2": "社会效益指标", "level3": "群众就医负担减轻",
                                           "target": "有效减轻"}]}
    with FakeOpenAIServer([Reply(body=completion(json.dumps(reply, ensure_ascii=False)))]) as srv:
        cfg = tmp_path / "llm.toml"
        cfg.write_text(f'base_url = "{srv.base_url}"\nmodel = "fake"\nprofile = "llamacpp"\ntransport_retries = 1\n'
                       'validation_retries = 0\n', encoding="utf-8")
        out = tmp_path / "d.json"
        r = CliRunner().invoke(app, ["suggest", "--name", NAME, "--goal", GOAL, "--llm", "on", "--llm-config", str(cfg),
                                     "--cache-dir", str(tmp_path / "cache"), "-o", str(out)])
        assert r.exit_code == 0, r.output
    inds = json.loads(out.read_text(encoding="utf-8"))["forms"][0]["indicators"]
    [added] = [i for i in inds if i["level3"] == "群众就医负担减轻"]
    assert {f["code"] for f in added["flags"]} >= {"novel"}
    assert sum(1 for i in inds for f in i["flags"] if f["code"] == "citation") > 0
