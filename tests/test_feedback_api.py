"""The feedback routes over HTTP: a vote with its conversation and index version, the staff
list with its filters, the CSV export, and their refusals (401/403/404/422)."""
from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cppcc_qa.api.app import create_app
from cppcc_qa.api.feedback import FeedbackEntry, open_feedback_store
from cppcc_qa.settings import Settings

from .pg import PostgresServer, postgres_server

KEY = "staff-key"
STAFF = {"X-API-Key": KEY}
VERSION = "20240301T120000-1a2b3c4d-5e6f"
VOTE: dict[str, Any] = {
    "question": "那平凉呢？", "answer": "平凉市政协调结案件12件[1]。", "rating": "down", "comment": "数字不对",
    "citations": [{"n": 1, "passage_id": "pingliang-2024:p003.1", "quote": "调结案件12件"}],
    "history": [{"question": "武威市政协委员参与诉前调解调结了多少件案件？", "answer": "调结案件35件[1]。"}],
    "index_version": VERSION}


class NoAnswers:
    """The answer service the feedback routes never use (they need none to be ready)."""

    def warm_up(self) -> None:
        pass


def _settings(tmp_path: Path, **changes: Any) -> Settings:
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash", lexicon_embedder="",
                    staff_api_key=KEY, rate_limit_per_minute=0, feedback_per_minute=0).model_copy(update=changes)


@dataclass
class Deployment:
    """An app's settings over an empty feedback database, and how to make that database fail and
    mend it (SQLite: a damaged file, moved away; PostgreSQL: the server stopped, started again)."""

    settings: Settings
    fail: Callable[[], None]
    mend: Callable[[], None]
    mending_keeps: bool  # whether the votes from before the failure are there after it


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


_DATABASES = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    if request.param == "sqlite":
        db = tmp_path / "data" / "feedback.sqlite3"
        yield Deployment(_settings(tmp_path), lambda: db.write_bytes(b"\0" * 4096), db.unlink, False)
        return
    pg: PostgresServer = request.getfixturevalue("pg_server")
    name = f"api{next(_DATABASES)}"
    url = pg.create_database(name)
    yield Deployment(_settings(tmp_path, database_url=SecretStr(url)), pg.stop, pg.start, True)
    if not pg.is_running():
        pg.start()
    pg.drop_database(name)


@pytest.fixture
def client(deployment: Deployment) -> Iterator[TestClient]:
    with TestClient(create_app(deployment.settings, NoAnswers())) as c:
        yield c


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    return str(response.json()["error"]["message"])


def _vote(client: TestClient, **changes: Any) -> int:
    r = client.post("/api/feedback", json={**VOTE, **changes})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _stored_on(settings: Settings, day: str, rating: str) -> None:
    """A vote stored on `day` (the route stamps today; staff filters need other days)."""
    open_feedback_store(settings).add(FeedbackEntry(
        question=f"{day}的问题", answer="回答", rating=rating, created_at=f"{day}T12:00:00+00:00"))


# -------------------------------------------------------------------------------- voting

def test_a_vote_keeps_its_conversation_and_index_version(client: TestClient) -> None:
    new_id = _vote(client)
    listed = client.get("/api/feedback", headers=STAFF).json()
    assert listed["count"] == 1
    [entry] = listed["feedback"]
    assert entry == {**VOTE, "id": new_id, "created_at": entry["created_at"]}
    assert entry["created_at"].endswith("+00:00")


def test_history_and_index_version_are_optional(client: TestClient) -> None:
    _vote(client, history=[], index_version="")
    bare = {k: v for k, v in VOTE.items() if k not in ("history", "index_version")}
    assert client.post("/api/feedback", json=bare).status_code == 201
    entries = client.get("/api/feedback", headers=STAFF).json()["feedback"]
    assert [(e["history"], e["index_version"]) for e in entries] == [([], ""), ([], "")]


