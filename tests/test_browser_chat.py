"""The chat that keeps its conversation, the report reader and the useful refusal, in headless
Chromium against a real server (uvicorn in a thread, the real service over the built-in corpus).

Done as a person does it: ask, reload, reopen from the list, delete; open a citation in the
reader; click a suggestion of a refusal; ask in Traditional characters; keyboard only; a phone.
CPPCC_QA_SCREENSHOT_DIR=docs refreshes the screenshots in docs/ on purpose.
"""
from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest

from cppcc_qa.text.script import is_traditional

from .live import CHROMIUM, open_page, serve_corpus, shot
from .test_browser import ask

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium not installed (apt-get install -y chromium)"),
]

MEDIATION = "武威市政协委员参与诉前调解调结了多少件案件？"
STUDIOS = "平凉市建成了多少个委员工作室？"
OUTSIDE = "酒泉市政协2024年报送了多少条社情民意信息？"  # a city no report is about
TRADITIONAL = "武威市政協委員參與訴前調解調結了多少件案件？"
KEY = "staff-key-for-tests"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # a roomy time budget: a refusal's help is skipped when it would not fit (service.reply), and
    # these tests look at the help, not at how busy the machine is
    with serve_corpus(tmp_path_factory.mktemp("browser-chat"), staff_api_key=KEY, ask_time_budget_s=60.0) as (url, _):
        yield url


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("document.documentElement.clientWidth"), width


def test_conversation_survives_reload_and_is_listed(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    first = ask(page, MEDIATION)
    expect(first.locator(".answer-text")).to_contain_text("35")
    ask(page, "调解成功的呢？")

    page.reload()
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn .question-text").first).to_have_text(MEDIATION)
    expect(page.locator(".turn .answer-text").first).to_contain_text("35")
    expect(page.locator("#welcome")).to_be_hidden()
    # the follow-up keeps its context after the reload: the history came back too
    third = ask(page, "成功率是多少？")
    expect(third.locator(".answer")).not_to_have_class(re.compile(r"\bfailed\b"))

    # 新对话 keeps the old one and offers to undo
    page.get_by_role("button", name="新对话").click()
    expect(page.locator(".turn")).to_have_count(0)
    expect(page.locator("#toast")).to_contain_text("对话记录")
    page.get_by_role("button", name="撤销").click()
    expect(page.locator(".turn")).to_have_count(3)
    page.get_by_role("button", name="新对话").click()
    ask(page, STUDIOS)

    page.get_by_role("button", name="对话记录").click()
    drawer = page.locator("#drawer")
    expect(drawer).to_be_visible()
    expect(drawer.locator(".history-item")).to_have_count(2)
    expect(drawer.locator(".history-open").first).to_contain_text(STUDIOS)  # newest first
    shot(page, "chat-history.png")
    drawer.locator(".history-open", has_text=MEDIATION).click()
    expect(drawer).to_be_hidden()
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator(".turn .question-text").first).to_have_text(MEDIATION)

    # delete one, undo, delete it again
    page.get_by_role("button", name="对话记录").click()
    drawer.get_by_role("button", name="删除对话：" + STUDIOS).click()
    expect(drawer.locator(".history-item")).to_have_count(1)
    page.get_by_role("button", name="撤销").click()
    expect(drawer.locator(".history-item")).to_have_count(2)
    drawer.get_by_role("button", name="删除对话：" + STUDIOS).click()
    expect(drawer.locator(".history-item")).to_have_count(1)
    page.reload()
    stored = json.loads(page.evaluate("localStorage.getItem('cppcc-qa.conversations')"))
    assert [c["turns"][0]["question"] for c in stored] == [MEDIATION]
    assert page.problems == []


