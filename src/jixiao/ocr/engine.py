"""RapidOCR on one page: render → orientation → OCR → deskew → vertical cells → rulings → Words.

Why each step exists (measured on rendered-and-degraded 预算绩效目标表 pages):

* **Render** at 200 dpi in grayscale: enough for 9–10 pt table text, and RapidOCR's default
  ``max_side_len=2000`` would shrink an A4 page, so the limit is raised to keep 200 dpi.
* **Per-line angle classifier off.** RapidOCR's 0°/180° classifier, run per line, flips short
  values such as ``≥80%`` into ``%08≤``. Scans are rotated as whole pages, so orientation is
  decided once per page: sideways pages (most line boxes taller than wide, or almost no text
  found) are turned by 90° and the classifier votes on a sample of long lines to choose 90°
  against 270° and to catch upside-down pages.
* **Deskew.** A 1° skew moves a box by one line height across a table, which puts the end of
  a row into the next one. The skew is the median angle of long line boxes; boxes are rotated
  back (cheap); over ``reocr_deg`` the image itself is rotated and read again.
* **Vertical cells.** Narrow merged cells print 一级指标 names one character per line. The
  recogniser reads such a column sideways and returns noise (``州尼/又7日7小`` for 满意度指标);
  the column is cut into characters, laid out as one horizontal strip and read again.
* **Rulings** are detected on the deskewed image (long thin runs of ink) so the layout stage
  can rebuild the grid of a scanned table the way it does for vector PDFs.

``rapidocr`` is imported lazily: the core must import without the ``[ocr]`` extra.
Coordinates: every box is in PDF points on the page as displayed — ``page.rect``, with the
PDF's ``/Rotate`` applied (``page.get_text`` reports the *unrotated* frame instead; multiply
by ``page.derotation_matrix`` to go there) — and in the deskewed (and, for a sheet scanned
sideways, turned) frame the text is read in; ``PageOcr.width/height`` give that frame.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from jixiao.model.source import Word
from jixiao.ocr.cells import refine_table_lines
from jixiao.model.errors import JixiaoError

OCR_EXTRA_HINT = "OCR needs the optional extra: pip install 'jixiao[ocr]'"


class OcrUnavailableError(JixiaoError, ImportError):
    """The OCR engine (rapidocr + onnxruntime) is not installed (an ImportError, raised on first use)."""


def engine_version() -> str:
    """``"rapidocr 3.10.0"``; raises :class:`OcrUnavailableError` when the extra is missing."""
    try:
        version = importlib.metadata.version("rapidocr")
        importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError as exc:
        raise OcrUnavailableError(f"{OCR_EXTRA_HINT} ({exc.name or exc} is not installed)") from None
    return f"rapidocr {version}"


@dataclass(frozen=True)
class OcrParams:
    """Everything that changes OCR output (and so is part of the cache key)."""

    dpi: int = 200
    max_side: int = 2400  # pixels; RapidOCR's default (2000) would downscale an A4 page at 200 dpi
    det_side: int = 1600  # the detector sees the page at this longest side (crops for recognition stay full size)
    unclip: float = 1.8  # box growth around detected text; RapidOCR's 1.6 clips a leading 一 (一级指标 → 级指标)
    text_score: float = 0.5  # lines below this recognition score are dropped
    # The recogniser reads a line 48 px high, padded to at least 320 px wide by RapidOCR:
    # ~3× the work for a short table cell (≥80%, 万元, 合格), which most lines of these forms
    # are. Short lines — width/height within ``rec_short`` — are padded only to
    # ``rec_min_width``; every other line keeps RapidOCR's 320 px: a lone glyph (≥, =) is
    # misread without it (≥ → 目), and a line of 160 px or more would save little.
    rec_min_width: int = 96
    rec_short: tuple[float, float] = (1.5, 160 / 48)
    # Lines per recogniser call (sorted by width, each call padded to its widest line). One
    # line a call is as fast, reads each line whatever its neighbours, and keeps the peak
    # memory down (six long lines padded to the longest cost ~0.3 GB more).
    rec_batch: int = 1
    deskew_min_deg: float = 0.3  # below: leave boxes as they are
    reocr_deg: float = 2.0  # above: rotate the image and read again (boxes alone are not enough)
    orientation: bool = True
    vertical_text: bool = True
    rulings: bool = True
    table_cells: bool = True  # cut lines at table rules, read cells with ink but no line (jixiao.ocr.cells)

    def key(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class OcrLine:
    """One recognised text line; ``bbox`` in PDF points (deskewed frame)."""

    text: str
    bbox: tuple[float, float, float, float]
    score: float
    vertical: bool = False  # read from a one-character-per-line column

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "bbox": list(self.bbox), "score": self.score, "vertical": self.vertical}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrLine:
        return cls(d["text"], tuple(d["bbox"]), float(d["score"]), bool(d.get("vertical", False)))  # type: ignore[arg-type]


@dataclass
class PageOcr:
    """OCR of one page: lines and rulings in PDF points, plus what was done to the image."""

    page: int
    width: float  # points, of the frame the boxes are in (swapped for a sideways scan)
    height: float
    lines: list[OcrLine] = field(default_factory=list)
    rulings: list[tuple[float, float, float, float]] = field(default_factory=list)
    skew: float = 0.0  # degrees the content was rotated back
    rotation: int = 0  # degrees (clockwise) the page image was turned to read it upright
    reread_vertical: int = 0  # vertical cells read again as strips
    engine: str = ""
    seconds: float = 0.0
    cached: bool = False

    @property
    def mean_score(self) -> float:
        return sum(ln.score for ln in self.lines) / len(self.lines) if self.lines else 0.0

    def words(self) -> list[Word]:
        """The lines as ``jixiao.model.source.Word`` (one Word per OCR line, score kept)."""
        return [Word(text=ln.text, bbox=ln.bbox, page=self.page, score=round(ln.score, 4)) for ln in self.lines]

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("lines", "rulings", "cached")}
        d["lines"] = [ln.to_dict() for ln in self.lines]
        d["rulings"] = [list(r) for r in self.rulings]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageOcr:
        out = cls(**{k: v for k, v in d.items() if k not in ("lines", "rulings")})
        out.lines = [OcrLine.from_dict(x) for x in d.get("lines", [])]
        out.rulings = [tuple(r) for r in d.get("rulings", [])]  # type: ignore[misc]
        return out


def _libc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library, another OS).

    Looked up in the symbols already loaded into the process (``CDLL(None)``): no library
    search, which would run ``ldconfig`` in a subprocess.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_MALLOC_TRIM = _libc_malloc_trim()


def release_freed_memory() -> None:
    """Give memory freed by the models back to the system (glibc only; a no-op elsewhere).

    Without the ONNX arena, a page's buffers (~0.4 GB for detection) are freed to glibc,
    which keeps them in the heap of the thread that freed them. With pages in flight on
    several threads, each thread's heap would keep its own copy of the detection buffers
    (~1 GB for a 12-page scan on two threads, ~0.65 GB when trimmed after each detection).
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


