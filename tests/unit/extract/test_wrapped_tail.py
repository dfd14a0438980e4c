"""A wrapped name's last line read as a row of its own (a table without rules between rows).

Rows are built here by hand as the indicator reader receives them: cells with the boxes a
PDF text layer gives (a text export has none).
"""

from __future__ import annotations

from jixiao.extract.rows import CellView
from jixiao.extract.rules import WRAP_RULE, _join_wrapped_tail, evidence_of
from jixiao.model.output import AlignmentStatus, Indicator
from jixiao.model.source import Cell


def _cv(text: str, col: int, y0: float, x0: float = 100.0, x1: float = 180.0, bbox: bool = True) -> CellView:
    cell = Cell(text=text, row=0, col=col, bbox=(x0, y0, x1, y0 + 10.0) if bbox else None, page=1)
    return CellView(text=text, col=col, cell=cell)


def _indicator(bbox: bool = True) -> Indicator:
    ind = Indicator(level1="效益指标", level2="经济效益指标", level3="企业对高新区了", description="企业对高新区了",
                    target="提升")
    ind.evidence["level3"] = evidence_of(_cv("企业对高新区了", 2, 100.0, bbox=bbox))
    ind.evidence["description"] = evidence_of(_cv("企业对高新区了", 3, 100.0, 200.0, 300.0, bbox=bbox))
    return ind


def test_the_tail_line_under_a_cut_name_is_joined_to_it() -> None:
    ind = _indicator()
    tail = {"level3": _cv("解度", 2, 112.0, 100.0, 120.0), "description": _cv("解度是否提升", 3, 112.0, 200.0, 260.0)}
    assert _join_wrapped_tail(ind, tail)
    assert ind.level3 == "企业对高新区了解度" and ind.description == "企业对高新区了解度是否提升"
    ev = ind.evidence["level3"]
    assert ev.status == AlignmentStatus.REPAIRED and ev.repairs[-1].rule == WRAP_RULE


def test_a_row_with_a_value_a_level_name_or_no_geometry_is_no_tail() -> None:
    assert not _join_wrapped_tail(_indicator(), {"level3": _cv("解度", 2, 112.0), "target": _cv("≥5", 4, 112.0)})
    assert not _join_wrapped_tail(_indicator(), {"level2": _cv("社会效益指标", 1, 112.0), "level3": _cv("解度", 2, 112.0)})
    assert not _join_wrapped_tail(_indicator(), {"level3": _cv("解度", 2, 160.0)})  # far below: another row
    assert not _join_wrapped_tail(_indicator(), {"level3": _cv("……", 2, 112.0)})  # a placeholder row
    assert not _join_wrapped_tail(_indicator(bbox=False), {"level3": _cv("解度", 2, 112.0, bbox=False)})  # a text export
    long_name = {"level3": _cv("新增招商引资项目数量", 2, 112.0)}
    assert not _join_wrapped_tail(_indicator(), long_name)  # a name of its own, its value left blank


def test_a_target_cell_of_several_values_marks_rows_read_as_one(tmp_path) -> None:
    from jixiao.extract.rules import _glued_values
    from jixiao.pipeline import extract_file

    assert _glued_values("=100%\n≥80%") and _glued_values("合规\n≥80%")
    assert not _glued_values("2024年12月\n31日前") and not _glued_values("≥1200\n个") and not _glued_values("≥95%")
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in (
        ("产出指标", "数量指标", "养护里程", "&ge;100公里"),
        ("产出指标", "质量指标", "项目落户流程规范执行率<br>项目符合产业规划执行率", "=100%<br>&ge;80%"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "&ge;90%"),
    ))
    page = tmp_path / "glued.html"
    page.write_text("<html><body><p>项目支出绩效目标表</p><table><tr><td>项目名称</td><td>道路养护</td></tr></table>"
                    "<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>"
                    f"{rows}</table></body></html>", encoding="utf-8")
    form = extract_file(page).forms[0]
    glued = [i for i in form.indicators if any(f.code == "rows_glued" for f in i.flags)]
    assert len(glued) == 1 and "执行率" in (glued[0].level3 or "")
    assert {f.field for f in glued[0].flags if f.code == "rows_glued"} == {"level3", "target"}
    assert any(f.code == "rows_glued" and f.field == "indicators" for f in form.flags)
