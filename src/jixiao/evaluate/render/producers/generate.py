"""Draw one golden document through one producer family and record how (producers.json).

Entry point: :func:`render_producers` (used by ``jixiao golden render --producers``).
External producers run in a temporary directory with their own profile, so two runs do
not share state; each is given a timeout and a failure names the document, the family
and the producer's own message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jixiao.evaluate.render.form_layout import RenderDoc, build, load_layout
from jixiao.evaluate.render.producers import FAMILIES, FAMILY_FILES, PRODUCERS_JSON
from jixiao.evaluate.render.producers.html_page import encode_page, render_html
from jixiao.evaluate.render.producers.knobs import html_knobs, office_knobs, reportlab_knobs
from jixiao.model.errors import JixiaoError
from jixiao.model.output import Document, load_document

TIMEOUT_S = 240
CHROMIUM = "chromium"
WKHTMLTOPDF = "wkhtmltopdf"
SOFFICE = "soffice"
GENERATOR = "jixiao golden render --producers --family {family} --only {doc}"


class ProducerError(JixiaoError, RuntimeError):
    """A producer failed or is missing; the message names the document and the family."""


@dataclass
class Drawn:
    """What one family's render of one document produced."""

    doc: str
    family: str
    path: Path | None = None
    seconds: float = 0.0
    size: int = 0
    pages: int = 0
    error: str = ""
    record: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=None)
def producer_version(tool: str) -> str:
    """The producer's version line (recorded with every file it drew)."""
    if tool == "reportlab":
        import reportlab

        return f"reportlab {reportlab.Version}"
    if tool in ("openpyxl", "python-docx"):
        from importlib.metadata import version

        return f"{tool} {version(tool)}"
    exe = shutil.which(tool)
    if exe is None:
        return "missing"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [ln for ln in (out.stdout or "").splitlines() if ln.strip()]
    return lines[0].strip() if lines else "unknown"


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    exe = shutil.which(cmd[0])
    if exe is None:
        raise ProducerError(f"{what}: {cmd[0]} is not installed")
    env = dict(os.environ, HOME=str(cwd) if cwd else os.environ.get("HOME", "/tmp"))
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as exc:
        raise ProducerError(f"{what}: {cmd[0]} timed out after {TIMEOUT_S} s") from exc
    if res.returncode != 0:
        tail = (res.stderr or res.stdout or "").strip().splitlines()[-3:]
        raise ProducerError(f"{what}: {cmd[0]} exited {res.returncode}: {' / '.join(tail)}")


# ---------------------------------------------------------------------------------------
# Families


def _landscape(rd: RenderDoc) -> bool:
    return rd.forms[0].page_size == "a4-landscape"


def draw_html(rd: RenderDoc, out: Path, tmp: Path) -> dict[str, Any]:
    k = html_knobs(rd.doc_id, "html")
    out.write_bytes(encode_page(render_html(rd, k), k["encoding"]))
    return {"producer": "jixiao.evaluate.render.producers.html_page", "version": "1",
            "command": GENERATOR.format(family="html", doc=rd.doc_id), "knobs": k}


def draw_chromium(rd: RenderDoc, out: Path, tmp: Path) -> dict[str, Any]:
    k = html_knobs(rd.doc_id, "pdf-chromium")
    src = tmp / "page.html"
    src.write_bytes(encode_page(render_html(rd, k), k["encoding"]))
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
            f"--user-data-dir={tmp / 'profile'}"]
    _run([CHROMIUM, *args, f"--print-to-pdf={tmp / 'out.pdf'}", src.as_uri()], f"{rd.doc_id} pdf-chromium", tmp)
    shutil.move(tmp / "out.pdf", out)
    shown = "chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf=pdf-chromium.pdf page.html"
    return {"producer": "chromium", "version": producer_version(CHROMIUM), "command": shown, "knobs": k,
            "source": "page.html drawn by jixiao.evaluate.render.producers.html_page with these knobs (not committed)"}


