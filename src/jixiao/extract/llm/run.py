"""The LLM path: chunked, schema-constrained, grounded extraction merged with the rules.

``extract_with_llm(region, rules_form, mode, config, cache_dir)`` is what the pipeline
calls (lazily) when ``--llm`` is not ``off``:

* ``fallback`` sends only the chunks the rules path could not settle: a region whose
  rules form has no indicators, or rows the rules extractor flagged (``UNSETTLED_CODES``);
* ``full`` sends every indicator chunk of the region.

Every returned value is grounded (``jixiao.extract.llm.grounding``) before it may touch the form;
grounded LLM values fill gaps and replace values the rules path itself flagged, but a
rules value read from a cell is never overwritten by a disagreeing LLM value (the
disagreement is flagged instead), and an ungrounded value never wins over a grounded one.

Failures are contained per chunk: a chunk that times out or returns garbage is flagged
(``llm_chunk_failed``, with the error's context) and the rest of the document is kept.
With no endpoint configured nothing is sent anywhere and the form comes back unchanged.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.providers.cache import LlmCache, cache_key, schema_hash
from jixiao.extract.llm.chunking import Chunk, SourceRow, carry_hint, chunk_region, estimate_tokens, source_rows
from jixiao.providers.config import NOT_CONFIGURED_HELP, LlmConfig, load_config
from jixiao.extract.llm.grounding import Grounded, IndicatorList, ground_indicator, response_model_for
from jixiao.extract.llm.columns import KIND_WORDS
from jixiao.extract.llm.prompts import Prompt, load_prompt
from jixiao.providers.provider import LlmError, LlmTimeout, LlmTruncated, Provider, Usage
from jixiao.model.output import AlignmentStatus, Evidence, Flag, Form, Indicator, Severity
from jixiao.model.flags import UNSETTLED_CODES
from jixiao.model.modes import LlmMode, choices
from jixiao.segment import FormRegion
from jixiao.domain.framework import canonical_level1, canonical_level2
from jixiao.domain.values import fold, implausible_for_name, values_equal
from jixiao.extract.rows import looks_like_value
from jixiao.extract.stream import GLUED_CUT_RULE

log = logging.getLogger("jixiao.extract.llm")

PROMPT_NAME = "extract_indicators"
REGION_WIDE_CODES = frozenset({"no_indicators"})  # unsettled codes that concern the whole region
MERGE_FIELDS = ("level1", "level2", "level3", "half_year", "target")
MAX_SPLIT_DEPTH = 2
_warned_not_configured = False


@dataclass
class ChunkOutcome:
    chunk: Chunk
    items: list[Any] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cache_hits: int = 0
    calls: int = 0  # structured calls sent (not cached)
    errors: list[LlmError] = field(default_factory=list)
    seconds: float = 0.0
    parts: list[Chunk] = field(default_factory=list)  # the (sub)chunks whose items these are, in order


# ---------------------------------------------------------------------------------------
# entry point


def extract_with_llm(
    region: FormRegion,
    rules_form: Form | None,
    mode: LlmMode,
    config: LlmConfig | str | Path | None = None,
    cache_dir: str | Path | None = None,
    *,
    provider: Provider | None = None,
    prompt: Prompt | None = None,
) -> tuple[Form, dict[str, Any]]:
    """Run the LLM path on one form region; return the merged form and run stats."""
    forms, stats = extract_document_with_llm([region], [rules_form], mode, config, cache_dir,
                                             provider=provider, prompt=prompt)
    stats.pop("per_form", None)
    return forms[0], stats


@dataclass
class _Plan:
    """One region's part of a document run."""

    region: FormRegion
    rules_form: Form | None
    form: Form
    rows: list[SourceRow] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    selected: list[Chunk] = field(default_factory=list)
    context: str = ""


