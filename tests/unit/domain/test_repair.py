"""OCR text repairs (jixiao.domain.repair): the confusions of shared/domain.md §6, and what must NOT change."""

from __future__ import annotations

import pytest

from jixiao.domain.repair import (
    INFERRED_RULES,
    common_hanzi,
    load_lexicon,
    looks_garbled,
    ocr_distance,
    parse_lexicon,
    rejoin_cells,
    repair_text,
    resolve_level2_by_position,
)


def rules(repairs):
    return [r.rule for r in repairs]


# ---------------------------------------------------------------------------------------
# Character-level confusions


@pytest.mark.parametrize(
    "raw, fixed",
    [("≧2场", "≥2场"), ("≧100亿元", "≥100亿元"), ("≧80%", "≥80%"), ("≦734.05万元", "≤734.05万元")],
)
def test_lookalike_operators(raw, fixed):
    text, reps = repair_text(raw, role="value")
    assert text == fixed
    assert rules(reps) == ["lookalike_operator"]
    assert reps[0].original == raw and reps[0].repaired == fixed


@pytest.mark.parametrize("raw, fixed", [("757. 3", "757.3"), ("1773. 6", "1773.6"), ("734. 05", "734.05"), ("59. 14", "59.14")])
def test_space_after_decimal_point(raw, fixed):
    text, reps = repair_text(raw, role="value")
    assert text == fixed
    assert rules(reps) == ["number_spaces"]


def test_value_that_is_already_right_is_untouched():
    for v in ("1773.6", "≥95%", "2024年12月31日前", "作用明显", "=100%"):
        assert repair_text(v, role="value") == (v, [])


def test_fullwidth_and_digit_lookalikes_in_values():
    assert repair_text("１００％", role="value")[0] == "100%"
    assert repair_text("＞＝90%", role="value")[0] == "≥90%"
    text, reps = repair_text("≥9O%", role="value")
    assert text == "≥90%" and rules(reps) == ["digit_lookalike"]
    # letters that are units, not digits, stay
    assert repair_text("≥10个", role="value")[0] == "≥10个"
    assert repair_text("PM2.5浓度", role="value")[0] == "PM2.5浓度"


def test_japanese_variant_character():
    for role in ("level1", "level2", "level3", None):
        text, reps = repair_text("満意度指标", role=role, context={"level1": "满意度指标"})
        assert text == "满意度指标"
        assert "variant_char" in rules(reps)
    assert repair_text("企业満意度", role="level3")[0] == "企业满意度"


def test_traditional_transcode_and_compat_ideographs():
    assert repair_text("社會成本指標", role="level3")[0] == "社会成本指标"
    # U+F98E (compatibility 年) and U+2F00 (Kangxi radical 一) come back as unified ideographs
    assert repair_text("\uf98e度指标", role=None)[0] == "年度指标"
    assert repair_text("\u2f00级指标", role="header")[0] == "一级指标"


# ---------------------------------------------------------------------------------------
# Lexicon snapping


def test_character_split_into_two_lookalikes():
    text, reps = repair_text("一隻 及指标", role="header")
    assert text == "一级指标"
    assert rules(reps) == ["cjk_spaces", "lexicon_snap"]


def test_header_missing_a_character():
    assert repair_text("全年指标直", role="header")[0] == "全年指标值"
    # 级指标 is one edit from 一级指标, 二级指标 and 三级指标 alike: no guess
    assert repair_text("级指标", role="header")[0] == "级指标"


def test_words_broken_by_spaces_and_trailing_colon():
    assert repair_text("经济效益 指标", role="level2", context={"level1": "效益指标"})[0] == "经济效益指标"
    assert repair_text("效益指标:", role="level1")[0] == "效益指标"
    assert repair_text("满意度 指标", role="level1")[0] == "满意度指标"


def test_level2_snapped_only_within_its_level1():
    # 数里指标: one OCR error away from 数量指标
    assert repair_text("数里指标", role="level2", context={"level1": "产出指标"})[0] == "数量指标"
    # under 效益指标 数量指标 is not a valid level-2, so nothing is snapped
    assert repair_text("数里指标", role="level2", context={"level1": "效益指标"})[0] == "数里指标"


def test_level2_with_lost_characters_in_a_small_candidate_set():
    text, reps = repair_text("卖影响 标", role="level2", context={"level1": "效益指标"})
    assert text == "可持续影响指标"
    assert rules(reps)[-1] == "lexicon_partial"
    assert repair_text("对象 度指标", role="level2", context={"level1": "满意度指标"})[0] == "服务对象满意度指标"


