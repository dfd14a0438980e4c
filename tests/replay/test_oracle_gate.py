"""The LLM path's ceiling (issue 16): ``jixiao eval --llm full`` against the oracle endpoint.

The oracle (``fakes.oracle``) answers every chunk from the golden labels. With the
*perfect* model the pipeline must reach every indicator and target (indicator F1 and target
accuracy ≥ 0.99 per input variant: every PDF producer, every text style, HTML, the office
formats); with the *noisy* one (made-up numbers, numbers copied from other cells, invented
rows, wrong level2s, level3s from other chunks) no wrong value may reach the output without
a flag: every field the scorer finds wrong and unflagged must already be so without the LLM
(those are the rules path's own, counted by the normal golden gate).

Variants that do not reach the issue's bar yet are held at a floor (``FLOORS``: measured with
the perfect model minus 0.02) and never below what the rules path alone scores in the same
run: the LLM path may not make a variant worse.

Runs the real pipeline over real HTTP on a free localhost port, pointed at the oracle by
the JIXIAO_LLM_* environment variables, like a user pointing it at DeepSeek.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("instructor")

from fakes.oracle_eval import run_oracle_eval, summary_by_variant, wrong_unflagged  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
PDF_PRODUCERS = ["pdf-chromium", "pdf-libreoffice", "pdf-reportlab", "pdf-wkhtml"]
TEXT_STYLES = ["text-blank", "text-chrome", "text-chromium", "text-concat", "text-lines", "text-pipe",
               "text-prose", "text-space", "text-tsv", "text-vertical", "text-viewer"]
VARIANTS = ["digital", "text", "docx", "xlsx", "html", *PDF_PRODUCERS, *TEXT_STYLES]
MIN_F1 = 0.99
MIN_TARGET = 0.99
# Variants that have not reached the bar with the perfect model: (indicator F1, target
# accuracy) floors = measured − 0.02; raise a floor when the variant improves, never lower one
# without saying why. None since 2026-12-04 (stop 24): every variant measured ≥ .99 on both
# (text-viewer .997 / .993, text-prose .995 / .996, the lowest), each at or above the rules path.
FLOORS: dict[str, tuple[float, float]] = {}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    if not GOLDEN.is_dir():
        pytest.skip(f"{GOLDEN}: no golden set")
    out = tmp_path_factory.mktemp("oracle")
    return {
        "rules": run_oracle_eval(GOLDEN, out / "rules", llm="off", mode=None, variants=VARIANTS),
        "perfect": run_oracle_eval(GOLDEN, out / "perfect", llm="full", mode="perfect", variants=VARIANTS),
        "noisy": run_oracle_eval(GOLDEN, out / "noisy", llm="full", mode="noisy", variants=VARIANTS, seed=16),
    }


def test_perfect_model_reaches_every_indicator_and_target(reports: dict[str, dict[str, Any]]) -> None:
    rep = reports["perfect"]
    assert rep["llm"]["overall"]["chunks_sent"] > 0 and rep["llm"]["overall"]["grounded"] > 0
    rules = summary_by_variant(reports["rules"])
    got = summary_by_variant(rep)
    assert set(got) == set(VARIANTS)
    for variant, m in got.items():
        f1_min, target_min = FLOORS.get(variant, (MIN_F1, MIN_TARGET))
        assert m["f1"] >= f1_min, f"{variant}: indicator F1 {m['f1']} with the perfect model (floor {f1_min})"
        assert m["target"] >= target_min, f"{variant}: target accuracy {m['target']} with the perfect model"
        assert m["f1"] >= rules[variant]["f1"], f"{variant}: F1 {m['f1']} below the rules path's {rules[variant]['f1']}"
        assert m["target"] >= rules[variant]["target"], \
            f"{variant}: target accuracy {m['target']} below the rules path's {rules[variant]['target']}"
    assert rep["oracle"]["unmatched_chunks"] < rep["llm"]["overall"]["chunks_sent"]


def test_noisy_model_never_slips_a_wrong_value_in_unflagged(reports: dict[str, dict[str, Any]]) -> None:
    noisy = reports["noisy"]
    assert noisy["oracle"]["spoilt"] > 50  # the noise really was served
    assert noisy["llm"]["overall"]["dropped"] > 0  # invented rows and foreign level3s

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["doc"], r["variant"], r["form_index"], r["indicator"], r["field"])

    # A field the LLM path does not read (basis, category …) is left empty on a row it adds:
    # missing, not wrong. Counted here: a wrong *value* in the output that carries no flag.
    before = {key(r) for r in wrong_unflagged(reports["rules"])}
    slipped = [r for r in wrong_unflagged(noisy, values_only=True) if key(r) not in before]
    assert not slipped, [(r["doc"], r["variant"], r["indicator"], r["field"], r["expected"], r["got"])
                         for r in slipped[:10]]


def test_report_has_the_llm_section(reports: dict[str, dict[str, Any]]) -> None:
    llm = reports["perfect"]["llm"]
    for k in ("chunks_sent", "returned", "dropped", "grounded", "added", "replaced", "disagreements"):
        assert k in llm["overall"]
    assert set(llm["by_family"]) == set(reports["perfect"]["by_family"])
    assert "llm" not in reports["rules"]
