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
from typing import Any

from jixiao.evaluate.golden import variant_file
from jixiao.model.errors import JixiaoError
from jixiao.model.output import Document
from jixiao.serve.store import Store

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
    label["notes"] = [f"accepted from jixiao serve's review after {n_corrections} correction(s)"]
    tmp = folder / ".label.json.tmp"
    tmp.write_text(json.dumps(label, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / "label.json")
    return folder


class ExportError(JixiaoError, LookupError):
    """A job or document that cannot be exported (unknown, or not done yet)."""


def find_job(store: Store, job_or_doc_id: str) -> dict[str, Any]:
    """The job with this id, or the newest done job whose document has this ``doc_id``."""
    job = store.get(job_or_doc_id)
    if job is None:
        for cand in store.list("done", limit=100_000):
            full = store.get(cand["id"])
            if full and full.get("result") and json.loads(full["result"]).get("doc_id") == job_or_doc_id:
                job = full
                break
    if job is None:
        raise ExportError(f"no job or document {job_or_doc_id!r} in {store.db_path}")
    if job["status"] != "done" or not job.get("result"):
        raise ExportError(f"document {job['id']} is {job['status']}, no result yet")
    return job


def export_job(store: Store, job: dict[str, Any], golden_dir: Path) -> tuple[Document, Path]:
    """The one implementation behind ``POST /v1/documents/{id}/golden`` and ``jixiao golden export``:
    the corrected result of a done job, written with its stored input."""
    doc = Document.model_validate_json(job["result"])
    folder = write_golden(golden_dir, doc, store.blob_path(job["sha256"], job["kind"]), job["kind"],
                          len(store.corrections(job["id"])))
    return doc, folder
