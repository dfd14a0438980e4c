"""Zip bombs in DOCX/XLSX clothing (issue 15): refused from the zip directory, before
python-docx or openpyxl opens the package, with the file, the limit and the value named.

Every bomb is real — the members decompress to what they claim, CRCs included — and tiny on
disk (``tests/hostile/zips.py`` repeats one compressed block instead of compressing gigabytes).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli, write_form
from tests.hostile.zips import Member, package_members, repeated, write_zip

MIB = 1 << 20


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("项目支出绩效目标表")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目支出绩效目标表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zeros(name: str, mib: int) -> Member:
    return repeated(name, bytes(MIB), mib)


def _bomb(path: Path, extra: list[Member], base: bytes | None = None) -> Path:
    return write_zip(path, package_members(base or _docx_bytes()) + extra)


@pytest.fixture
def no_library(monkeypatch):
    """Call it once the bomb is built: python-docx and openpyxl then fail loudly if handed a package."""
    import docx
    import openpyxl

    def opened(*a, **k):
        raise AssertionError("a library opened the package before the zip budgets were checked")

    def arm() -> None:
        monkeypatch.setattr(docx, "Document", opened)
        monkeypatch.setattr(openpyxl, "load_workbook", opened)

    return arm


def _refusal(path: Path) -> str:
    from jixiao.ingest import ingest_file
    from jixiao.model.source import IngestError

    t0 = time.perf_counter()
    with pytest.raises(IngestError) as info:
        ingest_file(path)
    assert time.perf_counter() - t0 < 5
    assert info.value.path == str(path)
    return info.value.reason


def test_one_member_over_the_member_budget(tmp_path: Path, no_library) -> None:
    bomb = _bomb(tmp_path / "member.docx", [_zeros("word/media/image1.bin", 300)])
    no_library()
    assert bomb.stat().st_size < 2 * MIB  # small on disk, 300 MiB inside
    with zipfile.ZipFile(bomb) as z:  # a real archive: zipfile reads it and the CRC holds
        with z.open("word/media/image1.bin") as fh:
            assert fh.read(MIB) == bytes(MIB)
    reason = _refusal(bomb)
    assert "max_zip_member_bytes" in reason and "word/media/image1.bin" in reason and "314,572,800" in reason


def test_members_that_add_up_over_the_total_budget(tmp_path: Path, no_library) -> None:
    bomb = _bomb(tmp_path / "total.docx", [_zeros(f"word/media/image{i}.bin", 250) for i in range(5)])
    no_library()
    reason = _refusal(bomb)
    assert "max_zip_total_bytes" in reason and "all members" in reason


def test_compression_ratio_of_a_bomb_member(tmp_path: Path, no_library) -> None:
    bomb = _bomb(tmp_path / "ratio.xlsx", [_zeros("xl/media/image1.bin", 20)], base=_xlsx_bytes())
    no_library()
    reason = _refusal(bomb)
    assert "max_zip_ratio" in reason and "xl/media/image1.bin" in reason


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_hundred_thousand_members(tmp_path: Path, kind: str, monkeypatch) -> None:
    base = _docx_bytes() if kind == "docx" else _xlsx_bytes()
    empty = Member.of("x", b"")
    filler = [Member(f"customXml/item{i}.xml", empty.deflated, empty.crc, 0) for i in range(100_000)]
    bomb = _bomb(tmp_path / f"many.{kind}", filler, base=base)
    with zipfile.ZipFile(bomb) as z:
        assert len(z.infolist()) == 100_000 + len(package_members(base))  # zip64 end records are valid
    built = []
    real = zipfile.ZipFile

    def counting(*a, **k):
        built.append(1)
        return real(*a, **k)

    monkeypatch.setattr(zipfile, "ZipFile", counting)
    reason = _refusal(bomb)
    assert "max_zip_members" in reason and "100,0" in reason
    assert not built  # refused from the end record: no per-member index was built


def test_a_lying_member_count_is_caught_by_the_directory_size(tmp_path: Path) -> None:
    empty = Member.of("x", b"")
    bomb = write_zip(tmp_path / "liar.docx", [Member(f"p{i}.xml", empty.deflated, empty.crc, 0) for i in range(20_000)])
    raw = bytearray(bomb.read_bytes())
    at = raw.rfind(b"PK\x05\x06")
    raw[at + 8:at + 12] = (1).to_bytes(2, "little") * 2  # claims one member
    bomb.write_bytes(bytes(raw))
    reason = _refusal(bomb)
    assert "max_zip_members" in reason and "central directory" in reason


def test_real_packages_pass_and_budgets_can_be_raised(tmp_path: Path) -> None:
    from jixiao.ingest.zipcheck import check_zip_package
    from jixiao.model.limits import Limits, LimitExceeded, set_limits

    check_zip_package(_docx_bytes())
    check_zip_package(_xlsx_bytes())
    bomb = _bomb(tmp_path / "ratio.docx", [_zeros("word/media/image1.bin", 20)])
    with pytest.raises(LimitExceeded):
        check_zip_package(bomb)
    set_limits(Limits().with_overrides({"zip_ratio": "2000"}))
    try:
        check_zip_package(bomb)
    finally:
        set_limits(None)


def test_bombs_fail_alone_in_a_batch(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    _bomb(inp / "member.docx", [_zeros("word/media/image1.bin", 300)])
    _bomb(inp / "ratio.xlsx", [_zeros("xl/media/image1.bin", 20)], base=_xlsx_bytes())
    write_form(inp / "zz_good.txt")
    out = tmp_path / "out"
    proc = run_cli([str(inp), "-o", str(out)], timeout=120, max_memory_mib=2048)
    assert proc.returncode == 0, proc.stderr
    files = {Path(e["path"]).name: e for e in json.loads((out / "run.json").read_text(encoding="utf-8"))["files"]}
    assert files["member.docx"]["status"] == "failed" and "max_zip_member_bytes" in files["member.docx"]["reason"]
    assert files["ratio.xlsx"]["status"] == "failed" and "max_zip_ratio" in files["ratio.xlsx"]["reason"]
    assert "--limit zip_ratio=N" in files["ratio.xlsx"]["reason"]
    assert files["zz_good.txt"]["status"] == "ok" and files["zz_good.txt"]["indicators"] == 3
