"""Leave-one-form-out benchmark of `jixiao suggest` on the golden set's real project forms.

For each real project form: suggest from its name and annual goal with that form left out of the
library; report level2 recall (real form's canonical L2s present in the draft), the share of real
indicators matched by a draft indicator of the same L2 whose L3 shares ≥ 25 % character bigrams
(Jaccard), citation validity (every citation resolves to an indicator row of the library), review
findings on each draft by severity, and how the rows no close precedent covered got their value
(advise/proposals.py: budget, convention, library; or none).

    PYTHONPATH=src python eval/suggest_bench.py [golden] [--with-budget-year]

``--with-budget-year`` also passes the real form's budget and year (as a unit would give them):
the 成本 and 时效 rows no close precedent covers are then proposed from them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from jixiao.advise import library as lib
from jixiao.advise.suggest import Request, suggest
from jixiao.domain.values import fold
from jixiao.model.output import load_document
from jixiao.reconcile import reconcile_form
from jixiao.advise.review import review_form
from collections import Counter


def bigram_jaccard(a: str, b: str) -> float:
    x, y = ({s[k:k + 2] for k in range(len(s) - 1)} for s in (a, b))
    return len(x & y) / len(x | y) if x | y else 0.0


def _matched(real, draft) -> int:
    """Real indicators with a draft row of the same L2 whose L3 shares ≥ 25 % character bigrams."""
    return sum(any(d.level2 == (i.level2_canonical or i.level2)
                   and bigram_jaccard(fold(i.level3 or ""), fold(d.level3 or "")) >= 0.25 for d in draft)
               for i in real)


def top_n(draft, n: int):
    """The draft's ``n`` best-supported rows (the suggest_support score; proposed rows have none)."""
    def support(d) -> float:
        return next((float(f.evidence["score"]) for f in d.flags if f.code == "suggest_support"), 0.0)

    return sorted(draft, key=support, reverse=True)[:n]


def main(golden: Path, with_budget_year: bool = False) -> None:
    db = Path(tempfile.mkdtemp()) / "lib.sqlite"
    lib.build([golden], db)
    con = lib.connect(db)
    rows = con.execute("SELECT form_key, source, form_index, project_name FROM forms WHERE form_type='project'").fetchall()
    tot_rec = tot_match = tot_match20 = tot_real = cites = valid = 0
    lint: Counter[str] = Counter()  # review findings on the drafts, by severity
    proposed: Counter[str] = Counter()  # rows no close precedent covered, by the source of their value
    for r in rows:
        real = reconcile_form(load_document(r["source"]).forms[r["form_index"]])
        extra = {"budget": real.budget.total, "year": real.year} if with_budget_year else {}
        doc = suggest(Request(name=real.project_name or "", goal=real.goals.annual, library=db,
                              exclude_forms=(r["form_key"],), **extra))
        draft = doc.forms[0].indicators
        real_l2 = {i.level2_canonical or i.level2 for i in real.indicators}
        rec = len(real_l2 & {i.level2 for i in draft}) / max(1, len(real_l2))
        matched = _matched(real.indicators, draft)
        matched20 = _matched(real.indicators, top_n(draft, 20))
        for d in draft:
            for fl in d.flags:
                if fl.code == "suggest_proposed":
                    proposed[fl.evidence["source"]] += 1
                elif fl.code == "novel" and not d.target:
                    proposed["none (empty novel)"] += 1
                if fl.code == "citation":
                    cites += 1
                    ok = con.execute("SELECT 1 FROM indicators WHERE ind_key=?", (fl.evidence["indicator"],)).fetchone()
                    valid += bool(ok) and not fl.evidence["indicator"].startswith(r["form_key"])
        findings = review_form(doc.forms[0])
        lint.update(f.severity for f in findings)
        tot_rec += rec
        tot_match += matched
        tot_match20 += matched20
        tot_real += len(real.indicators)
        print(f"{r['project_name'][:24]:<24} {doc.notes[0]:<28} L2 recall {rec:.2f}  matched {matched}/{len(real.indicators)}"
              f" (top 20: {matched20})  draft {len(draft)}")
    n = len(rows)
    print(f"\n{n} forms: mean L2 recall {tot_rec / n:.3f}; indicators matched {tot_match}/{tot_real} "
          f"({tot_match / tot_real:.1%}; by the 20 best-supported rows of each draft {tot_match20}/{tot_real}, "
          f"{tot_match20 / tot_real:.1%}); citations valid {valid}/{cites}; review findings on the drafts: "
          f"{lint['error']} errors, {lint['warning']} warnings, {lint['info']} info ({lint['error'] / n:.2f} errors per draft)")
    print("rows proposed for framework-required groups no close precedent covers: "
          + (", ".join(f"{k} {v}" for k, v in sorted(proposed.items())) or "none"))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(args[0] if args else "golden"), with_budget_year="--with-budget-year" in sys.argv[1:])
