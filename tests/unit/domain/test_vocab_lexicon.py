"""The header and field words OCR repair snaps to have one home (issue 10): vocab's tables.

``domain/lexicon.txt`` holds only level-3 names; its header and field words are the printed
spellings of ``domain/vocab.py``'s tables, and each printed spelling is read by vocab as what
its table says it is (a printed level-1 header is a level-1 header), so a word added to the
snap targets is a word the extractor knows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.domain import vocab
from jixiao.domain.repair import load_lexicon, parse_lexicon, repair_text

DOMAIN = Path(vocab.__file__).resolve().parent


def _every_spelling() -> set[str]:
    sps = [sp for _r, sp in vocab.ROLE_SPELLINGS]
    for table in (vocab.HEADER_SPELLINGS, vocab.GOAL_SPELLINGS, vocab.BUDGET_FUND_SPELLINGS):
        sps += list(table.values())
    sps += [vocab.UNEXTRACTED_SPELLINGS, vocab.BUDGET_SECTION_SPELLINGS, vocab.BASIS_SPELLINGS]
    words = {w for sp in sps for w in sp.all}
    return words | set(vocab.LEAD_LABELS) | set(vocab.BUDGET_HEADINGS) | set(vocab.DESCRIPTIVE_LABELS)


def test_the_packaged_lexicon_takes_its_header_and_field_words_from_vocab() -> None:
    lex = load_lexicon()
    assert lex.header == vocab.lexicon_header_words()
    assert lex.field_labels == vocab.lexicon_field_words()


def test_no_data_file_of_the_domain_lists_vocab_words_again() -> None:
    """A line of a data file that is a vocab spelling is the word written a second time."""
    spellings = _every_spelling()
    copies = [
        f"{p.name}:{i}: {line.strip()}"
        for p in sorted(DOMAIN.glob("*.txt"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() in spellings
    ]
    assert copies == []


def test_the_packaged_lexicon_text_has_only_level3_names() -> None:
    from jixiao.domain.repair import packaged_lexicon_text

    lex = parse_lexicon(packaged_lexicon_text(), "lexicon.txt")
    assert lex.header == [] and lex.field_labels == [] and lex.sequences == {}
    assert len(lex.level3) > 50


@pytest.mark.parametrize("role, sp", vocab.ROLE_SPELLINGS, ids=[r for r, _ in vocab.ROLE_SPELLINGS])
def test_each_spelling_of_a_role_names_that_role(role: str, sp: vocab.Spellings) -> None:
    for w in sp.all:
        assert vocab.header_role(w) == role, w


def test_each_printed_field_goal_and_fund_label_is_read_as_its_table_says() -> None:
    for field, sp in vocab.HEADER_SPELLINGS.items():
        assert all(vocab.header_field(w) == field for w in sp.all), field
    for goal, sp in vocab.GOAL_SPELLINGS.items():
        assert all(vocab.goal_field(w) == goal for w in sp.all), goal
    for canon, sp in vocab.BUDGET_FUND_SPELLINGS.items():
        assert all(vocab.budget_fund(w) == canon for w in sp.all), canon


def test_the_tables_without_a_lookup_are_read_by_vocab_regexes() -> None:
    assert all(vocab.header_role(w) == "lead" for w in vocab.LEAD_LABELS)
    assert all(vocab.is_descriptive_label(w) for w in vocab.DESCRIPTIVE_LABELS)
    assert all(vocab.is_unextracted_label(w) for w in vocab.UNEXTRACTED_SPELLINGS.printed)
    for w in vocab.BUDGET_HEADINGS:
        assert vocab.is_budget_column(w) or vocab.BUDGET_ITEM_HINT_RE.search(w), w
        assert vocab.budget_fund(w) is None, f"{w} names a fund: it belongs in BUDGET_FUND_SPELLINGS"


def test_only_printed_spellings_are_snap_targets() -> None:
    """Short accepted spellings (一级, 单位, 符号) would pull unrelated text onto them."""
    words = load_lexicon().words()
    printed = set(vocab.lexicon_header_words()) | set(vocab.lexicon_field_words())
    also_only = {w for _r, sp in vocab.ROLE_SPELLINGS for w in sp.also} - printed
    assert {"一级", "单位", "符号"} <= also_only
    assert not (also_only & words)


def test_a_damaged_printed_header_is_snapped_to_its_vocab_spelling() -> None:
    assert repair_text("计算符亏", role="header")[0] == "计算符号"
    assert repair_text("在职人贝总数", role="field")[0] == "在职人员总数"
