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


# a landscape form's key/value rows over an indicator header drawn on three lines: 指标值 /
# 类型 and 计量单 / 位 wrap, the one-line labels sit centred between their two lines
KV = [_row(("项目名称", 72, 114, 99), ("2023年农村公路养护补助资金", 213, 348, 99), ("主管部门", 444, 486, 99), ("岳阳市交通运输局", 621, 705, 99)),
      _row(("实施单位", 72, 114, 118), ("岳阳市公路建设养护中心", 222, 338, 118), ("项目属性", 444, 486, 118), ("经常性项目", 637, 690, 118))]
UPPER = _row(("指标值", 397, 428, 211), ("计量单", 513, 545, 211))
HEAD = _row(("一级指标", 42, 84, 218), ("二级指标", 108, 150, 218), ("三级指标", 184, 226, 218), ("指标解释", 295, 337, 218),
            ("*指标值", 453, 489, 218), ("权重", 558, 579, 218))
LOWER = _row(("类型", 402, 423, 225), ("位", 524, 534, 225))
DATA = [_row(("产出指标", 42, 84, 244), ("数量指标", 108, 150, 244), ("日常养护里程", 174, 237, 244), ("纳入日常养护的里程", 248, 385, 244),
             ("定量", 402, 423, 244), ("≥11800", 455, 487, 244), ("公里", 518, 540, 244), ("10", 564, 574, 244)),
        _row(("危桥改造座数", 174, 237, 270), ("完成危桥改造的数量", 248, 385, 270), ("定量", 402, 423, 270), ("=32", 460, 481, 270),
             ("座", 524, 534, 270), ("8", 566, 571, 270))]


def test_header_over_three_lines_leaves_the_key_value_block_with_its_upper_line() -> None:
    """The whitespace columns of key/value rows and indicator rows together glue 一级指标 and
    二级指标: the header opens a table of its own, and the line above it naming columns
    (指标值 计量单) is the upper line of that header, not a line of the block above."""
    from jixiao.layout.page import _split_at_headers

    parts = _split_at_headers(KV + [UPPER, HEAD, LOWER] + DATA, H)
    assert [len(p) for p, _ in parts] == [2, 2 + 1 + len(DATA)]
    assert parts[1][0][0] is UPPER


def test_header_lines_around_one_line_labels_join_one_row() -> None:
    from jixiao.layout.page import _join_header_lines

    groups = _join_header_lines([[UPPER], [HEAD], [LOWER]] + [[r] for r in DATA], H)
    assert [len(g) for g in groups] == [3, 1, 1]


def test_wide_table_row_with_three_wrapped_cells_and_centred_values_joins() -> None:
    """A wide table (ten columns): the row's wrapped cells hold three pieces on each line,
    fewer than half the columns; the one-line values sit centred between those lines."""
    from jixiao.layout.page import _logical_rows

    up = _row(("农村公路日常", 174, 237, 244), ("纳入日常养护的县道、乡道、", 248, 385, 244), ("完成目标值得10分；每少", 590, 705, 244))
    mid = _row(("定量", 402, 423, 250), ("≥11800", 455, 487, 250), ("公里", 518, 540, 250), ("10", 564, 574, 250), ("计划标准", 724, 766, 250))
    down = _row(("养护里程", 184, 226, 257), ("村道里程", 248, 290, 257), ("完成1%扣1分", 590, 650, 257))
    nxt = _row(("农村公路危桥", 174, 237, 276), ("完成四、五类危桥改造的数", 248, 385, 276), ("全部完成得8分；每少完成", 590, 705, 276))
    xs = [-1e9, 160, 240, 395, 440, 505, 550, 585, 715, 1e9]
    groups = _logical_rows([up, mid, down, nxt], H, 10, xs)
    assert [len(g) for g in groups] == [3, 1]


def test_interleaved_indicator_rows_continued_from_a_page_stay_one_run() -> None:
    """A page continuing an unruled indicator table (no header) whose names wrap with the
    one-line cells centred between their lines: each row is four overlapping lines, so
    fewer than a quarter of the line gaps are gaps between rows; the spacing between rows
    (8 pt) is the usual one, not a gap between two tables."""
    from jixiao.layout.page import _runs

    rows = []
    y = 42.0
    for name, level in (("群众出行及运", "经济效益指标"), ("农村公路列养", "社会效益指标"), ("农村公路交通", "社会效益指标"),
                        ("农村公路长效", "可持续影响指标"), ("沿线群众满意", "服务对象满意度指标")):
        rows += [_row((name, 174, 237, y), ("农村公路通行条件改善", 248, 374, y)),
                 _row((level, 98, 161, y + 7), ("定性", 402, 423, y + 7), ("5", 566, 571, y + 7)),
                 _row(("输成本", 190, 221, y + 14), ("的变化", 248, 280, y + 14)),
                 _row(("及其他", 190, 221, y + 21), ("情况", 248, 270, y + 21))]
        y += 21 + H + 8
    assert [len(r) for r in _runs(rows, 3 * H, H)] == [len(rows)]
