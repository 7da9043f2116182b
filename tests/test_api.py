"""The HTTP API against the built-in corpus and the real service (default embedder)."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings

pytestmark = pytest.mark.model

MEDIATION = "武威市政协委员参与诉前调解调结了多少件案件？"
NOT_IN_REPORTS = "酒泉市政协2024年报送了多少条社情民意信息？"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("api")
    return Settings(index_dir=root / "index", data_dir=root / "data", staff_api_key="staff-key")


@pytest.fixture(scope="module")
def service(settings: Settings):
    svc = build_service(settings)
    svc.build()
    return svc


@pytest.fixture(scope="module")
def client(settings: Settings, service) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service)) as c:
        yield c


def app_client(settings: Settings, service, **changes: object) -> TestClient:
    """A client for an app with some settings changed (use it in a `with`)."""
    return TestClient(create_app(settings.model_copy(update=changes), service))


def sse_events(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [ln for ln in block.split("\n") if ln and not ln.startswith(":")]
        if not lines:
            continue
        name = next((ln[6:].strip() for ln in lines if ln.startswith("event:")), "message")
        data = "\n".join(ln[5:].removeprefix(" ") for ln in lines if ln.startswith("data:"))
        events.append((name, data))
    return events


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# ------------------------------------------------------------------------------------- asking

def test_ask_returns_a_cited_answer(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": MEDIATION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answerable"] is True
    assert "35" in body["answer"]
    assert "[1]" in body["answer"]
    cite = body["citations"][0]
    assert cite["n"] == 1 and cite["committee"] == "武威市政协"
    assert "35件" in cite["quote"]
    offset = cite["start"] - cite["passage_start"]
    assert cite["text"][offset:offset + len(cite["quote"])] == cite["quote"]
    assert body["index_version"]


def test_ask_outside_the_reports_is_not_answerable(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": NOT_IN_REPORTS}).json()
    assert body["answerable"] is False
    assert body["citations"] == []
    assert body["answer"]


def test_follow_up_uses_history(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": MEDIATION}).json()
    r = client.post("/api/ask", json={"question": "调解成功的呢？", "history": [
        {"question": MEDIATION, "answer": first["answer"]}]})
    assert r.status_code == 200, r.text
    assert "27" in r.json()["answer"]


@pytest.mark.parametrize("how", ["flag", "accept"])
def test_streaming_sends_sources_then_answer_then_done(client: TestClient, how: str) -> None:
    if how == "flag":
        r = client.post("/api/ask", json={"question": MEDIATION, "stream": True})
    else:
        r = client.post("/api/ask", json={"question": MEDIATION},
                        headers={"Accept": "text/event-stream"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "done"
    assert names.index("answer") > max((i for i, n in enumerate(names) if n == "delta"), default=0)
    assert set(names) <= {"sources", "delta", "answer", "done"}
    data = {name: json.loads(d) for name, d in events if name != "delta"}
    deltas = "".join(json.loads(d)["text"] for name, d in events if name == "delta")
    done = data["done"]
    assert deltas == data["answer"]["answer"] == done["answer"]
    assert data["sources"] == done["citations"] and "35件" in done["citations"][0]["quote"]
    assert done["answerable"] is True


def test_markup_in_a_question_comes_back_as_json_text(client: TestClient) -> None:
    question = "<script>alert(1)</script>"
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["question"] == question
    assert isinstance(r.json()["answerable"], bool)


# -------------------------------------------------------------------------------------- limits

@pytest.mark.parametrize("question", ["", "   \n ", "问\x00题", "x" * 1001])
def test_bad_questions_are_422_with_a_message(client: TestClient, question: str) -> None:
    error = assert_error(client.post("/api/ask", json={"question": question}), 422)
    assert "问题" in error["message"]


def test_question_limit_comes_from_settings(settings: Settings, service) -> None:
    with app_client(settings, service, max_question_chars=10) as c:
        error = assert_error(c.post("/api/ask", json={"question": "一" * 11}), 422)
        assert "10" in error["message"]


def test_too_many_history_turns_is_422(client: TestClient, settings: Settings) -> None:
    history = [{"question": "平凉市建成了多少个委员工作室？", "answer": "131个"}] * (
        settings.max_history_turns + 1)
    error = assert_error(client.post("/api/ask", json={"question": MEDIATION, "history": history}), 422)
    assert str(settings.max_history_turns) in error["message"]


def test_malformed_bodies_are_400_and_wrong_shapes_422(client: TestClient) -> None:
    assert_error(client.post("/api/ask", content=b"{not json",
                             headers={"Content-Type": "application/json"}), 400, "invalid_body")
    assert_error(client.post("/api/ask", json={"question": MEDIATION, "extra": 1}), 422)
    assert_error(client.post("/api/ask", json={"question": 35}), 422)


def test_too_big_body_is_413(settings: Settings, service) -> None:
    big = json.dumps({"question": MEDIATION, "history": [{"question": "x", "answer": "y" * 3000}]})
    with app_client(settings, service, max_body_bytes=2048) as c:
        assert_error(c.post("/api/ask", content=big.encode(),
                            headers={"Content-Type": "application/json"}), 413, "body_too_large")
        # without a Content-Length (chunked upload) the size is counted as it arrives
        chunks = iter([big[:1000].encode(), big[1000:].encode()])
        assert_error(c.post("/api/ask", content=chunks,
                            headers={"Content-Type": "application/json"}), 413, "body_too_large")
        assert c.post("/api/ask", json={"question": MEDIATION}).status_code == 200


def test_rate_limit_answers_429(settings: Settings, service) -> None:
    with app_client(settings, service, rate_limit_per_minute=3) as c:
        assert [c.get("/api/health").status_code for _ in range(3)] == [200, 200, 200]
        r = c.post("/api/ask", json={"question": MEDIATION})
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/").status_code == 200  # the page itself is not rate limited


# ------------------------------------------------------------------------------------ browsing

def test_passage_documents_and_health(client: TestClient) -> None:
    cite = client.post("/api/ask", json={"question": MEDIATION}).json()["citations"][0]
    p = client.get(f"/api/passages/{cite['passage_id']}")
    assert p.status_code == 200, p.text
    view = p.json()
    assert view["passage"]["text"] == cite["text"]
    assert view["document"]["title"] == cite["title"] and "text" not in view["document"]
    assert "prev_id" in view and "next_id" in view
    assert_error(client.get("/api/passages/no-such-passage"), 404, "not_found")

    docs = client.get("/api/documents").json()["documents"]
    assert {d["committee"] for d in docs} >= {"武威市政协", "平凉市政协"}

    health = client.get("/api/health").json()
    assert health["index_version"] and health["embedder"] and health["chunks"] > 0
    assert health["limits"]["max_history_turns"] > 0


def test_health_is_503_without_an_index(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as c:
        assert_error(c.get("/api/health"), 503, "index_missing")
        assert_error(c.post("/api/ask", json={"question": MEDIATION}), 503, "index_missing")
        assert c.get("/").status_code == 200


def test_page_docs_and_unknown_routes(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "政协工作报告问答" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/app.js").status_code == 200
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/feedback", "/api/health", "/api/documents"} <= set(paths)
    assert_error(client.get("/api/nothing-here"), 404)


# ------------------------------------------------------------------------------------ feedback

FEEDBACK = {"question": MEDIATION, "answer": "调结案件35件[1]。", "rating": "up",
            "citations": [{"n": 1, "passage_id": "wuwei-2024-highlights:p010.0", "quote": "调结案件35件",
                           "text": "extra fields from the page are ignored"}],
            "comment": "清楚"}


def test_feedback_is_stored_and_readable_with_the_key(client: TestClient, settings: Settings) -> None:
    r = client.post("/api/feedback", json=FEEDBACK)
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    listed = client.get("/api/feedback", headers={"X-API-Key": "staff-key"})
    assert listed.status_code == 200
    entry = next(e for e in listed.json()["feedback"] if e["id"] == new_id)
    assert entry["rating"] == "up" and entry["comment"] == "清楚"
    assert entry["citations"] == [{"n": 1, "passage_id": "wuwei-2024-highlights:p010.0",
                                   "quote": "调结案件35件"}]
    db = settings.data_dir / "feedback.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE id = ?", (new_id,)).fetchone()[0] == 1


def test_feedback_reading_needs_the_right_key(client: TestClient) -> None:
    assert_error(client.get("/api/feedback"), 401, "unauthorized")
    assert_error(client.get("/api/feedback", headers={"X-API-Key": "wrong"}), 403, "forbidden")


def test_feedback_reading_is_off_without_a_key(settings: Settings, service) -> None:
    with app_client(settings, service, staff_api_key=None) as c:
        assert_error(c.get("/api/feedback", headers={"X-API-Key": "staff-key"}), 404, "not_found")
        assert c.post("/api/feedback", json=FEEDBACK).status_code == 201  # voting still works


def test_bad_feedback_is_422(client: TestClient) -> None:
    assert_error(client.post("/api/feedback", json={**FEEDBACK, "rating": "meh"}), 422)
    assert_error(client.post("/api/feedback", json={**FEEDBACK, "question": " "}), 422)


def test_openapi_page_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text and "cdn" not in page.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/api/ask"]
