"""Fit the confidence calibration on the golden set, and check it on documents it did not see.

    python eval/calibrate.py --pred eval/out/pred [--golden golden] [--write]
                             [--out src/jixiao/data/calibration.json] [--prior-weight 10]

Input: the predictions a golden run saved (``jixiao eval golden`` writes them to
``eval/out/pred/<doc_id>.<variant>.json``). Each is reconciled again with calibration off,
so every field with a value has its raw evidence score ``z`` (see
``jixiao.reconcile.calibration``); scoring it against its golden label says whether it is
right. From those ``(z, correct)`` pairs the script

1. fits the calibration on all documents and prints its table (in-sample: optimistic);
2. repeats the fit leaving one document out at a time (all its variants together) and
   scores the left-out document with the table fitted without it, then prints the
   calibration table of those held-out confidences — the honest estimate of how the
   shipped table behaves on a form it has not seen;
3. with ``--write``, saves the all-documents fit to ``--out`` (shipped as package data).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from jixiao.evaluate.golden import load_golden, predictions_from_dir
from jixiao.evaluate.scorer import FieldRecord, calibration, calibration_summary, score_document
from jixiao.reconcile import reconcile
from jixiao.evaluate.calibration import fit, write
from jixiao.reconcile.calibration import Calibration, raw_scores

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "jixiao" / "data" / "calibration.json"


def _logit(p: float) -> float:
    p = min(1 - 1e-15, max(1e-15, p))
    return math.log(p / (1 - p))


def raw_records(golden_dir: Path, pred_dir: Path) -> list[FieldRecord]:
    """Every golden field the predictions gave a value, its ``confidence`` set to raw ``z``."""
    golden = load_golden(golden_dir)
    preds = predictions_from_dir(golden, pred_dir, None)
    out: list[FieldRecord] = []
    with raw_scores():
        for p in preds:
            if p.error:
                print(f"skipped {p.golden.doc_id} [{p.variant}]: {p.error}", file=sys.stderr)
                continue
            doc = reconcile(p.doc)
            for r in score_document(p.golden.label, doc, variant=p.variant).records:
                if r.confidence is not None:
                    out.append(replace(r, confidence=_logit(r.confidence)))
    return out


def _pairs(records: list[FieldRecord]) -> list[tuple[float, bool]]:
    return [(r.confidence, r.correct) for r in records if r.confidence is not None]


def _applied(records: list[FieldRecord], cal: Calibration) -> list[FieldRecord]:
    return [replace(r, confidence=round(cal.apply(r.confidence), 3)) for r in records if r.confidence is not None]


def held_out(records: list[FieldRecord], prior_weight: float) -> list[FieldRecord]:
    """Each document's records calibrated by a table fitted on the other documents."""
    by_doc: dict[str, list[FieldRecord]] = defaultdict(list)
    for r in records:
        by_doc[r.doc].append(r)
    out: list[FieldRecord] = []
    for doc, rs in by_doc.items():
        rest = [r for d, other in by_doc.items() if d != doc for r in other]
        out += _applied(rs, fit(_pairs(rest), prior_weight))
    return out


def print_table(title: str, records: list[FieldRecord]) -> dict[str, Any]:
    rows = calibration(records)
    summary = calibration_summary(rows)
    print(f"\n{title}")
    print(f"{'bucket':>10} {'fields':>7} {'correct':>8} {'accuracy':>9} {'mean conf':>10}")
    for c in rows:
        if c["bucket"] == "none":
            continue
        acc = "—" if c["accuracy"] is None else f"{c['accuracy']:.4f}"
        mc = "—" if c["mean_confidence"] is None else f"{c['mean_confidence']:.4f}"
        print(f"{c['bucket']:>10} {c['fields']:>7} {c['correct']:>8} {acc:>9} {mc:>10}")
    print(f"monotone: {summary['calibration_monotone']}   expected calibration error: "
          f"{summary['expected_calibration_error']:.4f}")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", type=Path, default=Path("golden"))
    ap.add_argument("--pred", type=Path, default=Path("eval/out/pred"), help="predictions saved by a golden run")
    ap.add_argument("--prior-weight", type=float, default=10.0, help="pseudo-fields at the terms' own estimate per step")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--write", action="store_true", help="save the fit to --out")
    args = ap.parse_args(argv)
    if not args.pred.is_dir():
        print(f"{args.pred}: no predictions directory (run `jixiao eval golden` first)", file=sys.stderr)
        return 2
    records = raw_records(args.golden, args.pred)
    if not records:
        print(f"{args.pred}: no scored fields with a confidence", file=sys.stderr)
        return 2
    docs = sorted({r.doc for r in records})
    cal = fit(_pairs(records), args.prior_weight, meta={"golden_documents": docs, "fitted": date.today().isoformat()})
    print(f"{len(records)} fields with a value from {len(docs)} documents; {len(cal.steps)} steps:")
    for s in cal.steps:
        print(f"  z in [{s.lo:7.2f}, {s.hi:7.2f}]  {s.correct:>6}/{s.fields:<6} → {s.value:.4f}")
    print_table("in-sample (fitted and measured on the same documents)", _applied(records, cal))
    print_table("leave-one-document-out (each document calibrated by a fit without it)",
                held_out(records, args.prior_weight))
    if args.write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write(cal, args.out)
        print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
