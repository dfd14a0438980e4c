"""Value grammar: the parses the scorer, the extractor and the reconciler all rely on."""

from __future__ import annotations

import pytest

from jixiao.domain.values import fold, normalize_value_text, parse_amount, parse_value, values_equal


@pytest.mark.parametrize(
    ("text", "op", "number", "unit", "qual"),
    [
        ("≥95%", "≥", 95.0, "%", None),
        ("≧80%", "≥", 80.0, "%", None),  # OCR look-alike of ≥
        ("=100%", "=", 100.0, "%", None),
        ("≤1个", "≤", 1.0, "个", None),
        ("12月31日前", None, None, None, "12月31日前"),
        ("2024年12月31日前", None, None, None, "2024年12月31日前"),
        ("健全", None, None, None, "健全"),
        ("757. 3", None, 757.3, None, None),  # OCR space after the decimal point
        ("≦734.05万元", "≤", 734.05, "万元", None),
        (">95%", ">", 95.0, "%", None),
        ("=1次/月", "=", 1.0, "次/月", None),
        ("70%", None, 70.0, "%", None),
        ("＞＝90％", "≥", 90.0, "%", None),  # full-width
        ("不低于90%", "≥", 90.0, "%", None),
        ("=63人(件/套)", "=", 63.0, "人(件/套)", None),
    ],
)
def test_parse_value(text, op, number, unit, qual):
    repaired, _ = normalize_value_text(text)
    p = parse_value(repaired)
    assert p is not None
    assert (p.op, p.number, p.unit, p.text) == (op, number, unit, qual)


def test_normalize_records_repairs():
    text, repairs = normalize_value_text("≧ 80%")
    assert text == "≥80%"
    assert {r.rule for r in repairs} == {"lookalike_operator", "number_spaces"}
    assert normalize_value_text("≥95%") == ("≥95%", [])


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3,309,840.00元", "万元", 330.984),
        ("410.99", "万元", 410.99),
        ("50万元", "万元", 50.0),
        ("1.2亿元", "万元", 12000.0),
        ("18.94%", "万元", 18.94),
        ("　8167.74", "万元", 8167.74),
        ("757. 3", "万元", 757.3),
        ("12000", "元", 1.2),
        ("", "万元", None),
        ("——", "万元", None),
        ("主要用于组织实施", "万元", None),
    ],
)
def test_parse_amount(text, unit, expected):
    value, _ = parse_amount(text, unit)
    assert value == pytest.approx(expected) if expected is not None else value is None


def test_values_equal_follows_the_spec():
    assert values_equal("≧80%", "≥80%")
    assert values_equal("≥80.0%", "≥80%")
    assert not values_equal("≥80%", "≤80%")
    assert not values_equal("≥80%", "≥80个")
    assert values_equal("健 全", "健全")
    assert not values_equal("健全", "完善")
    assert fold("（２０２４年）") == "(2024年)"