def draw_wkhtml(rd: RenderDoc, out: Path, tmp: Path) -> dict[str, Any]:
    k = html_knobs(rd.doc_id, "pdf-wkhtml")
    src = tmp / "page.html"
    src.write_bytes(encode_page(render_html(rd, k), k["encoding"]))
    orient = "Landscape" if _landscape(rd) else "Portrait"
    args = ["-q", "--encoding", k["encoding"], "-s", "A4", "-O", orient, "--print-media-type",
            "-T", "14mm", "-B", "14mm", "-L", "12mm", "-R", "12mm"]
    _run([WKHTMLTOPDF, *args, str(src), str(tmp / "out.pdf")], f"{rd.doc_id} pdf-wkhtml", tmp)
    shutil.move(tmp / "out.pdf", out)
    shown = f"wkhtmltopdf {' '.join(args)} page.html pdf-wkhtml.pdf"
    return {"producer": "wkhtmltopdf", "version": producer_version(WKHTMLTOPDF), "command": shown, "knobs": k,
            "source": "page.html drawn by jixiao.evaluate.render.producers.html_page with these knobs (not committed)"}


def draw_libreoffice(rd: RenderDoc, out: Path, tmp: Path, label: Document, layout: dict[str, Any]) -> dict[str, Any]:
    from jixiao.evaluate.render.producers import office_style

    outputs = set(rd.outputs)
    k = office_knobs(rd.doc_id, "pdf-libreoffice", "docx" in outputs, "xlsx" in outputs)
    src = tmp / f"form.{k['source']}"
    office_style.write_styled(label, layout, src, k, name=rd.doc_id)
    args = ["--headless", "--norestore", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}",
            "--convert-to", "pdf", "--outdir", str(tmp / "lo")]
    _run([SOFFICE, *args, str(src)], f"{rd.doc_id} pdf-libreoffice", tmp)
    produced = tmp / "lo" / "form.pdf"
    if not produced.exists():
        raise ProducerError(f"{rd.doc_id} pdf-libreoffice: soffice wrote no PDF for {src.name}")
    shutil.move(produced, out)
    tool = "python-docx" if k["source"] == "docx" else "openpyxl"
    shown = f"soffice --headless --convert-to pdf form.{k['source']}"
    return {"producer": "libreoffice", "version": producer_version(SOFFICE), "command": shown, "knobs": k,
            "source": f"form.{k['source']} written by {producer_version(tool)} (jixiao.evaluate.render.office + "
                      "jixiao.evaluate.render.producers.office_style with these knobs; not committed)"}


def draw_reportlab(rd: RenderDoc, out: Path, tmp: Path) -> dict[str, Any]:
    from jixiao.evaluate.render.producers import rl

    k = reportlab_knobs(rd.doc_id, "pdf-reportlab", _landscape(rd))
    facts = rl.render(rd, out, k)
    return {"producer": "reportlab", "version": producer_version("reportlab"),
            "command": GENERATOR.format(family="pdf-reportlab", doc=rd.doc_id), "knobs": k, "layout": facts}


# ---------------------------------------------------------------------------------------
# Records


def load_records(folder: Path) -> dict[str, Any]:
    p = folder / PRODUCERS_JSON
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProducerError(f"{p}: cannot read: {exc}") from exc
    return data if isinstance(data, dict) else {}