def extract_document_with_llm(
    regions: list[FormRegion],
    rules_forms: list[Form | None],
    mode: LlmMode,
    config: LlmConfig | str | Path | None = None,
    cache_dir: str | Path | None = None,
    *,
    provider: Provider | None = None,
    prompt: Prompt | None = None,
    examples: str = "",
) -> tuple[list[Form], dict[str, Any]]:
    """The LLM path for every form of a document at once.

    ``examples``: worked examples from golden labels of *other* documents
    (``jixiao.extract.llm.fewshot.golden_examples``), put before each chunk's form context; they
    are part of the user message and so of every cache key.

    Chunks of all regions share one pool of ``concurrency`` requests, so a budget book of
    a dozen one-chunk project forms runs in parallel instead of form by form. Returns the
    merged forms (same order) and stats: totals plus ``per_form`` (calls, tokens, seconds).
    """
    if len(regions) != len(rules_forms):
        raise ValueError(f"{len(regions)} regions but {len(rules_forms)} rules forms")
    plans = [_Plan(r, f, f.model_copy(deep=True) if f is not None else _empty_form(r)) for r, f in zip(regions, rules_forms)]
    stats: dict[str, Any] = {"mode": mode}
    if mode == LlmMode.OFF:
        return [p.form for p in plans], {**stats, "enabled": False, "reason": "--llm off"}
    if mode not in (LlmMode.FALLBACK, LlmMode.FULL):
        raise ValueError(f"unknown LLM mode {mode!r}: use {choices(LlmMode)}")

    cfg = config if isinstance(config, LlmConfig) else load_config(config)
    if provider is None:
        if not cfg.configured:
            _warn_not_configured()
            return [p.form for p in plans], {**stats, "enabled": False, "reason": NOT_CONFIGURED_HELP}
        cfg.require()
        from jixiao.providers import make_provider  # lazy: openai/instructor only when used

        provider = make_provider(cfg)
    prompt = prompt or load_prompt(PROMPT_NAME, prompts_dir=cfg.prompts_dir)

    t0 = time.monotonic()
    budget = chunk_budget(provider, prompt, cfg)
    jobs: list[tuple[int, Chunk]] = []
    for k, plan in enumerate(plans):
        plan.rows = source_rows(plan.region)
        plan.chunks = chunk_region(plan.region, max_tokens=budget, overlap=1, rows=plan.rows)
        plan.selected = plan.chunks if mode == LlmMode.FULL else select_unsettled(plan.chunks, plan.rules_form, plan.rows)
        plan.context = examples + _form_context(plan.region, plan.rules_form)
        jobs += [(k, c) for c in plan.selected]
    runner = _Runner(provider, prompt, cfg, LlmCache(cache_dir, enabled=cfg.cache))
    outcomes = runner.run_all([(c, plans[k].context) for k, c in jobs])

    per_form: list[dict[str, Any]] = []
    for k, plan in enumerate(plans):
        mine = [oc for (j, _), oc in zip(jobs, outcomes) if j == k]
        per_form.append(_finish_form(plan, mine, mode))
    totals = {key: sum(pf[key] for pf in per_form) for key in per_form[0] if key != "form"} if per_form else {}
    stats.update({
        "enabled": True, "family": provider.family, "model": provider.model, "prompt_version": prompt.version,
        "chunk_tokens_budget": budget, **totals, "seconds": round(time.monotonic() - t0, 3), "per_form": per_form,
    })
    return [p.form for p in plans], stats


def _finish_form(plan: _Plan, outcomes: list[ChunkOutcome], mode: str) -> dict[str, Any]:
    """Ground, deduplicate and merge one region's answers into its form; its stats."""
    form = plan.form
    grounded: list[Grounded] = []
    # A failed chunk is an error where nothing else read its rows, a warning where the rules did.
    unread = mode == LlmMode.FALLBACK or plan.rules_form is None or not plan.rules_form.indicators
    for oc in outcomes:
        for err in oc.errors:
            _flag_failure(form, oc.chunk, err, unsettled=unread)
        for part, items in zip(oc.parts, oc.items, strict=True):
            results = [ground_indicator(item, part) for item in items]
            _flag_dropped(form, part, [g for g in results if g.dropped is not None])
            grounded += results
    kept = dedupe_by_row(grounded)
    merge_stats = merge_indicators(form, kept, plan.rows)
    return {
        "form": plan.region.index,
        "chunks": len(plan.chunks),
        "chunks_sent": len(plan.selected),
        "calls": sum(o.calls for o in outcomes),
        "requests": sum(o.usage.requests for o in outcomes),
        "cache_hits": sum(o.cache_hits for o in outcomes),
        "tokens_in": sum(o.usage.tokens_in for o in outcomes),
        "tokens_out": sum(o.usage.tokens_out for o in outcomes),
        "failures": sum(len(o.errors) for o in outcomes),
        "returned": len(grounded),
        "dropped_invented": sum(1 for g in grounded if g.dropped is not None),
        "ungrounded_values": sum(len(g.ungrounded) for g in kept),
        **merge_stats,
        "llm_seconds": round(sum(o.seconds for o in outcomes), 3),  # summed over chunks (they may overlap in time)
    }


def _empty_form(region: FormRegion) -> Form:
    form = Form(title=region.title, pages=list(region.pages))
    named = region.context.get("project_name")
    if named:  # a project header found inside a document sent whole (split_by_project)
        form.project_name, form.evidence["project_name"] = named[0], named[1]
    return form


def _warn_not_configured() -> None:
    global _warned_not_configured
    if not _warned_not_configured:
        log.warning(NOT_CONFIGURED_HELP)
        _warned_not_configured = True


def chunk_budget(provider: Provider, prompt: Prompt, cfg: LlmConfig) -> int:
    """Input tokens per chunk: what the context leaves after the prompt, shared with the
    output (a JSON indicator is ~2.5× the tokens of its table row)."""
    if cfg.chunk_tokens:
        return cfg.chunk_tokens
    fixed = estimate_tokens(prompt.system) + estimate_tokens(prompt.user) + 64
    free = max(provider.context_size - fixed, 400)
    return int(min(max(free / 3.5, 150), 1500))


def _max_output(provider: Provider, prompt: Prompt, cfg: LlmConfig, chunk: Chunk) -> int:
    fixed = estimate_tokens(prompt.system) + estimate_tokens(prompt.user) + chunk.tokens + 64
    room = provider.context_size - fixed
    cap = cfg.max_output_tokens or 4096
    return int(max(min(room, cap), 64))


# ---------------------------------------------------------------------------------------
# which chunks need the LLM (fallback mode)


