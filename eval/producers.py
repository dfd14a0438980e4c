"""Score PDFs drawn by real producers against a hand-written label; print F1 and the rung per page.

    PYTHONPATH=src python eval/producers.py tests/fixtures/producers            # every *.pdf there vs label.json
    PYTHONPATH=src python eval/producers.py /path/golden --glob '*/pdf-*.pdf'  # label.json beside each PDF

Reports indicator F1, budget accuracy and the ladder's rung counts per file, then per family
(the file-name prefix before the first '-': chromium, wkhtml, libreoffice, reportlab, or the
golden file stem).
"""

from __future__ import annotations

import argparse
import json
import statistics
import warnings
from collections import defaultdict
from pathlib import Path

from jixiao.evaluate.scorer import aggregate, score_document
from jixiao.pipeline import ExtractOptions, extract_file
from jixiao.model.output import Document

warnings.filterwarnings("ignore")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--glob", default="*.pdf")
    ap.add_argument("--json", type=Path, help="write per-file results here")
    a = ap.parse_args()
    fams: dict[str, list[float]] = defaultdict(list)
    rows = []
    for pdf in sorted(a.root.glob(a.glob)):
        label = pdf.parent / "label.json"
        if not label.exists():
            continue
        gold = Document.model_validate(json.loads(label.read_text(encoding="utf-8")))
        pred = extract_file(pdf, ExtractOptions(ocr="off"))
        agg = aggregate([score_document(gold, pred)])
        f1 = agg["indicator_f1"] or 0.0
        fam = pdf.stem.split("-")[0] if a.glob == "*.pdf" else pdf.stem
        fams[fam].append(f1)
        rows.append({"file": str(pdf.relative_to(a.root)), "f1": f1, "budget": agg["budget_accuracy"],
                     "rungs": pred.stats.get("pdf_rungs")})
        print(f"{rows[-1]['file']:40s} F1 {f1:.3f}  budget {agg['budget_accuracy']}  rungs {rows[-1]['rungs']}")
    for fam, v in sorted(fams.items()):
        print(f"family {fam:14s} n={len(v):3d} mean F1 {statistics.mean(v):.3f}  min {min(v):.3f}")
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
