"""``jixiao eval --llm MODE`` against the oracle endpoint (:mod:`fakes.oracle`), in process.

The pipeline is pointed at the oracle the way a user points it at DeepSeek: the
``JIXIAO_LLM_*`` environment variables and a config file (``$JIXIAO_LLM_CONFIG``) that turns
the answer cache off, so every run asks the oracle afresh.

Manual run (prints one JSON line per setting)::

    PYTHONPATH=src:tests python tests/fakes/oracle_eval.py golden --variant digital --variant text
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from fakes.oracle import serve


@contextmanager
def oracle_env(golden_dir: Path, mode: str, seed: int = 0) -> Iterator[Any]:
    """Start the oracle on a free localhost port and set the JIXIAO_LLM_* variables for it."""
    srv, oracle = serve(golden_dir, mode, seed)
    keys = ("JIXIAO_LLM_BASE_URL", "JIXIAO_LLM_MODEL", "JIXIAO_LLM_PROFILE", "JIXIAO_LLM_CONCURRENCY",
            "JIXIAO_LLM_CONFIG", "JIXIAO_LLM_API_KEY")
    saved = {k: os.environ.get(k) for k in keys}
    with tempfile.TemporaryDirectory(prefix="jixiao-oracle-") as tmp, srv:
        cfg = Path(tmp) / "llm.toml"
        cfg.write_text("cache = false\ntransport_retries = 0\ntimeout = 30\n", encoding="utf-8")
        os.environ.update({"JIXIAO_LLM_BASE_URL": srv.base_url, "JIXIAO_LLM_MODEL": f"oracle-{mode}-{seed}",
                           "JIXIAO_LLM_PROFILE": "llamacpp", "JIXIAO_LLM_CONCURRENCY": "4",
                           "JIXIAO_LLM_CONFIG": str(cfg), "JIXIAO_LLM_API_KEY": "none"})
        try:
            yield oracle
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def run_oracle_eval(golden_dir: Path, out_dir: Path, *, llm: str, mode: str | None, variants: list[str],
                    seed: int = 0, only: list[str] | None = None) -> dict[str, Any]:
    """One eval run; ``mode`` None runs without an endpoint (rules only when ``llm`` is off)."""
    from rich.console import Console

    from jixiao.evaluate.cli import run_eval

    console = Console(stderr=True, quiet=True)
    empty = out_dir / "no-thresholds.toml"
    out_dir.mkdir(parents=True, exist_ok=True)
    empty.write_text("", encoding="utf-8")
    if mode is None:
        report, _ = run_eval(golden_dir, variants=variants, llm=llm, out_dir=out_dir, thresholds=empty,
                             only=only, console=console)
        return report
    with oracle_env(golden_dir, mode, seed) as oracle:
        report, _ = run_eval(golden_dir, variants=variants, llm=llm, out_dir=out_dir, thresholds=empty,
                             only=only, console=console)
    report["oracle"] = {"mode": mode, "seed": seed, "spoilt": len(oracle.spoilt),
                        "unmatched_chunks": oracle.unmatched_chunks}
    return report


def wrong_unflagged(report: dict[str, Any], *, values_only: bool = False) -> list[dict[str, Any]]:
    """The scorer's per-field records that are wrong and carry no flag; ``values_only``:
    only those where the output holds a value (a wrong value, not a field left empty)."""
    return [r for r in report["wrong_fields"] if not r["flagged"]
            and (not values_only or r["got"] not in (None, "", {}, []))]


def all_variants(golden_dir: Path, *, scanned: bool = False) -> list[str]:
    """Every variant the golden labels list (the scans only when asked: OCR is slow cold)."""
    from jixiao.evaluate.golden import load_golden

    found = dict.fromkeys(v for g in load_golden(golden_dir) for v in g.variants)
    return [v for v in found if scanned or v != "scanned"]


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """Per family: indicator F1, target accuracy, wrong-and-unflagged fields."""
    from jixiao.evaluate.golden import family_of

    out: dict[str, Any] = {}
    for f, m in report["by_family"].items():
        out[f] = {"f1": round(m["indicator_f1"], 4), "target": round(m["field_accuracy"].get("target") or 0, 4),
                  "wrong_unflagged": sum(1 for r in wrong_unflagged(report) if family_of(r["variant"] or "") == f)}
    return out


def summary_by_variant(report: dict[str, Any]) -> dict[str, Any]:
    """Per input variant (pdf-chromium, text-tsv …): indicator F1, target accuracy,
    wrong-and-unflagged fields."""
    out: dict[str, Any] = {}
    wrong = wrong_unflagged(report)
    for v, m in report["by_variant"].items():
        out[v] = {"f1": round(m["indicator_f1"], 4), "target": round(m["field_accuracy"].get("target") or 0, 4),
                  "wrong_unflagged": sum(1 for r in wrong if r["variant"] == v)}
    return out


def main() -> None:  # pragma: no cover - measurement helper
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("golden_dir", type=Path)
    ap.add_argument("--variant", action="append", default=None)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "oracle-eval")
    ap.add_argument("--only", action="append", default=None)
    ap.add_argument("--settings", default="off:-,fallback:perfect,full:perfect,full:noisy")
    args = ap.parse_args()
    variants = args.variant or all_variants(args.golden_dir)
    for setting in args.settings.split(","):
        llm, mode = setting.split(":")
        rep = run_oracle_eval(args.golden_dir, args.out / setting.replace(":", "-"), llm=llm,
                              mode=None if mode == "-" else mode, variants=variants, only=args.only)
        print(json.dumps({"setting": setting, **summary(rep), "llm": rep.get("llm"), "oracle": rep.get("oracle")},
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
