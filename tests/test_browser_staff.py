"""The staff console in headless Chromium against a real server with a staff key: sign in, add a
report through the reports page and ask the chat page about it, replace it, remove it, read and
export feedback; a wrong key, the keyboard alone and a phone-wide window."""
from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .live import CHROMIUM, open_page, serve_corpus, shot, watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium not installed (apt-get install -y chromium)"),
]

KEY = "s3cret-staff-key"
TITLE = "云岭县政协2024年工作报告"
REPORT = f"""{TITLE}

——2025年1月8日在政协云岭县第十届委员会第五次会议上

一、2024年工作回顾

过去一年，县政协共收到委员提案163件，经审查立案148件，已全部办结。

围绕茶产业发展，组织委员开展专题视察7次，提出意见建议42条。

县政协建成委员工作站19个，全年接待群众来访1260人次。
"""
REVISED = REPORT.replace("委员工作站19个", "委员工作站21个")
FILE = "yunling-2024.txt"
QUESTION = "云岭县政协建成了多少个委员工作站？"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # feedback unlimited: the feedback test sends a page's worth and more
    with serve_corpus(tmp_path_factory.mktemp("staff-browser"), staff_api_key=KEY, feedback_per_minute=0) as (url, _):
        yield url


def problems(page, *statuses: int) -> list[str]:
    """What went wrong on `page`, less the console's note of each refusal the test asked for."""
    expected = tuple(f"status of {s} " for s in statuses)
    return [p for p in page.problems if not (p.startswith("console: Failed to load resource")
                                             and any(e in p for e in expected))]


def sign_in(page, key: str = KEY) -> None:
    page.get_by_label("员工密钥").fill(key)
    page.get_by_role("button", name="进入").click()


def ask(page, question: str):
    """Ask on the chat page; the finished turn's locator."""
    from playwright.sync_api import expect

    before = page.locator(".turn").count()
    box = page.get_by_label("输入问题")
    box.fill(question)
    box.press("Enter")
    turn = page.locator(".turn").nth(before)
    expect(turn.locator(".answer")).not_to_have_class(re.compile(r"\bpending\b"), timeout=30_000)
    return turn


