"""Golden ``text-*`` families: each golden form as text, the way people copy it.

Users paste text copied from government web pages and PDF viewers: a browser gives one
cell per line, tab-separated rows (Chromium's ``innerText``), pipes from a converter,
cells glued together, vertical labels split one character per line, page chrome around
the form, or the indicators rewritten as a prose list. This module draws those
linearizations from what the golden *layout* prints (``jixiao.evaluate.render.form_layout.build``: the
same grids, merged cells and headings the PDF renderer draws) — never from any extraction
code — so they can test the text extractors independently. ``text-viewer`` is not drawn
here at all: it is poppler's ``pdftotext`` run on the committed ``digital.pdf`` (a real
producer), and ``text-chromium`` is a real Chromium's ``document.body.innerText`` of a
plain HTML table of the form.

Every style is seeded per (document, family) with a stable hash, so the same label and
layout give the same bytes; the knobs drawn for a file are recorded in the folder's
``producers.json`` under the family's key.

The label stays the truth: :func:`missing_values` lists every indicator level3 /
half_year / target that a text does not keep (modulo the documented style transforms:
whitespace and separators dropped, ASCII ``>=`` / ``<=`` for ``≥`` / ``≤``, ``?`` and
full-width spaces used as padding).

Commands (golden/README.md, "Text linearizations"):
``jixiao golden render --text`` (all folders) or ``--text --only DOC_ID``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from jixiao.evaluate.render.form_layout import (
    Cell,
    Grid,
    Heading,
    IndicatorTable,
    LayoutError,
    Para,
    _block,
    occupancy,
)
from jixiao.model.output import Document

GENERATOR_VERSION = "1"
COMMAND = "jixiao golden render --text"
FAMILIES = (
    "text-lines", "text-pipe", "text-tsv", "text-space", "text-blank", "text-concat",
    "text-viewer", "text-vertical", "text-chrome", "text-prose", "text-chromium",
)
PRODUCERS_FILE = "producers.json"
CHROME_FILE = Path(__file__).with_name("webchrome.json")
FW_SPACE = "\u3000"


def family_file(family: str) -> str:
    """The file a family writes in a golden folder: ``text-pipe`` → ``text-pipe.txt``."""
    return f"{family}.txt"


# ---------------------------------------------------------------------------------------
# What the layout prints, in reading order


@dataclass
class Line:
    """A heading or paragraph line as printed."""

    text: str
    heading: bool = False


@dataclass
class Table:
    """A printed table: the grid the renderer draws, plus the indicator columns' fields.

    ``fields`` (indicator tables only) names the label field of each data column so the
    prose style can say which cell is the level3 and which the value; ``body`` is the data
    rows as printed (op / unit columns still split).
    """

    grid: Grid
    fields: list[str] = field(default_factory=list)
    body: list[list[str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # lead cell, full-width header cells


Item = Line | Table


def _layout_blocks(form_layout: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Layout blocks with ``side_by_side`` opened: a web page shows them one after the other."""
    for b in form_layout.get("blocks", []):
        if b.get("type") == "side_by_side":
            yield from b.get("blocks", [])
        else:
            yield b


def document_items(label: Document, layout: dict[str, Any], name: str = "") -> list[list[Item]]:
    """Per form, the printed lines and tables in order (as the renderer draws them)."""
    forms = layout.get("forms") or []
    if len(forms) != len(label.forms):
        raise LayoutError(f"{name}: layout has {len(forms)} forms, the label {len(label.forms)}")
    out: list[list[Item]] = []
    for fi, (fl, flab) in enumerate(zip(forms, label.forms)):
        items: list[Item] = []
        for bi, spec in enumerate(_layout_blocks(fl)):
            blk = _block(spec, flab, f"{name}: form {fi + 1} block {bi + 1}")
            if isinstance(blk, Heading):
                items.append(Line(blk.text, heading=True))
            elif isinstance(blk, Para):
                items.append(Line(blk.text))
            elif isinstance(blk, Grid):
                items.append(Table(blk))
            elif isinstance(blk, IndicatorTable):
                cols = spec["columns"]
                captions = ([blk.lead.text] if blk.lead is not None and blk.lead.text.strip() else []) + [
                    c.text for row in blk.header for c in row if c.colspan == len(cols) and c.text.strip()]
                items.append(Table(blk.whole(), [c["field"] for c in cols], blk.body,
                                   [str(c.get("header", c["field"])) for c in cols], captions))
        out.append(items)
    return out


