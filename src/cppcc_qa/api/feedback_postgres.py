"""The feedback store in PostgreSQL (chosen by `CPPCC_QA_DATABASE_URL`; `api.feedback` says what a
store does). The same calls and the same rows as the SQLite store.

Every call opens its own short connection (psycopg 3), so a database restarted, moved or
briefly gone costs the calls made meanwhile and nothing after: each then fails with
`StorageError` (503) saying the cause, and the first call after the database is back succeeds.

The schema is `MIGRATIONS`, applied at the first call (and again after the tables were found
missing, a database made anew) and recorded in `feedback_schema_version`. Several server
processes may start at once: the migration runs in one transaction holding a transaction-level
advisory lock (`pg_advisory_xact_lock`), so one process applies each step and the others wait,
then find it done.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from cppcc_qa.api.feedback import FeedbackEntry, FeedbackFilter, Migration, created_now, load_history
from cppcc_qa.errors import StorageError

__all__ = ["PostgresFeedbackStore", "MIGRATIONS"]

T = TypeVar("T")
Connection = psycopg.Connection[dict[str, Any]]

logger = logging.getLogger(__name__)

#: Seconds to wait for the database to answer a connection (libpq's connect_timeout).
CONNECT_TIMEOUT_S = 5
#: Longest a statement may run before the server cancels it (ms): a vote or a page of votes is
#: milliseconds; a lock held by a stuck migration elsewhere should not hold a reader's request.
STATEMENT_TIMEOUT_MS = 10_000
#: The advisory lock key of this schema's migrations (any constant the database's other users
#: do not use: "cppcc-qa feedback" in ASCII, cut to 63 bits).
MIGRATION_LOCK = 0x6370_7063_6366_6462 & 0x7FFF_FFFF_FFFF_FFFF

#: The schema, oldest step first; never edit a step, add one.
MIGRATIONS = (
    Migration(1, "the feedback table", ("""
        CREATE TABLE IF NOT EXISTS feedback (
            id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            created_at     TIMESTAMPTZ NOT NULL,
            rating         TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            question       TEXT NOT NULL,
            answer         TEXT NOT NULL,
            citations      JSONB NOT NULL,
            comment        TEXT NOT NULL,
            history        JSONB NOT NULL DEFAULT '[]',
            index_version  TEXT NOT NULL DEFAULT ''
        )""",)),
    Migration(2, "staff filter by day", (
        "CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at)",
    )),
)
_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS feedback_schema_version (version INTEGER PRIMARY KEY,"
                  " what TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")

# SQLSTATE code or class (its first two characters) → what went wrong (Chinese / English); the
# first that the state starts with is taken, so codes come before their class.
_CAUSES = {
    "53100": ("数据库磁盘已满", "the database's disk is full"),
    "53300": ("反馈库连接数已满", "the feedback database has too many connections"),
    "3D000": ("反馈库不存在", "the feedback database does not exist"),
    "57014": ("反馈库操作超时", "the feedback database took too long"),
    "28": ("无法登录反馈库（请检查 CPPCC_QA_DATABASE_URL）", "cannot log in to the feedback database "
           "(check CPPCC_QA_DATABASE_URL)"),
    "57": ("反馈库正在重启或已关闭", "the feedback database is restarting or shut down"),
    "08004": ("反馈库拒绝连接（请检查 CPPCC_QA_DATABASE_URL）", "the feedback database refused the connection "
              "(check CPPCC_QA_DATABASE_URL)"),
    "08": ("无法连接反馈库", "the feedback database cannot be reached"),
    "53": ("反馈库资源不足", "the feedback database is out of resources"),
}


_FULL = ("反馈库已达大小上限", "the feedback store reached its size limit (CPPCC_QA_FEEDBACK_MAX_BYTES)")


class PostgresFeedbackStore:
    """The feedback table in the PostgreSQL database at `url`, refusing new votes once the table
    (with its indexes and TOAST) holds `max_bytes` (None: no limit), as the SQLite store does."""

    def __init__(self, url: str, max_bytes: int | None = None) -> None:
        self.url = url
        self.max_bytes = max_bytes
        self._migrated = False  # whether this store has made sure of the schema

    def _call(self, work: Callable[[Connection], T]) -> T:
        """`work` on a new connection in one transaction (committed when it returns), the schema
        made sure of first; StorageError for any failure of the database. Tables found missing
        (the database made anew while serving) are made again and `work` tried once more: the
        failed statement changed nothing."""
        for attempt in (1, 2):
            try:
                with psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S, row_factory=dict_row,
                                     options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}") as conn:
                    if not self._migrated:
                        _migrate(conn)
                        self._migrated = True
                    return work(conn)
            except psycopg.errors.UndefinedTable as exc:
                self._migrated = False
                if attempt == 2:
                    raise _storage_error(exc) from exc
                logger.warning("feedback database: the feedback tables are missing (a new database?): "
                               "making them anew")
            except psycopg.Error as exc:
                raise _storage_error(exc) from exc
        raise AssertionError("unreachable: the second attempt returns or raises")

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        created = entry.created_at or created_now()

        def insert(conn: Connection) -> int:
            if self.max_bytes is not None:
                size = conn.execute("SELECT pg_total_relation_size('feedback') AS n").fetchone()
                if size is not None and int(size["n"]) >= self.max_bytes:
                    logger.error("feedback database: the feedback table holds %s bytes, the limit is %s",
                                 size["n"], self.max_bytes)
                    raise StorageError(f"{_FULL[0]} / {_FULL[1]}")
            row = conn.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, citations, comment, history,"
                " index_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (datetime.fromisoformat(created), entry.rating, entry.question, entry.answer,
                 Jsonb(list(entry.citations)), entry.comment,
                 Jsonb([{"question": t.question, "answer": t.answer} for t in entry.history]),
                 entry.index_version),
            ).fetchone()
            assert row is not None  # INSERT … RETURNING answers one row
            return int(row["id"])

        return replace(entry, created_at=created, id=self._call(insert))

    def query(self, where: FeedbackFilter, limit: int = 100, offset: int = 0) -> list[FeedbackEntry]:
        clause, params = _where(where)
        statement = sql.SQL("SELECT * FROM feedback{} ORDER BY id DESC LIMIT %s OFFSET %s").format(clause)
        rows = self._call(lambda conn: conn.execute(statement, (*params, limit, offset)).fetchall())
        return [_entry(row) for row in rows]

    def count(self, where: FeedbackFilter) -> int:
        clause, params = _where(where)
        statement = sql.SQL("SELECT COUNT(*) AS n FROM feedback{}").format(clause)
        row = self._call(lambda conn: conn.execute(statement, params).fetchone())
        return int(row["n"]) if row else 0


def _migrate(conn: Connection) -> None:
    """Apply the steps of `MIGRATIONS` the database lacks, each recorded, in one transaction under
    the advisory lock (released at its end, whatever happens)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(_VERSION_TABLE)
        row = conn.execute("SELECT COALESCE(MAX(version), 0) AS v FROM feedback_schema_version").fetchone()
        have = int(row["v"]) if row else 0
        for step in MIGRATIONS:
            if step.version <= have:
                continue
            for statement in step.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO feedback_schema_version (version, what) VALUES (%s, %s)",
                         (step.version, step.what))
            logger.info("feedback database: applied migration %d (%s)", step.version, step.what)


