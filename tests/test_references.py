"""Docstrings and comments point only at files inside the repository (issue 10).

A document or data file named with a directory (``golden/README.md``, ``jixiao/extract/llm/prompts/x.md``) must
exist in the checkout: at the root, under ``src/`` or under ``src/jixiao/``. Notes kept
outside the repository (a shared folder of the team that wrote it) are not there for a reader
of the package.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "jixiao"
# documents and data files; code paths (render/cli.py) and output names (OUT/run.json) are not pointers to read
PATH_RE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+[\w.-]+\.(?:md|toml|txt|tsv))\b")
BASES = (ROOT, ROOT / "src", SRC)


def dangling_references(root: Path, bases: tuple[Path, ...]) -> list[str]:
    """``file:line: path`` for each path a source file names that exists under none of ``bases``."""
    found = []
    for p in sorted(root.rglob("*.py")):
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            for ref in PATH_RE.findall(line):
                if not any((b / ref).exists() for b in bases):
                    found.append(f"{p.relative_to(root)}:{i}: {ref}")
    return found


def test_source_names_only_files_in_the_repository() -> None:
    assert dangling_references(SRC, BASES) == []


def test_the_scan_finds_a_path_outside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text('"""Measured (see shared/notes/toolchain.md §1)."""\nX = 1  # golden/README.md\n',
                                   encoding="utf-8")
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "README.md").write_text("x", encoding="utf-8")
    assert dangling_references(tmp_path, (tmp_path,)) == ["m.py:1: shared/notes/toolchain.md"]
