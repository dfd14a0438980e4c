"""Import layering: the core never imports a provider or an optional engine at import time.

The layers are declared in pyproject.toml ([tool.jixiao.layers]); this test enforces them
two ways: statically (no module-level import of a forbidden package in a core module) and
dynamically (importing the CLI and running the rules path loads none of them).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["jixiao"]["layers"]


def _module_files(module: str) -> list[Path]:
    base = ROOT / "src" / Path(*module.split("."))
    if base.is_dir():
        return sorted(base.rglob("*.py"))
    return [base.with_suffix(".py")]


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:  # module level only: lazy imports inside functions are the sanctioned way
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_modules_do_not_import_providers_at_module_level():
    forbidden = set(LAYERS["forbidden_in_core"])
    offenders = []
    for module in LAYERS["core"]:
        files = _module_files(module)
        assert files and all(f.exists() for f in files), f"layer entry {module} names no module"
        for f in files:
            bad = _top_level_imports(f) & forbidden
            if bad:
                offenders.append(f"{f.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, offenders


def test_rules_path_loads_no_provider():
    code = (
        "import sys, jixiao.cli\n"
        "from jixiao.pipeline import extract_file\n"
        f"extract_file({str(ROOT / 'golden' / 's000_suzhou_dept' / 'source.txt')!r})\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(LAYERS['forbidden_in_core'])!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the offline rules path imported: {out.stdout.strip()}"
