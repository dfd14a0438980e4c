"""XLSX ingest: each sheet → its title as a paragraph + one table, merged ranges expanded.

Values are read with ``data_only=True`` (the cached results of formulas, which is what the
form shows) and written the way a person reads them: ``100`` not ``100.0``, ``0.9`` not
``0.9000000000000001``, ``95%`` for a percent-formatted 0.95.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
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
from jixiao.ingest.docx import office_container_problem
from jixiao.ingest.zipcheck import refuse_zip_bomb
from jixiao.layout import grid_from_origins
from jixiao.model.limits import LimitExceeded, check
from jixiao.model.output import Flag, Severity


def ingest_xlsx(path: Path) -> SourceDocument:
    """Read a .xlsx; sheet ``i`` (1-based, workbook order) is page ``i``."""
    import openpyxl

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(str(path), "file not found") from None
    except OSError as e:
        raise IngestError(str(path), f"cannot read the file ({e.strerror or e})") from None
    problem = office_container_problem(data, "Excel")
    if problem:
        raise IngestError(str(path), problem)
    refuse_zip_bomb(path, data)  # before the library opens the package
    prescan_xlsx(path, data)  # budgets first: openpyxl allocates every merged cell on load
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as e:  # InvalidFileException, BadZipFile, KeyError, XML errors
        raise IngestError(str(path), f"not a readable .xlsx: the package is corrupt ({type(e).__name__}: {e})") from None
    out = SourceDocument(path=str(path), format="xlsx", sha256=hashlib.sha256(data).hexdigest())
    try:
        for number, name in enumerate(wb.sheetnames, start=1):
            ws = wb[name]
            out.pages.append(PageInfo(number=number, status=PageTextStatus.NOT_APPLICABLE, reason=f"sheet {name!r}"))
            if not hasattr(ws, "iter_rows"):  # a chart sheet
                continue
            values, missing = _sheet_values(ws, formulas[name])
            if missing:
                out.flags.append(Flag(
                    severity=Severity.WARNING, code="xlsx_formula_without_value",
                    message=f"sheet {name!r}: {len(missing)} formula cell(s) have no saved result "
                    f"(the file was not recalculated by Excel), e.g. {missing[0]}; they are read as empty",
                    evidence={"page": number, "cells": missing[:20]},
                ))
            try:
                out.blocks += _sheet_blocks(ws, number, values)
            except LimitExceeded as e:
                raise IngestError(str(path), f"sheet {name!r}: {e}") from None
    finally:
        wb.close()
        formulas.close()
    return out


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def prescan_xlsx(path: Path, data: bytes) -> None:
    """Check each worksheet's claimed size against the budgets before openpyxl builds it.

    Streams the sheet XML (no tree): every ``<mergeCell ref>``'s area against
    ``max_merge_cells``, and the number of ``<c>`` cells against ``max_cells``. Raises
    IngestError naming the sheet part, the limit and the value.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                check("max_zip_member_bytes", info.file_size, f"{info.filename}: decompressed bytes")
                _scan_sheet(z, info, check)
    except LimitExceeded as e:
        raise IngestError(str(path), str(e)) from None
    except zipfile.BadZipFile:
        return  # openpyxl reports the corrupt package with its own words


def _scan_sheet(z, info, check, keep: int = 4096) -> None:
    """Count cells and check merges of one sheet part, streaming (a tag is shorter than ``keep``)."""
    cells, carry = 0, b""
    with z.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            buf = carry + chunk
            limit = len(buf) if not chunk else max(0, len(buf) - keep)  # later matches: next round
            cells += sum(1 for m in _CELL_TAG.finditer(buf) if m.start() < limit)
            for m in _MERGE_REF.finditer(buf):
                if m.start() < limit:
                    _check_merge(m, info.filename, check)
            check("max_cells", cells, f"{info.filename}: cells")
            if not chunk:
                return
            carry = buf[limit:]


def _check_merge(m: "re.Match[bytes]", part: str, check) -> None:
    c0, r0, c1, r1 = m.group(1), int(m.group(2)), m.group(3) or m.group(1), int(m.group(4) or m.group(2))
    area = (abs(r1 - r0) + 1) * (abs(_col_number(c1) - _col_number(c0)) + 1)
    ref = m.group(0).split(b'ref="')[1].rstrip(b'"').decode("ascii", "replace")
    check("max_merge_cells", area, f"{part}: cells of the merged range {ref}")


_LITERAL_FORMULA = re.compile(r"^=\s*[<>=≥≤]?\s*[-+]?\d[\d,]*(\.\d+)?\s*%?$")


def _sheet_values(ws: Any, ws_formulas: Any) -> tuple[dict[tuple[int, int], str], list[str]]:
    """Displayed text per (row, col), and the formula cells whose result was never saved.

    A file written by a program (not Excel) carries formulas without results. One that
    is only a literal such as ``=100%`` is what the author typed — a target with its
    operator — and is kept verbatim; a real formula cannot be evaluated here.
    """
    values: dict[tuple[int, int], str] = {}
    missing: list[str] = []
    for row, frow in zip(ws.iter_rows(), ws_formulas.iter_rows()):
        for cell, fcell in zip(row, frow):
            text = format_cell(cell.value, getattr(cell, "number_format", "General"))
            if not text and getattr(fcell, "data_type", None) == "f" and isinstance(fcell.value, str):
                if _LITERAL_FORMULA.match(fcell.value.strip()):
                    text = fcell.value.strip()
                else:
                    missing.append(f"{fcell.coordinate}: {fcell.value}")
            if text:
                values[(cell.row, cell.column)] = text
    return values, missing


def _sheet_blocks(ws: Any, page: int, values: dict[tuple[int, int], str]) -> list[Block]:
    blocks: list[Block] = [Paragraph(text=str(ws.title), page=page)]
    if not values:
        return blocks
    r_lo = min(r for r, _ in values)
    r_hi = max(r for r, _ in values)
    c_lo = min(c for _, c in values)
    c_hi = max(c for _, c in values)
    check("max_cells", (r_hi - r_lo + 1) * (c_hi - c_lo + 1), "sheet table cells (rows × columns)")
    origins: list[Cell] = []
    merged_slots: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        r0, c0 = max(rng.min_row, r_lo), max(rng.min_col, c_lo)
        r1, c1 = min(rng.max_row, r_hi), min(rng.max_col, c_hi)
        if r0 > r1 or c0 > c1:
            continue
        origins.append(Cell(
            text=values.get((rng.min_row, rng.min_col), ""), row=r0 - r_lo, col=c0 - c_lo,
            rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1, page=page,
        ))
        # the part inside the value box only: cells outside it hold nothing to hide
        merged_slots.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for (r, c), text in values.items():
        if (r, c) not in merged_slots:
            origins.append(Cell(text=text, row=r - r_lo, col=c - c_lo, page=page))
    rows = grid_from_origins(origins, r_hi - r_lo + 1, c_hi - c_lo + 1)
    blocks.append(Table(rows=rows, exact_grid=True, pages=[page], source="xlsx"))
    return blocks


def format_cell(value: Any, number_format: str | None = "General") -> str:
    """A cell value as the form shows it, without float noise or a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        if number_format and "%" in number_format.replace('"%"', "").replace("\\%", ""):
            return _number(float(value) * 100) + "%"
        return _number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def _number(value: int | float | Decimal) -> str:
    """Shortest plain decimal of a number at Excel's 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return str(f)
    s = f"{f:.15g}"
    if "e" in s or "E" in s:
        s = format(Decimal(s), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
