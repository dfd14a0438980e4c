"""Layout-preserved text (``pdftotext -layout``, a text viewer's copy) read back into rows.

The inputs are written by hand the way such a copy lays a ruled form out: cells placed at
their column by character position, merged level labels centred vertically in their span
(on the middle row, or on a line of their own between two rows), a cell taller than its
row wrapped onto the lines above and below it. Not drawn from any golden file.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.ingest.text import ingest_text
from jixiao.ingest.text_layout import delayout, fragments, looks_layout
from jixiao.model.source import Table

# Character-position layout (every character one column, as pdftotext places them).
VIEWER = """\
                        项目支出绩效目标表
单位：万元
  项目名称                    乡村道路养护专项资金
            年度资金总额                     300.00
 项目资金（万
            其中：财政拨款                   280.00
   元）
            其他资金                         20.00
          完成全县道路日常养护，保障通行安全，
  年度目标
          提升群众出行满意度。
     一级指标      二级指标          三级指标            指标值
                            养护道路里程               ≥120公里
                 数量指标
                            新建错车道数量             ≥8个
                              路面完好率                 ≥95%
     产出指标    质量指标
                            病害处置合格率             =100%
                                                   2024年11月
                 时效指标     养护任务完成时间
                                                   底前
     效益指标    社会效益指标    群众出行便利度              明显提升
                 服务对象满意
     满意度指标                  沿线群众满意度              ≥90%
                   度指标
"""


def _rows(text: str) -> list[list[str]]:
    return [ln.split("\t") for ln in delayout(text).split("\n") if "\t" in ln]


def test_fragments_cut_at_two_spaces_and_measure_display_width() -> None:
    fs = fragments("  项目名称  a b   值", 0)
    assert [f.text for f in fs] == ["项目名称", "a b", "值"]
    assert fs[0].x0 == 2 and fs[0].x1 == 10  # four CJK characters, two columns each
    narrow = fragments("  项目名称  a b", 0, wide=False)
    assert narrow[0].x1 == 6


def test_layout_text_is_recognised_and_fixed_separator_rows_are_not() -> None:
    assert looks_layout(VIEWER)
    spaced = "\n".join("产出指标   数量指标   培训人次   ≥500人次" for _ in range(8))
    assert not looks_layout(spaced)
    assert delayout(spaced) == spaced


def test_centred_levels_are_repeated_on_every_row_of_their_span() -> None:
    rows = _rows(VIEWER)
    ind = [r for r in rows if len(r) >= 4 and r[2] and r[2] not in ("三级指标",)]
    by_name = {r[2]: r for r in ind}
    assert by_name["养护道路里程"][:2] == ["产出指标", "数量指标"]
    assert by_name["新建错车道数量"][:2] == ["产出指标", "数量指标"]
    assert by_name["路面完好率"][:2] == ["产出指标", "质量指标"]
    assert by_name["病害处置合格率"][:2] == ["产出指标", "质量指标"]
    assert by_name["养护任务完成时间"][:2] == ["产出指标", "时效指标"]
    assert by_name["群众出行便利度"][:2] == ["效益指标", "社会效益指标"]
    assert by_name["沿线群众满意度"][:2] == ["满意度指标", "服务对象满意度指标"]


def test_a_value_wrapped_around_its_row_is_joined() -> None:
    by_name = {r[2]: r for r in _rows(VIEWER) if len(r) >= 4}
    assert by_name["养护任务完成时间"][3] == "2024年11月底前"
    assert by_name["养护道路里程"][3] == "≥120公里"


def test_header_fields_with_wrapped_labels_and_values() -> None:
    rows = _rows(VIEWER)
    assert ["项目名称", "乡村道路养护专项资金"] in rows
    assert ["项目资金（万元）", "其中：财政拨款", "280.00"] in rows
    assert ["项目资金（万元）", "年度资金总额", "300.00"] in rows
    goal = next(r for r in rows if r[0] == "年度目标")
    assert goal[1] == "完成全县道路日常养护，保障通行安全，提升群众出行满意度。"


def test_line_numbers_are_kept() -> None:
    out = delayout(VIEWER)
    assert len(out.split("\n")) == len(VIEWER.split("\n"))
    line = out.split("\n")[14]  # the row of 新建错车道数量, line 15 of the input
    assert "新建错车道数量" in line and "新建错车道数量" in VIEWER.split("\n")[14]


def test_ingest_reads_a_layout_copy_as_a_table(tmp_path: Path) -> None:
    p = tmp_path / "copy.txt"
    p.write_text(VIEWER, encoding="utf-8")
    doc = ingest_text(p)
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert tables and any("病害处置合格率" in c.text for t in tables for r in t.rows for c in r)


BLOCK_ON_MIDDLE_ROW = """\
                    项目支出绩效目标表
  项目名称                      社区图书室建设
             资金来源      资金总额           上级资金          本级资金
