"""A table's lead (中期绩效指标 / 年度绩效指标) printed as a row of its own over the header.

Web pages (and Word) draw it as a full-width merged row above 一级指标 | 二级指标 …, where
PDFs from the same template often put it in a merged cell left of the rows. Either way it
names the scope of the indicators below it.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.pipeline import extract_file

PAGE = """<html><body><p>项目支出绩效目标表</p>
<table><tr><td>项目名称</td><td>职业技能提升行动</td><td>主管部门</td><td>市人力资源和社会保障局</td></tr>
<tr><td rowspan=2>项目资金（万元）</td><td>资金总额</td><td colspan=2>1600</td></tr>
<tr><td>财政拨款</td><td colspan=2>1600</td></tr></table>
<table><tr><td colspan=4>中期绩效指标（2024—2026年）</td></tr>
<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>
<tr><td>产出指标</td><td>数量指标</td><td>培训人次</td><td>&ge;6万人次</td></tr></table>
<table><tr><td colspan=4>年度绩效指标（2024年）</td></tr>
<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>
<tr><td>产出指标</td><td>数量指标</td><td>培训人次</td><td>&ge;2万人次</td></tr></table>
</body></html>"""


def test_lead_rows_set_the_scope(tmp_path: Path) -> None:
    p = tmp_path / "lead.html"
    p.write_text(PAGE, encoding="utf-8")
    form = extract_file(p).forms[0]
    assert [(i.scope, i.level3, i.target) for i in form.indicators] == [
        ("long_term", "培训人次", "≥6万人次"), ("annual", "培训人次", "≥2万人次")]
    assert form.budget.total == 1600
