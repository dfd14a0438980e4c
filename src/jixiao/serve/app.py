"""The FastAPI app: the v1 document API, the review page, and the worker pool's lifecycle.

Every path on disk is built from a job id looked up in the store, a content hash or a fixed
name — never from anything the client sent.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from pydantic import Field as PField

from jixiao import __version__
from jixiao.model.modes import LlmMode, OcrMode, choices
from jixiao.serve import uploads
from jixiao.serve.security import Limits, Tokens, UploadRejected
from jixiao.serve.store import Store

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"review.js": "text/javascript", "review.css": "text/css"}
PAGE_ZOOM = 2.0  # page PNGs are drawn at 144 dpi: bbox (PDF points) × 2 = pixels
EXPORT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


@dataclass
class ServeConfig:
    data_dir: Path
    tokens: Tokens = field(default_factory=Tokens)
    limits: Limits = field(default_factory=Limits)
    workers: int = 2
    cache_dir: Path | None = None  # None: the CLI's default cache (~/.cache/jixiao)
    start_workers: bool = True  # tests run the worker inline instead
    library: Path | None = None  # the indicator library for /v1/suggest (None: the shipped starter)
    executor: str = "local"  # local: worker processes here; dask: the queue goes to a Dask cluster
    scheduler: str | None = None  # tcp://HOST:8786 with executor dask (None: a LocalCluster of ``workers``)


class SuggestBody(BaseModel):
    """The options of ``jixiao suggest``; the library is the server's, never a client path."""

    name: str = PField(..., min_length=1, max_length=200, description="项目名称 of the new project")
    goal: str | None = PField(None, max_length=4000, description="年度目标 (improves precedent search)")
    budget: float | None = PField(None, ge=0, description="budget in 万元")
    unit: str | None = PField(None, max_length=200, description="implementing unit")
    year: int | None = PField(None, ge=1990, le=2100)
    deadline: str | None = PField(None, max_length=40, description="完成时限 (a missing 时效 row uses it)")
    framework: str = PField("auto", max_length=40, description="auto | 2020 | 2021 | dept | a framework key")
    llm: str = PField("off", description="off | on (an LLM rephrases and adds; additions are linted, marked novel)")


def make_pool(cfg: ServeConfig) -> Any:
    """What runs the queue: local worker processes, or a dispatcher feeding a Dask cluster."""
    if cfg.executor == "dask":
        from jixiao.serve.dispatch import DaskDispatcher

        return DaskDispatcher(cfg.data_dir, cfg.cache_dir, cfg.workers, cfg.limits.job_timeout_s, cfg.scheduler)
    if cfg.executor != "local":
        raise ValueError(f"unknown executor {cfg.executor!r}: local or dask")
    from jixiao.serve.worker import WorkerPool

    return WorkerPool(cfg.data_dir, cfg.cache_dir, cfg.workers, cfg.limits.job_timeout_s,
                      memory_mib=cfg.limits.worker_memory_mib)


