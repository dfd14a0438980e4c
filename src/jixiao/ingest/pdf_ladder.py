"""A per-page fallback ladder for PDF text pages, chosen by a self-check.

The vector rulings of a page usually give its tables exactly (``pdf_rules`` keeps shading
out of them). Where a producer draws a table in a way the vector rung misreads — rules
baked into an image under the text layer, a grid made of white cells on a dark surface,
drawings the finder cannot join — the page's tables come out shattered or merged, and
the damage is visible in the result itself. So each page is checked, and only a page that
fails climbs down:

1. **vector** — the page's vector rules: the lattice grid where the self-check trusts it,
   else the table finder's cells (``ingest.pdf``);
2. **raster** — rules detected on a 150 dpi rendering of the page with the detector scans
   use (``ocr.engine.detect_rulings``), the grid built from them and the *text layer's*
   words by ``layout.page_blocks_from_words`` (no OCR: the text is exact, only the
   geometry comes from pixels);
3. **columns** — for a table ruled between rows only, column rules placed by the indicator
   header's words (:func:`header_column_rulings`), the grid built as for the vector rung;
4. **stream** — the page is handed to the layout-free stream extractor: its text is kept
   on the page (``PageInfo.stream_text``) and ``jixiao.extract.pdf_rungs`` runs
   ``jixiao.extract.stream`` on it after the table path (where that extractor is not
   installed, the page goes back to the vector rung, its reason saying so).

The self-check (:func:`check_page`) reads what a page's blocks say, with the genre's own
vocabulary (``vocab``, ``framework``); it costs well under a millisecond on a clean page:

* **a header but no indicators** — a row names an indicator header and nothing follows it
  on the page, or the header words are on the page but no single row holds them, or a
  header row names a single column (a header shattered into one table per cell or one
  column per character);
* **columns disagree with the header** — header cells that are fragments (one or two
  characters naming no column) or two labels run together (三级指标指标值), data rows whose text sits mostly in columns the header
  leaves unnamed, or data rows whose cells mostly run across three or more named columns
  (rules between the columns missed: a whole band of indicators read as one cell; a cell
  merged over several rows counts in each of them);
* **rows that do not fit the framework** — most level-1 (level-2) cells under the header
  name no level of any indicator framework, or one such cell names two levels on lines of
  their own (the rows of two groups read as one).

The rung is recorded per page (``PageInfo.rung``, ``PageInfo.rung_reason``) and counted in
``Document.stats["pdf_rungs"]``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jixiao.domain import framework, vocab
from jixiao.model.source import Block, Cell, PageInfo, Paragraph, Table, Word

if TYPE_CHECKING:
    from jixiao.layout import Ruling

RASTER_DPI = 150
DETECTOR_GROWTH = 1.6
RUNGS = ("vector", "raster", "columns", "stream")


@dataclass
class PageCheck:
    """What :func:`check_page` found: ``ok`` is False with a ``reason`` when the page looks misread."""

    ok: bool
    reason: str = ""
    indicator_rows: int = 0  # data rows under indicator headers (to compare two rungs)
    has_header: bool = False  # the page holds an indicator header (or its words)


# ---------------------------------------------------------------------------------------
# The self-check


_LEVEL_WORDS = ("一级指标", "二级指标", "三级指标")


def check_page(blocks: Sequence[Block]) -> PageCheck:
    """Whether a page's tables read as indicator tables should (see the module docstring).

    A page without any indicator header (a form's header block, a prose page) passes: there
    is nothing to check it against.
    """
    tables = [b for b in blocks if isinstance(b, Table)]
    headers = [(ti, ri) for ti, t in enumerate(tables) for ri, row in enumerate(t.rows) if _is_header(row)]
    if not headers:
        words = [w for w in _LEVEL_WORDS if w in _page_key(blocks)]
        if len(words) >= 2:
            return PageCheck(False, f"header words ({'/'.join(words)}) on the page but no table row holds them",
                             has_header=True)
        return PageCheck(True)
    total = 0
    last_block = blocks[-1] if blocks else None
    for n, (ti, ri) in enumerate(headers):
        t = tables[ti]
        end = next((r for tj, r in headers[n + 1:] if tj == ti), len(t.rows))
        header = t.rows[ri]
        data = [row for row in t.rows[ri + 1 : end] if any(c.text.strip() for c in row)]
        named = {r for r in (vocab.header_role(c.text) for c in header if c.merged_from is None and c.text) if r}
        if len(named) < 2:
            return PageCheck(False, f"the indicator header row names only {'/'.join(sorted(named))}: "
                                    "the header is split across tables", total, True)
        glued_head = _glued_header(header)
        if glued_head:
            return PageCheck(False, f"an indicator header cell holds two column labels ({glued_head}): "
                                    "the column between them was not found", total, True)
        fragments = _fragments(header)
        if fragments >= 2:
            return PageCheck(False, f"the indicator header is split into fragments ({fragments} cells name no column)",
                             total, True)
        if not data:
            if t is last_block and end == len(t.rows):
                continue  # the header ends the page: its rows are on the next one
            return PageCheck(False, "an indicator header with no indicator rows under it", total, True)
        roles = [vocab.header_role(c.text) if c.text.strip() else None for c in header]
        # a header may take two or three rows (近两年指标值 over 2022年 | 2023年): a column is
        # named when any header row names it; rows under the header that only name columns
        # are header rows too
        named_cols = {i for i, c in enumerate(header) if c.text.strip()}
        while data and all(vocab.header_role(c.text) for c in data[0] if c.text.strip()):
            named_cols |= {i for i, c in enumerate(data[0]) if c.text.strip()}
            data = data[1:]
        unnamed = [i for i in range(len(header)) if i not in named_cols]
        if unnamed and _mostly(data, lambda row: any(i < len(row) and row[i].merged_from is None and row[i].text.strip()
                                                        for i in unnamed)):
            return PageCheck(False, "the data rows fill columns the indicator header does not name", total, True)
        if _mostly(data, lambda row: _spans_named(row, roles) >= 3):
            return PageCheck(False, "the data rows run across the columns the indicator header names "
                                    "(the rules between them were not found)", total, True)
        glued = _glued_levels(data, roles)
        if glued:
            return PageCheck(False, glued, total, True)
        misfit = _misfit(data, roles) or _name_pieces(data, roles)
        if misfit:
            return PageCheck(False, misfit, total, True)
        total += len(data)
    return PageCheck(True, "", total, True)


def _is_header(row: list[Cell]) -> bool:
    texts = [c.text for c in row if c.merged_from is None and c.text]
    return any(_role(t) for t in texts) and vocab.names_indicator_header(texts)


@functools.lru_cache(maxsize=8192)
def _role(text: str) -> str | None:
    """``vocab.header_role``, remembered: the check asks it of every cell of every page."""
    return vocab.header_role(text)


def _fragments(header: list[Cell]) -> int:
    """Header cells of one or two characters that name no column: pieces of a split label."""
    return sum(
        1 for c in header
        if c.merged_from is None and 0 < len(vocab.key(c.text)) <= 2 and vocab.header_role(c.text) is None
    )


def _glued_header(header: list[Cell]) -> str:
    """The text of a header cell that is two column labels run together (三级指标指标值), else ''."""
    for c in header:
        if c.merged_from is not None:
            continue
        k = vocab.key(c.text)
        if len(k) < 5 or "\n" in c.text.strip() or _role(c.text) is not None:
            continue  # a label of its own (指标值确定依据 names the basis column)
        for i in range(2, len(k) - 1):
            a, b = _role(k[:i]), _role(k[i:])
            if a not in (None, "ignore", "lead") and b not in (None, "ignore", "lead") and a != b:
                return c.text
    return ""


def _spans_named(row: list[Cell], roles: list[str | None]) -> int:
    """The most columns the header names (distinct roles) that one cell covers in ``row``.

    A merged cell counts in every row it covers, by the columns it takes in that row (its
    origin and the copies beside it): a band of rows glued into one cell across the named
    columns leaves one origin and many rows of copies, and each of those rows runs across
    the columns as much as the first."""
    taken: dict[tuple[int, int], set[int]] = {}
    for i, c in enumerate(row):
        if c.text.strip() and i < len(roles):
            taken.setdefault(c.merged_from or (c.row, c.col), set()).add(i)
    return max((len({roles[i] for i in cols if roles[i]}) for cols in taken.values()), default=0)


def _mostly(rows: list[list[Cell]], pred: Callable[[list[Cell]], bool]) -> bool:
    return sum(1 for r in rows if pred(r)) * 2 > len(rows)


def _misfit(data: list[list[Cell]], roles: list[str | None]) -> str:
    """A reason when most level-1 (level-2) cells name no framework level at all, else ''.

    Lenient on purpose — the check must not fire on a clean page: a cell fits when it names
    a level 1 *or* a level 2 of some framework (a 指标类型 column may hold 数量指标), and any
    level 2 fits under an open level 1 (履职 takes the department's own areas)."""
    for role in ("level1", "level2"):
        if role not in roles:
            continue
        col = roles.index(role)
        l1col = roles.index("level1") if "level1" in roles else None
        # origin cells only (a merged level counts once); a level 2 whose level 1 is not on the
        # page (a table continued from the previous page) cannot be judged
        texts = [(row[col].text, row[l1col].text if l1col is not None and l1col < len(row) else None)
                 for row in data if col < len(row) and row[col].merged_from is None and row[col].text.strip()]
        if role == "level2":
            texts = [(t, l1) for t, l1 in texts if l1 is None or l1.strip()]
        fit = sum(1 for t, l1 in texts if _names_a_level(t, l1))
        if len(texts) - fit >= 3 and fit * 2 < len(texts):
            return f"{len(texts) - fit} of {len(texts)} {role} cells name no framework level"
    return ""


def _name_pieces(data: list[list[Cell]], roles: list[str | None]) -> str:
    """A reason when a third or more of the data rows hold nothing but a piece of an
    indicator name (the lines of wrapped names read as rows of their own: a table ruled
    between rows only, whose row rules were not used), else ''."""
    if "level3" not in roles:
        return ""
    col = roles.index("level3")
    lone = sum(1 for row in data if col < len(row) and row[col].merged_from is None and row[col].text.strip()
               and not any(c.text.strip() for i, c in enumerate(row) if i != col and c.merged_from is None))
    if lone >= 3 and 3 * lone >= len(data):
        return f"{lone} of {len(data)} rows hold only a piece of an indicator name: wrapped lines read as rows"
    return ""


def _glued_levels(data: list[list[Cell]], roles: list[str | None]) -> str:
    """A reason when a level-1 or level-2 cell holds two level names on lines of their own
    (数量指标 / 质量指标): the rows of two groups were read as one, else ''."""
    for role in ("level1", "level2"):
        if role not in roles:
            continue
        col = roles.index(role)
        for row in data:
            if col < len(row) and row[col].merged_from is None:
                parts = [t for t in row[col].text.split("\n") if t.strip()]
                if sum(1 for t in parts if _exact_level(t)) >= 2:
                    return f"a {role} cell holds two level names ({' / '.join(parts)}): rows glued together"
    return ""


def _names_a_level(text: str, level1: str | None) -> bool:
    if _exact_level(text) or (level1 is not None and framework.canonical_level2(text, level1) is not None):
        return True
    return _fuzzy_level(text)


@functools.lru_cache(maxsize=4096)
def _exact_level(text: str) -> bool:
    return framework.canonical_level1(text) is not None or framework.canonical_level2(text) is not None


@functools.lru_cache(maxsize=4096)
def _fuzzy_level(text: str) -> bool:
    return framework.match_level1(text) is not None or framework.match_level2(text) is not None


def _page_key(blocks: Sequence[Block]) -> str:
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            parts.append(b.text)
        else:
            parts += [c.text for row in b.rows for c in row if c.merged_from is None]
    return vocab.key("".join(parts))


# ---------------------------------------------------------------------------------------
# The rungs


@dataclass
class _LineBox:
    """What ``detect_rulings`` reads of a detected text line: its size in pixels."""

    w: float
    h: float


def raster_rulings(page: Any, line_boxes: Sequence[tuple[float, float, float, float]], dpi: int = RASTER_DPI) -> list[Ruling] | None:
    """Rules detected on a rendering of the page, in page points; None where that cannot be
    done (OpenCV missing, a rotated page whose text and pixels do not share axes)."""
    if page.rotation:
        return None
    try:
        from jixiao.ocr.engine import detect_rulings, render_page
    except ImportError:
        return None
    scale = 72.0 / dpi
    img = render_page(page, dpi)
    # the detector's kernels are sized from OCR line boxes, which grow ~1.6× around the ink
    # (see detect_rulings); text-layer line boxes are tight, so they are grown the same way
    sizes = [_LineBox(DETECTOR_GROWTH * (x1 - x0) / scale, DETECTOR_GROWTH * (y1 - y0) / scale)
             for x0, y0, x1, y1 in line_boxes]
    try:
        segs = detect_rulings(img, sizes)  # type: ignore[arg-type]
    except ImportError:
        return None
    return [(x0 * scale, y0 * scale, x1 * scale, y1 * scale) for x0, y0, x1, y1 in segs]


def raster_blocks(page: Any, info: PageInfo, line_boxes: Sequence[tuple[float, float, float, float]],
                  words_for: Callable[[list[Ruling]], list[Word]]) -> list[Block] | None:
    """The page rebuilt from raster rules and text-layer words (None when no raster rules)."""
    from jixiao.layout import page_blocks_from_words

    rulings = raster_rulings(page, line_boxes)
    if rulings is None:
        return None
    return page_blocks_from_words(words_for(rulings), info, rulings, source="pdf-raster")


def header_column_rulings(words: Sequence[Word], rulings: Sequence[Ruling]) -> list[Ruling]:
    """Vertical rules where an indicator header's words say the columns are, for a table
    ruled between its rows but not between its columns (CSS ``border-top/bottom`` only,
    Word/Excel tables with horizontal borders): the whitespace between columns of such a
    table is often crossed by long names, so whitespace alone joins two columns.

    A header is a visual line holding three or more words that name indicator columns
    (``vocab.header_role``), e.g. 一级指标 | 二级指标 | 三级指标 | 指标值. Its columns are the
    x-ranges of the words between the rules above and below it (a label wrapped onto two
    lines is one column); a rule goes midway between neighbouring columns, and at the ends
    of the header's top rule, from that rule down to the last row rule under it (the next
    header, if any, starts its own). Needs at least three row rules under the header: a table
    with rules only around its header (三线表) gets rows from nothing but whitespace.
    Returns only the added rules ([] when no header qualifies)."""
    from jixiao.layout import RulingIndex

    index = RulingIndex(rulings)
    hs = sorted(index.h, key=lambda ln: ln.pos)
    heads = _header_lines(words)
    out: list[Ruling] = []
    for n, (y0, y1, _) in enumerate(heads):
        row = [w for w in words if y0 - 0.5 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1 + 0.5]
        # from the first column-naming label: a lead cell left of it (年度绩效指标 spanning the
        # table, often shaded) is not crossed by the rule under the header
        named = [w for w in row if vocab.header_role(w.text) not in (None, "ignore", "lead")]
        if not named:
            continue
        x_lo, x_hi = min(w.bbox[0] for w in named), max(w.bbox[2] for w in row)
        full = [ln for ln in hs if ln.lo <= x_lo + 2 and ln.hi >= x_hi - 2]
        above = [ln for ln in full if ln.pos <= y0 + 1]
        after = [ln for ln in full if ln.pos >= y1 - 1]
        if not above or not after:
            continue
        top, under = above[-1], after[0]
        groups = _columns(words, top.pos, under.pos, x_lo, x_hi)
        limit = heads[n + 1][0] if n + 1 < len(heads) else float("inf")
        # row rules under the header reach the last column (merged level cells leave them short on the left)
        below = [ln.pos for ln in hs if under.pos - 1 <= ln.pos <= limit and ln.hi >= x_hi - 2 and ln.lo <= groups[-1][0]]
        if len(groups) < 3 or len(below) < 3:
            continue
        bottom = below[-1]
        body = [w for w in words if under.pos < (w.bbox[1] + w.bbox[3]) / 2 < bottom]
        inner = [(_clearest(a[1], b[0], body), b[2] if b[2] is not None else top.pos) for a, b in zip(groups, groups[1:])]
        xs = [(top.lo, top.pos)] + inner + [(top.hi, top.pos)]
        # a lead column left of the header's first label (年度绩效指标 spanning the rows): its own column
        lead = [w.bbox[2] for w in body if w.bbox[2] <= groups[0][0] - 1]
        if lead:
            xs.insert(1, (_clearest(max(lead), groups[0][0], body), top.pos))
        out += [(x, y, x, bottom) for x, y in xs]
    return out


def _clearest(lo: float, hi: float, body: Sequence[Word], step: float = 0.5) -> float:
    """The x between two header cells that the fewest body words cross (the middle of the
    widest such stretch): header labels may be centred or left-aligned, so the column
    boundary is anywhere in the gap between them."""
    if hi - lo <= 2 * step:
        return (lo + hi) / 2
    xs = [lo + step * i for i in range(1, int((hi - lo) / step))]
    cost = [sum(1 for w in body if w.bbox[0] < x < w.bbox[2]) for x in xs]
    best = min(cost)
    runs: list[tuple[int, int]] = []
    for i, c in enumerate(cost):
        if c == best:
            if runs and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
    a, b = max(runs, key=lambda r: r[1] - r[0])
    return (xs[a] + xs[b]) / 2


def _columns(words: Sequence[Word], top: float, bottom: float, x_lo: float, x_hi: float) -> list[tuple[float, float, float | None]]:
    """x-ranges of the header cells: the words between the header's rules, overlapping ones
    joined; a label spanning sub-labels that stand apart (近两年指标值 over 2022年 | 2023年)
    gives one range per sub-label, the later ones with the y under the spanning label (where
    the rule between them starts), else None."""
    band = sorted((w for w in words if top <= (w.bbox[1] + w.bbox[3]) / 2 <= bottom
                   and w.bbox[2] >= x_lo - 2 and w.bbox[0] <= x_hi + 2), key=lambda w: w.bbox[0])
    out: list[tuple[float, float, float | None]] = []
    for group in _overlapping(band):
        spanning = [w for w in group if _spans_apart(w, group)]
        rest = [w for w in group if w not in spanning]
        parts = _overlapping(rest) if spanning and rest else [group]
        if len(parts) < 2:
            out.append((min(w.bbox[0] for w in group), max(w.bbox[2] for w in group), None))
            continue
        under = max(w.bbox[3] for w in spanning)
        out += [(min(w.bbox[0] for w in p), max(w.bbox[2] for w in p), under if k else None) for k, p in enumerate(parts)]
    return out


def _overlapping(band: Sequence[Word]) -> list[list[Word]]:
    """Words (sorted by left edge) in runs whose x-extents overlap or touch."""
    groups: list[list[Word]] = []
    right = -1e9
    for w in sorted(band, key=lambda w: w.bbox[0]):
        if groups and w.bbox[0] <= right + 1.0:
            groups[-1].append(w)
            right = max(right, w.bbox[2])
        else:
            groups.append([w])
            right = w.bbox[2]
    return groups


def _spans_apart(w: Word, group: Sequence[Word]) -> bool:
    """Whether ``w`` lies over two words of ``group`` that do not overlap each other."""
    under = [v for v in group if v is not w and v.bbox[0] < w.bbox[2] - 1.0 and w.bbox[0] < v.bbox[2] - 1.0]
    return any(b.bbox[0] > a.bbox[2] + 1.0 for a in under for b in under)


def _header_lines(words: Sequence[Word]) -> list[tuple[float, float, int]]:
    """Indicator header lines: (top, bottom, how many column-naming words), top to bottom."""
    named = [w for w in words if vocab.header_role(w.text) not in (None, "ignore")]
    out: list[tuple[float, float, int]] = []
    used: set[int] = set()
    for w in sorted(named, key=lambda w: w.bbox[1]):
        if id(w) in used:
            continue
        cy = (w.bbox[1] + w.bbox[3]) / 2
        h = w.bbox[3] - w.bbox[1]
        row = [v for v in named if abs((v.bbox[1] + v.bbox[3]) / 2 - cy) <= 0.5 * h]
        if len(row) < 3:
            continue
        used.update(id(v) for v in row)
        out.append((min(v.bbox[1] for v in row), max(v.bbox[3] for v in row), len(row)))
    return out


def climb(
    vector: list[Block],
    check: PageCheck,
    raster: Callable[[], list[Block] | None],
    page_text: Callable[[], str],
    info: PageInfo,
    columns: Callable[[], list[Block] | None] | None = None,
) -> list[Block]:
    """Run the ladder below a failed vector rung; set ``info.rung``/``rung_reason``; return the
    blocks to keep (the vector ones unless a lower rung passes, so nothing is lost).

    ``columns`` (optional): the page rebuilt with column rules set by the indicator header's
    words (:func:`header_column_rulings`), for tables ruled between rows only."""
    info.rung, info.rung_reason = "vector", check.reason
    if check.ok:
        return vector
    reason = f"vector: {check.reason}"
    passed: list[tuple[int, str, list[Block]]] = []
    for name, rung in (("raster", raster), ("columns", columns)):
        lower = rung() if rung is not None else None
        if lower is None:
            reason += f"; {name}: unavailable"
            continue
        second = check_page(lower)
        # a rung that lost the header the page has (its words cut into pieces) reads nothing
        if second.ok and (second.indicator_rows > 0 or not (second.has_header or check.has_header)):
            passed.append((second.indicator_rows, name, lower))
            if second.indicator_rows == 0:
                break  # a page without indicators: nothing to compare
            continue
        reason += f"; {name}: {second.reason or 'no indicator rows'}"
    if passed:
        # both lower rungs passing: the one that reads more indicator rows (raster on a tie)
        rows, name, lower = max(passed, key=lambda p: p[0])
        info.rung, info.rung_reason = name, reason
        return lower
    # the last rung is the stream extractor, a later stage (jixiao.extract.pdf_rungs): the page
    # keeps its text for it, and its vector blocks meanwhile, so nothing is lost
    info.rung, info.rung_reason = "stream", reason
    info.stream_text = page_text()
    return vector


# ---------------------------------------------------------------------------------------
# Counts


def rung_counts(pages: Sequence[PageInfo]) -> dict[str, int]:
    """Pages per rung (text pages of a PDF only; {} for other inputs)."""
    c = Counter(p.rung for p in pages if p.rung)
    return {r: c.get(r, 0) for r in RUNGS} if c else {}
