"""What the answer path reads from one index version (`ServedIndex`), wherever it is held.

The answer path (service, retrieval, composer, fact-checker) never holds "the corpus": it asks
the served index for the reports' metadata, for dense and keyword searches, for term weights,
and for the passages it reads (`Passages`: by row, by id, by report, or a scan for the tables
built once per version). Two kinds satisfy it:

- `IndexData` (indexing/build.py): everything in memory, as the FAISS folder store loads it,
  with `PassageTable` as its passages;
- `milvus_served.MilvusIndex`: Milvus answers the searches and is asked for the passages a
  request reads, so a replica's memory does not grow with the corpus.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np

from cppcc_qa.records import Chunk, Document

if TYPE_CHECKING:
    from cppcc_qa.indexing.lexicon import Lexicon

__all__ = ["DenseSearch", "KeywordSearch", "Passages", "ServedIndex", "PassageTable", "neighbours"]


class DenseSearch(Protocol):
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) of the k nearest passages of each query vector (ids −1 past the end)."""
        ...


class KeywordSearch(Protocol):
    def top(self, query_tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) of the k best BM25 passages with a positive score, best first."""
        ...


class Passages(Protocol):
    """The passages of one index version, and its reports with their text."""

    @property
    def version(self) -> str: ...

    def __len__(self) -> int: ...

    def rows(self, ids: Sequence[int]) -> list[Chunk]:
        """The passages at these rows, in the order asked."""
        ...

    def find(self, chunk_id: str) -> int | None:
        """The row of a passage id (None when this version has none)."""
        ...

    def of_document(self, doc_id: str) -> tuple[Chunk, ...]:
        """One report's passages in row (reading) order."""
        ...

    def document(self, doc_id: str) -> Document | None:
        """One report with its text (None when this version has none)."""
        ...

    def sizes(self) -> dict[str, tuple[int, int]]:
        """doc id → (characters of its text, passages)."""
        ...

    def scan(self) -> Iterator[Chunk]:
        """Every passage in row order (for the tables built once per version)."""
        ...

    def by_report(self) -> Iterator[tuple[Document, tuple[Chunk, ...]]]:
        """Every report with its text and its passages in row order, read in bulk (the tables
        built once per version: factcheck/factindex.py)."""
        ...


class ServedIndex(Protocol):
    """One index version as the answer path reads it."""

    @property
    def version(self) -> str: ...

    @property
    def manifest(self) -> dict: ...

    @property
    def documents(self) -> tuple[Document, ...]:
        """The reports' metadata (their `text` may be empty: `passages.document` holds it)."""
        ...

    @property
    def vectors(self) -> DenseSearch: ...

    @property
    def bm25(self) -> KeywordSearch: ...

    @property
    def term_df(self) -> Mapping[str, int]: ...

    @property
    def lexicon(self) -> Lexicon | None: ...

    @property
    def passages(self) -> Passages: ...

    def idf(self, term: str) -> float: ...


def neighbours(passages: Passages, row: int) -> tuple[str | None, str | None]:
    """The ids of the passages before and after `row` in the same report."""
    lo, hi = max(0, row - 1), min(len(passages), row + 2)
    got = dict(zip(range(lo, hi), passages.rows(list(range(lo, hi)))))
    me = got[row]
    before, after = got.get(row - 1), got.get(row + 1)
    return (before.chunk_id if before is not None and before.doc_id == me.doc_id else None,
            after.chunk_id if after is not None and after.doc_id == me.doc_id else None)


@dataclass(frozen=True)
class PassageTable:
    """Passages and reports held in memory (the FAISS folder store; a Milvus version loaded whole)."""

    version: str
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]

    def __len__(self) -> int:
        return len(self.chunks)

    @cached_property
    def _pos(self) -> dict[str, int]:
        return {c.chunk_id: i for i, c in enumerate(self.chunks)}

    @cached_property
    def _docs(self) -> dict[str, Document]:
        return {d.doc_id: d for d in self.documents}

    @cached_property
    def _by_doc(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            out.setdefault(c.doc_id, []).append(i)
        return out

    def rows(self, ids: Sequence[int]) -> list[Chunk]:
        return [self.chunks[i] for i in ids]

    def find(self, chunk_id: str) -> int | None:
        return self._pos.get(chunk_id)

    def of_document(self, doc_id: str) -> tuple[Chunk, ...]:
        return tuple(self.chunks[i] for i in self._by_doc.get(doc_id, ()))

    def document(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def sizes(self) -> dict[str, tuple[int, int]]:
        return {d.doc_id: (len(d.text), len(self._by_doc.get(d.doc_id, ()))) for d in self.documents}

    def scan(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def by_report(self) -> Iterator[tuple[Document, tuple[Chunk, ...]]]:
        for d in self.documents:
            yield d, self.of_document(d.doc_id)