def create_app(cfg: ServeConfig) -> FastAPI:
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(cfg.data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store.requeue_running()  # what a stopped server left running is picked up again
        pool = None
        if cfg.start_workers and cfg.workers > 0:
            pool = make_pool(cfg)
            pool.start()
        yield
        if pool is not None:
            pool.stop()

    app = FastAPI(title="jixiao", version=__version__, lifespan=lifespan,
                  description="预算绩效目标表 extraction service: upload, status, result (v1 JSON), exports, "
                              "page images, corrections, golden labels.")
    app.state.store = store
    app.state.cfg = cfg

    @app.middleware("http")
    async def cap_request(request: Request, call_next):
        """Refuse an oversized request from its Content-Length, before reading a byte; one sent
        without it (chunked) is counted as it streams (``serve/uploads.py``)."""
        size = request.headers.get("content-length", "")
        if request.method == "POST" and size.isdigit() and int(size) > cfg.limits.max_request_bytes:
            return JSONResponse({"detail": f"request of {size} bytes; the limit is {cfg.limits.max_request_bytes}"},
                                status_code=413)
        return await call_next(request)

    def who(request: Request) -> str:
        """The caller's token name; "local" when the server runs without tokens (loopback only)."""
        if not cfg.tokens.by_name:
            return "local"
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        name = cfg.tokens.who(token.strip()) if scheme.lower() == "bearer" else None
        if name is None:
            raise HTTPException(401, "a valid bearer token is required (Authorization: Bearer <token>)",
                                headers={"WWW-Authenticate": "Bearer"})
        return name

    def job_or_404(job_id: str, with_result: bool = True) -> dict[str, Any]:
        job = store.get(job_id, with_result=with_result)
        if job is None:
            raise HTTPException(404, f"no document {job_id!r}")
        return job

    def doc_of(job: dict[str, Any]):
        from jixiao.model.output import Document

        if job["status"] != "done" or not job.get("result"):
            raise HTTPException(409, f"document {job['id']} is {job['status']}, no result yet")
        return Document.model_validate_json(job["result"])

    # -- the API ---------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "executor": cfg.executor, "jobs": store.counts()}

    @app.post("/v1/documents", openapi_extra=uploads.OPENAPI_BODY)
    async def upload(request: Request, user: str = Depends(who)) -> JSONResponse:
        """Upload one or many files (multipart field ``file``, repeatable) → one job each.

        The body is streamed inside the budgets (``serve/uploads.py``); every refusal is a 4xx
        with a JSON ``detail`` naming the file and the reason.
        """
        try:
            received = await uploads.receive(request, cfg.limits, cfg.data_dir / "incoming")
        except UploadRejected as exc:
            raise HTTPException(exc.status, str(exc)) from None
        try:
            ocr, llm = received.fields.get("ocr", "auto"), received.fields.get("llm", "off")
            if ocr not in {m.value for m in OcrMode}:
                raise HTTPException(422, f"ocr must be {choices(OcrMode)}, not {ocr!r}")
            if llm not in {m.value for m in LlmMode}:
                raise HTTPException(422, f"llm must be {choices(LlmMode)}, not {llm!r}")
            for up in received.files:  # check all first: one bad file refuses the request, nothing half-queued
                try:
                    uploads.check_upload(up, cfg.limits)
                except UploadRejected as exc:
                    raise HTTPException(exc.status, f"{up.name}: {exc}") from None
            out = []
            for up in received.files:
                store.put_blob(up.path.read_bytes(), up.sha256, up.kind)
                job_id = store.add_job(up.name, up.sha256, up.kind, {"ocr": ocr, "llm": llm, "by": user})
                out.append({"id": job_id, "status": "queued", "name": up.name})
        finally:
            received.close()
        return JSONResponse({"documents": out}, status_code=202)

    @app.get("/v1/documents")
    def list_documents(status: str | None = None, name: str | None = None, limit: int = 200,
                       user: str = Depends(who)) -> dict[str, Any]:
        if status and status not in ("queued", "running", "done", "failed"):
            raise HTTPException(422, "status must be queued, running, done or failed")
        jobs = store.list(status, name, max(1, min(limit, 1000)))
        return {"documents": [_summary(j) for j in jobs]}

    @app.get("/v1/documents/{job_id}")
    def get_document(job_id: str, user: str = Depends(who)) -> dict[str, Any]:
        job = job_or_404(job_id)
        return {**_summary(job), "result": json.loads(job["result"]) if job.get("result") else None,
                "corrections": store.corrections(job_id)}

    @app.get("/v1/documents/{job_id}/export.{fmt}")
    def export_document(job_id: str, fmt: str, user: str = Depends(who)) -> Response:
        from jixiao.export import WRITERS

        if fmt not in EXPORT_TYPES:
            raise HTTPException(404, f"no export format {fmt!r} (json, xlsx, csv, md)")
        doc = doc_of(job_or_404(job_id))
        writer, suffix = WRITERS[fmt]
        with tempfile.TemporaryDirectory() as tmp:
            data = writer(doc, Path(tmp) / f"export{suffix}").read_bytes()
        return Response(data, media_type=EXPORT_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{doc.doc_id}{suffix}"'})

    @app.get("/v1/documents/{job_id}/pages/{n}.png")
    def page_png(job_id: str, n: int, user: str = Depends(who)) -> Response:
        import pymupdf as fitz

        job = job_or_404(job_id, with_result=False)
        if job["kind"] != "pdf":
            raise HTTPException(404, f"document {job_id} is {job['kind']}, not a PDF: it has no page images")
        with fitz.open(store.blob_path(job["sha256"], "pdf")) as pdf:
            if not 1 <= n <= pdf.page_count:
                raise HTTPException(404, f"page {n} out of range (1..{pdf.page_count})")
            page = pdf[n - 1]
            pix = page.get_pixmap(matrix=fitz.Matrix(PAGE_ZOOM, PAGE_ZOOM), alpha=False)
            png = pix.tobytes("png")
            w, h = page.rect.width, page.rect.height
        return Response(png, media_type="image/png",
                        headers={"X-Jixiao-Scale": str(PAGE_ZOOM), "X-Jixiao-Page-Size": f"{w:.2f}x{h:.2f}",
                                 "Cache-Control": "private, max-age=3600"})

    @app.patch("/v1/documents/{job_id}")
    async def correct(job_id: str, request: Request, user: str = Depends(who)) -> dict[str, Any]:
        """Body: ``{"corrections": [{"op": "set"|"add"|"delete", "path": ..., "value": ...}]}``."""
        from jixiao.serve.corrections import CorrectionError, apply_all

        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(400, "the body must be JSON: {\"corrections\": [...]}") from None
        items = body.get("corrections") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
            raise HTTPException(422, "corrections must be a list of {op, path, value}")
        doc = doc_of(job_or_404(job_id))
        try:
            entries = apply_all(doc, items)
        except (CorrectionError, ValueError) as exc:
            raise HTTPException(422, f"correction refused: {exc}") from None
        store.save_corrections(job_id, doc.to_json(), entries, user)
        return {"id": job_id, "applied": entries, "who": user}

    @app.post("/v1/documents/{job_id}/golden")
    def accept_golden(job_id: str, user: str = Depends(who)) -> dict[str, Any]:
        from jixiao.serve.golden_export import export_job

        job = job_or_404(job_id)
        doc_of(job)  # 409 unless done
        doc, folder = export_job(store, job, cfg.data_dir / "golden")
        return {"id": job_id, "doc_id": doc.doc_id, "folder": str(folder), "files": sorted(p.name for p in folder.iterdir())}

    @app.post("/v1/suggest")
    def suggest_draft(body: SuggestBody, user: str = Depends(who)) -> dict[str, Any]:
        """A cited draft indicator set for a new project (as ``jixiao suggest``): the v1 JSON of the
        draft, each indicator with its ``citations`` (or ``novel``) and ``lint``."""
        from jixiao.advise.suggest import Request as SuggestRequest
        from jixiao.advise.suggest import suggest

        if body.llm not in ("off", "on"):
            raise HTTPException(422, f"llm must be off or on, not {body.llm!r}")
        req = SuggestRequest(name=body.name, goal=body.goal, budget=body.budget, unit=body.unit, year=body.year,
                             deadline=body.deadline, framework=body.framework, library=cfg.library)
        try:
            doc = _run_suggest(req, body.llm, cfg.cache_dir)
        except FileNotFoundError as exc:
            raise HTTPException(503, f"no indicator library on the server: {exc}") from None
        except (KeyError, ValueError) as exc:
            raise HTTPException(422, f"suggest refused: {exc}") from None
        return json.loads(doc.to_json())

    @app.post("/v1/documents/{job_id}/review")
    def review_document(job_id: str, framework: str = "auto", user: str = Depends(who)) -> dict[str, Any]:
        """Audit an extracted document as ``jixiao review`` does (完整性 / 规范性 / 相符性), on its
        corrected version: one entry per form with its findings, errors first."""
        from jixiao.advise.review import findings_dict, review_form

        doc = doc_of(job_or_404(job_id))
        forms, errors = [], 0
        for k, form in enumerate(doc.forms):
            try:
                found = review_form(form, framework)
            except (KeyError, ValueError) as exc:
                raise HTTPException(422, f"review refused: {exc}") from None
            errors += sum(f.severity == "error" for f in found)
            forms.append({"form": k, "project_name": form.project_name, "unit_name": form.unit_name,
                          "findings": findings_dict(found)})
        return {"id": job_id, "doc_id": doc.doc_id, "errors": errors, "forms": forms}

    # -- the review page -------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/review/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def review(job_id: str) -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in STATIC_FILES:  # a fixed list: no path from the request
            raise HTTPException(404, "not found")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    return app


def _run_suggest(req: Any, llm: str, cache_dir: Path | None) -> Any:
    """``suggest``, with the LLM step when asked (the same entry point as the CLI)."""
    from jixiao.advise.suggest import suggest

    doc = suggest(req)
    if llm == "on":
        from jixiao.advise.suggest_llm import enrich_with_llm

        enrich_with_llm(doc, goal=req.goal, budget=req.budget, config=None, cache_dir=cache_dir)
    return doc


def _summary(job: dict[str, Any]) -> dict[str, Any]:
    return {"id": job["id"], "name": job["name"], "kind": job["kind"], "status": job["status"],
            "progress": job["progress"], "stage": job["stage"], "pages_done": job["pages_done"],
            "pages_total": job["pages_total"], "error": job["error"], "options": json.loads(job["options"]),
            "created": job["created"], "started": job["started"], "finished": job["finished"],
            "attempts": job["attempts"]}
