"""Reader feedback (👍/👎 on an answer), stored durably in SQLite.

One small store, safe to share between the API's worker threads: every call opens its own short
connection (SQLite connections must not cross threads) and writes are serialised by a lock. The
database runs in WAL mode so staff can read while readers keep voting. Constructing the store
touches no disk; the file and table are created on first use.

Faults while serving: every call opens the file afresh and makes sure of the table, so a database
deleted or emptied under the server is made anew on the next vote (with a warning in the log).
Any SQLite or file-system failure (disk full, the size limit reached, a damaged file, no
permission) raises `StorageError` saying the cause in words a reader and an operator can act on;
nothing is kept from a failed call, so the store works again as soon as the cause is gone.
"""
from __future__ import annotations

import errno
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cppcc_qa.errors import StorageError

__all__ = ["FeedbackEntry", "FeedbackStore"]

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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    rating      TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    citations   TEXT NOT NULL,
    comment     TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class FeedbackEntry:
    """One vote on one answer. `citations` is kept as sent (passage ids, numbers, quotes)."""

    question: str
    answer: str
    rating: str
    citations: tuple[dict[str, Any], ...] = ()
    comment: str = ""
    created_at: str = ""
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = list(self.citations)
        return d


class FeedbackStore:
    """Append-only feedback table in `path` (a SQLite file) of at most `max_bytes` (None: no limit)."""

    def __init__(self, path: Path, max_bytes: int | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._made = False  # whether this store has made or opened the file (to notice it vanish)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to the database, its table made sure of; StorageError for any failure."""
        try:
            if self._made and not self.path.exists():
                logger.warning("feedback database %s is missing (deleted while serving?): making a new one",
                               self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except (sqlite3.Error, OSError) as exc:
            raise _storage_error(exc, self.path) from exc
        try:
            conn.row_factory = sqlite3.Row
            if self.max_bytes is not None:
                page = int(conn.execute("PRAGMA page_size").fetchone()[0])
                conn.execute(f"PRAGMA max_page_count = {max(1, self.max_bytes // page)}")
            # Cheap when already done (a schema lookup), and it makes a vanished table anew.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.commit()
            self._made = True
            yield conn
        except (sqlite3.Error, OSError) as exc:
            raise _storage_error(exc, self.path) from exc
        finally:
            conn.close()

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        """Store `entry`; return it with its id and timestamp filled in."""
        created = entry.created_at or datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, citations, comment)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (created, entry.rating, entry.question, entry.answer,
                 json.dumps(list(entry.citations), ensure_ascii=False), entry.comment),
            )
            conn.commit()
            new_id = cur.lastrowid
        return replace(entry, created_at=created, id=new_id)

    def recent(self, limit: int = 100, offset: int = 0) -> list[FeedbackEntry]:
        """The newest entries first."""
        if not self.path.exists():
            return []
        with self._lock, self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM feedback ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [_entry(row) for row in rows]

    def count(self) -> int:
        """How many entries are stored."""
        if not self.path.exists():
            return 0
        with self._lock, self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


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
    )
