"""Framework check: canonical L1/L2 names, and L1s restored where the framework is sure.

Merged L1 cells are where exports and OCR go wrong most: the cell is lost, or the
extractor fills the L1 above down into the next block (seed 000: the 预算执行 rows under
决策 although 预算执行 belongs to 过程). The framework (``jixiao.domain.framework``) tells which L1
an L2 belongs to; this module uses it, but only

* when the level1 was not printed in that row (evidence status INFERRED/UNGROUNDED, or —
  without evidence — when it merely repeats the previous row's level1), and
* when the answer is unambiguous: the candidate L1s of the L2 are narrowed first to the L1s
  the form itself uses, then to the frameworks compatible with those L1s, then globally;
  the first step that leaves exactly one candidate decides.

A restored level1 is written the way the form writes that L1 elsewhere (过程 vs 过程指标).
"""

from __future__ import annotations

import re
from collections import Counter

from jixiao.domain.framework import (
    FRAMEWORKS,
    Framework,
    canonical_level1,
    suffixed_level1s,
    canonical_level2,
    fits,
    frameworks_with,
    is_open_level1,
    known_level2s,
    level1_for_level2,
    match_level1,
    match_level2,
    name_key,
)
from jixiao.reconcile.common import Ledger, raise_flag
from jixiao.model.output import AlignmentStatus, Evidence, Form, Indicator
from jixiao.domain.values import fold

FIT_BONUS = 0.5  # log-odds for a level that sits where the framework says it should
_PRINTED = {AlignmentStatus.EXACT, AlignmentStatus.REPAIRED, AlignmentStatus.FUZZY}
_PLACEHOLDER = re.compile(r"^(?:…+|\.{3,}|。{3,}|-+|—+|指标\d*[:：]?|\d+)$")


def check_levels(form: Form, ledger: Ledger) -> None:
    """Run the framework check over one form's indicators (mutates them).

    Pass 1 decides which level1s were printed (on the rows as extracted) and moves L2
    names out of the L1 column; pass 2 restores level1s and checks the names against the
    framework the form as a whole uses.
    """
    inds = form.indicators
    printed_l1s = [level1_printed(ind, prev) for ind, prev in zip(inds, [None, *inds])]
    l2_column = _level1_column_holds_level2s(inds)
    for ind in inds:
        _shift_level2_out_of_level1(ind, l2_column)
    form_l1s = _form_level1s(form)
    form_l2s = [c for c in (canonical_level2(i.level2) for i in inds) if c]
    spelling = _spellings(form)
    has_l1 = any(i.level1 for i in inds)
    has_l2 = any(i.level2 for i in inds)
    for ind, printed in zip(inds, printed_l1s):
        _fix_level1(ind, printed, form_l1s, spelling, has_l1, form_l2s)
        _check_level1_name(ind)
        _check_level2_name(ind, has_l2)
        _check_level3(ind)
        ind.level1_canonical = canonical_level1(ind.level1)
        ind.level2_canonical = canonical_level2(ind.level2, ind.level1)
        _credit_fit(ind, ledger)
    _check_suffix_style(form)


# ---------------------------------------------------------------------------------------


def _form_level1s(form: Form) -> list[str]:
    """Canonical L1s the form uses, in order of first appearance."""
    out: list[str] = []
    for ind in form.indicators:
        c = canonical_level1(ind.level1)
        if c and c not in out:
            out.append(c)
    return out


def _spellings(form: Form) -> dict[str, str]:
    """How this form prints each canonical L1 (most common printed spelling)."""
    seen: dict[str, Counter[str]] = {}
    for ind in form.indicators:
        c = canonical_level1(ind.level1)
        if c and ind.level1:
            seen.setdefault(c, Counter())[ind.level1] += 1
    return {c: cnt.most_common(1)[0][0] for c, cnt in seen.items()}


