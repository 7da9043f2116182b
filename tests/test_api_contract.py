"""The HTTP contract without the real model: what any request or fault gets back.

An app over a small index built with the deterministic hash embedder, so these run in the fast
tier. The report `evil.md` carries spreadsheet formulas in its front matter and text, as an
uploaded report could.
"""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from cppcc_qa.api.app import create_app
from cppcc_qa.api.models import REQUIRED_TEXT_PATTERN, TEXT_PATTERN
from cppcc_qa.errors import InputError
from cppcc_qa.factcheck.figures import figures_csv
from cppcc_qa.records import Figure
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings
from cppcc_qa.text import validate

KEY = "staff-key"
EVIL_REPORT = """---
doc_id: evil-2024
title: "=HYPERLINK(\\"http://example.invalid\\")"
committee: "=1+2政协"
---
@SUM(1+1) 调结案件35件。

+cmd 建成委员工作室131个。
"""


@pytest.fixture(scope="module")
def contract_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("contract")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "evil.md").write_text(EVIL_REPORT, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=root / "index", data_dir=root / "data", embedder="hash",
                    lexicon_embedder="", rate_limit_per_minute=0, feedback_per_minute=0, staff_api_key=KEY)


@pytest.fixture(scope="module")
def contract_service(contract_settings: Settings) -> QAService:
    svc = build_service(contract_settings)
    svc.build()
    return svc


@pytest.fixture(scope="module")
def client(contract_settings: Settings, contract_service: QAService) -> Iterator[TestClient]:
    with TestClient(create_app(contract_settings, contract_service)) as c:
        yield c


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is `status` with the one JSON error shape (and `code`, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


# ------------------------------------------------------------------------------ CSV injection

def test_figures_csv_neutralises_cells_a_spreadsheet_would_run(client: TestClient) -> None:
    r = client.get("/api/figures.csv")
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(row["committee"], row["measure"], row["value"]) for row in rows] == [
        ("'=1+2政协", "调结案件", "35"), ("'=1+2政协", "委员工作室", "131")]
    risky = tuple("=+-@\t\r")
    assert not [cell for row in rows for cell in row.values() if cell.startswith(risky)]
    # the JSON table keeps the text as it is: only the spreadsheet form is escaped
    assert {f["committee"] for f in client.get("/api/figures").json()["figures"]} == {"=1+2政协"}


def test_figures_csv_keeps_negative_numbers_numbers_but_escapes_signed_text() -> None:
    fig = Figure(figure_id="d:1", committee="武威市政协", measure="@案件", value=-35.0, unit="件",
                 qualifier="", period="\t2024年", surface="-35件", passage_id="d:p001.0", doc_id="d",
                 start=0, end=4)
    row = next(csv.DictReader(io.StringIO(figures_csv([fig]))))
    assert (row["value"], row["surface"], row["measure"], row["period"]) == ("-35", "'-35件", "'@案件", "'\t2024年")


# ------------------------------------------------------------------- feedback database faults

VOTE = {"question": "武威市政协委员参与诉前调解调结了多少件案件？", "answer": "调结案件35件[1]。", "rating": "up"}


