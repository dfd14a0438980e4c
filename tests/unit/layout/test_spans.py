"""Merged cells of unruled tables from where their labels sit (jixiao.layout.spans)."""

from __future__ import annotations

from jixiao.layout import page_blocks_from_words
from jixiao.model.source import PageInfo, Table, Word

XS = [50.0, 130.0, 230.0, 420.0]
PITCH = 20.0


def _words(rows: list[list[str]], labels: dict[int, list[tuple[str, float]]]) -> list[Word]:
    """Data rows (texts for the last two columns), and per label column the labels with the
    row position (fractional: centred on a span) their text is drawn at."""
    out = []
    for r, (name, value) in enumerate(rows):
        y = 100.0 + r * PITCH
        out += [Word(name, (XS[2], y, XS[2] + 10 * len(name), y + 10), 1), Word(value, (XS[3], y, XS[3] + 30, y + 10), 1)]
    for c, items in labels.items():
        for text, at in items:
            y = 100.0 + at * PITCH
            out.append(Word(text, (XS[c], y, XS[c] + 10 * len(text), y + 10), 1))
    return out


ROWS = [(f"指标{i}", f"{i}0%") for i in range(8)]


def _grid(labels: dict[int, list[tuple[str, float]]]) -> Table:
    blocks = page_blocks_from_words(_words(ROWS, labels), PageInfo(number=1, width=595, height=842))
    [t] = [b for b in blocks if isinstance(b, Table)]
    return t


def test_labels_centred_on_their_rows_span_them() -> None:
    """产出指标 over rows 0-4 (drawn on row 2), 效益指标 over 5-7 (row 6); 数量指标 0-2 (row 1),
    质量指标 3, 时效指标 4, 社会效益 5-7 (row 6). (A label centred between two rows, on a span
    of an even count, is on a line of its own and is left alone.)"""
    t = _grid({0: [("产出指标", 2.0), ("效益指标", 6.0)],
               1: [("数量指标", 1.0), ("质量指标", 3.0), ("时效指标", 4.0), ("社会效益", 6.0)]})
    assert [r[0].text for r in t.rows] == ["产出指标"] * 5 + ["效益指标"] * 3
    assert [r[1].text for r in t.rows] == ["数量指标"] * 3 + ["质量指标", "时效指标"] + ["社会效益"] * 3
    assert t.rows[0][1].rowspan == 3 and t.rows[2][1].merged_from == (0, 1)


def test_top_aligned_labels_are_left_as_they_are() -> None:
    """Labels on the first row of their group do not fit centred spans: nothing is merged,
    so the reader's "same as above" applies."""
    t = _grid({0: [("产出指标", 0.0), ("效益指标", 5.0)], 1: [("数量指标", 0.0), ("质量指标", 3.0), ("社会效益", 5.0)]})
    assert [r[0].text for r in t.rows] == ["产出指标"] + [""] * 4 + ["效益指标", "", ""]
    assert all(c.merged_from is None for r in t.rows for c in r)