# ---------------------------------------------------------------------------------------
# Rendering


def render_page(page: Any, dpi: int = 200) -> np.ndarray:
    """A ``pymupdf.Page`` as a grayscale uint8 array (H×W), page rotation applied."""
    import pymupdf

    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width).copy()


# ---------------------------------------------------------------------------------------
# The engine


@dataclass
class _Raw:
    """A line in pixel coordinates of the image it was read from."""

    poly: np.ndarray  # 4×2 float32, clockwise from top-left
    text: str
    score: float
    vertical: bool = False

    @property
    def w(self) -> float:
        return float(max(np.linalg.norm(self.poly[0] - self.poly[1]), np.linalg.norm(self.poly[3] - self.poly[2])))

    @property
    def h(self) -> float:
        return float(max(np.linalg.norm(self.poly[0] - self.poly[3]), np.linalg.norm(self.poly[1] - self.poly[2])))

    @property
    def aabb(self) -> tuple[float, float, float, float]:
        xs, ys = self.poly[:, 0], self.poly[:, 1]
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


class RapidOcrEngine:
    """A lazily created ``rapidocr.RapidOCR`` plus the page-level logic around it.

    One engine serves several threads at once (``ocr_image`` is thread-safe): ONNX Runtime
    releases the GIL while a model runs, and ~90% of a page's CPU time is spent there, so
    threads share one copy of the models instead of one per worker process.

    * Recognition (~70% of the work) is split over ``threads`` Python threads, each running
      the single-threaded recogniser on its own batches (of ``rec_batch`` lines of similar
      width, cut as RapidOCR cuts them, so the output does not depend on the thread count).
    * Detection runs one page at a time (``_det_lock``) on ``threads`` intra-op threads:
      its activations at ``det_side`` are the largest allocation of a page (~0.4 GB at
      1600 px), one at a time keeps a long scan under 1 GB, and the intra-op threads take
      ~0.5 s off a one-page document, where nothing else could use the second core.
    """

    def __init__(self, params: OcrParams | None = None, threads: int = 1):
        self.params = params or OcrParams()
        self.threads = max(1, int(threads))
        self._ocr: Any = None  # recognition (single-threaded sessions, called from many threads)
        self._det: Any = None  # detection and the angle classifier (``threads`` intra-op threads)
        self.version = engine_version()
        self._init_lock = threading.Lock()
        # RapidOCR.__call__ stores its use_det/use_cls/use_rec switches on the shared object:
        # every __call__ (detection, the angle classifier) goes through this lock.
        self._det_lock = threading.Lock()
        self._rec_pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """Stop the recognition threads (the models stay loaded until the engine is dropped)."""
        with self._init_lock:
            pool, self._rec_pool = self._rec_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _pool(self) -> ThreadPoolExecutor:
        with self._init_lock:
            if self._rec_pool is None:
                self._rec_pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="jixiao-ocr-rec")
            return self._rec_pool

    # -- rapidocr calls ---------------------------------------------------------------

    def _engine(self) -> Any:
        """The ``rapidocr.RapidOCR`` that recognises (created once; models load on first use).

        Only its ``recognize_txt`` may be called without a lock (it keeps no per-call state).
        """
        with self._init_lock:
            if self._ocr is None:
                self._ocr = self._create(intra_threads=1)
            return self._ocr

    def _detector(self) -> Any:
        """The ``rapidocr.RapidOCR`` that detects and classifies; call it under ``_det_lock``."""
        with self._init_lock:
            if self._det is None:
                self._det = self._create(intra_threads=self.threads)
            return self._det

    def _create(self, intra_threads: int) -> Any:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # installed metadata but a broken import
            raise OcrUnavailableError(f"{OCR_EXTRA_HINT} (import failed: {exc})") from exc
        p = self.params
        # Only packaged models (the defaults): any other model choice would download.
        cfg: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.text_score": p.text_score,
            "Global.max_side_len": p.max_side,
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": intra_threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # Off: the arena keeps every buffer at its largest size (one process grew to
            # 1.4 GB over 8 pages; 0.87 GB without), for 5–9% less CPU.
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
            "Det.unclip_ratio": p.unclip,
            "Rec.rec_batch_num": max(1, p.rec_batch),
            "Rec.rec_img_shape": [3, 48, max(8, p.rec_min_width)],
        }
        if p.det_side > 0:
            cfg.update({"Det.limit_type": "max", "Det.limit_side_len": p.det_side})
        return RapidOCR(params=cfg)

    def _detect(self, img: np.ndarray) -> list[np.ndarray]:
        """Text line quadrilaterals (4×2, clockwise from top-left) in ``img``'s pixels."""
        with self._det_lock:
            # All three switches every call: RapidOCR keeps the last call's settings.
            out = self._detector()(img, use_det=True, use_cls=False, use_rec=False)
            release_freed_memory()  # before the next page's detection allocates its own
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        return [np.asarray(b, dtype=np.float32).reshape(4, 2) for b in boxes]

    def _read(self, gray: np.ndarray) -> list[_Raw]:
        """Detect, then recognise every line (the lines spread over the engine's threads)."""
        quads = self._detect(gray)
        if not quads:
            return []
        read = self._recognize_many([_crop_quad(gray, q) for q in quads])
        return [
            _Raw(q, t, s)
            for q, (t, s) in zip(quads, read)
            if t.strip() and s >= self.params.text_score
        ]

    def _recognize_many(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, score) per grayscale crop, in order.

        The crops are sorted by aspect ratio and cut into batches of ``rec_batch`` exactly as
        RapidOCR does for a page, so the result is the same whatever the number of threads;
        the widest batches go first, so the threads finish together.
        """
        if self.params.rec_min_width < REC_CONTEXT_WIDTH:
            crops = [_keep_context(c, self.params.rec_short) for c in crops]
        ratios = np.array([c.shape[1] / float(max(c.shape[0], 1)) for c in crops])
        order = np.argsort(ratios)
        size = max(1, self.params.rec_batch)
        batches = [[int(i) for i in order[k : k + size]] for k in range(0, len(order), size)][::-1]

        def run(batch: list[int]) -> list[tuple[str, float]]:
            return self._recognize_batch([crops[i] for i in batch])

        if self.threads > 1 and len(batches) > 1:
            results = list(self._pool().map(run, batches))
        else:
            results = [run(b) for b in batches]
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for batch, res in zip(batches, results):
            for i, r in zip(batch, res):
                out[i] = r
        return out

    def _recognize_batch(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """One recogniser call (no detection, no angle classifier); thread-safe."""
        bgr = [np.ascontiguousarray(np.repeat(c[:, :, None], 3, axis=2)) if c.ndim == 2 else c for c in crops]
        try:
            res = self._engine().recognize_txt(bgr)
        except Exception as exc:  # RapidOCRError: nothing was read at all
            if type(exc).__name__ != "RapidOCRError":
                raise
            return [("", 0.0)] * len(crops)
        txts, scores = list(res.txts or []), list(res.scores or [])
        if len(txts) != len(crops):
            return [("", 0.0)] * len(crops)
        return [(str(t), float(s)) for t, s in zip(txts, scores)]

    def _recognize(self, img: np.ndarray) -> tuple[str, float]:
        return self._recognize_batch([img])[0]

    def _upside_down_votes(self, crops: list[np.ndarray]) -> tuple[int, int]:
        """(votes for 180°, confident votes) from the angle classifier on line crops."""
        up = total = 0
        for crop in crops:
            with self._det_lock:
                out = self._detector()(crop, use_det=False, use_cls=True, use_rec=False)
            res = getattr(out, "cls_res", None)
            if not res:
                continue
            label, score = res[0]
            if score >= 0.9:
                total += 1
                up += "180" in str(label)
        return up, total

    # -- the page ---------------------------------------------------------------------

    def ocr_image(self, gray: np.ndarray, page: int = 1, dpi: int | None = None) -> PageOcr:
        """OCR a grayscale page image rendered at ``dpi``; boxes come back in PDF points."""
        t0 = time.perf_counter()
        p = self.params
        dpi = dpi or p.dpi
        img = np.ascontiguousarray(gray)
        raws = self._read(img)
        rotation = 0
        if p.orientation:
            img, raws, rotation = self._orient(img, raws)
        skew = _estimate_skew(raws)
        if abs(skew) >= p.reocr_deg:
            img = _rotate_image(img, skew)
            raws = self._read(img)
        elif abs(skew) >= p.deskew_min_deg:
            img = _rotate_image(img, skew)
            raws = [_Raw(_rotate_points(r.poly, skew, img.shape), r.text, r.score) for r in raws]
        else:
            skew = 0.0
        reread = self._reread_vertical(img, raws) if p.vertical_text else 0
        raws = _merge_stacked(raws)
        rulings = detect_rulings(img, raws) if p.rulings else []
        raws = refine_table_lines(img, raws, rulings, self._recognize_many) if p.table_cells and rulings else raws
        scale = 72.0 / dpi
        lines = [
            OcrLine(r.text, tuple(round(v * scale, 2) for v in r.aabb), round(r.score, 4), r.vertical)  # type: ignore[arg-type]
            for r in sorted(raws, key=lambda r: (r.aabb[1], r.aabb[0]))
        ]
        return PageOcr(
            page=page, width=round(img.shape[1] * scale, 2), height=round(img.shape[0] * scale, 2), lines=lines,
            rulings=[tuple(round(v * scale, 2) for v in seg) for seg in rulings],  # type: ignore[misc]
            skew=round(skew, 3), rotation=rotation, reread_vertical=reread, engine=self.version,
            seconds=round(time.perf_counter() - t0, 3),
        )

    def _orient(self, img: np.ndarray, raws: list[_Raw]) -> tuple[np.ndarray, list[_Raw], int]:
        """Turn a sideways or upside-down page upright: (image, lines, clockwise degrees)."""
        sized = [r for r in raws if max(r.w, r.h) >= 24]
        tall = [r for r in sized if r.h > 1.5 * r.w]
        sideways = (len(sized) >= 4 and len(tall) > 0.6 * len(sized)) or len(sized) < 3
        if sideways:
            # Decide the direction from the tall boxes turned clockwise: the classifier says
            # whether they then read upright (0) or upside down (180).
            crops = [np.rot90(_crop(img, r), k=-1) for r in sorted(tall, key=lambda r: -r.h)[:8]]
            up, total = self._upside_down_votes(crops) if crops else (0, 0)
            k, deg = (1, 270) if total and up > total / 2 else (-1, 90)
            turned = np.ascontiguousarray(np.rot90(img, k=k))
            raws2 = self._read(turned)
            # Upright text gives wide line boxes; keep the turn when it reads at least about as much.
            if _wide_share(raws2) > _wide_share(raws) and _confident_chars(raws2) >= 0.8 * _confident_chars(raws):
                return turned, raws2, deg
            return img, raws, 0
        wide = sorted((r for r in sized if r.w > 2 * r.h), key=lambda r: -r.w)[:8]
        if len(wide) >= 3:
            up, total = self._upside_down_votes([_crop(img, r) for r in wide])
            if total >= 3 and up >= 2 * total / 3:
                turned = np.ascontiguousarray(np.rot90(img, k=2))
                raws2 = self._read(turned)
                if _confident_chars(raws2) > _confident_chars(raws):
                    return turned, raws2, 180
        return img, raws, 0

    def _reread_vertical(self, img: np.ndarray, raws: list[_Raw]) -> int:
        """Read one-character-per-line columns as horizontal strips; keep the better reading."""
        from jixiao.domain.repair import looks_garbled

        n = 0
        for r in raws:
            if r.h < 1.8 * r.w or r.h < 40:
                continue
            strip = _stack_to_strip(_crop(img, r, pad=2))
            if strip is None:
                continue
            text, score = self._recognize(strip)
            if not text.strip() or score < 0.6:
                continue
            if score > r.score + 0.05 or looks_garbled(r.text) or len(r.text) < 2:
                r.text, r.score, r.vertical = text, score, True
                n += 1
        return n


# ---------------------------------------------------------------------------------------
# Geometry helpers (pure numpy/cv2; unit-tested without the OCR models)


def _confident_chars(raws: list[_Raw]) -> float:
    return sum(r.score * len(r.text) for r in raws)


def _wide_share(raws: list[_Raw]) -> float:
    return sum(1 for r in raws if r.w > 1.5 * r.h) / len(raws) if raws else 0.0


REC_CONTEXT_WIDTH = 320  # RapidOCR's recogniser input: 48 px high, padded to at least 320 px wide
REC_CONTEXT_RATIO = REC_CONTEXT_WIDTH / 48


def _keep_context(crop: np.ndarray, short: tuple[float, float]) -> np.ndarray:
    """A crop whose width/height is outside the ``short`` range, padded on the right to
    RapidOCR's 320-px context with mid-grey (the value RapidOCR's own padding — 0 after its
    normalisation — stands for), so it is read as with RapidOCR's default width."""
    h, w = crop.shape[:2]
    if h == 0 or w >= REC_CONTEXT_RATIO * h or short[0] * h <= w < short[1] * h:
        return crop
    out = np.full((h, int(math.ceil(h * REC_CONTEXT_RATIO))) + crop.shape[2:], 127, dtype=crop.dtype)
    out[:, :w] = crop
    return out