项目资金（万元）     上年预算数          90.00        50.00             40.00
             年度预算数          120.00       70.00             50.00
 一级指标        二级指标              三级指标                 指标值
 产出指标        数量指标              新建图书室数量           ≥6个
   效益指标      社会效益指标          居民借阅人次             ≥2万人次
"""


def test_a_block_label_on_the_middle_row_heads_every_row_of_its_block() -> None:
    rows = _rows(BLOCK_ON_MIDDLE_ROW)
    assert ["项目资金（万元）", "资金来源", "资金总额", "上级资金", "本级资金"] in rows
    assert ["项目资金（万元）", "上年预算数", "90.00", "50.00", "40.00"] in rows
    assert ["项目资金（万元）", "年度预算数", "120.00", "70.00", "50.00"] in rows


NAME_WITHOUT_VALUE = """\
                    项目支出绩效目标表
  项目名称                      河道保洁
 一级指标        二级指标              三级指标                 指标值
                 数量指标              保洁河道长度             ≥30公里
 产出指标        质量指标              保洁达标率               ≥95%
                 时效指标              保洁及时率               100%
                 经济效益
 效益指标
                 社会效益
                                       群众满意的河道环境
 满意度指标      服务对象满意度指标    群众满意度               ≥90%
"""


def test_a_name_line_under_rows_with_no_name_does_not_break_the_rows() -> None:
    rows = _rows(NAME_WITHOUT_VALUE)
    by_l2 = {r[1]: r for r in rows if len(r) > 3}
    assert by_l2["质量指标"][0] == "产出指标" and by_l2["时效指标"][0] == "产出指标"
    assert by_l2["经济效益"][0] == "效益指标" and by_l2["社会效益"][0] == "效益指标"
    assert "群众满意度" in by_l2["服务对象满意度指标"][2]


SIDE_BLOCK = """\
            项目支出绩效目标申报表
项目名称                      2024年乡村学校营养餐补助
           年度资金总额                                           500,000.00
           其中：财政拨款                                          450,000.00
资金情况（元）
             其中：一般公共预算                                    450,000.00
              其他资金                                              50,000.00
       为全县乡村学校学生提供营养餐，覆盖学生3000人以上，营养餐供应天数达到
年度目标   200天以上，学生满意度达到90%以上。
       营养改善计划落实到位。
 一级指标        二级指标              三级指标                 指标值
 产出指标        数量指标              覆盖学生人数             ≥3000人
"""


def test_a_lone_block_label_heads_the_rows_centred_on_it() -> None:
    rows = _rows(SIDE_BLOCK)
    assert ["资金情况（元）", "年度资金总额", "500,000.00"] in rows
    assert ["资金情况（元）", "其他资金", "50,000.00"] in rows
    assert ["资金情况（元）", "其中：一般公共预算", "450,000.00"] in rows
    goal = next(r for r in rows if r[0] == "年度目标")
    assert goal[1].startswith("为全县乡村学校") and goal[1].endswith("营养改善计划落实到位。")


def test_cells_one_space_apart_under_different_columns_are_cut() -> None:
    text = """\
                    项目支出绩效目标表
  项目名称                      招商推介活动
一级指标     二级指标       三级指标              指标值     指标值确定依据
             数量指标       推介活动场次          ≥ 3场      工作计划
产出指标
             时效指标       活动完成时间          12月31日前 工作经验
效益指标   社会效益指标     企业投资意向          明显增强   工作经验
"""
    rows = _rows(text)
    assert ["产出指标", "时效指标", "活动完成时间", "12月31日前", "工作经验"] in rows
    assert ["产出指标", "数量指标", "推介活动场次", "≥ 3场", "工作计划"] in rows  # ≥ 3场: one cell


WRAPPED_LABELS = """\
                   部门整体支出绩效目标表

部门（单位）
                          市场监督管理局
  名称

         负责全市市场综合监督管理，统一登记市场主体，组织市场监管综合
 部门职能
         执法，监督管理市场秩序。
     1、完成食品安全监督抽检，抽检合格率保持在98%以上；2、特种设备
中长期目
     定期检验率达到98%以上；3、企业开办时间压缩至1个工作日以内，
  标
                   市场主体总量稳步增长。
一级指标   二级指标         三级指标             指标值
产出指标   数量指标         食品安全监督抽检批次 ≥4800批次
"""


def test_labels_wrapped_around_their_value_are_joined_with_it() -> None:
    rows = [ln.split("\t") for ln in delayout(WRAPPED_LABELS, force=True).split("\n") if "\t" in ln]
    assert ["部门（单位）名称", "市场监督管理局"] in rows
    assert ["部门职能", "负责全市市场综合监督管理，统一登记市场主体，组织市场监管综合执法，监督管理市场秩序。"] in rows
    goal = next(r for r in rows if r[0] == "中长期目标")
    assert goal[1].startswith("1、完成食品安全") and goal[1].endswith("市场主体总量稳步增长。")
