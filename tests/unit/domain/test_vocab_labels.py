"""One home for labels of fields the format does not carry (issue 11: two overlapping lists merged)."""
from jixiao.domain import vocab


def test_labels_the_stream_skips_are_the_labels_coverage_counts_as_read():
    for label in ("项目负责人", "联系电话", "单位主要职能", "项目起止时间", "填报人"):
        assert vocab.other_label(label), label
        assert vocab.is_unextracted_label(label), label


def test_table_column_headers_are_roles_not_other_labels():
    # 序号 / 备注 head columns of the indicator table; reading them as a skipped header label loses the column
    assert vocab.is_unextracted_label("序号")
    assert not vocab.other_label("序号")
    assert not vocab.other_label("备注")


def test_run_on_labels_leave_out_short_words_a_value_may_hold():
    labels = vocab.run_on_labels()
    assert "联系电话" in labels and "填报人" in labels
    assert "日期" not in labels and "编号" not in labels and "序号" not in labels


def test_stream_and_rules_share_the_public_budget_rules():
    from jixiao.extract import rules
    assert callable(rules.finish_budget) and callable(rules.form_type_of)


def test_web_chrome_the_stream_drops_is_chrome_for_coverage_too():
    for line in ("首页 > 政务公开 > 财政预决算", "字号 大 中 小 打印 关闭", "责任编辑：张三"):
        assert vocab.is_chrome_line(line), line
        assert vocab.is_chrome(line), line


def test_the_year_label_is_not_skipped_as_another_field():
    # 预算年度：2024年 carries the form's year: coverage counts the label read, the reader keeps its value
    assert vocab.is_unextracted_label("预算年度")
    assert not vocab.other_label("预算年度")
