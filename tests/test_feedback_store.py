"""The feedback stores (api.feedback_sqlite; api.feedback_postgres when PostgreSQL is installed),
each through the one interface: what goes in comes out, the staff filter, paging, the CSV
export, schema migrations and failures of the database."""
from __future__ import annotations

import csv
import io
import itertools
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cppcc_qa.api.feedback import CSV_FIELDS, FeedbackEntry, FeedbackFilter, FeedbackStore, Migration, csv_rows
from cppcc_qa.api.feedback_sqlite import MIGRATIONS, SqliteFeedbackStore
from cppcc_qa.errors import InputError, StorageError
from cppcc_qa.records import Turn

from .pg import PostgresServer, postgres_server

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


@dataclass
class Backend:
    """One kind of store over one empty database of its own."""

    name: str
    new_store: Callable[[], FeedbackStore]  # a new store object, as a restarted server or another process has
    versions: Callable[[], list[int]]  # the schema versions its version table records
    migrations: tuple[Migration, ...]
    pg: PostgresServer | None = None
    database: str = ""


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


def _sqlite(tmp_path: Path) -> Backend:
    db = tmp_path / "data" / "feedback.sqlite3"

    def versions() -> list[int]:
        conn = sqlite3.connect(db)
        try:
            return [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        finally:
            conn.close()

    return Backend("sqlite", lambda: SqliteFeedbackStore(db), versions, MIGRATIONS)


def _postgres(pg: PostgresServer, name: str) -> Backend:
    import psycopg

    from cppcc_qa.api import feedback_postgres

    url = pg.create_database(name)

    def versions() -> list[int]:
        with psycopg.connect(url) as conn:
            return [r[0] for r in conn.execute("SELECT version FROM feedback_schema_version ORDER BY version")]

    return Backend("postgres", lambda: feedback_postgres.PostgresFeedbackStore(url), versions,
                   feedback_postgres.MIGRATIONS, pg, name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield _sqlite(tmp_path)
        return
    pg: PostgresServer = request.getfixturevalue("pg_server")
    name = f"t{next(_DATABASES)}"
    yield _postgres(pg, name)
    if not pg.is_running():
        pg.start()
    pg.drop_database(name)


_DATABASES = itertools.count()


@pytest.fixture
def new_store(backend: Backend) -> Callable[[], FeedbackStore]:
    return backend.new_store


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


def test_migrations_run_once_when_many_stores_start_together(backend: Backend) -> None:
    errors: list[BaseException] = []

    def vote() -> None:
        try:
            backend.new_store().add(VOTE)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert backend.new_store().count(ALL) == 6
    assert backend.versions() == [m.version for m in backend.migrations]


def test_a_store_started_again_finds_its_rows_and_applies_nothing_twice(backend: Backend) -> None:
    saved = backend.new_store().add(VOTE)
    again = backend.new_store()
    assert again.query(ALL) == [saved]
    assert backend.versions() == [m.version for m in backend.migrations]


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


def _refused(store: FeedbackStore, said: str) -> None:
    for call in (lambda: store.add(VOTE), lambda: store.query(ALL), lambda: store.count(ALL)):
        with pytest.raises(StorageError, match=said):
            call()


@pytest.fixture
def pg_backend(pg_server: PostgresServer) -> Iterator[Backend]:
    name = f"t{next(_DATABASES)}"
    yield _postgres(pg_server, name)
    if not pg_server.is_running():
        pg_server.start()
    pg_server.drop_database(name)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_postgres_restart_fails_the_calls_meanwhile_and_keeps_the_rows(pg_backend: Backend, mode: str) -> None:
    store = pg_backend.new_store()
    saved = store.add(VOTE)
    assert pg_backend.pg is not None
    pg_backend.pg.stop(mode)  # "immediate": as a crash
    _refused(store, "cannot be reached")
    pg_backend.pg.start()
    assert store.query(ALL) == [saved]
    store.add(VOTE)
    assert store.count(ALL) == 2


def test_a_postgres_database_gone_is_a_storage_error_and_one_made_anew_is_used(pg_backend: Backend) -> None:
    store = pg_backend.new_store()
    store.add(VOTE)
    assert pg_backend.pg is not None
    pg_backend.pg.drop_database(pg_backend.database)
    _refused(store, "does not exist")
    pg_backend.pg.create_database(pg_backend.database)  # empty: the store makes its tables again
    assert store.add(VOTE).id == 1 and store.count(ALL) == 1
    assert pg_backend.versions() == [m.version for m in pg_backend.migrations]


def test_postgres_tables_dropped_while_serving_are_made_anew(pg_backend: Backend) -> None:
    import psycopg

    store = pg_backend.new_store()
    store.add(VOTE)
    assert pg_backend.pg is not None
    with psycopg.connect(pg_backend.pg.url(pg_backend.database)) as conn:
        conn.execute("DROP TABLE feedback, feedback_schema_version")
    assert store.count(ALL) == 0 and store.add(VOTE).id == 1


def test_a_wrong_postgres_login_says_so(pg_backend: Backend) -> None:
    from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore

    assert pg_backend.pg is not None
    url = pg_backend.pg.url(pg_backend.database).replace("postgres@", "nobody@")
    _refused(PostgresFeedbackStore(url), "cannot log in")


def test_nothing_is_reached_on_a_port_without_a_server() -> None:
    from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore

    from .live import free_port

    _refused(PostgresFeedbackStore(f"postgresql://postgres@127.0.0.1:{free_port()}/x"), "cannot be reached")


def test_both_stores_answer_the_same_rows(tmp_path: Path, pg_backend: Backend) -> None:
    # every entry with its time: a store stamps one it is not given, and two stamps of the same
    # vote fall on either side of a second now and then
    entries = [replace(VOTE, created_at="2024-03-01T07:00:00+00:00"), _on("2024-03-01T08:00:00", "up", 1),
               FeedbackEntry(question="=1+1", answer="答", rating="down", comment="@x", created_at="2024-03-02T23:59:59+00:00")]
    lite, pg = _sqlite(tmp_path).new_store(), pg_backend.new_store()
    for entry in entries:
        assert lite.add(entry) == pg.add(entry)
    for where in (ALL, FeedbackFilter.parse(rating="down"), FeedbackFilter.parse(since="2024-03-02", until="2024-03-02")):
        assert lite.query(where) == pg.query(where) and lite.count(where) == pg.count(where)
    assert "".join(csv_rows([lite.query(ALL)])) == "".join(csv_rows([pg.query(ALL)]))


_VOTE_IN_A_PROCESS = """
import sys
from cppcc_qa.api.feedback import FeedbackEntry
from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore
PostgresFeedbackStore(sys.argv[1]).add(FeedbackEntry(question="问", answer="答", rating="up"))
"""


def test_several_server_processes_starting_at_once_migrate_once(pg_backend: Backend) -> None:
    assert pg_backend.pg is not None
    url = pg_backend.pg.url(pg_backend.database)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", _VOTE_IN_A_PROCESS, url], env=env, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert pg_backend.new_store().count(ALL) == 4
    assert pg_backend.versions() == [m.version for m in pg_backend.migrations]


def test_postgres_refuses_votes_past_the_size_limit_and_keeps_the_rest(pg_server: PostgresServer) -> None:
    """As the SQLite file is bounded by feedback_max_bytes, so is PostgreSQL's feedback table
    (with its indexes and TOAST): past it a vote is a StorageError saying so, and nothing kept is lost."""
    from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore

    name = f"t{next(_DATABASES)}"
    url = pg_server.create_database(name)
    try:
        store = PostgresFeedbackStore(url, max_bytes=96 * 1024)
        kept = 0
        with pytest.raises(StorageError, match="size limit"):
            for n in range(500):
                store.add(FeedbackEntry(question=f"问题{n}", answer="回答", rating="down", comment="很长的意见" * 400))
                kept += 1
        assert 0 < kept < 500
        assert store.count(FeedbackFilter()) == kept
        assert PostgresFeedbackStore(url).add(FeedbackEntry(question="q", answer="a", rating="up")).id  # no limit
    finally:
        pg_server.drop_database(name)
