"""Text exports: TSV rows, one cell per line, pipe rows, and prose around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.model.source import IngestError, Paragraph, Table
from jixiao.ingest import ingest_file
from jixiao.ingest.text import parse_text

SEEDS = Path(__file__).resolve().parents[3] / "golden"


def test_tsv_rows_keep_empty_cells_and_positions():
    blocks = parse_text("标题表\n\n一级指标\t二级指标\t三级指标\n产出指标\t数量指标\t人数\t≥20人\n\t\t次数\t≥2次\n")
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "标题表"
    t = blocks[1]
    assert isinstance(t, Table) and not t.exact_grid and t.source == "text-tsv"
    assert [c.text for c in t.rows[2]] == ["", "", "次数", "≥2次"]
    assert t.rows[2][2].col == 2 and t.rows[2][2].line == 5


def test_one_cell_per_line_with_continuations():
    text = "项目绩效目标表\n\t项目\n\n编码\n\t————\n\t项目名称\n\t招商引资\n\n\t一级\n\n指标\n\t二级指标\n\n\t产出\n\t数量指标\n\n\n后记"
    blocks = parse_text(text)
    t = next(b for b in blocks if isinstance(b, Table))
    assert [c.text for c in t.rows[0]] == ["项目\n编码", "————", "项目名称", "招商引资"]
    assert [c.text for c in t.rows[1]] == ["一级\n指标", "二级指标"]
    assert [c.text for c in t.rows[2]] == ["产出", "数量指标"]
    assert isinstance(blocks[-1], Paragraph) and blocks[-1].text == "后记"  # two blank lines end the table


def test_the_next_forms_title_after_one_blank_line_is_no_cell_text():
    text = ("甲项目绩效目标表\n\t项目名称\n\t招商引资\n\n\t满意度\n\t≥90%\n\n"
            "乙市市级项目预算绩效目标表\n\n2024年度\n\n\t项目名称\n\t项目扶持资金\n")
    blocks = parse_text(text)
    first = next(b for b in blocks if isinstance(b, Table))
    assert [c.text for c in first.rows[-1]] == ["满意度", "≥90%"]
    titles = [b.text for b in blocks if isinstance(b, Paragraph)]
    assert "乙市市级项目预算绩效目标表" in titles and "2024年度" in titles


def test_empty_cell_lines_are_cells_not_blank_lines():
    t = parse_text("\t\n\t\n\t三级指标\n\n\t\n\t\n\t人数\n")[0]
    assert [c.text for c in t.rows[0]] == ["", "", "三级指标"]
    assert [c.text for c in t.rows[1]] == ["", "", "人数"]


def test_pipe_rows():
    t = parse_text("| 一级指标 | 二级指标 | 三级指标 |\n|---|---|---|\n| 产出指标 | 数量指标 | 人数 |\n")[0]
    assert isinstance(t, Table) and t.source == "text-pipe"
    assert [c.text for c in t.rows[1]] == ["产出指标", "数量指标", "人数"]


def test_every_seed_text_is_an_accepted_input():
    for src in sorted(SEEDS.glob("s00*/source.txt")):
        doc = ingest_file(src)
        assert any(isinstance(b, Table) for b in doc.blocks), src


def test_gb18030_text_is_decoded(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes("一级指标\t二级指标\t三级指标\n".encode("gb18030"))
    doc = ingest_file(p)
    assert doc.blocks[0].rows[0][0].text == "一级指标"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"   \n\n", "empty file"), (b"%PDF-1.7 garbage", None), (b"\x00\x01\x02binary", "binary")],
)
def test_bad_inputs_name_the_reason(tmp_path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(IngestError) as exc:
        ingest_file(p)
    assert str(p) in str(exc.value)
    if reason:
        assert reason in exc.value.reason


def test_tsv_cells_printed_one_character_per_line_are_joined_back():
    # a merged label cell written vertically: its characters on lines of their own, the last one
    # sharing a line with the next cell; a run after a one-character cell continues that cell's row
    text = "一级指标\t二级指标\t三级指标\t指标值\n效\n益\n指\n标\t社\n会\n效\n益\t就业人数\t≥30人\n带动农户\t≥5户\n"
    t = parse_text(text)[0]
    assert isinstance(t, Table)
    assert [[c.text for c in r] for r in t.rows] == [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["效益指标", "社会效益", "就业人数", "≥30人"],
        ["带动农户", "≥5户"],
    ]


def test_a_form_title_after_one_blank_line_is_not_the_last_cells_wrapped_text():
    # cells copied one per line (tab-led), blank-separated: the next form's title follows the
    # last cell after a single blank line and must start a new paragraph, not continue the cell
    text = "\t三级指标\n\t指标值\n\n\t群众满意度\n\t≥90%\n\n某市项目绩效目标表\n\n2025年度\n\n\t项目名称\n\t道路养护\n"
    blocks = parse_text(text)
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["某市项目绩效目标表", "2025年度"]
    first = blocks[0]
    assert isinstance(first, Table) and [c.text for c in first.rows[-1]] == ["群众满意度", "≥90%"]
