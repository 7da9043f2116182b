"""Work bounded by input size (issue 10): what a question costs is capped where it enters, a
request runs within a time budget, and a request whose client has gone stops using a core.

Model-free: the deterministic hash embedder over the built-in corpus."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.budget import Budget
from cppcc_qa.errors import InputError, RequestCancelledError, TimeBudgetError
from cppcc_qa.records import Answer, Document, Turn
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings, asset_dir

MEDIATION = "武威市政协委员参与诉前调解调结了多少件案件？"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("bounds")
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="")


@pytest.fixture(scope="module")
def service(settings: Settings) -> QAService:
    svc = build_service(settings)
    svc.build()
    return svc


@pytest.fixture(scope="module")
def client(settings: Settings, service: QAService) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service)) as c:
        yield c


def random_text(n: int, seed: int = 1) -> str:
    """`n` characters drawn at random from the reports' own CJK characters: the probe's
    worst case (no dictionary word, so jieba's HMM tags every character)."""
    corpus = "".join(p.read_text(encoding="utf-8") for p in sorted(asset_dir("corpus").glob("*.md")))
    chars = sorted({c for c in corpus if "\u4e00" <= c <= "\u9fff"})
    rng = random.Random(seed)
    return "".join(rng.choice(chars) for _ in range(n - 3)) + "多少？"


class RecordingEmbedder:
    """Wraps the service's embedder and keeps every text it is asked to embed as a query."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_queries(self, texts: Sequence[str]) -> Any:
        self.texts += list(texts)
        return self.inner.embed_queries(texts)


@pytest.fixture
def recorded(service: QAService) -> Iterator[RecordingEmbedder]:
    original = service._embedder
    rec = RecordingEmbedder(original)
    service._embedder = rec  # type: ignore[assignment]
    try:
        yield rec
    finally:
        service._embedder = original


# ------------------------------------------------------------------------------ input caps

def test_the_probes_thousand_character_question_is_refused_at_once(client: TestClient, settings: Settings) -> None:
    t0 = time.perf_counter()
    r = client.post("/api/ask", json={"question": random_text(1000)})
    elapsed = time.perf_counter() - t0
    assert r.status_code == 422, r.text
    assert str(settings.max_question_chars) in r.json()["error"]["message"]
    assert elapsed < 1.0  # refused before any tagging or embedding (3.1 s in the probe)


def test_a_question_of_the_longest_kind_the_bank_holds_is_still_answered(client: TestClient) -> None:
    # the question bank's longest question is 147 characters (English), the longest Chinese one 72
    question = ("By how much did the average PM2.5 concentration in cities at prefecture level and above "
                "fall in 2021, according to the government work report of 2022?")
    assert 140 <= len(question) <= 160
    assert client.post("/api/ask", json={"question": question}).status_code == 200


def test_a_question_of_many_parts_is_refused_saying_the_limit(client: TestClient, settings: Settings,
                                                              recorded: RecordingEmbedder) -> None:
    question = "武威多少？" * 30  # 30 "questions" of one compound: each would be parsed, embedded and composed
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 422, r.text
    assert str(settings.max_question_parts) in r.json()["error"]["message"]
    assert recorded.texts == []  # nothing was embedded


def test_two_part_questions_are_still_answered_part_by_part(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "武威市政协委员参与诉前调解调结了多少件案件？调解成功多少件？"}).json()
    assert body["resolved_question"].count(" | ") == 1


def test_what_is_embedded_is_capped_however_long_the_conversation(service: QAService, settings: Settings,
                                                                 recorded: RecordingEmbedder) -> None:
    # follow-ups naming no body inherit the earlier questions' words: 6 turns of long
    # questions would grow the embedded text to over a thousand characters
    history = [Turn(random_text(settings.max_question_chars, seed=i), "") for i in range(settings.max_history_turns)]
    service.ask(random_text(settings.max_question_chars, seed=99), history)
    assert recorded.texts
    assert max(len(t) for t in recorded.texts) <= settings.max_embed_chars


def test_history_over_the_total_limit_drops_its_oldest_turns(service: QAService, settings: Settings) -> None:
    oldest = "平凉市政协委员培训了多少人次？" + "甲" * (settings.max_question_chars - 20)
    filler = [Turn(random_text(settings.max_question_chars - 20, seed=i), "")
              for i in range(settings.max_history_turns - 1)]
    history = [Turn(oldest, ""), *filler]
    assert sum(len(t.question) for t in history) > settings.max_history_chars
    answer = service.ask("那培训呢？", history)
    assert "甲甲甲" not in answer.resolved_question  # the oldest turn was not read
    # under the limit the same oldest turn is read (its body carries over into the follow-up)
    kept = service.ask("那培训呢？", [Turn("平凉市政协委员培训了多少人次？", "")])
    assert "平凉" in kept.resolved_question


def test_the_cli_and_the_api_refuse_the_same_question_length(service: QAService, settings: Settings) -> None:
    with pytest.raises(InputError, match=str(settings.max_question_chars)):
        service.ask("一" * (settings.max_question_chars + 1))


# ------------------------------------------------------------------------------ time budget

def test_an_exhausted_budget_stops_the_service_between_steps(service: QAService) -> None:
    with pytest.raises(TimeBudgetError, match="budget"):
        service.ask(MEDIATION, (), Budget(0.0))
    spent = Budget(5.0)
    spent.cancel()
    with pytest.raises(RequestCancelledError):
        service.ask(MEDIATION, (), spent)
    assert service.ask(MEDIATION, (), Budget(5.0)).answerable


class SlowService:
    """Stands for a request that would run on: each step checks its budget, and the service
    records when it stopped."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.stopped = threading.Event()
        self.reason = ""

    def warm_up(self) -> None:
        return None

    def work_size(self, question: str, history: tuple[Turn, ...] = ()) -> int:
        return len(question) + sum(len(t.question) for t in history)

    def ask(self, question: str, history: tuple[Turn, ...] = (), budget: Budget | None = None) -> Answer:
        self.started.set()
        try:
            for _ in range(3000):  # 30 s unless stopped
                if budget is not None:
                    budget.check("a step")
                time.sleep(0.01)
            return Answer(question, "done", False, (), {}, "v", "")
        except (TimeBudgetError, RequestCancelledError) as exc:
            self.reason = type(exc).__name__
            raise
        finally:
            self.stopped.set()

    def documents(self) -> list[Document]:
        return []

    def health(self) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize("stream", [False, True])
def test_a_request_past_its_budget_answers_503_and_stops_working(settings: Settings, stream: bool) -> None:
    slow = SlowService()
    app = create_app(settings.model_copy(update={"ask_time_budget_s": 0.5}), slow)  # type: ignore[arg-type]
    with TestClient(app) as c:
        t0 = time.perf_counter()
        r = c.post("/api/ask", json={"question": MEDIATION, "stream": stream})
        elapsed = time.perf_counter() - t0
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] == "time_budget"
    assert "0.5" in error["message"]
    assert elapsed < 2.0
    assert slow.stopped.wait(2.0)
    assert slow.reason in ("TimeBudgetError", "RequestCancelledError")


