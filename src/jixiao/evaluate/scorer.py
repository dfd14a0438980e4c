"""The spec's scorer ("How the scorer compares"): golden label vs prediction → DocScore.

Why each rule is what it is (the numbers are constants below so a report can cite them):

* **Forms** are paired by their key ``(form_type, project_name or unit_name)``. The key
  similarity is the rapidfuzz ``ratio`` of the folded names (0–1). Both names empty counts
  as 1.0 (nothing to tell the forms apart; the tie-breaks decide). A form_type mismatch
  costs ``FORM_TYPE_PENALTY`` instead of forbidding the pair, so a project form
  mis-typed as a department form with the same name is still paired and the error shows
  up as a wrong ``form_type`` field rather than as a whole missed form. A pair needs a
  key similarity ≥ ``MIN_FORM_SIMILARITY``. Tie-breaks (shared level3 names, document
  order) are small enough never to outweigh a real name difference.
* **Indicators** in a paired form are paired by ``(scope, level3)``: the scopes must be
  equal and the folded level3 ratio ≥ ``MIN_INDICATOR_SIMILARITY`` (0.65: 受益人员满意度 vs
  受益人员满意度指标 = 0.875 pairs; 群众满意度 vs 服务对象满意度 = 0.50 and 验收合格率 vs
  采购合格率 = 0.60 do not). Tie-breaks (same level2, level1, target; document order) make
  duplicate level3 names (满意度 under two level2s) pair the right way round.
* Both pairings are an **optimal one-to-one assignment** maximising total similarity
  (Hungarian algorithm, implemented here because scipy is not a dependency), not a greedy
  best-first match: greedy can take a good pair that blocks two others.
* **Fields** are compared after ``jixiao.domain.values.fold``: text fields by folded equality;
  ``half_year``/``target``/history values by ``jixiao.domain.values.values_equal`` (the ``*_parsed``
  keys are used when present); amounts within ``AMOUNT_TOLERANCE`` (0.005 万元); goals by
  folded equality or a folded fuzzy ratio ≥ ``GOAL_MIN_RATIO`` (0.9: long prose where a
  dropped comma should not count as wrong). A null and an empty string are the same value.
* An unpaired golden form counts every field, indicator and budget line as missed (flagged,
  for the silent error rate, only when the prediction reported an error it could not place:
  an unpaired predicted form carrying an error flag, or a document-level error).
  Per-field indicator accuracy is over *paired* indicators (the spec); the exact-row rate
  is over *all* golden rows (a missed row is not exact), ``exact_row_rate_paired`` over
  paired ones. Header and budget field accuracy are over all golden forms.
* Every golden field also becomes a :class:`FieldRecord` (expected, got, correct, whether
  the prediction flagged it, its confidence) so the report can measure the *silent error
  rate* and calibration. A field counts as flagged when the predicted object carries a
  warning/error flag whose ``field`` is that field (or its last dotted part) or is null
  (a doubt about the whole indicator / form header); a missed indicator counts as flagged
  when its paired form carries a warning/error flag on ``indicators``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from jixiao.model.output import BudgetLine, Document, Evidence, Flag, Form, Indicator, Severity
from jixiao.domain.values import fold, values_equal

MIN_FORM_SIMILARITY = 0.6
MIN_INDICATOR_SIMILARITY = 0.65
FORM_TYPE_PENALTY = 0.3
AMOUNT_TOLERANCE = 0.005
GOAL_MIN_RATIO = 0.9
_EPS = 1e-9

INDICATOR_FIELDS: tuple[str, ...] = (
    "level1", "level2", "level3", "description", "key_task", "half_year", "target", "basis", "category", "history",
)
HEADER_FIELDS: tuple[str, ...] = (
    "form_type", "title", "year", "unit_name", "competent_dept", "project_name", "goals.long_term", "goals.annual",
)
BUDGET_FIELDS: tuple[str, ...] = ("budget.total", "budget.fiscal")
LINE_FIELD = "budget.lines"

CONFIDENCE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0–0.5", 0.0, 0.5), ("0.5–0.7", 0.5, 0.7), ("0.7–0.9", 0.7, 0.9), ("0.9–1.0", 0.9, 1.0 + _EPS),
)
NO_CONFIDENCE = "none"


# ---------------------------------------------------------------------------------------
# Optimal assignment


def _hungarian_min(cost: Sequence[Sequence[float]]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows ≤ columns).

    Returns ``col_of_row``. The classic O(n²m) potentials formulation (Kuhn–Munkres as
    written by e-maxx), kept small and dependency-free.
    """
    n = len(cost)
    m = len(cost[0]) if n else 0
    if n == 0:
        return []
    if n > m:
        raise ValueError("_hungarian_min needs rows <= columns")
    inf = math.inf
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j] = row (1-based) assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            row = cost[i0 - 1]
            ui0 = u[i0]
            delta = inf
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - ui0 - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    col_of_row = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            col_of_row[p[j] - 1] = j - 1
    return col_of_row


