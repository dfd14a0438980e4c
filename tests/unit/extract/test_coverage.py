"""Coverage: text inside a form that no field read raises ``unread_text`` (issue 11 §7).

Inputs are written by hand as web pages (read by the HTML reader) or come from the
producer fixtures; each test states what a person sees as read, ignorable, or lost.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.pipeline import extract_file
from jixiao.reconcile import FLAG_CODES, reconcile
from jixiao.reconcile.confidence import UNREAD_WEIGHT, terms_for, unread_share
from jixiao.reconcile.common import Ledger
from jixiao.model.output import Severity

FIX = Path(__file__).resolve().parents[2] / "fixtures"

HEADER = """<p>2024年度项目支出绩效目标表</p><p>单位：万元</p>
<table>
<tr><td>项目名称</td><td>乡村道路养护</td><td>主管部门</td><td>县交通运输局</td></tr>
<tr><td>实施单位</td><td>县公路事务中心</td><td>项目负责人</td><td>李强</td></tr>
<tr><td rowspan=2>项目资金（万元）</td><td>资金总额</td><td colspan=2>300</td></tr>
<tr><td>财政拨款</td><td colspan=2>300</td></tr>
<tr><td>年度目标</td><td colspan=3>完成120公里农村公路日常养护，路况优良率稳步提高。</td></tr>
</table>"""

INDICATORS = [
    ("产出指标", "数量指标", "养护里程", "≥120公里", "规划科"),
    ("产出指标", "质量指标", "路况优良率", "≥85%", "养护科"),
    ("产出指标", "时效指标", "完成时间", "2024年12月底前", "养护科"),
    ("效益指标", "社会效益指标", "群众出行条件", "明显改善", "办公室"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "办公室"),
]


def _page(tmp_path: Path, name: str, extra_heading: str | None = None, extra: str = "",
          after: str = "<p>填报人：李强　联系电话：0710-5551234　填报日期：2024年1月8日</p><p>第1页</p>") -> Path:
    head = "<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td>"
    head += f"<td>{extra_heading}</td></tr>" if extra_heading else "</tr>"
    rows = "".join(
        f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d.replace('≥', '&ge;')}</td>"
        + (f"<td>{e}</td></tr>" if extra_heading else "</tr>")
        for a, b, c, d, e in INDICATORS
    )
    html = f"<html><body>{HEADER}<table>{head}{rows}</table>{extra}{after}</body></html>"
    p = tmp_path / name
    p.write_text(html, encoding="utf-8")
    return p


def _unread(doc) -> list:
    return [f for form in doc.forms for f in form.flags if f.code == "unread_text"]


def test_clean_form_has_nothing_unread(tmp_path: Path) -> None:
    doc = extract_file(_page(tmp_path, "clean.html"))
    form = doc.forms[0]
    assert len(form.indicators) == 5 and form.budget.total == 300
    assert _unread(doc) == []
    assert doc.stats["unread_cells"] == 0


@pytest.mark.parametrize("name", ["xlsx_preview.html", "docx_preview.html", "gov_page_gbk.html", "chromium_dom.html"])
def test_producer_fixtures_have_nothing_unread(name: str) -> None:
    assert _unread(extract_file(FIX / "html" / name)) == []


def test_unmapped_column_is_flagged_per_row_with_evidence(tmp_path: Path) -> None:
    doc = extract_file(_page(tmp_path, "col.html", extra_heading="牵头处室"))
    heading, *flags = _unread(doc)
    assert heading.evidence["text"] == "牵头处室"  # an unknown column heading: what was lost
    assert [f.evidence["text"] for f in flags] == ["规划科", "养护科", "养护科", "办公室", "办公室"]
    for f in flags:
        assert f.severity == Severity.WARNING and f.field == "indicators"
        assert f.evidence["page"] == 1 and f.evidence["line"] is not None and f.evidence["bbox"] is None
        assert f.evidence["cells"][0]["col"] == 4
    assert 0 < flags[0].evidence["form_unread_share"] < 0.5


def test_unread_share_lowers_confidence(tmp_path: Path) -> None:
    clean = extract_file(_page(tmp_path, "a.html")).forms[0]
    lossy = extract_file(_page(tmp_path, "b.html", extra_heading="牵头处室")).forms[0]
    assert unread_share(clean) == 0 and unread_share(lossy) > 0
    for fld in ("level3", "target"):
        assert lossy.indicators[1].confidence[fld] <= clean.indicators[1].confidence[fld]
    terms = dict(terms_for(lossy.indicators[1], "target", Ledger(), unread=unread_share(lossy)))
    assert terms["unread_share"] == pytest.approx(UNREAD_WEIGHT * unread_share(lossy))
    # the flags themselves are not also counted as doubts about the whole form
    assert not any(k.startswith("row_flag_unread_text") for k in dict(terms_for(lossy, "project_name", Ledger())))


FUNDING_BLOCK = """<tr><td rowspan=2>项目资金（万元）</td><td>资金总额</td><td colspan=2>300</td></tr>
<tr><td>财政拨款</td><td colspan=2>300</td></tr>"""


def _with_header(tmp_path: Path, name: str, header: str) -> Path:
    p = _page(tmp_path, name)
    p.write_text(p.read_text(encoding="utf-8").replace(HEADER, header), encoding="utf-8")
    return p


def _budget_in_header_row(tmp_path: Path) -> Path:
    """年度预算 beside 实施单位 in a header row, no funding block."""
    return _with_header(tmp_path, "budget.html", HEADER.replace(FUNDING_BLOCK, "").replace(
        "<td>项目负责人</td><td>李强</td>", "<td>年度预算（万元）</td><td>300</td>"))


def test_budget_in_a_header_row_is_flagged(tmp_path: Path) -> None:
    """年度预算 beside 实施单位 in a header row, no funding block: the amount is read by no field."""
    p = _budget_in_header_row(tmp_path)
    doc = extract_file(p)
    form = doc.forms[0]
    assert form.budget.total is None
    (flag,) = _unread(doc)
    assert flag.evidence["text"] == "300" and flag.field is None
    assert flag.evidence["cells"][0]["row"] == 1 and flag.evidence["cells"][0]["col"] == 3


def test_an_amount_is_read_only_where_its_own_cell_was() -> None:
    """The same number in two cells: the one no field took is flagged (its text alone is not enough)."""
    from jixiao.model.source import Cell, Table
    from jixiao.extract.coverage import check_coverage
    from jixiao.model.output import BudgetLine, Evidence, Form
    from jixiao.segment import FormRegion

    rows = [[Cell("任务1", 0, 0, line=3), Cell("60", 0, 1, line=3)],
            [Cell("合计", 1, 0, line=3), Cell("60", 1, 1, line=3, read=True)]]
    form = Form(title="项目绩效目标表")
    line = BudgetLine(item="合计", amount=60.0)
    line.evidence["amount"] = Evidence(page=1, line=3, source_text="60")
    form.budget.lines.append(line)
    cov = check_coverage(FormRegion(blocks=[Table(rows=rows)]), form)
    assert [(s.row, s.text) for s in cov.unread] == [(0, "任务1"), (0, "60")]
    assert [(s.row, s.text) for s in cov.read] == [(1, "合计"), (1, "60")]  # 合计: the line's item
    assert [f.evidence["text"] for f in form.flags if f.code == "unread_text"] == ["任务1 | 60"]
    rows[0][1].read = True  # had the extractor taken it, only the task's name would be left
    form.flags.clear()
    assert [s.text for s in check_coverage(FormRegion(blocks=[Table(rows=rows)]), form).unread] == ["任务1"]


def test_ignored_on_purpose(tmp_path: Path) -> None:
    """Signatures, page numbers, units, serial numbers, 评分标准/备注 columns, 项目负责人 values,
    department descriptions and web chrome are not unread text."""
    extra = """<table><tr><td>序号</td><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td><td>评分标准</td><td>备注</td></tr>
    <tr><td>1</td><td>产出指标</td><td>数量指标</td><td>桥梁检查</td><td>&ge;10座</td><td>每少1座扣1分</td><td>无</td></tr></table>
    <table><tr><td>部门职能概述</td><td>负责全县公路建设、养护和管理工作。</td></tr>
    <tr><td>机构设置及人员配置</td><td>内设科室5个，编制20名。</td></tr>
    <tr><td>编制控制数</td><td>20</td></tr></table>
    <p>发布时间：2024-02-01　来源：县交通运输局　【打印本页】【关闭窗口】</p>"""
    doc = extract_file(_page(tmp_path, "ign.html", extra=extra))
    assert doc.forms[0].indicators[-1].level3 == "桥梁检查"
    assert _unread(doc) == []


def test_radicals_pdf_flags_the_amount_in_a_header_row() -> None:
    """reportlab PDF: 项目资金（万元）| 120 sits in a header row the budget reader skips."""
    doc = extract_file(FIX / "radicals" / "radicals_form.pdf")
    form = doc.forms[0]
    assert form.budget.total is None
    (flag,) = _unread(doc)
    assert flag.evidence["text"] == "120" and flag.evidence["page"] == 1
    assert flag.evidence["bbox"] is not None and flag.field is None  # a PDF cell has coordinates


def test_registered_and_kept_by_reconcile(tmp_path: Path) -> None:
    code = FLAG_CODES["unread_text"]
    assert code.severity == Severity.WARNING and code.check == "coverage" and code.meaning
    doc = extract_file(_page(tmp_path, "r.html", extra_heading="牵头处室"))
    again = reconcile(reconcile(doc))
    assert len(_unread(again)) == len(_unread(doc)) == 6


def test_unread_amounts_outside_the_indicators_put_the_doubt_on_the_budget(tmp_path: Path) -> None:
    """The same unfamiliar 年度预算 cell: the budget lines and the total carry the doubt."""
    p = _budget_in_header_row(tmp_path)
    form = extract_file(p).forms[0]
    fields = {f.field for f in form.flags if f.code == "budget_unread"}
    assert fields == {"budget.lines", "budget.total", "budget.fiscal"}
    assert all("300" in f.message for f in form.flags if f.code == "budget_unread")


def test_a_read_budget_raises_no_budget_doubt(tmp_path: Path) -> None:
    doc = extract_file(_page(tmp_path, "clean.html"))
    assert not [f for f in doc.forms[0].flags if f.code == "budget_unread"]
    assert doc.forms[0].budget.total == 300.0


def test_amounts_under_a_label_ignored_on_purpose_still_doubt_a_missing_total(tmp_path: Path) -> None:
    """预算规模及资金用途 holding the funds and their use in one garbled cell: its text is
    ignored as a use description, but with no total read its amounts are the budget's doubt."""
    p = _with_header(tmp_path, "use.html", HEADER.replace(
        FUNDING_BLOCK, "<tr><td>预算规模及资金用途</td><td colspan=3>其中：财政资 预算数 50万元 50万元其他资金 "
                       "金 主要用于组织实施招商引资活动</td></tr>"))
    form = extract_file(p).forms[0]
    assert form.budget.total is None
    flags = [f for f in form.flags if f.code == "budget_unread"]
    assert {f.field for f in flags} >= {"budget.total"} and "50万元" in flags[0].message