@pytest.mark.parametrize(("change", "said"), [
    ({"index_version": "latest"}, "index_version"),
    ({"index_version": VERSION + "0"}, "index_version"),
    ({"index_version": 20240301}, "index_version"),
    ({"history": [{"question": "问"}] * 7}, "history has 7 turns; at most 6"),
    ({"history": [{"question": " ", "answer": "答"}]}, "历史问题"),
    ({"history": [{"question": "问", "answer": "答" * 4001}]}, "历史回答"),
    ({"history": "武威"}, "history"),
])
def test_a_bad_history_or_index_version_is_422_saying_which(client: TestClient, change: dict[str, Any],
                                                           said: str) -> None:
    assert said in _error(client.post("/api/feedback", json={**VOTE, **change}), 422, "invalid_request")
    assert client.get("/api/feedback", headers=STAFF).json()["count"] == 0


def test_the_history_limits_are_the_deployments(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_history_turns=2, max_question_chars=10), NoAnswers())) as c:
        assert "at most 2" in _error(c.post("/api/feedback", json={**VOTE, "history": [{"question": "问"}] * 3}),
                                     422, "invalid_request")
        long = {**VOTE, "question": "问", "history": [{"question": "问" * 11}]}
        assert "历史问题" in _error(c.post("/api/feedback", json=long), 422, "invalid_request")
        schema = c.get("/openapi.json").json()["components"]["schemas"]
        assert schema["FeedbackRequest"]["properties"]["history"]["maxItems"] == 2


# ------------------------------------------------------------------------- staff: filters

@pytest.fixture
def days(deployment: Deployment, client: TestClient) -> TestClient:
    for day, rating in (("2024-02-29", "up"), ("2024-03-01", "down"), ("2024-03-02", "up"), ("2024-03-03", "down")):
        _stored_on(deployment.settings, day, rating)
    return client


def _questions(client: TestClient, **query: Any) -> tuple[int, list[str]]:
    r = client.get("/api/feedback", headers=STAFF, params=query)
    assert r.status_code == 200, r.text
    return r.json()["count"], [e["question"] for e in r.json()["feedback"]]


def test_staff_filter_by_rating_and_inclusive_days(days: TestClient) -> None:
    assert _questions(days, rating="down") == (2, ["2024-03-03的问题", "2024-03-01的问题"])
    assert _questions(days, since="2024-03-01", until="2024-03-02") == (2, ["2024-03-02的问题", "2024-03-01的问题"])
    assert _questions(days, since="2024-03-02", rating="up") == (1, ["2024-03-02的问题"])
    assert _questions(days, until="2024-02-29") == (1, ["2024-02-29的问题"])


def test_count_is_all_the_filter_selects_and_the_page_is_limit_offset(days: TestClient) -> None:
    assert _questions(days, since="2024-03-01", limit=1, offset=1) == (3, ["2024-03-02的问题"])
    assert _questions(days, limit=2, offset=10) == (4, [])


@pytest.mark.parametrize(("query", "said"), [
    ({"since": "2024-02-30"}, "since 应为 YYYY-MM-DD"), ({"until": "20240301"}, "until must be a date"),
    ({"since": ""}, "it is ''"),
    ({"since": "2024-03-02", "until": "2024-03-01"}, "since (2024-03-02) is after until (2024-03-01)"),
])
def test_a_bad_day_is_422_with_a_message(client: TestClient, query: dict[str, str], said: str) -> None:
    for path in ("/api/feedback", "/api/feedback.csv"):
        assert said in _error(client.get(path, headers=STAFF, params=query), 422, "input_error")


def test_a_bad_rating_or_page_is_422(client: TestClient) -> None:
    for query in ({"rating": "meh"}, {"limit": 0}, {"limit": 1001}, {"offset": -1}):
        _error(client.get("/api/feedback", headers=STAFF, params=query), 422, "invalid_request")
    _error(client.get("/api/feedback.csv", headers=STAFF, params={"rating": "meh"}), 422, "invalid_request")


# ---------------------------------------------------------------------------- staff: CSV

