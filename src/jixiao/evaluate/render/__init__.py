"""Golden-set renderer: label.json + layout.json → digital PDF, simulated scan, DOCX, XLSX.

The golden inputs are *drawn* from the labels rather than collected, so every input's
truth is known exactly and new table shapes (operator columns, 元 amounts, pages that
split a table) can be added without finding a real document that has them.

Heavy modules (pymupdf, python-docx, openpyxl) are imported only when a function that
needs them is first used, so ``import jixiao.evaluate.render`` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "render_pdf": "jixiao.evaluate.render.pdf",
    "paginate": "jixiao.evaluate.render.pdf",
    "scan_pdf": "jixiao.evaluate.render.scan",
    "render_docx": "jixiao.evaluate.render.office",
    "render_xlsx": "jixiao.evaluate.render.office",
    "build": "jixiao.evaluate.render.form_layout",
    "load_layout": "jixiao.evaluate.render.form_layout",
    "LayoutError": "jixiao.evaluate.render.form_layout",
    "split_value": "jixiao.evaluate.render.form_layout",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jixiao.evaluate.render' has no attribute {name!r}")