def test_unrecognisable_level2_resolved_from_its_position():
    ctx = {"level1": "产出指标", "prev_level2": "数量指标", "next_level2": "时效指标"}
    text, reps = repair_text("灰 里 1日 fv", role="level2", context=ctx)
    assert text == "质量指标"
    assert reps[-1].rule in INFERRED_RULES
    assert reps[-1].original.startswith("灰")


def test_stray_character_as_a_header_resolved_from_its_neighbours():
    text, reps = repair_text("a", role="header", context={"prev_header": "一级指标", "next_header": "三级指标"})
    assert text == "二级指标" and reps[-1].rule in INFERRED_RULES
    # no neighbours, or neighbours that do not pin it down: left alone
    assert repair_text("a", role="header")[0] == "a"
    assert repair_text("a", role="header", context={"prev_header": "三级指标", "next_header": "指标值"})[0] == "a"


def test_resolve_level2_by_position():
    assert resolve_level2_by_position("数量指标", "时效指标", "产出指标") == "质量指标"
    assert resolve_level2_by_position("时效指标", None, "产出指标") == "成本指标"
    assert resolve_level2_by_position(None, "质量指标", "产出指标") == "数量指标"
    # the only level-2 under 满意度指标
    assert resolve_level2_by_position(None, None, "满意度指标") == "服务对象满意度指标"
    # neighbours written without 指标 → answer in the same style
    assert resolve_level2_by_position("数量", "时效", "产出") == "质量"
    # level-1 itself garbled by a look-alike
    assert resolve_level2_by_position("经济效益指标", "生态效益指标", "效益指标:") == "社会效益指标"


def test_resolve_level2_refuses_when_ambiguous():
    assert resolve_level2_by_position("数量指标", "成本指标", "产出指标") is None  # 质量 or 时效
    assert resolve_level2_by_position("数量指标", "时效指标", "不存在的指标") is None
    assert resolve_level2_by_position("数量指标", "经济效益指标", "产出指标") is None


def test_garbled_level2_without_neighbours_is_left_alone():
    # no context to resolve from: the garbage stays (and is detectable) rather than a guess
    text, reps = repair_text("灰 里 1日 fv", role="level2", context={"level1": "产出指标"})
    assert looks_garbled(text)
    assert not any(r.rule in INFERRED_RULES for r in reps)


# ---------------------------------------------------------------------------------------
# Words broken across two cells


@pytest.mark.parametrize(
    "left, right, joined",
    [
        ("在耳", "识人员总数", "在职人员总数"),  # 职 split into 耳 + 识 across the cut
        ("内讧", "分职能部门", "内设职能部门"),  # 设 misread and split
        ("所加", "属部门领域", "所属部门领域"),  # stray character at the cut
        ("产出", "出指标", "产出指标"),  # character repeated on both sides
        ("时效", "指标", "时效指标"),
    ],
)
def test_rejoin_cells(left, right, joined):
    got = rejoin_cells(left, right)
    assert got is not None
    word, rep = got
    assert word == joined
    assert rep.rule == "rejoin_cells" and rep.original == f"{left}|{right}"


@pytest.mark.parametrize(
    "left, right",
    [("数量指标", "质量指标"), ("产出指标", "数量指标"), ("一级指标", "二级指标"), ("项目名称", "招商引资"), ("决策", "项目立项")],
)
def test_two_real_cells_are_not_joined(left, right):
    assert rejoin_cells(left, right) is None


# ---------------------------------------------------------------------------------------
# Negative cases: correct text must survive


@pytest.mark.parametrize(
    "text",
    ["资金到位率", "培训出勤率", "会议出勤率", "验收合格率", "完成及时率", "完成及时性", "社会公众满意度", "项目完成及时率"],
)
def test_correct_level3_names_are_not_snapped(text):
    assert repair_text(text, role="level3") == (text, [])


def test_level3_near_a_lexicon_word_is_kept():
    # one common character away from 资金到位率 — a different, plausible indicator
    assert repair_text("资金到账率", role="level3")[0] == "资金到账率"
    assert repair_text("预算执行率", role="level3")[0] == "预算执行率"
    # ... unless the OCR itself was unsure of the text
    assert repair_text("资金到位律", role="level3", context={"score": 0.7})[0] == "资金到位率"
    assert repair_text("资金到位律", role="level3", context={"score": 0.99})[0] == "资金到位律"