def test_an_answers_link_reopens_it(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    ask(page, MEDIATION)
    second = ask(page, STUDIOS)
    href = second.get_by_role("link", name="这条回答的链接").get_attribute("href")
    assert re.fullmatch(r"#c=[\w%-]+&t=2", href or ""), href
    page.get_by_role("button", name="新对话").click()
    page.goto(base_url + "index.html" + href)
    linked = page.locator(".turn.linked")
    expect(linked).to_have_count(1)
    expect(linked.locator(".question-text")).to_have_text(STUDIOS)
    expect(linked).to_be_focused()
    expect(linked).to_be_in_viewport()
    assert page.problems == []


def test_feedback_sends_comment_history_and_version(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    ask(page, MEDIATION)
    turn = ask(page, "调解成功的呢？")
    turn.get_by_role("button", name="回答没有帮助").click()
    box = turn.get_by_label("哪里不对？（可不填）")
    expect(box).to_be_focused()
    box.fill("想知道调解成功率")
    turn.get_by_role("button", name="发送反馈").click()
    expect(turn.locator(".action-note")).to_contain_text("谢谢")
    req = urllib.request.Request(base_url + "api/feedback?limit=5", headers={"X-API-Key": KEY})
    with urllib.request.urlopen(req) as res:
        entry = json.load(res)["feedback"][0]
    assert entry["rating"] == "down" and entry["comment"] == "想知道调解成功率"
    assert [t["question"] for t in entry["history"]] == [MEDIATION]
    assert "35" in entry["history"][0]["answer"]
    with urllib.request.urlopen(base_url + "api/health") as res:
        assert entry["index_version"] == json.load(res)["index_version"]
    page.reload()  # the vote is remembered with the conversation
    expect(page.locator(".turn").nth(1).get_by_role("button", name="回答没有帮助")).to_have_attribute(
        "aria-pressed", "true")
    assert page.problems == []


def test_citation_opens_the_reader_at_the_quote(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    turn = ask(page, MEDIATION)
    quote = page.evaluate("JSON.parse(localStorage.getItem('cppcc-qa.conversations'))[0]"
                          ".turns[0].response.citations[0].quote")
    turn.locator(".source-list").get_by_role("link", name=re.compile("^查看原文 1")).click()
    expect(page).to_have_url(re.compile(r"reader\.html\?doc=wuwei"))
    target = page.locator(".report-passage.target")
    expect(target).to_have_count(1)
    expect(target.locator("mark")).to_have_text(quote)
    expect(target).to_be_in_viewport()
    expect(target).to_be_focused()
    expect(page.locator(".report-section").first).to_be_visible()
    assert page.locator(".report-section").count() >= 3  # the report's sections as headings
    expect(page.locator(".report-title")).to_contain_text("武威")
    shot(page, "reader.png")
    # the whole report is there, not only the passage
    assert page.locator(".report-passage").count() > 10
    page.get_by_role("link", name="← 返回问答").click()
    expect(page.locator(".turn")).to_have_count(1)  # the conversation is still there
    assert page.problems == []


def test_reports_are_listed_and_reachable_after_asking(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    docs = page.locator("#document-list .document")
    expect(docs).to_have_count(2)
    expect(docs.first).to_contain_text("2024")
    expect(page.locator(".example").first).to_be_visible(timeout=30_000)
    example = page.locator(".example").first.text_content()
    page.locator(".example").first.click()
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    expect(turn.locator(".answer")).not_to_have_class(re.compile(r"\brefusal\b"))
    assert example
    page.get_by_role("button", name="报告").click()
    report = page.locator("#report-list a").first
    expect(report).to_be_visible()
    report.click()
    expect(page.locator(".report-title")).not_to_be_empty()
    expect(page.locator(".report-passage").first).to_be_visible()
    assert page.problems == []


def test_a_refusal_helps(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    turn = ask(page, OUTSIDE)
    expect(turn.locator(".answer")).to_have_class(re.compile(r"\brefusal\b"))
    expect(turn.locator(".related-title")).to_have_text("相关段落（不是答案）")
    related = turn.get_by_role("list", name="相关段落（不是答案）").locator("li")
    assert related.count() >= 1
    expect(turn.locator(".covers")).to_contain_text("平凉市政协")
    suggestions = turn.locator(".suggestion")
    assert suggestions.count() >= 1
    expect(turn.locator(".chip")).to_have_count(0)  # nothing in it poses as a cited answer
    turn.scroll_into_view_if_needed()
    shot(page, "refusal.png")
    asked = suggestions.first.text_content()
    suggestions.first.click()
    answer = page.locator(".turn").nth(1)
    expect(answer.locator(".question-text")).to_have_text(asked)
    expect(answer.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    expect(answer.locator(".answer")).not_to_have_class(re.compile(r"\brefusal\b"))
    expect(answer.locator(".answer-text .chip").first).to_be_visible()
    assert page.problems == []


def test_traditional_question_gets_traditional_reply(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    turn = ask(page, TRADITIONAL)
    text = turn.locator(".answer-text").text_content() or ""
    assert "35" in text and is_traditional(text), text
    turn.locator(".answer-text .chip").first.click()
    mark = turn.locator(".passage mark")
    expect(mark).to_contain_text("调结案件35件")  # the quote as the report writes it
    assert page.problems == []


def test_keyboard_only_and_phone_width(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, width=390, height=844)
    _no_horizontal_scroll(page)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    expect(page.get_by_label("输入问题")).to_be_focused()
    page.keyboard.type(OUTSIDE)
    page.keyboard.press("Enter")
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    expect(turn.locator(".related").first).to_be_visible()
    _no_horizontal_scroll(page)
    turn.locator(".suggestions").scroll_into_view_if_needed()
    shot(page, "chat-phone.png")

    # the list of conversations by keyboard: open, reach an item, close with Escape
    page.get_by_role("button", name="对话记录").focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#drawer")
    expect(drawer).to_be_visible()
    expect(drawer).to_be_focused()
    _no_horizontal_scroll(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="关闭")).to_be_focused()
    page.keyboard.press("Tab")
    expect(drawer.locator(".history-open").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(page.get_by_role("button", name="对话记录")).to_be_focused()

    # a suggestion by keyboard
    suggestion = turn.locator(".suggestion").first
    suggestion.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".turn")).to_have_count(2)
    answer = page.locator(".turn").nth(1)
    expect(answer.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    link = answer.locator(".source-list .reader-link").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".report-passage.target mark")).not_to_be_empty()
    _no_horizontal_scroll(page)
    assert page.problems == []


def test_reader_says_what_is_wrong(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url)
    page.goto(base_url + "reader.html?doc=no-such-report")
    expect(page.locator("#reader-status")).to_contain_text("没有找到这份报告")
    # a version no longer kept: the report opens as it is now, and says so
    page.goto(base_url + "reader.html?doc=wuwei-2024-highlights&v=19990101T000000-00000000-0000")
    expect(page.locator(".report-passage").first).to_be_visible()
    expect(page.locator("#reader-status")).to_contain_text("当前版本")
    problems = [p for p in page.problems if "404" not in p]  # the refused version is a 404 by design
    assert problems == []