def select_unsettled(chunks: list[Chunk], rules_form: Form | None, rows: list[SourceRow]) -> list[Chunk]:
    """Chunks holding a row the rules path flagged; all of them when the region is unsettled."""
    if rules_form is None or not rules_form.indicators:
        return chunks
    rids: set[str] = set()
    for f in rules_form.flags:
        if f.code not in UNSETTLED_CODES:
            continue
        if f.code in REGION_WIDE_CODES:
            return chunks
        rid = _rid_from_evidence(f.evidence, rows)
        if rid is None:
            return chunks  # cannot tell where: be safe, look at everything
        rids.add(rid)
    claimed: set[str] = set()
    for ind in rules_form.indicators:
        if any(f.code in UNSETTLED_CODES for f in ind.flags) or _fails_grammar(ind) or _columns_in_doubt(ind) \
                or _cut_by_judgement(ind):
            rid = locate_indicator(ind, rows, claimed)
            if rid is None:
                return chunks
            rids.add(rid)
    rids |= unread_rows(chunks, rules_form, rows)
    # Rows are never cut, so one chunk per row is enough: the first one holding it (the
    # overlap copy opens the next chunk and has less context above it).
    picked: list[Chunk] = []
    for rid in rids:
        first = next((c for c in chunks if rid in c.row_ids), None)
        if first is not None and first not in picked:
            picked.append(first)
    return [c for c in chunks if c in picked]


def _fails_grammar(ind: Indicator) -> bool:
    """A rules value the row's own name rules out (an amount for a 率): worth a second reading."""
    return any(implausible_for_name(ind.level3, getattr(ind, n)) for n in ("half_year", "target"))


def _cut_by_judgement(ind: Indicator) -> bool:
    """A row whose name and value were printed with no separator: the value was cut out of the
    text by judgement (``GLUED_CUT_RULE``), or no value was found at all (the name swallowed it:
    ``工作计划健全性健全``). Either reading is worth a second one."""
    if not (ind.target or "").strip() and not (ind.half_year or "").strip():
        return True
    return any(r.rule == GLUED_CUT_RULE for name in ("level3", "half_year", "target")
               if (ev := ind.evidence.get(name)) is not None for r in ev.repairs)


def _columns_in_doubt(ind: Indicator) -> bool:
    """A rules row whose cells look read into the wrong columns: a 三级指标 that is a value or
    a value's kind (定量 / 定性), or a 一级指标 that is printed but names no level of any
    framework (a text export that dropped a merged cell's place moves the name there)."""
    l3 = fold(ind.level3)
    if l3 and (l3 in KIND_WORDS or looks_like_value(ind.level3 or "")):
        return True
    l1 = ind.level1
    return bool(fold(l1)) and canonical_level1(l1) is None and canonical_level2(l1) is None \
        and (ind.evidence.get("level1") is None or ind.evidence["level1"].status is AlignmentStatus.EXACT)


def unread_rows(chunks: list[Chunk], rules_form: Form, rows: list[SourceRow]) -> set[str]:
    """Rows of the region's indicator tables that look like indicator rows but that no rules
    indicator was read from — asked about only when such rows outnumber what the rules read
    (a form where the rules read 3 of 9 rows and flagged nothing)."""
    sent = {r.rid: r for c in chunks for r in c.rows if r.is_table and not r.header and not r.empty}
    if not sent:
        return set()
    claimed: set[str] = set()
    for ind in rules_form.indicators:
        locate_indicator(ind, rows, claimed)
    data = [r for r in sent.values() if _is_data_row(r)]
    if len(data) <= len(rules_form.indicators):
        return set()
    return {r.rid for r in data if r.rid not in claimed}


def _is_data_row(row: SourceRow) -> bool:
    """A table row with at least two non-empty cells that are not merged-cell copies or
    level names (a bare 一级/二级 row holds no indicator)."""
    own = [c for c in row.cells if fold(c.text) and not c.is_copy]
    names = [c for c in own if canonical_level1(c.text) is None and canonical_level2(c.text) is None]
    return len(names) >= 2


def _rid_from_evidence(ev: dict[str, Any], rows: list[SourceRow]) -> str | None:
    ids = {r.rid for r in rows}
    for key in ("row_id", "rid"):
        if ev.get(key) in ids:
            return ev[key]
    line = ev.get("line")
    if line is not None:
        for r in rows:
            if any(getattr(c, "line", None) == line for c in r.cells):
                return r.rid
    text = ev.get("text") or ev.get("source_text") or ev.get("row")
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    if isinstance(text, str) and fold(text):
        ft = fold(text)
        for r in rows:
            joined = fold("".join(r.texts))
            if ft == joined or (len(ft) >= 4 and ft in joined):
                return r.rid
    return None


def locate_indicator(ind: Indicator, rows: list[SourceRow], claimed: set[str] | None = None) -> str | None:
    """The region row an indicator was read from, or None.

    The extractors stamp ``Indicator.row_id`` with the chunking's own numbering
    (``jixiao.extract.rows.block_rows``), so that id is trusted as is — a prose row holds the
    name inside a longer line, where no cell equals it. Only an indicator without an id (the
    PDF stream rung's) is still looked up by box, line or name."""
    claimed = set() if claimed is None else claimed
    ids = {r.rid: r for r in rows}
    l3 = fold(ind.level3)
    if ind.row_id in ids:
        claimed.add(ind.row_id)
        return ind.row_id
    ev = ind.evidence.get("level3")
    if ev is not None:
        for r in rows:
            for c in r.cells:
                if ev.page is not None and c.page == ev.page and ev.bbox and c.bbox and _same_box(ev.bbox, c.bbox):
                    claimed.add(r.rid)
                    return r.rid
                line = getattr(ev, "line", None)
                if line is not None and getattr(c, "line", None) == line and fold(c.text) == l3:
                    claimed.add(r.rid)
                    return r.rid
    if l3:
        src = fold(ev.source_text) if ev is not None and ev.source_text else l3
        for r in rows:
            if r.rid not in claimed and any(fold(t) in (l3, src) for t in r.texts):
                claimed.add(r.rid)
                return r.rid
    return None


