"""Golden-set renderer: label.json + layout.json → digital PDF, simulated scan, DOCX, XLSX.

The golden inputs are *drawn* from the labels rather than collected, so every input's
truth is known exactly and new table shapes (operator columns, 元 amounts, pages that
split a table) can be added without finding a real document that has them.

Heavy modules (pymupdf, python-docx, openpyxl) are imported only when a function that
needs them is first used, so ``import jixiao.render`` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "render_pdf": "jixiao.render.pdf",
    "paginate": "jixiao.render.pdf",
    "scan_pdf": "jixiao.render.scan",
    "render_docx": "jixiao.render.office",
    "render_xlsx": "jixiao.render.office",
    "build": "jixiao.render.layout",
    "load_layout": "jixiao.render.layout",
    "LayoutError": "jixiao.render.layout",
    "split_value": "jixiao.render.layout",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jixiao.render' has no attribute {name!r}")
