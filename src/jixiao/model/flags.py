"""Every flag code any stage can raise, with its severity, meaning, stage and whether it is "unsettled".

One table so that the README, the XLSX flags sheet and the tests read the same list, and
so that a check cannot invent a code without saying what it means (tests/unit/model/test_flags.py
scans the source for every code raised and fails on an unregistered one). Severity rule:
``error`` = probably wrong; ``warning`` = may be wrong, look at it; ``info`` = something
was inferred or repaired, no action expected. A clean digital form raises nothing above
info.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.model.output import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


# Codes that report the *document* contradicting itself (a printed total that is not the sum
# of its printed parts, 亿美元 under a 万美元 name) rather than a reading that looks broken.
# The field is then usually read right, so these lower confidence less (see confidence.py).
DOCUMENT_CHECKS = frozenset({
    "percent_out_of_range", "satisfaction_target_degenerate", "satisfaction_target_low",
    "unit_conflicts_with_name", "date_outside_budget_year", "operator_direction_suspicious",
    "budget_sum_mismatch", "budget_total_row_mismatch", "budget_share_sum_mismatch", "budget_share_mismatch",
    "budget_expense_income_mismatch", "budget_rate_mismatch", "budget_plan_inconsistent", "year_mismatch_title",
})


@dataclass(frozen=True)
class FlagCode:
    code: str
    severity: Severity
    check: str  # framework | value | rows | budget | header | grounding | agreement | confidence | source | form | llm | coverage | review
    meaning: str
    stage: str = "reconcile"  # the package that raises it: ingest | ocr | extract | extract.llm | pipeline | reconcile | serve
    unsettled: bool = False  # the rules path could not settle the row/region: --llm fallback re-reads it


_CODES: tuple[FlagCode, ...] = (
    # -- framework (field level1 / level2 / level3)
    FlagCode("level1_restored_from_framework", I, "framework",
             "level1 was empty or filled down inconsistently with its level2; set from the framework"),
    FlagCode("level2_moved_from_level1", I, "framework",
             "the level1 cell held a level2 name (merged L1 cell lost); moved to level2"),
    FlagCode("level1_unknown", W, "framework", "level1 is no framework's L1 (garbled or unusual)"),
    FlagCode("level1_fuzzy", W, "framework", "level1 is close to a framework L1 but not equal; suggestion in evidence"),
    FlagCode("level2_unknown", W, "framework", "level2 is not an L2 of its (closed) level1 in any framework"),
    FlagCode("level2_local_variant", I, "framework",
             "level2 not in the frameworks but shares its first two characters with an L2 of its level1"),
    FlagCode("level3_doubtful_alignment", W, "framework",
             "the row's level2 is no framework name: text may have bled between the L2 and L3 cells"),
    FlagCode("level1_suffix_inconsistent", W, "framework",
             "level1 lacks the suffix 指标 the form writes on its other L1s (characters lost?)"),
    FlagCode("level2_fuzzy", W, "framework", "level2 is close to a framework L2 but not equal; suggestion in evidence"),
    FlagCode("level_mismatch", W, "framework",
             "level1 and level2 belong to different framework branches and cannot be fixed unambiguously"),
    FlagCode("level1_missing", W, "framework", "level1 empty while the form has level1s, framework ambiguous"),
    FlagCode("level2_missing", W, "framework", "level2 empty while the form has level2s"),
    FlagCode("placeholder_indicator", W, "framework", "level3 is a template placeholder (……, 指标2)"),
    FlagCode("level3_is_framework_name", W, "framework",
             "level3 is an L1/L2 name and the row has no value: probably a bare framework row"),
    # -- value grammar (field half_year / target)
    FlagCode("target_missing", W, "value", "an indicator row with no full-year value"),
    FlagCode("value_unparsed", I, "value", "value is free text: no number, known qualitative word or date"),
    FlagCode("value_placeholder", W, "value", "value is a template placeholder (≥**, ……)"),
    FlagCode("value_garbled", W, "value", "value holds characters that do not belong in a value (OCR garbage)"),
    FlagCode("value_column_bleed", W, "value",
             "value carries a neighbouring column's text (计划标准, 工作经验) or is written twice"),
    FlagCode("half_year_exceeds_target", W, "value",
             "half-year value above the full-year value (counts, money, rates to reach); on both fields"),
    FlagCode("progress_value_in_target", W, "value",
             "序时进度 as the full-year value while the half-year holds a value: columns swapped?"),
    FlagCode("percent_out_of_range", W, "value", "a rate outside 0–100% (growth/change/completion names exempt)"),
    FlagCode("satisfaction_target_degenerate", W, "value", "full-year satisfaction target of ≥0% (or 0)"),
    FlagCode("satisfaction_half_year_placeholder", I, "value",
             "half-year satisfaction value ≥0%: the known dummy for an end-of-year indicator"),
    FlagCode("satisfaction_target_low", W, "value", "satisfaction target under 50%"),
    FlagCode("unit_conflicts_with_name", W, "value",
             "value's money/area unit contradicts the unit in the indicator name or 计量单位 column"),
    FlagCode("date_outside_budget_year", W, "value", "a deadline in a year before the budget year"),
    FlagCode("date_after_budget_year", I, "value", "a deadline after the budget year (multi-year project?)"),
    FlagCode("date_invalid", E, "value", "a date with month > 12 or day > 31"),
    FlagCode("operator_direction_suspicious", W, "value",
             "≤/< on an indicator that should be reached or exceeded (满意度, 合格率, 完成率 …)"),
    # -- budget arithmetic (BudgetLine field amount; form fields budget.total / budget.fiscal)
    FlagCode("budget_sum_mismatch", W, "budget", "a total differs from the sum of its parts by more than 0.01 万元"),
    FlagCode("budget_total_row_mismatch", W, "budget", "a 合计 row differs from the items above it"),
    FlagCode("budget_share_sum_mismatch", W, "budget", "占比 column does not sum to 100%"),
    FlagCode("budget_share_mismatch", W, "budget", "an item's 占比 differs from its amount ÷ total"),
    FlagCode("budget_expense_income_mismatch", W, "budget", "expenses total differs from the income total"),
    FlagCode("budget_rate_mismatch", W, "budget", "执行率 differs from 实际支出数 ÷ 调整数 (or 批复数)"),
    FlagCode("budget_plan_inconsistent", W, "budget",
             "资金支出计划 percentages neither cumulative to ≤100% nor summing to 100%"),
    FlagCode("budget_negative_amount", W, "budget", "a negative amount"),
    FlagCode("budget_unit_doubtful", W, "budget",
             "an amount read as 万元 (no unit printed with it) of 10亿元 or more: probably printed in 元 "
             "under a unit heading that was lost (budget.lines, budget.total, budget.fiscal)"),
    FlagCode("budget_expense_lines_missing", W, "budget", "a 收入 block without any 支出 line (field budget.lines)"),
    FlagCode("budget_block_missing", W, "budget",
             "the form has no budget line at all (every form of the genre has a funding block)"),
    FlagCode("budget_total_not_in_lines", W, "budget",
             "budget.total is none of the line amounts: the total or the lines are wrong (budget.total, budget.lines)"),
    FlagCode("budget_lines_incomplete", W, "budget",
             "a total exceeds the sum of its printed parts: a part line may be missing (field budget.lines)"),
    FlagCode("budget_total_mismatch", W, "budget", "budget.total differs from the form's total line"),
    FlagCode("budget_total_missing", W, "budget", "budget.total empty while the form prints a total line"),
    FlagCode("budget_fiscal_mismatch", W, "budget", "budget.fiscal differs from the form's fiscal line(s)"),
    FlagCode("budget_fiscal_missing", W, "budget", "budget.fiscal empty while the form prints a fiscal line"),
    FlagCode("budget_fiscal_exceeds_total", E, "budget", "budget.fiscal greater than budget.total"),
    # -- header
    FlagCode("project_name_missing", W, "header", "a project form without a project_name"),
    FlagCode("name_has_code", W, "header", "unit_name/competent_dept carries a department code ([137]…)"),
    FlagCode("unit_name_missing", W, "header", "a department form without a unit_name"),
    FlagCode("year_implausible", E, "header", "year outside 2000–2100"),
    FlagCode("year_mismatch_title", W, "header", "year differs from the year printed in the title"),
    # -- grounding and text quality (any field)
    FlagCode("value_ungrounded", W, "grounding", "no support for the value found in the source"),
    FlagCode("ocr_low_score", W, "grounding", "the OCR engine's score for the value is below 0.8"),
    FlagCode("text_garbled", W, "grounding",
             "characters typical of OCR garbage (kana, check boxes, stray letters, a character 3× in a row)"),
    FlagCode("text_truncated", W, "grounding", "text ends in a comma, colon or open bracket: cut off at a cell edge?"),
    FlagCode("vocab_near_miss", W, "grounding",
             "category/basis close to, but not equal to, a term of its closed vocabulary (绩效基本 for 绩效基本型)"),
    # -- rows of one table
    FlagCode("column_value_missing", W, "rows", "a column filled on ≥75% of the table's rows is empty on this one"),
    FlagCode("level3_merged", W, "rows", "level3 holds another row's level3 too, or one name twice: rows joined?"),
    FlagCode("value_pattern_break", W, "rows",
             "a numeric target lacks the operator (or unit) that ≥75% of the table's numeric targets carry"),
    FlagCode("framework_level1_absent", W, "rows",
             "the table follows a framework but one of its L1s has no row (field indicators: rows lost?)"),
    # -- agreement with alternative readings
    FlagCode("alternative_disagrees", W, "agreement", "another reading of the same input gives a different value"),
    FlagCode("alternative_has_value", W, "agreement", "this field is empty but another reading has a value"),
    FlagCode("alternative_extra_indicator", W, "agreement",
             "another reading has an indicator this one lacks (a row may be missing)"),
    FlagCode("alternative_missing_indicator", I, "agreement", "another reading lacks this indicator"),
    FlagCode("alternative_form_unpaired", I, "agreement", "no form of another reading pairs with this form"),
    # -- confidence
    FlagCode("low_confidence", W, "confidence", "confidence below 0.5 with no other warning on the field"),
    # -- raised before reconcile: reading the source (ingest, OCR, pipeline)
    FlagCode("pdf_repaired", W, "source", "the PDF was damaged; the reader repaired it (text may be incomplete)",
             stage="ingest"),
    FlagCode("table_detection_failed", W, "source", "the PDF table finder failed on a page; its text is read as lines",
             stage="ingest"),
    FlagCode("overprinted_text", W, "source",
             "a PDF text block is painted over other text (a cell's overflowing paragraph); it was kept out of "
             "the cells it covers and its text is in the evidence", stage="ingest"),
    FlagCode("xlsx_formula_without_value", W, "source",
             "an XLSX cell holds a formula with no cached value (the file was never recalculated)", stage="ingest"),
    FlagCode("html_charset_mismatch", I, "source",
             "an HTML page's bytes contradict its declared charset (a re-encoded page under a stale <meta>); "
             "read with the encoding the bytes are valid in", stage="ingest"),
    FlagCode("text_undecodable_bytes", W, "source",
             "bytes of a text export are not valid in its encoding; shown as U+FFFD, never re-guessed",
             stage="ingest"),
    FlagCode("page_over_budget", E, "source",
             "a page is larger than the page budget (--limit page_area); it is skipped, the rest is kept",
             stage="ingest"),
    FlagCode("ocr_empty_page", W, "source", "OCR found no text on a page that needed it", stage="ocr"),
    FlagCode("ocr_unavailable", E, "source", "pages need OCR but the [ocr] extra is not installed", stage="pipeline"),
    FlagCode("page_needs_ocr", E, "source", "a page has no usable text layer and OCR was not run", stage="pipeline"),
    FlagCode("text_looks_like_ocr", I, "source", "the text input looks like OCR output (garbled characters)",
             stage="pipeline"),
    FlagCode("no_form_found", E, "form", "no 绩效目标表 found (no indicator table or form header)", stage="pipeline"),
    FlagCode("llm_off", I, "llm", "an LLM mode was requested but the LLM path could not run (reason in message)",
             stage="pipeline"),
    # -- raised by the stream extractor (text with no reliable cells)
    FlagCode("read_by_stream", I, "form", "the form was read by the layout-free stream reader, not the table path",
             stage="extract"),
    FlagCode("budget_text_unread", W, "budget",
             "text of the form prints a fund's name with more amounts than the budget lines read from it "
             "(field budget.lines; evidence: the source lines)", stage="extract"),
    FlagCode("budget_row_unnamed", W, "budget",
             "amounts read under a block's columns with no row name while other rows of the block are "
             "named: the row's name was printed elsewhere in the copy (field budget.lines)", stage="extract"),
    FlagCode("trailing_text_as_description", W, "rows",
             "in a copy printed block by block, text after a row's value and before the next row (no value, no "
             "level, no column heading of its own) was read as the row's description", stage="extract"),
    FlagCode("column_unread", W, "rows",
             "the stream reader's indicator header names this column (description, basis, category, history) "
             "but nothing of the row was read into it: an empty cell, or one lost in a copy with no cells",
             stage="extract"),
    FlagCode("level_order_scrambled", W, "framework",
             "the text prints level names apart from their rows (a PDF viewer's block order: a level column "
             "printed as a block, or in the header's label column); the level1/level2 carried to this row "
             "may belong to other rows", stage="extract"),
    # -- raised by the rules extractor
    FlagCode("no_indicators", E, "form", "the region has no indicator rows the rules could read",
             stage="extract", unsettled=True),
    FlagCode("row_without_level3", W, "rows", "an indicator row with values but no 三级指标 name",
             stage="extract", unsettled=True),
    FlagCode("unmapped_cell", W, "rows", "a cell not placed in any column of the indicator table",
             stage="extract", unsettled=True),
    FlagCode("quotes_emptied", W, "header", "a header value holding an empty pair of quotes (“ ”): the quoted words "
             "were set in another font and the text layer filed them elsewhere, so the value's wording is doubtful",
             stage="extract"),
    FlagCode("rows_glued", W, "rows", "a target cell holding two or more values on lines of their own: the rows of "
             "several indicators were read as one (rules between them missed), so this indicator's name and value "
             "are doubtful and indicators may be missing (also on the form, field indicators)",
             stage="extract", unsettled=True),
    FlagCode("operator_missing_ocr", W, "value", "OCR lost the operator (≥/≤) the row's siblings carry",
             stage="extract"),
    FlagCode("unit_missing_ocr", W, "value", "OCR lost the unit the row's siblings carry", stage="extract"),
    FlagCode("budget_amount_unread", W, "budget", "a budget line whose amount cell could not be read as a number",
             stage="extract"),
    # -- raised by the coverage check after the rules extractor (extract/coverage.py)
    FlagCode("unread_text", W, "coverage",
             "text inside the form that no field read and that is no heading, label, chrome or note: a field may be "
             "missing (an unfamiliar label, an unmapped column); evidence: page, bbox/line, text, cells, and the "
             "form's unread share, which lowers every field's confidence (field indicators: among indicator rows)",
             stage="extract"),
    FlagCode("budget_unread", W, "coverage",
             "amounts outside the indicator rows that no budget line read: budget lines may be missing (field "
             "budget.lines), and the total and fiscal share too when none was read (fields budget.total, budget.fiscal); "
             "the amounts are in the message",
             stage="extract"),
    # -- raised by the LLM extraction (extract/llm)
    FlagCode("llm_invented_row", W, "llm", "the LLM returned a row that is not in the source; dropped",
             stage="extract.llm"),
    FlagCode("llm_chunk_failed", W, "llm",
             "the LLM call for a chunk failed (error when the chunk was unsettled, else warning)", stage="extract.llm"),
    FlagCode("llm_added_row", I, "llm", "a row the rules path missed, read by the LLM", stage="extract.llm"),
    FlagCode("llm_replaced", I, "llm",
             "a value the rules path flagged (or that fails the row's grammar, or of a row the rules read into the "
             "wrong columns), replaced by the LLM's grounded reading", stage="extract.llm"),
    FlagCode("llm_rules_misread", W, "llm",
             "a field of a row the rules read into the wrong columns (the LLM's grounded 三级指标 is what the rules "
             "took for another field) that the LLM does not read: kept as read, unconfirmed", stage="extract.llm"),
    FlagCode("llm_disagrees", W, "llm", "the LLM reads a field differently from the rules path", stage="extract.llm"),
    FlagCode("llm_row_corrected", I, "llm", "the LLM cited the wrong row id; the 三级指标's row is used",
             stage="extract.llm"),
    FlagCode("llm_ungrounded", W, "llm", "an LLM value not found in its cited row", stage="extract.llm"),
    FlagCode("added_by_reviewer", I, "review", "an indicator a reviewer added in jixiao serve (not read from the page)",
             stage="serve"),
    # -- raised on suggested drafts (advise/suggest.py): not extraction doubts, a draft's annotations
    FlagCode("citation", I, "advise", "a precedent of a suggested indicator: library doc, form, indicator, page, "
             "printed value", stage="advise"),
    FlagCode("suggest_framework", I, "advise", "the framework the draft follows and the precedent forms used",
             stage="advise"),
    FlagCode("suggest_support", I, "advise", "how strongly the precedents back a suggested indicator: its "
             "similarity-weighted support and how many precedent forms use it (the draft's ranking)"),
    FlagCode("suggest_value_range", I, "advise", "precedents disagree on the number: the range they span",
             stage="advise"),
    FlagCode("novel", W, "advise", "a framework-required indicator with no precedent: fill it in", stage="advise"),
    FlagCode("suggest_proposed", I, "advise", "a value proposed for a framework-required row no close precedent "
             "covers; its source (the budget, a domain convention, or less similar library projects): confirm it",
             stage="advise"),
    FlagCode("suggest_amount_rebased", I, "advise", "a 成本 amount from precedents re-based on the new project's "
             "budget (the precedents' share of their own budget): confirm it", stage="advise"),
    FlagCode("suggest_amount_copied", I, "advise", "an amount of money copied from precedents sized to their own "
             "budgets: adjust it to the new project", stage="advise"),
    FlagCode("suggest_llm_rephrased", I, "advise", "the LLM renamed a suggested indicator for the project "
             "(the old name in the flag; citations kept)", stage="advise"),
    FlagCode("suggest_lint", W, "advise", "a review rule finding on a draft's indicator (precedent, proposed or LLM-added)",
             stage="advise"),
    FlagCode("llm_value_approximate", W, "llm",
             "an LLM value that matches a cell of its row only approximately (a cut, wrapped or OCR-read cell)",
             stage="extract.llm"),
    FlagCode("llm_wrong_column", W, "llm",
             "an LLM value printed in its row, but under another column's header (a copied cell)", stage="extract.llm"),
)

FLAG_CODES: dict[str, FlagCode] = {c.code: c for c in _CODES}
assert DOCUMENT_CHECKS <= FLAG_CODES.keys(), DOCUMENT_CHECKS - FLAG_CODES.keys()

# Codes from the rules extractor that mean "this row/region is not settled": --llm fallback re-reads those.
UNSETTLED_CODES = frozenset(c.code for c in _CODES if c.unsettled)

# Codes the reconciler raises (dropped and raised afresh when reconcile runs again).
RECONCILE_CODES = frozenset(c.code for c in _CODES if c.stage == "reconcile")

# Codes that record an action taken (a value changed), kept when reconcile runs again.
ACTION_CODES = frozenset({"level1_restored_from_framework", "level2_moved_from_level1"})


def severity_of(code: str) -> Severity:
    """The severity of a code; raises KeyError naming the code when it is not registered."""
    try:
        return FLAG_CODES[code].severity
    except KeyError:
        raise KeyError(f"reconcile: unknown flag code {code!r}; add it to jixiao/model/flags.py") from None
