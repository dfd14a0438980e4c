"""Chunking a form region for the LLM: budget, repeated header, row ids, overlap."""

from __future__ import annotations

from jixiao.model.source import Paragraph
from jixiao.extract.llm.chunking import chunk_region, estimate_tokens, source_rows
from fakes.openai_server import make_table
from jixiao.segment import FormRegion

HEADER = ["一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值"]


def long_table(n: int = 40) -> list[list[str]]:
    rows = [HEADER]
    for i in range(n):
        l1 = "产出指标" if i == 0 else ("效益指标" if i == n // 2 else "")
        l2 = "数量指标" if i == 0 else ("社会效益指标" if i == n // 2 else "")
        rows.append([l1, l2, f"第{i + 1}项检查任务完成数量", f"≥{i}个", f"≥{2 * i}个"])
    return rows


def test_estimate_tokens_cjk_vs_ascii() -> None:
    assert estimate_tokens("一级指标") == 3  # 4 CJK chars / 1.5
    assert estimate_tokens("1234567") == 5  # 7 / 1.6: digits are one token each
    assert estimate_tokens("") == 0


def test_row_ids_are_stable_and_cover_every_row() -> None:
    budget = make_table([["项目名称", "某项目"], ["资金总额", "10"]])
    ind = make_table(long_table(5), page=2)
    region = FormRegion(blocks=[Paragraph("年度目标：完成任务", page=1), budget, ind], index=3)
    rows = source_rows(region)
    assert [r.rid for r in rows] == [f"r{i}" for i in range(1, 10)]
    assert rows[0].is_table is False and rows[3].header  # r4 = the indicator header
    assert source_rows(region)[5].texts == rows[5].texts  # pure function of the region


def test_long_table_split_within_budget_with_header_and_overlap() -> None:
    region = FormRegion(blocks=[make_table(long_table(40))], index=1)
    chunks = chunk_region(region, max_tokens=200, overlap=1)
    assert len(chunks) >= 3
    for c in chunks:
        assert c.tokens <= 200 + 40  # a chunk may exceed only by its last row's estimate slack
        assert c.id.startswith("f1-表格1-c")
    # the header (r1) opens the first chunk as a row and is repeated as 表头 in the others
    assert chunks[0].rows[0].rid == "r1" and chunks[0].header == []
    for c in chunks[1:]:
        assert [h.rid for h in c.header] == ["r1"]
        assert c.text.splitlines()[1].startswith("表头 r1 | 一级指标")
    # overlap: each chunk starts with the previous chunk's last row
    for a, b in zip(chunks, chunks[1:]):
        assert b.rows[0].rid == a.rows[-1].rid
    # all rows covered
    covered = {rid for c in chunks for rid in c.row_ids}
    assert covered == {f"r{i}" for i in range(1, 42)}


def test_continuation_hint_names_the_merged_levels_above() -> None:
    region = FormRegion(blocks=[make_table(long_table(40))])
    chunks = chunk_region(region, max_tokens=200, overlap=0)
    second = chunks[1]
    assert "续表：上文最近的 一级指标=产出指标；二级指标=数量指标" in second.text
    # 效益指标 opens at r22 (data row 21): chunks starting after it carry it, earlier ones do not
    late = [c for c in chunks if int(c.rows[0].rid[1:]) > 22]
    early = [c for c in chunks[1:] if int(c.rows[0].rid[1:]) <= 22]
    assert late and all("一级指标=效益指标；二级指标=社会效益指标" in c.text for c in late)
    assert early and all("一级指标=产出指标" in c.text for c in early)
    assert all(r.rid not in second.row_ids for r in second.before)


def test_short_table_is_one_chunk_and_funding_tables_are_skipped() -> None:
    funding = make_table([["资金来源", "全年预算数"], ["财政拨款", "410.99"], ["其他资金", "0"]])
    ind = make_table(long_table(3), page=2)
    chunks = chunk_region(FormRegion(blocks=[funding, ind]), max_tokens=1200)
    assert len(chunks) == 1
    assert chunks[0].row_ids == ["r4", "r5", "r6", "r7"]
    assert "第2页" in chunks[0].text and "410.99" not in chunks[0].text


def test_prose_form_without_indicator_table_is_chunked_as_text() -> None:
    paras = [Paragraph("绩效目标：做好外贸进出口服务。", page=1),
             Paragraph("绩效指标：按照管委会相关要求，商务管理工作完成率85%以上。", page=1)]
    chunks = chunk_region(FormRegion(blocks=paras), max_tokens=1200)
    assert len(chunks) == 1 and chunks[0].row_ids == ["r1", "r2"]
    assert "r2 | 绩效指标：按照管委会相关要求，商务管理工作完成率85%以上。" in chunks[0].text


def test_empty_rows_keep_their_id_but_are_not_sent() -> None:
    t = make_table([HEADER, ["", "", "", "", ""], ["产出指标", "数量指标", "培训人次", "≥10", "≥20"]])
    (chunk,) = chunk_region(FormRegion(blocks=[t]))
    assert chunk.row_ids == ["r1", "r3"] and "r2 |" not in chunk.text
