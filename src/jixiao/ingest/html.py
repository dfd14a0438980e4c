"""HTML ingest: a saved government page, or the "web preview" of a .xlsx/.docx.

Forms reach users as web pages as often as files: a 部门预算公开 page with the 绩效目标表
inline, or the HTML that Excel, WPS and LibreOffice write when a workbook is exported
for a website. The page is parsed with lxml's HTML parser (libxml2: it repairs broken
markup the way browsers do) and walked in document order:

* every data ``<table>`` becomes a true grid (``exact_grid=True``): ``rowspan``/``colspan``
  are laid out with the HTML table algorithm and the merged area is filled with copies
  whose ``merged_from`` points at the origin, as the DOCX reader does;
* a *layout* table — one whose cells hold other tables and little text of their own, the
  way older government sites frame a page — is not a grid: its content is walked as if
  the table were not there, so the form table inside it becomes a block of its own;
* a table nested inside a data cell (a sub-table in a Word cell) is read into that cell's
  text, one row per line, as the DOCX reader reads nested tables;
* text outside tables becomes paragraphs, split at block elements and ``<br>``;
  ``<script>``, ``<style>``, ``<nav>``, form controls and hidden elements are skipped;
* inside a cell ``<br>`` and block elements are line breaks; runs of HTML whitespace and
  ``&nbsp;`` become one space.

Encoding: a byte-order mark wins, then the charset declared in ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` (GB2312 and GBK are decoded as GB18030, their
superset), else UTF-8, then GB18030. One exception: bytes that are valid UTF-8 with
multi-byte sequences under a legacy (GB*) declaration are UTF-8 — a browser's "dump DOM"
or a CMS re-encodes the page but keeps the old ``<meta>``, and legacy GBK text is
practically never valid UTF-8. The mismatch is recorded as an info flag.

Safety: the parser is built with ``no_network=True`` (no DTD or external resource is
fetched) and the HTML parser never expands external entities; files above
``MAX_HTML_BYTES``, tables above ``MAX_GRID_SLOTS`` grid slots and pages the parser cannot
read to the end (libxml2 stops at 256 nested elements) are refused with an ``IngestError``
naming the file — never silently truncated; elements nested deeper than ``MAX_DEPTH`` in
the walk are read as plain text.

Provenance: an HTML page has no pages and no coordinates. Every block is on page 1;
``bbox`` is always ``None`` (the page is not laid out here); ``line`` is the 1-based line
of the element's start tag in the HTML source (lxml's ``sourceline``: the ``<td>`` of a
cell, the element holding a paragraph), so a reviewer can open the file at that line.
A cell's grid position is its ``row``/``col`` in the table.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.layout import grid_from_origins
from jixiao.model.output import Flag, Severity
from jixiao.model.source import Block, Cell, IngestError, PageInfo, PageTextStatus, Paragraph, SourceDocument, Table

MAX_HTML_BYTES = 64 * 1024 * 1024  # a saved page with a form is kilobytes; anything this big is not one
MAX_GRID_SLOTS = 1_000_000  # rows × columns of one table, after spans
MAX_SPAN = 1000  # the HTML standard caps colspan at 1000; rowspan is capped by the table's rows anyway
MAX_DEPTH = 200  # deeper subtrees are read as plain text (no recursion blow-up on hostile markup)

# Elements whose text is never content.
_SKIP = frozenset({
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "nav", "iframe", "frame",
    "frameset", "object", "embed", "applet", "svg", "math", "canvas", "video", "audio", "map", "select",
    "option", "button", "input", "textarea", "datalist", "dialog",
})
# Elements that end a paragraph (or a line inside a cell).
_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "section",
    "article", "main", "header", "footer", "aside", "blockquote", "pre", "address", "figure", "figcaption",
    "form", "fieldset", "legend", "hr", "center", "caption", "body", "html",
})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HTML_WS = re.compile(r"[ \t\n\r\f\u00a0]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "csgb2312", "euc-cn", "hz-gb-2312"}


@dataclass
class _Ctx:
    """What the walk collects: blocks in order and the open paragraph."""

    blocks: list[Block] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    line: int | None = None
    path: str = ""
    tables: int = 0

    def text(self, s: str | None, line: int | None) -> None:
        if s:
            if self.line is None and s.strip():
                self.line = line
            self.parts.append(s)

    def flush(self) -> None:
        text = _norm_ws("".join(self.parts))
        if text:
            self.blocks.append(Paragraph(text=text, page=1, line=self.line))
        self.parts, self.line = [], None


def ingest_html(path: Path) -> SourceDocument:
    """Read an .html/.htm page into paragraphs and tables in document order (one page)."""
    path = Path(path)
    data = _read(path)
    text, encoding, note = decode_html(data)
    from jixiao.model.limits import limits

    if len(text) > limits().max_text_chars:  # the markup is parsed into a tree: bound it first
        raise IngestError(str(path), f"{len(text):,} characters exceed the budget max_text_chars="
                          f"{limits().max_text_chars:,} (raise it with --limit text_chars=N)")
    root = _parse(text, path)
    out = SourceDocument(
        path=str(path), format="html", sha256=hashlib.sha256(data).hexdigest(),
        pages=[PageInfo(number=1, status=PageTextStatus.NOT_APPLICABLE, reason=f"html page ({encoding})",
                        chars=len(text))],
    )
    if note:
        out.flags.append(Flag(severity=Severity.INFO, code="html_charset_mismatch", message=f"{path.name}: {note}",
                              evidence={"encoding": encoding}))
    ctx = _Ctx(path=str(path))
    body = root.find("body")
    top = body if body is not None else root
    ctx.text(top.text, top.sourceline)
    _walk(top, ctx, 0)
    ctx.flush()
    out.blocks = ctx.blocks
    return out


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError(str(path), "file not found") from None
    if size > MAX_HTML_BYTES:
        raise IngestError(str(path), f"HTML page is {size / 2**20:.1f} MiB, above the {MAX_HTML_BYTES // 2**20} MiB "
                                     "limit for a web page (not a saved form?)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(str(path), f"cannot read the file ({e.strerror or e})") from None
    if not data.strip():
        raise IngestError(str(path), "empty file")
    return data


# ---------------------------------------------------------------------------------------
# Encoding


def declared_charset(data: bytes) -> str | None:
    """The charset a ``<meta>`` in the first 4 KiB declares, normalized (gb2312 → gb18030), or None."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str, str]:
    """(text, encoding used, note) — BOM, then the declared charset, then UTF-8, then GB18030.

    ``note`` is non-empty when the bytes contradict the declaration (see module docstring).
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc, ""
    declared = declared_charset(data)
    utf8 = _strict(data, "utf-8")
    if declared and declared not in ("utf-8", "ascii"):
        if utf8 is not None and not utf8.isascii() and declared == "gb18030":
            return utf8, "utf-8", f"declares {declared} but its bytes are UTF-8 (re-encoded page); read as UTF-8"
        decoded = _strict(data, declared)
        if decoded is not None:
            return decoded, declared, ""
        if utf8 is not None:
            return utf8, "utf-8", f"declares {declared} but is not valid {declared}; read as UTF-8"
        return data.decode(declared, errors="replace"), declared, f"invalid {declared} bytes replaced"
    if utf8 is not None:
        return utf8, "utf-8", ""
    gb = _strict(data, "gb18030")
    if gb is not None:
        note = f"declares {declared} but is not valid UTF-8; read as GB18030" if declared else ""
        return gb, "gb18030", note
    return data.decode("utf-8", errors="replace"), "utf-8", "neither valid UTF-8 nor GB18030; bad bytes replaced"


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


# ---------------------------------------------------------------------------------------
# Parse and walk


def _parse(text: str, path: Path) -> Any:
    import lxml.html
    from lxml import etree

    # no_network: no external DTD or resource is ever fetched; the HTML parser does not
    # expand external entities (there is no DTD processing in libxml2's HTML mode).
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False,
                                  default_doctype=False)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # an XHTML declaration names an encoding a str cannot have
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise IngestError(str(path), f"not a readable HTML page ({e})") from None
    if root is None:
        raise IngestError(str(path), "not a readable HTML page (no document element)")
    fatal = [e for e in parser.error_log if e.level_name == "FATAL"
             and ("RESOURCE" in (e.type_name or "") or "XML_PARSE_HUGE" in (e.message or ""))]
    if fatal:  # libxml2 stops reading (e.g. past 256 nested elements): refuse rather than lose the rest
        raise IngestError(str(path), f"HTML page could not be read to the end (line {fatal[0].line}: "
                                     f"{fatal[0].message.strip()})")
    return root


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _hidden(el: Any) -> bool:
    return (el.get("hidden") is not None or el.get("aria-hidden") == "true"
            or bool(_HIDDEN_STYLE.search(el.get("style") or "")))


def _walk(el: Any, ctx: _Ctx, depth: int) -> None:
    """Document-order walk of the body: text into paragraphs, tables into blocks."""
    for child in el:
        tag = _tag(child)
        if tag and tag not in _SKIP and not _hidden(child):
            if tag == "table":
                ctx.flush()
                _table_blocks(child, ctx, depth + 1)
            elif tag == "br":
                ctx.flush()
            elif depth >= MAX_DEPTH:
                ctx.text(" ".join(child.itertext()), child.sourceline)
            else:
                block = tag in _BLOCK
                if block:
                    ctx.flush()
                ctx.text(child.text, child.sourceline)
                _walk(child, ctx, depth + 1)
                if block:
                    ctx.flush()
        ctx.text(child.tail, child.sourceline)


def _norm_ws(s: str) -> str:
    return _HTML_WS.sub(" ", s).strip()


def _table_blocks(table: Any, ctx: _Ctx, depth: int) -> None:
    """A data table → one Table block; a layout table → its content walked in order."""
    ctx.tables += 1
    if _is_layout_table(table):
        for td in (td for tr in _rows_of(table) for td in _cells_of(tr)):
            if not _hidden(td):
                ctx.flush()
                ctx.text(td.text, td.sourceline)
                _walk(td, ctx, depth + 1)
                ctx.flush()
        return
    caption = next((c for c in table if _tag(c) == "caption"), None)
    if caption is not None and (cap := _norm_ws(" ".join(caption.itertext()))):
        ctx.blocks.append(Paragraph(text=cap, page=1, line=caption.sourceline))
    grid = html_table_grid(table, ctx.path, ctx.tables)
    if grid.rows and any(c.text for r in grid.rows for c in r):
        ctx.blocks.append(grid)


def _rows_of(table: Any) -> list[Any]:
    """The table's own ``<tr>`` (directly or in thead/tbody/tfoot), not those of nested tables."""
    rows: list[Any] = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows += [tr for tr in child if _tag(tr) == "tr"]
    return [tr for tr in rows if not _hidden(tr)]


