"""`jixiao suggest --llm on`: an LLM rephrases a draft's indicator names for the new project and
adds project-specific ones — through the same provider layer, versioned prompt files and cache
as extraction (jixiao/extract/llm/prompts/suggest_indicators.v1.md; its version and sha are in
the cache key).

What the LLM may not do: drop a row or a citation (a rephrase changes ``level3`` only, the old
name kept in a ``suggest_llm_rephrased`` flag), or pass unchecked (every addition is marked
``novel`` — no precedent — and linted by review's rules, findings as ``suggest_lint`` flags).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from jixiao.advise.suggest import lint_draft
from jixiao.extract.llm.prompts import Prompt, load_prompt
from jixiao.model.output import Document, Indicator, Severity
from jixiao.domain.values import parse_value
from jixiao.providers.cache import LlmCache, cache_key, schema_hash
from jixiao.providers.config import NOT_CONFIGURED_HELP, LlmConfig, load_config
from jixiao.providers.provider import LlmError, Provider

log = logging.getLogger(__name__)
PROMPT_NAME = "suggest_indicators"
MAX_ADDED = 5
MAX_OUTPUT_TOKENS = 2048


class Rephrase(BaseModel):
    index: int = Field(description="the draft row's number (1-based)")
    level3: str


class Addition(BaseModel):
    level1: str
    level2: str | None = None
    level3: str
    target: str | None = None


class SuggestionList(BaseModel):
    rephrased: list[Rephrase] = Field(default_factory=list)
    added: list[Addition] = Field(default_factory=list)


def draft_table(doc: Document) -> str:
    """The draft as numbered rows, the form the prompt's ``{{draft}}`` expects."""
    return "\n".join(f"{k} | {i.level1 or ''} | {i.level2 or ''} | {i.level3 or ''} | {i.target or ''}"
                     for k, i in enumerate(doc.forms[0].indicators, start=1))


def enrich_with_llm(doc: Document, *, goal: str | None, budget: float | None, config: LlmConfig | str | Path | None,
                    cache_dir: Path | None, provider: Provider | None = None,
                    prompt: Prompt | None = None) -> dict[str, Any]:
    """Apply the LLM's rephrasings and additions to ``doc`` in place; the run's stats.

    Not configured, or the call failed: the draft stays precedent-only, with an ``llm_off`` flag
    saying why — a draft is never lost to an LLM failure."""
    cfg = config if isinstance(config, LlmConfig) else load_config(config)
    if provider is None:
        if not cfg.configured:
            doc.flag(Severity.INFO, "llm_off", f"--llm on requested, but {NOT_CONFIGURED_HELP}")
            return {"enabled": False, "reason": "not configured"}
        from jixiao.providers import make_provider  # lazy: openai/instructor only when used

        provider = make_provider(cfg)
    prompt = prompt or load_prompt(PROMPT_NAME, prompts_dir=cfg.prompts_dir)
    form = doc.forms[0]
    messages = prompt.messages(name=form.project_name or "", goal=goal or "（未填）",
                               budget="" if budget is None else f"{budget:g}", draft=draft_table(doc))
    key = cache_key(model=provider.model, family=provider.family, prompt_version=prompt.version,
                    prompt_sha=prompt.sha, schema=schema_hash(SuggestionList), chunk_text=messages[-1]["content"],
                    max_tokens=MAX_OUTPUT_TOKENS, endpoint=str(getattr(provider, "endpoint", "") or ""))
    cache = LlmCache(cache_dir, enabled=cfg.cache)
    hit = cache.get(key)
    stats: dict[str, Any] = {"enabled": True, "prompt_version": prompt.version, "model": provider.model,
                             "cache_hit": bool(hit and "response" in hit)}
    if hit and "response" in hit:
        answer = SuggestionList.model_validate(hit["response"])
    else:
        try:
            answer, usage = provider.complete_structured(messages, SuggestionList, max_tokens=MAX_OUTPUT_TOKENS,
                                                         temperature=cfg.temperature, chunk_id="suggest")
        except LlmError as exc:
            doc.flag(Severity.INFO, "llm_off", f"--llm on: the LLM call failed ({exc}); the draft is precedent-only")
            return {**stats, "enabled": False, "reason": str(exc)}
        cache.put(key, answer, {"model": provider.model, "family": provider.family, "prompt": prompt.name,
                                "prompt_version": prompt.version, "usage": {"tokens_in": usage.tokens_in,
                                                                            "tokens_out": usage.tokens_out}})
    stats["rephrased"] = _apply_rephrasings(form.indicators, answer.rephrased)
    added = _apply_additions(form.indicators, answer.added)
    stats["added"] = len(added)
    per_row = lint_draft(doc, _framework_key(doc))  # every row again: a rephrased name may change a finding
    stats["lint_findings"] = sum(per_row.get(r, 0) for r in added)
    doc.notes.append(f"llm {provider.model} prompt {prompt.name} v{prompt.version}")
    return stats


def _apply_rephrasings(indicators: list[Indicator], items: list[Rephrase]) -> int:
    """A new ``level3`` only: level1/2, value, evidence and every citation flag are kept."""
    n = 0
    for r in items:
        new = r.level3.strip()
        if not 1 <= r.index <= len(indicators) or not new:
            continue  # an index the draft does not have: ignored, never a new row
        ind = indicators[r.index - 1]
        if new == ind.level3:
            continue
        ind.flag(Severity.INFO, "suggest_llm_rephrased", f"LLM rephrased {ind.level3!r} as {new!r}", "level3",
                 before=ind.level3)
        ind.level3 = new
        n += 1
    return n


def _apply_additions(indicators: list[Indicator], items: list[Addition]) -> list[int]:
    """Each addition becomes a ``novel`` row (no precedent); the indices of the rows added."""
    seen = {(i.level2 or "", (i.level3 or "").strip()) for i in indicators}
    rows: list[int] = []
    for a in items[:MAX_ADDED]:
        l3 = a.level3.strip()
        if not l3 or (a.level2 or "", l3) in seen:
            continue
        seen.add((a.level2 or "", l3))
        ind = Indicator(level1=a.level1.strip(), level2=(a.level2 or "").strip() or None, level3=l3,
                        target=(a.target or "").strip() or None)
        ind.target_parsed = parse_value(ind.target)
        ind.flag(Severity.WARNING, "novel", "no precedent: added by the LLM for this project; check it", "level3",
                 source="llm")
        indicators.append(ind)
        rows.append(len(indicators) - 1)
    return rows


def _framework_key(doc: Document) -> str:
    """The framework the draft was made under (its first note: ``framework <key>``)."""
    note = doc.notes[0] if doc.notes else ""
    return note.split()[1] if note.startswith("framework ") and len(note.split()) > 1 else "auto"
