"""``--llm fallback`` on a document where segmentation finds no form (issue 11 §6, issue 16 item 1).

The input is a Word file (python-docx) whose indicators are written as paragraphs: no
绩效目标表 title, no header row, no table — the rules path finds no form. Its text speaks
of indicators, so the whole document is chunked and sent; the fake endpoint answers like
a competent model would, from the chunk it was sent, and the answers are grounded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("instructor")
docx = pytest.importorskip("docx")

from fakes.openai_server import FakeOpenAIServer, Reply, completion  # noqa: E402
from jixiao.pipeline import ExtractOptions, extract_file  # noqa: E402
from jixiao.model.output import AlignmentStatus  # noqa: E402

PARAGRAPHS = [
    "关于2024年度职业技能培训补助资金的说明",
    "为做好职业技能培训工作，现将有关情况说明如下。",
    "一、产出指标。数量指标：培训覆盖人次≥500人次；质量指标：培训合格率≥95%。",
    "二、效益指标。社会效益指标：参训人员就业率≥60%。",
    "三、满意度指标。参训人员满意度≥90%。",
]
TWO_PROJECTS = [
    "2024年度项目支出情况说明",
    "项目名称：职业技能培训补助",
    "一、产出指标。数量指标：培训覆盖人次≥500人次。",
    "二、满意度指标。参训人员满意度≥90%。",
    "项目名称：农村饮水安全巡检",
    "一、产出指标。数量指标：巡检水厂数≥12座。",
    "二、满意度指标。受益群众满意度≥85%。",
]
MORE_FACTS = [("产出指标", "数量指标", "巡检水厂数", "≥12座"), ("满意度指标", None, "受益群众满意度", "≥85%")]
ROW = re.compile(r"^(r\d+) \| (.*)$")
FACTS = [  # (level1, level2, level3, target) as a careful reader of the paragraphs would answer
    ("产出指标", "数量指标", "培训覆盖人次", "≥500人次"),
    ("产出指标", "质量指标", "培训合格率", "≥95%"),
    ("效益指标", "社会效益指标", "参训人员就业率", "≥60%"),
    ("满意度指标", None, "参训人员满意度", "≥90%"),
]


def _reader(request: dict[str, Any], n: int) -> Reply:
    """Answer from the rows actually sent: an indicator is reported only where its name is printed."""
    items = []
    for line in request["messages"][-1]["content"].splitlines():
        m = ROW.match(line)
        if not m:
            continue
        for l1, l2, l3, target in FACTS + MORE_FACTS:
            if l3 in m.group(2):
                items.append({"row": m.group(1), "level1": l1, "level2": l2, "level3": l3, "target": target,
                              "scope": "annual"})
    return Reply(body=completion(json.dumps({"indicators": items}, ensure_ascii=False)))


def _docx(path: Path, paragraphs: list[str]) -> Path:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(str(path))
    return path


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch):
    with FakeOpenAIServer(_reader) as srv:
        monkeypatch.setenv("JIXIAO_LLM_BASE_URL", srv.base_url)
        monkeypatch.setenv("JIXIAO_LLM_MODEL", "fake")
        monkeypatch.setenv("JIXIAO_LLM_PROFILE", "llamacpp")
        monkeypatch.delenv("JIXIAO_LLM_CONFIG", raising=False)
        yield srv


def test_no_form_found_sends_the_whole_document_in_chunks(tmp_path: Path, endpoint: FakeOpenAIServer) -> None:
    src = _docx(tmp_path / "prose.docx", PARAGRAPHS)
    off = extract_file(src)
    assert not off.forms and any(f.code == "no_form_found" for f in off.flags)

    doc = extract_file(src, ExtractOptions(llm="fallback", cache_dir=tmp_path / "cache"))
    assert len(endpoint.requests) >= 1
    sent = "\n".join(r["json"]["messages"][-1]["content"] for r in endpoint.requests)
    assert "培训覆盖人次≥500人次" in sent and "参训人员满意度≥90%" in sent  # the document's text went out
    assert doc.stats["llm"]["document_fallback"] is True and doc.stats["llm"]["chunks_sent"] >= 1
    (form,) = doc.forms
    got = [(i.level3, i.target) for i in form.indicators]
    assert got == [(f[2], f[3]) for f in FACTS]
    for ind in form.indicators:  # grounded to the paragraph it came from
        ev = ind.evidence["level3"]
        assert ev.extractor == "llm" and ev.status is AlignmentStatus.EXACT and ind.row_id


def test_a_document_without_indicator_vocabulary_sends_nothing(tmp_path: Path, endpoint: FakeOpenAIServer) -> None:
    src = _docx(tmp_path / "notice.docx", ["关于召开年度工作会议的通知", "请各单位于周五前报送参会人员名单。"])
    doc = extract_file(src, ExtractOptions(llm="fallback", cache_dir=tmp_path / "cache"))
    assert endpoint.requests == [] and doc.forms == []
    assert any(f.code == "no_form_found" for f in doc.flags)


def test_two_projects_in_a_document_sent_whole_become_two_forms(tmp_path: Path, endpoint: FakeOpenAIServer) -> None:
    # issue 16 item 5: the region is split where the second project's header is printed
    # after the first project's indicators; each form names its project, from the text
    src = _docx(tmp_path / "two.docx", TWO_PROJECTS)
    assert not extract_file(src).forms
    doc = extract_file(src, ExtractOptions(llm="fallback", cache_dir=tmp_path / "cache"))
    assert [f.project_name for f in doc.forms] == ["职业技能培训补助", "农村饮水安全巡检"]
    assert [[i.level3 for i in f.indicators] for f in doc.forms] == [["培训覆盖人次", "参训人员满意度"],
                                                                    ["巡检水厂数", "受益群众满意度"]]
    ev = doc.forms[1].evidence["project_name"]
    assert ev.source_text == "项目名称：农村饮水安全巡检" and ev.status is AlignmentStatus.EXACT
