"""The indicator library: precedent forms and their indicators in SQLite, searched with jieba + BM25.

Why SQLite: one portable file, idempotent inserts keyed by a content hash (the same form read
twice is one row; a new folder adds only new forms). Search is jieba tokens ranked by bm25s
(both optional, imported lazily: `pip install jixiao[advise]`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from jixiao.domain.framework import canonical_level1, canonical_level2
from jixiao.domain.values import fold, parse_value
from jixiao.model.output import Document, Form, load_document

SCHEMA = """
CREATE TABLE IF NOT EXISTS forms (
  form_key TEXT PRIMARY KEY, source TEXT, doc_id TEXT, form_index INTEGER, synthetic INTEGER,
  form_type TEXT, project_name TEXT, unit_name TEXT, competent_dept TEXT, region TEXT, year INTEGER,
  goal_long TEXT, goal_annual TEXT, budget_total REAL, page INTEGER);
CREATE TABLE IF NOT EXISTS indicators (
  ind_key TEXT PRIMARY KEY, form_key TEXT, idx INTEGER, scope TEXT, level1 TEXT, level2 TEXT, level3 TEXT,
  target TEXT, op TEXT, number REAL, unit TEXT, text TEXT, basis TEXT, category TEXT, page INTEGER, evidence TEXT);
"""
_REGION = re.compile(r"^(.{2,7}?(?:自治区|省|市|州|县|区))")


def starter_library() -> Path:
    """The library shipped with the package (built from the golden set's real documents)."""
    return Path(str(resources.files("jixiao").joinpath("data/advise_library.sqlite")))


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path))
    con.executescript(SCHEMA)
    con.row_factory = sqlite3.Row
    return con


def _is_synthetic(doc: Document, path: Path) -> bool:
    """Golden seeds (s000…) are real documents; syn_* folders are synthetic (golden/README.md)."""
    return doc.doc_id.startswith("syn") or any(p.startswith("syn_") for p in path.parts)


def _region(form: Form) -> str | None:
    for text in (form.unit_name, form.competent_dept, form.title):
        m = _REGION.match(fold(text)) if text else None
        if m:
            return m.group(1)
    return None


def form_key(form: Form) -> str:
    """Content hash of the form's v1 content: same content → same key, whatever the file."""
    payload = form.model_dump(include={"form_type", "title", "year", "unit_name", "competent_dept",
                                       "project_name", "budget", "goals", "indicators"}, mode="json")
    for ind in payload["indicators"]:
        for k in ("evidence", "confidence", "flags"):
            ind.pop(k, None)
    for ln in payload["budget"]["lines"]:
        for k in ("evidence", "confidence", "flags"):
            ln.pop(k, None)
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]


def _page(ev: dict, field: str) -> tuple[int | None, str | None]:
    e = ev.get(field) or ev.get("level3")
    return (e.page, e.source_text) if e else (None, None)


def add_document(con: sqlite3.Connection, doc: Document, source: Path) -> int:
    """Insert every form of ``doc`` not yet present; returns how many forms were new."""
    synth = _is_synthetic(doc, source)
    new = 0
    for i, f in enumerate(doc.forms):
        key = form_key(f)
        if con.execute("SELECT 1 FROM forms WHERE form_key=?", (key,)).fetchone():
            continue
        new += 1
        con.execute("INSERT INTO forms VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
            key, str(source), doc.doc_id, i, int(synth), f.form_type, f.project_name, f.unit_name,
            f.competent_dept, _region(f), f.year, f.goals.long_term, f.goals.annual, f.budget.total,
            f.pages[0] if f.pages else None))
        for j, ind in enumerate(f.indicators):
            pv = ind.target_parsed or parse_value(ind.target)
            page, src = _page(ind.evidence, "target")
            l1 = ind.level1_canonical or canonical_level1(ind.level1) or ind.level1
            l2 = ind.level2_canonical or canonical_level2(ind.level2, l1) or ind.level2
            con.execute("INSERT OR IGNORE INTO indicators VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                f"{key}:{j}", key, j, ind.scope, l1, l2, ind.level3, ind.target,
                pv.op if pv else None, pv.number if pv else None, (pv.unit if pv else None) or ind.unit,
                pv.text if pv else None, ind.basis, ind.category, page if page is not None else (f.pages[0] if f.pages else None),
                src or " | ".join(x for x in (ind.level3, ind.target) if x)))
    con.commit()
    return new


