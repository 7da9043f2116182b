"""The page in headless Chromium against a real server (uvicorn in a thread, real service)."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .live import CHROMIUM, open_page, serve_corpus, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium not installed (apt-get install -y chromium)"),
]

MEDIATION = "武威市政协委员参与诉前调解调结了多少件案件？"



@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_corpus(tmp_path_factory.mktemp("browser")) as (url, _):
        yield url


def ask(page, question: str):
    """Type `question`, press Enter and return the finished turn's locator."""
    from playwright.sync_api import expect

    before = page.locator(".turn").count()
    box = page.get_by_label("输入问题")
    box.fill(question)
    box.press("Enter")
    turn = page.locator(".turn").nth(before)
    expect(turn.locator(".question-text")).to_have_text(question)
    expect(turn.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    expect(turn.locator(".answer-actions:not([hidden]), .error")).to_be_visible()
    return turn


def test_conversation(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    expect(page.get_by_role("heading", name="政协工作报告问答")).to_be_visible()
    expect(page.locator(".example")).to_have_count(3)

    first = ask(page, MEDIATION)
    expect(first.locator(".answer-text")).to_contain_text("35")
    chip = first.locator(".answer-text button.chip").first
    expect(chip).to_be_visible()
    chip.click()
    expect(chip).to_have_attribute("aria-expanded", "true")
    passage = first.locator(".passage")
    expect(passage).to_be_visible()
    expect(passage.locator("mark")).to_contain_text("35件")
    expect(passage.locator(".passage-title")).to_contain_text("武威")

    follow_up = ask(page, "调解成功的呢？")
    expect(follow_up.locator(".answer-text")).to_contain_text("27")

    refusal = ask(page, "酒泉市政协2024年报送了多少条社情民意信息？")
    expect(refusal.locator(".answer")).to_have_class(re.compile(r"\brefusal\b"))
    expect(refusal.locator(".refusal-title")).to_have_text("报告中没有找到相关内容")
    expect(refusal.locator(".answer-text")).not_to_be_empty()
    expect(refusal.locator(".chip")).to_have_count(0)

    markup = "<script>alert(1)</script>"
    hostile = ask(page, markup)
    expect(hostile.locator(".question-text")).to_have_text(markup)
    assert hostile.locator(".question-text script").count() == 0
    assert page.locator("main script").count() == 0

    first.get_by_role("button", name="复制回答").click()
    expect(first.locator(".action-note")).to_contain_text("已复制")
    first.get_by_role("button", name="回答有帮助").click()
    expect(first.locator(".action-note")).to_contain_text("谢谢")
    expect(first.get_by_role("button", name="回答有帮助")).to_have_attribute("aria-pressed", "true")

    # the whole conversation in one picture, composer at the bottom
    first.scroll_into_view_if_needed()
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(height, 2400)})
    # Never into the checkout: CPPCC_QA_SCREENSHOT_DIR=docs refreshes README's picture on purpose.
    shot(page, "screenshot.png")
    assert page.problems == []


def test_keyboard_and_phone_layout(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, width=390, height=844)
    box = page.get_by_label("输入问题")
    box.focus()
    page.keyboard.type("第一行")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("第二行")
    assert box.input_value() == "第一行\n第二行"
    assert page.locator(".turn").count() == 0  # Shift+Enter did not send
    box.fill("")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-hint")).to_contain_text("请先输入问题")

    turn = ask(page, MEDIATION)
    chip = turn.locator(".answer-text button.chip").first
    chip.focus()
    page.keyboard.press("Enter")
    passage = turn.locator(".passage")
    expect(passage).to_be_visible()
    expect(passage).to_be_focused()
    # one column: the passage sits below the answer text, not beside it
    text_box = turn.locator(".answer-text").bounding_box()
    passage_box = passage.bounding_box()
    assert passage_box["y"] >= text_box["y"] + text_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Escape")
    expect(passage).to_be_hidden()
    expect(chip).to_be_focused()
    assert page.problems == []


def test_errors_are_shown_in_words(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    page.route("**/api/ask", lambda route: route.fulfill(
        status=429, content_type="application/json", headers={"Retry-After": "7"},
        body='{"error": {"code": "rate_limited", "message": "请求过于频繁"}}'))
    turn = ask(page, MEDIATION)
    expect(turn.get_by_role("alert")).to_contain_text("提问太频繁")
    expect(turn.get_by_role("alert")).to_contain_text("7")

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.abort())
    turn = ask(page, MEDIATION)
    expect(turn.get_by_role("alert")).to_contain_text("网络连接失败")
    expect(turn.get_by_role("button", name="重试")).to_be_visible()

    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "index_missing", "message": "尚未建立索引"}}'))
    turn = ask(page, MEDIATION)
    expect(turn.get_by_role("alert")).to_contain_text("暂时不可用")

    page.unroute("**/api/ask")
    too_long = "问" * 1001
    page.get_by_label("输入问题").fill(too_long)
    page.get_by_label("输入问题").press("Enter")
    expect(page.locator("#composer-hint")).to_contain_text("太长")
    page.problems = [p for p in page.problems if "Failed to load resource" not in p
                     and "net::ERR_FAILED" not in p]
    assert page.problems == []
