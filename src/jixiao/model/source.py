"""What ingest and layout hand to segmentation: a document as an ordered stream of blocks.

Every input format — PDF text layer, OCR'd scan, DOCX, XLSX, a text export — is reduced
to the same shape: paragraphs and tables in reading order, each cell carrying where it
came from. Segmentation and extraction never look at the file format again.

Two kinds of table grid exist and the difference matters downstream:

* ``exact_grid=True``: column indices are real (ruled PDF tables, DOCX, XLSX, grids
  rebuilt from word boxes). Merged cells are expanded: every grid slot of a merged cell
  holds a copy whose ``merged_from`` points at the origin slot.
* ``exact_grid=False``: rows come from a text export where empty cells may be dropped or
  doubled, so a cell's ``col`` is only a hint. The rules extractor aligns such rows by
  content as well as position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from jixiao.model.output import BBox, Flag
from jixiao.model.errors import JixiaoError


class PageTextStatus(str, Enum):
    """Whether a page's text layer can be trusted (decided per page, reason recorded)."""

    OK = "ok"
    NO_TEXT = "no_text"  # image-only: needs OCR
    GARBLED = "garbled"  # a text layer exists but is garbage: needs OCR
    OCR = "ocr"  # text came from OCR
    NOT_APPLICABLE = "n/a"  # DOCX / XLSX / text exports have no pages in the PDF sense


@dataclass
class PageInfo:
    number: int  # 1-based
    width: float = 0.0
    height: float = 0.0
    rotation: int = 0
    status: PageTextStatus = PageTextStatus.OK
    reason: str = ""  # why that status, e.g. "0 chars, 1 image covering 98% of the page"
    chars: int = 0
    # PDF text pages: the table rung that settled the page (jixiao.ingest.pdf_ladder)
    rung: str = ""  # "vector" | "raster" | "columns" | "stream"; "" for pages not read from a text layer
    rung_reason: str = ""  # why a lower rung was tried (the self-check's finding)
    stream_text: str = ""  # the page's text, kept only for a page handed to the stream extractor
    over_budget: bool = False  # larger than the page budget (model/limits.py): skipped, never OCR'd


@dataclass
class Word:
    """A run of text with a box: a PDF word/span or an OCR text line."""

    text: str
    bbox: BBox
    page: int
    score: float = 1.0  # OCR confidence; 1.0 for a text layer


@dataclass
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    bbox: BBox | None = None
    page: int | None = None
    merged_from: tuple[int, int] | None = None  # set on the copies that fill a merged area
    score: float = 1.0
    line: int | None = None  # 1-based source line, for text exports
    # consumed by the extractor: a field's value came from this cell, or it sits in a column the
    # vocabulary ignores on purpose (评分标准) — what the coverage check (extract/coverage.py) counts as read
    read: bool = field(default=False, compare=False)

    @property
    def is_copy(self) -> bool:
        return self.merged_from is not None


@dataclass
class Table:
    rows: list[list[Cell]]
    exact_grid: bool = True
    pages: list[int] = field(default_factory=list)
    bbox: BBox | None = None  # on the first page
    source: str = ""  # how it was found: "pdf-ruled", "pdf-words", "docx", "xlsx", "text-tsv", "text-cells", "ocr"

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    bbox: BBox | None = None
    line: int | None = None


Block = Paragraph | Table


@dataclass
class SourceDocument:
    """One input file after ingest (and layout): blocks in reading order."""

    path: str
    format: str  # pdf | docx | xlsx | html | text
    blocks: list[Block] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    sha256: str = ""

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def needs_ocr(self) -> list[PageInfo]:
        return [p for p in self.pages if p.status in (PageTextStatus.NO_TEXT, PageTextStatus.GARBLED)]


class IngestError(JixiaoError):
    """A file that cannot be read at all; the message names the file and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
