"""Ruling helpers: closing rules of a table left open at a page break (jixiao.layout.rulings)."""

from __future__ import annotations

from jixiao.layout import closing_rulings


def test_closing_rulings_close_an_open_table_top() -> None:
    # vertical rules start at y=36 with no horizontal rule there (row continued from the last page)
    rulings = [(x, 36, x, 100) for x in (50, 150, 250)] + [(50, 60, 250, 60), (50, 100, 250, 100)]
    assert closing_rulings(rulings) == [(50, 36, 250, 36)]
    assert closing_rulings(rulings + [(50, 36, 250, 36)]) == []
