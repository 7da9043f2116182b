"""The figures page (sort by a header, page through, a phone's width) and the draft check page
(the verdict `verify` gives, the report's figure as the correction, Markdown and CSV exports) in
headless Chromium against a real server on the default embedder."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from cppcc_qa.service import QAService

from .live import CHROMIUM, open_page, serve_corpus, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (apt-get install -y chromium)"),
]

WAIT_MS = 30000
PERSON = "平凉市政协主席宋全科带队调研。"
DRAFT = "武威市政协委员调结案件36件。平凉市政协协调落实乡村振兴帮扶资金约200万元。" + PERSON


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, QAService]]:
    with serve_corpus(tmp_path_factory.mktemp("browser-facts")) as pair:
        yield pair


def test_figures_sort_by_header_and_page_through(browser, served) -> None:
    from playwright.sync_api import expect

    base_url, service = served
    page = open_page(browser, base_url, "figures.html")
    rows = page.locator("#figures-body tr")
    caption = page.locator("#figures-caption")
    expect(caption).to_have_text("共 55 项，第 1–25 项", timeout=WAIT_MS)
    expect(rows).to_have_count(25)
    header = page.locator("th:has(button[data-sort='value'])")
    assert header.get_attribute("aria-sort") == "none"

    # click a header: ascending; Enter on it again: descending, across all pages
    page.click("button[data-sort='value']")
    expect(header).to_have_attribute("aria-sort", "ascending")
    figs = sorted(service.figures(), key=lambda f: (f.value, f.unit, f.doc_id, f.start))
    expect(page.locator("#figures-body td.num").first).to_have_text(figs[0].surface, timeout=WAIT_MS)
    page.focus("button[data-sort='value']")
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#figures-body td.num").first).to_have_text(figs[-1].surface, timeout=WAIT_MS)
    assert page.locator("th[aria-sort='none']").count() == 4
    top = page.locator("#figures-body td.num").all_inner_texts()
    assert top == [f.surface for f in sorted(service.figures(), key=lambda f: (f.value, f.unit, f.doc_id, f.start),
                                             reverse=True)[:25]]

    # page through: 下一页 twice reaches the last 5, 上一页 comes back
    page.click("#next-page")
    expect(caption).to_have_text("共 55 项，第 26–50 项", timeout=WAIT_MS)
    page.click("#next-page")
    expect(caption).to_have_text("共 55 项，第 51–55 项", timeout=WAIT_MS)
    expect(rows).to_have_count(5)
    assert page.locator("#next-page").is_disabled() and page.locator("#page-info").inner_text() == "第 3 / 3 页"
    page.click("#prev-page")
    expect(caption).to_have_text("共 55 项，第 26–50 项", timeout=WAIT_MS)

    # a new filter starts again at page 1, in the same order
    page.fill("#text", "委员工作室")
    expect(caption).to_have_text("共 4 项（已筛选），第 1–4 项", timeout=WAIT_MS)
    assert page.locator("#figures-body td.num").all_inner_texts() == ["149个", "131个", "130个", "19个"]
    page.fill("#text", "")
    expect(caption).to_have_text("共 55 项，第 1–25 项", timeout=WAIT_MS)
    page.set_viewport_size({"width": 1000, "height": 1300})
    shot(page, "screenshot-figures.png")
    assert page.problems == []
    page.close()


def test_figures_page_on_a_phone_has_no_side_scroll(browser, served) -> None:
    from playwright.sync_api import expect

    base_url, _ = served
    page = open_page(browser, base_url, "figures.html", width=390, height=844)
    expect(page.locator("#figures-body tr")).to_have_count(25, timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator("#figures-body tr").first.bounding_box()
    assert card["width"] <= 390 and card["x"] >= 0
    # the labels travel with the values, and the sort buttons are still there to press
    assert page.locator("#figures-body td").first.evaluate("td => getComputedStyle(td, '::before').content") == '"委员会："'
    page.click("button[data-sort='committee']")
    expect(page.locator("th:has(button[data-sort='committee'])")).to_have_attribute("aria-sort", "ascending")
    assert page.locator("#next-page").is_visible()
    assert page.problems == []
    page.close()


def test_draft_check_matches_verify_shows_corrections_and_exports(browser, served, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base_url, service = served
    page = open_page(browser, base_url, "check.html")
    page.fill("#draft", DRAFT)
    page.click("#check-button")
    items = page.locator(".statement-item")
    expect(items).to_have_count(3, timeout=WAIT_MS)

    # the statement about a person gets the verdict verify gives the same words
    want = service.verify(PERSON).verdict
    labels = {"supported": "相符", "refuted": "不符", "not_found": "未找到依据"}
    assert labels[want] in items.nth(2).locator(".badge").inner_text()
    # a refuted statement shows the report's figure as its correction, and its evidence opens
    assert "不符" in items.nth(0).locator(".badge").inner_text()
    assert items.nth(0).locator(".suggestion").inner_text() == "建议改为：35件（据报告原文）"
    assert items.nth(1).locator(".suggestion").inner_text() == "建议改为：260余万元（据报告原文）"  # approximate
    items.nth(1).locator(".evidence-toggle").click()
    expect(items.nth(1).locator(".evidence-list mark")).to_have_text("协调落实乡村振兴帮扶资金260余万元")
    page.set_viewport_size({"width": 1000, "height": 1400})
    shot(page, "screenshot-check.png")

    with page.expect_download() as info:
        page.click("#export-md")
    assert info.value.suggested_filename == "稿件核对.md"
    md = Path(info.value.path()).read_text(encoding="utf-8")
    assert "## 1. 不符：武威市政协委员调结案件36件" in md and "- 建议改为：35件" in md
    assert "相符 " in md and "调结案件35件" in md

    with page.expect_download() as info:
        page.click("#export-csv")
    assert info.value.suggested_filename == "稿件核对.csv"
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(r["statement"], r["verdict"], r["suggested"]) for r in rows] == [
        ("武威市政协委员调结案件36件", "refuted", "35件"),
        ("平凉市政协协调落实乡村振兴帮扶资金约200万元", "refuted", "260余万元"),
        ("平凉市政协主席宋全科带队调研", want, "")]
    assert page.problems == []
    page.close()