@pytest.fixture
def voting(contract_settings: Settings, contract_service: QAService, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app whose feedback database is this test's own."""
    settings = contract_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with TestClient(create_app(settings, contract_service)) as c:
        yield c


def _db(tmp_path: Path) -> Path:
    """The feedback database of the `voting` app (its place, as `Settings.data_dir` sets it)."""
    return tmp_path / "data" / "feedback.sqlite3"


def _stored(client: TestClient) -> int:
    r = client.get("/api/feedback", headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    return int(r.json()["count"])


def test_feedback_database_deleted_while_serving_is_made_anew(voting: TestClient, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    assert voting.post("/api/feedback", json=VOTE).status_code == 201
    db = _db(tmp_path)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)
    assert voting.post("/api/feedback", json=VOTE).status_code == 201
    assert _stored(voting) == 1
    assert "feedback database" in caplog.text and "missing" in caplog.text


def test_feedback_database_truncated_to_nothing_is_made_anew(voting: TestClient, tmp_path: Path) -> None:
    assert voting.post("/api/feedback", json=VOTE).status_code == 201
    _db(tmp_path).write_bytes(b"")
    assert voting.post("/api/feedback", json=VOTE).status_code == 201
    assert _stored(voting) == 1


def test_damaged_feedback_database_is_503_with_the_cause_until_it_is_replaced(voting: TestClient,
                                                                              tmp_path: Path) -> None:
    for _ in range(3):
        assert voting.post("/api/feedback", json=VOTE).status_code == 201
    db = _db(tmp_path)
    db.write_bytes(db.read_bytes()[:100])  # cut inside the header
    for r in (voting.post("/api/feedback", json=VOTE), voting.get("/api/feedback", headers={"X-API-Key": KEY})):
        error = assert_error(r, 503, "feedback_unavailable")
        assert "损坏" in error["message"] and "damaged" in error["message"], error
    db.unlink()  # staff move the damaged file away (or restore a backup): voting works again
    assert voting.post("/api/feedback", json=VOTE).status_code == 201
    assert _stored(voting) == 1


def test_full_feedback_store_is_503_with_the_cause_and_keeps_what_it_has(
        contract_settings: Settings, contract_service: QAService, tmp_path: Path) -> None:
    small = contract_settings.model_copy(update={"data_dir": tmp_path / "data", "feedback_max_bytes": 64 * 1024,
                                               "feedback_per_minute": 0})  # one client fills it
    long_vote = {**VOTE, "comment": "很好" * 900}
    with TestClient(create_app(small, contract_service)) as c:
        codes = [c.post("/api/feedback", json=long_vote).status_code for _ in range(40)]
        accepted = codes.index(503)
        assert accepted > 0 and set(codes[accepted:]) == {503}, codes
        error = assert_error(c.post("/api/feedback", json=long_vote), 503, "feedback_unavailable")
        assert "已满" in error["message"] and "full" in error["message"], error
        assert _stored(c) == accepted  # staff can still read what is stored
    roomy = small.model_copy(update={"feedback_max_bytes": 1024 * 1024})
    with TestClient(create_app(roomy, contract_service)) as c:
        assert c.post("/api/feedback", json=long_vote).status_code == 201
        assert _stored(c) == accepted + 1


# A process whose files may not grow past a limit (RLIMIT_FSIZE, as a full disk does): a vote is
# refused with 503 while writes fail, and accepted again, without a restart, once they do not.
_WRITE_FAILS = """
import json, resource, signal, sys
from pathlib import Path
from fastapi.testclient import TestClient
from cppcc_qa.api.app import create_app
from cppcc_qa.api.models import REQUIRED_TEXT_PATTERN, TEXT_PATTERN
from cppcc_qa.errors import InputError
from cppcc_qa.settings import Settings
from cppcc_qa.text import validate

root = Path(sys.argv[1])
settings = Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="",
                    rate_limit_per_minute=0)
vote = json.loads(sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
with TestClient(create_app(settings)) as c:
    codes = [c.post("/api/feedback", json=vote).status_code]
    db = root / "data" / "feedback.sqlite3"
    resource.setrlimit(resource.RLIMIT_FSIZE, (db.stat().st_size, resource.RLIM_INFINITY))
    full = c.post("/api/feedback", json={**vote, "comment": "x" * 1500})
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    codes += [full.status_code, c.post("/api/feedback", json=vote).status_code]
    print(json.dumps({"codes": codes, "error": full.json().get("error")}))
"""


@pytest.mark.slow  # a new Python process: about 4 s
def test_feedback_write_failure_is_503_and_recovers_without_a_restart(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", _WRITE_FAILS, str(tmp_path), json.dumps(VOTE)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["codes"] == [201, 503, 201], out
    assert out["error"]["code"] == "feedback_unavailable" and "disk" in out["error"]["message"], out


# ------------------------------------------------------------------ bodies that do not decode

JSON = {"Content-Type": "application/json"}
NOT_JSON_BODIES = {
    "bad UTF-8": (b'{"question": "\xff\xfe\xe6\xad"}', ("UTF-8", "0xff")),
    "5k-deep JSON": (b"[" * 5_000 + b"]" * 5_000, ("嵌套", "nested")),  # within every route's size limit
    "huge integer": (b'{"question": "x", "stream": ' + b"9" * 5000 + b"}", ("位数", "digits")),
    "not JSON": (b'{"question": ', ("JSON", "character 13")),
}


@pytest.mark.parametrize("path", ["/api/ask", "/api/feedback", "/api/verify", "/api/check"])
@pytest.mark.parametrize("case", list(NOT_JSON_BODIES))
def test_bodies_that_do_not_decode_are_400_saying_what_was_wrong(client: TestClient, path: str, case: str) -> None:
    body, words = NOT_JSON_BODIES[case]
    error = assert_error(client.post(path, content=body, headers=JSON), 400, "invalid_body")
    assert all(w in error["message"] for w in words), error


def test_deep_json_that_decodes_is_checked_like_any_other(client: TestClient) -> None:
    deep = b'{"question": ' + b"[" * 500 + b"]" * 500 + b"}"
    error = assert_error(client.post("/api/ask", content=deep, headers=JSON), 422, "invalid_request")
    assert "question" in error["message"]


# ----------------------------------------------------------------- methods: 405, HEAD, OPTIONS

@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/api/ask", "OPTIONS, POST"),
    ("PUT", "/api/verify", "OPTIONS, POST"),
    ("DELETE", "/api/health", "GET, HEAD, OPTIONS"),
    ("PATCH", "/api/documents", "GET, HEAD, OPTIONS, POST"),
    ("PUT", "/api/documents/evil-2024", "DELETE, GET, HEAD, OPTIONS"),  # GET: the reader (api/reader.py)
    ("POST", "/api/figures.csv", "GET, HEAD, OPTIONS"),
    ("POST", "/", "GET, HEAD, OPTIONS"),
])
def test_a_method_a_route_does_not_take_is_405_with_allow(client: TestClient, method: str, path: str,
                                                            allow: str) -> None:
    r = client.request(method, path, headers={"X-API-Key": KEY})
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/api/health", "/api/figures.csv", "/api/documents", "/", "/app.js"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/ask", "OPTIONS, POST"), ("/api/documents", "GET, HEAD, OPTIONS, POST"),
    ("/api/documents/evil-2024", "DELETE, GET, HEAD, OPTIONS"), ("/api/passages/evil-2024:p001.0", "GET, HEAD, OPTIONS"),
    ("/api/figures.csv", "GET, HEAD, OPTIONS"), ("/", "GET, HEAD, OPTIONS"),
])
def test_options_says_which_methods_a_route_takes(client: TestClient, path: str, allow: str) -> None:
    r = client.options(path)
    assert r.status_code == 204 and r.content == b""
    assert r.headers["allow"] == allow


