"""Text rows shorter than their header: the merged cells a copy drops are the leading ones (issue 11)."""

from __future__ import annotations

from jixiao.extract.rules import extract_form
from jixiao.ingest.text import parse_text
from jixiao.model.source import SourceDocument
from jixiao.segment import segment

WIDE = """某县项目支出绩效目标表
项目名称\t乡村道路维修\t主管部门\t某县交通局
一级指标\t二级指标\t三级指标\t指标说明\t指标值类型\t指标值\t计量单位\t权重\t评分办法\t确定依据
产出指标\t数量指标\t维修道路长度\t本年维修的乡村道路\t定量\t≥40\t公里\t20\t每少1公里扣1分\t计划标准
新建错车道数\t新建的错车道个数\t定量\t=12\t个\t10\t每少1个扣1分\t计划标准
质量指标\t工程验收合格率\t验收合格的工程占比\t定量\t=100\t%\t20\t未达到不得分\t行业标准
满意度指标\t服务对象满意度指标\t沿线村民满意度\t抽样调查的满意比例\t定量\t≥88\t%\t10\t每低1个百分点扣1分\t行业标准
"""


def test_short_rows_of_a_wide_table_are_read_right_aligned():
    [form] = [extract_form(r) for r in segment(SourceDocument(path="t.txt", format="text", blocks=parse_text(WIDE)))]
    got = [(i.level1, i.level2, i.level3, i.description, i.target, i.basis) for i in form.indicators]
    assert got == [
        ("产出指标", "数量指标", "维修道路长度", "本年维修的乡村道路", "≥40公里", "计划标准"),
        ("产出指标", "数量指标", "新建错车道数", "新建的错车道个数", "=12个", "计划标准"),
        ("产出指标", "质量指标", "工程验收合格率", "验收合格的工程占比", "=100%", "行业标准"),
        ("满意度指标", "服务对象满意度指标", "沿线村民满意度", "抽样调查的满意比例", "≥88%", "行业标准"),
    ]
