"""Checks across the rows of one table: a table is regular, so a row that breaks the
pattern of its neighbours is where cells were lost, merged or misaligned.

* ``column_value_missing`` — a column filled on (nearly) every row of the table is empty on
  this one (seed 003 scanned: 指标值确定依据 lost on a few OCR'd rows);
* ``level3_merged`` — a level3 that is another row's level3 plus more, or a name written
  twice (side-by-side tables and OCR lines joined across rows);
* ``value_pattern_break`` — a numeric target without the operator or unit the table's
  other numeric targets carry;
* ``framework_level1_absent`` — the table follows a framework but one of its L1s has no row
  at all (a block of rows lost; the flag goes on the form's ``indicators``).
"""

from __future__ import annotations

from collections import defaultdict

from jixiao.domain.framework import FRAMEWORKS, canonical_level1, level1_for_level2
from jixiao.reconcile.common import raise_flag
from jixiao.model.output import Form, Indicator
from jixiao.domain.values import fold

FILL_SHARE = 0.75  # a column filled on at least this share of rows is "always filled"
MIN_ROWS = 4
# half_year is left out: an empty half-year cell is a convention for end-of-year-only
# indicators (系统平均故障修复时间 has only the full-year value).
_COLUMNS = ("level1", "level2", "description", "key_task", "target", "basis", "category", "history")
MERGED_MIN = 5  # a contained row name must be this long (维护率 inside 设施设备维修维护率 is morphology)


def check_rows(form: Form) -> None:
    for scope, rows in _tables(form).items():
        _check_columns(rows)
        _check_value_pattern(rows)
        _check_merged_level3(rows)
        _check_framework_coverage(form, scope, rows)


def _tables(form: Form) -> dict[str, list[Indicator]]:
    out: dict[str, list[Indicator]] = defaultdict(list)
    for ind in form.indicators:
        if ind.level3:
            out[ind.scope].append(ind)
    return out


def _filled(ind: Indicator, column: str) -> bool:
    v = getattr(ind, column)
    return bool(v) if not isinstance(v, str) else bool(v.strip())


def _check_columns(rows: list[Indicator]) -> None:
    if len(rows) < MIN_ROWS:
        return
    for column in _COLUMNS:
        filled = sum(_filled(i, column) for i in rows)
        if filled == len(rows) or filled < FILL_SHARE * len(rows):
            continue
        for ind in rows:
            if not _filled(ind, column) and not _bare_row(ind):
                raise_flag(ind, "column_value_missing",
                           f"{ind.level3}: {column} empty while {filled} of {len(rows)} rows of the table have one",
                           column, filled=filled, rows=len(rows))


def _bare_row(ind: Indicator) -> bool:
    return any(f.code in ("placeholder_indicator", "level3_is_framework_name") for f in ind.flags)


def _check_merged_level3(rows: list[Indicator]) -> None:
    names = {fold(i.level3) for i in rows}
    for ind in rows:
        key = fold(ind.level3)
        half = len(key) // 2
        if len(key) >= 4 and len(key) % 2 == 0 and key[:half] == key[half:]:
            raise_flag(ind, "level3_merged", f"level3 {ind.level3} is one name written twice", "level3",
                       value=ind.level3)
            continue
        others = [n for n in names if n != key and len(n) >= MERGED_MIN and len(key) - len(n) >= 4
                  and (key.startswith(n) or key.endswith(n))]
        if others:
            raise_flag(ind, "level3_merged",
                       f"level3 {ind.level3} contains the row {others[0]} as well: rows joined?", "level3",
                       value=ind.level3, contains=sorted(others))


def _check_framework_coverage(form: Form, scope: str, rows: list[Indicator]) -> None:
    """Warn when the table's framework has an L1 with no row (only when no framework is
    fully covered, so a form following a smaller framework is never blamed)."""
    present = {c for c in (canonical_level1(i.level1) for i in rows) if c}
    if len(present) < 2 or len(rows) < MIN_ROWS:
        return
    scored = []
    for fw in FRAMEWORKS:
        l1s = set(fw.level1s)
        if present <= l1s:
            scored.append((len(present) / len(l1s), fw))
    if not scored:
        return
    share, best = max(scored, key=lambda x: x[0])
    if share == 1.0 or share < 0.5:
        return
    # an L1 whose L2s sit under another L1 is there (满意度 as an L2 of 效益)
    l2_homes = {h for i in rows for h in level1_for_level2(i.level2)}
    absent = [l1 for l1 in best.level1s if l1 not in present and l1 not in l2_homes]
    if not absent:
        return
    raise_flag(form, "framework_level1_absent",
               f"{scope} table follows {best.key} but has no {', '.join(absent)} row: rows lost?", "indicators",
               framework=best.key, absent=absent, scope=scope)


def _check_value_pattern(rows: list[Indicator]) -> None:
    """A numeric target without the operator (or unit) that the table's other numeric targets
    all carry lost it (an operator column dropped by OCR: 120处 for ≥120处)."""
    numeric = [(i, i.target_parsed) for i in rows if i.target_parsed is not None and i.target_parsed.number is not None]
    if len(numeric) < MIN_ROWS:
        return
    with_op = sum(p.op is not None for _, p in numeric)
    with_unit = sum(bool(p.unit or i.unit) for i, p in numeric)
    for ind, p in numeric:
        bare_full = p.unit == "%" and p.number == 100  # "100%" reads as =100% (Suzhou 资金到位率)
        dimensionless = any(w in fold(ind.level3) for w in ("系数", "指数", "倍", "比值"))
        if p.op is None and not bare_full and len(numeric) > with_op >= FILL_SHARE * len(numeric):
            raise_flag(ind, "value_pattern_break",
                       f"{ind.level3}: target {ind.target} has no operator; {with_op} of {len(numeric)} do",
                       "target", missing="operator", share=f"{with_op}/{len(numeric)}")
        elif not (p.unit or ind.unit) and not dimensionless and len(numeric) > with_unit >= FILL_SHARE * len(numeric):
            raise_flag(ind, "value_pattern_break",
                       f"{ind.level3}: target {ind.target} has no unit; {with_unit} of {len(numeric)} do",
                       "target", missing="unit", share=f"{with_unit}/{len(numeric)}")