def _components(edges: dict[tuple[int, int], float]) -> list[tuple[list[int], list[int]]]:
    """Connected components of the bipartite graph of allowed pairs (rows, columns).

    Most rows have one plausible partner, so solving each component alone keeps the
    pure-Python Hungarian fast on 100-row forms.
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        a, b = find(("r", i)), find(("c", j))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for node in list(parent):
        rows, cols = groups.setdefault(find(node), ([], []))
        (rows if node[0] == "r" else cols).append(node[1])
    return [(sorted(r), sorted(c)) for r, c in groups.values()]


def assign(weights: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """Maximum-total-weight one-to-one matching over the allowed pairs ``{(i, j): w > 0}``.

    Pairs not in ``weights`` are forbidden. Returns the chosen ``(i, j)`` sorted by ``i``.
    """
    result: list[tuple[int, int]] = []
    for rows, cols in _components(weights):
        if len(rows) == 1 or len(cols) == 1:
            best = max(((i, j) for i in rows for j in cols if (i, j) in weights), key=lambda e: weights[e])
            result.append(best)
            continue
        transpose = len(rows) > len(cols)
        r_ids, c_ids = (cols, rows) if transpose else (rows, cols)
        top = max(weights.values())

        def w(a: int, b: int) -> float:
            key = (b, a) if transpose else (a, b)
            return weights.get(key, 0.0)

        # Minimising (top - w) over a full assignment maximises Σw; a forbidden pair weighs 0,
        # the same as leaving both unpaired, and is dropped below.
        cost = [[top - w(a, b) for b in c_ids] for a in r_ids]
        for ri, ci in enumerate(_hungarian_min(cost)):
            a, b = r_ids[ri], c_ids[ci]
            pair = (b, a) if transpose else (a, b)
            if pair in weights:
                result.append(pair)
    return sorted(result)


# ---------------------------------------------------------------------------------------
# Comparison primitives


def text_equal(a: str | None, b: str | None) -> bool:
    """Folded equality; null and empty are the same."""
    return fold(a) == fold(b)


def goal_equal(a: str | None, b: str | None) -> bool:
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    if not fa or not fb:
        return False
    return fuzz.ratio(fa, fb) / 100.0 >= GOAL_MIN_RATIO


def amount_equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= AMOUNT_TOLERANCE + _EPS


def history_equal(a: dict[str, str] | None, b: dict[str, str] | None) -> bool:
    a, b = a or {}, b or {}
    ka = {fold(k): v for k, v in a.items() if fold(v)}
    kb = {fold(k): v for k, v in b.items() if fold(v)}
    return ka.keys() == kb.keys() and all(values_equal(ka[k], kb[k]) for k in ka)


def indicator_field_equal(name: str, gold: Indicator, pred: Indicator) -> bool:
    if name in ("half_year", "target"):
        return values_equal(
            getattr(gold, name), getattr(pred, name), getattr(gold, f"{name}_parsed"), getattr(pred, f"{name}_parsed")
        )
    if name == "history":
        return history_equal(gold.history, pred.history)
    return text_equal(getattr(gold, name), getattr(pred, name))


def _get_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def header_field_equal(name: str, gold: Form, pred: Form) -> bool:
    g, p = _get_path(gold, name), _get_path(pred, name)
    if name.startswith("goals."):
        return goal_equal(g, p)
    if name.startswith("budget."):
        return amount_equal(g, p)
    if name in ("form_type", "year"):
        return g == p
    return text_equal(g, p)


def form_key(form: Form) -> str:
    """The folded name a form is paired by: project_name, else unit_name."""
    return fold(form.project_name) or fold(form.unit_name)


# ---------------------------------------------------------------------------------------
# Records and scores


@dataclass
class FieldRecord:
    """One golden field and what the prediction made of it."""

    doc: str
    variant: str | None
    form: str  # the golden form's key (project or unit name) or "#<index>"
    form_index: int
    indicator: str | None  # golden level3, for indicator fields
    indicator_index: int | None
    field: str
    expected: Any
    got: Any
    correct: bool
    flagged: bool
    confidence: float | None
    paired: bool  # the golden form / indicator had a predicted partner
    page: int | None = None
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocScore:
    """Counts for one (document, variant); :func:`aggregate` turns them into rates."""

    doc_id: str
    variant: str | None = None
    forms_gold: int = 0
    forms_pred: int = 0
    forms_paired: int = 0
    indicators_gold: int = 0
    indicators_pred: int = 0
    indicators_paired: int = 0
    exact_rows: int = 0
    field_total: Counter[str] = field(default_factory=Counter)  # over paired indicators
    field_correct: Counter[str] = field(default_factory=Counter)
    header_total: Counter[str] = field(default_factory=Counter)  # over all golden forms
    header_correct: Counter[str] = field(default_factory=Counter)
    budget_total: Counter[str] = field(default_factory=Counter)
    budget_correct: Counter[str] = field(default_factory=Counter)
    lines_gold: int = 0
    lines_pred: int = 0
    lines_tp: int = 0
    records: list[FieldRecord] = field(default_factory=list)
    form_pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (gold, pred, key similarity)
    error: str | None = None  # extraction failed; the prediction was scored as empty

    def metrics(self) -> dict[str, Any]:
        return aggregate([self])


def _bad_flag(flags: Iterable[Flag], name: str, *, whole: bool = True) -> bool:
    last = name.split(".")[-1]
    for f in flags:
        if f.severity not in (Severity.WARNING, Severity.ERROR):
            continue
        if f.field is None:
            if whole:
                return True
            continue
        if f.field == name or f.field.split(".")[-1] == last:
            return True
    return False


def _confidence(conf: dict[str, float], name: str) -> float | None:
    for key in (name, name.split(".")[-1]):
        if key in conf and conf[key] is not None:
            return float(conf[key])
    return None


def _evidence(ev: dict[str, Evidence], name: str) -> tuple[int | None, str | None]:
    for key in (name, name.split(".")[-1]):
        e = ev.get(key)
        if e is not None:
            return e.page, e.source_text
    return None, None


def _plain(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, (str, int, float)):
        return value.value
    if isinstance(value, dict):
        return dict(value)
    return value


# ---------------------------------------------------------------------------------------
# Pairing


def _level3_similarity(gold: Sequence[str], pred: Sequence[str]) -> list[list[float]]:
    if not gold or not pred:
        return [[0.0] * len(pred) for _ in gold]
    return (cdist(list(gold), list(pred), scorer=fuzz.ratio) / 100.0).tolist()


def pair_forms(gold: Sequence[Form], pred: Sequence[Form]) -> list[tuple[int, int, float]]:
    """Optimal one-to-one form pairs ``(gold index, pred index, key similarity)``."""
    gk = [form_key(f) for f in gold]
    pk = [form_key(f) for f in pred]
    sims = _level3_similarity(gk, pk)
    g_l3 = [{fold(i.level3) for i in f.indicators if fold(i.level3)} for f in gold]
    p_l3 = [{fold(i.level3) for i in f.indicators if fold(i.level3)} for f in pred]
    weights: dict[tuple[int, int], float] = {}
    key_sim: dict[tuple[int, int], float] = {}
    gu = [fold(f.unit_name) for f in gold]
    pu = [fold(f.unit_name) for f in pred]
    unit_sims = _level3_similarity(gu, pu)
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            s = 1.0 if not gk[i] and not pk[j] else sims[i][j]
            if (not g.project_name or not p.project_name) and gu[i] and pu[j]:
                # a project name missing on one side: the unit still identifies the form
                s = max(s, unit_sims[i][j])
            if g.form_type != p.form_type:
                s -= FORM_TYPE_PENALTY
            if s < MIN_FORM_SIMILARITY - _EPS:
                continue
            union = g_l3[i] | p_l3[j]
            jaccard = len(g_l3[i] & p_l3[j]) / len(union) if union else 0.0
            order = abs(i / max(len(gold), 1) - j / max(len(pred), 1))
            weights[(i, j)] = s + 0.05 * jaccard - 0.002 * order + 0.01
            key_sim[(i, j)] = s
    return [(i, j, key_sim[(i, j)]) for i, j in assign(weights)]


def pair_indicators(gold: Sequence[Indicator], pred: Sequence[Indicator]) -> list[tuple[int, int, float]]:
    """Optimal one-to-one indicator pairs ``(gold index, pred index, level3 similarity)``."""
    g3 = [fold(i.level3) for i in gold]
    p3 = [fold(i.level3) for i in pred]
    sims = _level3_similarity(g3, p3)
    weights: dict[tuple[int, int], float] = {}
    for i, g in enumerate(gold):
        if not g3[i]:
            continue
        for j, p in enumerate(pred):
            s = sims[i][j]
            if not p3[j] or g.scope != p.scope or s < MIN_INDICATOR_SIMILARITY - _EPS:
                continue
            tie = (
                0.01 * text_equal(g.level2, p.level2)
                + 0.005 * text_equal(g.level1, p.level1)
                + 0.005 * indicator_field_equal("target", g, p)
                - 0.002 * abs(i / max(len(gold), 1) - j / max(len(pred), 1))
            )
            weights[(i, j)] = s + tie
    return [(i, j, sims[i][j]) for i, j in assign(weights)]


# ---------------------------------------------------------------------------------------
# Scoring


def _line_key(line: BudgetLine) -> tuple[str, str, str]:
    return fold(line.section), fold(line.item), fold(line.column)


def match_lines(gold: Sequence[BudgetLine], pred: Sequence[BudgetLine]) -> list[tuple[int, int]]:
    """One-to-one budget-line matches: equal folded (section, item, column), amount within tolerance.

    Within one text key, matching sorted amounts two-pointer style is a maximum matching
    (intervals of equal width on a line), so no assignment solver is needed.
    """
    by_key: dict[tuple[str, str, str], tuple[list[int], list[int]]] = {}
    for i, ln in enumerate(gold):
        by_key.setdefault(_line_key(ln), ([], []))[0].append(i)
    for j, ln in enumerate(pred):
        if _line_key(ln) in by_key:
            by_key[_line_key(ln)][1].append(j)
    matches: list[tuple[int, int]] = []
    for gi, pj in by_key.values():
        nones_g = [i for i in gi if gold[i].amount is None]
        nones_p = [j for j in pj if pred[j].amount is None]
        matches.extend(zip(nones_g, nones_p))
        g_sorted = sorted((i for i in gi if gold[i].amount is not None), key=lambda i: gold[i].amount)  # type: ignore[arg-type, return-value]
        p_sorted = sorted((j for j in pj if pred[j].amount is not None), key=lambda j: pred[j].amount)  # type: ignore[arg-type, return-value]
        a = b = 0
        while a < len(g_sorted) and b < len(p_sorted):
            ga, pb = gold[g_sorted[a]].amount, pred[p_sorted[b]].amount
            if amount_equal(ga, pb):
                matches.append((g_sorted[a], p_sorted[b]))
                a += 1
                b += 1
            elif ga < pb:  # type: ignore[operator]
                a += 1
            else:
                b += 1
    return matches


def _line_repr(line: BudgetLine) -> str:
    return f"{line.section or ''} | {line.item or ''} | {line.column or ''} | {line.amount}"


class _Scorer:
    """Holds the per-document context while records are written."""

    def __init__(self, gold: Document, pred: Document, variant: str | None) -> None:
        self.gold, self.pred = gold, pred
        self.s = DocScore(doc_id=gold.doc_id, variant=variant)

    def record(self, **kw: Any) -> None:
        self.s.records.append(FieldRecord(doc=self.gold.doc_id, variant=self.s.variant, **kw))

    def run(self) -> DocScore:
        s = self.s
        s.forms_gold, s.forms_pred = len(self.gold.forms), len(self.pred.forms)
        s.indicators_gold = sum(len(f.indicators) for f in self.gold.forms)
        s.indicators_pred = sum(len(f.indicators) for f in self.pred.forms)
        s.lines_gold = sum(len(f.budget.lines) for f in self.gold.forms)
        s.lines_pred = sum(len(f.budget.lines) for f in self.pred.forms)
        s.form_pairs = pair_forms(self.gold.forms, self.pred.forms)
        s.forms_paired = len(s.form_pairs)
        partner = {i: j for i, j, _ in s.form_pairs}
        paired_pred = set(partner.values())
        # A golden form the prediction missed still counts as flagged when the prediction said it
        # failed somewhere it could not place: an unpaired form carrying an error, or a document error.
        self.unpaired_flagged = any(f.severity == Severity.ERROR for f in self.pred.flags) or any(
            any(f.severity == Severity.ERROR for f in p.flags) for j, p in enumerate(self.pred.forms) if j not in paired_pred
        )
        for gi, gform in enumerate(self.gold.forms):
            pform = self.pred.forms[partner[gi]] if gi in partner else None
            self.score_form(gi, gform, pform)
        return s

    def score_form(self, gi: int, gform: Form, pform: Form | None) -> None:
        s = self.s
        label = gform.project_name or gform.unit_name or f"#{gi + 1}"
        base = dict(form=label, form_index=gi)
        for name in HEADER_FIELDS + BUDGET_FIELDS:
            expected = _plain(_get_path(gform, name))
            if pform is None:
                ok, got, flagged, conf, page, ev = False, None, self.unpaired_flagged, None, None, None
            else:
                ok = header_field_equal(name, gform, pform)
                got = _plain(_get_path(pform, name))
                flagged = _bad_flag(pform.flags, name)
                conf = _confidence(pform.confidence, name)
                page, ev = _evidence(pform.evidence, name)
            totals, corrects = (s.budget_total, s.budget_correct) if name in BUDGET_FIELDS else (s.header_total, s.header_correct)
            totals[name] += 1
            corrects[name] += ok
            self.record(**base, indicator=None, indicator_index=None, field=name, expected=expected, got=got,
                        correct=ok, flagged=flagged, confidence=conf, paired=pform is not None, page=page, evidence=ev)
        self.score_lines(base, gform, pform)
        self.score_indicators(base, gform, pform)

    def score_lines(self, base: dict[str, Any], gform: Form, pform: Form | None) -> None:
        plines = pform.budget.lines if pform is not None else []
        matched = dict(match_lines(gform.budget.lines, plines))
        self.s.lines_tp += len(matched)
        for i, gl in enumerate(gform.budget.lines):
            pl = plines[matched[i]] if i in matched else None
            flagged = pform is None and self.unpaired_flagged
            if pform is not None:
                flagged = _bad_flag(pform.flags, LINE_FIELD, whole=False) or (pl is not None and _bad_flag(pl.flags, "amount"))
            conf = _confidence(pl.confidence, "amount") if pl is not None else None
            page, ev = _evidence(pl.evidence, "amount") if pl is not None else (None, None)
            self.record(**base, indicator=None, indicator_index=None, field=LINE_FIELD, expected=_line_repr(gl),
                        got=_line_repr(pl) if pl is not None else None, correct=pl is not None, flagged=flagged,
                        confidence=conf, paired=pform is not None, page=page, evidence=ev)

    def score_indicators(self, base: dict[str, Any], gform: Form, pform: Form | None) -> None:
        s = self.s
        pinds = pform.indicators if pform is not None else []
        pairs = {i: j for i, j, _ in pair_indicators(gform.indicators, pinds)}
        s.indicators_paired += len(pairs)
        form_flags_missing = (pform is None and self.unpaired_flagged) or (
            pform is not None and _bad_flag(pform.flags, "indicators", whole=False)
        )
        for ii, gind in enumerate(gform.indicators):
            pind = pinds[pairs[ii]] if ii in pairs else None
            all_ok = pind is not None
            for name in INDICATOR_FIELDS:
                expected = _plain(getattr(gind, name))
                if pind is None:
                    ok, got, flagged, conf, page, ev = False, None, form_flags_missing, None, None, None
                else:
                    ok = indicator_field_equal(name, gind, pind)
                    got = _plain(getattr(pind, name))
                    flagged = _bad_flag(pind.flags, name)
                    conf = _confidence(pind.confidence, name)
                    page, ev = _evidence(pind.evidence, name)
                    s.field_total[name] += 1
                    s.field_correct[name] += ok
                all_ok = all_ok and ok
                self.record(**base, indicator=gind.level3, indicator_index=ii, field=name, expected=expected, got=got,
                            correct=ok, flagged=flagged, confidence=conf, paired=pind is not None, page=page, evidence=ev)
            s.exact_rows += all_ok


def score_document(gold: Document, pred: Document, *, variant: str | None = None) -> DocScore:
    """Score one prediction against its golden label (spec: "How the scorer compares")."""
    return _Scorer(gold, pred, variant).run()


# ---------------------------------------------------------------------------------------
# Aggregation


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _f1(tp: int, n_gold: int, n_pred: int) -> float | None:
    return _ratio(2 * tp, n_gold + n_pred)


def _sum_counters(scores: Sequence[DocScore], get: Callable[[DocScore], Counter[str]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for sc in scores:
        out.update(get(sc))
    return out


def confidence_bucket(conf: float | None) -> str:
    if conf is None:
        return NO_CONFIDENCE
    for name, lo, hi in CONFIDENCE_BUCKETS:
        if lo <= conf < hi:
            return name
    return CONFIDENCE_BUCKETS[0][0] if conf < 0 else CONFIDENCE_BUCKETS[-1][0]


def calibration(records: Sequence[FieldRecord]) -> list[dict[str, Any]]:
    """Accuracy per confidence bucket; fields without a confidence in their own bucket."""
    rows = []
    for name in [b[0] for b in CONFIDENCE_BUCKETS] + [NO_CONFIDENCE]:
        rs = [r for r in records if confidence_bucket(r.confidence) == name]
        confs = [r.confidence for r in rs if r.confidence is not None]
        rows.append({
            "bucket": name,
            "fields": len(rs),
            "correct": sum(r.correct for r in rs),
            "accuracy": _ratio(sum(r.correct for r in rs), len(rs)),
            "mean_confidence": sum(confs) / len(confs) if confs else None,
        })
    return rows


def calibration_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Whether accuracy rises with confidence, and the expected calibration error.

    ``calibration_monotone`` is 1.0 when no bucket with fields is less accurate than a
    lower-confidence bucket with fields (empty buckets say nothing), else 0.0 — a number,
    so ``eval/thresholds.toml`` can require it. ``expected_calibration_error`` is the
    field-weighted mean of |accuracy − mean confidence| over the buckets.
    """
    filled = [r for r in rows if r["bucket"] != NO_CONFIDENCE and r["fields"]]
    accs = [r["accuracy"] for r in filled]
    monotone = all(b >= a for a, b in zip(accs, accs[1:]))
    n = sum(r["fields"] for r in filled)
    ece = sum(r["fields"] * abs(r["accuracy"] - r["mean_confidence"]) for r in filled) / n if n else None
    return {"calibration_monotone": 1.0 if monotone else 0.0, "expected_calibration_error": ece}


