"""Accept a reviewed document as a golden label: ``<golden>/<doc_id>/label.json`` + the input.

The folder is the golden layout (golden/README.md): the label holds the v1 keys only
(``Document.to_json(full=False)``), lists its one variant, and the input is copied under that
variant's file name (``digital.pdf``, ``scanned.pdf``, ``form.docx``, ``form.xlsx``,
``page.html``, ``source.txt``), so ``jixiao golden check`` and ``jixiao eval`` read it as is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jixiao.evaluate.golden import variant_file
from jixiao.model.output import Document

KIND_VARIANT = {"docx": "docx", "xlsx": "xlsx", "html": "html", "text": "text"}


def variant_for(kind: str, doc: Document) -> str:
    """A PDF that needed OCR is a ``scanned`` input, else ``digital``."""
    if kind == "pdf":
        return "scanned" if doc.source and doc.source.ocr_pages else "digital"
    return KIND_VARIANT[kind]


def write_golden(golden_dir: Path, doc: Document, input_path: Path, kind: str, n_corrections: int) -> Path:
    """Write the folder (label last, so a half-written folder has no label.json); returns it."""
    variant = variant_for(kind, doc)
    name = variant_file(variant)
    assert name is not None
    folder = golden_dir / doc.doc_id  # doc_id comes from the content hash (worker.upload_doc_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(input_path, folder / name)
    label = json.loads(doc.to_json(full=False))
    label["variants"] = [variant]
    label["notes"] = [f"accepted in the review page (jixiao serve) after {n_corrections} correction(s)"]
    tmp = folder / ".label.json.tmp"
    tmp.write_text(json.dumps(label, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / "label.json")
    return folder
