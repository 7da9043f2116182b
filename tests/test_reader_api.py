"""The reader's routes (GET /api/documents/{doc_id}, GET /api/examples), the useful refusal, the
Traditional reply, and the suggestion logic (answer/suggest.py, text/script.py)."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.answer.suggest import Candidate, Suggester, candidates, on_topic, spread
from cppcc_qa.api.app import create_app
from cppcc_qa.budget import Budget
from cppcc_qa.records import Figure
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings
from cppcc_qa.text.normalize import to_simplified
from cppcc_qa.text.script import is_traditional, to_traditional

MEDIATION = "武威市政协委员参与诉前调解调结了多少件案件？"
TRADITIONAL = "武威市政協委員參與訴前調解調結了多少件案件？"
OUTSIDE = "酒泉市政协2024年报送了多少条社情民意信息？"
WUWEI = "wuwei-2024-highlights"
PINGLIANG = "pingliang-2024-highlights"


def _figure(committee: str, measure: str, value: float, unit: str, surface: str, doc: str = "d") -> Figure:
    return Figure(f"{doc}:{measure}:{value}", committee, measure, value, unit, "", "", surface,
                  f"{doc}:p001.0", doc, 0, len(surface))


# -- unit: candidates, topics, the suggester, Traditional text ------------------------------------

def test_candidates_are_questions_one_figure_answers() -> None:
    figs = [_figure("云岭县政协", "办理提案", 45, "件", "45件", "a"),
            _figure("云岭县政协", "意见建议", 120, "条", "120余条", "a"),
            _figure("云岭县政协", "意见建议", 30, "条", "30余条", "a"),  # two answers: no question
            _figure("云岭县政协", "数", 3, "件", "3件", "a"),  # no topic
            _figure("云岭县政协", "砥砺奋进", 22, "年", "二十二年", "a"),  # a span of time
            _figure("山川市政协", "委员工作室", 12, "个", "12个", "b")]
    got = candidates(figs)
    assert [c.question for c in got] == ["云岭县政协办理提案有多少件？", "山川市政协委员工作室有多少个？"]
    assert got[0].surface == "45件"
    assert [c.doc_id for c in spread(candidates(figs + [_figure("云岭县政协", "培训委员", 5, "期", "5期", "a")]))] == [
        "a", "b", "a"]
    assert [c.measure for c in on_topic(got, "山川市有几个委员工作室？")] == ["委员工作室"]
    assert on_topic(got, "天气怎么样") == []


def test_suggester_asks_once_per_version_within_its_time() -> None:
    asked: list[str] = []
    now = [0.0]

    def answers(c: Candidate) -> bool:
        asked.append(c.question)
        now[0] += 1.0  # each question takes a second
        return c.surface != "bad"

    cands = [Candidate(f"q{i}？", "bad" if i == 1 else "ok", "d", "m") for i in range(6)]
    s = Suggester(answers, clock=lambda: now[0])
    assert s.pick("v1", cands, limit=2, seconds=10) == ["q0？", "q2？"]
    assert asked == ["q0？", "q1？", "q2？"]
    assert s.pick("v1", cands, limit=2, seconds=10) == ["q0？", "q2？"]  # cached: nothing asked
    assert len(asked) == 3
    assert s.pick("v2", cands, limit=5, seconds=1.5) == ["q0？"]  # its time spent after two questions
    assert asked[3:] == ["q0？", "q1？"]


def test_traditional_detection_and_reply_keep_quotes() -> None:
    assert is_traditional(TRADITIONAL)
    assert not is_traditional(MEDIATION)
    assert not is_traditional("How many projects?")
    quote = "联合市中级人民法院推进诉源治理，2024年以来共有124名政协委员参与诉前调解，调结案件35件"
    reply = "武威市政协（2024年）：联合市中级人民法院推进诉源治理，……调结案件35件[1]。"
    out = to_traditional(reply, [quote])
    assert out.startswith("武威市政協（2024年）：")
    assert "联合市中级人民法院推进诉源治理，" in out and "调结案件35件[1]" in out
    assert to_traditional("调解成功") == "調解成功"


# -- the API on the real index -------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(engine_settings: Settings, engine: QAService) -> Iterator[TestClient]:
    roomy = engine_settings.model_copy(update={"ask_time_budget_s": 60.0})  # the help fits (service.reply)
    with TestClient(create_app(roomy, engine)) as c:
        yield c


def test_document_route_gives_the_report_in_order(client: TestClient, engine: QAService) -> None:
    r = client.get(f"/api/documents/{WUWEI}")
    assert r.status_code == 200
    body = r.json()
    doc = next(d for d in engine.documents() if d.doc_id == WUWEI)
    assert body["document"]["doc_id"] == WUWEI and body["document"]["title"] == doc.title
    assert body["index_version"] == engine.index_version
    passages = body["passages"]
    assert [p["passage_id"] for p in passages] == [c.chunk_id for c in engine.chunks() if c.doc_id == WUWEI]
    for p in passages:  # each passage's text is the report's text at its offsets, no overlap
        assert doc.text[p["start"]:p["end"]] == p["text"]
    assert all(a["end"] <= b["start"] for a, b in zip(passages, passages[1:], strict=False))
    assert len({p["section"] for p in passages if p["section"]}) >= 3
    assert any("调结案件35件" in p["text"] for p in passages)


def test_document_route_refuses_unknown_ids_and_versions(client: TestClient) -> None:
    r = client.get("/api/documents/no-such-report")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found" and "no-such-report" in r.json()["error"]["message"]
    r = client.get(f"/api/documents/{WUWEI}", params={"version": "not a version"})
    assert r.status_code == 422
    r = client.get(f"/api/documents/{WUWEI}", params={"version": "19990101T000000-00000000-0000"})
    assert r.status_code == 404 and set(r.json()) == {"error"}


def test_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    doc = schema["paths"]["/api/documents/{doc_id}"]["get"]
    assert {"200", "404", "422", "503"} <= set(doc["responses"])
    assert "ReaderDocument" in str(doc["responses"]["200"])
    assert "/api/examples" in schema["paths"]
    ask = schema["components"]["schemas"]["AnswerBody"]["properties"]
    assert {"related", "suggestions", "answer", "citations"} <= set(ask)


def test_examples_are_questions_the_engine_answers(client: TestClient, engine: QAService) -> None:
    body = client.get("/api/examples").json()
    assert body["index_version"] == engine.index_version
    examples = body["examples"]
    assert len(examples) == 3
    bodies = {d.body for d in engine.documents()}
    assert {b for b in bodies if any(q.startswith(b) for q in examples)} == bodies  # from every report
    for q in examples:
        assert engine.ask(q).answerable, q
    on_topic_ = client.get("/api/examples", params={"topic": "提案"}).json()["examples"]
    assert on_topic_ and all("提案" in q for q in on_topic_)
    assert client.get("/api/examples", params={"topic": "x" * 101}).status_code == 422


def test_a_refusal_carries_related_passages_and_suggestions(client: TestClient, engine: QAService) -> None:
    body = client.post("/api/ask", json={"question": OUTSIDE}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["related"], body
    assert any("社情民意" in r["text"] for r in body["related"])
    assert {r["doc_id"] for r in body["related"]} <= {WUWEI, PINGLIANG}
    assert body["suggestions"] and all(engine.ask(q).answerable for q in body["suggestions"])
    assert any("社情民意" in q for q in body["suggestions"])
    answered = client.post("/api/ask", json={"question": MEDIATION}).json()
    assert answered["answerable"] and answered["related"] == [] and answered["suggestions"] == []
    greeting = client.post("/api/ask", json={"question": "你好"}).json()
    assert greeting["related"] == []  # small talk is no question to help with


def test_a_refusal_late_for_its_help_comes_without_it(engine: QAService) -> None:
    class Spent(Budget):
        """A budget with no time left once the question is answered."""

        def remaining(self) -> float | None:
            return 0.0

    plain = engine.reply(OUTSIDE, budget=Spent())
    assert not plain.answerable and plain.answer and plain.related == () and plain.suggestions == ()
    assert engine.reply(OUTSIDE).related  # with no limit it has the help


def test_a_traditional_question_gets_a_traditional_reply(client: TestClient) -> None:
    simplified = client.post("/api/ask", json={"question": MEDIATION}).json()
    body = client.post("/api/ask", json={"question": TRADITIONAL}).json()
    assert body["answerable"] and is_traditional(body["answer"])
    assert body["answer"] != simplified["answer"]
    assert to_simplified(body["answer"]).replace("…", "") == to_simplified(simplified["answer"]).replace("…", "")
    quote = body["citations"][0]["quote"]
    assert quote == simplified["citations"][0]["quote"]  # the quote is the report's own text
    assert "调结案件35件" in body["answer"]  # and so is the quoted part of the reply
    streamed = client.post("/api/ask", json={"question": TRADITIONAL, "stream": True}).text
    done = [json.loads(line[5:]) for line in streamed.splitlines() if line.startswith("data:") and '"index_version"' in line]
    assert done and done[-1]["answer"] == body["answer"]  # the stream's last word is the same reply


# -- a corpus that changes -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def changing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, QAService]:
    root = tmp_path_factory.mktemp("reader-changes")
    settings = Settings(index_dir=root / "index", data_dir=root / "data", ask_time_budget_s=60.0)
    svc = build_service(settings)
    svc.build()
    svc.warm_up()
    return settings, svc


def test_older_versions_open_and_examples_follow_the_corpus(changing: tuple[Settings, QAService]) -> None:
    settings, svc = changing
    with TestClient(create_app(settings, svc)) as c:
        old = svc.index_version
        before = c.get(f"/api/documents/{PINGLIANG}").json()
        assert any(q.startswith("平凉") for q in c.get("/api/examples").json()["examples"])
        svc.remove_document(PINGLIANG)
        assert svc.index_version != old
        assert c.get(f"/api/documents/{PINGLIANG}").status_code == 404
        kept = c.get(f"/api/documents/{PINGLIANG}", params={"version": old})
        assert kept.status_code == 200 and kept.json() == before  # an older answer's citation opens
        examples = c.get("/api/examples").json()["examples"]
        assert examples and not any("平凉" in q for q in examples)
        assert all(svc.ask(q).answerable for q in examples)