def _cells_of(tr: Any) -> list[Any]:
    return [c for c in tr if _tag(c) in ("td", "th")]


def _is_layout_table(table: Any) -> bool:
    """A frame around other tables: some cell holds a table, and fewer than two rows have
    two or more cells with text of their own (a data table with a sub-table in one cell
    still has its grid of text cells)."""
    has_nested = False
    text_rows = 0
    for tr in _rows_of(table):
        own = 0
        for td in _cells_of(tr):
            if td.find(".//table") is not None:
                has_nested = True
            elif _cell_text(td, 0):
                own += 1
        text_rows += own >= 2
    return has_nested and text_rows < 2


def _span(value: str | None) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    if not m:
        return 1
    return min(int(m.group(1)), MAX_SPAN)  # 0 (rowspan: to the end of the table) is handled by the caller


def html_table_grid(table: Any, path: str = "", index: int = 0) -> Table:
    """A ``<table>`` laid out as a dense grid with the HTML table algorithm.

    Each ``<td>``/``<th>`` takes the first free slot of its row; a rowspan reserves slots
    in the rows below (``rowspan=0`` and spans past the last row stop at the last row);
    columns are those where some cell starts, so one ``colspan=1000`` does not make a
    thousand columns.
    """
    rows = _rows_of(table)
    n_rows = len(rows)
    origins: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    for r, tr in enumerate(rows):
        c = 0
        for td in _cells_of(tr):
            if _hidden(td):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = _span(td.get("rowspan")), _span(td.get("colspan"))
            rs = n_rows - r if rs == 0 else min(max(rs, 1), n_rows - r)
            cs = max(cs, 1)
            origins.append(Cell(text=_cell_text(td, 0), row=r, col=c, rowspan=rs, colspan=cs, page=1,
                                line=td.sourceline))
            if rs > 1:
                taken.update((rr, k) for rr in range(r + 1, r + rs) for k in range(c, c + cs))
            c += cs
    n_cols = max((o.col + 1 for o in origins), default=0)
    if n_rows * n_cols > MAX_GRID_SLOTS:
        raise IngestError(path, f"HTML table {index} is {n_rows} × {n_cols} cells, above the "
                                f"{MAX_GRID_SLOTS} limit (not a form)")
    grid = grid_from_origins(origins, n_rows, n_cols)
    return Table(rows=grid, exact_grid=True, pages=[1], source="html")


def _cell_text(el: Any, depth: int) -> str:
    """A cell's text: ``<br>`` and block elements are line breaks, nested tables one row per line."""
    lines: list[str] = []
    buf: list[str] = []

    def newline() -> None:
        t = _norm_ws("".join(buf))
        if t:
            lines.append(t)
        buf.clear()

    def walk(node: Any, d: int) -> None:
        for child in node:
            tag = _tag(child)
            if tag and tag not in _SKIP and not _hidden(child):
                if tag == "br":
                    newline()
                elif tag == "table":
                    newline()
                    for tr in _rows_of(child):
                        row = [t for td in _cells_of(tr) if (t := _cell_text(td, d + 1).replace("\n", " "))]
                        if row:
                            lines.append(" ".join(row))
                elif d >= MAX_DEPTH:
                    buf.append(" ".join(child.itertext()))
                else:
                    block = tag in _BLOCK
                    if block:
                        newline()
                    buf.append(child.text or "")
                    walk(child, d + 1)
                    if block:
                        newline()
            buf.append(child.tail or "")

    buf.append(el.text or "")
    walk(el, depth)
    newline()
    return "\n".join(lines)