def collect_sources(paths: Iterable[Path]) -> list[Path]:
    """Extraction JSON files and golden ``label.json`` files under the given paths."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.json") if q.name == "label.json" or q.suffix == ".json"
                              and q.name not in ("layout.json", "producers.json", "run.json")))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out


def build(sources: Iterable[Path], out: Path, *, include_synthetic: bool = False,
          exclude_docs: Iterable[str] = ()) -> dict[str, int]:
    """Add every form of every source to ``out`` (created if missing). Returns counts."""
    con = connect(out)
    skip = set(exclude_docs)
    stats = {"files": 0, "new_forms": 0, "skipped_synthetic": 0, "unreadable": 0}
    for path in collect_sources(sources):
        try:
            doc = load_document(path)
        except ValueError:
            stats["unreadable"] += 1  # not an extraction JSON (e.g. another JSON in the folder)
            continue
        if doc.doc_id in skip:
            continue
        if _is_synthetic(doc, path) and not include_synthetic:
            stats["skipped_synthetic"] += len(doc.forms)
            continue
        stats["files"] += 1
        stats["new_forms"] += add_document(con, doc, path)
    con.close()
    return stats


def stats(path: Path) -> dict[str, Any]:
    con = connect(path)
    q = lambda s: con.execute(s).fetchone()[0]  # noqa: E731
    out = {"forms": q("SELECT count(*) FROM forms"), "synthetic_forms": q("SELECT count(*) FROM forms WHERE synthetic=1"),
           "indicators": q("SELECT count(*) FROM indicators"), "documents": q("SELECT count(DISTINCT doc_id) FROM forms"),
           "by_level2": dict(con.execute("SELECT level2, count(*) FROM indicators GROUP BY level2 ORDER BY 2 DESC").fetchall())}
    con.close()
    return out


# ---------------------------------------------------------------------------------------
# Search


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens, punctuation and single Latin characters dropped."""
    import jieba  # lazy: optional extra [advise]

    jieba.setLogLevel(60)
    return [t for t in jieba.lcut_for_search(fold(text)) if re.search(r"[\u4e00-\u9fff]|\w\w", t)]


@dataclass
class Hit:
    form_key: str
    score: float
    row: sqlite3.Row


class Index:
    """BM25 over each form's project name (twice: it names the job), goals and indicator names."""

    def __init__(self, path: Path, *, include_synthetic: bool = False, exclude_docs: Iterable[str] = (),
                 exclude_forms: Iterable[str] = ()) -> None:
        import bm25s  # lazy: optional extra [advise]

        self.con = connect(path)
        skip, skip_forms = set(exclude_docs), set(exclude_forms)
        rows = [r for r in self.con.execute("SELECT * FROM forms ORDER BY form_key")
                if (include_synthetic or not r["synthetic"]) and r["doc_id"] not in skip
                and r["form_key"] not in skip_forms]
        self.rows = rows
        corpus = []
        for r in rows:
            names = [x[0] or "" for x in self.con.execute("SELECT level3 FROM indicators WHERE form_key=?", (r["form_key"],))]
            text = " ".join([r["project_name"] or "", r["project_name"] or "", r["goal_long"] or "",
                             r["goal_annual"] or "", *names])
            corpus.append(tokenize(text))
        self.vocab = {t: i for i, t in enumerate(sorted({t for d in corpus for t in d}))}
        self.bm25 = bm25s.BM25()
        if rows:
            self.bm25.index(bm25s.tokenization.Tokenized(ids=[[self.vocab[t] for t in d] for d in corpus],
                                                         vocab=self.vocab), show_progress=False)

    def search(self, query: str, k: int = 10, form_type: str | None = None) -> list[Hit]:
        q = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not q or not self.rows:
            return []
        scores = self.bm25.get_scores(q)
        order = sorted(range(len(self.rows)), key=lambda i: -scores[i])
        hits = [Hit(self.rows[i]["form_key"], float(scores[i]), self.rows[i]) for i in order if scores[i] > 0]
        if form_type:
            hits = [h for h in hits if h.row["form_type"] == form_type]
        return hits[:k]

    def similarity(self, query: str) -> dict[str, float]:
        """BM25 score of every form in the index (0 for forms sharing no token with ``query``)."""
        q = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not q or not self.rows:
            return {r["form_key"]: 0.0 for r in self.rows}
        scores = self.bm25.get_scores(q)
        return {r["form_key"]: float(scores[i]) for i, r in enumerate(self.rows)}

    def forms_with_level1(self, level1: str, form_type: str | None = None) -> list[tuple[sqlite3.Row, list[sqlite3.Row]]]:
        """(form row, its indicator rows under ``level1``) for every indexed form that has any."""
        forms = {r["form_key"]: r for r in self.rows if form_type is None or r["form_type"] == form_type}
        out: dict[str, list[sqlite3.Row]] = {}
        for r in self.con.execute("SELECT * FROM indicators WHERE level1=? ORDER BY form_key, idx", (level1,)):
            if r["form_key"] in forms:
                out.setdefault(r["form_key"], []).append(r)
        return [(forms[k], rows) for k, rows in out.items()]

    def indicators(self, key: str) -> list[sqlite3.Row]:
        return self.con.execute("SELECT * FROM indicators WHERE form_key=? ORDER BY idx", (key,)).fetchall()
