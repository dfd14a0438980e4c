"""Few-shot examples for the LLM path, drawn from golden labels of *other* documents.

A worked example from a real, hand-checked form teaches the model the genre's column
layouts better than instructions do. It must never come from the document being read:
that would hand the model the answer (and make `jixiao eval --llm` meaningless), so every
golden document whose inputs have the same content hash as the input, or whose folder the
input sits in, is excluded.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from jixiao.model.output import Indicator, load_document

INPUT_NAMES = ("source.txt", "digital.pdf", "scanned.pdf", "form.docx", "form.xlsx")


def default_golden_dir() -> Path | None:
    """``$JIXIAO_GOLDEN_DIR``, else the checkout's ``golden/`` when running from source."""
    env = os.environ.get("JIXIAO_GOLDEN_DIR")
    if env:
        return Path(env) if Path(env).is_dir() else None
    here = Path(__file__).resolve().parents[4] / "golden"
    return here if here.is_dir() else None


@lru_cache(maxsize=256)
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_same_document(folder: Path, input_path: Path | None, input_sha: str | None) -> bool:
    if input_path is not None and input_path.resolve().parent == folder.resolve():
        return True
    if input_sha:
        return any((folder / n).exists() and _sha256(folder / n) == input_sha for n in INPUT_NAMES)
    return False


def _example(indicators: list[Indicator], start: int) -> tuple[str, str]:
    """One example: a small table with row ids (merged cells blank, as printed) and its answer."""
    half = any(i.half_year for i in indicators)
    header = ["一级指标", "二级指标", "三级指标"] + (["半年指标值"] if half else []) + ["全年指标值"]
    lines = [f"r{start} | " + " | ".join(header)]
    out = []
    prev = (None, None)
    for k, ind in enumerate(indicators, start=start + 1):
        l1 = "" if ind.level1 == prev[0] else (ind.level1 or "")
        l2 = "" if (ind.level1, ind.level2) == prev else (ind.level2 or "")
        prev = (ind.level1, ind.level2)
        cells = [l1, l2, ind.level3 or ""] + ([ind.half_year or ""] if half else []) + [ind.target or ""]
        lines.append(f"r{k} | " + " | ".join(cells))
        out.append({"row": f"r{k}", "level1": ind.level1, "level2": ind.level2, "level3": ind.level3,
                    "half_year": ind.half_year if half else None, "target": ind.target, "scope": ind.scope})
    return "\n".join(lines), json.dumps({"indicators": out}, ensure_ascii=False)


def golden_examples(
    input_path: str | Path | None = None,
    input_sha256: str | None = None,
    *,
    golden_dir: str | Path | None = None,
    n_examples: int = 2,
    rows: int = 4,
) -> str:
    """Text of ``n_examples`` worked examples from other golden documents ("" when none are available)."""
    root = Path(golden_dir) if golden_dir else default_golden_dir()
    if root is None or not root.is_dir():
        return ""
    ip = Path(input_path) if input_path else None
    parts: list[str] = []
    for folder in sorted(p for p in root.iterdir() if (p / "label.json").exists()):
        if len(parts) >= n_examples:
            break
        if _is_same_document(folder, ip, input_sha256):
            continue
        try:
            label = load_document(folder / "label.json")
        except ValueError:
            continue
        form = next((f for f in label.forms if len(f.indicators) >= rows), None)
        if form is None:
            continue
        # rows from the middle of the table show merged cells continuing, not just the start
        mid = max(0, len(form.indicators) // 2 - rows // 2)
        table, answer = _example(form.indicators[mid:mid + rows], start=1 + 10 * len(parts))
        parts.append(f"参考示例{len(parts) + 1}（另一份已人工核对的表格）：\n```\n{table}\n```\n输出：{answer}")
    return ("\n\n".join(parts) + "\n\n") if parts else ""
