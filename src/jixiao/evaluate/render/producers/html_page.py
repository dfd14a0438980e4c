"""A golden document as a saved government web page: real ``<table>``s, chrome, CSS knobs.

Government sites publish 绩效目标表 as HTML pages (often the "preview" of an xlsx/docx):
tables with ``rowspan``/``colspan``, inline ``style`` borders and backgrounds, a header
row shaded per cell, per row or per text run (``<span style="background:…">``), and the
site's chrome around the form (breadcrumbs, 发布时间, 字号 大 中 小, 打印, 扫一扫). Old
sites still serve GBK/GB2312 with a ``<meta charset>``. The same writer (with its own
knobs) is the source of the Chromium and wkhtmltopdf PDFs.

The structure (cells, spans, header rows, page breaks) comes from ``jixiao.evaluate.render.form_layout``
so every producer draws the same table; only the look varies.
"""

from __future__ import annotations

import html
import random
from typing import Any

from jixiao.evaluate.render.form_layout import (
    Block,
    Cell,
    Grid,
    Heading,
    IndicatorTable,
    PageBreak,
    Para,
    RenderDoc,
    SideBySide,
    occupancy,
)
from jixiao.evaluate.render.producers.knobs import FONT_STACKS

CHROME_SITES = ("财政局", "人民政府", "发展和改革委员会", "教育局", "农业农村局")
BREADCRUMBS = ("首页 > 政务公开 > 财政信息 > 预算公开", "您当前的位置：首页 > 信息公开 > 财政预决算",
               "当前位置：首页 » 政府信息公开 » 部门预算 » 绩效目标")


def _esc(text: str) -> str:
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def _border_css(k: dict[str, Any]) -> str:
    style = k["border_style"]
    w = max(k["border_width_px"], 3) if style == "double" else k["border_width_px"]
    return f"{w}px {style} #000"


def page_css(k: dict[str, Any], landscape_first: bool) -> str:
    """The page's stylesheet: fonts, borders, padding, print page sizes."""
    b = _border_css(k) if k["borders"] != "none" else "none"
    rules = [
        f"body{{font-family:{FONT_STACKS[k['font']]};font-size:{k['font_size_pt']}pt;color:#000;margin:0}}",
        ".main{margin:0 auto}",
        "h1{font-size:16pt;text-align:center;margin:6pt 0}",
        "p{margin:3pt 0}",
        "table.f{width:100%;table-layout:auto}",
        f"table.f td,table.f th{{padding:{k['padding_px']}px {k['padding_px'] + 2}px;vertical-align:middle;"
        "font-weight:normal}",
        "table.f th,table.f .b{font-weight:bold}",
        "table.o{width:100%;border:none;border-collapse:collapse} table.o>tbody>tr>td{border:none;padding:0;vertical-align:top}",
        f"@page{{size:A4 {'landscape' if landscape_first else 'portrait'};margin:12mm 12mm}}",
        "@page land{size:A4 landscape;margin:12mm 12mm}",
        "@page port{size:A4 portrait;margin:14mm 12mm}",
        ".land{page:land} .port{page:port}",
        ".pb{break-before:page;page-break-before:always}",
        ".chrome{color:#555;font-size:9pt}",
    ]
    if k["row_break_inside"] == "avoid":
        rules.append("table.f tr{page-break-inside:avoid;break-inside:avoid}")
    if k["borders"] == "collapse":
        rules.append(f"table.f{{border-collapse:collapse}} table.f td,table.f th{{border:{b}}}")
    elif k["borders"] == "separate":
        rules.append(f"table.f{{border-collapse:separate;border-spacing:0;border-top:{b};border-left:{b}}}"
                     f" table.f td,table.f th{{border-right:{b};border-bottom:{b}}}")
    elif k["borders"] == "horizontal":
        rules.append(f"table.f{{border-collapse:collapse}} table.f td,table.f th{{border-top:{b};border-bottom:{b}}}")
    elif k["borders"] == "three-line":
        thick = _border_css({**k, "border_width_px": 2})
        rules.append(f"table.f{{border-collapse:collapse;border-top:{thick};border-bottom:{thick}}}"
                     f" table.f tr.hl>td,table.f tr.hl>th{{border-bottom:{b}}}")
    else:
        rules.append("table.f{border-collapse:collapse} table.f td,table.f th{border:none}")
    return "\n".join(rules)


