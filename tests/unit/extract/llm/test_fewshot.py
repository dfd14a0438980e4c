"""Few-shot examples come from golden labels of other documents, never the one being read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jixiao.ingest import file_sha256
from jixiao.extract.llm.fewshot import golden_examples

GOLDEN = Path(__file__).resolve().parents[4] / "golden"


def _level3s(folder: Path) -> set[str]:
    label = json.loads((folder / "label.json").read_text(encoding="utf-8"))
    return {i["level3"] for f in label["forms"] for i in f["indicators"]}


def test_examples_exclude_the_input_by_content_hash(tmp_path):
    for doc in ("s000_suzhou_dept", "s002_suzhou_projects"):
        shutil.copytree(GOLDEN / doc, tmp_path / doc, ignore=shutil.ignore_patterns("*.pdf", "*.docx", "*.xlsx"))
    incoming = tmp_path / "incoming.txt"  # a copy of s000's text, outside the golden folder
    incoming.write_bytes((GOLDEN / "s000_suzhou_dept" / "source.txt").read_bytes())
    only_s000 = _level3s(tmp_path / "s000_suzhou_dept") - _level3s(tmp_path / "s002_suzhou_projects")

    unknown = golden_examples(incoming, None, golden_dir=tmp_path)  # no hash: s000 is not recognised
    assert any(name in unknown for name in only_s000)

    text = golden_examples(incoming, file_sha256(incoming), golden_dir=tmp_path)
    assert "参考示例1" in text and "参考示例2" not in text  # only s002 is left
    assert not any(name in text for name in only_s000)
    assert any(name in text for name in _level3s(tmp_path / "s002_suzhou_projects"))


def test_input_inside_a_golden_folder_is_excluded_by_folder(tmp_path):
    shutil.copytree(GOLDEN / "s001_gaoxin_projects", tmp_path / "s001_gaoxin_projects",
                    ignore=shutil.ignore_patterns("*.pdf"))
    assert golden_examples(tmp_path / "s001_gaoxin_projects" / "digital.pdf", None, golden_dir=tmp_path) == ""


def test_examples_are_valid_answers_with_row_ids():
    text = golden_examples(None, None, golden_dir=GOLDEN, n_examples=1)
    answer = json.loads(text.split("输出：", 1)[1].strip())
    rows = {item["row"] for item in answer["indicators"]}
    assert rows and all(f"{r} | " in text for r in rows)
