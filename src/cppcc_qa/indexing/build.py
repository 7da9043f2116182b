"""The index in memory: chunked, embedded and indexed reports as one frozen `IndexData`, with
the manifest that names how it was made. No disk I/O here; store.py writes and loads it.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np

from cppcc_qa import __version__
from cppcc_qa.indexing.bm25 import BM25Index
from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.indexing.embedders import Embedder
from cppcc_qa.indexing.lexicon import Lexicon, lexicon_vocabulary
from cppcc_qa.indexing.passages import PassageTable
from cppcc_qa.indexing.vectors import VectorIndex
from cppcc_qa.records import Chunk, Document
from cppcc_qa.text.tokenize import tokenize

__all__ = ["IndexData", "idf", "build_index", "assemble_index", "embed_chunks", "chunk_tokens", "term_counts",
           "corpus_hash", "stamp_added", "FORMAT"]

FORMAT = 1  # of the manifest and files; an index of another format is refused at load


@dataclass(frozen=True)
class IndexData:
    """A loaded (or freshly built) index, read-only once made."""

    version: str
    manifest: dict
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    vectors: VectorIndex
    bm25: BM25Index
    term_df: dict[str, int]
    lexicon: Lexicon | None = None
    path: Path | None = None

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency of a token over the chunks (0 df → the maximum)."""
        return idf(len(self.chunks), self.term_df.get(term, 0))

    @cached_property
    def passages(self) -> PassageTable:
        """Its passages and reports by row, id and report (the `ServedIndex` side of it)."""
        return PassageTable(self.version, self.documents, self.chunks)


def idf(n: int, df: int) -> float:
    """BM25-style inverse document frequency of a term in `df` of `n` passages (0 df → the maximum)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def corpus_hash(docs: Sequence[Document]) -> str:
    """sha256 of the reports and their metadata; when each was added is not part of what they are."""
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc_id):
        fields = asdict(d)
        fields.pop("added")
        h.update(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def stamp_added(docs: Sequence[Document], when: str) -> tuple[Document, ...]:
    """`docs` with `added` set to `when` where it is not set yet (a report keeps its first stamp)."""
    return tuple(d if d.added else replace(d, added=when) for d in docs)


def embed_chunks(
    chunks: Sequence[Chunk],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
) -> np.ndarray:
    """The passage vectors of `chunks` (row i is chunk i), embedded in batches."""
    texts = [c.index_text() for c in chunks]
    embedder.warm_up()
    parts = []
    for i in range(0, len(texts), batch_size):
        parts.append(embedder.embed_passages(texts[i : i + batch_size], batch_size=batch_size))
        if progress:
            progress(min(i + batch_size, len(texts)), len(texts))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), np.float32)


def chunk_tokens(chunks: Sequence[Chunk]) -> list[list[str]]:
    """What BM25 indexes for each chunk (the same text that is embedded)."""
    return [tokenize(c.index_text()) for c in chunks]


def term_counts(tokens: Sequence[Sequence[str]]) -> dict[str, int]:
    """Document frequency of every token over the chunks."""
    return dict(Counter(t for toks in tokens for t in set(toks)))


def build_index(
    docs: Sequence[Document],
    embedder: Embedder,
    chunking: ChunkingConfig,
    faiss_type: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
    lexicon_embedder: Embedder | None = None,
    library: bool = False,
) -> IndexData:
    """Chunk, embed and index documents in memory (no disk I/O). With `lexicon_embedder`, the
    corpus vocabulary is embedded too, for English questions (crosslingual.py). `library` is
    whether the reports are the index's own (see `assemble_index`)."""
    chunks = [c for d in docs for c in chunk_document(d, chunking)]
    vecs = embed_chunks(chunks, embedder, progress, batch_size)
    tokens = chunk_tokens(chunks)
    lexicon = None
    if lexicon_embedder is not None:
        terms = lexicon_vocabulary(term_counts(tokens))
        lexicon = Lexicon(tuple(terms), lexicon_embedder.embed_passages(terms, batch_size=128))
    return assemble_index(docs, chunks, vecs, tokens, embedder, chunking, faiss_type, lexicon,
                          lexicon_embedder.name if lexicon_embedder is not None else None, library)


def assemble_index(
    docs: Sequence[Document],
    chunks: Sequence[Chunk],
    vecs: np.ndarray,
    tokens: Sequence[Sequence[str]],
    embedder: Embedder,
    chunking: ChunkingConfig,
    faiss_type: str = "auto",
    lexicon: Lexicon | None = None,
    lexicon_name: str | None = None,
    library: bool = False,
) -> IndexData:
    """An index of chunks whose vectors and tokens are already made (row i is chunk i): FAISS
    and BM25 are built here, and the manifest with a new version name. No disk I/O.

    `library` (kept in the manifest) says whether the reports are the index's own library,
    built from named files or changed by add/remove, which a plain `build` rebuilds from the
    version's documents.jsonl; false means the built-in corpus, which a plain build reads again."""
    vindex = VectorIndex.build(vecs, faiss_type)
    bm25 = BM25Index.build(tokens)
    term_df = term_counts(tokens)
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    docs = stamp_added(docs, built_at)  # reports new to this version were added now
    chash = corpus_hash(docs)
    version = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{chash[:8]}-{uuid.uuid4().hex[:4]}"
    manifest = {
        "format": FORMAT,
        "version": version,
        "embedder": embedder.name,
        "dim": int(vecs.shape[1]) if vecs.ndim == 2 else embedder.dim,
        "corpus_hash": chash,
        "chunking": asdict(chunking),
        "faiss_type": vindex.kind,
        "documents": len(docs),
        "chunks": len(chunks),
        "built_at": built_at,
        "package_version": __version__,
        "lexicon": lexicon_name if lexicon is not None else None,
        "library": library,
    }
    return IndexData(version, manifest, tuple(docs), tuple(chunks), vindex, bm25, term_df, lexicon)
