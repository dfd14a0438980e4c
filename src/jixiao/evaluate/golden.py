"""The golden set and predictions: loading labels and inputs, reading saved predictions,
extracting with the pipeline, and scoring them — the library half of ``jixiao eval``
(no typer, no rich; :mod:`jixiao.evaluate.cli` is the command around it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from jixiao.evaluate.scorer import DocScore, score_document
from jixiao.model.errors import JixiaoError
from jixiao.model.modes import LlmMode
from jixiao.model.output import Document, load_document

VARIANT_FILES: dict[str, str] = {
    "text": "source.txt",
    "digital": "digital.pdf",
    "scanned": "scanned.pdf",
    "docx": "form.docx",
    "xlsx": "form.xlsx",
    "text-lines": "text-lines.txt",
    "text-pipe": "text-pipe.txt",
    "text-tsv": "text-tsv.txt",
    "text-space": "text-space.txt",
    "text-blank": "text-blank.txt",
    "text-concat": "text-concat.txt",
    "text-viewer": "text-viewer.txt",
    "text-vertical": "text-vertical.txt",
    "text-chrome": "text-chrome.txt",
    "text-prose": "text-prose.txt",
    "text-chromium": "text-chromium.txt",
}
DEFAULT_VARIANT = "default"  # a prediction file named <doc_id>.json that no variant claims

class EvalError(JixiaoError):
    """An input of the evaluation itself is unusable (exit code 2)."""


@dataclass
class GoldenDoc:
    doc_id: str
    dir: Path
    label: Document
    variants: list[str]  # inputs the label says exist (or, without a "variants" key, that do)


@dataclass
class Prediction:
    golden: GoldenDoc
    variant: str
    doc: Document
    error: str | None = None
    seconds: float | None = None


# ---------------------------------------------------------------------------------------
# Loading


def load_golden(golden_dir: Path, only: Iterable[str] = ()) -> list[GoldenDoc]:
    """Every ``<golden_dir>/<doc_id>/label.json`` (sorted), optionally only some doc ids."""
    if not golden_dir.is_dir():
        raise EvalError(f"{golden_dir}: golden directory not found")
    wanted = set(only)
    docs = []
    for label_path in sorted(golden_dir.glob("*/label.json")):
        doc_id = label_path.parent.name
        if wanted and doc_id not in wanted:
            continue
        try:
            raw = json.loads(label_path.read_text(encoding="utf-8"))
            label = load_document(label_path)
        except (OSError, ValueError) as exc:
            raise EvalError(f"{label_path}: not a valid label: {exc}") from exc
        label.doc_id = doc_id
        variants = raw.get("variants")
        if not isinstance(variants, list):
            variants = [v for v, name in VARIANT_FILES.items() if (label_path.parent / name).exists()]
        unknown = [v for v in variants if v not in VARIANT_FILES]
        if unknown:
            raise EvalError(f"{label_path}: unknown variants {unknown} (known: {', '.join(VARIANT_FILES)})")
        docs.append(GoldenDoc(doc_id, label_path.parent, label, list(variants)))
    missing = wanted - {d.doc_id for d in docs}
    if missing:
        raise EvalError(f"{golden_dir}: no label.json for {', '.join(sorted(missing))}")
    if not docs:
        raise EvalError(f"{golden_dir}: no <doc_id>/label.json found")
    return docs


def _empty(doc_id: str) -> Document:
    return Document(doc_id=doc_id)


def _read_prediction(g: GoldenDoc, variant: str, path: Path) -> Prediction:
    try:
        return Prediction(g, variant, load_document(path))
    except ValueError as exc:
        return Prediction(g, variant, _empty(g.doc_id), error=str(exc))


def predictions_from_dir(golden: list[GoldenDoc], pred_dir: Path, variants: list[str] | None) -> list[Prediction]:
    """Read ``<pred_dir>/<doc_id>.<variant>.json``, falling back to ``<doc_id>.json``.

    Without ``--variant`` every variant file that exists is scored, and a document with no
    prediction file at all is scored as empty (and listed). With ``--variant`` each
    requested variant the label lists must have a file; a missing one is scored as empty.
    ``<doc_id>.json`` stands for the one requested variant, or, when no variant was
    requested and no variant file exists, is scored under the variant "default".
    """
    if not pred_dir.is_dir():
        raise EvalError(f"{pred_dir}: prediction directory not found")
    out: list[Prediction] = []
    for g in golden:
        plain = pred_dir / f"{g.doc_id}.json"
        if variants:
            for v in (v for v in variants if v in g.variants or not g.variants):
                path = pred_dir / f"{g.doc_id}.{v}.json"
                if not path.exists() and len(variants) == 1 and plain.exists():
                    path = plain
                if path.exists():
                    out.append(_read_prediction(g, v, path))
                else:
                    out.append(Prediction(g, v, _empty(g.doc_id), error=f"no prediction file {path.name}"))
            continue
        found = [v for v in VARIANT_FILES if (pred_dir / f"{g.doc_id}.{v}.json").exists()]
        for v in found:
            out.append(_read_prediction(g, v, pred_dir / f"{g.doc_id}.{v}.json"))
        if not found:
            if plain.exists():
                out.append(_read_prediction(g, DEFAULT_VARIANT, plain))
            else:
                out.append(Prediction(g, DEFAULT_VARIANT, _empty(g.doc_id),
                                      error=f"no prediction file {g.doc_id}.json or {g.doc_id}.<variant>.json"))
    return out


Extractor = Callable[[Path, str], Document]


def pipeline_extractor() -> Extractor:
    """``jixiao.pipeline.extract_file`` bound to the ``--llm`` mode, imported only when needed."""
    import jixiao.pipeline as pipeline

    extract_file = getattr(pipeline, "extract_file", None)
    if extract_file is None:
        raise EvalError("jixiao.pipeline.extract_file is not available yet; score saved predictions with --pred DIR")

    def run(path: Path, llm: str) -> Document:
        return extract_file(path, pipeline.ExtractOptions(llm=LlmMode(llm)))

    return run


def score_predictions(preds: list[Prediction]) -> list[DocScore]:
    scores = []
    for p in preds:
        s = score_document(p.golden.label, p.doc, variant=p.variant)
        s.error = p.error
        scores.append(s)
    return scores
