"""jixiao (绩效): extraction, evaluation and drafting for 预算绩效目标表, offline by default."""

from __future__ import annotations

__version__ = "0.1.0"
