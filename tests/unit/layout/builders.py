"""Word boxes, rulings and tables the layout tests build by hand."""

from __future__ import annotations

import math
import random

from jixiao.model.source import Cell, PageInfo, Table, Word


PAGE = PageInfo(number=1, width=595, height=842)


def _texts(t: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in t.rows]


def _tables(blocks: list) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table)]


def _ocr_like_words(rows: list[list[str]], xs: list[float], y0: float, pitch: float, angle_deg: float, seed: int) -> list[Word]:
    """Cell texts as OCR line boxes: rotated by a small angle, inflated and jittered."""
    rng = random.Random(seed)
    th = math.radians(angle_deg)
    words = []
    for r, row in enumerate(rows):
        for x, text in zip(xs, row):
            if not text:
                continue
            w, h = 9.0 * len(text), 9.0
            cx, cy = x + w / 2, y0 + r * pitch + h / 2
            rx, ry = cx * math.cos(th) - cy * math.sin(th), cx * math.sin(th) + cy * math.cos(th)
            pad = abs(math.sin(th)) * w / 2 + 1.5
            j = [rng.uniform(-1.2, 1.2) for _ in range(4)]
            words.append(Word(text, (rx - w / 2 + j[0], ry - h / 2 - pad + j[1], rx + w / 2 + j[2], ry + h / 2 + pad + j[3]), 1, 0.9))
    return words


def _grid_rulings(xs: list[float], ys: list[float]) -> list[tuple[float, float, float, float]]:
    """A full lattice: every row and column rule."""
    return [(xs[0], y, xs[-1], y) for y in ys] + [(x, ys[0], x, ys[-1]) for x in xs]


def _table(rows: list[list[str]], page: int, xs: list[float], y0: float = 50) -> Table:
    cells = [
        [Cell(t, r, c, bbox=(xs[c], y0 + 20 * r, xs[c + 1], y0 + 20 * r + 20), page=page) for c, t in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    return Table(rows=cells, pages=[page], bbox=(xs[0], y0, xs[-1], y0 + 20 * len(rows)), source="pdf-ruled")


XS = [50, 150, 300, 400, 545]


HEAD = ["一级指标", "二级指标", "三级指标", "指标值"]
