"""An index version served from Milvus: what a replica holds, and what it asks Milvus for.

A replica holds the reports' metadata and sizes, the term table (idf, and whether the reports
use a word), the BM25 vocabulary and the lexicon; Milvus answers the dense search (ANN over the
passage vectors) and the BM25 search (inner product with the stored bm25s weights, so the same
scores as the in-memory BM25), and each request reads the passages it needs: the fused
candidates by row, a cited passage by id, one report's passages and text. A bounded cache keeps
passages and texts read lately. The figures and sentence tables of the fact-checker are built
from these reads, report by report, on first use (factcheck/factindex.py).

Opening checks what can be checked without reading the corpus: the manifest (present, the same
embedder and chunking), the number of passages Milvus holds against the manifest's, and the
reports' metadata; a passage that cannot be read later is an IndexCorruptError of its request.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cppcc_qa.errors import IndexCorruptError
from cppcc_qa.indexing.build import idf
from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.indexing.milvus_store import (
    CHUNK_FIELDS,
    QUERY_BATCH,
    MilvusRetriever,
    _name,
    literal,
)
from cppcc_qa.records import Chunk, Document

if TYPE_CHECKING:
    from cppcc_qa.indexing.milvus_store import MilvusStore

__all__ = ["MilvusIndex", "MilvusPassages", "open_served", "CACHED_PASSAGES", "CACHED_TEXTS"]

CACHED_PASSAGES = 20_000  # passages read lately, kept (~1 KB each)
CACHED_TEXTS = 16  # reports' texts read lately, kept (the reader)


class _Lru:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self.size, self._d, self._lock = size, OrderedDict[Any, Any](), threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)


class MilvusPassages:
    """The passages and reports of one version in Milvus, read as asked (the `Passages` calls)."""

    def __init__(self, store: MilvusStore, version: str, n: int, documents: Sequence[Document],
                 sizes: dict[str, tuple[int, int]]) -> None:
        self.store, self._version, self.n = store, version, n
        self.documents = tuple(documents)
        self._meta = {d.doc_id: d for d in documents}
        self._sizes = dict(sizes)
        self.collection = _name(version, "chunks")
        self._rows, self._ids, self._texts = _Lru(CACHED_PASSAGES), _Lru(CACHED_PASSAGES), _Lru(CACHED_TEXTS)

    @property
    def version(self) -> str:
        return self._version

    def __len__(self) -> int:
        return self.n

    def _query(self, what: str, **kwargs: Any) -> list[dict]:
        try:
            return list(self.store.query(self.collection, **kwargs))
        except Exception as exc:  # a collection dropped, unloaded or damaged under us
            raise IndexCorruptError(f"{what} of index version {self.version} in {self.store} could not be read "
                                    f"({exc})") from exc

    def _keep(self, rows: list[dict]) -> list[tuple[int, Chunk]]:
        out = []
        for r in rows:
            c = Chunk(**{f: r[f] for f in CHUNK_FIELDS})
            self._rows.put(int(r["row"]), c)
            self._ids.put(c.chunk_id, int(r["row"]))
            out.append((int(r["row"]), c))
        return out

    def rows(self, ids: Sequence[int]) -> list[Chunk]:
        got = {i: self._rows.get(i) for i in ids}
        missing = sorted({i for i, c in got.items() if c is None})
        for lo in range(0, len(missing), QUERY_BATCH):
            part = missing[lo : lo + QUERY_BATCH]
            got.update(self._keep(self._query("passages", filter=f"row in {part}",
                                              output_fields=["row", *CHUNK_FIELDS], limit=len(part))))
        lost = [i for i in ids if got.get(i) is None]
        if lost:
            raise IndexCorruptError(f"index version {self.version} in {self.store} has no passage at rows {lost[:5]} "
                                    "(a damaged collection); rebuild with `cppcc-qa build`")
        return [got[i] for i in ids]

    def find(self, chunk_id: str) -> int | None:
        row = self._ids.get(chunk_id)
        if row is not None:
            return int(row)
        found = self._keep(self._query("a passage", filter=f"chunk_id == {literal(chunk_id)}",
                                       output_fields=["row", *CHUNK_FIELDS], limit=1))
        return found[0][0] if found else None

    def of_document(self, doc_id: str) -> tuple[Chunk, ...]:
        out: list[tuple[int, Chunk]] = []
        last = -1
        while True:
            page = self._keep(self._query("a report's passages", filter=f"doc_id == {literal(doc_id)} and row > {last}",
                                          output_fields=["row", *CHUNK_FIELDS], limit=QUERY_BATCH))
            out.extend(page)
            if len(page) < QUERY_BATCH:
                break
            last = max(r for r, _ in page)
        return tuple(c for _, c in sorted(out, key=lambda rc: rc[0]))

    def document(self, doc_id: str) -> Document | None:
        meta = self._meta.get(doc_id)
        if meta is None:
            return None
        held = self._texts.get(doc_id)
        if held is not None:
            return held
        ((_, text),) = self.store.report_texts(self.version, [doc_id], self._sizes)
        doc = replace(meta, text=text)
        self._texts.put(doc_id, doc)
        return doc

    def sizes(self) -> dict[str, tuple[int, int]]:
        return dict(self._sizes)

    def by_report(self) -> Iterator[tuple[Document, tuple[Chunk, ...]]]:
        """Reads the passages in row ranges and the texts a batch of reports at a time
        (`MilvusStore.report_texts`)."""
        own: dict[str, list[Chunk]] = {}
        for c in self.scan():
            own.setdefault(c.doc_id, []).append(c)
        texts = self.store.report_texts(self.version, [d.doc_id for d in self.documents], self._sizes)
        for meta, (_, text) in zip(self.documents, texts):
            yield replace(meta, text=text), tuple(own.get(meta.doc_id, ()))

    def scan(self) -> Iterator[Chunk]:
        for lo in range(0, self.n, QUERY_BATCH):
            rows = self._query("passages", filter=f"row >= {lo} and row < {lo + QUERY_BATCH}",
                               output_fields=["row", *CHUNK_FIELDS], limit=QUERY_BATCH)
            for r in sorted(rows, key=lambda r: r["row"]):
                yield Chunk(**{f: r[f] for f in CHUNK_FIELDS})


@dataclass(frozen=True)
class MilvusIndex:
    """One version served from Milvus (the `ServedIndex` calls)."""

    version: str
    manifest: dict
    documents: tuple[Document, ...]
    vectors: MilvusRetriever
    bm25: MilvusRetriever
    term_df: Mapping[str, int]
    lexicon: Lexicon | None
    passages: MilvusPassages

    def idf(self, term: str) -> float:
        return idf(len(self.passages), self.term_df.get(term, 0))


def open_served(store: MilvusStore, version: str, manifest: dict) -> MilvusIndex:
    """A version of layout 2 as a replica serves it (IndexCorruptError when Milvus holds another
    number of passages than the manifest names, or its tables do not read)."""
    n = int(manifest["chunks"])
    name = _name(version, "chunks")
    try:
        held = int(store.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"])
    except Exception as exc:
        raise IndexCorruptError(f"the passages of index version {version} in {store} could not be read ({exc})") from exc
    if held != n:
        raise IndexCorruptError(f"index version {version} in {store} is damaged: {held} of {n} passages; rebuild with "
                                "`cppcc-qa build`")
    documents, sizes = store.reports(version, manifest)
    try:
        term_df = store.blob(version, "terms")
        vocab = store.blob(version, "vocab")
        lexicon = store.lexicon(version, manifest)
        retriever = MilvusRetriever(store, version, vocab)
    except Exception as exc:
        raise IndexCorruptError(f"index version {version} in {store} could not be read ({exc}); rebuild") from exc
    passages = MilvusPassages(store, version, n, documents, sizes)
    return MilvusIndex(version, manifest, documents, retriever, retriever, term_df, lexicon, passages)
