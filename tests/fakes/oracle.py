"""An oracle LLM endpoint: answers every chunk request from the golden labels.

Serves the pipeline a *perfect model* (``perfect``) or a careless one (``noisy``) over real
HTTP (:class:`fakes.openai_server.FakeOpenAIServer`), so ``jixiao eval --llm full`` measures
what our plumbing — chunking, grounding, merging — loses or lets through, independent of
any model.

How a chunk is answered: the chunk's rows are read back from the request's user message
(``rN | cell | cell …`` lines after the instruction; the few-shot examples above it are
ignored), each row is matched to golden indicators whose 三级指标 is printed in one of its
cells, the golden (document, form) with most matched rows wins (the form context's 项目名称 /
表名 break ties), and each matched row is answered with that indicator's label values —
the hand-checked truth, which may be written differently from the printed cells (``≥95%``
for ``≥ | 95 | %``): exactly what a good model does.

``noisy`` (seeded by ``seed`` and the chunk text, so deterministic per chunk) then spoils
the answer: made-up target numbers, a target copied from another cell of the row, a wrong
level2, a level3 taken from another chunk (another form's row), and one invented row per
chunk. Each spoilt item is recorded in :attr:`Oracle.spoilt`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakes.openai_server import FakeOpenAIServer, Reply, completion

CHUNK_MARKER = "逐行引用行号："
_ROW = re.compile(r"^(r\d+) \| ?(.*)$")
_NUM = re.compile(r"\d+(?:\.\d+)?")
_WS = re.compile(r"\s+")
NOISE = {"made_up": 0.2, "copied": 0.15, "wrong_level2": 0.1, "foreign_level3": 0.1}
WRONG_LEVEL2 = ("质量指标", "时效指标", "数量指标", "社会效益指标", "经济效益指标", "可持续影响指标")


def _fold(text: str | None) -> str:
    """Whitespace out, full-width operators folded: enough to find a label's text in a cell."""
    s = _WS.sub("", text or "")
    for a, b in (("≧", "≥"), ("≦", "≤"), ("＝", "="), ("％", "%"), (">=", "≥"), ("<=", "≤"), ("（", "("), ("）", ")")):
        s = s.replace(a, b)
    return s


@dataclass
class LabelRow:
    doc: str
    form: int
    index: int
    ind: dict[str, Any]
    form_keys: tuple[str, ...]

    @property
    def l3(self) -> str:
        return _fold(self.ind.get("level3"))


@dataclass
class ChunkRow:
    rid: str
    cells: list[str]

    @property
    def folded(self) -> list[str]:
        return [_fold(c) for c in self.cells]


def parse_chunk(content: str) -> tuple[list[ChunkRow], str]:
    """The chunk's data rows (header rows left out) and the form context above the instruction."""
    head, _, chunk = content.rpartition(CHUNK_MARKER)
    if not _:
        chunk, head = content, ""
    rows = []
    for line in chunk.splitlines():
        m = _ROW.match(line.strip())
        if m:
            rows.append(ChunkRow(m.group(1), [c.strip() for c in m.group(2).split(" | ")]))
    context = "\n".join(ln for ln in head.splitlines() if ln.startswith(("表名：", "项目名称：", "单位名称：")))
    return rows, context


def _by_name(rows: list[LabelRow]) -> list[list[LabelRow]]:
    """Label rows grouped by their folded 三级指标, in first-seen order."""
    groups: dict[str, list[LabelRow]] = {}
    for lr in rows:
        groups.setdefault(lr.l3, []).append(lr)
    return list(groups.values())


