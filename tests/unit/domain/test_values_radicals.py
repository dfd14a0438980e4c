"""CJK radical code points folded to the ideographs they stand for (values.fold_radicals).

The table is data (src/jixiao/domain/cjk_radicals_supplement.tsv, from the Unicode
Equivalent_Unified_Ideograph property); every entry is checked against Python's own
Unicode database, and a PDF drawn by reportlab whose text layer holds the radicals
(tests/fixtures/radicals/make_radical_pdf.py) is read end to end.
"""

from __future__ import annotations

import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from jixiao.domain import vocab
from jixiao.domain.repair import repair_text
from jixiao.domain.values import clean_cell, fold, fold_radicals, radical_table

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "radicals"


def _entries() -> list[tuple[str, str, str]]:
    text = resources.files("jixiao").joinpath("domain/cjk_radicals_supplement.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.startswith("U+"):
            cp, target, radical, ideograph, name = line.split("\t")
            assert radical == chr(int(cp[2:], 16)) and ideograph == chr(int(target[2:], 16)), line
            out.append((radical, ideograph, name))
    return out


ENTRIES = _entries()


@pytest.mark.parametrize("radical,ideograph,name", ENTRIES, ids=[f"U+{ord(r):04X}" for r, _, _ in ENTRIES])
def test_every_supplement_entry(radical: str, ideograph: str, name: str) -> None:
    assert 0x2E80 <= ord(radical) <= 0x2EFF
    assert unicodedata.name(radical) == name and name.startswith("CJK RADICAL ")
    assert unicodedata.name(ideograph).startswith("CJK UNIFIED IDEOGRAPH-")
    # NFKC leaves the block alone (why the table exists), but for ⺟ and ⻳, where it agrees
    assert unicodedata.normalize("NFKC", radical) in (radical, ideograph)
    assert fold_radicals(f"a{radical}b") == f"a{ideograph}b"
    if "C-SIMPLIFIED" in name:  # Chinese simplified radicals stand for simplified characters
        ideograph.encode("gb2312")


def test_supplement_table_is_complete() -> None:
    nfkc = [r for r, _, _ in ENTRIES if unicodedata.normalize("NFKC", r) != r]
    assert [f"U+{ord(r):04X}" for r in nfkc] == ["U+2E9F", "U+2EF3"]
    assigned = {cp for cp in range(0x2E80, 0x2F00) if unicodedata.category(chr(cp)) != "Cn"}
    mapped = {ord(r) for r, _, _ in ENTRIES}
    assert assigned - mapped == {0x2E80}  # CJK RADICAL REPEAT has no equivalent ideograph
    assert mapped <= assigned


def test_kangxi_radicals_fold_like_nfkc() -> None:
    kangxi = [chr(cp) for cp in range(0x2F00, 0x2FE0) if unicodedata.category(chr(cp)) != "Cn"]
    assert len(kangxi) == 214
    for c in kangxi:
        assert fold_radicals(c) == unicodedata.normalize("NFKC", c) != c
    assert len(radical_table()) == 214 + len(ENTRIES)


@pytest.mark.parametrize("raw,want", [
    ("项⽬", "项目"), ("⻓期", "长期"), ("主管部⻔", "主管部门"), ("⻝品安全", "食品安全"), ("⻋辆", "车辆"),
    ("⻅效", "见效"), ("⻢路", "马路"),
])
def test_folding_in_clean_cell_and_fold(raw: str, want: str) -> None:
    assert clean_cell(raw) == want
    assert fold(raw) == want


def test_labels_with_radicals_are_recognised() -> None:
    assert vocab.header_field("主管部⻔") == "competent_dept"
    assert vocab.header_field("项⽬名称") == "project_name"


def test_repair_records_the_fold() -> None:
    text, repairs = repair_text("维护堤防⻓度", role="level3")
    assert text == "维护堤防长度"
    assert any(r.rule == "compat_char" for r in repairs)


def test_text_without_radicals_is_unchanged() -> None:
    s = "项目名称 ≥95% ⺀"  # U+2E80 has no equivalent: kept
    assert fold_radicals(s) == s


def test_reportlab_pdf_with_radicals_in_its_text_layer() -> None:
    import pymupdf

    from jixiao.pipeline import extract_file

    pdf = FIX / "radicals_form.pdf"
    with pymupdf.open(pdf) as d:
        layer = d[0].get_text()
    assert "⻔" in layer and "⻓" in layer and "⽬" in layer  # the producer really wrote radicals
    doc = extract_file(pdf)
    form = doc.forms[0]
    assert form.title == "2024年度项目支出绩效目标表"
    assert form.project_name == "长江堤防维护"
    assert form.competent_dept == "市水利局"
    names = [i.level3 for i in form.indicators]
    assert names == ["维护堤防长度", "工程验收合格率", "项目完成时间", "沿线居民饮用水安全", "食品与车辆通行保障",
                     "沿线群众满意度"]
    assert [i.target for i in form.indicators][:3] == ["≥35公里", "=100%", "2024年12月底前"]
    assert form.indicators[4].target == "长期"
    values = [form.title, form.project_name, form.competent_dept, form.unit_name] + [
        getattr(i, f) for i in form.indicators for f in ("level1", "level2", "level3", "target")]
    assert not any(0x2E80 <= ord(c) <= 0x2FDF for v in values for c in v or "")
    # provenance keeps what the page says
    assert form.evidence["project_name"].source_text == "⻓江堤防维护"
