"""The feedback store in a SQLite file (the default; `api.feedback` says what a store does).

Safe to share between the API's worker threads: every call opens its own short connection
(SQLite connections must not cross threads) and calls are serialised by a lock. The database
runs in WAL mode so staff can read while readers keep voting. Constructing the store touches no
disk; the file and its schema are made on first use.

The schema is `MIGRATIONS`, applied in order and recorded in the table `schema_version`, under
SQLite's write lock (BEGIN IMMEDIATE) so several server processes sharing the file migrate it
once. A file from before the version table (the first table only) is brought up to date with
its rows kept.

Faults while serving: every call opens the file afresh and makes sure of the schema, so a
database deleted or emptied under the server is made anew on the next vote (with a warning in
the log). Any SQLite or file-system failure (disk full, the size limit reached, a damaged file,
no permission) raises `StorageError` saying the cause in words a reader and an operator can act
on; nothing is kept from a failed call, so the store works again as soon as the cause is gone.
"""
from __future__ import annotations

import errno
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from cppcc_qa.api.feedback import (
    FeedbackEntry,
    FeedbackFilter,
    Migration,
    created_now,
    dump_citations,
    dump_history,
    load_history,
)
from cppcc_qa.errors import StorageError

__all__ = ["SqliteFeedbackStore", "MIGRATIONS"]

logger = logging.getLogger(__name__)

# Seconds a write waits for another process's lock before SQLite gives up ("database is locked").
BUSY_TIMEOUT_S = 5.0
# SQLite's result codes, by the name `sqlite3.Error.sqlite_errorname` gives, → what went wrong
# (Chinese / English). Extended codes (SQLITE_IOERR_WRITE) are looked up by their primary name.
_CAUSES = {
    "SQLITE_FULL": ("磁盘已满，或反馈库已达大小上限", "the disk is full or the feedback store reached its"
                    " size limit (CPPCC_QA_FEEDBACK_MAX_BYTES)"),
    "SQLITE_CORRUPT": ("反馈库文件已损坏，请从备份恢复或将其移走（随后会新建）", "the feedback database file is"
                       " damaged: restore it from a backup or move it away (a new one is then made)"),
    "SQLITE_IOERR": ("磁盘读写失败", "a disk read or write failed"),
    "SQLITE_CANTOPEN": ("无法打开反馈库文件", "the feedback database file cannot be opened"),
    "SQLITE_READONLY": ("反馈库文件只读", "the feedback database file is read-only"),
    "SQLITE_PERM": ("没有访问反馈库文件的权限", "no permission to use the feedback database file"),
    "SQLITE_BUSY": ("反馈库正忙", "the feedback database is busy (locked by another process)"),
    "SQLITE_LOCKED": ("反馈库正忙", "the feedback database is busy (locked)"),
}
_CAUSES["SQLITE_NOTADB"] = _CAUSES["SQLITE_CORRUPT"]

#: The schema, oldest step first. Version 1 is the table as it was before versions were kept
#: (IF NOT EXISTS: such a file already has it); never edit a step, add one.
MIGRATIONS = (
    Migration(1, "the feedback table", ("""
        CREATE TABLE IF NOT EXISTS feedback (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at  TEXT NOT NULL,
            rating      TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            question    TEXT NOT NULL,
            answer      TEXT NOT NULL,
            citations   TEXT NOT NULL,
            comment     TEXT NOT NULL
        )""",)),
    Migration(2, "the conversation before the answer and the index version that answered", (
        "ALTER TABLE feedback ADD COLUMN history TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE feedback ADD COLUMN index_version TEXT NOT NULL DEFAULT ''",
    )),
    Migration(3, "staff filter by day", (
        "CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at)",
    )),
)
_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, what TEXT NOT NULL,"
                  " applied_at TEXT NOT NULL)")


