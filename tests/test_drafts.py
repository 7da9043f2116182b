"""Checking a made-up draft with a known mix of right, wrong and unverifiable statements, in
Python and over HTTP (the checker needs no embeddings: the index uses the `hash` embedder)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.api.facts import facts_router
from cppcc_qa.errors import InputError
from cppcc_qa.factcheck.drafts import MAX_DRAFT_CHARS, check_draft, split_statements
from cppcc_qa.factcheck.verify import Verifier
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings

COMMITTEES = ("武威市政协", "平凉市政协")

# Each statement of DRAFT with its verdict, in order.
DRAFT = (
    "武威市政协今年工作成效明显。"
    "联合市中级人民法院推进诉源治理，2024年以来共有124名政协委员参与诉前调解，调结案件35件，调解成功72件。"
    "同乌鲁木齐市政协建立友好政协。"
    "我们要继续努力，再创佳绩！\n\n"
    "平凉市政协建立委员工作室149个，协调落实乡村振兴帮扶资金约260万元。"
    "平凉市政协还组织委员植树3000棵。"
)
EXPECTED = [
    ("联合市中级人民法院推进诉源治理，2024年以来共有124名政协委员参与诉前调解", "supported"),
    ("调结案件35件", "supported"),
    ("调解成功72件", "refuted"),
    ("同乌鲁木齐市政协建立友好政协", "supported"),
    ("平凉市政协建立委员工作室149个", "refuted"),
    ("协调落实乡村振兴帮扶资金约260万元", "supported"),
    ("平凉市政协还组织委员植树3000棵", "not_found"),
]


# -- splitting ---------------------------------------------------------------------------------
def test_statements_are_figure_clauses_and_named_facts_with_exact_spans() -> None:
    statements = split_statements(DRAFT, COMMITTEES)
    assert [s.text for s in statements] == [text for text, _ in EXPECTED]
    for s in statements:
        assert DRAFT[s.start : s.end] == s.text


def test_a_sentence_with_one_figure_stays_whole() -> None:
    [s] = split_statements("武威市政协与复旦、浙大等5所知名高校联合办班，着力提升委员履职能力。", COMMITTEES)
    assert s.text == "武威市政协与复旦、浙大等5所知名高校联合办班，着力提升委员履职能力"


def test_sentences_without_a_checkable_fact_are_skipped() -> None:
    assert split_statements("我们要继续努力，再创佳绩！武威市政协认真履职。", COMMITTEES) == []
    names = split_statements("武威市政协编辑出版《人文武威》。平凉市政协主席宋全科带领委员调研。", COMMITTEES)
    assert [s.text for s in names] == ["武威市政协编辑出版《人文武威》", "平凉市政协主席宋全科带领委员调研"]


# -- checking ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("drafts")
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="")


@pytest.fixture(scope="module")
def service(settings: Settings):
    svc = build_service(settings)
    svc.build()
    return svc


def test_draft_verdicts_and_summary(service) -> None:
    result = check_draft(Verifier(service), DRAFT).to_dict()
    got = [(s["text"], s["verdict"]) for s in result["statements"]]
    assert got == EXPECTED
    assert result["summary"] == {"supported": 4, "refuted": 2, "not_found": 1}
    for s in result["statements"]:
        assert DRAFT[s["start"] : s["end"]] == s["text"]
        assert bool(s["evidence"]) == (s["verdict"] != "not_found")


def test_statements_without_a_committee_use_the_one_named_before(service) -> None:
    result = check_draft(Verifier(service), DRAFT).to_dict()
    wrong = result["statements"][2]
    assert wrong["expected"] == "27件"
    assert [c["quote"] for c in wrong["evidence"]] == ["调解成功27件"]
    assert result["statements"][3]["evidence"][0]["committee"] == "武威市政协"
    misattributed = result["statements"][4]  # 149 is 武威's count; 平凉's own is 131
    assert misattributed["expected"] == "131个"
    assert [c["committee"] for c in misattributed["evidence"]] == ["平凉市政协", "武威市政协"]


def test_draft_input_is_checked(service) -> None:
    with pytest.raises(InputError, match="empty"):
        check_draft(Verifier(service), " \n ")
    with pytest.raises(InputError, match=f"at most {MAX_DRAFT_CHARS}"):
        check_draft(Verifier(service), "字" * (MAX_DRAFT_CHARS + 1))


# -- HTTP --------------------------------------------------------------------------------------
def with_facts(app: FastAPI) -> FastAPI:
    """The app with the fact-checking routes (ahead of the static files, as create_app adds them)."""
    if not any(getattr(r, "path", "") == "/api/verify" for r in app.routes):
        app.router.routes[:0] = facts_router().routes
    return app


@pytest.fixture(scope="module")
def client(settings: Settings, service) -> Iterator[TestClient]:
    with TestClient(with_facts(create_app(settings, service))) as c:
        yield c


def test_api_check(client: TestClient) -> None:
    r = client.post("/api/check", json={"text": DRAFT})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == DRAFT
    assert [(s["text"], s["verdict"]) for s in body["statements"]] == EXPECTED
    assert body["summary"] == {"supported": 4, "refuted": 2, "not_found": 1}
    assert body["index_version"]


def test_api_verify_contract(client: TestClient) -> None:
    r = client.post("/api/verify", json={"claim": "平凉市政协对接产业链重点企业49户。"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"claim", "verdict", "explanation", "evidence", "expected", "index_version"}
    assert (body["verdict"], body["expected"]) == ("refuted", "94户")
    assert body["index_version"] == client.get("/api/health").json()["index_version"]
    c = body["evidence"][0]
    assert set(c) == {"n", "passage_id", "doc_id", "title", "committee", "section", "text", "quote", "start",
                      "end", "passage_start", "passage_end", "body", "date", "kind"}
    assert c["quote"] == "对接产业链重点企业94户" and c["body"] == "平凉市政协"
    nf = client.post("/api/verify", json={"claim": "酒泉市政协建立委员工作室50个。"}).json()
    assert set(nf) == {"claim", "verdict", "explanation", "evidence", "index_version"}
    assert (nf["verdict"], nf["index_version"]) == ("not_found", body["index_version"])


@pytest.mark.parametrize(("path", "body"), [
    ("/api/verify", {"claim": "  "}),
    ("/api/verify", {"claim": "武威", "extra": 1}),
    ("/api/verify", {}),
    ("/api/check", {"text": ""}),
    ("/api/check", {"text": 5}),
])
def test_api_rejects_bad_bodies(client: TestClient, path: str, body: dict) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


def test_api_figures_filters_and_csv(client: TestClient) -> None:
    r = client.get("/api/figures", params={"committee": "武威", "text": "委员工作室"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    assert [(f["surface"], f["measure"], f["value"]) for f in body["figures"]] == [
        ("149个", "委员工作室", 149), ("19个", "委员工作室 (市级)", 19), ("130个", "委员工作室 (县区)", 130)]
    assert client.get("/api/figures").json()["count"] == 55  # 61 less 4 × "二十二年的…/来" and 2 × "九大…" (names, narrative)
    r = client.get("/api/figures.csv", params={"committee": "平凉", "text": "22年"})
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(row["surface"], row["committee"]) for row in rows] == [
        ("22年", "平凉市政协")]
