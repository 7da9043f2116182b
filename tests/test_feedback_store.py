"""The feedback stores (api.feedback_sqlite; api.feedback_postgres when PostgreSQL is installed),
each through the one interface: what goes in comes out, the staff filter, paging, the CSV
export, schema migrations and failures of the database."""
from __future__ import annotations

import csv
import io
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cppcc_qa.api.feedback import CSV_FIELDS, FeedbackEntry, FeedbackFilter, FeedbackStore, csv_rows
from cppcc_qa.api.feedback_sqlite import MIGRATIONS, SqliteFeedbackStore
from cppcc_qa.errors import InputError, StorageError
from cppcc_qa.records import Turn

ALL = FeedbackFilter()
VERSION = "20240301T120000-1a2b3c4d-5e6f"
VOTE = FeedbackEntry(
    question="那平凉呢？", answer="平凉市政协调结案件12件[1]。", rating="down",
    citations=({"n": 1, "passage_id": "pingliang-2024:p003.1", "quote": "调结案件12件"},),
    comment="数字不对", history=(Turn("武威市政协委员参与诉前调解调结了多少件案件？", "调结案件35件[1]。"),),
    index_version=VERSION)

# The table as the store made it before schema versions were kept (a file of an older release).
_OLD_SCHEMA = """
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    rating      TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    citations   TEXT NOT NULL,
    comment     TEXT NOT NULL
)
"""

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], FeedbackStore]]:
    """Makes stores over one empty database of the backend (each call a new store object, as a
    restarted server or another process would have)."""
    yield lambda: SqliteFeedbackStore(tmp_path / "data" / "feedback.sqlite3")


@pytest.fixture
def store(new_store: Callable[[], FeedbackStore]) -> FeedbackStore:
    return new_store()


def _on(day: str, rating: str = "up", n: int = 0) -> FeedbackEntry:
    return FeedbackEntry(question=f"问题{n}", answer=f"回答{n}", rating=rating, created_at=f"{day}+00:00")


# ------------------------------------------------------------------------------ in and out

def test_an_entry_comes_back_as_it_went_in(store: FeedbackStore) -> None:
    saved = store.add(VOTE)
    assert saved.id is not None and saved.created_at.endswith("+00:00") and len(saved.created_at) == 25
    [back] = store.query(ALL)
    assert back == saved
    assert back.to_dict()["history"] == [{"question": "武威市政协委员参与诉前调解调结了多少件案件？",
                                          "answer": "调结案件35件[1]。"}]
    assert store.count(ALL) == 1


def test_an_empty_store_answers_nothing(store: FeedbackStore) -> None:
    assert store.query(ALL) == [] and store.count(ALL) == 0


def test_newest_first_with_limit_offset_and_below_an_id(store: FeedbackStore) -> None:
    ids = [store.add(_on("2024-03-01T08:00:00", n=i)).id for i in range(5)]
    assert [e.id for e in store.query(ALL, limit=2)] == ids[:-3:-1]
    assert [e.id for e in store.query(ALL, limit=2, offset=2)] == [ids[2], ids[1]]
    assert [e.id for e in store.query(FeedbackFilter(before_id=ids[2]))] == [ids[1], ids[0]]


def test_the_filter_selects_by_rating_and_inclusive_utc_days(store: FeedbackStore) -> None:
    store.add(_on("2024-02-29T23:59:59", "up", 1))
    store.add(_on("2024-03-01T00:00:00", "down", 2))
    store.add(_on("2024-03-02T23:59:59", "up", 3))
    store.add(_on("2024-03-03T00:00:00", "down", 4))

    def questions(**query: str) -> list[str]:
        where = FeedbackFilter.parse(**query)
        found = [e.question for e in store.query(where)]
        assert store.count(where) == len(found)
        return found

    assert questions(rating="down") == ["问题4", "问题2"]
    assert questions(since="2024-03-01") == ["问题4", "问题3", "问题2"]
    assert questions(until="2024-03-02") == ["问题3", "问题2", "问题1"]
    assert questions(since="2024-03-01", until="2024-03-02") == ["问题3", "问题2"]
    assert questions(since="2024-03-02", until="2024-03-02", rating="up") == ["问题3"]
    assert questions(since="2024-03-04") == []
    assert questions(until="9999-12-31") == ["问题4", "问题3", "问题2", "问题1"]