def level1_printed(ind: Indicator, prev: Indicator | None) -> bool:
    """Whether the row's level1 was printed in that row (then it is never overwritten).

    With evidence the extractor says so (EXACT/REPAIRED/FUZZY = printed). Without evidence
    (an LLM reading, a hand-made form) a level1 equal to the previous row's may be a
    fill-down, and the first row of a run is taken as printed.
    """
    ev = ind.evidence.get("level1")
    if ev is not None:
        return ev.status in _PRINTED
    return not (prev is not None and fold(prev.level1) == fold(ind.level1))


def _level2_inferred(ind: Indicator) -> bool:
    ev = ind.evidence.get("level2")
    return ev is not None and ev.status not in _PRINTED


def _level1_column_holds_level2s(inds: list[Indicator]) -> bool:
    """Whether the form's "level1" column is really a level2 column (指标类型 = 数量指标 …).

    Forms with one category column print the classic framework's level2s in it; 成本指标 is
    then a level2 under 产出 even though the 2021 framework also knows it as a level1.
    Decided on the printed cells: most names are level2s and not level1s.
    """
    printed = [i.level1 for i in inds if i.level1 and (ev := i.evidence.get("level1")) is not None and ev.status in _PRINTED]
    if not printed:
        return False
    pure_l2 = sum(1 for t in printed if canonical_level1(t) is None and canonical_level2(t) is not None)
    return pure_l2 > len(printed) / 2


def _shift_level2_out_of_level1(ind: Indicator, level2_column: bool = False) -> None:
    """A lost L1 cell shifts the L2 name into the L1 column: move it back.

    With ``level2_column`` (the column holds level2s) a name that is both a level1 and a
    level2 (成本指标) moves as well.
    """
    if not ind.level1 or (canonical_level1(ind.level1) is not None and not level2_column):
        return
    c2 = canonical_level2(ind.level1)
    if c2 is None or not level1_for_level2(c2):
        return
    same = fold(ind.level2) == fold(ind.level1)  # the L2 was read from that very cell (an LLM's reading)
    if ind.level2 and not same and not _level2_inferred(ind) and canonical_level2(ind.level2) is not None:
        return  # a real L2 is printed: the L1 cell is something else
    old_l1, old_l2 = ind.level1, (None if same else ind.level2)
    ind.level2 = ind.level1
    if "level1" in ind.evidence:
        ind.evidence["level2"] = ind.evidence.pop("level1")
    ind.level1 = None
    raise_flag(
        ind, "level2_moved_from_level1",
        f"level1 cell held the level2 name {old_l1}; moved to level2"
        + (f" (replacing filled-down {old_l2})" if old_l2 else ""),
        "level2", level1=old_l1, level2_before=old_l2,
    )


def _candidates(l2: str, form_l1s: list[str], form_l2s: list[str] | None = None) -> tuple[list[str], str]:
    """Candidate L1s for an L2, narrowed step by step; returns (candidates, how)."""
    allc = level1_for_level2(l2)
    if len(allc) <= 1:
        return allc, "framework"
    in_form = [c for c in allc if c in form_l1s]
    if len(in_form) == 1:
        return in_form, "form"
    fws = frameworks_with(form_l1s) if form_l1s else _frameworks_by_level2s(form_l2s or [])
    by_fw = [c for c in allc if any(c in fw.level1s and l2_in(fw, c, l2) for fw in fws)]
    if len(by_fw) == 1:
        return by_fw, "framework_of_form"
    if not form_l1s:
        # nothing printed decides: the level1 the level2 is named after (服务对象满意度指标 →
        # 满意度指标, the national framework's own home for it, not 效益's local variant)
        named = [c for c in (by_fw or allc) if c.removesuffix("指标") and c.removesuffix("指标") in l2]
        if len(named) == 1:
            return named, "name"
    return allc, "ambiguous"


