"""Import layering: the declared package order, and no provider or optional engine in the core.

The layers are declared in pyproject.toml ([tool.jixiao.layers]); this test enforces them:

* the internal order (model ← domain ← layout ← ingest/ocr ← segment ← extract ← reconcile
  ← export ← pipeline ← evaluate/cli): a package imports only its own layer or lower ones,
  counting lazy imports inside functions too — a lazy import is still a dependency;
* providers (LLM transport) imports only model, and is the only package that imports the
  LLM client libraries (openai, instructor, tenacity);
* statically, no module-level import of a forbidden package in a core module, and
  dynamically, importing the CLI and running the rules path loads none of them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "jixiao"
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


def _all_imports(path: Path) -> list[tuple[str, int]]:
    """Every absolute import anywhere in the file (module level or inside a function)."""
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
    return out


def _package(path: Path) -> str:
    """``src/jixiao/extract/llm/run.py`` → ``extract``; ``src/jixiao/cli.py`` → ``cli``."""
    return path.relative_to(SRC).with_suffix("").parts[0]


def _rank() -> dict[str, int]:
    rank = {pkg: i for i, layer in enumerate(LAYERS["order"]) for pkg in layer}
    rank["jixiao"] = 0  # the root package holds only __version__
    rank["providers"] = rank["domain"]  # beside the stages; its own rule below
    return rank


def _edges() -> list[tuple[str, str, str]]:
    """(importing package, imported package, where) for every import between jixiao packages."""
    edges = []
    for f in sorted(SRC.rglob("*.py")):
        if f.name == "__init__.py" and f.parent == SRC:
            continue
        me = _package(f)
        for module, line in _all_imports(f):
            parts = module.split(".")
            if parts[0] != "jixiao":
                continue
            target = parts[1] if len(parts) > 1 else "jixiao"
            if target != me:
                edges.append((me, target, f"{f.relative_to(ROOT)}:{line}"))
    return edges


def test_every_package_is_placed_in_the_order() -> None:
    rank = _rank()
    packages = {_package(f) for f in SRC.rglob("*.py") if not (f.name == "__init__.py" and f.parent == SRC)}
    assert packages <= rank.keys(), f"add to [tool.jixiao.layers] order: {sorted(packages - rank.keys())}"


def test_packages_import_only_their_layer_or_lower() -> None:
    rank = _rank()
    bad = [f"{where}: {me} imports {target}" for me, target, where in _edges()
           if me != "providers" and rank[target] > rank[me]]
    assert not bad, bad


def test_providers_import_only_model() -> None:
    allowed = set(LAYERS["providers_may_import"]) | {"jixiao"}
    bad = [f"{where}: providers imports {target}" for me, target, where in _edges()
           if me == "providers" and target not in allowed]
    assert not bad, bad


def test_only_providers_import_llm_clients() -> None:
    clients = set(LAYERS["llm_clients"])
    bad = []
    for f in sorted(SRC.rglob("*.py")):
        if _package(f) == "providers":
            continue
        bad += [f"{f.relative_to(ROOT)}:{line} imports {m}" for m, line in _all_imports(f) if m.split(".")[0] in clients]
    assert not bad, bad


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