def save_record(folder: Path, variant: str, record: dict[str, Any]) -> None:
    data = load_records(folder)
    data[variant] = record
    (folder / PRODUCERS_JSON).write_text(json.dumps(dict(sorted(data.items())), ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")


def add_variant(folder: Path, variant: str) -> None:
    """List ``variant`` in the label's ``variants`` (the only label key this generator touches)."""
    p = folder / "label.json"
    text = p.read_text(encoding="utf-8")
    data = json.loads(text)
    variants = list(data.get("variants") or [])
    if variant in variants:
        return
    variants.append(variant)
    data["variants"] = variants
    p.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _page_count(path: Path) -> int:
    if path.suffix != ".pdf":
        return 0
    import pymupdf

    with pymupdf.open(path) as d:
        return d.page_count


def observe_pdf(path: Path) -> dict[str, Any]:
    """What the producer actually wrote, beyond the knobs we asked for.

    The fonts it embedded (Chromium turns OpenType-CFF CJK faces into Type3 fonts) and
    whether its text layer uses CJK radical code points (U+2E80–U+2FDF: wkhtmltopdf with
    Noto CJK writes ``⽬`` for 目, ``⻓`` for 长), which a reader must fold back.
    """
    import pymupdf

    with pymupdf.open(path) as d:
        fonts: set[str] = set()
        types: set[str] = set()
        radicals = 0
        for page in d:
            for f in page.get_fonts():
                fonts.add(f[3].split("+", 1)[-1] or "(unnamed)")
                types.add(f[2])
            radicals += sum(1 for ch in page.get_text() if 0x2E80 <= ord(ch) <= 0x2FDF)
        rotated = sum(1 for page in d if page.rotation)
        return {"pages": d.page_count, "fonts": sorted(fonts), "font_types": sorted(types),
                "radical_text": radicals > 0, "radical_chars": radicals, "rotated_pages": rotated}


def render_one(folder: Path, family: str, *, force: bool = False) -> Drawn:
    """Draw ``folder``'s document with ``family``; skipped when the file is newer than label and layout."""
    if family not in FAMILY_FILES:
        raise ProducerError(f"unknown producer family {family!r} (known: {', '.join(FAMILIES)})")
    out = folder / FAMILY_FILES[family]
    res = Drawn(folder.name, family, out)
    inputs = [folder / "layout.json"]
    if not force and out.exists() and (folder / PRODUCERS_JSON).exists() and family in load_records(folder) \
            and out.stat().st_mtime >= max(p.stat().st_mtime for p in inputs):
        res.size = out.stat().st_size
        res.error = ""
        res.seconds = -1.0  # up to date
        return res
    label = load_document(folder / "label.json")
    layout = load_layout(folder / "layout.json")
    rd = build(label, layout, name=folder.name)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"jixiao-{family}-") as td:
        tmp = Path(td)
        part = tmp / ("result" + out.suffix)
        if family == "html":
            record = draw_html(rd, part, tmp)
        elif family == "pdf-chromium":
            record = draw_chromium(rd, part, tmp)
        elif family == "pdf-wkhtml":
            record = draw_wkhtml(rd, part, tmp)
        elif family == "pdf-libreoffice":
            record = draw_libreoffice(rd, part, tmp, label, layout)
        else:
            record = draw_reportlab(rd, part, tmp)
        shutil.move(part, out)
    res.seconds = time.perf_counter() - t0
    res.size = out.stat().st_size
    res.pages = _page_count(out)
    if out.suffix == ".pdf" and res.pages == 0:
        raise ProducerError(f"{out}: the producer wrote a PDF with no pages")
    if out.suffix == ".pdf":
        record["observed"] = observe_pdf(out)
    res.record = record
    save_record(folder, family, record)
    add_variant(folder, family)
    return res


def render_producers(folders: list[Path], families: list[str] | None, *, force: bool = False,
                     on_done: Any = None) -> list[Drawn]:
    """Every (folder, family) in order; a failing one is reported and the others go on."""
    fams = list(families or FAMILIES)
    unknown = [f for f in fams if f not in FAMILY_FILES]
    if unknown:
        raise ProducerError(f"unknown producer famil{'ies' if len(unknown) > 1 else 'y'} {unknown} "
                            f"(known: {', '.join(FAMILIES)})")
    out: list[Drawn] = []
    for folder in folders:
        for fam in fams:
            try:
                res = render_one(folder, fam, force=force)
            except Exception as exc:  # noqa: BLE001 - one producer failing costs its own file only
                res = Drawn(folder.name, fam, error=f"{type(exc).__name__}: {exc}")
            out.append(res)
            if on_done is not None:
                on_done(res)
    return out
