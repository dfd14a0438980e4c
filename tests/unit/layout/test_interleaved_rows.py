"""Rows of an unruled table whose lines overlap (``_join_interleaved``): the one-line cells
of a row centred between the two lines of its wrapped labels join that row; a level label
centred between two rows of names does not glue them."""

from __future__ import annotations

from jixiao.layout.page import _join_interleaved
from jixiao.layout.words import _Row, _Seg

H = 12.0


def _row(*segs: tuple[str, float, float, float]) -> _Row:
    return _Row([_Seg(t, x0, y, x1, y + H, 1.0) for t, x0, x1, y in segs])


def test_centred_amounts_between_wrapped_labels_join_their_row() -> None:
    up = _row(("项目资金", 59, 107, 110), ("年度资金总", 135, 195, 110), ("其中：财政", 278, 338, 110))
    mid = _row(("386.50", 229, 262, 117), ("350.00", 372, 405, 117), ("其他资金", 427, 475, 117))
    down = _row(("（万元）", 59, 107, 124), ("额：", 153, 177, 124), ("拨款", 296, 320, 124))
    assert len(_join_interleaved([[up], [mid], [down]], H, 2)) == 1


def test_level_labels_between_two_rows_do_not_glue_them() -> None:
    up = _row(("企业满意度", 370, 430, 613), ("≥80%", 488, 512, 613))
    mid = _row(("满意度指标", 166, 226, 620), ("满意度指标", 268, 328, 620))
    down = _row(("社会公众满意度", 358, 442, 628), ("≥80%", 488, 512, 628))
    assert len(_join_interleaved([[up], [mid], [down]], H, 2)) == 3


def test_separator_moves_off_a_wrapped_name_that_overruns_it() -> None:
    """Columns come from the lines with two pieces (names up to x 720, values from 745); the
    first line of a long wrapped name, alone on its line, ends at 735, past the middle of
    that gap (732): the boundary goes into the whitespace that is left (735–745)."""
    from jixiao.layout.page import _clear_of_edges

    rows = [_row(("开展补贴性职业技能培训", 590, 720, 289), ("≥2万人次", 752, 796, 289)),
            _row(("新增取得职业资格证书或职业", 575, 735, 305)),
            _row(("人均培训补贴标准", 615, 695, 394), ("≤1800元/人", 745, 803, 394))]
    (x,) = _clear_of_edges([732.0], rows, 10.0)
    assert 735 < x < 745
    # a piece that really spans the boundary (crosses it far from its edges) keeps it
    assert _clear_of_edges([650.0], rows, 10.0) == [650.0]