def _frameworks_by_level2s(form_l2s: list[str]) -> list[Framework]:
    """With no level1 printed, the frameworks that list the most of the form's level2s.

    A form printing 数量/质量/时效/成本/社会效益 … is a project form, so 社会效益指标 goes
    under 效益指标 and not under Hubei's 社会效应.
    """
    def hits(fw: Framework) -> int:
        return sum(1 for l2 in set(form_l2s) if any(l2_in(fw, l1, l2) for l1 in fw.level1s))

    best = max((hits(fw) for fw in FRAMEWORKS), default=0)
    return [fw for fw in FRAMEWORKS if hits(fw) == best] if best else list(FRAMEWORKS)


def l2_in(fw: Framework, l1: str, l2: str) -> bool:
    """Whether ``l2`` is listed under ``l1`` in framework ``fw`` (open L1s list none)."""
    l2s = fw.level2s(l1)
    return bool(l2s) and canonical_level2(l2) in l2s


def _fix_level1(
    ind: Indicator, printed: bool, form_l1s: list[str], spelling: dict[str, str], has_l1: bool,
    form_l2s: list[str] | None = None,
) -> None:
    """Restore an empty level1, or an inferred one that contradicts its level2.

    ``printed`` is decided on the rows as extracted, before any row was changed, so that
    restoring one row does not make the next filled-down row look printed.
    """
    if not ind.level3 and not ind.level2:
        return
    c2 = canonical_level2(ind.level2)
    empty = not ind.level1
    if empty:
        printed = False
    elif fits(ind.level1, ind.level2) is not False:
        return
    cands, how = _candidates(ind.level2, form_l1s, form_l2s) if c2 else ([], "unknown_level2")
    if len(cands) == 1 and not printed:
        _restore(ind, cands[0], spelling, how)
    elif empty:
        if has_l1 and ind.level3:
            raise_flag(
                ind, "level1_missing",
                f"level1 empty; level2 {ind.level2 or '—'} allows {', '.join(cands) or 'no known level1'}",
                "level1", level2=ind.level2, candidates=cands,
            )
    else:
        raise_flag(
            ind, "level_mismatch",
            f"level2 {ind.level2} belongs to {', '.join(cands)}, not to level1 {ind.level1}"
            + (" (printed in the row: not changed)" if printed else " (ambiguous: not changed)"),
            "level1", level1=ind.level1, level2=ind.level2, candidates=cands, printed=printed,
        )


def _restore(ind: Indicator, l1: str, spelling: dict[str, str], how: str) -> None:
    old = ind.level1
    new = spelling.get(l1, l1)
    ind.level1 = new
    old_ev = ind.evidence.get("level1") or ind.evidence.get("level2")
    ind.evidence["level1"] = Evidence(
        page=old_ev.page if old_ev else None,
        bbox=None,
        source_text=old,
        status=AlignmentStatus.INFERRED,
        extractor="framework",
    )
    what = f"level1 {old} → {new}" if old else f"level1 (empty) → {new}"
    raise_flag(
        ind, "level1_restored_from_framework",
        f"{what}: level2 {ind.level2} belongs to {l1}",
        "level1", before=old, after=new, level2=ind.level2, decided_by=how, status=AlignmentStatus.INFERRED.value,
    )


def _check_level1_name(ind: Indicator) -> None:
    if not ind.level1 or canonical_level1(ind.level1):
        return
    m = match_level1(ind.level1)
    if m:
        raise_flag(ind, "level1_fuzzy", f"level1 {ind.level1} looks like {m.canonical} (score {m.score:g})",
                   "level1", value=ind.level1, suggestion=m.canonical, score=m.score)
    else:
        sugg = level1_for_level2(ind.level2)
        raise_flag(ind, "level1_unknown", f"level1 {ind.level1} is no framework's level1",
                   "level1", value=ind.level1, level2_allows=sugg)