@pytest.mark.parametrize(
    "text, role, ctx",
    [
        ("质量指标", "level2", {"level1": "产出指标"}),
        ("数量指标", "level2", None),
        ("社会效益", "level2", {"level1": "效益指标"}),
        ("经济效益指标（选填）", "level2", {"level1": "效益指标"}),
        ("数量指标（必填硬性指标）", "level2", {"level1": "产出指标"}),
        ("服务质量", "level2", {"level1": "产出指标"}),  # free local level-2: not ours to rename
        ("核心业务产出1", "level2", {"level1": "履职效能"}),
        ("效果指标", "level1", None),
        ("决策", "level1", None),
        ("目标值", "header", None),
        ("指标值", "header", None),
        ("半年指标值", "header", None),
    ],
)
def test_valid_names_are_untouched(text, role, ctx):
    assert repair_text(text, role=role, context=ctx) == (text, [])


def test_role_none_does_not_snap():
    assert repair_text("数里指标")[0] == "数里指标"
    assert repair_text("一隻及指标")[0] == "一隻及指标"


def test_unknown_role_is_an_error():
    with pytest.raises(ValueError, match="unknown role"):
        repair_text("x", role="level4")


def test_looks_garbled():
    for g in ("灰 里 1日 fv", "州尼/又7日7小", "1州心/文1日仰", "Hh I 1√□", "+", "a"):
        assert looks_garbled(g), g
    for ok in ("质量指标", "核心业务产出1", "社会、经济、生态效益 指标", "满意度"):
        assert not looks_garbled(ok), ok


# ---------------------------------------------------------------------------------------
# Building blocks


def test_ocr_distance_counts_a_split_character_once():
    assert ocr_distance("一隻及指标", "一级指标") == 1
    assert ocr_distance("在耳识人员总数", "在职人员总数") == 1
    assert ocr_distance("数量指标", "质量指标") == 1
    assert ocr_distance("abc", "abc") == 0
    assert ocr_distance("", "指标") == 2


def test_common_hanzi_tables():
    assert len(common_hanzi(1)) == 3755
    assert len(common_hanzi(2)) == 6763
    assert "指" in common_hanzi(1) and "隻" not in common_hanzi(2)


def test_packaged_lexicon_has_the_frameworks():
    lex = load_lexicon()
    assert lex.sequences["产出指标"][0] == ("数量指标", "质量指标", "时效指标", "成本指标")
    assert "服务对象满意度指标" in lex.level2_under("满意度指标")
    assert {"一级指标", "二级指标", "三级指标", "指标值"} <= set(lex.header)
    assert "在职人员总数" in lex.field_labels
    assert len(lex.level3) > 50


def test_lexicon_parse_errors_name_the_source():
    with pytest.raises(ValueError, match="my.txt:1: unknown section"):
        parse_lexicon("[bogus]\n", "my.txt")
    with pytest.raises(ValueError, match="my.txt:2"):
        parse_lexicon("[framework x]\nno colon here\n", "my.txt")
    lex = parse_lexicon("# c\n[framework t]\n甲: 乙, 丙\n[header]\n表头\n", "t")
    assert lex.sequences == {"甲": [("乙", "丙")]} and lex.header == ["表头"]


def test_a_short_clean_level2_is_not_swapped_for_a_framework_name() -> None:
    """组织类 is a real (local) level2, read cleanly: sharing 组织 with 组织实施 is no reason to
    replace it. A visibly damaged name (a space where characters were lost) still snaps."""
    assert repair_text("组织类", role="level2", context={"level1": "过程"}) == ("组织类", [])
    assert repair_text("卖影响 标", role="level2", context={"level1": "效益指标"})[0] == "可持续影响指标"
    # the same short name read with a low OCR score is treated as damaged
    assert repair_text("组织类", role="level2", context={"level1": "过程", "score": 0.6})[0] == "组织实施"


def test_a_small_le_read_as_letters_vi() -> None:
    from jixiao.domain import vocab

    assert repair_text("VI0.8万元/场", role="value")[0] == "≤0.8万元/场"
    assert repair_text("VIP会员", role="value")[0] == "VIP会员"  # letters before no number stay
    assert vocab.operator_in_cell("VI") == "≤"