# ---------------------------------------------------------------------------------------
# Grid rows with merged slots


@dataclass
class Slot:
    """One grid position: the cell covering it and whether this is the cell's own slot."""

    cell: Cell
    own: bool  # top-left slot of the cell
    row_cont: bool  # covered by a rowspan from an earlier row
    col_cont: bool  # covered by a colspan from an earlier column of the same row


def slot_rows(grid: Grid) -> list[list[Slot]]:
    matrix = occupancy(grid.rows)
    seen: dict[tuple[int, int], tuple[int, int]] = {}
    out = []
    for r, mrow in enumerate(matrix):
        row = []
        for c, s in enumerate(mrow):
            assert s is not None
            first = seen.setdefault(s, (r, c))
            row.append(Slot(grid.rows[s[0]][s[1]], own=first == (r, c), row_cont=first[0] < r,
                            col_cont=first[0] == r and first[1] < c))
        out.append(row)
    return out


def row_texts(row: list[Slot], *, rowspan: str = "omit", colspan: str = "omit",
              text: Callable[[Cell], str] | None = None) -> list[str]:
    """A row's cell texts; slots covered by a merge are omitted, left empty or repeated."""
    get = text or (lambda c: c.text)
    out = []
    for s in row:
        mode = "own" if s.own else ("row" if s.row_cont else "col")
        how = {"own": "keep", "row": rowspan, "col": colspan}[mode]
        if how == "keep" or how == "repeat":
            out.append(get(s.cell))
        elif how == "empty":
            out.append("")
    return out


def _breaks(text: str, how: str) -> str:
    """A cell's printed line breaks as a copy gives them: kept (``<br>`` → newline), joined,
    or a space (Word/Excel HTML, seed 000's ``单位 主要职能``)."""
    return text if how == "keep" else _flat(text, " " if how == "space" else "")


def _flat(text: str, join: str = "") -> str:
    """A cell's printed line breaks removed (or replaced), as a copy that loses <br> gives."""
    return join.join(p.strip() for p in text.split("\n") if p.strip()) if "\n" in text else text


# ---------------------------------------------------------------------------------------
# Styles: each takes the items and a seeded Random, returns (text, knobs)


def _rng(doc_id: str, family: str) -> random.Random:
    h = hashlib.sha256(f"{doc_id}\x00{family}\x00{GENERATOR_VERSION}".encode()).hexdigest()
    return random.Random(int(h[:16], 16))


def _lines_text(items: list[list[Item]], table: Callable[[Table], list[str]], *, form_sep: str = "\n",
                line: Callable[[Line], str] | None = None) -> str:
    """Join forms → items → lines; tables drawn by ``table``."""
    chunks: list[str] = []
    for fi, form in enumerate(items):
        out: list[str] = []
        for it in form:
            if isinstance(it, Line):
                out.append(line(it) if line else it.text)
            else:
                out.extend(table(it))
        chunks.append("\n".join(out))
    return form_sep.join(chunks).rstrip("\n") + "\n"


