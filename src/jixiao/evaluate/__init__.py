"""Evaluation: the spec's scorer (golden label vs prediction) and the ``jixiao eval`` reports.

Import the CLI from ``jixiao.evaluate.cli``; this package itself stays light (no typer/rich).
"""

from __future__ import annotations

from jixiao.evaluate.scorer import DocScore, FieldRecord, aggregate, assign, score_document

__all__ = ["DocScore", "FieldRecord", "aggregate", "assign", "score_document"]