def aggregate(scores: Sequence[DocScore]) -> dict[str, Any]:
    """Micro-averaged metrics over DocScores (counts summed, then divided).

    Rates with an empty denominator are ``None`` (not applicable), never 0 or 1.
    """
    g = sum(s.forms_gold for s in scores)
    p = sum(s.forms_pred for s in scores)
    fp = sum(s.forms_paired for s in scores)
    ig = sum(s.indicators_gold for s in scores)
    ip = sum(s.indicators_pred for s in scores)
    ipr = sum(s.indicators_paired for s in scores)
    ft = _sum_counters(scores, lambda s: s.field_total)
    fc = _sum_counters(scores, lambda s: s.field_correct)
    ht = _sum_counters(scores, lambda s: s.header_total)
    hc = _sum_counters(scores, lambda s: s.header_correct)
    bt = _sum_counters(scores, lambda s: s.budget_total)
    bc = _sum_counters(scores, lambda s: s.budget_correct)
    lg = sum(s.lines_gold for s in scores)
    lp = sum(s.lines_pred for s in scores)
    ltp = sum(s.lines_tp for s in scores)
    records = [r for s in scores for r in s.records]
    wrong = [r for r in records if not r.correct]
    flagged = [r for r in records if r.flagged]
    return {
        "documents": len(scores),
        "errors": sum(1 for s in scores if s.error),
        "form_recall": _ratio(fp, g),
        "form_precision": _ratio(fp, p),
        "indicator_precision": _ratio(ipr, ip),
        "indicator_recall": _ratio(ipr, ig),
        "indicator_f1": _f1(ipr, ig, ip),
        # the one input the average hides: issue 11 asks that no document fall below 0.90
        "worst_document_indicator_f1": min((f for s in scores if s.indicators_gold
                                            if (f := _f1(s.indicators_paired, s.indicators_gold, s.indicators_pred))
                                            is not None), default=None),
        "indicator_field_accuracy": _ratio(sum(fc.values()), sum(ft.values())),
        "field_accuracy": {f: _ratio(fc[f], ft[f]) for f in INDICATOR_FIELDS},
        "exact_row_rate": _ratio(sum(s.exact_rows for s in scores), ig),
        "exact_row_rate_paired": _ratio(sum(s.exact_rows for s in scores), ipr),
        "header_accuracy": _ratio(sum(hc.values()), sum(ht.values())),
        "header_field_accuracy": {f: _ratio(hc[f], ht[f]) for f in HEADER_FIELDS},
        "budget_accuracy": _ratio(sum(bc.values()), sum(bt.values())),
        "budget_field_accuracy": {f: _ratio(bc[f], bt[f]) for f in BUDGET_FIELDS},
        "budget_line_precision": _ratio(ltp, lp),
        "budget_line_recall": _ratio(ltp, lg),
        "budget_line_f1": _f1(ltp, lg, lp),
        "field_error_rate": _ratio(len(wrong), len(records)),
        "silent_error_rate": _ratio(sum(1 for r in wrong if not r.flagged), len(records)),
        "flag_recall": _ratio(sum(1 for r in wrong if r.flagged), len(wrong)),
        "flag_precision": _ratio(sum(1 for r in flagged if not r.correct), len(flagged)),
        "calibration": (cal := calibration(records)),
        **calibration_summary(cal),
        "counts": {
            "forms_gold": g, "forms_pred": p, "forms_paired": fp,
            "indicators_gold": ig, "indicators_pred": ip, "indicators_paired": ipr,
            "lines_gold": lg, "lines_pred": lp, "lines_matched": ltp,
            "fields": len(records), "fields_wrong": len(wrong), "fields_flagged": len(flagged),
        },
    }