def style_lines(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One cell per line, merged cells once (a browser's copy of a table)."""
    knobs = {"empty_cells": rng.choice(["skip", "skip", "blank_line"]), "cell_breaks": rng.choice(["keep", "join", "space"])}

    def table(t: Table) -> list[str]:
        out = []
        for row in slot_rows(t.grid):
            for s in row:
                if not s.own:
                    continue
                txt = _breaks(s.cell.text, knobs["cell_breaks"])
                if txt.strip() or knobs["empty_cells"] == "blank_line":
                    out.append(txt)
        return out

    return _lines_text(items, table, form_sep=rng.choice(["\n", "\n\n"])), knobs


def style_pipe(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Rows with ``|`` separators; merged / empty slots as empty cells (``|||`` runs)."""
    knobs = {
        "sep": rng.choice(["|", "|", " | "]),
        "outer": rng.choice([True, False]),
        "rowspan": rng.choice(["empty", "empty", "omit", "repeat"]),
        "colspan": rng.choice(["empty", "empty", "omit"]),
        "markdown": rng.random() < 0.3,
    }
    if knobs["markdown"]:  # an HTML → Markdown converter: | a | b |, a |---| rule under row 1
        knobs.update(sep=" | ", outer=True, colspan="empty")

    def table(t: Table) -> list[str]:
        out = []
        for i, row in enumerate(slot_rows(t.grid)):
            cells = row_texts(row, rowspan=knobs["rowspan"], colspan=knobs["colspan"], text=lambda c: _flat(c.text))
            body = knobs["sep"].join(cells)
            if knobs["markdown"]:
                out.append(re.sub(r"\|  (?=\|)", "| ", f"| {body} |"))
                if i == 0:
                    out.append("|" + "---|" * len(cells))
                continue
            edge = knobs["sep"].strip() if knobs["outer"] else ""
            out.append(f"{edge}{body}{edge}")
        return out

    return _lines_text(items, table, form_sep="\n\n"), knobs


def style_tsv(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Tab-separated rows: Chromium's innerText (covered slots absent) or a spreadsheet copy
    (covered slots as empty cells, so rows keep trailing tabs); <br> stays a newline in a cell."""
    knobs = {"covered": rng.choice(["omit", "omit", "empty"]), "cell_breaks": rng.choice(["keep", "keep", "join", "space"]),
             "nbsp_empty": rng.random() < 0.3}

    def get(c: Cell) -> str:
        if knobs["nbsp_empty"] and not c.text.strip():
            return "\xa0"  # an empty cell holding &nbsp; (HTML exported from Word)
        return _breaks(c.text, knobs["cell_breaks"])

    def table(t: Table) -> list[str]:
        cov = knobs["covered"]
        return ["\t".join(row_texts(row, rowspan=cov, colspan=cov, text=get)) for row in slot_rows(t.grid)]

    return _lines_text(items, table), knobs


def style_space(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Space-separated rows (a PDF or page copy that turns cell gaps into spaces)."""
    knobs = {"sep": rng.choice([" ", "  ", " ", FW_SPACE, "   "]), "empty_cells": rng.choice(["skip", "space"])}

    def table(t: Table) -> list[str]:
        out = []
        for row in slot_rows(t.grid):
            cells = row_texts(row, text=lambda c: _flat(c.text, ""))
            if knobs["empty_cells"] == "skip":
                cells = [c for c in cells if c.strip()]
            out.append(knobs["sep"].join(cells).rstrip())
        return out

    return _lines_text(items, table), knobs


def style_blank(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Cells separated by blank lines; or (a word processor's copy) each cell on a tab-led
    line with rows separated by blank lines and stray full-width padding."""
    knobs = {"mode": rng.choice(["cell", "row"]), "pad": rng.choice([0.0, 0.15, 0.3])}

    def pad(txt: str) -> str:
        if txt and rng.random() < knobs["pad"]:
            return FW_SPACE + txt if rng.random() < 0.5 else txt + FW_SPACE
        return txt

    def table(t: Table) -> list[str]:
        out = []
        for row in slot_rows(t.grid):
            cells = row_texts(row, rowspan="empty", colspan="omit")
            if knobs["mode"] == "cell":
                out.extend(x for c in cells if c.strip() for x in (pad(c), ""))
            else:
                out.extend("\t" + pad(c) for c in cells)
                out.append("")
        return out

    return _lines_text(items, table, line=lambda ln: ln.text + "\n"), knobs


def style_concat(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Cells of a row concatenated with no separator (``产出指标数量指标培训覆盖人次≥500人次``)."""
    knobs = {"rowspan": rng.choice(["omit", "omit", "repeat"])}

    def table(t: Table) -> list[str]:
        return ["".join(row_texts(row, rowspan=knobs["rowspan"], text=lambda c: _flat(c.text)))
                for row in slot_rows(t.grid)]

    return _lines_text(items, table), knobs


def _is_label_cell(c: Cell) -> bool:
    """A merged label a form may print vertically: CJK, short, no digits."""
    t = _flat(c.text)
    return bool(t) and len(t) <= 12 and not re.search(r"[0-9０-９%.]", t) and bool(re.search(r"[\u4e00-\u9fff]", t))


def style_vertical(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Merged-cell labels printed vertically: one character per line (``绩\\n效\\n指\\n标``),
    or padded between characters with ``?`` (a full-width space lost to GBK) or full-width
    spaces; the rest as one cell per line or tab-separated rows."""
    knobs = {
        "base": rng.choice(["lines", "tsv"]),
        "label": rng.choice(["split", "split", "pad_q", "pad_fw"]),
        "pad_headers": rng.choice([True, False]),
    }

    def vert(c: Cell) -> str:
        t = _flat(c.text)
        how = knobs["label"]
        if how == "split":
            return "\n".join(t)
        if how == "pad_q":
            return ("?" * rng.choice([1, 1, 2])).join(t)
        return (FW_SPACE * rng.choice([1, 2])).join(t)

    def text_of(c: Cell) -> str:
        if c.rowspan > 1 and _is_label_cell(c):
            return vert(c)
        if knobs["pad_headers"] and c.header and _is_label_cell(c) and len(_flat(c.text)) <= 4:
            return FW_SPACE.join(_flat(c.text))
        return c.text

    def table(t: Table) -> list[str]:
        rows = slot_rows(t.grid)
        if knobs["base"] == "tsv":
            return ["\t".join(row_texts(r, text=text_of)) for r in rows]
        return [text_of(s.cell) for r in rows for s in r if s.own and s.cell.text.strip()]

    return _lines_text(items, table), knobs


# ---------------------------------------------------------------------------------------
# Web page chrome


def _chrome_vocab() -> dict[str, Any]:
    return json.loads(CHROME_FILE.read_text(encoding="utf-8"))


def _city(label: Document, vocab: dict[str, Any]) -> tuple[str, str]:
    text = " ".join(filter(None, [f.unit_name or "" for f in label.forms] + [f.title or "" for f in label.forms]
                           + [f.competent_dept or "" for f in label.forms]))
    for city, prov in vocab["provinces"].items():
        if city in text:
            return city + ("市" if not city.endswith(("市", "县", "区")) and city not in ("渝北", "奉节") else ""), prov
    return "", "京"


def _fill(s: str, env: dict[str, str]) -> str:
    for k, v in env.items():
        s = s.replace("{" + k + "}", v)
    return s


def chrome_parts(label: Document, rng: random.Random) -> tuple[list[str], list[str], dict[str, Any]]:
    """(lines above the form, lines below it, knobs) for a government article page."""
    vocab = _chrome_vocab()
    city, prov = _city(label, vocab)
    form = label.forms[0]
    year = form.year or 2024
    pub_year = year if rng.random() < 0.8 else year - 1  # 预算 are published Jan–Mar; a few in the December before
    month = rng.randint(1, 3) if pub_year == year else 12
    day = rng.randint(1, 28)
    date = f"{pub_year}-{month:02d}-{day:02d}"
    weekday = "星期" + "一二三四五六日"[datetime.date(pub_year, month, day).weekday()]
    if rng.random() < 0.3:
        date = f"{pub_year}年{int(date[5:7])}月{int(date[8:10])}日"
    env = {
        "city": city, "unit": form.unit_name or city, "dept": form.competent_dept or form.unit_name or city,
        "date": date, "time": f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}", "n": str(rng.randint(12, 9999)),
        "year": str(year), "province": prov, "weekday": weekday, "title": form.title or "绩效目标表",
        "icp": f"{rng.randint(10000000, 99999999)}", "beian": f"{rng.randint(10**13, 10**14 - 1)}",
        "code": f"{rng.randint(10**9, 10**10 - 1)}", "index": f"{rng.randint(10**8, 10**9 - 1)}/{pub_year}-{rng.randint(100, 999)}",
    }
    env["site"] = _fill(rng.choice(vocab["sites"]), env)
    k = {
        "top_bar": rng.randrange(len(vocab["top_bars"])) if rng.random() < 0.5 else None,
        "nav": rng.randrange(len(vocab["navs"])) if rng.random() < 0.6 else None,
        "breadcrumb": rng.randrange(len(vocab["breadcrumbs"])),
        "breadcrumb_sep": rng.choice(vocab["breadcrumb_seps"]),
        "title_repeat": rng.randrange(len(vocab["article_titles"])) if rng.random() < 0.7 else None,
        "meta": rng.randrange(len(vocab["meta_lines"])),
        "meta_join": rng.choice(vocab["meta_joiners"]),
        "font_size": rng.choice(vocab["font_size_lines"]),
        "share": rng.choice(vocab["share_lines"]),
        "footer": rng.sample(range(len(vocab["footer_lines"])), 2),
        "site_footer": rng.randrange(len(vocab["site_footers"])) if rng.random() < 0.7 else None,
        "date": date,
    }
    top: list[str] = []
    if k["top_bar"] is not None:
        top.append("  ".join(_fill(x, env) for x in vocab["top_bars"][k["top_bar"]]))
    if k["nav"] is not None:
        top.extend(_fill(x, env) for x in vocab["navs"][k["nav"]])
    crumbs = [_fill(x, env) for x in vocab["breadcrumbs"][k["breadcrumb"]]]
    lead = crumbs.pop(0) if crumbs[0].endswith("：") else ""  # "当前位置：" is followed directly
    top.append(lead + k["breadcrumb_sep"].join(crumbs))
    if k["title_repeat"] is not None:
        top.append(_fill(vocab["article_titles"][k["title_repeat"]], env))
    top.append(k["meta_join"].join(_fill(x, env) for x in vocab["meta_lines"][k["meta"]]))
    meta_text = top[-1]
    top += [x for x in (k["font_size"], k["share"]) if x and not (x == k["font_size"] and re.search("字[号体]", meta_text))]
    bottom: list[str] = []
    for i in k["footer"]:
        bottom.append(rng.choice(["  ", "\n", "　"]).join(_fill(x, env) for x in vocab["footer_lines"][i]))
    if k["site_footer"] is not None:
        bottom.extend(_fill(x, env) for x in vocab["site_footers"][k["site_footer"]])
    return top, bottom, k


def style_chrome(items: list[list[Item]], rng: random.Random, label: Document) -> tuple[str, dict[str, Any]]:
    """The form inside a government article page: nav, breadcrumbs, 发布时间, 字号, share,
    print / close links and the site footer around it; the form itself copied as pipes,
    tab rows or one cell per line."""
    base = rng.choice(["pipe", "tsv", "lines", "space"])
    body, base_knobs = STYLES[base](items, rng)
    top, bottom, knobs = chrome_parts(label, rng)
    text = "\n".join(top) + "\n" + rng.choice(["", "\n"]) + body + rng.choice(["", "\n"]) + "\n".join(bottom) + "\n"
    return text, {"base": base, "base_knobs": base_knobs, **knobs}


# ---------------------------------------------------------------------------------------
# Prose


_ASCII_OPS = {"≥": ">=", "≤": "<="}


def _value(row: dict[str, str], key: str) -> str:
    """The whole value a row prints for ``key`` (op / unit columns joined back, as read)."""
    v = row.get(key, "")
    if key == "target":
        op = row.get("op", "")
        if op and op not in ("定性", "定量"):
            v = op + v
        v += row.get("unit", "")
    return _flat(v)


def style_prose(items: list[list[Item]], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Header fields as ``项目名称：…`` lines and the indicators as a numbered prose list
    (``1.产出指标：数量指标：培训覆盖人次≥500人次；…`` or ``名称(≥**个)>=6个;``)."""
    knobs = {
        "indicator": rng.choice(["colon", "colon", "template"]),
        "ascii_ops": rng.random() < 0.5,
        "level_numbering": rng.choice(["1.", "（一）", "一、"]),
        "item_sep": rng.choice(["；", ";", "，"]),
        "one_line": rng.random() < 0.4,
        "kv_sep": rng.choice(["：", ":", "："]),
    }
    cn = "一二三四五六七八九十"

    def number(i: int) -> str:
        n = knobs["level_numbering"]
        return f"{i}." if n == "1." else (f"（{cn[i - 1]}）" if n == "（一）" else f"{cn[i - 1]}、")

    def op_text(v: str) -> str:
        if knobs["ascii_ops"]:
            for a, b in _ASCII_OPS.items():
                v = v.replace(a, b)
        return v

    def grid_prose(t: Table) -> list[str]:
        out = []
        for row in slot_rows(t.grid):
            cells = [c for c in row_texts(row, text=lambda c: _flat(c.text)) if c.strip()]
            if not cells:
                continue
            if len(cells) % 2 == 0 and len(cells) > 2:
                out.append("  ".join(f"{a}{knobs['kv_sep']}{b}" for a, b in zip(cells[::2], cells[1::2])))
            elif len(cells) == 1:
                out.append(cells[0])
            else:
                out.append(f"{cells[0]}{knobs['kv_sep']}{' '.join(cells[1:])}")
        return out

    def template(name: str, value: str) -> str:
        m = re.match(r"^([≥≤=<>]*)\s*[0-9.]+\s*(.*)$", value)
        if not m:
            return f"{name}{knobs['kv_sep']}{value}"
        return f"{name}({m.group(1) or ''}**{m.group(2)}){op_text(value)}"

    def indicator_prose(t: Table) -> list[str]:
        rows = [dict(zip(t.fields, r)) for r in t.body]
        out: list[str] = [_flat(c) + knobs["kv_sep"] for c in t.captions]  # 年度绩效指标：
        groups: list[tuple[str, list[dict[str, str]]]] = []
        for r in rows:
            if not _flat(r.get("level3", "") or r.get("target", "")).strip():
                continue
            l1 = _flat(r.get("level1", ""))
            if not groups or (l1 and l1 != groups[-1][0]):
                groups.append((l1, []))
            groups[-1][1].append(r)
        for gi, (l1, grows) in enumerate(groups, 1):
            parts: list[str] = []
            last_l2 = None
            for r in grows:
                l2 = _flat(r.get("level2", ""))
                name = _flat(r.get("level3", ""))
                target = _value(r, "target")
                if knobs["indicator"] == "template":
                    s = template(name, target)
                else:
                    s = f"{name}{op_text(target)}"
                if r.get("half_year"):
                    s += f"（半年{op_text(_flat(r['half_year']))}）"
                extra = [f"{h}{knobs['kv_sep']}{_flat(r[f])}" for f, h in zip(t.fields, t.headers)
                         if f in ("description", "basis", "key_task", "category") and r.get(f)]
                extra += [f"{f.split(':', 1)[1]}年{_flat(r[f])}" for f in t.fields if f.startswith("history:") and r.get(f)]
                if extra:
                    s += "（" + "，".join(extra) + "）"
                if l2 and l2 != last_l2:
                    s = f"{l2}{knobs['kv_sep']}{s}"
                last_l2 = l2
                parts.append(s)
            head = f"{number(gi)}{l1}{knobs['kv_sep']}" if l1 else f"{number(gi)}"
            if knobs["one_line"]:
                out.append(head + knobs["item_sep"].join(parts) + "。")
            else:
                out.append(head)
                out.extend(p + knobs["item_sep"] for p in parts)
        return out

    def table(t: Table) -> list[str]:
        return indicator_prose(t) if t.fields else grid_prose(t)

    return _lines_text(items, table, form_sep="\n\n"), knobs


STYLES: dict[str, Callable[[list[list[Item]], random.Random], tuple[str, dict[str, Any]]]] = {
    "lines": style_lines, "pipe": style_pipe, "tsv": style_tsv, "space": style_space, "blank": style_blank,
    "concat": style_concat, "vertical": style_vertical, "prose": style_prose,
}


# ---------------------------------------------------------------------------------------
# Real producers: pdftotext, Chromium


def pdftotext_version() -> str:
    exe = shutil.which("pdftotext")
    if not exe:
        raise RuntimeError("pdftotext not found (Debian: apt-get install poppler-utils)")
    out = subprocess.run([exe, "-v"], capture_output=True, text=True, check=False)
    m = re.search(r"pdftotext version (\S+)", out.stderr + out.stdout)
    return m.group(1) if m else "unknown"


def viewer_text(pdf: Path, rng: random.Random) -> tuple[str, dict[str, Any], str]:
    """``pdftotext`` on the committed digital.pdf: raw (content order, a viewer's copy) or
    ``-layout`` (columns kept by spaces); returns (text, knobs, command)."""
    mode = rng.choice(["raw", "layout", "default"])
    args = {"raw": ["-raw"], "layout": ["-layout"], "default": []}[mode]
    cmd = ["pdftotext", *args, "-enc", "UTF-8", pdf.name, "-"]
    out = subprocess.run(cmd, cwd=pdf.parent, capture_output=True, check=True)
    text = out.stdout.decode("utf-8")
    return text, {"mode": mode}, " ".join(cmd[:-1] + ["text-viewer.txt"])


def html_table(items: list[list[Item]]) -> str:
    """A plain HTML page of the form (headings, paragraphs, tables with rowspan/colspan)."""
    import html as h

    parts = ['<!doctype html><html><head><meta charset="utf-8"><title>form</title></head><body>']
    for form in items:
        for it in form:
            if isinstance(it, Line):
                tag = "h2" if it.heading else "p"
                parts.append(f"<{tag}>{h.escape(it.text).replace(chr(10), '<br>')}</{tag}>")
                continue
            parts.append('<table border="1" cellspacing="0">')
            for row in it.grid.rows:
                tds = []
                for c in row:
                    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                    tag = "th" if c.header else "td"
                    tds.append(f"<{tag}{span}>{h.escape(c.text).replace(chr(10), '<br>')}</{tag}>")
                parts.append("<tr>" + "".join(tds) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def chromium_texts(pages: dict[str, str]) -> tuple[dict[str, str], str]:
    """``document.body.innerText`` of each HTML page in one headless Chromium (Playwright,
    the system browser); returns ({name: text}, browser version)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        version = browser.version
        page = browser.new_page()
        for name, html in pages.items():
            page.set_content(html)
            out[name] = page.evaluate("document.body.innerText")
        browser.close()
    return out, version


# ---------------------------------------------------------------------------------------
# Checking that a text keeps the label's values


def _norm(s: str) -> str:
    """Documented style transforms undone: whitespace, separators and padding removed,
    ASCII operators read as ≥ / ≤."""
    s = s.replace(">=", "≥").replace("<=", "≤")
    return re.sub(r"[\s|?\u3000]", "", s)


def label_values(label: Document) -> list[tuple[str, str]]:
    """(what, value) for every indicator level3, half_year and target of the label."""
    out = []
    for fi, form in enumerate(label.forms, 1):
        for ind in form.indicators:
            for key in ("level3", "half_year", "target"):
                v = getattr(ind, key)
                if v and v.strip():
                    out.append((f"form {fi} {ind.scope} {key}", v))
    return out


def missing_values(label: Document, text: str) -> list[str]:
    """Label values the text does not keep (modulo the style transforms): empty = complete."""
    hay = _norm(text)
    return [f"{what}: {v!r}" for what, v in label_values(label) if _norm(v) not in hay]


# ---------------------------------------------------------------------------------------
# Writing a folder


@dataclass
class Written:
    family: str
    path: Path
    missing: list[str]


def render_text(folder: Path, families: tuple[str, ...] = FAMILIES, *, chromium: bool = True) -> list[Written]:
    """Write ``text-*.txt`` for one golden folder and record each in producers.json."""
    from jixiao.evaluate.render.form_layout import load_layout
    from jixiao.model.output import load_document

    label = load_document(folder / "label.json")
    label.doc_id = folder.name
    layout = load_layout(folder / "layout.json")
    items = document_items(label, layout, folder.name)
    producers: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for fam in families:
        rng = _rng(folder.name, fam)
        style = fam.removeprefix("text-")
        if fam == "text-viewer":
            text, knobs, cmd = viewer_text(folder / "digital.pdf", rng)
            producers[fam] = {"producer": "pdftotext", "version": pdftotext_version(), "command": cmd, "knobs": knobs}
        elif fam == "text-chromium":
            if not chromium:
                continue
            texts[fam] = ""  # filled below, all pages in one browser
            continue
        elif fam == "text-chrome":
            text, knobs = style_chrome(items, rng, label)
            producers[fam] = {"producer": "linearize", "version": GENERATOR_VERSION, "command": COMMAND, "knobs": knobs}
        else:
            text, knobs = STYLES[style](items, rng)
            producers[fam] = {"producer": "linearize", "version": GENERATOR_VERSION, "command": COMMAND, "knobs": knobs}
        texts[fam] = text
    if "text-chromium" in texts:
        got, version = chromium_texts({"text-chromium": html_table(items)})
        texts["text-chromium"] = got["text-chromium"].rstrip("\n") + "\n"
        producers["text-chromium"] = {
            "producer": "chromium-innerText", "version": version,
            "command": COMMAND + "  (Playwright: page.set_content(html); document.body.innerText)",
            "knobs": {"html": "plain <table border=1>, rowspan/colspan, <th> header cells, <br> line breaks"},
        }
    out = []
    for fam, text in texts.items():
        path = folder / family_file(fam)
        path.write_bytes(text.encode("utf-8"))
        missing = missing_values(label, text)
        if producers[fam]["producer"] != "linearize":
            # A real producer's own order: a wrapped cell or a split op/value/unit may be
            # interleaved with other columns. Recorded, not repaired (that is the test).
            producers[fam]["split_values"] = missing
            missing = []
        out.append(Written(fam, path, missing))
    write_producers(folder, producers)
    return out


def write_producers(folder: Path, entries: dict[str, Any]) -> None:
    """Merge ``entries`` into producers.json (other families' keys are kept as they are)."""
    path = folder / PRODUCERS_FILE
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from exc
    data.update(entries)
    path.write_text(json.dumps(dict(sorted(data.items())), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def render_text_command(folders: list[Path], console: Any) -> int:
    """``jixiao golden render --text``: write every family for each folder, report gaps.

    Returns the exit code: 1 when a folder cannot be linearized or a text loses a label
    value (the label is the truth; a family that drops one is a generator bug).
    """
    from rich.table import Table as RichTable

    t = RichTable(title="golden text linearizations")
    for col in ("doc", "families", "KB", "missing label values"):
        t.add_column(col)
    code = 0
    gaps: list[str] = []
    split: list[str] = []
    for folder in folders:
        try:
            written = render_text(folder)
        except (ValueError, LayoutError, RuntimeError, subprocess.CalledProcessError) as exc:
            t.add_row(folder.name, "-", "-", f"[red]{exc}[/red]")
            code = 1
            continue
        missing = sum(len(w.missing) for w in written)
        gaps += [f"{folder.name}/{w.path.name}: {m}" for w in written for m in w.missing]
        split += [f"{folder.name}/{PRODUCERS_FILE}: {fam}: {m}" for fam, e in _read_producers(folder).items()
                  if fam in FAMILIES for m in e.get("split_values", [])]
        size = sum(w.path.stat().st_size for w in written) / 1024
        t.add_row(folder.name, str(len(written)), f"{size:.0f}", str(missing) if missing else "[green]0[/green]")
        code = code or (1 if missing else 0)
    console.print(t)
    for g in gaps:
        console.print(f"[red]missing[/red] {g}", soft_wrap=True)
    for g in split:
        console.print(f"[yellow]not contiguous in the producer's output[/yellow] {g}", soft_wrap=True)
    return code


def _read_producers(folder: Path) -> dict[str, Any]:
    path = folder / PRODUCERS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
