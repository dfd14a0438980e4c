"""Golden text-* families: files exist, keep the label's values, and regenerate byte for byte."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from jixiao.evaluate.cli import VARIANT_FILES, load_golden
from jixiao.evaluate.render.form_layout import Cell, Grid
from jixiao.evaluate.render.linearize import (
    FAMILIES,
    Line,
    Table,
    family_file,
    missing_values,
    render_text,
    slot_rows,
    style_concat,
    style_pipe,
    style_tsv,
    style_vertical,
)
from jixiao.model.output import Document, load_document

GOLDEN = Path(__file__).resolve().parents[3] / "golden"
FOLDERS = sorted(p.parent for p in GOLDEN.glob("*/layout.json"))
LINEARIZED = [f for f in FAMILIES if f not in ("text-viewer", "text-chromium")]


def _producers(folder: Path) -> dict:
    return json.loads((folder / "producers.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_family_is_listed_committed_and_recorded(folder: Path) -> None:
    raw = json.loads((folder / "label.json").read_text(encoding="utf-8"))
    prods = _producers(folder)
    for fam in FAMILIES:
        assert fam in raw["variants"], f"{folder.name}: label variants lack {fam}"
        assert VARIANT_FILES[fam] == family_file(fam)
        text = (folder / family_file(fam)).read_text(encoding="utf-8")
        assert text.strip(), f"{folder.name}/{fam}: empty"
        entry = prods[fam]
        assert set(entry) >= {"producer", "version", "command", "knobs"}
        want = {"text-viewer": "pdftotext", "text-chromium": "chromium-innerText"}.get(fam, "linearize")
        assert entry["producer"] == want


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_texts_keep_the_label_values(folder: Path) -> None:
    """Drawn families keep every level3 / half_year / target; a real producer's splits are
    exactly the ones recorded in producers.json (its output order is the test, not a bug)."""
    label = load_document(folder / "label.json")
    prods = _producers(folder)
    for fam in FAMILIES:
        missing = missing_values(label, (folder / family_file(fam)).read_text(encoding="utf-8"))
        if prods[fam]["producer"] == "linearize":
            assert missing == [], f"{folder.name}/{fam} loses label values: {missing[:3]}"
        else:
            assert missing == prods[fam].get("split_values", []), f"{folder.name}/{fam}"
            assert len(missing) <= 3


def test_missing_values_catches_a_dropped_value() -> None:
    folder = GOLDEN / "syn_01_sichuan_opcol"
    label = load_document(folder / "label.json")
    text = (folder / "text-pipe.txt").read_text(encoding="utf-8")
    assert missing_values(label, text) == []
    assert missing_values(label, text.replace("120处", "12O处")) == ["form 1 annual target: '≥120处'"]


def _copy(folder: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in ("label.json", "layout.json", "digital.pdf"):
        shutil.copy2(folder / name, dst / name)
    return dst


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_regenerated_files_are_byte_identical(folder: Path, tmp_path: Path) -> None:
    """Same label + layout + seed → same bytes (and the committed files are not stale)."""
    fams = tuple(LINEARIZED + (["text-viewer"] if shutil.which("pdftotext") else []))
    work = _copy(folder, tmp_path / folder.name)
    render_text(work, fams)
    first = {f: (work / family_file(f)).read_bytes() for f in fams}
    render_text(work, fams)
    for f in fams:
        again = (work / family_file(f)).read_bytes()
        assert again == first[f], f"{folder.name}/{f}: not deterministic"
        assert again == (folder / family_file(f)).read_bytes(), f"{folder.name}/{f} is stale: jixiao golden render --text"
    knobs = json.loads((work / "producers.json").read_text(encoding="utf-8"))
    assert {f: knobs[f] for f in fams} == {f: _producers(folder)[f] for f in fams}


def test_seeds_differ_between_documents() -> None:
    knobs = [json.dumps({f: _producers(p)[f]["knobs"] for f in LINEARIZED}, sort_keys=True) for p in FOLDERS]
    assert len(set(knobs)) == len(knobs)


@pytest.mark.slow
def test_chromium_inner_text_regenerates(tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no system chromium")
    folder = GOLDEN / "syn_01_sichuan_opcol"
    work = _copy(folder, tmp_path / folder.name)
    render_text(work, ("text-chromium",))
    assert (work / "text-chromium.txt").read_bytes() == (folder / "text-chromium.txt").read_bytes()


def test_eval_knows_the_families() -> None:
    docs = load_golden(GOLDEN, ["syn_01_sichuan_opcol"])
    assert set(FAMILIES) <= set(docs[0].variants)


# ---------------------------------------------------------------------------------------
# Styles on a hand-drawn grid: 绩效指标 spans two rows, 项目名称's value spans three columns


def _items() -> list[list[Line | Table]]:
    grid = Grid([
        [Cell("项目名称"), Cell("培训项目", colspan=3)],
        [Cell("绩效指标", rowspan=2), Cell("数量指标"), Cell("培训覆盖人次"), Cell("≥500人次")],
        [Cell("质量指标"), Cell("合格率"), Cell("≥95%")],
    ])
    return [[Line("绩效目标表", heading=True), Table(grid)]]


def test_slot_rows_mark_merged_slots() -> None:
    rows = slot_rows(_items()[0][1].grid)  # type: ignore[union-attr]
    assert [(s.own, s.row_cont, s.col_cont) for s in rows[0]] == [(True, False, False), (True, False, False),
                                                                  (False, False, True), (False, False, True)]
    assert rows[2][0].row_cont and rows[2][0].cell.text == "绩效指标"


class _Fixed(random.Random):
    """A Random whose choice() returns a given value per call order (style knobs fixed)."""

    def __init__(self, picks: list[object]) -> None:
        super().__init__(0)
        self.picks = list(picks)

    def choice(self, seq):  # type: ignore[override]
        return self.picks.pop(0) if self.picks else seq[0]


def test_pipe_writes_empty_runs_for_merged_slots() -> None:
    text, _ = style_pipe(_items(), _Fixed(["|", False, "empty", "empty"]))
    assert "项目名称|培训项目||\n" in text  # two slots covered by the colspan
    assert "|质量指标|合格率|≥95%" in text


def test_tsv_omits_covered_slots_like_inner_text() -> None:
    text, _ = style_tsv(_items(), _Fixed(["omit", "keep"]))
    assert text == "绩效目标表\n项目名称\t培训项目\n绩效指标\t数量指标\t培训覆盖人次\t≥500人次\n质量指标\t合格率\t≥95%\n"


def test_concat_glues_cells() -> None:
    text, _ = style_concat(_items(), _Fixed(["omit"]))
    assert "绩效指标数量指标培训覆盖人次≥500人次" in text.splitlines()


def test_vertical_splits_merged_labels_only() -> None:
    text, _ = style_vertical(_items(), _Fixed(["lines", "split", False]))
    assert "绩\n效\n指\n标\n数量指标" in text
    assert "项目名称\n培训项目" in text  # single-row cells stay whole


def test_extraction_code_never_reads_the_generators_vocabulary() -> None:
    """The chrome list is test data: an extractor that used it would grade itself."""
    src = Path(__file__).resolve().parents[3] / "src" / "jixiao"
    users = [p for p in src.rglob("*.py") if "webchrome" in p.read_text(encoding="utf-8") or "linearize" in
             p.read_text(encoding="utf-8")]
    assert {p.relative_to(src).as_posix() for p in users} <= {"evaluate/render/linearize.py", "evaluate/render/cli.py"}
