"""The golden set and predictions: loading labels and inputs, reading saved predictions,
extracting with the pipeline, and scoring them — the library half of ``jixiao eval``
(no typer, no rich; :mod:`jixiao.evaluate.cli` is the command around it)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    "html": "page.html",
}
# Families named by pattern (issue 11): every ``pdf-<producer>`` is ``<variant>.pdf`` and
# every ``text-<style>`` is ``<variant>.txt``, so a new producer or linearization needs no
# code here; add a pattern line for a new kind of file.
VARIANT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^pdf-[a-z0-9]+(?:-[a-z0-9]+)*$"), "{}.pdf"),
    (re.compile(r"^text-[a-z0-9]+(?:-[a-z0-9]+)*$"), "{}.txt"),
)
PRODUCERS_JSON = "producers.json"  # {variant: {producer, version, command, knobs, observed}} per folder
DEFAULT_VARIANT = "default"  # a prediction file named <doc_id>.json that no variant claims

class EvalError(JixiaoError):
    """An input of the evaluation itself is unusable (exit code 2)."""


def variant_file(variant: str) -> str | None:
    """The input file name of a variant (``pdf-chromium`` → ``pdf-chromium.pdf``), None if unknown."""
    if variant in VARIANT_FILES:
        return VARIANT_FILES[variant]
    for pattern, name in VARIANT_PATTERNS:
        if pattern.match(variant):
            return name.format(variant)
    return None


def variants_present(folder: Path) -> list[str]:
    """Variants whose input file exists in ``folder`` (fixed names first, then pattern families)."""
    found = [v for v, name in VARIANT_FILES.items() if (folder / name).exists()]
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        v = p.name.rsplit(".", 1)[0]
        if v not in found and variant_file(v) == p.name:
            found.append(v)
    return found


def family_of(variant: str) -> str:
    """The report's coarse grouping: every PDF producer, every text style, html, scan, office."""
    if variant == "digital" or variant.startswith("pdf-"):
        return "pdf"
    if variant == "text" or variant.startswith("text-"):
        return "text"
    if variant in ("docx", "xlsx"):
        return "office"
    return variant


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
            variants = variants_present(label_path.parent)
        unknown = [v for v in variants if variant_file(v) is None]
        if unknown:
            raise EvalError(f"{label_path}: unknown variants {unknown} (known: {', '.join(VARIANT_FILES)}, "
                            "pdf-<producer>, text-<style>)")
        docs.append(GoldenDoc(doc_id, label_path.parent, label, list(variants)))
    missing = wanted - {d.doc_id for d in docs}
    if missing:
        raise EvalError(f"{golden_dir}: no label.json for {', '.join(sorted(missing))}")
    if not docs:
        raise EvalError(f"{golden_dir}: no <doc_id>/label.json found")
    return docs


def load_knobs(golden: list[GoldenDoc]) -> dict[tuple[str, str], dict[str, Any]]:
    """(doc, variant) → the style knobs its producer drew it with (``<doc>/producers.json``).

    A missing file means no knobs (the seeds' own renders); an unreadable one is an EvalError
    naming it, because a report grouped by knobs from a broken record would mislead.
    ``observed.*`` entries are what the producer did unasked (e.g. radical code points in the
    text layer), grouped like knobs.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for g in golden:
        path = g.dir / PRODUCERS_JSON
        if not path.exists():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EvalError(f"{path}: cannot read producer records: {exc}") from exc
        for variant, rec in (data.items() if isinstance(data, dict) else []):
            if isinstance(rec, dict) and isinstance(rec.get("knobs"), dict):
                seen = rec.get("observed") if isinstance(rec.get("observed"), dict) else {}
                observed = {f"observed.{k}": seen[k] for k in ("radical_text", "font_types") if k in seen}
                out[(g.doc_id, variant)] = {**rec["knobs"], **observed}
    return out


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
        found = [v for v in dict.fromkeys([*VARIANT_FILES, *g.variants])
                 if (pred_dir / f"{g.doc_id}.{v}.json").exists()]
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
