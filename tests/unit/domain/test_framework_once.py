"""The frameworks exist once (issue 10): domain/framework.py defines every level name, and
nothing else in the package lists them.

The scan is generic: any literal collection in a module, or any line of a data file, that
names three or more framework level names is a framework written again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from jixiao.domain import framework

SRC = Path(framework.__file__).resolve().parents[1]
HOME = Path(framework.__file__).resolve()
DATA_SUFFIXES = {".txt", ".tsv", ".json", ".toml", ".csv", ".md"}
# Prompts speak to a model in prose and examples; they name level names but define nothing the
# code reads. Their names are checked against framework.py below instead.
PROMPTS = SRC / "extract" / "llm" / "prompts"


def _level_names() -> set[str]:
    names: set[str] = set()
    for fw in framework.FRAMEWORKS:
        for l1, l2s in fw.levels:
            names.add(l1)
            names.update(l2s)
    for order in framework.PRINTED_ORDERS:
        for l1, l2s in order.levels:
            names.add(l1)
            names.update(l2s)
    # bare names such as 产出/效益 are common words; only count the names a framework spells out
    return {n for n in names if len(n) >= 4}


NAMES = _level_names()


def _literal_strings(node: ast.AST) -> list[str]:
    elts: list[ast.expr] = []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elts = list(node.elts)
    elif isinstance(node, ast.Dict):
        elts = [k for k in node.keys if k is not None]
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def framework_copies(root: Path) -> list[str]:
    """``path:line`` of each literal collection or data line naming ≥ 3 framework level names."""
    found: list[str] = []
    for p in sorted(root.rglob("*")):
        if p.resolve() == HOME or not p.is_file() or PROMPTS in p.resolve().parents:
            continue
        if p.suffix == ".py":
            tree = ast.parse(p.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                hits = {s for s in _literal_strings(node) if s in NAMES}
                if len(hits) >= 3:
                    found.append(f"{p.relative_to(root)}:{node.lineno}: {sorted(hits)[:4]}")
        elif p.suffix in DATA_SUFFIXES:
            for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                hits = {n for n in NAMES if n in line}
                if len(hits) >= 3:
                    found.append(f"{p.relative_to(root)}:{i}: {sorted(hits)[:4]}")
    return found


def test_no_module_or_data_file_lists_framework_names_again() -> None:
    assert framework_copies(SRC) == []


def test_the_scan_finds_a_framework_written_again(tmp_path: Path) -> None:
    (tmp_path / "lexicon.txt").write_text("[framework x]\n产出指标: 数量指标, 质量指标, 时效指标\n", encoding="utf-8")
    (tmp_path / "m.py").write_text('L2 = ("经济效益指标", "社会效益指标", "生态效益指标")\n', encoding="utf-8")
    assert len(framework_copies(tmp_path)) == 2


@pytest.mark.parametrize("order", framework.PRINTED_ORDERS, ids=lambda o: o.framework)
def test_every_printed_name_is_a_name_of_its_framework(order: framework.PrintedOrder) -> None:
    fw = framework.framework_by_key(order.framework)
    for l1, l2s in order.levels:
        c1 = framework.canonical_level1(l1)
        assert c1 in fw.level1s, f"{order.framework}: printed L1 {l1!r} → {c1!r}"
        allowed = fw.level2s(c1)
        for l2 in l2s:
            c2 = framework.canonical_level2(l2, c1)
            assert allowed == () or c2 in allowed, f"{order.framework}: {l1} / {l2!r} → {c2!r} not in {allowed}"


def test_the_prompts_name_only_framework_names() -> None:
    """The level names a prompt lists (常见的一级指标：… / 常见的二级指标：…) are framework names."""
    import re

    for prompt in sorted(PROMPTS.glob("*.md")):
        for line in prompt.read_text(encoding="utf-8").splitlines():
            m = re.match(r"常见的(一|二)级指标：(.*)", line)
            if not m:
                continue
            names = re.findall(r"[\u4e00-\u9fff]{2,}", re.sub(r"（[^）]*）|以及评价类的|前后缀.*", "", m.group(2)))
            canon = framework.canonical_level1 if m.group(1) == "一" else framework.canonical_level2
            unknown = [n for n in names if canon(n) is None]
            assert not unknown, f"{prompt.name}: {unknown} are no framework names"