class HtmlWriter:
    """Blocks → HTML with one document's knobs."""

    def __init__(self, k: dict[str, Any]) -> None:
        self.k = k
        self.wr = random.Random(k["width_seed"])

    # -- cells -------------------------------------------------------------------------

    def _widths(self, grid: Grid) -> list[float] | None:
        """Column widths in percent: the layout's, none (the browser decides), or jittered."""
        if self.k["widths"] == "auto":
            return None
        n = len(occupancy(grid.rows)[0])
        base = grid.widths or [100.0 / n] * n
        if self.k["widths"] == "jitter":
            base = [w * self.wr.uniform(0.75, 1.3) for w in base]
        s = sum(base)
        return [100.0 * w / s for w in base]

    def _cell(self, cell: Cell, tag_header: bool, width: float | None, shade_cell: bool, shade_run: bool) -> str:
        tag = "th" if tag_header and self.k["header_tag"] == "th" else "td"
        attrs = []
        if cell.rowspan > 1:
            attrs.append(f'rowspan="{cell.rowspan}"')
        if cell.colspan > 1:
            attrs.append(f'colspan="{cell.colspan}"')
        style = [f"text-align:{cell.align}"]
        if width is not None:
            style.append(f"width:{width:.1f}%")
        if shade_cell:
            style.append(f"background:{self.k['shade']}")
        attrs.append(f'style="{";".join(style)}"')
        if cell.bold and tag == "td":
            attrs.append('class="b"')
        text = _esc(cell.text)
        if shade_run and cell.text.strip():
            # one span per printed line, as an editor's "highlight" leaves it
            text = "<br>".join(f'<span style="background:{self.k["shade"]}">{html.escape(t, quote=False)}</span>'
                               for t in cell.text.split("\n"))
        return f"<{tag} {' '.join(attrs)}>{text}</{tag}>"

    def table(self, grid: Grid, *, indicator: bool) -> str:
        k = self.k
        widths = self._widths(grid)
        matrix = occupancy(grid.rows)
        ncols = len(matrix[0])
        head_n = grid.header_rows if indicator else 0
        first = grid.rows[0][0] if grid.rows and grid.rows[0] else None
        has_lead = bool(head_n and first is not None and not first.header and first.rowspan == len(grid.rows))
        use_thead = k["thead"] and head_n > 0 and not has_lead  # a lead cell spans thead and tbody: invalid
        parts = ['<table class="f" cellspacing="0">']
        if widths is not None:
            parts.append("<colgroup>" + "".join(f'<col style="width:{w:.1f}%">' for w in widths) + "</colgroup>")
        if use_thead:
            parts.append("<thead>")
        for r, row in enumerate(grid.rows):
            is_head = r < head_n
            if use_thead and r == head_n:
                parts.append("</thead><tbody>")
            cls = ' class="hl"' if (is_head and r == head_n - 1) or (not indicator and r == 0 and k["borders"] == "three-line") else ""
            row_shade = is_head and k["header_shading"] == "rows"
            tr_style = f' style="background:{k["shade"]}"' if row_shade else ""
            parts.append(f"<tr{cls}{tr_style}>")
            starts = {matrix[r][c]: c for c in reversed(range(ncols))}
            for i, cell in enumerate(row):
                c0 = starts[(r, i)]
                label_cell = not indicator and c0 == 0 and k["label_shading"]
                header_cell = (is_head or cell.header) and not (has_lead and r == 0 and i == 0)
                w = sum(widths[c0 : c0 + cell.colspan]) if widths is not None and r == 0 else None
                parts.append(self._cell(
                    cell, header_cell or label_cell, w,
                    shade_cell=(header_cell and k["header_shading"] == "cells") or label_cell,
                    shade_run=header_cell and k["header_shading"] == "runs",
                ))
            parts.append("</tr>")
        parts.append("</tbody></table>" if use_thead else "</table>")
        return "".join(parts)

    def block(self, block: Block) -> str:
        if isinstance(block, Heading):
            return f'<h1 style="text-align:{block.align};font-size:{block.size:g}pt">{_esc(block.text)}</h1>'
        if isinstance(block, Para):
            size = f";font-size:{block.size:g}pt" if block.size else ""
            return f'<p style="text-align:{block.align}{size}">{_esc(block.text)}</p>'
        if isinstance(block, IndicatorTable):
            return self.table(block.whole(), indicator=True)
        if isinstance(block, Grid):
            return self.table(block, indicator=False)
        if isinstance(block, SideBySide):
            tot = sum(block.widths)
            cells = "".join(f'<td style="width:{100 * w / tot:.1f}%;padding:0 4px">{self.table(g, indicator=g.header_rows > 0)}</td>'
                            for g, w in zip(block.grids, block.widths, strict=True))
            return f'<table class="o"><tr>{cells}</tr></table>'
        raise TypeError(f"not a drawable block: {block!r}")


