"""Reader feedback (👍/👎 on an answer), stored durably in SQLite.

One small store, safe to share between the API's worker threads: every call opens its own short
connection (SQLite connections must not cross threads) and writes are serialised by a lock. The
database runs in WAL mode so staff can read while readers keep voting. Constructing the store
touches no disk; the file and table are created on first use.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FeedbackEntry", "FeedbackStore"]

# Seconds a write waits for another process's lock before SQLite gives up ("database is locked").
BUSY_TIMEOUT_S = 5.0

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
    """Append-only feedback table in `path` (a SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    def _ensure(self, conn: sqlite3.Connection) -> None:
        if self._ready:
            return
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(_SCHEMA)
        conn.commit()
        self._ready = True

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        """Store `entry`; return it with its id and timestamp filled in."""
        created = entry.created_at or datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                self._ensure(conn)
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
            self._ensure(conn)
            rows = conn.execute(
                "SELECT * FROM feedback ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [_entry(row) for row in rows]

    def count(self) -> int:
        """How many entries are stored."""
        if not self.path.exists():
            return 0
        with self._lock, self._connect() as conn:
            self._ensure(conn)
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


def _entry(row: sqlite3.Row) -> FeedbackEntry:
    return FeedbackEntry(
        id=row["id"], created_at=row["created_at"], rating=row["rating"],
        question=row["question"], answer=row["answer"],
        citations=tuple(json.loads(row["citations"])), comment=row["comment"],
    )