def test_a_request_whose_client_has_gone_stops_working(settings: Settings) -> None:
    slow = SlowService()
    app = create_app(settings.model_copy(update={"ask_time_budget_s": 30.0}), slow)  # type: ignore[arg-type]
    body = json.dumps({"question": MEDIATION}).encode()

    async def call() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        delivered = False
        hung_up = asyncio.Event()

        async def hang_up() -> None:  # the client goes away once the work has begun
            while not slow.started.is_set():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            hung_up.set()

        async def receive() -> dict[str, Any]:  # as a server does: the body, then (waiting) the disconnect
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await hung_up.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/api/ask", "raw_path": b"/api/ask", "root_path": "",
                 "query_string": b"", "headers": [(b"content-type", b"application/json"),
                                                  (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}
        client_gone = asyncio.ensure_future(hang_up())
        await asyncio.wait_for(app(scope, receive, send), timeout=10)
        await client_gone
        return sent

    t0 = time.perf_counter()
    asyncio.run(call())
    assert slow.stopped.wait(2.0), "the abandoned request kept working"
    assert slow.reason == "RequestCancelledError"
    assert time.perf_counter() - t0 < 3.0


def test_settings_say_what_they_measured() -> None:
    fields = Settings.model_fields
    for name in ("max_question_chars", "max_embed_chars", "max_history_chars", "max_question_parts",
                 "ask_time_budget_s"):
        assert name in fields and fields[name].description, name



class CountingService(SlowService):
    """A slow service that counts how many asks run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def ask(self, question: str, history: tuple[Turn, ...] = (), budget: Budget | None = None) -> Answer:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.3 if len(question) > 100 else 0.01)
            return Answer(question, "done", False, (), {}, "v", "")
        finally:
            with self.lock:
                self.running -= 1


def test_long_questions_take_turns_and_short_ones_pass_them(settings: Settings) -> None:
    counting = CountingService()
    app = create_app(settings.model_copy(update={"heavy_request_chars": 100, "heavy_lanes": 1}), counting)  # type: ignore[arg-type]
    long_q = "甲" * 150 + "多少？"
    with TestClient(app) as c:
        def post(question: str) -> tuple[int, float]:
            t0 = time.perf_counter()
            code = c.post("/api/ask", json={"question": question}).status_code
            return code, time.perf_counter() - t0

        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(5) as pool:
            longs = [pool.submit(post, long_q) for _ in range(4)]
            time.sleep(0.1)
            short = pool.submit(post, MEDIATION).result()
            codes = [f.result()[0] for f in longs]
    assert codes == [200] * 4
    assert counting.most <= 2  # one long question at a time, beside the short one
    assert short[0] == 200 and short[1] < 0.3  # not behind the 4 x 0.3 s queue