def _check_level2_name(ind: Indicator, has_l2: bool) -> None:
    """An L2 must be a framework L2 of its L1 — unless the L1 is open (履职) or the L2 is a
    local variant (shares its first two characters with one: 组织管理 for 组织实施).

    With an unknown L1 (garbled) the L2 is checked against every framework L2. An unknown
    L2 also casts doubt on the row's level3: OCR bleeds text between the two columns
    (seed 004: 亲 | 所引进项目开工率 for 新引进项目开工率).
    """
    c1 = canonical_level1(ind.level1)
    if not ind.level2:
        if has_l2 and ind.level3 and c1 and not is_open_level1(c1):
            raise_flag(ind, "level2_missing", "level2 empty while other rows of the form have one", "level2")
        return
    if (c1 is not None and is_open_level1(c1)) or canonical_level2(ind.level2, ind.level1):
        return
    m = match_level2(ind.level2, ind.level1)
    if m:
        raise_flag(ind, "level2_fuzzy", f"level2 {ind.level2} looks like {m.canonical} (score {m.score:g})",
                   "level2", value=ind.level2, suggestion=m.canonical, score=m.score)
        return
    key = name_key(ind.level2)
    peers = known_level2s(c1) if c1 else []  # variants are tolerated under a known L1 only
    variant_of = next((p for p in peers if len(key) >= 2 and name_key(p)[:2] == key[:2]), None)
    if variant_of:
        raise_flag(ind, "level2_local_variant", f"level2 {ind.level2}: a local variant of {variant_of}?",
                   "level2", value=ind.level2, level1=c1, like=variant_of)
        return
    raise_flag(ind, "level2_unknown",
               f"level2 {ind.level2} is not a level2 of {c1 or 'any framework level1'} in any framework",
               "level2", value=ind.level2, level1=c1)
    if ind.level3:
        raise_flag(ind, "level3_doubtful_alignment",
                   f"level3 {ind.level3}: its level2 {ind.level2} is no framework name, the cells may be misaligned",
                   "level3", value=ind.level3, level2=ind.level2)


_SUFFIXED = suffixed_level1s()


def _check_suffix_style(form: Form) -> None:
    """A form writing 效益指标 and 满意度指标 but 产出 has probably lost characters (seed 004:
    "产出 | 出指标" split over two OCR cells)."""
    suffixed: set[str] = set()
    for ind in form.indicators:
        c = canonical_level1(ind.level1)
        if c in _SUFFIXED and fold(ind.level1).rstrip(":：").endswith("指标"):
            suffixed.add(c)
    for ind in form.indicators:
        c = canonical_level1(ind.level1)
        if c not in _SUFFIXED or fold(ind.level1).rstrip(":：").endswith("指标"):
            continue
        if c in suffixed or len(suffixed - {c}) >= 2:
            raise_flag(ind, "level1_suffix_inconsistent",
                       f"level1 {ind.level1} lacks the 指标 the form writes on {', '.join(sorted(suffixed))}",
                       "level1", value=ind.level1, suggestion=c)


def _check_level3(ind: Indicator) -> None:
    if not ind.level3:
        return
    key = fold(ind.level3)
    if _PLACEHOLDER.match(key):
        raise_flag(ind, "placeholder_indicator", f"level3 {ind.level3} is a template placeholder",
                   "level3", value=ind.level3)
        return
    if ind.target or ind.half_year:
        return
    if canonical_level1(ind.level3) or canonical_level2(ind.level3):
        raise_flag(ind, "level3_is_framework_name",
                   f"level3 {ind.level3} is a framework name and the row has no value", "level3", value=ind.level3)


def _credit_fit(ind: Indicator, ledger: Ledger) -> None:
    if ind.level1_canonical:
        ledger.add(ind, "level1", "framework_fit", FIT_BONUS if fits(ind.level1, ind.level2) is not False else 0.0)
    if ind.level2_canonical and fits(ind.level1, ind.level2):
        ledger.add(ind, "level2", "framework_fit", FIT_BONUS)