def _crop_quad(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A detected line cut out along its quadrilateral and straightened, as RapidOCR (and
    PaddleOCR) crop it for the recogniser; a crop at least 1.5× taller than wide is turned
    90° counter-clockwise, so a vertical line is read along its length."""
    import cv2

    pts = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.rot90(out) if out.shape[0] / out.shape[1] >= 1.5 else out


def _crop(img: np.ndarray, r: _Raw, pad: int = 0) -> np.ndarray:
    x0, y0, x1, y1 = r.aabb
    h, w = img.shape[:2]
    xa, ya = max(0, int(x0) - pad), max(0, int(y0) - pad)
    xb, yb = min(w, int(math.ceil(x1)) + pad), min(h, int(math.ceil(y1)) + pad)
    return np.ascontiguousarray(img[ya:yb, xa:xb])


def _estimate_skew(raws: list[_Raw]) -> float:
    """Median angle (degrees, positive = text rising to the right … in image y-down terms,
    positive means the line goes *down* to the right) of long line boxes."""
    angles = []
    for r in raws:
        if r.w < 4 * r.h or r.w < 80:
            continue
        for a, b in ((r.poly[0], r.poly[1]), (r.poly[3], r.poly[2])):
            dx, dy = float(b[0] - a[0]), float(b[1] - a[1])
            if dx > 0:
                angles.append(math.degrees(math.atan2(dy, dx)))
    if len(angles) < 6:
        return 0.0
    return float(np.median(angles))


def _rotate_image(img: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate so that lines sloping by ``angle_deg`` (y down) become horizontal; white fill."""
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def _rotate_points(pts: np.ndarray, angle_deg: float, shape: tuple[int, ...]) -> np.ndarray:
    """The same transform as :func:`_rotate_image`, applied to points."""
    h, w = shape[:2]
    a = math.radians(angle_deg)
    cx, cy = w / 2.0, h / 2.0
    cos, sin = math.cos(a), math.sin(a)
    x, y = pts[:, 0] - cx, pts[:, 1] - cy
    # cv2.getRotationMatrix2D(angle) maps (x, y) → (cos·x + sin·y, −sin·x + cos·y) about the centre
    return np.stack([cos * x + sin * y + cx, -sin * x + cos * y + cy], axis=1).astype(np.float32)


def _stack_to_strip(crop: np.ndarray) -> np.ndarray | None:
    """Cut a one-character-per-line column at blank rows and lay the pieces side by side."""
    if crop.size == 0 or crop.shape[0] < crop.shape[1]:
        return None
    ink = crop < min(160, int(np.percentile(crop, 50)) - 40)
    rows = ink.sum(axis=1)
    w = crop.shape[1]
    pieces: list[tuple[int, int]] = []
    start = None
    for y, v in enumerate(rows):
        if v > 0 and start is None:
            start = y
        elif v == 0 and start is not None:
            pieces.append((start, y))
            start = None
    if start is not None:
        pieces.append((start, len(rows)))
    # Characters such as 二 or 亠 have blank rows inside: merge pieces while they fit one square.
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        if merged and b - merged[-1][0] <= 1.15 * w:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    merged = [(a, b) for a, b in merged if b - a >= 0.25 * w]
    if len(merged) < 2:
        n = max(2, round(crop.shape[0] / max(w, 1)))
        step = crop.shape[0] / n
        merged = [(int(i * step), int((i + 1) * step)) for i in range(n)]
    side = max(b - a for a, b in merged)
    side = max(side, w)
    gap = max(4, side // 6)
    strip = np.full((side + 2 * gap, len(merged) * (w + gap) + gap), 255, dtype=np.uint8)
    x = gap
    for a, b in merged:
        piece = crop[a:b]
        top = gap + (side - piece.shape[0]) // 2
        strip[top : top + piece.shape[0], x : x + w] = piece
        x += w + gap
    return strip


def _merge_stacked(raws: list[_Raw]) -> list[_Raw]:
    """Join single characters stacked in one column (a vertical cell the detector cut apart).

    Two one-character boxes are joined when they are centred on the same x, about the same
    width, and the gap between them is under one character height.
    """
    singles = sorted((r for r in raws if len(r.text.strip()) == 1 and not r.vertical), key=lambda r: (r.aabb[1]))
    used: set[int] = set()
    out = [r for r in raws if not (len(r.text.strip()) == 1 and not r.vertical)]
    for i, r in enumerate(singles):
        if id(r) in used:
            continue
        group = [r]
        used.add(id(r))
        for s in singles[i + 1 :]:
            if id(s) in used:
                continue
            last = group[-1]
            lx0, ly0, lx1, ly1 = last.aabb
            sx0, sy0, sx1, sy1 = s.aabb
            cw = max(lx1 - lx0, 1.0)
            if abs((sx0 + sx1) / 2 - (lx0 + lx1) / 2) <= 0.35 * cw and 0 <= sy0 - ly1 <= 1.0 * (ly1 - ly0) and abs((sx1 - sx0) - cw) <= 0.6 * cw:
                group.append(s)
                used.add(id(s))
        if len(group) == 1:
            out.append(r)
            continue
        x0 = min(g.aabb[0] for g in group)
        y0 = min(g.aabb[1] for g in group)
        x1 = max(g.aabb[2] for g in group)
        y1 = max(g.aabb[3] for g in group)
        poly = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
        out.append(_Raw(poly, "".join(g.text.strip() for g in group), min(g.score for g in group), vertical=True))
    return out


def detect_rulings(img: np.ndarray, raws: list[_Raw] | None = None) -> list[tuple[float, float, float, float]]:
    """Horizontal and vertical table rules on a (deskewed) page image, in pixels.

    Ink is thresholded (Otsu), then opened with long thin kernels: a horizontal kernel longer
    than any character stroke keeps only rules; the vertical kernel is shorter than a
    detected line box (0.85 of its height, which is ~1.4 glyph heights: the detector's boxes
    grow ~1.6× around the ink) and longer than any stroke of a character, so the rule beside
    a single tightly padded row (barely taller than the line box) survives while character
    strokes do not. Rules are reported by their two ends (see the slant note below).
    """
    import cv2

    h, w = img.shape[:2]
    _, ink = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    heights = sorted(min(r.h, r.w) for r in raws or [] if r.w > 0 and r.h > 0)
    text_h = heights[len(heights) // 2] if heights else h / 60
    out: list[tuple[float, float, float, float]] = []
    kh = max(int(3 * text_h), w // 40, 20)
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    kv = max(int(0.85 * text_h), 15)
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    thick = max(6, text_h / 3)
    for mask, horizontal in ((hor, True), (ver, False)):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for i in range(1, n):
            x, y, bw, bh, _area = (int(v) for v in stats[i])
            length, width = (bw, bh) if horizontal else (bh, bw)
            if length < (kh if horizontal else kv) or width > thick + 0.05 * length:
                continue
            # A page left a fraction of a degree skewed (under the deskew threshold, or a
            # skew estimate off by that much) draws each rule as a long, slightly slanted
            # band: report its two ends, so the layout stage straightens it with the text.
            a, b = _rule_ends(labels[y : y + bh, x : x + bw] == i, horizontal)
            if abs(b - a) > 0.05 * length or width - abs(b - a) > thick:
                continue  # too steep for a rule, or too thick once the slant is taken out
            if abs(b - a) < 1.0:
                a = b = (y + bh / 2.0) if horizontal else (x + bw / 2.0)
            elif horizontal:
                a, b = y + a, y + b
            else:
                a, b = x + a, x + b
            out.append((float(x), a, float(x + bw), b) if horizontal else (a, float(y), b, float(y + bh)))
    return out


def _rule_ends(sub: np.ndarray, horizontal: bool) -> tuple[float, float]:
    """Across-position (pixel centres) of a rule's ink at its first and last few pixels along."""
    m = sub if not horizontal else sub.T  # rows run along the rule
    k = max(3, m.shape[0] // 20)
    idx = np.arange(m.shape[1], dtype=np.float64) + 0.5

    def centre(rows: np.ndarray) -> float:
        weights = rows.sum(axis=0).astype(np.float64)
        return float((weights * idx).sum() / weights.sum()) if weights.sum() else float(m.shape[1]) / 2.0

    return centre(m[:k]), centre(m[-k:])