def _where(f: FeedbackFilter) -> tuple[sql.Composable, tuple[Any, ...]]:
    """The WHERE clause (with its leading space, or empty) and parameters of `f`."""
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    start, end = f.window()
    for clause, value in (("rating = %s", f.rating), ("created_at >= %s", start), ("created_at < %s", end),
                          ("id < %s", f.before_id)):
        if value is not None:
            clauses.append(sql.SQL(clause))
            params.append(value)
    if not clauses:
        return sql.SQL(""), ()
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses), tuple(params)


def _storage_error(exc: psycopg.Error) -> StorageError:
    """The StorageError for a failure of the database (logged in full; the message, shown to
    anonymous readers, names no host, user or database)."""
    state = exc.sqlstate or ""
    if not state and isinstance(exc, psycopg.OperationalError):
        state = _connection_state(str(exc))
    zh, en = next((v for k, v in _CAUSES.items() if state.startswith(k)), ("反馈库出错", "a database error"))
    logger.error("feedback database: %s (%s: %s)", en, type(exc).__name__, exc)
    return StorageError(f"{zh} / {en}" + (f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""))


# libpq says why a connection failed in words only (no SQLSTATE): a server that answered and
# refused says FATAL and its reason (in English unless its lc_messages say otherwise).
_REFUSALS = (('database "', "3D000"), ("password authentication failed", "28P01"), ('role "', "28000"),
             ("starting up", "57P03"), ("shutting down", "57P03"), ("too many clients", "53300"))


def _connection_state(message: str) -> str:
    """The SQLSTATE a failed connection's `message` stands for ("08": no server reached at all)."""
    if "FATAL" not in message:
        return "08"
    return next((state for words, state in _REFUSALS if words in message), "08004")


def _entry(row: dict[str, Any]) -> FeedbackEntry:
    created: datetime = row["created_at"]
    return FeedbackEntry(
        id=int(row["id"]), created_at=created.astimezone(UTC).isoformat(timespec="seconds"),
        rating=row["rating"], question=row["question"], answer=row["answer"],
        citations=tuple(row["citations"]), comment=row["comment"],
        history=load_history(row["history"]), index_version=row["index_version"],
    )