def _chrome_top(r: random.Random, title: str) -> str:
    site = r.choice(["某市", "某县", "某区"]) + r.choice(CHROME_SITES)
    date = f"20{r.randint(21, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(8, 18):02d}:{r.randint(0, 59):02d}"
    lines = [
        f'<div class="chrome" id="header"><a href="#">{site}</a> | <a href="#">无障碍</a> | <a href="#">长者模式</a></div>',
        f'<div class="chrome crumbs">{html.escape(r.choice(BREADCRUMBS))}</div>',
        f'<div class="chrome title"><b>{html.escape(title)}</b></div>',
        f'<div class="chrome info">发布时间：{date}　来源：{site}　浏览次数：{r.randint(20, 3000)}'
        '　字号：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</div>',
    ]
    if r.random() < 0.5:
        lines.append(f'<div class="chrome">索引号：{r.randint(10**8, 10**9)}/{r.randint(2021, 2025)}-{r.randint(100, 999)}'
                     f'　发文机关：{site}　主题分类：财政、审计</div>')
    return "\n".join(lines)


def _chrome_bottom(r: random.Random) -> str:
    return "\n".join([
        '<div class="chrome tools">【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】　扫一扫在手机打开当前页</div>',
        f'<div class="chrome footer">主办单位：本站　网站标识码：{r.randint(10**9, 10**10 - 1)}　'
        f'ICP备{r.randint(10**7, 10**8 - 1)}号</div>',
    ])


def _page_class(size: str, landscape_first: bool) -> str:
    """A named print page only where the size differs from the document's first page.

    A change of named page forces a page break, so naming every sheet would push the
    page chrome (which has no name) onto a page of its own.
    """
    if (size == "a4-landscape") == landscape_first:
        return "same"
    return "land" if size == "a4-landscape" else "port"


def render_html(rd: RenderDoc, k: dict[str, Any]) -> str:
    """The whole page as text (encode it with ``k["encoding"]``; the meta tag declares it)."""
    w = HtmlWriter(k)
    landscape_first = rd.forms[0].page_size == "a4-landscape"
    body: list[str] = []
    pending_break = False  # a page_break block ending a form: the next sheet starts the page

    def flush(chunk: list[str], size: str, brk: bool) -> None:
        cls = ["sheet", _page_class(size, landscape_first)] + (["pb"] if brk else [])
        body.append(f'<div class="{" ".join(cls)}">' + "\n".join(chunk) + "</div>")

    for fi, form in enumerate(rd.forms):
        size = form.page_size
        brk = pending_break or (fi > 0 and form.new_page)
        chunk: list[str] = []
        for block in form.blocks:
            if isinstance(block, PageBreak):
                if chunk:
                    flush(chunk, size, brk)
                    chunk, brk = [], False
                size = block.page_size or size
                brk = True
                continue
            chunk.append(w.block(block))
        if chunk:
            flush(chunk, size, brk)
            brk = False
        pending_break = brk
    cr = random.Random(k["chrome_seed"])
    top = _chrome_top(cr, rd.title) if k["chrome"] else ""
    bottom = _chrome_bottom(cr) if k["chrome"] else ""
    charset = k["encoding"].upper() if k["encoding"] != "utf-8" else "utf-8"
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if k["encoding"] == "gb2312"
            else f'<meta charset="{charset}">')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head>',
        meta,
        f"<title>{html.escape(rd.title)}</title>",
        f"<style>\n{page_css(k, landscape_first)}\n</style>",
        "</head><body>",
        top,
        '<div class="main">',
        *body,
        "</div>",
        bottom,
        "</body></html>",
    ]) + "\n"


def encode_page(text: str, encoding: str) -> bytes:
    """The page's bytes; characters the legacy charset lacks become numeric references, as browsers save them."""
    return text.encode(encoding, errors="xmlcharrefreplace")
