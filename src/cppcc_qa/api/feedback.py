"""Reader feedback (👍/👎 on an answer): the record, the staff's filter, the store interface and
the CSV export.

A vote keeps what the reader saw: the question, the answer and its citations, the conversation
before it (`history`, as /api/ask took it) and the index version that answered. Staff read the
votes back newest first, filtered by rating and by UTC day (`FeedbackFilter`), as JSON or CSV.

Where votes are kept is one choice, made in `open_feedback_store`: a SQLite file in the data
folder (`api.feedback_sqlite`), or PostgreSQL when `CPPCC_QA_DATABASE_URL` is set. Every store
has the same three calls and answers the same rows; any failure of the database is a
`StorageError` (503), and a store works again as soon as its cause is gone. Each store brings
its schema up to date at start by an ordered list of `Migration`s, recorded in a version table.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from cppcc_qa.errors import InputError, StorageError
from cppcc_qa.records import Turn
from cppcc_qa.settings import Settings
from cppcc_qa.text.spreadsheet import inert_cell

__all__ = ["FeedbackEntry", "FeedbackFilter", "FeedbackStore", "Migration", "open_feedback_store",
           "csv_rows", "CSV_FIELDS", "RATINGS", "DAY_PATTERN"]

RATINGS = ("up", "down")
#: A day as the staff filters take it (UTC): YYYY-MM-DD.
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Columns of the CSV export, in order.
CSV_FIELDS = ("id", "created_at", "rating", "question", "answer", "comment", "citations", "history",
              "index_version")


@dataclass(frozen=True)
class FeedbackEntry:
    """One vote on one answer. `citations` is kept as sent (passage ids, numbers, quotes);
    `history` holds the turns before the question, oldest first."""

    question: str
    answer: str
    rating: str
    citations: tuple[dict[str, Any], ...] = ()
    comment: str = ""
    history: tuple[Turn, ...] = ()
    index_version: str = ""
    created_at: str = ""
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = list(self.citations)
        d["history"] = [asdict(t) for t in self.history]
        return d


@dataclass(frozen=True)
class FeedbackFilter:
    """Which votes staff want: a rating, the UTC days from `since` to `until` (both included),
    and (for paging through an export while votes arrive) only ids below `before_id`."""

    rating: str | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None

    @classmethod
    def parse(cls, rating: str | None = None, since: str | None = None, until: str | None = None) -> FeedbackFilter:
        """The filter of a staff request's query; InputError (422) saying what is wrong."""
        if rating is not None and rating not in RATINGS:
            raise InputError(f"rating 只能是 {'、'.join(RATINGS)} / rating must be one of {', '.join(RATINGS)};"
                             f" it is {rating!r}")
        first, last = _day(since, "since"), _day(until, "until")
        if first is not None and last is not None and first > last:
            raise InputError(f"起始日期 since（{first}）晚于截止日期 until（{last}） / since ({first}) is after "
                             f"until ({last}): no day is in between")
        return cls(rating=rating, since=first, until=last)

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The instants (UTC) a vote's time must be at or after, and before."""
        start = datetime.combine(self.since, time(), UTC) if self.since else None
        end = (datetime.combine(self.until + timedelta(days=1), time(), UTC)
               if self.until and self.until < date.max else None)
        return start, end


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} 应为 YYYY-MM-DD 格式的有效日期（UTC），如 2024-03-05 / {name} must be a "
                         f"date written YYYY-MM-DD (UTC), like 2024-03-05; it is {value!r}") from None


class FeedbackStore(Protocol):
    """Where votes are kept (`api.feedback_sqlite`, `api.feedback_postgres`). Every call raises
    `StorageError` when the database fails and nothing of a failed call is kept."""

    def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        """Store `entry`; return it with its id and time (UTC, ISO 8601 to the second) filled in."""
        ...

    def query(self, where: FeedbackFilter, limit: int = 100, offset: int = 0) -> list[FeedbackEntry]:
        """The entries `where` selects, newest first."""
        ...

    def count(self, where: FeedbackFilter) -> int:
        """How many entries `where` selects."""
        ...


@dataclass(frozen=True)
class Migration:
    """One step of a store's schema: applied once, in order of `version`, and recorded."""

    version: int
    what: str
    statements: tuple[str, ...]


def open_feedback_store(settings: Settings) -> FeedbackStore:
    """The store `settings` name, the one place that chooses: PostgreSQL at `database_url` when
    it is set, else the SQLite file in `data_dir`. Light: nothing is opened until the first call.
    StorageError when PostgreSQL is asked for and its driver is not installed."""
    if settings.database_url is not None and settings.database_url.get_secret_value():
        try:
            from cppcc_qa.api.feedback_postgres import PostgresFeedbackStore
        except ImportError as exc:
            raise StorageError("CPPCC_QA_DATABASE_URL is set but psycopg is not installed "
                               "(pip install 'cppcc-qa[postgres]')") from exc
        return PostgresFeedbackStore(settings.database_url.get_secret_value(), settings.feedback_max_bytes)
    from cppcc_qa.api.feedback_sqlite import SqliteFeedbackStore

    return SqliteFeedbackStore(settings.data_dir / "feedback.sqlite3", settings.feedback_max_bytes)


def created_now() -> str:
    """A vote's time: now, UTC, to the second (the one format every store answers)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def dump_citations(citations: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(citations), ensure_ascii=False)


def dump_history(history: Iterable[Turn]) -> str:
    return json.dumps([asdict(t) for t in history], ensure_ascii=False)


def load_history(items: Iterable[dict[str, Any]]) -> tuple[Turn, ...]:
    return tuple(Turn(question=t.get("question", ""), answer=t.get("answer", "")) for t in items)


def csv_rows(pages: Iterable[list[FeedbackEntry]]) -> Iterator[str]:
    """The CSV export, a header row then a line per entry (as text chunks to stream): citations
    and history flattened to readable lines within their cells, every text cell inert in a
    spreadsheet (`text.spreadsheet.inert_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    yield out.getvalue()
    for page in pages:
        out.seek(0)
        out.truncate()
        for e in page:
            writer.writerow(inert_cell(v) for v in (
                e.id, e.created_at, e.rating, e.question, e.answer, e.comment,
                _flat_citations(e.citations), _flat_history(e.history), e.index_version))
        yield out.getvalue()


def _flat_citations(citations: Iterable[dict[str, Any]]) -> str:
    """'[1] doc:p001.1 「quote」' a line per citation."""
    lines = []
    for c in citations:
        quote = f" 「{c['quote']}」" if c.get("quote") else ""
        lines.append(f"[{c.get('n', '')}] {c.get('passage_id', '')}{quote}".strip())
    return "\n".join(lines)


def _flat_history(history: Iterable[Turn]) -> str:
    """'问：…' and '答：…' lines per earlier turn, oldest first."""
    return "\n".join(f"问：{t.question}" + (f"\n答：{t.answer}" if t.answer else "") for t in history)
