"""Text exports of forms: tab-separated rows, one cell per line, pipe-separated rows.

Budget books reach evaluators as text more often than one would hope: copied out of a
PDF viewer, saved from Word as plain text, exported by a document system. Three shapes
recur, and one file can mix them with prose:

* **TSV rows** — one table row per line, cells separated by tabs. Merged cells are
  dropped or left empty at random, so column positions are only hints.
* **one cell per line** — each cell starts with a tab on its own line; a cell's text may
  continue on following lines (without a tab, even after a single blank line); a blank
  line ends the row; two blank lines end the table.
* **pipe rows** — ``| a | b |`` Markdown-like tables.

Every line that is none of these is a paragraph. Tables from text are ``exact_grid=False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.model.source import Block, Cell, IngestError, PageInfo, PageTextStatus, Paragraph, SourceDocument, Table

_INTERNAL_TAB = re.compile(r"[^\t]\t")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def read_text(path: Path) -> str:
    """Decode a text export (``jixiao.ingest.decode``); bad bytes become U+FFFD. A layout-preserved
    copy (``pdftotext -layout``) comes back as tab-separated rows (``ingest.text_layout``)."""
    from jixiao.ingest.text_layout import delayout

    return delayout(decode_text_file(path).text)


def decode_text_file(path: Path):
    """The decoded text with its encoding and count of replaced bytes; IngestError when unusable."""
    from jixiao.ingest.decode import decode_bytes
    from jixiao.model.limits import limits

    size = path.stat().st_size
    if size > 4 * limits().max_text_chars:  # cheap: before reading, at most 4 bytes a character
        raise IngestError(str(path), f"text file of {size:,} bytes exceeds the budget "
                          f"max_text_chars={limits().max_text_chars:,} (raise it with --limit text_chars=N)")
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(str(path), "empty file")
    decoded = decode_bytes(raw)
    if decoded.binary:
        raise IngestError(str(path), "binary data, not a text export (unknown format)")
    if len(decoded.text) > limits().max_text_chars:
        raise IngestError(str(path), f"{len(decoded.text):,} characters exceed the budget "
                          f"max_text_chars={limits().max_text_chars:,} (raise it with --limit text_chars=N)")
    return decoded


@dataclass
class _TableBuilder:
    kind: str  # "tsv" | "cells" | "pipe"
    rows: list[list[Cell]] = field(default_factory=list)
    current: list[Cell] = field(default_factory=list)  # cells-per-line: the open row

    def add_row(self, texts: list[str], line: int) -> None:
        r = len(self.rows)
        self.rows.append([Cell(text=t, row=r, col=c, line=line) for c, t in enumerate(texts)])

    def add_cell(self, text: str, line: int) -> None:
        self.current.append(Cell(text=text, row=len(self.rows), col=len(self.current), line=line))

    def continue_cell(self, text: str) -> None:
        self.current[-1].text += "\n" + text

    def end_row(self) -> None:
        if self.current:
            self.rows.append(self.current)
            self.current = []

    def build(self) -> list[Table]:
        self.end_row()
        rows = [r for r in self.rows if any(c.text.strip() for c in r)]
        out = []
        for part in _side_by_side(rows) if self.kind == "tsv" else [rows]:
            part = [r for r in part if any(c.text.strip() for c in r)]
            if not part:
                continue
            for i, r in enumerate(part):
                for k, c in enumerate(r):
                    c.row = i
                    c.col = k
            out.append(Table(rows=part, exact_grid=False, source=f"text-{self.kind}"))
        return out


def _side_by_side(rows: list[list[Cell]]) -> list[list[list[Cell]]]:
    """Indicator tables printed side by side (a layout copy's 中期 | 年度 tables on the same lines,
    as ``ingest.text_layout`` writes them): a header whose roles repeat (一级指标 … 指标值 | 一级指标 …
    指标值) cuts every row of its width into one table per run of roles, read one after the other
    (as the PDF path reads side-by-side tables); a row right above it with one cell per table
    (中期绩效指标 | 年度绩效指标) gives each its lead. Rows before stay a table of their own."""
    from jixiao.domain import vocab

    for h, head in enumerate(rows):
        texts = [c.text.strip() for c in head]
        if not vocab.names_indicator_header(texts):
            continue
        starts, seen = [0], set()
        first = vocab.header_role(texts[0]) if texts else None
        for k, t in enumerate(texts):
            role = vocab.header_role(t)
            if role is not None and role == first and role in seen:  # the header begins again (一级指标 …)
                starts.append(k)
                seen = set()
            seen.add(role)
        if len(starts) < 2:
            return [rows]
        bounds = list(zip(starts, starts[1:] + [len(texts)]))
        lead = h - 1 if h >= 1 and len([c for c in rows[h - 1] if c.text.strip()]) == len(bounds) else None
        before = rows[:lead if lead is not None else h]
        parts: list[list[list[Cell]]] = [[] for _ in bounds]
        if lead is not None:
            for p, c in enumerate(c for c in rows[lead] if c.text.strip()):
                parts[p].append([c])
        for r in rows[h:]:
            if len(r) != len(texts):
                parts[-1].append(r)  # a row of another width: kept whole, after the tables
                continue
            for p, (a, b) in enumerate(bounds):
                parts[p].append(r[a:b])
        return ([before] if before else []) + parts
    return [rows]


def _is_stacked_char(line: str) -> bool:
    """One character alone on a line: a piece of a label printed one character per line."""
    t = line.strip()
    return len(t) == 1 and "\t" not in line and not t.isascii()


def _join_stacked_cells(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Tab-separated rows whose label cells are printed one character per line (产 / 出 / 指 / 标,
    a merged cell's vertical writing), copied as text: each character lands on a line of its own,
    the label's last one on the same line as the next cell (``标<TAB>数``). Such a run of one-character
    lines ending in a tabbed line whose first cell is one character is one cell, and the row it
    starts goes on from there; when the line before the run ends in a one-character cell too
    (``标<TAB>数`` / 量 / 指 / ``标<TAB>生活…``), the run continues that cell and that row."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(lines)
    while i < n:
        no, line = lines[i]
        j = i
        while j < n and _is_stacked_char(lines[j][1]):
            j += 1
        if j > i and j < n and "\t" in lines[j][1] and len(lines[j][1].split("\t")[0].strip()) == 1:
            chars = "".join(ln.strip() for _, ln in lines[i:j])
            nxt = lines[j][1]
            prev = out[-1][1] if out else ""
            last = prev.rsplit("\t", 1)[-1].strip() if "\t" in prev else ""
            if len(last) == 1 and not last.isascii():
                out[-1] = (out[-1][0], prev.rstrip() + chars + nxt.lstrip())
            else:
                out.append((no, chars + nxt.lstrip()))
            i = j + 1
            continue
        out.append((no, line))
        i += 1
    return out


def parse_text(text: str) -> list[Block]:
    """Split a text export into paragraphs and tables, in order."""
    blocks: list[Block] = []
    table: _TableBuilder | None = None
    blank_run = 0

    def close() -> None:
        nonlocal table
        if table is not None:
            blocks.extend(table.build())
        table = None

    for lineno, raw in _join_stacked_cells(list(enumerate(text.splitlines(), start=1))):
        line = raw.rstrip("\r")
        if not line.strip() and not (line.startswith("\t") and line.count("\t") == 1):
            blank_run += 1
            continue
        prev_blank, blank_run = blank_run, 0
        if _PIPE_ROW.match(line):
            if _PIPE_RULE.match(line):
                continue
            if table is None or table.kind != "pipe":
                close()
                table = _TableBuilder("pipe")
            table.add_row([c.strip() for c in line.strip().strip("|").split("|")], lineno)
        elif _INTERNAL_TAB.search(line) or line.count("\t") >= 2:
            if table is None or table.kind != "tsv":
                close()
                table = _TableBuilder("tsv")
            table.add_row(line.split("\t"), lineno)
        elif line.startswith("\t"):
            if table is None or table.kind != "cells":
                close()
                table = _TableBuilder("cells")
            elif prev_blank:
                table.end_row()
            table.add_cell(line[1:], lineno)
        else:
            if table is not None and table.kind == "cells" and table.current and prev_blank < 2 and not (
                    prev_blank and _is_title_line(line)):
                table.continue_cell(line)  # (a form's title after one blank line starts the next form)
                continue
            if table is not None and table.kind == "tsv" and prev_blank == 0 and table.rows and _is_wrapped_tail(line):
                # a TSV cell whose text wrapped onto its own line
                table.rows[-1][-1].text += "\n" + line
                continue
            close()
            heading = line.lstrip("#").strip() if line.lstrip().startswith("#") else line.strip()
            blocks.append(Paragraph(text=heading, line=lineno))
    close()
    return blocks


def _is_title_line(line: str) -> bool:
    """A line that is a form's title (…项目预算绩效目标表), not the wrapped text of a cell."""
    from jixiao.domain import vocab

    t = line.strip()
    return t.endswith("表") and vocab.is_form_title(t)