class SqliteFeedbackStore:
    """Append-only feedback table in `path` (a SQLite file) of at most `max_bytes` (None: no limit)."""

    def __init__(self, path: Path, max_bytes: int | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._made = False  # whether this store has made or opened the file (to notice it vanish)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to the database, its schema made sure of; StorageError for any failure."""
        try:
            if self._made and not self.path.exists():
                logger.warning("feedback database %s is missing (deleted while serving?): making a new one",
                               self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)  # autocommit
        except (sqlite3.Error, OSError) as exc:
            raise _storage_error(exc, self.path) from exc
        try:
            conn.row_factory = sqlite3.Row
            if self.max_bytes is not None:
                page = int(conn.execute("PRAGMA page_size").fetchone()[0])
                conn.execute(f"PRAGMA max_page_count = {max(1, self.max_bytes // page)}")
            # Cheap when already done (a schema lookup), and it makes a vanished schema anew.
            conn.execute("PRAGMA journal_mode=WAL")
            _migrate(conn)
            self._made = True
            yield conn
        except (sqlite3.Error, OSError) as exc:
            raise _storage_error(exc, self.path) from exc
        finally:
            conn.close()

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        created = entry.created_at or created_now()
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, citations, comment, history,"
                " index_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (created, entry.rating, entry.question, entry.answer, dump_citations(entry.citations),
                 entry.comment, dump_history(entry.history), entry.index_version),
            )
            new_id = cur.lastrowid
        return replace(entry, created_at=created, id=new_id)

    def query(self, where: FeedbackFilter, limit: int = 100, offset: int = 0) -> list[FeedbackEntry]:
        if not self.path.exists():
            return []
        sql, params = _where(where)
        with self._lock, self._connect() as conn:
            rows = conn.execute(f"SELECT * FROM feedback{sql} ORDER BY id DESC LIMIT ? OFFSET ?",
                                (*params, limit, offset)).fetchall()
        return [_entry(row) for row in rows]

    def count(self, where: FeedbackFilter) -> int:
        if not self.path.exists():
            return 0
        sql, params = _where(where)
        with self._lock, self._connect() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM feedback{sql}", params).fetchone()[0])


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the steps of `MIGRATIONS` the database lacks, each recorded in `schema_version`,
    all in one transaction under the write lock (another process waits, then finds them done)."""
    conn.execute(_VERSION_TABLE)
    if _version(conn) >= MIGRATIONS[-1].version:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        have = _version(conn)  # again, under the lock: another process may have just done it
        for step in MIGRATIONS:
            if step.version <= have:
                continue
            for statement in step.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, what, applied_at) VALUES (?, ?, ?)",
                         (step.version, step.what, created_now()))
            logger.info("feedback database: applied migration %d (%s)", step.version, step.what)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite itself rolls back on some failures (a full disk)
            conn.execute("ROLLBACK")
        raise


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def _where(f: FeedbackFilter) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause (with its leading space, or empty) and parameters of `f`. Times are
    compared as text: every stored one is ISO 8601 UTC to the second (`created_now`)."""
    clauses: list[str] = []
    params: list[Any] = []
    start, end = f.window()
    for clause, value in (("rating = ?", f.rating), ("created_at >= ?", start), ("created_at < ?", end),
                          ("id < ?", f.before_id)):
        if value is not None:
            clauses.append(clause)
            params.append(value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _storage_error(exc: sqlite3.Error | OSError, path: Path) -> StorageError:
    """The StorageError for a failure of the database at `path` (logged with the path, which the
    message, shown to anonymous readers, leaves out)."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        zh, en = _CAUSES.get(name, _CAUSES.get("_".join(name.split("_")[:2]), ("反馈库出错", "a database error")))
        detail = str(exc)
    else:  # the folder cannot be made: no space, no permission
        zh, en = ("磁盘已满", "the disk is full") if exc.errno == errno.ENOSPC else ("无法写入反馈库所在目录",
                                                                                 "the feedback folder cannot be written")
        detail = exc.strerror or str(exc)
    logger.error("feedback database %s: %s (%s)", path, en, exc)
    return StorageError(f"{zh} / {en} ({detail})")


def _entry(row: sqlite3.Row) -> FeedbackEntry:
    return FeedbackEntry(
        id=row["id"], created_at=row["created_at"], rating=row["rating"],
        question=row["question"], answer=row["answer"],
        citations=tuple(json.loads(row["citations"])), comment=row["comment"],
        history=load_history(json.loads(row["history"])), index_version=row["index_version"],
    )
