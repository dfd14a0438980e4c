"""Repairs of OCR'd and garbled table text, each one recorded as a ``Repair``.

OCR of scanned 预算绩效目标表 fails in a few recurring ways: look-alike
symbols (``≧`` for ``≥``, Japanese ``満`` for ``满``, full-width digits), spaces inside numbers
(``757. 3``), one character read as two (``级`` → ``隻及``), a word cut across two cells
(``在耳 | 识人员总数``), and cells of rotated text read as noise (``灰 里 1日 fv``).

The repairs here lean on what is *not* free text in these forms: the indicator framework
(level-1 and level-2 names, in a known order), column headers and header-field labels, and a
list of common level-3 names (``domain/lexicon.txt``). A cell is only moved to a lexicon word
that is valid for its role (a level-2 cell only to level-2 names valid under its level-1),
within an edit distance relative to the word's length, and only when that word is a clear
winner. A text that already *is* a lexicon word is never changed to another one.

Every function returns the repaired text and the list of ``Repair(rule, original, repaired)``
steps so a reviewer can see what changed. Rules in ``INFERRED_RULES`` do not repair the text
but replace it from the framework: callers should mark those values ``AlignmentStatus.INFERRED``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein, LCSseq

from jixiao.model.output import Repair
from jixiao.domain import framework, vocab
from jixiao.domain.values import fold_radicals, repair_number_spaces

Role = str | None
ROLES: tuple[Role, ...] = ("level1", "level2", "level3", "value", "header", "field", None)
NAME_ROLES = frozenset({"level1", "level2", "level3", "header", "field"})
INFERRED_RULES = frozenset({"level2_by_position", "header_by_position"})
"""Rules whose output comes from the framework, not from the cell's own text."""

# ---------------------------------------------------------------------------------------
# Character tables

