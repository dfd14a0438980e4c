"""Property tests (Hypothesis) for issue 15: output naming, text decoding, the value grammar."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from jixiao.domain.values import parse_value
from jixiao.export_names import MAX_STEM_BYTES, RESERVED_NAMES, assign_stems, output_names
from jixiao.ingest.decode import decode_bytes

_segment = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
                   min_size=1, max_size=90)
_rel = st.lists(_segment, min_size=1, max_size=3).map("/".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_rel, min_size=1, max_size=25, unique=True))
def test_names_never_collide_never_escape(rels: list[str]) -> None:
    items = [(Path("/in", r), r) for r in rels]
    naming = assign_stems(items, lambda p: __import__("hashlib").sha256(str(p).encode()).hexdigest())
    names = [n.casefold() for stem in naming.stems.values() for n in output_names(stem)]
    assert len(names) == len(set(names))  # no two outputs share a name (case-insensitive file systems too)
    reserved = {r.casefold() for r in RESERVED_NAMES}
    out = Path("/out")
    for stem in naming.stems.values():
        assert "/" not in stem and "\\" not in stem and "\x00" not in stem and stem[0] not in ".-"
        assert len(stem.encode("utf-8", "surrogateescape")) <= MAX_STEM_BYTES
        for n in output_names(stem):
            assert n.casefold() not in reserved
            assert len(n.encode("utf-8", "surrogateescape")) + 14 <= 255  # with the temp file's affixes
            assert (out / n).parent == out and ".." not in Path(n).parts


@settings(max_examples=50, deadline=None)
@given(st.lists(_rel, min_size=2, max_size=10, unique=True))
def test_naming_is_stable_across_runs(rels: list[str]) -> None:
    items = [(Path("/in", r), r) for r in rels]
    h = lambda p: __import__("hashlib").sha256(str(p).encode()).hexdigest()  # noqa: E731
    assert assign_stems(items, h).stems == assign_stems(list(reversed(items)), h).stems


_cjk_text = st.text(alphabet=st.sampled_from(list("项目名称产出指标数量质量效益满意度年度目标补助人数≥≤=%个元万\t\n0123456789abc ")),
                    min_size=20, max_size=400)


@settings(max_examples=200, deadline=None)
@given(_cjk_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030"]))
def test_decoding_round_trips(text: str, enc: str) -> None:
    if enc in ("utf-16-le", "utf-16-be") and not any(c in text for c in "\t\n0123456789abc "):
        return  # UTF-16 without BOM is told by its zero bytes: all-CJK text has none
    if enc == "gb18030" and text.isascii():
        return  # pure ASCII: the same bytes in UTF-8
    d = decode_bytes(text.encode(enc))
    assert d.text == text and d.replaced == 0, (enc, d.encoding)


@settings(max_examples=200, deadline=None)
@given(_cjk_text.filter(lambda t: sum(ord(c) > 127 for c in t) >= 10), st.data())
def test_one_bad_byte_is_flagged_not_misdecoded(text: str, data) -> None:
    raw = text.encode("utf-8")
    i = data.draw(st.integers(0, len(raw)))
    d = decode_bytes(raw[:i] + b"\xff" + raw[i:])
    assert d.encoding == "utf-8" and 1 <= d.replaced <= 4
    assert d.text.replace("\ufffd", "") in text or len(d.text) >= len(text) - 1


_ops = st.sampled_from(["", "≥", "≤", "=", ">", "<"])
_nums = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
_units = st.sampled_from(["", "%", "人", "个", "万元", "人次", "天"])


@settings(max_examples=300, deadline=None)
@given(_ops, _nums, _units)
def test_value_grammar_reads_op_number_unit(op: str, num, unit: str) -> None:
    text = f"{op}{num.normalize():f}{unit}"
    p = parse_value(text)
    assert p is not None and p.op == (op or None)
    assert p.number is not None and abs(p.number - float(num)) < 1e-6
    assert (p.unit or "") == unit


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_value_grammar_never_raises(text: str) -> None:
    p = parse_value(text)
    assert p is None or p.number is not None or p.text is not None or p.op is not None