def test_csv_export_is_excel_ready_and_filtered(days: TestClient) -> None:
    _vote(days, question="=HYPERLINK(\"http://x\")")
    r = days.get("/api/feedback.csv", headers=STAFF, params={"since": "2024-03-01", "rating": "down"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="feedback.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["question"] for row in rows] == ["'=HYPERLINK(\"http://x\")", "2024-03-03的问题", "2024-03-01的问题"]
    assert rows[0]["history"] == "问：武威市政协委员参与诉前调解调结了多少件案件？\n答：调结案件35件[1]。"
    assert rows[0]["citations"] == "[1] pingliang-2024:p003.1 「调结案件12件」"
    assert rows[0]["index_version"] == VERSION


def test_csv_export_pages_through_every_row(client: TestClient, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cppcc_qa.api.app.CSV_PAGE_ROWS", 3)
    for i in range(8):
        _vote(client, comment=f"第{i}条")
    r = client.get("/api/feedback.csv", headers=STAFF)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["comment"] for row in rows] == [f"第{i}条" for i in reversed(range(8))]


def test_an_empty_csv_export_is_the_header_row(client: TestClient) -> None:
    r = client.get("/api/feedback.csv", headers=STAFF)
    assert r.text == "\ufeffid,created_at,rating,question,answer,comment,citations,history,index_version\n"


# ------------------------------------------------------------------------- staff: refusals

@pytest.mark.parametrize("path", ["/api/feedback", "/api/feedback.csv"])
def test_staff_routes_need_the_right_key(client: TestClient, path: str) -> None:
    _error(client.get(path), 401, "unauthorized")
    _error(client.get(path, headers={"X-API-Key": "wrong"}), 403, "forbidden")


@pytest.mark.parametrize("path", ["/api/feedback", "/api/feedback.csv"])
def test_staff_routes_are_off_without_a_key(tmp_path: Path, path: str) -> None:
    with TestClient(create_app(_settings(tmp_path, staff_api_key=None), NoAnswers())) as c:
        _error(c.get(path, headers=STAFF), 404, "not_found")
        assert c.post("/api/feedback", json=VOTE).status_code == 201


def test_a_failing_store_is_503_for_every_feedback_route_until_mended(client: TestClient,
                                                                     deployment: Deployment) -> None:
    _vote(client)
    deployment.fail()
    for r in (client.post("/api/feedback", json=VOTE), client.get("/api/feedback", headers=STAFF),
              client.get("/api/feedback.csv", headers=STAFF)):
        assert "反馈" in _error(r, 503, "feedback_unavailable")
    deployment.mend()
    _vote(client)
    assert client.get("/api/feedback", headers=STAFF).json()["count"] == (2 if deployment.mending_keeps else 1)


def test_the_schema_documents_the_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    listing = spec["paths"]["/api/feedback"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"rating", "since", "until", "limit", "offset"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FeedbackPage"}
    assert set(listing["responses"]) >= {"200", "401", "403", "404", "422", "503"}
    export = spec["paths"]["/api/feedback.csv"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    assert set(export["responses"]) >= {"200", "401", "403", "404", "422", "503"}
    item = spec["components"]["schemas"]["FeedbackItem"]["properties"]
    assert {"history", "index_version", "citations"} <= set(item)


def test_a_database_url_chooses_postgresql_and_no_file_is_written(pg_server: PostgresServer,
                                                                 tmp_path: Path) -> None:
    from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore

    settings = _settings(tmp_path, database_url=SecretStr(pg_server.create_database("chosen")))
    assert isinstance(open_feedback_store(settings), PostgresFeedbackStore)
    with TestClient(create_app(settings, NoAnswers())) as c:
        _vote(c)
        assert c.get("/api/feedback", headers=STAFF).json()["count"] == 1
    assert not (settings.data_dir / "feedback.sqlite3").exists()
    pg_server.drop_database("chosen")


def test_a_database_url_without_the_driver_stops_the_start_saying_so(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cppcc_qa.errors import StorageError

    monkeypatch.setitem(sys.modules, "cppcc_qa.api.feedback_postgres", None)  # as if psycopg were missing
    settings = _settings(tmp_path, database_url=SecretStr("postgresql://u@127.0.0.1:1/x"))
    with pytest.raises(StorageError, match="psycopg is not installed"):
        create_app(settings, NoAnswers())
