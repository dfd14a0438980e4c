"""The untimed huge cases of issue 15, built cheaply: an XLSX of 8.4 M cells (one compressed row
repeated, ``tests/hostile/zips.py``) and a 200 MB text file (sparse). Both are refused by a
budget within seconds, before anything loads them, with the file and the limit named."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from tests.hostile.zips import Member, repeated, write_zip

COLS, ROWS = 2048, 4100  # 8,396,800 cells


def _huge_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目支出绩效目标表"
    buf = io.BytesIO()
    wb.save(buf)
    members = []
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        for info in z.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
                members.append(repeated(info.filename, b"<row>" + b"<c><v>1</v></c>" * COLS + b"</row>", ROWS,
                                        head=head, tail=b"</sheetData></worksheet>"))
            else:
                members.append(Member.of(info.filename, z.read(info)))
    return write_zip(path, members)


def _refused(path: Path, **overrides: str) -> str:
    from jixiao.ingest import ingest_file
    from jixiao.model.limits import Limits, set_limits
    from jixiao.model.source import IngestError

    set_limits(Limits().with_overrides(overrides))
    try:
        t0 = time.perf_counter()
        with pytest.raises(IngestError) as info:
            ingest_file(path)
        assert time.perf_counter() - t0 < 20
    finally:
        set_limits(None)
    assert info.value.path == str(path)
    return info.value.reason


def test_eight_million_cell_xlsx_is_refused_quickly(tmp_path: Path) -> None:
    book = _huge_xlsx(tmp_path / "huge.xlsx")
    assert book.stat().st_size < 4 << 20
    reason = _refused(book)  # as shipped: the sheet XML's compression ratio gives it away
    assert "max_zip_ratio" in reason and "sheet1.xml" in reason
    reason = _refused(book, zip_ratio="100000")  # that budget raised: the streamed cell count stops it
    assert "max_cells" in reason and "sheet1.xml" in reason


def test_two_hundred_megabyte_text_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.write("项目支出绩效目标表\n".encode())
        fh.truncate(200 * 1000 * 1000)  # sparse: no 200 MB written
    reason = _refused(big)
    assert "max_text_chars" in reason and "200,000,000 bytes" in reason