def test_options_and_head_of_no_route_are_404(client: TestClient) -> None:
    assert_error(client.options("/api/nothing-here"), 404)
    assert client.head("/api/nothing-here").status_code == 404


# ------------------------------------------------------------------- the schema says the rules

TRICKY = "问题 \t\n\r\x00\x07\x0b\x0c\x1c\x1f\x7f\x85\x9f\xa0\u1680\u2000\u200a\u200b\u200f\u2028\u202f\u205f\u3000\ufeffa"


@settings(max_examples=400, deadline=None, database=None)
@given(text=st.text(alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8"), max_size=12),
       required=st.booleans())
def test_the_schema_pattern_and_length_accept_exactly_what_the_server_accepts(text: str, required: bool) -> None:
    pattern = REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN
    by_schema = re.search(pattern, text) is not None and len(text) <= 8
    try:
        validate.clean_text(text, "问题/question", 8, required)
        by_server = True
    except InputError:
        by_server = False
    assert by_schema == by_server, (text, required)


def test_openapi_declares_the_rules_statuses_and_content_types(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ask = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == Settings().max_question_chars and ask["question"]["minLength"] == 1
    assert ask["question"]["pattern"] == REQUIRED_TEXT_PATTERN
    assert ask["history"]["maxItems"] == Settings().max_history_turns
    assert schema["components"]["schemas"]["ErrorBody"]["required"] == ["error"]
    paths = schema["paths"]
    assert set(paths["/api/ask"]["post"]["responses"]) == {"200", "400", "408", "413", "422", "429", "503"}
    assert set(paths["/api/ask"]["post"]["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
    assert set(paths["/api/figures.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    assert {"401", "403", "404", "409", "415"} <= set(paths["/api/documents"]["post"]["responses"])
    assert paths["/api/feedback"]["get"]["security"] == [{"APIKeyHeader": []}]
    for ops in paths.values():
        for op in ops.values():
            for status, response in op["responses"].items():
                if status >= "400":
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


@pytest.mark.parametrize("body", [
    {"question": "武威", "stream": "true"},  # a boolean is true or false, not a word
    {"question": "武威", "stream": 1},
    {"question": " " + "一" * 1000},  # the length counts what is sent, spaces too
])
def test_requests_the_schema_refuses_the_server_refuses(client: TestClient, body: dict) -> None:
    assert_error(client.post("/api/ask", json=body), 422, "invalid_request")


def test_a_citation_number_is_an_integer(client: TestClient) -> None:
    for n in ("1", 1.5):
        vote = {**VOTE, "citations": [{"n": n, "passage_id": "evil-2024:p001.0"}]}
        assert_error(client.post("/api/feedback", json=vote), 422, "invalid_request")
