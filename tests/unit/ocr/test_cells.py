"""Table cells on scanned pages (jixiao.ocr.cells) and the rule finder they rely on.

Fast tests draw ruled tables with numpy/cv2 and use a stand-in recogniser that names the
shapes it is given, so they check which ink each crop holds and where readings land — the
geometry — without the OCR models. Tests marked ``slow`` run real RapidOCR on a rendered
and degraded table whose operator and unit columns hold single symbols, the cells the
detector misses or runs together.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from jixiao.ocr import cells as C  # noqa: E402
from jixiao.ocr import engine as E  # noqa: E402
from jixiao.ocr.engine import OcrParams, _Raw  # noqa: E402

LINE_H = 30.0  # detector line height in the synthetic pages (pixels)


# ---------------------------------------------------------------------------------------
# Drawing helpers


def raw(x0: float, y0: float, x1: float, y1: float, text: str, score: float = 0.95) -> _Raw:
    return _Raw(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), text, score)


def draw_glyph(img: np.ndarray, kind: str, cx: int, cy: int) -> None:
    """Shapes the stand-in recogniser tells apart: '=' two bars, '-' one bar, '0' a ring,
    'T' a text-like block of strokes."""
    if kind == "=":
        img[cy - 4 : cy - 1, cx - 7 : cx + 7] = 0
        img[cy + 2 : cy + 5, cx - 7 : cx + 7] = 0
    elif kind == "-":
        img[cy - 1 : cy + 2, cx - 7 : cx + 7] = 0
    elif kind == "0":
        cv2.circle(img, (cx, cy), 7, 0, 2)
    elif kind == "T":
        for dx in range(-24, 25, 8):
            img[cy - 8 : cy + 9, cx + dx : cx + dx + 3] = 0
            img[cy - 8 : cy - 5, cx + dx - 2 : cx + dx + 5] = 0
    else:
        raise ValueError(kind)


def shape_reader(calls: list[list[np.ndarray]] | None = None):
    """A recogniser that names the shapes of ``draw_glyph`` in a crop, left to right."""

    def recognize(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if calls is not None:
            calls.append(crops)
        out = []
        for crop in crops:
            ink = (crop < 128).astype(np.uint8)
            n, _l, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
            comps = sorted((stats[i] for i in range(1, n) if stats[i][4] >= 6), key=lambda s: s[0])
            flat = [s for s in comps if s[2] >= 3 * s[3]]
            if len(comps) == 2 and len(flat) == 2:
                out.append(("=", 0.97))
            elif len(comps) == 1 and len(flat) == 1:
                out.append(("-", 0.96))
            elif len(comps) == 1 and _ring(comps[0]):
                out.append(("0", 0.99))
            else:
                out.append(("?", 0.2))
        return out

    return recognize


def _ring(stat: np.ndarray) -> bool:
    """A square blob with a hole: its ink fills well under its box."""
    _x, _y, w, h, area = (int(v) for v in stat)
    return abs(w - h) <= 2 and area < 0.8 * w * h


def ruled_page(ys=(100, 160, 220, 280, 340), xs=(50, 250, 320, 600), size=(600, 800)) -> np.ndarray:
    img = np.full(size, 255, np.uint8)
    for y in ys:
        img[y : y + 2, xs[0] : xs[-1] + 2] = 0
    for x in xs:
        img[ys[0] : ys[-1] + 2, x : x + 2] = 0
    return img


def rulings_of(ys=(100, 160, 220, 280, 340), xs=(50, 250, 320, 600)) -> list[tuple[float, float, float, float]]:
    hs = [(float(xs[0]), y + 1.0, float(xs[-1] + 2), y + 1.0) for y in ys]
    vs = [(x + 1.0, float(ys[0]), x + 1.0, float(ys[-1] + 2)) for x in xs]
    return hs + vs


def texts_by_row(lines: list, x0: float, x1: float, ys=(100, 160, 220, 280, 340)) -> list[list[str]]:
    """Texts of the lines whose centre lies in column x0..x1, per table row."""
    out: list[list[str]] = [[] for _ in range(len(ys) - 1)]
    for ln in lines:
        bx0, by0, bx1, by1 = ln.aabb
        cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
        if x0 < cx < x1:
            for i in range(len(ys) - 1):
                if ys[i] < cy < ys[i + 1]:
                    out[i].append(ln.text)
    return out


# ---------------------------------------------------------------------------------------
# Rules and the grid


def test_rule_pieces_are_merged_and_a_double_rule_counts_once():
    segs = [(10.0, 100.0, 200.0, 100.0), (205.0, 100.5, 400.0, 100.5), (10.0, 103.0, 400.0, 103.0), (10.0, 300.0, 400.0, 300.0)]
    rules = C.merge_rules(segs, horizontal=True)
    assert [round(r.pos) for r in rules] == [101, 300]
    assert rules[0].spans == [(10.0, 400.0)]
    assert C.merge_rules(segs, horizontal=False) == []  # no vertical piece among them


def test_slanted_rules_share_the_page_slope():
    # a page left 0.5° skewed: every vertical rule drifts 0.0087 px across per px down
    s = math.tan(math.radians(0.5))
    segs = [
        (100.0, 0.0, 100 + s * 1000, 1000.0), (400.0, 0.0, 400 + s * 1000, 1000.0),
        (100 + s * 1200, 1200.0, 100 + s * 1300, 1300.0),
    ]
    rules = C.merge_rules(segs, horizontal=False)
    assert len(rules) == 2  # the short piece further down belongs to the first rule
    assert rules[0].slope == pytest.approx(s, rel=1e-6)
    assert rules[0].at(1250) == pytest.approx(100 + s * 1250, abs=0.5)
    assert rules[0].spans == [(0.0, 1000.0), (1200.0, 1300.0)]


def test_grid_cells_with_a_merged_cell_and_nothing_outside_the_table():
    # 3×3 grid; the rule between rows 0 and 1 is missing in column 0 (a rowspan cell)
    xs, ys = (0, 100, 200, 300), (0, 50, 100, 150)
    segs = [(0.0, 0.0, 300.0, 0.0), (100.0, 50.0, 300.0, 50.0), (0.0, 100.0, 300.0, 100.0), (0.0, 150.0, 300.0, 150.0)]
    segs += [(float(x), 0.0, float(x), 150.0) for x in xs]
    segs += [(500.0, 400.0, 700.0, 400.0), (500.0, 450.0, 700.0, 450.0)]  # stray rules, no box around anything
    cells = C.table_cells(C.merge_rules(segs, True), C.merge_rules(segs, False), min_size=20)
    assert (0.0, 0.0, 100.0, 100.0) in cells  # the merged cell, once
    assert len(cells) == 8
    assert all(c[2] <= 300 and c[3] <= 150 for c in cells)


def test_grid_cells_on_a_slanted_page():
    s = math.tan(math.radians(0.6))
    def rot(x: float, y: float) -> tuple[float, float]:  # turn the page by 0.6°
        return x - s * y, y + s * x
    segs = []
    for y in (0, 60, 120):
        (a, b), (c, d) = rot(0, y), rot(400, y)
        segs.append((a, b, c, d))
    for x in (0, 200, 400):
        (a, b), (c, d) = rot(x, 0), rot(x, 120)
        segs.append((a, b, c, d))
    cells = C.table_cells(C.merge_rules(segs, True), C.merge_rules(segs, False), min_size=20)
    assert len(cells) == 4
    x0, y0, x1, y1 = cells[-1]  # bottom right: its centre is where the turned cell's centre is
    cx, cy = rot(300, 90)
    assert (x0 + x1) / 2 == pytest.approx(cx, abs=1.5) and (y0 + y1) / 2 == pytest.approx(cy, abs=1.5)


# ---------------------------------------------------------------------------------------
# Ink


def test_ink_ignores_speckle_and_rule_remnants_and_groups_lines():
    img = np.full((200, 300), 255, np.uint8)
    img[40, 40] = img[150, 250] = 0  # speckle
    img[5:7, 0:300] = 0  # a piece of rule inside the crop
    draw_glyph(img, "=", 60, 60)
    draw_glyph(img, "0", 200, 60)
    draw_glyph(img, "T", 120, 140)  # a second text line
    mask = C.ink_mask(img)
    blobs = C.ink_boxes(mask, (0, 0, 300, 200), glyph=18.0)
    assert len(blobs) == 2 + 1 + 7  # two bars, a ring, the seven strokes of the block
    bands = C.text_bands(blobs, glyph=18.0)
    assert len(bands) == 2
    top, bottom = bands
    assert top[1] < 60 < top[3] and bottom[1] < 140 < bottom[3]  # '=' is one line with the ring
    assert C.ink_boxes(C.ink_mask(np.full((50, 50), 255, np.uint8)), (0, 0, 50, 50), 18.0) == []


def test_crop_keeps_a_symbol_at_line_size():
    img = np.full((100, 100), 255, np.uint8)
    draw_glyph(img, "=", 50, 50)
    blobs = C.ink_boxes(C.ink_mask(img), (0, 0, 100, 100), 18.0)
    (band,) = C.text_bands(blobs, 18.0)
    crop = C.line_crop(img, band, LINE_H)
    assert crop.shape[0] == int(LINE_H)  # as tall as a detected line, not stretched to the bars
    rows = np.nonzero((crop < 128).any(axis=1))[0]
    assert rows.min() > 5 and rows.max() < LINE_H - 5  # the symbol sits in the middle
    assert shape_reader()([crop]) == [("=", 0.97)]


# ---------------------------------------------------------------------------------------
# A page: lines cut at rules, empty cells read, overhang trimmed


def _table_page() -> tuple[np.ndarray, list[_Raw]]:
    """Four rows; column 1 text, column 2 single symbols, column 3 longer values.

    The detector (as RapidOCR does) drew one tall box through the symbols of rows 0–2, saw
    nothing in row 3's symbol cell, and let the box of row 0's value overhang the rule."""
    img = ruled_page()
    raws = []
    for i, y in enumerate((130, 190, 250, 310)):
        draw_glyph(img, "T", 150, y)
        raws.append(raw(110, y - 15, 190, y + 15, f"指标{i}"))
        draw_glyph(img, "T", 450, y)
        raws.append(raw(410 if i else 312, y - 15, 490, y + 15, f"值{i}"))
    for y, g in zip((130, 190, 250, 310), "==-0"):
        draw_glyph(img, g, 285, y)
    raws.append(raw(272, 118, 298, 262, "≥≥", score=0.83))  # one box through three cells
    return img, raws


def test_a_box_through_several_cells_is_read_cell_by_cell_and_empty_cells_are_read():
    img, raws = _table_page()
    calls: list[list[np.ndarray]] = []
    stats = C.CellStats()
    out = C.refine_table_lines(img, raws, rulings_of(), shape_reader(calls), stats)
    assert len(calls) == 1 and len(calls[0]) == 4  # one batch: three parts and one empty cell
    assert texts_by_row(out, 250, 320) == [["="], ["="], ["-"], ["0"]]
    assert stats.split == 1 and stats.reread == 3 and stats.added == 1
    assert not any(r.text == "≥≥" for r in out)
    # lines nowhere near a rule come back as they were (the same objects)
    assert sum(1 for r in out if any(r is q for q in raws)) >= 4


def test_rule_ink_inside_a_cut_box_is_not_read_as_a_character():
    # the tall box ends inside the thickness of the rule under row 2 (on a slightly skewed
    # page a rule drifts into boxes like this), so that rule is no cut: its ink must not
    # come back as a flat "character" of its own
    img, raws = _table_page()
    raws[-1] = raw(272, 118, 298, 280.8, "≥≥", score=0.83)
    calls: list[list[np.ndarray]] = []
    out = C.refine_table_lines(img, raws, rulings_of(), shape_reader(calls))
    assert texts_by_row(out, 250, 320) == [["="], ["="], ["-"], ["0"]]
    assert len(calls[0]) == 4


def test_overhang_across_a_rule_is_trimmed_without_reading():
    img, raws = _table_page()
    out = C.refine_table_lines(img, raws, rulings_of(), shape_reader())
    (v0,) = [r for r in out if r.text == "值0"]
    assert v0.aabb[0] > 321  # now right of the rule at x=320..322: the layout sees two cells
    assert v0.aabb[2] == 490 and v0.score == 0.95


def test_blank_cells_cost_nothing_and_a_page_without_rules_is_untouched():
    img = ruled_page()
    raws = [raw(110, 115, 190, 145, "指标"), raw(410, 115, 490, 145, "值")]
    draw_glyph(img, "T", 150, 130)
    draw_glyph(img, "T", 450, 130)
    calls: list[list[np.ndarray]] = []
    out = C.refine_table_lines(img, raws, rulings_of(), shape_reader(calls))
    assert calls == [] and [r.text for r in out] == ["指标", "值"]
    assert C.refine_table_lines(img, raws, [], shape_reader(calls)) is raws


def test_ink_of_a_line_beside_the_box_is_not_read_again():
    # a tall box drawn down a column also runs over the middle of a wider line next to it
    img = ruled_page()
    draw_glyph(img, "T", 285, 125)  # a two-line cell: its first line is found ...
    draw_glyph(img, "-", 285, 145)  # ... its second line ('型') only inside the tall box
    draw_glyph(img, "-", 285, 205)
    wide = raw(255, 112, 316, 136, "绩效基本")
    tall = raw(278, 138, 292, 214, "型型")
    filler = [raw(110, y - 15, 190, y + 15, "x") for y in (130, 190, 250, 310)]
    out = C.refine_table_lines(img, [wide, tall, *filler], rulings_of(), shape_reader())
    assert texts_by_row(out, 250, 320)[:2] == [["绩效基本", "-"], ["-"]]


def test_unreadable_parts_keep_the_line_and_low_scores_add_nothing():
    img, raws = _table_page()
    def nothing(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [("", 0.0) for _ in crops]
    out = C.refine_table_lines(img, raws, rulings_of(), nothing)
    # the tall box comes back whole (better joined text than none), nothing is added
    assert sorted(t for row in texts_by_row(out, 250, 320) for t in row) == ["≥≥"]
    assert len(out) == len(raws)


def test_cell_reading_is_part_of_the_cache_key():
    assert "table_cells" in OcrParams().key()
    assert OcrParams(table_cells=True).key() != OcrParams(table_cells=False).key()


# ---------------------------------------------------------------------------------------
# detect_rulings on a page left slightly skewed


def test_rules_of_a_page_left_half_a_degree_skewed_are_found_with_their_slant():
    ys, xs = (100, 500, 900, 1300), (100, 700, 1300)
    img = ruled_page(ys=ys, xs=xs, size=(1400, 1400))
    m = cv2.getRotationMatrix2D((700, 700), 0.5, 1.0)
    turned = cv2.warpAffine(img, m, (1400, 1400), flags=cv2.INTER_LINEAR, borderValue=255)
    text = raw(150, 180, 350, 210, "TEXT")
    # over 1200 px a 0.5° rule drifts ~10 px: its band is wider than any rule is thick
    assert 1200 * math.tan(math.radians(0.5)) + 2 > max(6, 30 / 3)
    segs = E.detect_rulings(turned, [text])
    hor = [s for s in segs if abs(s[2] - s[0]) > abs(s[3] - s[1])]
    ver = [s for s in segs if abs(s[2] - s[0]) <= abs(s[3] - s[1])]
    assert len(hor) == 4 and len(ver) == 3
    for x0, y0, x1, y1 in ver:
        assert abs((x1 - x0) / (y1 - y0)) == pytest.approx(math.tan(math.radians(0.5)), abs=0.002)
    for x0, y0, x1, y1 in hor:
        assert abs((y1 - y0) / (x1 - x0)) == pytest.approx(math.tan(math.radians(0.5)), abs=0.002)
    # and the cells come back from them
    cells = C.table_cells(C.merge_rules(segs, True), C.merge_rules(segs, False), min_size=20)
    assert len(cells) == 6
    straight = E.detect_rulings(img, [text])
    assert len(straight) == 7 and all(s[0] == s[2] or s[1] == s[3] for s in straight)  # a straight page stays axis-aligned


def test_rules_of_a_tightly_padded_row_are_found_and_strokes_are_not():
    # one row barely taller than the detector's line box (43 px): the cell rules are 44 px
    img = np.full((200, 700), 255, np.uint8)
    img[50:52, 20:680] = 0
    img[94:96, 20:680] = 0
    for x in (20, 200, 400, 678):
        img[50:96, x : x + 2] = 0
    for x in range(60, 180, 12):  # text: vertical strokes one glyph (26 px) tall
        img[60:86, x : x + 3] = 0
    lines = [raw(50, 52, 190, 95, "预算数"), raw(230, 52, 380, 95, "50万元"), raw(430, 52, 600, 95, "其他资金")]
    segs = E.detect_rulings(img, lines)
    ver = sorted(round(s[0]) for s in segs if s[0] == s[2])
    assert ver == [21, 201, 401, 679]


def test_a_stroke_inside_a_line_box_is_no_cut():
    # a title's long vertical stroke can pass for a short rule; it never runs past its box
    img = np.full((300, 600), 255, np.uint8)
    draw_glyph(img, "T", 300, 150)
    title = raw(200, 120, 400, 180, "项目支出绩效目标表")
    stroke = [(300.0, 130.0, 300.0, 170.0)]
    calls: list[list[np.ndarray]] = []
    out = C.refine_table_lines(img, [title], stroke, shape_reader(calls))
    assert out == [title] and calls == []