def _same_box(a: Any, b: Any, tol: float = 1.0) -> bool:
    return all(abs(float(x) - float(y)) <= tol for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------
# calling the model


class _Runner:
    """Sends chunks (bounded thread pool), with the cache in front and failures contained."""

    def __init__(self, provider: Provider, prompt: Prompt, cfg: LlmConfig, cache: LlmCache):
        self.provider, self.prompt, self.cfg, self.cache = provider, prompt, cfg, cache
        # the per-document wall-clock budget (issue 15): no chunk is sent after it is spent
        self.deadline = time.monotonic() + float(getattr(cfg, "document_budget", 0) or float("inf"))
        self.enum_rows = getattr(getattr(provider, "profile", None), "structured_mode", "json_schema") == "json_schema"

    def run_all(self, jobs: list[tuple[Chunk, str]]) -> list[ChunkOutcome]:
        if not jobs:
            return []
        workers = max(1, min(self.cfg.concurrency, len(jobs)))
        if workers == 1:
            return [self.run(job) for job in jobs]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jixiao-llm") as pool:
            return list(pool.map(self.run, jobs))

    def run(self, job: tuple[Chunk, str]) -> ChunkOutcome:
        chunk, context = job
        oc = ChunkOutcome(chunk)
        t0 = time.monotonic()
        try:
            self._run_part(chunk, oc, depth=0, context=context)
        except Exception as exc:  # noqa: BLE001 - one chunk never sinks the document
            err = exc if isinstance(exc, LlmError) else LlmError(f"{type(exc).__name__}: {exc}", chunk_id=chunk.id)
            oc.errors.append(err)
        oc.seconds = time.monotonic() - t0
        return oc

    def _run_halves(self, halves: list[Chunk], oc: ChunkOutcome, depth: int, context: str) -> None:
        for half in halves:
            try:
                self._run_part(half, oc, depth + 1, context)
            except LlmError as inner:
                oc.errors.append(inner)

    def _run_part(self, chunk: Chunk, oc: ChunkOutcome, depth: int, context: str) -> None:
        if not any(not r.header and not r.empty for r in chunk.rows):
            return  # nothing but header rows: nothing to ask
        model = response_model_for(chunk, enum_rows=self.enum_rows)
        messages = self.prompt.messages(form_context=context, chunk=chunk.text)
        max_tokens = _max_output(self.provider, self.prompt, self.cfg, chunk)
        key = cache_key(model=self.provider.model, family=self.provider.family, prompt_version=self.prompt.version,
                        prompt_sha=self.prompt.sha, schema=schema_hash(model), chunk_text=messages[-1]["content"],
                        max_tokens=max_tokens, endpoint=str(getattr(self.provider, "endpoint", "") or ""))
        hit = self.cache.get(key)
        halves = split_chunk(chunk) if depth < MAX_SPLIT_DEPTH else None
        if hit is not None and hit.get("split") and halves is not None:
            oc.cache_hits += 1
            self._run_halves(halves, oc, depth, context)
            return
        if hit is not None and "response" in hit:
            oc.cache_hits += 1
            oc.parts.append(chunk)
            oc.items.append(IndicatorList.model_validate(hit["response"]).indicators)
            return
        if time.monotonic() > self.deadline:
            raise LlmTimeout(f"the per-document LLM budget of {self.cfg.document_budget:g} s is spent; "
                             "chunk not sent (raise document_budget in the LLM config)", chunk_id=chunk.id)
        try:
            oc.calls += 1
            obj, usage = self.provider.complete_structured(
                messages, model, max_tokens=max_tokens, temperature=self.cfg.temperature, chunk_id=chunk.id,
                deadline=self.deadline if self.deadline != float("inf") else None,
            )
        except LlmTruncated as exc:
            oc.usage.add(exc.usage)
            if halves is None:
                raise
            log.info("chunk %s truncated; retrying as %d smaller chunks", chunk.id, len(halves))
            self.cache.put_split(key, {"chunk_id": chunk.id, "prompt_version": self.prompt.version})
            self._run_halves(halves, oc, depth, context)
            return
        except LlmError as exc:
            oc.usage.add(exc.usage)
            exc.chunk_id = exc.chunk_id or chunk.id
            raise
        oc.usage.add(usage)
        oc.parts.append(chunk)
        oc.items.append(list(obj.indicators))
        self.cache.put(key, obj, {
            "model": self.provider.model, "family": self.provider.family, "prompt": self.prompt.name,
            "prompt_version": self.prompt.version, "chunk_id": chunk.id,
            "usage": {"tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out},
        })


def split_chunk(chunk: Chunk) -> list[Chunk] | None:
    """Two halves of a chunk's data rows after a truncated answer, each with the table
    header and its own 续表 line (the merged 一级/二级 cells above it)."""
    content = [r for r in chunk.rows if not r.empty and not r.header]
    if len(content) < 2:
        return None
    mid = len(content) // 2
    header = chunk.header or [r for r in chunk.rows if r.header]
    label = chunk.text.split("\n", 1)[0]
    out = []
    for k, part in enumerate((content[:mid], content[mid:]), 1):
        before = [*chunk.before, *(r for r in chunk.rows if _row_key(r) < _row_key(part[0]))]
        hint = carry_hint(header, before) if header else None
        lines = [f"{label}（{k}/2）", *[f"表头 {h.render()}" for h in header], *([hint] if hint else []),
                 *[r.render() for r in part]]
        text = "\n".join(lines)
        out.append(Chunk(f"{chunk.id}.{k}", chunk.region_index, part, header, before, text, estimate_tokens(text)))
    return out


def _row_key(r: SourceRow) -> tuple[int, int]:
    return (r.block, r.index)


def _form_context(region: FormRegion, rules_form: Form | None) -> str:
    lines = []
    title = (rules_form.title if rules_form and rules_form.title else None) or region.title
    if title:
        lines.append(f"表名：{title}")
    if rules_form is not None:
        if rules_form.project_name:
            lines.append(f"项目名称：{rules_form.project_name}")
        elif rules_form.unit_name:
            lines.append(f"单位名称：{rules_form.unit_name}")
    return ("\n".join(lines) + "\n") if lines else ""


def _flag_dropped(form: Form, chunk: Chunk, dropped: list[Grounded]) -> None:
    """One flag per chunk for the rows the model invented (a looping model invents dozens)."""
    if not dropped:
        return
    names = [str(g.dropped.evidence.get("llm", {}).get("level3")) for g in dropped if g.dropped]
    shown = "、".join(dict.fromkeys(names[:8])) + ("…" if len(names) > 8 else "")
    form.flags.append(Flag(
        severity=Severity.WARNING,
        code="llm_invented_row",
        message=f"LLM returned {len(dropped)} row(s) whose 三级指标 is not in chunk {chunk.id}; dropped: {shown}",
        field="level3",
        evidence={"chunk_id": chunk.id, "count": len(dropped),
                  "rows": [g.dropped.evidence for g in dropped[:20] if g.dropped]},
    ))


def _flag_failure(form: Form, chunk: Chunk, err: LlmError, *, unsettled: bool) -> None:
    ctx = err.context()
    ctx.setdefault("chunk_id", chunk.id)
    ctx["rows"] = f"{chunk.rows[0].rid}–{chunk.rows[-1].rid}" if chunk.rows else ""
    form.flags.append(Flag(
        severity=Severity.ERROR if unsettled else Severity.WARNING,
        code="llm_chunk_failed",
        message=f"LLM failed on chunk {chunk.id} ({ctx['rows']}): {err.kind}: {err.message}",
        evidence=ctx,
    ))


# ---------------------------------------------------------------------------------------
# merging


def dedupe_by_row(results: list[Grounded]) -> list[Grounded]:
    """One indicator per (row, level3): overlapping chunks report the same row twice.

    The better-grounded copy wins (more EXACT fields, fewer ungrounded ones)."""
    best: dict[tuple[str, str], Grounded] = {}
    order: list[tuple[str, str]] = []
    for g in results:
        if g.indicator is None or g.rid is None:
            continue
        key = (g.rid, fold(g.indicator.level3))
        if key not in best:
            best[key] = g
            order.append(key)
        elif _quality(g) > _quality(best[key]):
            best[key] = g
    return [best[k] for k in order]


def _quality(g: Grounded) -> tuple[int, int]:
    exact = sum(1 for s in g.statuses.values() if s is AlignmentStatus.EXACT)
    return (exact, -len(g.ungrounded))


def merge_indicators(form: Form, grounded: list[Grounded], rows: list[SourceRow]) -> dict[str, int]:
    """Merge grounded LLM indicators into ``form`` (in place); return counts."""
    order = {r.rid: i for i, r in enumerate(rows)}
    row_of = {r.rid: r for r in rows}
    claimed: set[str] = set()
    located: list[tuple[Indicator, str | None]] = [(ind, locate_indicator(ind, rows, claimed)) for ind in form.indicators]
    by_rid: dict[str, list[Indicator]] = {}
    for ind, rid in located:
        if rid is not None:
            by_rid.setdefault(rid, []).append(ind)
    unlocated = [ind for ind, rid in located if rid is None]
    counts = {"added": 0, "filled": 0, "replaced": 0, "agreed": 0, "disagreed": 0, "rejected": 0}
    added: list[tuple[Indicator, str]] = []
    paired: set[int] = set()
    for g in grounded:
        llm = g.indicator
        assert llm is not None and g.rid is not None
        candidates = by_rid.get(g.rid, [])
        same = [i for i in candidates if fold(i.level3) == fold(llm.level3)]
        # The same name in the same scope first: side-by-side 中期 / 年度 tables repeat every
        # name, and the rules indicators may have been located on the twin table's rows.
        twin = [i for i in (*same, *unlocated, *form.indicators)
                if fold(i.level3) == fold(llm.level3) and i.scope == llm.scope and id(i) not in paired]
        # A table row is one indicator; a prose row can hold several, told apart by level3.
        rules = twin[0] if twin else same[0] if same else (
            candidates[0] if candidates and row_of[g.rid].is_table else _overlapping(candidates, llm))
        if rules is not None:
            paired.add(id(rules))
        if rules is None and _quoted_name_only(g, row_of[g.rid]):
            counts["rejected"] += 1
            continue
        if rules is None:
            llm.flag(Severity.INFO, "llm_added_row", f"row {g.rid} was not extracted by the rules path; read by the LLM",
                     row=g.rid)
            added.append((llm, g.rid))
            counts["added"] += 1
            continue
        _merge_pair(rules, llm, counts)
    merged: list[tuple[float, int, Indicator]] = []
    last = -1.0
    for ind, rid in located:
        pos = float(order[rid]) if rid is not None else last
        last = max(last, pos)
        merged.append((pos, 0, ind))
    for ind, rid in added:
        merged.append((float(order[rid]) + 0.5, 1, ind))
    merged.sort(key=lambda t: (t[0], t[1]))
    form.indicators = [ind for _, _, ind in merged]
    return counts


def _quoted_name_only(g: Grounded, row: SourceRow) -> bool:
    """An LLM row found in a paragraph by its name alone, no value of it grounded: a phrase of
    a sentence (a goal, a description) is not an indicator row. A table row prints its name in
    a cell of its own, so there the name alone is enough to add the row."""
    if row.is_table:
        return False
    return not any(g.statuses.get(name) in (AlignmentStatus.EXACT, AlignmentStatus.FUZZY)
                   for name in ("half_year", "target"))


def _overlapping(candidates: list[Indicator], llm: Indicator) -> Indicator | None:
    """On a prose row (several indicators a line), the indicator read from this row whose name
    holds the LLM's or is held by it: the LLM re-read text an extractor already consumed, so
    it is the same indicator, not a new one."""
    l3 = fold(llm.level3)
    if not l3:
        return None
    hit = next((c for c in candidates if fold(c.level3) and (l3 in fold(c.level3) or fold(c.level3) in l3)), None)
    # or the 二级指标 printed before an indicator's name, taken by the model for a name of its own
    hit = hit or next((c for c in candidates if fold(c.level2) == l3), None)
    # or the same indicator read with its cells in the wrong places (see _shifted_reading)
    return hit or next((c for c in candidates if _shifted_reading(c, llm)), None)


def _merge_pair(rules: Indicator, llm: Indicator, counts: dict[str, int]) -> None:
    """Field by field: agree → more confidence; rules empty → a grounded LLM value fills it
    (an ungrounded one does not);
    rules flagged → an EXACT LLM value replaces it; otherwise the rules value stays and a
    grounded disagreement is flagged. Ungrounded LLM values never replace anything."""
    flagged = {f.field for f in rules.flags if f.code in UNSETTLED_CODES}
    shifted = _shifted_reading(rules, llm)
    glued = None if shifted else _glued_reading(rules, llm)
    for name in MERGE_FIELDS:
        lv = getattr(llm, name)
        if lv is None:
            continue
        rv = getattr(rules, name)
        ev = llm.evidence.get(name)
        status = ev.status if ev is not None else AlignmentStatus.UNGROUNDED
        if (rv is None or str(rv).strip() == "") and status is AlignmentStatus.UNGROUNDED:
            # a level name printed nowhere near the row: a claim, not a reading. Filled in, it
            # would steer reconcile (a level1 restored from a made-up level2) with no flag
            # left on what it changed; the rules' gap stays a gap, flagged by reconcile.
            counts["rejected"] += 1
        elif rv is None or str(rv).strip() == "":
            _take(rules, llm, name)
            counts["filled"] += 1
        elif _equal(name, rv, lv, rules, llm):
            counts["agreed"] += 1
            rules.confidence[name] = max(rules.confidence.get(name, 0.0), 0.95)
        elif status is AlignmentStatus.UNGROUNDED:
            counts["rejected"] += 1  # already flagged llm_ungrounded on the LLM side; nothing to weigh
        elif status is AlignmentStatus.EXACT and (why := _implausible(rules, name, rv, lv)):
            rules.flag(Severity.INFO, "llm_replaced", f"{name} {rv!r} replaced by the LLM's grounded {lv!r}: {why}",
                       field=name, rules_value=rv, llm_value=lv, reason=why,
                       rules_evidence=_ev_dump(rules.evidence.get(name)))
            _take(rules, llm, name)
            counts["replaced"] += 1
        elif status is AlignmentStatus.EXACT and (why := shifted or (glued if name in GLUED_FIELDS else None)):
            rules.flag(Severity.INFO, "llm_replaced", f"{name} {rv!r} replaced by the LLM's grounded {lv!r}: {why}",
                       field=name, rules_value=rv, llm_value=lv, reason=why,
                       rules_evidence=_ev_dump(rules.evidence.get(name)))
            _take(rules, llm, name)
            counts["replaced"] += 1
        elif status is AlignmentStatus.EXACT and _replaceable(rules, name, flagged):
            rules.flag(Severity.INFO, "llm_replaced", f"{name} {rv!r} (flagged by the rules path) replaced by the "
                       f"LLM's grounded {lv!r}", field=name, rules_value=rv, llm_value=lv)
            _take(rules, llm, name)
            counts["replaced"] += 1
        else:
            rules.flag(Severity.WARNING, "llm_disagrees", f"LLM read {name} as {lv!r} ({status.value}); "
                       f"kept the rules value {rv!r}", field=name, rules_value=rv, llm_value=lv)
            counts["disagreed"] += 1
    if shifted:
        _flag_misread(rules, shifted)
    if not rules.row_id and llm.row_id:
        rules.row_id = llm.row_id


SHIFT_FIELDS = ("level1", "level2", "description", "key_task", "half_year", "target")


def _shifted_reading(rules: Indicator, llm: Indicator) -> str | None:
    """Why the rules read this row's cells into the wrong columns, or None: the LLM's 三级指标,
    printed in the row (EXACT), is what the rules took for another field of the same row (a
    text export that dropped a merged cell's empty place moves every cell one column left,
    and the row's name lands in 二级指标, its description in 三级指标). Then the rules'
    reading of the row is no reading at all, and every field the LLM grounded exactly in
    the row replaces it, each replacement recorded."""
    ev = llm.evidence.get("level3")
    l3 = fold(llm.level3)
    if ev is None or ev.status is not AlignmentStatus.EXACT or not l3 or l3 == fold(rules.level3):
        return None
    for name in SHIFT_FIELDS:
        if name == "level2" and canonical_level2(llm.level3) is not None:
            continue  # a level name read as the 三级指标 echoes the row's 二级指标; no shift
        if fold(getattr(rules, name, None)) == l3:
            return f"the rules read the row's 三级指标 {llm.level3!r} as its {name} (the row's cells read into the wrong columns)"
    ev2 = llm.evidence.get("level2")
    if ev2 is not None and ev2.status is AlignmentStatus.EXACT and fold(llm.level2) and \
            fold(llm.level2) == fold(rules.level3) and fold(llm.level2) != l3:
        return (f"the rules read the row's 二级指标 {llm.level2!r} as its 三级指标 (a level name no framework has, "
                "printed in the row before the name)")
    return None


GLUED_FIELDS = ("level3", "target")


def _glued_reading(rules: Indicator, llm: Indicator) -> str | None:
    """Why the rules cut a name and its target printed with no separator at the wrong place,
    or None. Text that lost its cells (``工作计划健全性健全``, ``…稳步增长增长7.5%``) leaves the
    cut to judgement; the rules' cut is wrong where their name holds the LLM's name and
    target together (the value swallowed), or where the LLM's name + target run on, in print,
    over what the rules' name + target cover (a piece left out, or a neighbour's text taken).
    The LLM's pieces must be printed exactly, one after the other in one cell."""
    ev3, evt = llm.evidence.get("level3"), llm.evidence.get("target")
    if ev3 is None or evt is None or ev3.status is not AlignmentStatus.EXACT or evt.status is not AlignmentStatus.EXACT:
        return None
    l3, lt, r3, rt = fold(llm.level3), fold(llm.target), fold(rules.level3), fold(rules.target)
    if not l3 or not lt or not r3 or l3 == r3 or not (l3.startswith(r3) or r3.startswith(l3)):
        return None
    joined, theirs = l3 + lt, r3 + rt
    if (joined == theirs and rt) or joined not in fold(ev3.source_text) \
            or not (joined.startswith(theirs) or theirs.startswith(joined)):
        return None  # the same text cut elsewhere is a judgement against a judgement: kept
    return (f"the rules cut the row's glued name and value as {rules.level3!r} / {rules.target!r}; "
            f"the LLM's {llm.level3!r} / {llm.target!r} are printed one after the other")


UNREAD_BY_LLM = ("description", "key_task", "basis", "category", "unit")


def _flag_misread(rules: Indicator, why: str) -> None:
    """The fields of a misread row that the LLM does not read stay as the rules read them,
    each with a warning: read from the wrong columns, they are no reading."""
    for name in UNREAD_BY_LLM:
        value = getattr(rules, name, None)
        if value is not None and str(value).strip():
            rules.flag(Severity.WARNING, "llm_rules_misread", f"{name} {value!r} kept unconfirmed: {why}",
                       field=name, rules_value=value)
    if rules.history:
        rules.flag(Severity.WARNING, "llm_rules_misread", f"history {rules.history!r} kept unconfirmed: {why}",
                   field="history", rules_value=dict(rules.history))
    if rules.weight is not None:
        rules.flag(Severity.WARNING, "llm_rules_misread", f"weight {rules.weight!r} kept unconfirmed: {why}",
                   field="weight", rules_value=rules.weight)


def _implausible(rules: Indicator, name: str, rv: str, lv: str) -> str | None:
    """Why the rules value of a value field fails the row's grammar while the LLM's does not
    (an amount, or a percentage above 100, where the name says 率); None otherwise."""
    if name not in ("half_year", "target"):
        return None
    why = implausible_for_name(rules.level3, rv)
    return why if why and implausible_for_name(rules.level3, lv) is None else None


def _ev_dump(ev: Any) -> dict[str, Any] | None:
    return ev.model_dump(mode="json", exclude_none=True) if ev is not None else None


def _replaceable(rules: Indicator, name: str, flagged: set[str | None]) -> bool:
    """The rules path flagged this field, or flagged the row without naming a field and
    did not read this field from a cell itself (filled down / inferred)."""
    if name in flagged:
        return True
    ev = rules.evidence.get(name)
    read_from_cell = ev is not None and ev.status in (AlignmentStatus.EXACT, AlignmentStatus.REPAIRED)
    return None in flagged and not read_from_cell


def _equal(name: str, a: str, b: str, ra: Indicator, rb: Indicator) -> bool:
    if name in ("half_year", "target"):
        return values_equal(a, b, getattr(ra, f"{name}_parsed"), getattr(rb, f"{name}_parsed"))
    return fold(a) == fold(b)


def _take(rules: Indicator, llm: Indicator, name: str) -> None:
    setattr(rules, name, getattr(llm, name))
    if name in ("half_year", "target"):
        setattr(rules, f"{name}_parsed", getattr(llm, f"{name}_parsed"))
    if name in llm.evidence:
        rules.evidence[name] = llm.evidence[name]
    if name in llm.confidence:
        rules.confidence[name] = llm.confidence[name]
    rules.flags.extend(f for f in llm.flags if f.field == name and f.code in ("llm_ungrounded", "llm_wrong_column", "llm_value_approximate"))


# ---------------------------------------------------------------------------------------
# document-level fallback (issue 11 §6, issue 16 item 1)

MIN_INDICATOR_LINES = 2


def document_region(src: Any) -> list[FormRegion]:
    """The whole document as one region, when segmentation found no form but its text holds
    indicator vocabulary (level names of the framework, indicator column headings); else none.

    Chunking then sends its indicator-like tables, or its paragraphs when it has none, and
    grounding ties every answer to the document's own text as for any region.
    """
    from jixiao.domain import framework, vocab
    from jixiao.segment import block_pages

    hits = sum(1 for b in src.blocks for t in _block_lines(b) if _speaks_of_indicators(t, framework, vocab))
    if hits < MIN_INDICATOR_LINES:
        return []
    all_pages = [p.number for p in src.pages]
    out = []
    for k, (blocks, named) in enumerate(split_by_project(list(src.blocks))):
        pages = sorted({p for b in blocks for p in block_pages(b)}) or all_pages
        out.append(FormRegion(blocks=blocks, title=None, pages=pages, index=k,
                              context={"project_name": named} if named else {}))
    return out


def split_by_project(blocks: list[Any]) -> list[tuple[list[Any], tuple[str, Evidence] | None]]:
    """The blocks cut where a project's header (项目名称 and its value) is printed after the
    indicators of the project before: a budget book's forms, sent whole, are one form each
    (issue 16 item 5), never one form holding every project's rows. Each part comes with the
    project name its header prints, and where (the form's 项目名称, grounded like any value).
    Blocks before the first header belong to the first part."""
    from jixiao.domain import framework, vocab

    parts: list[tuple[list[Any], tuple[str, Evidence] | None]] = [([], None)]
    speaks = False  # the current part has printed indicator text since its header
    for b in blocks:
        named = _project_header(b, vocab)
        if named is not None and parts[-1][1] is None:
            parts[-1], speaks = (parts[-1][0], named), False
        elif named is not None and speaks:
            parts.append(([], named))
            speaks = False
        # (a header line met again before any indicator: the same project's header block)
        parts[-1][0].append(b)
        speaks = speaks or any(_speaks_of_indicators(t, framework, vocab) for t in _block_lines(b))
    return parts


def _project_header(block: Any, vocab: Any) -> tuple[str, Evidence] | None:
    """The project name a block prints as ``项目名称：X`` (a paragraph line) or in the cell after
    a 项目名称 cell (a table row), with its evidence; None when it prints none."""
    from jixiao.model.source import Paragraph, Table

    if isinstance(block, Paragraph):
        for k, line in enumerate(block.text.splitlines()):
            lv = vocab.label_line(line)
            if lv is not None and vocab.header_field(lv[0]) == "project_name":
                value = lv[1]
                line_no = block.line + k if getattr(block, "line", None) is not None else None
                return value, Evidence(page=block.page, bbox=block.bbox, line=line_no, source_text=line.strip(),
                                       extractor="llm", status=AlignmentStatus.EXACT)
    elif isinstance(block, Table):
        for row in block.rows:
            for i, c in enumerate(row[:-1]):
                if vocab.header_field(c.text) == "project_name" and (nxt := row[i + 1]).text.strip():
                    return nxt.text.strip(), Evidence(page=nxt.page, bbox=nxt.bbox, source_text=nxt.text.strip(),
                                                      extractor="llm", status=AlignmentStatus.EXACT)
    return None


def _block_lines(block: Any) -> list[str]:
    """A block's text line by line: a paragraph's lines, a table's rows (cells space-joined)."""
    from jixiao.model.source import Paragraph

    if isinstance(block, Paragraph):
        return block.text.splitlines()
    return [" ".join(c.text for c in row) for row in getattr(block, "rows", [])]


def _speaks_of_indicators(text: str, framework: Any, vocab: Any) -> bool:
    words = [w for w in re.split(r"[\s|｜:：；;，,。]+", text) if w]
    return any(framework.canonical_level1(w) or framework.canonical_level2(w) or vocab.header_role(w) in
               ("level1", "level2", "level3", "target") for w in words) or bool(
        re.search(r"(产出|效益|满意度|成本)指标", text))