@dataclass
class Oracle:
    golden_dir: Path
    mode: str = "perfect"  # perfect | noisy
    seed: int = 0
    noise: dict[str, float] = field(default_factory=lambda: dict(NOISE))
    rows: list[LabelRow] = field(default_factory=list)
    spoilt: list[dict[str, Any]] = field(default_factory=list)
    unmatched_chunks: int = 0

    def __post_init__(self) -> None:
        if self.mode not in ("perfect", "noisy"):
            raise ValueError(f"oracle mode {self.mode!r}: use perfect or noisy")
        for path in sorted(Path(self.golden_dir).glob("*/label.json")):
            label = json.loads(path.read_text(encoding="utf-8"))
            for f, form in enumerate(label.get("forms", [])):
                keys = tuple(_fold(form.get(k)) for k in ("project_name", "unit_name", "title") if form.get(k))
                for i, ind in enumerate(form.get("indicators", [])):
                    if _fold(ind.get("level3")):
                        self.rows.append(LabelRow(path.parent.name, f, i, ind, keys))

    # -- matching ---------------------------------------------------------------------

    def _row_matches(self, row: ChunkRow, pool: list[LabelRow]) -> list[tuple[int, LabelRow]]:
        """Label rows printed in this row, best first: a cell equal to the level3 (3), a cell
        holding it (2), the row's joined text holding it (1: prose, or a name wrapped over cells)."""
        out = []
        distinct = list(dict.fromkeys(c for c in row.folded if c))
        # one text over the whole row: a paragraph, or a table row whose cells ran together
        prose = "".join(distinct) if len(distinct) == 1 else ""
        for lr in pool:
            l3 = lr.l3
            if any(c == l3 for c in row.folded):
                out.append((3, lr))
            elif len(l3) >= 2 and any(l3 in c and len(l3) >= len(c) / 2 for c in row.folded):
                out.append((2, lr))  # the cell holds a little more (a unit, a wrapped fragment)
            elif len(l3) >= 4 and l3 in prose:
                out.append((1, lr))
        out.sort(key=lambda t: (-t[0], -len(t[1].l3)))
        return out

    def _choose_form(self, rows: list[ChunkRow], context: str) -> tuple[str, int] | None:
        score: dict[tuple[str, int], float] = {}
        for row in rows:
            seen = {(lr.doc, lr.form) for _, lr in self._row_matches(row, self.rows)}
            for key in seen:
                score[key] = score.get(key, 0.0) + 1.0
        if not score:
            return None
        ctx = _fold(context)
        keys_of = {(lr.doc, lr.form): lr.form_keys for lr in self.rows}
        named = [key for key in score if any(k and k in ctx for k in keys_of.get(key, ()))]
        if named:
            # the form context names the project: a model reading the form knows which one it is
            # (budget books repeat the same standard rows in every project's form)
            score = {key: score[key] for key in named}
        return max(sorted(score), key=lambda k: score[k])

    def _value_fits(self, row: ChunkRow, lr: LabelRow) -> int:
        """How many of the label's value numbers the row prints (tells 满意度 twins apart)."""
        text = "".join(row.folded)
        return sum(1 for k in ("target", "half_year") if lr.ind.get(k) and
                   all(n in text for n in _NUM.findall(_fold(lr.ind[k]))))

    def _value_at(self, row: ChunkRow, lr: LabelRow) -> int:
        """Where the label's target is printed after its name (twins of two scopes: a row
        prints its own target first, an earlier year's value after it, as a reader sees)."""
        text = "".join(row.folded)
        nums = _NUM.findall(_fold(lr.ind.get("target")))
        start = max(text.find(lr.l3), 0) + len(lr.l3)
        at = text.find(nums[0], start) if nums else -1
        return at if at >= 0 else len(text) + 1

    def _homes(self, rows: list[ChunkRow], pool: list[LabelRow]) -> dict[int, str]:
        """For a label named in several rows (a goal sentence names it, then its own row
        prints it), the row a reader takes it from: the best match, then the row printing
        its values and its level names, then the first. Names the form repeats (满意度 twins
        of two scopes) are left to the rows in order."""
        twice = {l3 for l3, n in Counter(lr.l3 for lr in pool).items() if n > 1}
        pool = [lr for lr in pool if lr.l3 not in twice]
        best: dict[int, tuple[tuple[int, int, int, int], str]] = {}
        for k, row in enumerate(rows):
            text = "".join(row.folded)
            for q, lr in self._row_matches(row, pool):
                levels = sum(1 for n in ("level2", "level1") if lr.ind.get(n) and _fold(lr.ind[n]) in text)
                rank = (q, self._value_fits(row, lr), levels, -k)
                if lr.index not in best or rank > best[lr.index][0]:
                    best[lr.index] = (rank, row.rid)
        return {i: rid for i, (_, rid) in best.items()}

    def answer_rows(self, rows: list[ChunkRow], context: str) -> list[tuple[ChunkRow, LabelRow]]:
        form = self._choose_form(rows, context)
        if form is None:
            return []
        pool = [lr for lr in self.rows if (lr.doc, lr.form) == form]
        home = self._homes(rows, pool)
        used: set[int] = set()
        out = []
        for row in rows:
            matches = [(q, lr) for q, lr in self._row_matches(row, pool)
                       if lr.index not in used and home.get(lr.index, row.rid) == row.rid]
            if not matches:
                continue
            best_q = matches[0][0]
            tied = [lr for q, lr in matches if q == best_q]
            rank = lambda lr: (self._value_fits(row, lr), -self._value_at(row, lr), -lr.index)  # noqa: E731
            if best_q == 1:  # prose: every indicator named in it, twins of two scopes by their values
                picked = [max(same, key=rank) for same in _by_name(tied)]
            else:
                longest = max(len(lr.l3) for lr in tied)
                tied = [lr for lr in tied if len(lr.l3) == longest]
                picked = [max(tied, key=rank)]
            for lr in picked:
                used.add(lr.index)
                out.append((row, lr))
        return out

    # -- answering --------------------------------------------------------------------

    def answer(self, content: str) -> dict[str, Any]:
        rows, context = parse_chunk(content)
        pairs = self.answer_rows(rows, context)
        if not pairs:
            self.unmatched_chunks += 1
        items = [self._item(row, lr) for row, lr in pairs]
        if self.mode == "noisy":
            rng = random.Random(f"{self.seed}:{hashlib.sha256(content.encode()).hexdigest()}")
            items = self._spoil(items, rows, pairs, rng)
        return {"indicators": items}

    @staticmethod
    def _item(row: ChunkRow, lr: LabelRow) -> dict[str, Any]:
        ind = lr.ind
        return {"row": row.rid, "level1": ind.get("level1"), "level2": ind.get("level2"), "level3": ind.get("level3"),
                "half_year": ind.get("half_year"), "target": ind.get("target"),
                "scope": "long_term" if ind.get("scope") == "long_term" else "annual"}

    def _spoil(self, items: list[dict[str, Any]], rows: list[ChunkRow], pairs: list[tuple[ChunkRow, LabelRow]],
               rng: random.Random) -> list[dict[str, Any]]:
        here = {lr.l3 for _, lr in pairs}
        foreign = [lr for lr in self.rows if lr.l3 not in here and len(lr.l3) >= 4]
        for item, (row, lr) in zip(items, pairs):
            roll = rng.random()
            n = self.noise
            target = item.get("target") or ""
            if roll < n["made_up"] and _NUM.search(target):
                new = _NUM.sub(lambda m: str(int(float(m.group())) + rng.randint(1, 9) * 7), target, count=1)
                self._note("made_up", row, item, "target", new)
            elif roll < n["made_up"] + n["copied"]:
                others = [c for c in row.cells if _NUM.search(c) and _fold(c) != _fold(target)
                          and _fold(c) not in _fold(target) and _fold(c) != lr.l3]
                if others:
                    self._note("copied", row, item, "target", rng.choice(others))
            elif roll < n["made_up"] + n["copied"] + n["wrong_level2"]:
                wrong = [w for w in WRONG_LEVEL2 if _fold(w) != _fold(item.get("level2"))]
                self._note("wrong_level2", row, item, "level2", rng.choice(wrong))
            elif roll < sum(n.values()) and foreign:
                self._note("foreign_level3", row, item, "level3", rng.choice(foreign).ind["level3"])
        if rows:
            row = rng.choice(rows)
            invented = {"row": row.rid, "level1": "产出指标", "level2": "数量指标",
                        "level3": rng.choice(("培训覆盖人数", "设备采购数量", "宣传活动场次", "群众知晓率")),
                        "half_year": None, "target": f"≥{rng.randint(2, 99)}{rng.choice(('次', '人', '%'))}",
                        "scope": "annual"}
            items.append(invented)
            self.spoilt.append({"kind": "invented_row", "row": row.rid, "level3": invented["level3"]})
        return items

    def _note(self, kind: str, row: ChunkRow, item: dict[str, Any], name: str, value: str) -> None:
        self.spoilt.append({"kind": kind, "row": row.rid, "level3": item.get("level3"), "field": name,
                            "was": item.get(name), "now": value})
        item[name] = value

    def reply(self, request: dict[str, Any], n: int) -> Reply:
        messages = request.get("messages") or []
        content = messages[-1].get("content", "") if messages else ""
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        body = json.dumps(self.answer(content), ensure_ascii=False)
        return Reply(body=completion(body, model=request.get("model", "oracle"), tokens_in=len(content) // 2,
                                     tokens_out=len(body) // 2))


def serve(golden_dir: Path, mode: str = "perfect", seed: int = 0) -> tuple[FakeOpenAIServer, Oracle]:
    """``srv, oracle = serve(...)``; ``with srv: … srv.base_url``."""
    oracle = Oracle(Path(golden_dir), mode, seed)
    return FakeOpenAIServer(oracle.reply), oracle


def main() -> None:  # pragma: no cover - manual runs: python tests/fakes/oracle.py golden --mode noisy
    import argparse
    import time

    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("golden_dir", type=Path)
    ap.add_argument("--mode", default="perfect", choices=("perfect", "noisy"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--port-file", type=Path, help="write the base URL here once listening")
    args = ap.parse_args()
    srv, oracle = serve(args.golden_dir, args.mode, args.seed)
    with srv:
        print(srv.base_url, flush=True)
        if args.port_file:
            args.port_file.write_text(srv.base_url, encoding="utf-8")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