def upload(page, text: str, name: str = FILE, **fields: str) -> None:
    """Choose the report file, fill in what is given and send; watch the stages the progress shows."""
    page.evaluate("""() => {
        window.stages = [];
        const stage = document.getElementById('upload-stage');
        new MutationObserver(() => window.stages.push(stage.textContent))
          .observe(stage, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_label(re.compile("报告文件")).set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": text.encode()})
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="上传并收录").click()


def served_version(base_url: str) -> str:
    with urllib.request.urlopen(base_url + "api/health") as r:
        return json.load(r)["index_version"]


def post_feedback(base_url: str, **body) -> None:
    req = urllib.request.Request(base_url + "api/feedback", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        assert r.status == 201


def screenshot(page, name: str) -> None:
    """Never into the checkout unless asked: CPPCC_QA_SCREENSHOT_DIR=docs refreshes README's pictures."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(height, 2000)})
    shot(page, name)


def test_a_wrong_key_is_refused_and_the_key_stays_in_the_session(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, "reports.html", locale="zh-CN")
    expect(page.get_by_role("heading", name="员工登录")).to_be_visible()
    expect(page.get_by_role("heading", name="收录新报告")).to_be_hidden()
    sign_in(page, "  ")
    expect(page.get_by_role("alert")).to_have_text("请输入员工密钥。")
    sign_in(page, "not-the-key")
    expect(page.get_by_role("alert")).to_have_text("员工密钥不正确，请重新输入。")
    expect(page.get_by_role("heading", name="收录新报告")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0

    sign_in(page)
    expect(page.get_by_role("heading", name="收录新报告")).to_be_visible()
    expect(page.locator("#reports-body tr")).to_have_count(2)  # the built-in corpus
    assert KEY not in page.url and page.evaluate("localStorage.length") == 0
    page.get_by_role("link", name="用户反馈").click()  # the key goes along within the session
    expect(page.get_by_role("heading", name="反馈记录")).to_be_visible()
    assert KEY not in page.url

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="员工登录")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("已退出。再次使用请重新输入员工密钥。")
    expect(page.get_by_role("heading", name="反馈记录")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_role("heading", name="员工登录")).to_be_visible()
    assert problems(page, 403) == []


def test_add_ask_replace_and_remove_a_report(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, "reports.html", locale="zh-CN")
    sign_in(page)
    rows = page.locator("#reports-body tr")
    expect(rows).to_have_count(2)

    # bad metadata is said in Chinese only, and nothing is added
    upload(page, REPORT, 日期="2024-13-01")
    status = page.locator("#upload-status")
    expect(status).to_contain_text("上传失败")
    assert not re.search(r"[A-Za-z]{3,}", status.inner_text().replace(FILE, "")), status.inner_text()
    expect(rows).to_have_count(2)
    upload(page, REPORT, name="yunling-2024.exe")
    expect(status).to_contain_text("上传失败（yunling-2024.exe）：不支持的文件类型。")
    assert not re.search(r"[A-Za-z]{3,}", status.inner_text().replace("yunling-2024.exe", "")), status.inner_text()

    before = served_version(base_url)
    upload(page, REPORT, 发布机关="云岭县政协", 标题=TITLE, 日期="2025-01-08", 报告类型="政协工作报告")
    expect(status).to_contain_text("已收录", timeout=60_000)
    assert "正在建立索引…" in page.evaluate("window.stages")
    expect(page.locator("#upload-progress-box")).to_be_hidden()
    assert served_version(base_url) != before
    expect(rows).to_have_count(3)
    row = page.locator("#reports-body tr", has_text=TITLE)
    expect(row.locator("td[data-label=发布机关]")).to_have_text("云岭县政协")
    expect(row.locator("td[data-label=日期]")).to_have_text("2025-01-08")
    expect(row.locator("td[data-label=来源文件]")).to_have_text(FILE)
    expect(row.locator("td[data-label=段落]")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(row.locator("td[data-label=收录时间]")).to_have_text(re.compile(r"^20\d\d-\d\d-\d\d \d\d:\d\d$"))
    first_id = row.get_attribute("data-doc-id")
    screenshot(page, "staff-reports.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    chat = watch(page.context.new_page(), base_url)
    chat.goto(base_url)
    turn = ask(chat, QUESTION)
    expect(turn.locator(".answer-text")).to_contain_text("19个")
    chip = turn.locator(".answer-text button.chip").first
    chip.click()
    expect(turn.locator(".passage-title")).to_contain_text(TITLE)
    expect(turn.locator(".passage mark")).to_contain_text("19个")

    # the same file again: refused, the page names the report it would replace, then replaces it
    upload(page, REVISED, 发布机关="云岭县政协", 标题=TITLE, 日期="2025-01-08")
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(f"《{TITLE}》（{FILE}）")
    confirm.get_by_role("button", name="替换").click()
    expect(status).to_contain_text(f"已替换《{TITLE}》", timeout=60_000)
    expect(rows).to_have_count(3)
    assert row.get_attribute("data-doc-id") != first_id
    turn = ask(chat, QUESTION)
    expect(turn.locator(".answer-text")).to_contain_text("21个")

    # remove: cancelled first, then confirmed in the page (never a browser dialog)
    row.get_by_role("button", name=f"删除《{TITLE}》").click()
    page.get_by_role("alertdialog").get_by_role("button", name="取消").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(rows).to_have_count(3)
    row.get_by_role("button", name=f"删除《{TITLE}》").click()
    page.get_by_role("alertdialog").get_by_role("button", name="确认删除").click()
    expect(page.locator("#reports-status")).to_have_text(f"已删除《{TITLE}》。", timeout=60_000)
    expect(rows).to_have_count(2)
    turn = ask(chat, QUESTION)
    expect(turn.locator(".answer-text")).not_to_contain_text("21个")
    assert problems(page, 409, 415, 422) == [] and chat.problems == []


def test_feedback_filtered_by_rating_and_exported(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    version = served_version(base_url)
    citation = {"n": 1, "passage_id": "wuwei-2024-highlights:p006.0", "quote": "调结案件35件"}
    post_feedback(base_url, question="调解成功的呢？", answer="调解成功27件[1]。", rating="down",
                  citations=[citation], comment="应当同时给出调结数",
                  history=[{"question": "武威市政协委员参与诉前调解调结了多少件案件？", "answer": "调结案件35件[1]。"}],
                  index_version=version)
    for n in range(2):
        post_feedback(base_url, question=f"平凉市建成了多少个委员工作室？{n}", answer="131个[1]。", rating="up",
                      citations=[citation], index_version=version)

    page = open_page(browser, base_url, "feedback.html", locale="zh-CN")
    sign_in(page)
    items = page.locator(".fb-item")
    expect(items).to_have_count(3)
    expect(page.locator("#feedback-count")).to_have_text("共 3 条反馈")
    page.get_by_label("评价").select_option("down")
    page.get_by_role("button", name="筛选").click()
    expect(items).to_have_count(1)
    down = items.first
    expect(down).to_contain_text("调解成功的呢？")
    expect(down).to_contain_text("调解成功27件[1]。")
    expect(down.locator(".fb-citations")).to_contain_text("wuwei-2024-highlights:p006.0：调结案件35件")
    expect(down).to_contain_text("应当同时给出调结数")
    expect(down).to_contain_text(version)
    down.get_by_text("之前的对话（1 轮）").click()
    expect(down.locator(".fb-turns")).to_contain_text("问：武威市政协委员参与诉前调解调结了多少件案件？")
    screenshot(page, "staff-feedback.png")

    with page.expect_download() as info:
        page.get_by_role("button", name="导出 CSV").click()
    download = info.value
    assert download.suggested_filename == "feedback.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [(r["rating"], r["question"], r["index_version"]) for r in rows] == [("down", "调解成功的呢？", version)]
    assert "武威市政协委员参与诉前调解调结了多少件案件？" in rows[0]["history"]

    page.get_by_label("评价").select_option("")
    page.get_by_label("起始日期").fill("2000-01-01")
    page.get_by_label("截止日期").fill("2000-12-31")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#feedback-count")).to_have_text("没有符合条件的反馈。")
    expect(items).to_have_count(0)
    today = datetime.now(UTC).date().isoformat()
    page.get_by_label("起始日期").fill(today)
    page.get_by_label("截止日期").fill(today)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#feedback-count")).to_have_text("共 3 条反馈")
    page.get_by_label("起始日期").fill("2999-01-01")  # after the last day: said, nothing asked
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#feedback-status")).to_have_text("起始日期不能晚于截止日期。")

    for n in range(20):  # 23 in all: two pages of 20
        post_feedback(base_url, question=f"武威市政协签约引进了多少个项目？{n}", answer="签约项目15个[1]。",
                      rating="up", citations=[citation], index_version=version)
    page.get_by_label("起始日期").fill("")
    page.get_by_label("截止日期").fill("")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#feedback-count")).to_have_text("共 23 条反馈")
    expect(items).to_have_count(20)
    expect(page.locator("#page-info")).to_have_text("第 1 / 2 页")
    expect(items.first).to_contain_text("武威市政协签约引进了多少个项目？19")  # newest first
    page.get_by_role("button", name="下一页").click()
    expect(page.locator("#page-info")).to_have_text("第 2 / 2 页")
    expect(items).to_have_count(3)
    expect(items.last).to_contain_text("调解成功的呢？")
    expect(page.get_by_role("button", name="下一页")).to_be_disabled()
    page.get_by_role("button", name="上一页").click()
    expect(items).to_have_count(20)
    assert page.problems == []


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def test_keyboard_only_on_a_phone(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, base_url, "reports.html", width=390, height=844, locale="zh-CN")
    _tab_to(page, "#staff-key")
    page.keyboard.type(KEY)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="收录新报告")).to_be_visible()
    expect(page.locator("#reports-body tr")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    _tab_to(page, "#reports-body button")
    removing = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="确认删除")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_role("button", name=removing)).to_be_focused()
    expect(page.locator("#reports-body tr")).to_have_count(2)

    page.goto(base_url + "feedback.html")  # still signed in: the key is the tab's for the session
    expect(page.get_by_role("heading", name="反馈记录")).to_be_visible()
    _tab_to(page, "#rating")
    page.keyboard.press("ArrowDown")  # 全部 → 👍
    _tab_to(page, "#feedback-filter button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#feedback-count")).to_be_visible()
    for item in page.locator(".fb-item").all():
        expect(item).to_have_attribute("data-rating", "up")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []


def test_without_a_staff_key_configured_the_console_says_it_is_off(browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serve_corpus(tmp_path, embedder="hash", lexicon_embedder="") as (url, _):
        page = open_page(browser, url, "reports.html", locale="zh-CN")
        sign_in(page, "any-key")
        expect(page.get_by_role("alert")).to_contain_text("员工功能未开启")
        expect(page.get_by_role("heading", name="收录新报告")).to_be_hidden()
        assert page.evaluate("sessionStorage.length") == 0
        assert problems(page, 404) == []
        page.context.close()  # no keep-alive connection left for the server's shutdown to wait on


@pytest.mark.parametrize("path", ["index.html", "figures.html", "check.html"])
def test_the_public_pages_link_to_the_console(browser, base_url: str, path: str) -> None:
    """Staff reach the console from every public page (the link says a staff key is needed)."""
    from playwright.sync_api import expect

    page = open_page(browser, base_url, path, width=390, height=844, locale="zh-CN")
    link = page.get_by_role("link", name="工作人员")
    expect(link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link.click()
    expect(page.locator("#staff-key")).to_be_visible()
    page.close()