_OPERATOR_LOOKALIKES = {"≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "≥": "≥", "≤": "≤"}

# Japanese shinjitai and traditional forms that OCR engines (and transcoded pages) put in
# simplified-Chinese forms. Only characters that are NOT themselves in use in simplified
# Chinese are listed, so mapping them can never break a correct character.
_VARIANTS = dict(
    zip(
        "満検険様経済実効総対発関単価値営児県図団続権歳読売変収伝労処庁従鉄転帰気広圧徴"
        "恵栄沢焼薬覧観譲豊軽辺雑顕験齢亜悪囲為緑両剤勧巻戦掲摂斉暦歩毎渓砕粋絵継緒"
        "蔵衆訳証評詳請講謝賃質輸遅郷録閲陥隠難頼顔額類駆黒黙拠働",
        "满检险样经济实效总对发关单价值营儿县图团续权岁读卖变收传劳处厅从铁转归气广压征"
        "惠荣泽烧药览观让丰轻边杂显验龄亚恶围为绿两剂劝卷战揭摄齐历步每溪碎粹绘继绪"
        "藏众译证评详请讲谢赁质输迟乡录阅陷隐难赖颜额类驱黑默据动",
        strict=True,
    )
)
_TRAD = (
    "會会 標标 資资 濟济 經经 數数 時时 產产 務务 費费 預预 績绩 項项 財财 門门 級级 義义 滿满 發发 開开 "
    "關关 實实 總总 業业 計计 劃划 達达 準准 蓋盖 運运 營营 護护 環环 態态 續续 響响 應应 設设 備备 購购 "
    "據据 議议 員员 職职 結结 餘余 額额 調调 變变 專专 優优 質质 審审 監监 測测 評评 價价 採采 庫库 構构 "
    "勵励 貿贸 體体 規规 範范 進进 衛卫 區区 縣县 鎮镇 鄉乡 處处 舉举 興兴 農农 戶户 億亿 萬万 個个 "
    "場场 種种 輛辆 執执 報报 覽览 統统 傳传 效效 訊讯 網网 絡络 維维 繫系 機机 構构 權权 屬属 歲岁"
)
_VARIANTS.update({pair[0]: pair[1] for pair in _TRAD.split() if pair[0] != pair[1]})

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_CLASS = r"\u3400-\u9fff"
_LATIN_RE = re.compile(r"[A-Za-z]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


@lru_cache(maxsize=2)
def common_hanzi(level: int = 1) -> frozenset[str]:
    """GB2312 hanzi: level 1 (3,755 most frequent) or levels 1+2 (6,763).

    Built from Python's own codec, so it needs no data file. Correct simplified-Chinese text
    is almost entirely inside GB2312; glyph-ID garbage from a font without a Unicode map is
    spread over all 20,000+ CJK code points, so the share outside it is a cheap garbage signal.
    """
    last = 0xD8 if level == 1 else 0xF8
    chars: list[str] = []
    for b1 in range(0xB0, last):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.append(bytes((b1, b2)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


# ---------------------------------------------------------------------------------------
# Lexicon


@dataclass
class Lexicon:
    """The domain words repairs may snap to, by role.

    Framework names and their printed orders come from ``domain/framework.py``
    (``PRINTED_ORDERS``), header and field words from ``domain/vocab.py``; only the common
    level-3 names are data of their own (``domain/lexicon.txt``).
    """

    sequences: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # printed level1 → level2 orders
    variant_sequences: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)  # from local variants
    level1: list[str] = field(default_factory=list)  # printed level-1 names
    level3: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    field_labels: list[str] = field(default_factory=list)

    @property
    def level2(self) -> list[str]:
        return _unique(n for seqs in self.sequences.values() for seq in seqs for n in seq)

    def level2_under(self, level1: str) -> list[str]:
        """The level-2 names printed under ``level1`` (a printed spelling, see ``printed_level1``)."""
        return _unique(n for seq in self.sequences.get(level1, []) for n in seq)

    def words(self) -> frozenset[str]:
        """Every lexicon word (display forms), for exact-membership checks."""
        return frozenset(self.level1 + self.level2 + self.level3 + self.header + self.field_labels)

    @property
    def keys(self) -> frozenset[str]:
        return _lexicon_keys(id(self), self)


_KEYS_CACHE: dict[int, frozenset[str]] = {}


def _lexicon_keys(ident: int, lex: Lexicon) -> frozenset[str]:
    got = _KEYS_CACHE.get(ident)
    if got is None:
        keys = {match_key(w) for w in lex.words()}
        keys |= {_stem(k) for k in keys if _stem(k) != k}
        got = _KEYS_CACHE[ident] = frozenset(keys)
    return got


def _unique(items: Any) -> list[str]:
    seen: dict[str, None] = {}
    for it in items:
        seen.setdefault(it, None)
    return list(seen)


def add_printed_order(lex: Lexicon, levels: tuple[tuple[str, tuple[str, ...]], ...], *, variant: bool = False) -> None:
    """Add one printed framework order: each level-2 sequence under the level-1 *as printed*.

    Keyed by the printed spelling, not the canonical name, on purpose: the spelling tells
    which order applies (Hubei's 满意度 lists two level-2s, the classic 满意度指标 one), and
    merging them would make the position rule ambiguous where the form is not."""
    for l1, names in levels:
        if l1 not in lex.level1:
            lex.level1.append(l1)
        seqs = lex.sequences.setdefault(l1, [])
        if names and names not in seqs:
            seqs.append(names)
            if variant:
                lex.variant_sequences.add((l1, names))


def parse_lexicon(text: str, source: str = "<lexicon>") -> Lexicon:
    """Parse the lexicon format: ``[level3]`` names one per line (``[header]``/``[field]``
    words and ``[framework NAME]`` lines ``level1: level2, ...`` are accepted for a
    user's own lexicon file; the packaged one takes them from framework.py and vocab.py)."""
    lex = Lexicon()
    section = ""
    variants = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            head = line[1:-1].split()
            section = head[0]
            variants = len(head) > 1 and head[1].endswith("variants")
            if section not in ("framework", "level3", "header", "field"):
                raise ValueError(f"{source}:{lineno}: unknown section [{section}]")
            continue
        if section == "framework":
            if ":" not in line:
                raise ValueError(f"{source}:{lineno}: framework line needs 'level1: level2, ...'")
            l1, _, rest = line.partition(":")
            names = tuple(n.strip() for n in rest.split(",") if n.strip())
            add_printed_order(lex, ((l1.strip(), names),), variant=variants)
        elif section == "level3":
            lex.level3.append(line)
        elif section == "header":
            lex.header.append(line)
        elif section == "field":
            lex.field_labels.append(line)
        else:
            raise ValueError(f"{source}:{lineno}: entry outside a section")
    return lex


def packaged_lexicon_text() -> str:
    return resources.files("jixiao.domain").joinpath("lexicon.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The packaged lexicon — framework.PRINTED_ORDERS, vocab's header and field words and the
    level-3 names of ``jixiao/domain/lexicon.txt`` — or a user's lexicon file at ``path``."""
    if path is None:
        lex = parse_lexicon(packaged_lexicon_text(), "jixiao/domain/lexicon.txt")
        for order in framework.PRINTED_ORDERS:
            add_printed_order(lex, order.levels, variant=order.variant)
        lex.header = _unique([*lex.header, *vocab.lexicon_header_words()])
        lex.field_labels = _unique([*lex.field_labels, *vocab.lexicon_field_words()])
        return lex
    p = Path(path)
    try:
        return parse_lexicon(p.read_text(encoding="utf-8"), str(p))
    except OSError as exc:
        raise ValueError(f"{p}: cannot read lexicon: {exc}") from exc


# ---------------------------------------------------------------------------------------
# Matching keys and distances

_KEY_DROP = re.compile(r"[\s\"'“”‘’*＊:：,，。、;；·•_\-—~`]+")


def match_key(text: str) -> str:
    """The form two names are compared in: NFKC, no spaces, quotes, colons or asterisks."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text))


def _stem(key: str) -> str:
    """``经济效益指标`` → ``经济效益``: forms often drop the 指标 suffix."""
    return key[:-2] if key.endswith("指标") and len(key) > 3 else key


def ocr_distance(observed: str, target: str) -> int:
    """Edit distance where one target character read as TWO observed characters costs 1.

    OCR of Chinese often splits a left-right character into its parts (级 → 隻及, 职 → 耳识,
    设 → 讧分); plain Levenshtein charges 2 for that and would put the right word out of reach.
    """
    n, m = len(observed), len(target)
    prev2: list[int] | None = None
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        oc = observed[i - 1]
        for j in range(1, m + 1):
            cost = 0 if oc == target[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and cost and _is_cjk(oc) and _is_cjk(observed[i - 2]):
                v = min(v, prev2[j - 1] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[m]


def _limit(length: int, strict: bool) -> int:
    """How many OCR edits a word of this length may carry and still be recognised."""
    if strict:  # level-3 names are free text: only long names, one or two edits
        return 0 if length < 5 else 1 if length <= 8 else 2
    return 0 if length <= 2 else 1 if length <= 6 else 2 if length <= 10 else 3


@dataclass
class Snap:
    word: str
    distance: int
    rule: str


def _candidates(words: list[str]) -> dict[str, str]:
    """Matching key → display form, with 指标-less stems of framework names."""
    out: dict[str, str] = {}
    for w in words:
        k = match_key(w)
        out.setdefault(k, w)
        st = _stem(k)
        if st != k:
            out.setdefault(st, w[:-2] if w.endswith("指标") else st)
    return out


def _strip_annotation(key: str) -> str:
    """``数量指标(必填硬性指标)`` → ``数量指标``: annotations in brackets are not the name."""
    return re.sub(r"\([^()]*\)$", "", key)


def snap_to_lexicon(
    text: str, words: list[str], *, strict: bool = False, margin: int = 1, partial: bool = False,
    score: float | None = None, partial_substitutions: bool = True,
) -> Snap | None:
    """The lexicon word ``text`` is an OCR misreading of, or None.

    A snap needs: ``text`` is not already a word; the best word is within the length-relative
    limit; no other word is as close (``margin``). ``strict`` (level-3 names) additionally wants
    evidence that the text is damaged: a split character, a rare character, or a low OCR score.
    ``partial`` allows, for small candidate sets (the level-2 names under one level-1), a match
    by common subsequence when characters were lost (``卖影响 标`` → ``可持续影响指标``).
    """
    key = match_key(text)
    if not key:
        return None
    cands = _candidates(words)
    if key in cands or _strip_annotation(key) in cands:
        return None
    keys = list(cands)
    max_lim = max(_limit(len(k), strict) for k in keys) if keys else 0
    pre = process.extract(key, keys, scorer=Levenshtein.distance, score_cutoff=max_lim + 2, limit=12)
    scored: dict[str, tuple[int, int, str]] = {}  # canonical word → (ocr distance, Levenshtein, form)
    for k, lev, _idx in pre:
        d = ocr_distance(key, k)
        word = cands[k]
        canon = _full_name(word, words)
        if canon not in scored or (d, lev) < scored[canon][:2]:
            scored[canon] = (d, int(lev), word)
    ranked = sorted(scored.values(), key=lambda t: (t[0], t[1]))
    if ranked:
        d, lev, word = ranked[0]
        clear = len(ranked) == 1 or ranked[1][0] - d >= margin or (
            margin == 1 and ranked[1][0] == d and ranked[1][1] > lev
        )
        if d <= _limit(len(match_key(word)), strict) and clear:
            if not strict or _looks_damaged(key, match_key(word), score):
                return Snap(word, d, "lexicon_snap")
    if partial:
        return _partial_snap(key, cands, words, substitutions=partial_substitutions)
    return None


def _full_name(form: str, words: list[str]) -> str:
    for w in words:
        if w == form or (w.endswith("指标") and w[:-2] == form):
            return w
    return form


def _looks_damaged(key: str, word_key: str, score: float | None) -> bool:
    """Evidence that a level-3 text is a misreading rather than a different real name."""
    if score is not None and score < 0.9:
        return True
    if len(key) != len(word_key):  # a split or dropped/duplicated character
        return True
    common = common_hanzi(1)
    return any(a != b and _is_cjk(a) and a not in common for a, b in zip(key, word_key))


def _partial_snap(key: str, cands: dict[str, str], words: list[str], *, substitutions: bool = True) -> Snap | None:
    """Best word by common subsequence, then by OCR distance; needs a clear gap to the next.

    Without ``substitutions`` every character of ``key`` must appear, in order, in the word.
    """
    best: dict[str, tuple[int, int, str]] = {}  # canonical word → (lcs, distance, form)
    for k, form in cands.items():
        entry = (int(LCSseq.similarity(key, k)), ocr_distance(key, k), form)
        canon = _full_name(form, words)
        if canon not in best or (entry[0], -entry[1]) > (best[canon][0], -best[canon][1]):
            best[canon] = entry
    ranked = sorted(best.values(), key=lambda t: (-t[0], t[1]))
    if not ranked:
        return None
    lcs, dist, form = ranked[0]
    fk = match_key(form)
    if not (lcs >= 2 and lcs >= 0.6 * len(key) and lcs >= 0.4 * len(fk) and len(key) <= len(fk) + 1):
        return None
    if not substitutions and lcs < len(key):
        return None
    if len(ranked) > 1:
        r_lcs, r_dist, _ = ranked[1]
        if not (lcs - r_lcs >= 2 or (lcs == r_lcs and r_dist - dist >= 2) or (lcs - r_lcs == 1 and r_dist > dist)):
            return None
    return Snap(form, dist, "lexicon_partial")


# ---------------------------------------------------------------------------------------
# Character-level rules (every role)


def _apply(rule: str, before: str, after: str, repairs: list[Repair]) -> str:
    if after != before:
        repairs.append(Repair(rule=rule, original=before, repaired=after))
    return after


def fix_lookalikes(text: str, role: Role, repairs: list[Repair]) -> str:
    """Look-alike operators, variant/traditional hanzi, compatibility ideographs, full-width ASCII."""
    s = _apply("lookalike_operator", text, "".join(_OPERATOR_LOOKALIKES.get(c, c) for c in text), repairs)
    s = _apply("variant_char", s, "".join(_VARIANTS.get(c, c) for c in s), repairs)
    compat = fold_radicals("".join(unicodedata.normalize("NFKC", c) if 0xF900 <= ord(c) <= 0xFAFF else c for c in s))
    s = _apply("compat_char", s, compat, repairs)
    if role == "value":
        fw = "".join(unicodedata.normalize("NFKC", c) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)
        fw = fw.replace(">=", "≥").replace("<=", "≤")
    else:  # names keep full-width brackets and colons (Chinese style); digits/letters go ASCII
        fw = "".join(chr(ord(c) - 0xFEE0) if ("０" <= c <= "９" or "Ａ" <= c <= "ｚ") else c for c in s)
    return _apply("fullwidth", s, fw, repairs)


_DIGIT_LOOKALIKE = re.compile(r"(?<=\d)[OoIl](?=\d)|(?<=\d)[Oo](?=\s*%)")


def fix_value(text: str, repairs: list[Repair]) -> str:
    """Numbers as OCR breaks them: ``757. 3``, ``≥ 95 %``, ``1O0%``."""
    s = _apply("digit_lookalike", text, _DIGIT_LOOKALIKE.sub(lambda m: "0" if m.group() in "Oo" else "1", text), repairs)
    # a small ≤ read as the letters "VI" (seen in re-read operator cells) before a number
    s = _apply("operator_lookalike", s, re.sub(r"^(\s*)VI(?=\s*\d)", r"\1≤", s), repairs)
    s2, rep = repair_number_spaces(s)
    if rep is not None:
        repairs.append(rep)
    return s2


def squash_spaces(text: str, repairs: list[Repair]) -> str:
    """Spaces inside a Chinese name are line/cell layout, not content (``经济效益 指标``)."""
    s = re.sub(rf"(?<=[{_CJK_CLASS}（）()])\s+(?=[{_CJK_CLASS}（）()])", "", text.strip())
    s = _apply("cjk_spaces", text, s, repairs)
    return _apply("trailing_colon", s, re.sub(r"[:：]+$", "", s), repairs)


# ---------------------------------------------------------------------------------------
# Garble detection and the framework position rule


@lru_cache(maxsize=16384)
def looks_garbled(text: str) -> bool:
    """Whether a name cell is noise (rotated text read sideways, ruling residue) — remembered:
    a pure function of the text.

    Signals, each generic: Latin letters mixed into a Chinese name, slashes/pipes, several
    single characters separated by spaces, mostly uncommon hanzi, or no hanzi at all.
    """
    s = text.strip()
    if not s:
        return False
    cjk = [c for c in s if _is_cjk(c)]
    if not cjk:
        return True
    if _LATIN_RE.search(s) or re.search(r"[/\\|√□^~#@{}<>]", s):
        return True
    tokens = s.split()
    if len(tokens) >= 3 and sum(len(t) == 1 for t in tokens) >= 2:
        return True
    common = common_hanzi(1)
    return sum(c not in common for c in cjk) / len(cjk) > 0.5


def _match_in_sequence(name: str | None, seq: tuple[str, ...]) -> int | None:
    if not name:
        return None
    key = match_key(name)
    for i, n in enumerate(seq):
        nk = match_key(n)
        if key in (nk, _stem(nk)) or _strip_annotation(key) in (nk, _stem(nk)):
            return i
    snap = snap_to_lexicon(name, list(seq))
    return seq.index(_full_name(snap.word, list(seq))) if snap else None


def printed_level1(level1: str | None, lex: Lexicon) -> str | None:
    """The lexicon's printed level-1 spelling a (possibly garbled) cell stands for.

    A snap to a spelling, not a canonical name (that is ``framework.canonical_level1``'s
    job): the spelling selects the printed order (see ``add_printed_order``).
    """
    if not level1:
        return None
    key = match_key(level1)
    for l1 in lex.level1:
        if key in (match_key(l1), _stem(match_key(l1))):
            return l1
    snap = snap_to_lexicon(level1, lex.level1)
    return _full_name(snap.word, lex.level1) if snap else None


def _between(prev_l2: str | None, next_l2: str | None, seqs: list[tuple[str, ...]]) -> set[str] | None:
    """Names that sit alone between the neighbours in each sequence holding them (None: no sequence fits)."""
    found: set[str] = set()
    fits = False
    for seq in seqs:
        pi = _match_in_sequence(prev_l2, seq)
        ni = _match_in_sequence(next_l2, seq)
        if (prev_l2 and pi is None) or (next_l2 and ni is None):
            continue
        fits = True
        lo = 0 if pi is None else pi + 1
        hi = len(seq) if ni is None else ni
        if hi - lo == 1:
            found.add(seq[lo])
        elif hi - lo > 1:
            found.add("")  # several names fit: ambiguous in this sequence
    return found if fits else None


def resolve_level2_by_position(
    prev_l2: str | None, next_l2: str | None, level1: str | None, *, lexicon: Lexicon | None = None
) -> str | None:
    """The level-2 name an unreadable cell must hold, given its neighbours under ``level1``.

    In every framework the level-2 names under a level-1 come in a fixed order (产出指标:
    数量 → 质量 → 时效 → 成本). An unreadable cell between 数量指标 and 时效指标 is 质量指标 when
    every framework sequence containing the neighbours agrees on exactly one name there.
    ``None`` for a neighbour means "none" (first or last under its level-1). Returns the name
    in the neighbours' style (with or without 指标), or None when ambiguous.
    """
    lex = lexicon or load_lexicon()
    l1 = printed_level1(level1, lex)
    if l1 is None:
        return None
    seqs = lex.sequences.get(l1, [])
    # Main frameworks first; local variants only when no main sequence fits the neighbours.
    main = [s for s in seqs if (l1, s) not in lex.variant_sequences]
    found = _between(prev_l2, next_l2, main)
    if found is None:
        found = _between(prev_l2, next_l2, seqs)
    if not found or "" in found or len({_stem(match_key(n)) for n in found}) != 1:
        return None
    name = max(found, key=len)  # 服务对象满意度 and 服务对象满意度指标 are one name
    neighbours = [n for n in (prev_l2, next_l2) if n]
    if neighbours and name.endswith("指标") and all(not match_key(n).endswith("指标") for n in neighbours):
        return name[:-2]
    return name


# ---------------------------------------------------------------------------------------
# Cell-level API


def _words_for_role(role: Role, context: dict[str, Any], lex: Lexicon) -> tuple[list[str], bool, bool]:
    """(candidate words, strict, partial) for a role."""
    if role == "level1":
        return lex.level1, False, True
    if role == "level2":
        l1 = printed_level1(context.get("level1"), lex)
        if l1 is not None and lex.level2_under(l1):
            return lex.level2_under(l1), False, True
        return lex.level2, False, False
    if role == "level3":
        return lex.level3, True, False
    return lex.header + lex.field_labels, False, False


def repair_text(
    text: str | None, *, role: Role = None, context: dict[str, Any] | None = None, lexicon: Lexicon | None = None
) -> tuple[str, list[Repair]]:
    """Repair one cell's text for its ``role``; returns the text and the repairs made.

    role: ``level1``/``level2``/``level3`` (indicator names), ``header`` (column headers),
    ``field`` (header-field labels), ``value`` (targets and amounts) or None (anything else:
    character-level repairs only, no snapping).
    context: ``level1`` (the row's level-1, constrains level-2 snapping), ``prev_level2`` /
    ``next_level2`` (neighbouring level-2 names, for an unreadable level-2 cell),
    ``prev_header`` / ``next_header`` (the header cells left and right of an unreadable
    header), ``score`` (the OCR score; a low one lets a level-3 name be snapped more readily).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    if not text:
        return text or "", []
    ctx = context or {}
    lex = lexicon or load_lexicon()
    repairs: list[Repair] = []
    s = fix_lookalikes(text, role, repairs)
    if role == "value":
        return fix_value(s, repairs), repairs
    if role not in NAME_ROLES:
        return s, repairs
    s = squash_spaces(s, repairs)
    words, strict, partial = _words_for_role(role, ctx, lex)
    # a partial match may change characters only when the name visibly is damaged (noise,
    # a space where a character was lost, a low OCR score); a short clean name such as
    # 组织类 may only have lost characters (产出 → 产出指标), never swapped them
    score = ctx.get("score")
    damaged = looks_garbled(text) or bool(re.search(r"\s", text.strip())) or (score is not None and score < 0.9)
    snap = snap_to_lexicon(s, words, strict=strict, partial=partial and (damaged or looks_damaged_name(s)),
                           partial_substitutions=damaged, score=score)
    if snap is not None:
        return _apply(snap.rule, s, snap.word, repairs), repairs
    if role == "level2" and looks_garbled(s) and ("prev_level2" in ctx or "next_level2" in ctx):
        name = resolve_level2_by_position(ctx.get("prev_level2"), ctx.get("next_level2"), ctx.get("level1"), lexicon=lex)
        if name is not None:
            return _apply("level2_by_position", s, name, repairs), repairs
    if role == "header" and looks_garbled(s):
        name = _header_by_position(ctx.get("prev_header"), ctx.get("next_header"))
        if name is not None:
            return _apply("header_by_position", s, name, repairs), repairs
    return s, repairs


_HEADER_RUNS = (("一级指标", "二级指标", "三级指标"),)


def _header_by_position(prev: str | None, nxt: str | None) -> str | None:
    """``一级指标 | a | 三级指标``: the unreadable header between two level headers is 二级指标."""
    if not prev or not nxt:
        return None
    pk, nk = match_key(prev), match_key(nxt)
    for run in _HEADER_RUNS:
        keys = [match_key(h) for h in run]
        if pk in keys and nk in keys and keys.index(nk) - keys.index(pk) == 2:
            return run[keys.index(pk) + 1]
    return None


def looks_damaged_name(text: str) -> bool:
    """A name short of characters or carrying noise: worth a partial (subsequence) match."""
    return looks_garbled(text) or bool(re.search(r"\s", text)) or len(match_key(text)) <= 6


def rejoin_cells(left: str, right: str, *, role: Role = None, lexicon: Lexicon | None = None) -> tuple[str, Repair] | None:
    """Rejoin a word that OCR or a text export cut across two cells.

    ``在耳 | 识人员总数`` → ``在职人员总数``; ``产出 | 出指标`` → ``产出指标``; ``时效 | 指标`` →
    ``时效指标``. The join (or the join with a character duplicated at the cut removed) must be
    within the snap limit of a lexicon word, at least as close as either part on its own, and
    at least one part must not be a word by itself: two real names side by side stay apart.
    Returns the joined word and its repair, or None.
    """
    lex = lexicon or load_lexicon()
    if role in ("level1", "level2", "level3"):
        words = {"level1": lex.level1, "level2": lex.level2, "level3": lex.level3}[role]
    else:
        words = lex.level1 + lex.level2 + lex.level3 + lex.header + lex.field_labels
    lk, rk = match_key(left), match_key(right)
    if not lk or not rk:
        return None
    cands = _candidates(words)
    joins = [lk + rk]
    for k in range(1, min(len(lk), len(rk)) + 1):  # a character repeated on both sides of the cut
        if lk[-k:] == rk[:k]:
            joins.append(lk + rk[k:])
    best: tuple[int, str] | None = None
    for j in joins:
        if j in cands:
            best = (0, cands[j])
            break
        snap = snap_to_lexicon(j, words, strict=role == "level3")
        if snap is not None and (best is None or snap.distance < best[0]):
            best = (snap.distance, snap.word)
    if best is None:
        return None
    d_join, word = best
    part_d = [_best_distance(p, cands) for p in (lk, rk)]
    if d_join > min(part_d):
        return None
    if lk in cands and rk in cands:
        return None
    joined = f"{left}|{right}"
    return word, Repair(rule="rejoin_cells", original=joined, repaired=word)


def _best_distance(key: str, cands: dict[str, str]) -> int:
    if key in cands:
        return 0
    best = 99
    for k in cands:
        if abs(len(k) - len(key)) <= _limit(len(k), False) + 1:
            d = ocr_distance(key, k)
            if d <= _limit(len(k), False):
                best = min(best, d)
    return best
