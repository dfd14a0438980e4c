"""The HTTP API with FastAPI's test client; the worker runs inline (the same loop the worker
processes run), on golden inputs rendered by the golden producers (never by the service)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402

from jixiao.model.output import load_document  # noqa: E402
from jixiao.serve.app import ServeConfig, create_app  # noqa: E402
from jixiao.serve.security import Limits, Tokens, is_loopback, parse_tokens, sniff_kind  # noqa: E402
from jixiao.serve.worker import worker_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "golden"
PDF = GOLDEN / "s000_suzhou_dept" / "digital.pdf"
DOCX = GOLDEN / "syn_10_chongqing_docx" / "form.docx"
LABEL = load_document(GOLDEN / "s000_suzhou_dept" / "label.json")


def run_queue(data_dir: Path) -> None:
    worker_main(str(data_dir), None, os.getpid(), stop_when_idle=True)


@pytest.fixture()
def client(tmp_path: Path):
    app = create_app(ServeConfig(data_dir=tmp_path, start_workers=False))
    with TestClient(app) as c:
        c.data_dir = tmp_path
        yield c


def upload(c, *paths: Path, **form) -> list[dict]:
    files = [("file", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    r = c.post("/v1/documents", files=files, data=form)
    assert r.status_code == 202, r.text
    return r.json()["documents"]


def done_job(c, path: Path = PDF) -> str:
    job_id = upload(c, path)[0]["id"]
    assert c.get(f"/v1/documents/{job_id}").json()["status"] == "queued"
    run_queue(c.data_dir)
    body = c.get(f"/v1/documents/{job_id}").json()
    assert body["status"] == "done", body["error"]
    return job_id


def test_upload_extract_result_matches_the_golden_label(client) -> None:
    job_id = done_job(client)
    body = client.get(f"/v1/documents/{job_id}").json()
    assert set(body) >= {"id", "status", "progress", "error", "result"}
    assert body["progress"] == 1 and body["error"] is None
    result = body["result"]
    assert result["schema_version"] == "1"
    got = [i["level3"] for i in result["forms"][0]["indicators"]]
    want = [i.level3 for i in LABEL.forms[0].indicators]
    assert len(got) == len(want) and sum(g == w for g, w in zip(got, want)) >= 0.9 * len(want)
    ev = result["forms"][0]["indicators"][0]["evidence"]["level3"]
    assert ev["page"] == 1 and len(ev["bbox"]) == 4  # provenance kept through the API
    stored = list((client.data_dir / "blobs").iterdir())
    assert [p.name for p in stored] == [result["source"]["sha256"] + ".pdf"]  # by hash, not by name


def test_list_filters_by_status_and_name(client) -> None:
    a = upload(client, PDF)[0]["id"]
    b = upload(client, DOCX)[0]["id"]
    assert {d["id"] for d in client.get("/v1/documents?status=queued").json()["documents"]} == {a, b}
    run_queue(client.data_dir)
    assert client.get("/v1/documents?status=queued").json()["documents"] == []
    named = client.get("/v1/documents", params={"name": "form.docx"}).json()["documents"]
    assert [d["id"] for d in named] == [b] and named[0]["kind"] == "docx" and named[0]["status"] == "done"
    assert client.get("/v1/documents?status=bogus").status_code == 422


def test_exports_and_page_images(client) -> None:
    job_id = done_job(client)
    j = client.get(f"/v1/documents/{job_id}/export.json")
    assert j.status_code == 200 and json.loads(j.content)["forms"]
    x = client.get(f"/v1/documents/{job_id}/export.xlsx")
    assert x.content[:2] == b"PK" and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(x.content)).namelist()
    c = client.get(f"/v1/documents/{job_id}/export.csv").content.decode("utf-8-sig")
    assert c.splitlines()[0].startswith("表序") and len(c.splitlines()) > 20
    assert client.get(f"/v1/documents/{job_id}/export.md").text.startswith("# up_")
    assert client.get(f"/v1/documents/{job_id}/export.exe").status_code == 404
    png = client.get(f"/v1/documents/{job_id}/pages/1.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.headers["x-jixiao-page-size"] == "595.00x842.00"
    assert client.get(f"/v1/documents/{job_id}/pages/4.png").status_code == 404  # 3 pages
    assert client.get(f"/v1/documents/{job_id}/pages/0.png").status_code == 404
    docx = done_job(client, DOCX)
    r = client.get(f"/v1/documents/{docx}/pages/1.png")
    assert r.status_code == 404 and "not a PDF" in r.json()["detail"]


def test_correction_is_kept_with_before_after_and_who(client) -> None:
    job_id = done_job(client)
    before = client.get(f"/v1/documents/{job_id}").json()["result"]["forms"][0]
    r = client.patch(f"/v1/documents/{job_id}", json={"corrections": [
        {"op": "set", "path": "forms/0/indicators/2/target", "value": "≥ 95%"},
        {"op": "set", "path": "forms/0/budget/total", "value": 411.5},
        {"op": "set", "path": "forms/0/project_name", "value": "商务服务"},
        {"op": "delete", "path": "forms/0/indicators/5"},
        {"op": "add", "path": "forms/0/indicators", "value": {"level1": "产出指标", "level2": "数量指标",
                                                              "level3": "新增指标", "target": "3个"}},
    ]})
    assert r.status_code == 200, r.text
    body = client.get(f"/v1/documents/{job_id}").json()
    form = body["result"]["forms"][0]
    assert form["indicators"][2]["target"] == "≥ 95%"
    assert form["indicators"][2]["target_parsed"]["number"] == 95.0  # re-parsed by the value grammar
    assert form["indicators"][2]["confidence"]["target"] == 1.0
    assert form["budget"]["total"] == 411.5 and form["project_name"] == "商务服务"
    assert len(form["indicators"]) == len(before["indicators"])  # one deleted, one added
    assert form["indicators"][-1]["level3"] == "新增指标"
    log = body["corrections"]
    assert [c["op"] for c in log] == ["set", "set", "set", "delete", "add"]
    assert log[0]["before"] == before["indicators"][2]["target"] and log[0]["after"] == "≥ 95%"
    assert log[1]["before"] == before["budget"]["total"] and all(c["who"] == "local" and c["at"] > 0 for c in log)
    assert log[3]["before"]["level3"] == before["indicators"][5]["level3"] and log[3]["after"] is None
    # the corrected document is what every export shows
    assert "≥ 95%" in client.get(f"/v1/documents/{job_id}/export.csv").content.decode("utf-8-sig")


@pytest.mark.parametrize("bad, why", [
    ({"corrections": [{"op": "set", "path": "forms/0/indicators/999/target", "value": "x"}]}, "out of range"),
    ({"corrections": [{"op": "set", "path": "forms/0/evidence", "value": "x"}]}, "no correctable field"),
    ({"corrections": [{"op": "set", "path": "forms/0/year", "value": "not a year"}]}, "year"),
    ({"corrections": [{"op": "rename", "path": "forms/0/title"}]}, "unknown op"),
    ({"corrections": "x"}, "list"),
])
def test_bad_corrections_are_refused_and_change_nothing(client, bad, why) -> None:
    job_id = done_job(client)
    before = client.get(f"/v1/documents/{job_id}").json()["result"]
    r = client.patch(f"/v1/documents/{job_id}", json=bad)
    assert r.status_code == 422 and why in r.json()["detail"]
    after = client.get(f"/v1/documents/{job_id}").json()
    assert after["result"] == before and after["corrections"] == []


def test_golden_export_loads_and_passes_golden_check(client) -> None:
    from jixiao.evaluate.golden import load_golden
    from jixiao.evaluate.render.cli import check_folder

    job_id = done_job(client)
    client.patch(f"/v1/documents/{job_id}", json={"corrections": [
        {"op": "set", "path": "forms/0/indicators/0/target", "value": "完善"}]})
    r = client.post(f"/v1/documents/{job_id}/golden")
    assert r.status_code == 200, r.text
    folder = client.data_dir / "golden" / r.json()["doc_id"]
    assert sorted(p.name for p in folder.iterdir()) == ["digital.pdf", "label.json"]
    assert (folder / "digital.pdf").read_bytes() == PDF.read_bytes()
    label = load_document(folder / "label.json")
    assert label.forms[0].indicators[0].target == "完善"
    assert not label.forms[0].indicators[0].evidence  # a label holds the v1 keys only
    assert check_folder(folder) == ([], [])
    [g] = load_golden(client.data_dir / "golden")
    assert g.variants == ["digital"]


def test_bad_uploads_get_a_clear_4xx(client, tmp_path: Path) -> None:
    def post(name: str, data: bytes, **form):
        return client.post("/v1/documents", files=[("file", (name, data, "application/pdf"))], data=form)

    r = post("report.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00")  # an image named .pdf: type from the bytes
    assert r.status_code == 415 and "report.pdf" in r.json()["detail"]
    r = post("broken.pdf", b"%PDF-1.7\n garbage")
    assert r.status_code == 422 and "cannot be opened" in r.json()["detail"]
    assert post("empty.txt", b"").status_code == 400
    assert post("x.zip", _zip({"a.txt": "x"})).status_code == 415
    assert post("a.pdf", PDF.read_bytes(), ocr="sometimes").status_code == 422
    r = client.post("/v1/documents", files=[("file", ("a.pdf", PDF.read_bytes(), "x")), ("file", ("b.bin", b"\x00\x01", "x"))])
    assert r.status_code == 415
    assert client.get("/v1/documents").json()["documents"] == []  # nothing half-queued
    assert client.get("/v1/documents/nope").status_code == 404
    assert client.get("/healthz").json()["ok"] is True


def test_size_and_page_limits(tmp_path: Path) -> None:
    app = create_app(ServeConfig(data_dir=tmp_path, start_workers=False,
                                 limits=Limits(max_bytes=100_000, max_pages=2, max_request_bytes=400_000)))
    with TestClient(app) as c:
        whole = c.post("/v1/documents", files=[("file", (f"{i}.txt", "表" * 60_000, "text/plain")) for i in range(3)])
        assert whole.status_code == 413 and "request of" in whole.json()["detail"]
        big = c.post("/v1/documents", files=[("file", ("a.txt", "表" * 50_000, "text/plain"))])
        assert big.status_code == 413 and "limit" in big.json()["detail"]
        pages = c.post("/v1/documents", files=[("file", ("a.pdf", PDF.read_bytes(), "application/pdf"))])
        assert pages.status_code == 413 and "3 pages" in pages.json()["detail"]
        def chunked(n: int):  # a generator body: httpx sends it chunked, with no Content-Length
            yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
            yield "表".encode() * n
            yield b"\r\n--x--\r\n"

        streamed = c.post("/v1/documents", content=chunked(10), headers={"content-type": "multipart/form-data; boundary=x"})
        assert streamed.status_code == 202, streamed.text  # counted while it streams, so it may come chunked
        streamed = c.post("/v1/documents", content=chunked(50_000), headers={"content-type": "multipart/form-data; boundary=x"})
        assert streamed.status_code == 413 and "a.txt" in streamed.json()["detail"]


def test_tokens_required_and_named(tmp_path: Path) -> None:
    toks = Tokens(parse_tokens("# reviewers\nalice: a-very-long-token-0001\nbob: b-very-long-token-0002\n", "t"))
    app = create_app(ServeConfig(data_dir=tmp_path, start_workers=False, tokens=toks))
    with TestClient(app) as c:
        assert c.get("/v1/documents").status_code == 401
        assert c.get("/v1/documents", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}).status_code == 401
        bob = {"Authorization": "Bearer b-very-long-token-0002"}
        r = c.post("/v1/documents", files=[("file", ("a.pdf", PDF.read_bytes(), "x"))], headers=bob)
        job_id = r.json()["documents"][0]["id"]
        run_queue(tmp_path)
        c.patch(f"/v1/documents/{job_id}", headers=bob,
                json={"corrections": [{"op": "set", "path": "forms/0/title", "value": "表"}]})
        assert c.get(f"/v1/documents/{job_id}", headers=bob).json()["corrections"][0]["who"] == "bob"
        assert c.get("/healthz").status_code == 200  # liveness needs no token


def test_server_refuses_to_start_off_loopback_without_tokens(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("JIXIAO_SERVE_TOKENS", None)
    r = subprocess.run([sys.executable, "-m", "jixiao.cli", "serve", "--host", "0.0.0.0", "--port", "1",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "refusing to listen on 0.0.0.0" in r.stderr
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_type_by_magic_bytes() -> None:
    assert sniff_kind(PDF.read_bytes()) == "pdf"
    assert sniff_kind((DOCX).read_bytes()) == "docx"
    assert sniff_kind((GOLDEN / "syn_11_jiangxi_xlsx" / "form.xlsx").read_bytes()) == "xlsx"
    assert sniff_kind((GOLDEN / "s000_suzhou_dept" / "page.html").read_bytes()) == "html"
    assert sniff_kind((GOLDEN / "s000_suzhou_dept" / "source.txt").read_bytes()) == "text"
    assert sniff_kind("单位名称\t苏州".encode("gb18030")) == "text"


def test_review_page_and_openapi_are_served(client) -> None:
    html = client.get("/").text
    assert "绩效目标表审核" in html and "/static/review.js" in html and "http" not in html.split("<body>")[1]
    assert client.get("/review/abc").status_code == 200
    assert "next" in client.get("/static/review.js").text or "step" in client.get("/static/review.js").text
    assert client.get("/static/../app.py").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/documents", "/v1/documents/{job_id}", "/v1/documents/{job_id}/golden",
            "/v1/documents/{job_id}/pages/{n}.png", "/healthz"} <= set(paths)


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return buf.getvalue()


def test_golden_export_cli_by_job_or_doc_id_passes_golden_check(client, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app as cli_app

    job_id = done_job(client, DOCX)
    client.patch(f"/v1/documents/{job_id}", json={"corrections": [
        {"op": "set", "path": "forms/0/indicators/0/target", "value": "≥99%"}]})
    runner = CliRunner()
    out = tmp_path / "exported"
    r = runner.invoke(cli_app, ["golden", "export", job_id, "--data-dir", str(client.data_dir), "-o", str(out)])
    assert r.exit_code == 0, r.output
    [folder] = [p for p in out.iterdir()]
    assert sorted(p.name for p in folder.iterdir()) == ["form.docx", "label.json"]
    assert (folder / "form.docx").read_bytes() == DOCX.read_bytes()
    assert load_document(folder / "label.json").forms[0].indicators[0].target == "≥99%"
    by_doc = tmp_path / "by_doc"
    r = runner.invoke(cli_app, ["golden", "export", folder.name, "--data-dir", str(client.data_dir), "-o", str(by_doc)])
    assert r.exit_code == 0, r.output
    assert (by_doc / folder.name / "label.json").read_bytes() == (folder / "label.json").read_bytes()
    assert runner.invoke(cli_app, ["golden", "check", str(out)]).exit_code == 0
    r = runner.invoke(cli_app, ["golden", "export", "nope", "--data-dir", str(client.data_dir), "-o", str(out)])
    assert r.exit_code == 1 and "nope" in r.output


def test_suggest_endpoint_returns_a_cited_draft(client) -> None:
    r = client.post("/v1/suggest", json={"name": "城乡居民基本医疗保险补助", "goal": "提高参保率", "framework": "2021"})
    assert r.status_code == 200, r.text
    [form] = r.json()["forms"]
    assert form["project_name"] == "城乡居民基本医疗保险补助" and form["indicators"]
    for ind in form["indicators"]:  # every row cites a precedent or says it has none
        assert {f["code"] for f in ind["flags"]} & {"citation", "novel"}, ind
    assert any(f["code"] == "citation" for ind in form["indicators"] for f in ind["flags"])
    assert client.post("/v1/suggest", json={"goal": "x"}).status_code == 422  # name is required
    assert client.post("/v1/suggest", json={"name": "x", "framework": "1999"}).status_code == 422
    assert client.post("/v1/suggest", json={"name": "x", "llm": "maybe"}).status_code == 422


def test_review_endpoint_audits_the_corrected_document(client) -> None:
    job_id = done_job(client)
    assert client.post("/v1/documents/nope/review").status_code == 404
    before = client.post(f"/v1/documents/{job_id}/review").json()
    codes = {f["code"] for f in before["forms"][0]["findings"]}
    assert "placeholder" not in codes
    client.patch(f"/v1/documents/{job_id}", json={"corrections": [
        {"op": "set", "path": "forms/0/indicators/0/target", "value": "≥**"}]})
    after = client.post(f"/v1/documents/{job_id}/review").json()
    hits = [f for f in after["forms"][0]["findings"] if f["evidence"].get("row") == 0 and f["rule"] == "规范性"]
    assert hits and after["doc_id"] == before["doc_id"]
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/suggest" in paths and "/v1/documents/{job_id}/review" in paths
    assert "name" in client.get("/openapi.json").json()["components"]["schemas"]["SuggestBody"]["properties"]


def test_running_job_progress_is_written_by_the_worker_and_listed(client) -> None:
    from jixiao.serve.store import Store
    from jixiao.serve.worker import run_job

    events: list[tuple[str, int, int]] = []
    run_job(PDF, {"ocr": "off"}, None, "a.pdf", lambda *e: events.append(e))
    stages = [e[0] for e in events]
    assert stages[0] == "read" and stages[-1] == "reconcile" and "extract" in stages
    assert all(total == 3 for _, _, total in events) and events[-1][1] == 3  # the golden PDF has 3 pages

    job_id = upload(client, PDF)[0]["id"]
    store = Store(client.data_dir)
    claimed = store.claim_next(os.getpid())
    assert claimed is not None and claimed.id == job_id
    assert not store.set_progress(job_id, "not-our-claim", "ocr", 1, 3)  # a stale worker cannot write
    assert store.set_progress(job_id, claimed.claim, "ocr", 1, 3)
    [row] = client.get("/v1/documents?status=running").json()["documents"]
    assert (row["stage"], row["pages_done"], row["pages_total"]) == ("ocr", 1, 3)
    assert 0.1 < row["progress"] < 0.7
    store.set_progress(job_id, claimed.claim, "reconcile", 3, 3)
    assert client.get(f"/v1/documents/{job_id}").json()["progress"] > row["progress"]
    store.finish(job_id, claimed.claim, None, "stopped by the test")
    done = client.get(f"/v1/documents/{job_id}").json()
    assert done["status"] == "failed" and done["stage"] is None and done["progress"] == 1
    store.close()