@pytest.mark.parametrize(("query", "said"), [
    ({"since": "2024-02-30"}, "since"), ({"until": "2024-3-5"}, "until"), ({"since": "0"}, "since"),
    ({"since": "2024-03-02", "until": "2024-03-01"}, "after until"), ({"rating": "meh"}, "rating"),
])
def test_a_bad_filter_is_refused_saying_what_is_wrong(query: dict[str, str], said: str) -> None:
    with pytest.raises(InputError, match=said):
        FeedbackFilter.parse(**query)


def test_long_text_and_many_citations_and_turns_are_kept_whole(store: FeedbackStore) -> None:
    big = FeedbackEntry(question="问" * 1000, answer="答" * 8000, rating="up", comment="评" * 2000,
                        citations=tuple({"n": i, "passage_id": f"doc:p{i:03d}.1", "quote": "引" * 2000}
                                        for i in range(20)),
                        history=tuple(Turn("前" * 1000, "后" * 4000) for _ in range(6)))
    saved = store.add(big)
    assert store.query(ALL) == [saved]


# --------------------------------------------------------------------------------------- CSV

def test_csv_flattens_citations_and_history_and_defuses_formulas(store: FeedbackStore) -> None:
    store.add(VOTE)
    store.add(FeedbackEntry(question="=1+1", answer="-5件", rating="up", comment="@SUM(A1)"))
    text = "".join(csv_rows([store.query(ALL)]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_FIELDS
    formula, vote = rows
    assert (formula["question"], formula["answer"], formula["comment"]) == ("'=1+1", "'-5件", "'@SUM(A1)")
    assert formula["citations"] == formula["history"] == "" and formula["index_version"] == ""
    assert vote["citations"] == "[1] pingliang-2024:p003.1 「调结案件12件」"
    assert vote["history"] == "问：武威市政协委员参与诉前调解调结了多少件案件？\n答：调结案件35件[1]。"
    assert (vote["rating"], vote["index_version"], vote["comment"]) == ("down", VERSION, "数字不对")


# -------------------------------------------------------------------------------- migrations

def test_an_old_sqlite_file_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(_OLD_SCHEMA)
        conn.execute("INSERT INTO feedback (created_at, rating, question, answer, citations, comment)"
                     " VALUES ('2024-03-01T08:00:00+00:00', 'up', '旧问题', '旧回答',"
                     " '[{\"n\": 1, \"passage_id\": \"a:p001.1\", \"quote\": \"引\"}]', '旧评论')")
    conn.close()
    store = SqliteFeedbackStore(db)
    [old] = store.query(ALL)
    assert (old.id, old.question, old.comment, old.history, old.index_version) == (1, "旧问题", "旧评论", (), "")
    assert old.citations == ({"n": 1, "passage_id": "a:p001.1", "quote": "引"},)
    new = store.add(VOTE)
    assert new.id == 2 and store.query(ALL)[0] == new
    with sqlite3.connect(db) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    conn.close()
    assert versions == [m.version for m in MIGRATIONS]


def test_sqlite_migrations_run_once_when_many_stores_start_together(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    errors: list[BaseException] = []

    def vote() -> None:
        try:
            SqliteFeedbackStore(db).add(VOTE)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert SqliteFeedbackStore(db).count(ALL) == 6
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version").fetchone() == (3, 3)
    conn.close()


# ------------------------------------------------------------------------------------ faults

def test_a_damaged_sqlite_file_is_a_storage_error_until_moved_away(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    store = SqliteFeedbackStore(db)
    store.add(VOTE)
    db.write_bytes(b"not a database" * 100)
    for call in (lambda: store.add(VOTE), lambda: store.query(ALL), lambda: store.count(ALL)):
        with pytest.raises(StorageError, match="damaged"):
            call()
    db.unlink()
    assert store.add(VOTE).id == 1 and store.count(ALL) == 1