def _is_wrapped_tail(line: str) -> bool:
    """A short fragment right after a TSV row is the tail of its last cell, not a heading."""
    return len(line.strip()) <= 6 and not line.strip().endswith("表")


def _decoding_flags(decoded) -> list:
    """A warning when bytes could not be decoded (replaced by U+FFFD, never guessed away)."""
    from jixiao.model.output import Flag, Severity

    if not decoded.replaced:
        return []
    return [Flag(severity=Severity.WARNING, code="text_undecodable_bytes",
                 message=f"{decoded.replaced} byte sequence(s) are not valid {decoded.encoding}; "
                 "they are shown as \ufffd", evidence={"encoding": decoded.encoding, "replaced": decoded.replaced})]


def ingest_text(path: Path) -> SourceDocument:
    """Read a text export into blocks. Raises IngestError for empty or undecodable files."""
    from jixiao.ingest.text_layout import delayout

    decoded = decode_text_file(path)
    text = delayout(decoded.text)
    blocks = parse_text(text)
    if not any(isinstance(b, Table) for b in blocks) and not any(
        isinstance(b, Paragraph) and b.text for b in blocks
    ):
        raise IngestError(str(path), "no text found")
    return SourceDocument(
        path=str(path),
        format="text",
        blocks=blocks,
        pages=[PageInfo(number=1, status=PageTextStatus.NOT_APPLICABLE, reason="text export", chars=len(text))],
        flags=_decoding_flags(decoded),
    )  # sha256: the dispatcher hashes the file's bytes, as for every format
