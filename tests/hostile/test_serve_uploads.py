"""Hostile uploads to ``jixiao serve`` (issue 15): the body is refused while it streams, garbage
gets a 4xx with a JSON reason (never a 500), nothing is half-queued, no spooled file is left.

``TestClient`` reads a request body in full before the app sees it, so the streaming tests
drive the ASGI app directly with a ``receive`` that hands out one chunk at a time and counts
how many the app pulled before answering.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402

from jixiao.serve.app import ServeConfig, create_app  # noqa: E402
from jixiao.serve.security import Limits  # noqa: E402
from tests.hostile.conftest import FORM_TSV  # noqa: E402
from tests.hostile.zips import Member, package_members, repeated, write_zip  # noqa: E402

BOUNDARY = "hostile-boundary-7f3a"
MIB = 1 << 20


def _app(tmp_path: Path, **limits):
    return create_app(ServeConfig(data_dir=tmp_path, start_workers=False, limits=Limits(**limits)))


@pytest.fixture()
def client(tmp_path: Path):
    with TestClient(_app(tmp_path, max_files=3)) as c:
        c.data_dir = tmp_path
        yield c


def _part(name: str, filename: str | None, data: bytes, extra: str = "") -> bytes:
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return (f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n{extra}\r\n").encode() + data + b"\r\n"


def _body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _post(c, body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    return c.post("/v1/documents", content=body, headers={"Content-Type": content_type})


def _nothing_left(c) -> None:
    assert c.get("/v1/documents").json()["documents"] == []  # nothing half-queued
    incoming = c.data_dir / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())  # no spooled file left behind


def test_a_good_upload_still_queues(client) -> None:
    r = _post(client, _body(_part("file", "表.txt", FORM_TSV.encode()), _part("ocr", None, b"off")))
    assert r.status_code == 202, r.text
    (doc,) = r.json()["documents"]
    assert doc["name"] == "表.txt" and client.get(f"/v1/documents/{doc['id']}").json()["options"]["ocr"] == "off"
    assert not any((client.data_dir / "incoming").iterdir())


@pytest.mark.parametrize("body,content_type,status,words", [
    (b'{"file": "x"}', "application/json", 415, "multipart/form-data"),
    (b"", "", 415, "multipart/form-data"),
    (b"x", "multipart/form-data", 400, "boundary"),
    (b"\x00\xff garbage \r\n\r\n more", f"multipart/form-data; boundary={BOUNDARY}", 400, "malformed"),
    (_part("file", "a.txt", FORM_TSV.encode())[:-40], f"multipart/form-data; boundary={BOUNDARY}", 400, "ends before"),
    (_body(f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nabc\r\n".encode()),
     f"multipart/form-data; boundary={BOUNDARY}", 400, "Content-Disposition"),
    (_body(_part("upload", "a.txt", b"abc")), f"multipart/form-data; boundary={BOUNDARY}", 400, "field 'file'"),
    (_body(_part("ocr", None, b"off")), f"multipart/form-data; boundary={BOUNDARY}", 400, "no file"),
    (_body(_part("file", "a.txt", b"abc", extra="X-Pad: " + "p" * 9000 + "\r\n")),
     f"multipart/form-data; boundary={BOUNDARY}", 400, "header"),
    (_body(_part("file", "a.txt", FORM_TSV.encode()), _part("ocr", None, b"o" * 5000)),
     f"multipart/form-data; boundary={BOUNDARY}", 413, "longer than"),
    (_body(_part("file", "a.txt", FORM_TSV.encode()), _part("llm", None, b"everything")),
     f"multipart/form-data; boundary={BOUNDARY}", 422, "llm must be"),
])
def test_garbage_gets_a_clear_4xx(client, body: bytes, content_type: str, status: int, words: str) -> None:
    r = _post(client, body, content_type)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    _nothing_left(client)


def test_too_many_files_is_413_and_nothing_queued(client) -> None:
    parts = [_part("file", f"{i}.txt", FORM_TSV.encode()) for i in range(4)]
    r = _post(client, _body(*parts))
    assert r.status_code == 413 and "more than 3 files" in r.json()["detail"]
    _nothing_left(client)


def test_undecodable_file_name_is_kept_readable(client) -> None:
    body = _body(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"".encode()
                 + b"\xff\xfe..\\..\\evil.txt\"\r\n\r\n" + FORM_TSV.encode() + b"\r\n")
    r = _post(client, body)
    assert r.status_code == 202, r.text
    name = r.json()["documents"][0]["name"]
    assert name.endswith("evil.txt") and "/" not in name and "\\" not in name


def _docx() -> bytes:
    import docx

    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("项目支出绩效目标表")
    d.save(buf)
    return buf.getvalue()


_EMPTY = Member.of("empty", b"")


@pytest.mark.parametrize("extra,limit", [
    ([repeated("word/media/image1.bin", bytes(MIB), 20)], "max_zip_ratio"),
    ([Member(f"customXml/item{i}.xml", _EMPTY.deflated, _EMPTY.crc, 0) for i in range(12_000)], "max_zip_members"),
])
def test_zip_bomb_uploads_refused_by_the_extractor_budgets(client, tmp_path: Path, extra, limit: str) -> None:
    bomb = write_zip(tmp_path / "bomb.docx", package_members(_docx()) + extra)
    r = client.post("/v1/documents", files=[("file", ("bomb.docx", bomb.read_bytes(), "application/octet-stream"))])
    assert r.status_code == 413, r.text
    assert r.json()["detail"].startswith("bomb.docx: ") and limit in r.json()["detail"]
    _nothing_left(client)


def _drive(app, chunks, headers: dict[str, str]) -> tuple[int, dict, int]:
    """POST /v1/documents straight to the ASGI app, one chunk per ``receive``; (status, JSON, chunks pulled)."""
    pulled = 0
    it = iter(chunks)
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        try:
            chunk = next(it)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/documents", "raw_path": b"/v1/documents", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


def _endless_file(name: str):
    """A chunked upload that never ends: its headers, then 64 KiB chunks forever."""
    yield f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n".encode()
    while True:
        yield b"\x20" * 65536


def test_oversized_file_refused_while_streaming(tmp_path: Path) -> None:
    app = _app(tmp_path, max_bytes=1 * MIB, max_request_bytes=1024 * MIB)
    status, body, pulled = _drive(app, _endless_file("huge.txt"),
                                  {"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert status == 413 and "huge.txt" in body["detail"] and "limit" in body["detail"]
    assert pulled <= 1 + MIB // 65536 + 1  # stopped at the chunk that crossed 1 MiB
    assert not any((tmp_path / "incoming").iterdir())


def test_oversized_chunked_request_refused_while_streaming(tmp_path: Path) -> None:
    app = _app(tmp_path, max_bytes=512 * MIB, max_request_bytes=2 * MIB)

    def many_small_files():
        i = 0
        while True:
            i += 1
            yield _part("file", f"{i}.txt", b"\x20" * 60000)

    status, body, pulled = _drive(app, many_small_files(),
                                  {"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert status == 413 and "request of more than" in body["detail"]
    assert pulled <= 2 * MIB // 60000 + 2


def test_a_declared_oversized_request_is_refused_before_reading(tmp_path: Path) -> None:
    app = _app(tmp_path, max_request_bytes=MIB)
    status, body, pulled = _drive(app, _endless_file("x.txt"), {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", "content-length": str(10 * MIB)})
    assert status == 413 and pulled == 0


_VALID = _body(_part("file", "a.txt", FORM_TSV.encode()), _part("ocr", None, b"auto"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_bodies_never_500(client, data) -> None:
    """Random bytes, and a valid body cut, spliced or with bytes flipped: always an answer, never a 500."""
    how = data.draw(st.sampled_from(["random", "cut", "flip", "splice"]))
    if how == "random":
        body = data.draw(st.binary(max_size=600))
    elif how == "cut":
        body = _VALID[:data.draw(st.integers(0, len(_VALID)))]
    elif how == "flip":
        body = bytearray(_VALID)
        for i in data.draw(st.lists(st.integers(0, len(_VALID) - 1), min_size=1, max_size=8)):
            body[i] = data.draw(st.integers(0, 255))
        body = bytes(body)
    else:
        at = data.draw(st.integers(0, len(_VALID)))
        body = _VALID[:at] + data.draw(st.binary(max_size=80)) + _VALID[at:]
    r = _post(client, body)
    assert r.status_code in (202, 400, 413, 415, 422), (r.status_code, r.text)
    assert isinstance(r.json().get("detail", ""), str)


def test_read_time_bombs_fail_their_job_alone_in_the_worker(client, tmp_path: Path) -> None:
    """Issue 15's last item: an upload that passes the upload checks but is a bomb inside (a DOCX
    gridSpan of 10⁸, an XLSX merging A1:XFD1048576) meets the extractor's read-time budgets in the
    worker: its job fails with the budget named, quickly, and the good upload after it is done."""
    import os
    import time

    from tests.hostile.conftest import docx_with_span, xlsx_with_merge
    from jixiao.serve.worker import worker_main

    span = docx_with_span(tmp_path / "span.docx", 100_000_000)
    merge = xlsx_with_merge(tmp_path / "merge.xlsx", "A1:XFD1048576")
    good = tmp_path / "good.txt"
    good.write_text(FORM_TSV, encoding="utf-8")
    files = [("file", (p.name, p.read_bytes(), "application/octet-stream")) for p in (span, merge, good)]
    r = client.post("/v1/documents", files=files)
    assert r.status_code == 202, r.text
    ids = [d["id"] for d in r.json()["documents"]]
    t0 = time.perf_counter()
    worker_main(str(client.data_dir), None, os.getpid(), stop_when_idle=True)
    assert time.perf_counter() - t0 < 60
    jobs = [client.get(f"/v1/documents/{i}").json() for i in ids]
    assert [j["status"] for j in jobs] == ["failed", "failed", "done"], [j["error"] for j in jobs]
    assert "max_span" in jobs[0]["error"] and "max_merge_cells" in jobs[1]["error"]
    assert jobs[2]["result"]["forms"]
