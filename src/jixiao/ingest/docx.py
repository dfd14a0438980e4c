"""DOCX ingest: the body in document order, tables as true grids.

Word stores a merged cell as one ``w:tc`` with ``w:gridSpan`` (columns) and a run of
``w:tc`` with ``w:vMerge`` (rows, "restart" then "continue"). python-docx's ``row.cells``
hides that structure, so the XML is walked directly and merges are turned into origin
cells with spans, then expanded (``jixiao.layout.grid_from_origins``) into copies.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from jixiao.model.source import (
    Block,
    Cell,
    IngestError,
    PageInfo,
    PageTextStatus,
    Paragraph,
    SourceDocument,
    Table,
)
from jixiao.layout import grid_from_origins
from jixiao.model.limits import check
from jixiao.ingest.zipcheck import refuse_zip_bomb

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def office_container_problem(data: bytes, kind: str) -> str | None:
    """Why ``data`` cannot be an Office Open XML file of ``kind`` ("Word"/"Excel"), or None.

    Password-protected .docx/.xlsx files are not zip packages but OLE compound files
    holding an ``EncryptionInfo`` stream; legacy .doc/.xls are OLE files without it.
    """
    if not data:
        return "empty file (0 bytes)"
    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTION_INFO in data:
            return f"the {kind} file is encrypted (password-protected); save it without a password"
        legacy = {"Word": ".doc", "Excel": ".xls"}.get(kind, "Office 97-2003")
        return f"legacy {legacy} (Office 97-2003 binary) format is not supported; save it as {legacy}x"
    if not data.startswith(b"PK"):
        return f"not a {kind} file: not a zip package"
    return None


def ingest_docx(path: Path) -> SourceDocument:
    """Read a .docx into paragraphs and tables in body order (one pseudo page)."""
    import docx

    path = Path(path)
    data = _read(path)
    problem = office_container_problem(data, "Word")
    if problem:
        raise IngestError(str(path), problem)
    refuse_zip_bomb(path, data)  # before the library opens the package
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # PackageNotFoundError, KeyError, BadZipFile, XML errors
        raise IngestError(str(path), f"not a readable .docx: the package is corrupt ({type(e).__name__}: {e})") from None
    out = SourceDocument(
        path=str(path), format="docx", sha256=hashlib.sha256(data).hexdigest(),
        pages=[PageInfo(number=1, status=PageTextStatus.NOT_APPLICABLE, reason="docx has no fixed pages")],
    )
    from jixiao.model.limits import LimitExceeded

    try:
        out.blocks = list(_body_blocks(document.element.body, document))
    except LimitExceeded as e:
        raise IngestError(str(path), str(e)) from None
    return out


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise IngestError(str(path), "file not found") from None
    except OSError as e:
        raise IngestError(str(path), f"cannot read the file ({e.strerror or e})") from None


def _body_blocks(container: Any, parent: Any) -> list[Block]:
    """Paragraphs and tables of a body-like element in order (content controls unwrapped)."""
    blocks: list[Block] = []
    for child in container.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            text = _paragraph_text(child, parent)
            if text.strip():
                blocks.append(Paragraph(text=text.strip(), page=1))
        elif tag == _W + "tbl":
            table = _table(child, parent)
            if table.rows:
                blocks.append(table)
        elif tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                blocks += _body_blocks(content, parent)
    return blocks


def _paragraph_text(p: Any, parent: Any) -> str:
    from docx.text.paragraph import Paragraph as DocxParagraph

    return DocxParagraph(p, parent).text


def _cell_text(tc: Any, parent: Any) -> str:
    """All paragraphs of a cell, nested tables included, one per line."""
    lines: list[str] = []
    for el in tc.iter(_W + "p"):
        t = _paragraph_text(el, parent).strip()
        if t:
            lines.append(t)
    return "\n".join(lines)


def _val(el: Any, name: str) -> str | None:
    return el.get(_W + name) if el is not None else None


def _row_cells(tr: Any) -> list[Any]:
    """The ``w:tc`` of a row, including those wrapped in content controls or custom XML."""
    cells = []
    for child in tr.iterchildren():
        if child.tag == _W + "tc":
            cells.append(child)
        elif child.tag in (_W + "sdt", _W + "customXml"):
            cells += [tc for tc in child.iter(_W + "tc")]
    return cells


def _int(text: str | None, default: int) -> int:
    """A ``w:val`` integer; absent or malformed → ``default`` (never negative)."""
    try:
        return max(0, int(text)) if text is not None else default
    except ValueError:
        return default


def _table(tbl: Any, parent: Any) -> Table:
    """A ``w:tbl`` as a dense grid; gridSpan/vMerge/hMerge become spans, then copies."""
    origins: list[Cell] = []
    slot: dict[tuple[int, int], Cell] = {}
    n_cols = len(tbl.findall(f"{_W}tblGrid/{_W}gridCol"))
    r = -1
    for tr in tbl.iterchildren(_W + "tr"):
        r += 1
        tr_pr = tr.find(_W + "trPr")
        col = _int(_val(tr_pr.find(_W + "gridBefore") if tr_pr is not None else None, "val"), 0)
        check("max_span", col, f"table row {r + 1} gridBefore")
        prev: Cell | None = None
        for tc in _row_cells(tr):
            tc_pr = tc.find(_W + "tcPr")
            span = _int(_val(tc_pr.find(_W + "gridSpan") if tc_pr is not None else None, "val"), 1)
            check("max_span", span, f"table cell (row {r + 1}) gridSpan")
            vmerge = tc_pr.find(_W + "vMerge") if tc_pr is not None else None
            hmerge = tc_pr.find(_W + "hMerge") if tc_pr is not None else None
            text = _cell_text(tc, parent)
            above = slot.get((r - 1, col))
            if vmerge is not None and _val(vmerge, "val") in (None, "continue") and above is not None:
                origin = above  # continue the merge from the row above
                origin.rowspan = r - origin.row + 1
                check("max_span", origin.rowspan, f"table cell (row {origin.row + 1}) vMerge run")
            elif hmerge is not None and _val(hmerge, "val") in (None, "continue") and prev is not None:
                origin = prev  # legacy horizontal merge
                origin.colspan = col + span - origin.col
            else:
                origin = Cell(text=text, row=r, col=col, colspan=span, page=1)
                origins.append(origin)
                text = ""
            if text and text not in origin.text:  # content left in a continuation cell
                origin.text = f"{origin.text}\n{text}" if origin.text else text
            for k in range(col, col + span):
                slot[(r, k)] = origin
            prev = origin
            col += span
        n_cols = max(n_cols, col)
        check("max_cells", (r + 1) * n_cols, "table cells (rows × columns)")
    rows = grid_from_origins(origins, r + 1, n_cols)
    return Table(rows=rows, exact_grid=True, pages=[1], source="docx")
