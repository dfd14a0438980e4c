"""The review page in a real browser: Playwright driving Debian's chromium (never a downloaded
browser) against a real ``jixiao serve`` process. Upload a golden PDF, wait for done, see its
indicators, click one and see its box, correct a value, save, reload, see the correction,
accept it as a golden label. Screenshots go to $JIXIAO_ARTIFACTS (default tests/artifacts/)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the [browser] extra)")

from fakes.serve_process import free_port, start_server, stop_server  # noqa: E402
from jixiao.evaluate.render.cli import check_folder  # noqa: E402
from jixiao.model.output import load_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "golden" / "s000_suzhou_dept" / "digital.pdf"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (apt-get install chromium)"),
]


def artifacts() -> Path:
    d = Path(os.environ.get("JIXIAO_ARTIFACTS") or ROOT / "tests" / "artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_review_page_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(tmp_path / "data", port, tmp_path / "server.log")
    shots = artifacts()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.set_input_files("#file-input", str(PDF))  # the same handler as a drop
            link = page.locator("#jobs tbody tr a", has_text="digital.pdf")
            link.wait_for(timeout=120_000)  # a link appears when the job is done
            assert page.locator("#list-view").is_visible() and not page.locator("#review-view").is_visible()
            page.screenshot(path=str(shots / "serve-list.png"))
            link.click()
            page.wait_for_url("**/review/*")
            assert not page.locator("#list-view").is_visible()
            page.locator(".box").first.wait_for(timeout=60_000)
            rows = page.locator("table.ind tbody tr")
            assert rows.count() == 46  # s000's label has 46 indicators
            level3 = page.eval_on_selector_all('table.ind input[data-path$="/level3"]', "els => els.map(e => e.value)")
            assert level3[0] == "中长期规划制定健全性" and len(level3) == 46
            # click an indicator value: its box is selected and shows the source text
            target = page.locator('input[data-path="forms/0/indicators/2/target"]')
            original = target.input_value()
            target.click()
            box = page.locator('.box.sel[data-path="forms/0/indicators/2/target"]')
            assert box.count() == 1 and box.is_visible()
            assert original in page.locator("#source-text").inner_text()
            # "next doubt" walks flagged values first: s000 has a budget_sum_mismatch warning
            page.locator("#form-pane h3").first.click()
            page.keyboard.press("n")
            assert page.locator(".box.sel.flagged").count() == 1
            assert "警告" in page.locator("#source-text").inner_text()
            page.screenshot(path=str(shots / "serve-review.png"))
            # correct, save, reload: the correction is there
            target.fill("≥ 97%")
            page.click("#btn-save")
            page.wait_for_function("document.querySelector('#status-line').textContent.startsWith('已保存')")
            page.reload()
            page.locator(".box").first.wait_for()
            fixed = page.locator('input[data-path="forms/0/indicators/2/target"]')
            assert fixed.input_value() == "≥ 97%" and "fixed" in (fixed.get_attribute("class") or "")
            page.locator("#history summary").click()
            assert "≥ 97%" in page.locator("#corrections").inner_text() and "local" in page.locator("#corrections").inner_text()
            page.click("#btn-golden")
            page.wait_for_function("document.querySelector('#status-line').textContent.startsWith('已写入金标')")
            page.screenshot(path=str(shots / "serve-review-saved.png"))
            assert not errors, errors
            browser.close()
    finally:
        stop_server(proc)
    [folder] = [p.parent for p in (tmp_path / "data" / "golden").glob("*/label.json")]
    label = load_document(folder / "label.json")
    assert label.forms[0].indicators[2].target == "≥ 97%"
    assert check_folder(folder)[0] == []


DOCX = ROOT / "golden" / "syn_10_chongqing_docx" / "form.docx"


def test_review_panel_add_delete_and_a_docx_without_page_image(tmp_path: Path) -> None:
    """The 审核 panel lists findings; an indicator added and one deleted through the page reach
    the stored document; a DOCX shows a clear no-image notice and the clicked value's source text."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(tmp_path / "data", port, tmp_path / "server.log")
    shots = artifacts()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            answers = iter(["产出指标", "数量指标", "新增培训人次", "≥200人次"])
            page.on("dialog", lambda d: d.accept(next(answers, "")) if d.type == "prompt" else d.accept())
            page.goto(base + "/")
            page.set_input_files("#file-input", str(DOCX))
            link = page.locator("#jobs tbody tr a", has_text="form.docx")
            link.wait_for(timeout=120_000)
            link.click()
            page.wait_for_url("**/review/*")
            page.locator("table.ind tbody tr").first.wait_for(timeout=60_000)
            assert page.locator("#pages img").count() == 0  # no broken image for a DOCX
            assert "没有页面图像" in page.locator(".no-image").inner_text()
            first = page.locator('input[data-path="forms/0/indicators/0/target"]')
            first.click()
            assert "原文" in page.locator("#source-snippet").inner_text()
            n0 = page.locator("table.ind tbody tr").count()
            page.click("button.add-ind")
            page.wait_for_function("document.querySelector('#status-line').textContent.startsWith('已添加')")
            page.wait_for_function(f"document.querySelectorAll('table.ind tbody tr').length === {n0 + 1}")
            level3 = page.eval_on_selector_all('table.ind input[data-path$="/level3"]', "els => els.map(e => e.value)")
            assert "新增培训人次" in level3
            page.locator("table.ind tbody tr").first.locator("td.del button").click()
            page.wait_for_function("document.querySelector('#status-line').textContent.startsWith('已删除')")
            page.wait_for_function(f"document.querySelectorAll('table.ind tbody tr').length === {n0}")
            page.click("#btn-review")
            page.wait_for_function("document.querySelector('#review-summary').textContent.includes('条审核意见')")
            page.screenshot(path=str(shots / "serve-review-docx.png"))
            assert not errors, errors
            browser.close()
    finally:
        stop_server(proc)
