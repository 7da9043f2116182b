"""The staff pages (check.html, figures.html) in headless Chromium against a real server
(uvicorn in a thread, real service on the `hash` embedder: the checker needs no model)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from cppcc_qa.api.facts import facts_router

from .live import CHROMIUM, open_page, serve_corpus

WAIT_MS = 20000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (apt-get install -y chromium)"),
]

INJECTED = '<img src=x onerror="alert(`x`)">'
DRAFT = (
    "2024年以来，武威市政协共有124名政协委员参与诉前调解，调结案件35件，调解成功72件。"
    f"武威市政协修订制度51项{INJECTED}。\n\n"
    "平凉市政协还组织委员植树3000棵。"
)



def with_facts(app: FastAPI) -> FastAPI:
    """The app with the fact-checking routes (ahead of the static files, as create_app adds them)."""
    if not any(getattr(r, "path", "") == "/api/verify" for r in app.routes):
        app.router.routes[:0] = facts_router().routes
    return app


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_corpus(tmp_path_factory.mktemp("fact-pages"), with_facts, embedder="hash", lexicon_embedder="") as (url, _):
        yield url


def test_draft_is_highlighted_by_verdict_with_evidence_one_click_away(browser, base_url: str) -> None:
    page = open_page(browser, base_url, "check.html")
    page.fill("#draft", DRAFT)
    page.click("#check-button")
    page.wait_for_selector("#draft-view .statement", timeout=WAIT_MS)

    marks = page.locator("#draft-view .statement")
    assert marks.count() == 5
    classes = [marks.nth(i).get_attribute("class") for i in range(marks.count())]
    assert classes == ["statement v-supported", "statement v-supported", "statement v-refuted",
                       "statement v-supported", "statement v-not_found"]
    # a text label, not colour alone
    assert [marks.nth(i).locator(".badge").inner_text() for i in range(5)] == [
        "✓ 相符", "✓ 相符", "✗ 不符", "✓ 相符", "? 未找到依据"]
    assert marks.nth(2).get_attribute("aria-label") == "不符：调解成功72件"
    assert page.locator("#summary").inner_text().split() == ["✓", "相符", "3", "✗", "不符", "1", "?", "未找到依据", "1"]

    # the draft comes back as text: markup in it is shown, not run
    assert INJECTED in page.locator("#draft-view").inner_text()
    assert page.locator("#draft-view img").count() == 0

    # one click from the highlighted statement to its evidence
    marks.nth(2).click()
    item = page.locator("#st-2")
    assert "current" in item.get_attribute("class")
    evidence = item.locator(".evidence-list")
    assert evidence.is_visible()
    assert evidence.locator("mark").first.inner_text() == "调解成功27件"
    assert "报告为27件，而非72件" in item.locator(".explanation").inner_text()

    # the keyboard works too
    marks.nth(4).focus()
    page.keyboard.press("Enter")
    assert "current" in page.locator("#st-4").get_attribute("class")
    assert page.locator("#st-4 .evidence-list").count() == 0  # not_found cites nothing
    assert page.problems == []
    page.close()


def test_empty_draft_is_refused_in_the_page(browser, base_url: str) -> None:
    page = open_page(browser, base_url, "check.html")
    page.click("#check-button")
    assert page.locator("#status").inner_text() == "请先粘贴稿件。"
    assert page.locator("#results").is_hidden()
    assert page.problems == []
    page.close()


def test_figures_page_searches_and_downloads(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, "figures.html")
    rows = page.locator("#figures-body tr")
    expect(rows).to_have_count(25, timeout=WAIT_MS)  # one page (the page's CSP forbids wait_for_function's eval)
    assert page.locator("#figures-caption").inner_text() == "共 55 项，第 1–25 项"

    page.fill("#text", "委员工作室")
    expect(rows).to_have_count(4, timeout=WAIT_MS)
    expect(page.locator("#committee option")).to_have_count(3, timeout=WAIT_MS)
    page.select_option("#committee", "武威市政协")
    expect(rows).to_have_count(3, timeout=WAIT_MS)
    numbers = page.locator("#figures-body td.num").all_inner_texts()
    assert numbers == ["149个", "19个", "130个"]
    href = page.locator("#csv-link").get_attribute("href")
    assert re.fullmatch(r"api/figures\.csv\?committee=.+&text=.+", href)

    with page.expect_download() as info:
        page.click("#csv-link")
    csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("figure_id,committee,measure,value")
    assert len(csv_text.splitlines()) == 4

    page.locator("#figures-body button").first.click()
    page.wait_for_selector(".source-row mark", timeout=WAIT_MS)
    assert page.locator(".source-row mark").inner_text() == "149个"
    assert page.problems == []
    page.close()
