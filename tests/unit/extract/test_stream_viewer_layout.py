"""The stream reader on a PDF viewer's layout copy (``pdftotext -layout``): cells kept at their
column by padding, read back into rows by ``ingest.text_layout.delayout`` first.

Every input is written by hand in that shape (names and values are invented); none is read from
the golden set.
"""

from __future__ import annotations

from jixiao.extract.stream import extract_stream
from jixiao.ingest.text_layout import delayout

# The table runs over a page break; the header printed again on the new page has its value
# headings wrapped over two lines, so the copy prints their first lines a line higher than the
# one-line headings beside them and their last lines (值 | 值) a line lower.
SPLIT_HEADER = """\
                      某某市项目预算绩效目标表
  项目名称         社区养老服务补助            主管部门         某某市民政局
  年度目标         完成社区养老服务站点运营补助，提升老年人服务满意度。
 一级指标      二级指标        三级指标             半年（程）指标值   全年（程）指标值
                          养老服务站点数                 =20个       =40个
    产出指标    数量指标
                          助餐服务人次                   =5000人次   =12000人次
\f                                           半年（程）指标    全年（程）指标
一级指标    二级指标              三级指标
                                              值          值
                        上门服务覆盖率              =30%        =60%
        质量指标
                        服务投诉办结率              =100%       =100%
"""


def test_header_repeated_over_a_page_break_with_wrapped_value_headings() -> None:
    """The repeated header's headings join in their column order (一级指标 | 二级指标 | 三级指标 |
    半年（程）指标值 | 全年（程）指标值): the rows under it keep both value columns, and the heading
    lines are no values glued to the row above (issue 11)."""
    [form] = extract_stream(delayout(SPLIT_HEADER)).forms
    got = {i.level3: (i.half_year, i.target) for i in form.indicators}
    assert got == {
        "养老服务站点数": ("=20个", "=40个"),
        "助餐服务人次": ("=5000人次", "=12000人次"),
        "上门服务覆盖率": ("=30%", "=60%"),
        "服务投诉办结率": ("=100%", "=100%"),
    }


# A project's expense row whose name is too long for its column: the name is centred on the row
# of amounts, its first line above them and its last line below, both left of the amounts; the
# goal printed under it wraps around its own label as well.
NAME_AROUND_AMOUNTS = """\
                      某某市项目预算绩效目标表
  项目名称         社区养老服务补助            主管部门         某某市民政局
                       收入               全年（程）预算数
                      资金总额                 120
                       支出         半年（程）计划执行数        全年（程）预算数
                    社区养老服务站点运
                                          60             120
                      营补助
                    保障社区养老服务站点正常运营，提供助餐、日间照料等服务，提升老年人
  中长期目标
                    服务满意度。
"""


def test_an_expense_name_wrapped_around_its_amounts() -> None:
    """The two lines of the name join into the row's first cell, the amounts keep their columns,
    and the name's last line is no part of the goal under it (issue 11)."""
    [form] = extract_stream(delayout(NAME_AROUND_AMOUNTS)).forms
    got = {(ln.item, ln.column): ln.amount for ln in form.budget.lines if ln.section == "支出"}
    assert got == {("社区养老服务站点运营补助", "半年（程）计划执行数"): 60.0,
                   ("社区养老服务站点运营补助", "全年（程）预算数"): 120.0}
    assert form.goals.long_term is not None and "营补助" not in form.goals.long_term


# A 中期 and a 年度 indicator table printed side by side on the same lines of a layout copy.
SIDE_BY_SIDE = """\
                      某某市项目支出绩效目标表
  项目名称         社区养老服务补助            主管部门         某某市民政局
                  中期绩效指标（2025—2027年）                              年度绩效指标（2025年）
 一级指标     二级指标          三级指标           指标值       一级指标     二级指标          三级指标            指标值
 产出指标     数量指标      养老服务站点数           ≥60个       产出指标     数量指标      养老服务站点数            ≥20个
 效益指标   社会效益指标    老年人助餐覆盖率         ≥80%        效益指标   社会效益指标    老年人助餐覆盖率          ≥50%
"""


def test_side_by_side_tables_of_a_layout_copy_are_read_one_after_the_other(tmp_path) -> None:
    """Each table keeps its own rows and scope: the 中期 one long-term, the 年度 one annual (issue 11)."""
    from jixiao.pipeline import extract_file

    path = tmp_path / "viewer.txt"
    path.write_text(SIDE_BY_SIDE, encoding="utf-8")
    [form] = extract_file(path).forms
    got = [(i.scope, i.level3, i.target) for i in form.indicators]
    assert got == [
        ("long_term", "养老服务站点数", "≥60个"),
        ("long_term", "老年人助餐覆盖率", "≥80%"),
        ("annual", "养老服务站点数", "≥20个"),
        ("annual", "老年人助餐覆盖率", "≥50%"),
    ]


def test_one_wide_header_naming_a_role_twice_is_one_table(tmp_path) -> None:
    """指标值类型 and 评（扣）分标准, both columns the reader ignores: a role named twice is no
    second table unless the header begins again (一级指标 …)."""
    from jixiao.pipeline import extract_file

    path = tmp_path / "wide.tsv"
    path.write_text("项目名称\t农村公路养护\n"
                    "一级指标\t二级指标\t三级指标\t指标解释\t指标值类型\t*指标值\t计量单位\t评（扣）分标准\t指标值确定依据\n"
                    "产出指标\t数量指标\t日常养护里程\t纳入养护的里程\t定量\t≥11800\t公里\t完成得10分\t计划标准\n"
                    "满意度指标\t服务对象满意度指标\t群众满意度\t满意比例\t定量\t≥90\t%\t达到得5分\t历史标准\n", encoding="utf-8")
    [form] = extract_file(path).forms
    assert [(i.level3, i.target) for i in form.indicators] == [("日常养护里程", "≥11800公里"), ("群众满意度", "≥90%")]
