"""The index in Milvus: each version is its own collections, an alias names the current one.

Per version `v` (a build, an add, a remove) four collections are written, then the alias
`cppcc_qa_current` is pointed at the first:

    cppcc_qa_<v>_chunks   one row per passage: row, the chunk's fields, the report's body, date
                          and period, the passage vector (FLOAT_VECTOR), its BM25 weights
                          (SPARSE_FLOAT_VECTOR, see below) and its BM25 tokens (JSON); doc_id
                          and chunk_id carry scalar (INVERTED) indexes for the reads by report
                          and by id
    cppcc_qa_<v>_docs     the reports' texts, cut into parts (read one report at a time)
    cppcc_qa_<v>_meta     named JSON blobs, cut into parts: the reports' metadata with their
                          sizes, the term table, the BM25 vocabulary, the lexicon terms, and
                          last the manifest (its row is what marks the version complete)
    cppcc_qa_<v>_lex      the lexicon vectors, one row per term (only when the index has one)

A replica serves a version from Milvus (`milvus_served.MilvusIndex`): Milvus answers the dense
and the BM25 searches, and a request reads only the passages it needs; what it holds is the
reports' metadata, the term table and the lexicon. A writer (and, with `milvus_in_memory`, a
replica) loads a version whole into the folder store's in-memory `IndexData` (`load`): FAISS and
BM25 rebuilt from the stored vectors and tokens, nothing re-embedded. Both rank as the folder
store does, so answers, fusion and citations are the same.

BM25 side: Milvus Lite 3.2 accepts the BM25 function (`FunctionType.BM25`), but its analyzer
tokenises otherwise than the engine's jieba tokeniser (`text.tokenize`), so the keyword ranking
would differ from the FAISS backend's. The weights are therefore ours: bm25s's per-passage term
scores (idf x saturated tf, exactly what `BM25Index.scores` sums) stored as a sparse vector
keyed by the term's vocabulary id; a query is the sparse vector of its token counts, and the
inner product is the bm25s score.

Guarantees, as in the folder store: a version is written whole before the alias moves (a build
killed midway leaves the alias where it was; a half-written version has no manifest row and is
never served); a loaded version is checked (manifest present, row count, a checksum of the
passages); old versions are dropped whole, only after VERSION_GRACE_S, never the current one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import numpy as np

from cppcc_qa.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    NotFoundError,
)
from cppcc_qa.indexing.bm25 import BM25Index
from cppcc_qa.indexing.build import FORMAT, IndexData, chunk_tokens
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.indexing.passages import Passages, PassageTable, ServedIndex
from cppcc_qa.indexing.pglock import advisory_lock
from cppcc_qa.indexing.store import KEEP_VERSIONS, MAX_VERSIONS, VERSION_PATTERN, WRITER_WAIT_S, file_lock
from cppcc_qa.indexing.vectors import VectorIndex
from cppcc_qa.records import Chunk, Document

__all__ = ["MilvusStore", "MilvusRetriever", "ALIAS", "LAYOUT", "REPORTS_PER_READ", "bm25_weights", "literal"]

logger = logging.getLogger(__name__)

PREFIX = "cppcc_qa"
ALIAS = f"{PREFIX}_current"
PART_CHARS = 16_000  # a blob part: at most 64,000 bytes of UTF-8, under VARCHAR's 65,535
TEXT_BYTES = 65_535
INSERT_BATCH = 1_000
QUERY_BATCH = 10_000  # rows read per query (Milvus caps offset + limit at 16,384)
REPORTS_PER_READ = 200  # reports whose texts one query reads (one query a report: ~0.2 s each at 100k passages)
STALE_PARTIAL_S = 3600.0  # a version with no manifest this old is a dead build: dropped
# 2: the reports' texts in their own collection, their metadata and sizes in the blob "reports",
# the BM25 vocabulary stored (what serving from Milvus needs); 1 (no `layout`): texts inside the
# blob "documents", readable only by loading the version whole.
LAYOUT = 2
CHUNK_FIELDS = ("chunk_id", "doc_id", "title", "committee", "section", "paragraph", "start", "end", "text")


def _grace_s() -> float:
    from cppcc_qa.indexing import store

    return store.VERSION_GRACE_S  # read at call time, so a test may shorten it


def bm25_weights(bm25: BM25Index) -> tuple[list[dict[int, float]], dict[str, int]]:
    """Each passage's BM25 term weights {vocabulary id: score} as bm25s scores them, and the
    vocabulary: the inner product with a query's token counts is `bm25.scores(tokens)`."""
    from scipy.sparse import csc_matrix

    r: Any = bm25._r
    s = r.scores
    mat = csc_matrix((s["data"], s["indices"], s["indptr"]), shape=(bm25.n, len(s["indptr"]) - 1)).tocsr()
    rows = []
    for i in range(bm25.n):
        lo, hi = mat.indptr[i], mat.indptr[i + 1]
        row = {int(t): float(w) for t, w in zip(mat.indices[lo:hi], mat.data[lo:hi]) if w != 0}
        rows.append(row or {0: 0.0})  # Milvus refuses an empty sparse vector
    return rows, dict(r.vocab_dict)


def _name(version: str, part: str) -> str:
    return f"{PREFIX}_{version.replace('-', '_')}_{part}"


def _version_of(collection: str) -> str | None:
    m = re.fullmatch(rf"{PREFIX}_([0-9]{{8}}T[0-9]{{6}})_([0-9a-f]{{8}})_([0-9a-f]{{4}})_chunks", collection)
    return "-".join(m.groups()) if m else None


def literal(text: str) -> str:
    """A string as a Milvus filter literal (Milvus reads JSON's escapes of quotes and backslashes,
    not its \\u escapes, so other characters are written as they are)."""
    return json.dumps(text, ensure_ascii=False)


def _utf8_cut(text: str, limit: int = TEXT_BYTES) -> str:
    b = text.encode("utf-8")
    return text if len(b) <= limit else b[:limit].decode("utf-8", errors="ignore")


def _sha(rows: Sequence[Chunk]) -> str:
    h = hashlib.sha256()
    for c in rows:
        h.update(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


class MilvusStore:
    """The versioned index in one Milvus (Lite file or server), behind the folder store's calls."""

    def __init__(self, uri: str, lock_dir: Path, lock_url: str | None = None, in_memory: bool = False) -> None:
        self.uri = uri
        self.in_memory = in_memory  # serve versions loaded whole (settings.milvus_in_memory)
        self.lock_dir = lock_dir
        self.lock_url = lock_url  # PostgreSQL, whose advisory lock serialises writers on every host
        self._client: Any = None
        self._loaded: set[str] = set()  # collections this client found or made loaded

    def __repr__(self) -> str:
        return f"Milvus at {self.uri}"

    @property
    def client(self) -> Any:
        if self._client is None:
            from pymilvus import MilvusClient

            if "://" not in self.uri:
                Path(self.uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self._client = MilvusClient(self.uri)
        return self._client

    # -- the writer lock ---------------------------------------------------------------------
    @contextmanager
    def lock(self, wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
        """One writer at a time: for a Milvus server with a database (`lock_url`), PostgreSQL's
        advisory lock, which holds for writers on every host (indexing/pglock.py); else flock
        beside the Lite file, or in the index folder (then only among this host's writers)."""
        if self.lock_url and "://" in self.uri:
            with advisory_lock(self.lock_url, str(self), wait_s):
                yield
            return
        path = Path(f"{self.uri}.lock") if "://" not in self.uri else self.lock_dir / ".milvus.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(path, str(self), wait_s):
            yield

    # -- versions ----------------------------------------------------------------------------
    def current_version(self) -> str | None:
        """The version the alias names (None when there is none)."""
        if ALIAS not in self.client.list_aliases().get("aliases", []):  # describe_alias logs an error for none
            return None
        target = self.client.describe_alias(ALIAS).get("collection_name")
        return _version_of(target) if target else None

    def versions(self) -> list[str]:
        """Every version with a chunks collection, newest first (complete or not)."""
        names = self.client.list_collections()
        return sorted((v for v in map(_version_of, names) if v), reverse=True)

    # -- writing -----------------------------------------------------------------------------
    def write(self, data: IndexData) -> None:
        """Write `data` as a new version's collections, then point the alias at it."""
        self.write_collections(data, chunk_tokens(data.chunks))
        self.switch(data.version)
        self.prune(keep=data.version)

    def write_collections(self, data: IndexData, tokens: Sequence[Sequence[str]]) -> None:
        """The collections of a version, the manifest row last; on failure whatever was written
        is dropped (and a killed writer's remains have no manifest, so are never served)."""
        try:
            self._write_chunks(data, tokens)
            self._write_texts(data)
            self._write_lexicon(data)
            self._write_meta(data)
        except BaseException:
            self.drop(data.version)
            raise

    def _write_chunks(self, data: IndexData, tokens: Sequence[Sequence[str]]) -> None:
        from pymilvus import DataType

        c = self.client
        dim = int(data.manifest["dim"])
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        for f in ("chunk_id", "doc_id", "title", "committee", "section", "text", "body", "date", "period", "tokens"):
            schema.add_field(f, DataType.VARCHAR, max_length=TEXT_BYTES)
        for f in ("paragraph", "start", "end"):
            schema.add_field(f, DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
        params = c.prepare_index_params()
        params.add_index("vector", index_type="FLAT" if "://" not in self.uri else "AUTOINDEX", metric_type="IP")
        params.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        for f in ("doc_id", "chunk_id"):
            params.add_index(f, index_type="INVERTED")
        name = _name(data.version, "chunks")
        c.create_collection(name, schema=schema, index_params=params)
        vecs = data.vectors.stored_vectors()
        if vecs is None:
            raise InputError(f"a {data.vectors.kind} FAISS index keeps no exact vectors; build with --faiss-type flat or hnsw "
                             "for the Milvus backend")
        weights, _ = bm25_weights(data.bm25)
        docs = {d.doc_id: d for d in data.documents}
        for lo in range(0, len(data.chunks), INSERT_BATCH):
            rows = []
            for i in range(lo, min(lo + INSERT_BATCH, len(data.chunks))):
                ch, d = data.chunks[i], docs.get(data.chunks[i].doc_id)
                row: dict[str, Any] = {f: getattr(ch, f) for f in CHUNK_FIELDS}
                row["text"] = _utf8_cut(ch.text)
                if row["text"] != ch.text:
                    raise InputError(f"passage {ch.chunk_id} is longer than a Milvus text field holds")
                row.update(row=i, body=d.body if d else "", date=d.date if d else "", period=d.period if d else "",
                           tokens=json.dumps(list(tokens[i]), ensure_ascii=False), vector=vecs[i].tolist(),
                           bm25=weights[i])
                rows.append(row)
            c.insert(name, rows)
        c.flush(name)

    def _write_texts(self, data: IndexData) -> None:
        """The reports' texts, in parts of PART_CHARS, keyed by doc id."""
        from pymilvus import DataType

        c = self.client
        schema = c.create_schema(auto_id=True, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("part", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        params = c.prepare_index_params()
        params.add_index("v", index_type="FLAT", metric_type="L2")
        params.add_index("doc_id", index_type="INVERTED")
        name = _name(data.version, "docs")
        c.create_collection(name, schema=schema, index_params=params)
        rows = [{"doc_id": d.doc_id, "part": k, "text": d.text[i : i + PART_CHARS], "v": [0.0, 0.0]}
                for d in data.documents for k, i in enumerate(range(0, max(len(d.text), 1), PART_CHARS))]
        for lo in range(0, len(rows), INSERT_BATCH):
            c.insert(name, rows[lo : lo + INSERT_BATCH])
        c.flush(name)

    def _write_lexicon(self, data: IndexData) -> None:
        if data.lexicon is None:
            return
        from pymilvus import DataType

        c = self.client
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(data.lexicon.vectors.shape[1]))
        params = c.prepare_index_params()
        params.add_index("vector", index_type="FLAT" if "://" not in self.uri else "AUTOINDEX", metric_type="IP")
        name = _name(data.version, "lex")
        c.create_collection(name, schema=schema, index_params=params)
        vecs = np.asarray(data.lexicon.vectors, dtype=np.float32)
        for lo in range(0, len(vecs), INSERT_BATCH):
            c.insert(name, [{"row": i, "vector": vecs[i].tolist()} for i in range(lo, min(lo + INSERT_BATCH, len(vecs)))])
        c.flush(name)

    def _write_meta(self, data: IndexData) -> None:
        from pymilvus import DataType

        c = self.client
        schema = c.create_schema(auto_id=True, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("name", DataType.VARCHAR, max_length=64)
        schema.add_field("part", DataType.INT64)
        schema.add_field("payload", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        params = c.prepare_index_params()
        params.add_index("v", index_type="FLAT", metric_type="L2")
        name = _name(data.version, "meta")
        c.create_collection(name, schema=schema, index_params=params)
        manifest = dict(data.manifest, store="milvus", layout=LAYOUT, chunks_sha256=_sha(data.chunks))
        sizes = data.passages.sizes()
        reports = [dict(asdict(d), text="", chars=sizes[d.doc_id][0], chunks=sizes[d.doc_id][1]) for d in data.documents]
        blobs = {"reports": reports, "terms": data.term_df, "vocab": bm25_weights(data.bm25)[1],
                 "lexicon_terms": list(data.lexicon.terms) if data.lexicon is not None else None}
        for key, value in blobs.items():
            self._put(name, key, json.dumps(value, ensure_ascii=False))
        c.flush(name)
        self._put(name, "manifest", json.dumps(manifest, ensure_ascii=False))  # last: marks the version whole
        c.flush(name)

    def _put(self, collection: str, key: str, text: str) -> None:
        parts = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
        for lo in range(0, len(parts), INSERT_BATCH):
            self.client.insert(collection, [{"name": key, "part": lo + j, "payload": p, "v": [0.0, 0.0]}
                                            for j, p in enumerate(parts[lo : lo + INSERT_BATCH])])

    def switch(self, version: str) -> None:
        """Point the alias at a written version (atomic in Milvus)."""
        target = _name(version, "chunks")
        if self.current_version() is None:
            try:
                self.client.create_alias(target, ALIAS)
                return
            except Exception:  # created meanwhile by another writer: move it instead
                pass
        self.client.alter_alias(target, ALIAS)

    def drop(self, version: str) -> None:
        existing = set(self.client.list_collections())
        for part in ("chunks", "docs", "lex", "meta"):
            if _name(version, part) in existing:
                self.client.drop_collection(_name(version, part))
                self._loaded.discard(_name(version, part))

    def prune(self, keep: str, grace_s: float | None = None) -> None:
        """Drop versions no reader should need, as the folder store does (`store._prune`):
        beyond the newest KEEP_VERSIONS, those replaced over the grace period ago, any beyond
        MAX_VERSIONS, and dead partial builds; never `keep` nor the alias's target."""
        grace = _grace_s() if grace_s is None else grace_s
        current = self.current_version()
        now = time.time()
        complete = [v for v in self.versions() if self._manifest_or_none(v) is not None]
        for v in self.versions():
            if v not in complete and now - _built_at(v) > STALE_PARTIAL_S:
                self.drop(v)
        for rank, v in enumerate(complete):
            if v in (keep, current) or rank < KEEP_VERSIONS:
                continue
            replaced_at = _built_at(complete[rank - 1])
            if rank >= MAX_VERSIONS or now - replaced_at > grace:
                self.drop(v)

    # -- reading -----------------------------------------------------------------------------
    def query(self, collection: str, **kwargs: Any) -> list[dict]:
        """`client.query` on a collection loaded first: a Milvus that restarted, or a Milvus
        Lite file opened by a new process, holds its collections released until loaded."""
        if collection not in self._loaded:
            if self.client.get_load_state(collection).get("state") != _loaded_state():
                self.client.load_collection(collection)
            self._loaded.add(collection)
        try:
            return list(self.client.query(collection, **kwargs))
        except Exception:
            if self.client.get_load_state(collection).get("state") == _loaded_state():
                raise
            self.client.load_collection(collection)  # released meanwhile (another client, a restart)
            return list(self.client.query(collection, **kwargs))

    def blob(self, version: str, key: str) -> Any:
        """A named JSON blob of a version's meta collection (KeyError when it has none)."""
        name = _name(version, "meta")
        rows = self.query(name, filter=f'name == "{key}"', output_fields=["part", "payload"], limit=16_384)
        if not rows:
            raise KeyError(key)
        return json.loads("".join(r["payload"] for r in sorted(rows, key=lambda r: r["part"])))

    def _manifest_or_none(self, version: str) -> dict | None:
        try:
            m = self.blob(version, "manifest")
        except Exception:
            return None
        return m if isinstance(m, dict) else None

    def manifest(self, version: str) -> dict:
        """The manifest of a version (NotFoundError when dropped, IndexCorruptError when it
        has none: a build that did not finish, or a damaged collection)."""
        if not re.fullmatch(VERSION_PATTERN, version):
            raise InputError(f"{version!r} is not an index version name (like 20240301T120000-1a2b3c4d-5e6f)")
        if not self.client.has_collection(_name(version, "chunks")):
            raise NotFoundError(f"index version {version} is no longer kept in {self} (versions replaced over "
                                f"{_grace_s() / 3600:g} h ago are dropped); ask again for a current citation")
        m = self._manifest_or_none(version)
        if m is None:
            raise IndexCorruptError(f"index version {version} in {self} has no readable manifest (an unfinished "
                                    "build or a damaged collection); rebuild with `cppcc-qa build`")
        return m

    def _rows(self, version: str, fields: Sequence[str], n: int) -> list[dict]:
        name = _name(version, "chunks")
        out: list[dict] = []
        for lo in range(0, n, QUERY_BATCH):
            out.extend(self.query(name, filter=f"row >= {lo} and row < {lo + QUERY_BATCH}",
                                  output_fields=list(fields), limit=QUERY_BATCH))
        return sorted(out, key=lambda r: r["row"])

    def _chunks(self, version: str, manifest: dict, with_vectors: bool) -> tuple[tuple[Chunk, ...], list[dict]]:
        n = int(manifest["chunks"])
        fields = ["row", *CHUNK_FIELDS, "tokens"] + (["vector"] if with_vectors else [])
        try:
            rows = self._rows(version, fields, n)
            chunks = tuple(Chunk(**{f: r[f] for f in CHUNK_FIELDS}) for r in rows)
        except Exception as exc:  # fields missing or mistyped, a collection dropped or unloaded under us
            raise IndexCorruptError(f"the passages of index version {version} in {self} could not be read ({exc})") from exc
        if len(chunks) != n or [r["row"] for r in rows] != list(range(n)) or _sha(chunks) != manifest.get("chunks_sha256"):
            raise IndexCorruptError(f"index version {version} in {self} is damaged: {len(chunks)} of {n} passages, or "
                                    "they differ from the manifest's checksum; rebuild with `cppcc-qa build`")
        return chunks, rows

    def reports(self, version: str, manifest: dict) -> tuple[tuple[Document, ...], dict[str, tuple[int, int]]]:
        """The reports' metadata (text empty) and doc id → (characters, passages) of a version
        of layout 2."""
        try:
            rows = self.blob(version, "reports")
            fields = {f.name for f in dataclass_fields(Document)}
            docs = tuple(Document(**{k: v for k, v in r.items() if k in fields}) for r in rows)
            return docs, {r["doc_id"]: (int(r["chars"]), int(r["chunks"])) for r in rows}
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(f"the reports of index version {version} in {self} could not be read ({exc})") from exc

    def _texts_of(self, version: str, doc_ids: Sequence[str]) -> dict[str, str]:
        """Some reports' texts in one query (those the version has); one report at a time when
        they have more parts than one query returns."""
        name = _name(version, "docs")
        rows = self.query(name, filter=f"doc_id in [{', '.join(map(literal, doc_ids))}]",
                          output_fields=["doc_id", "part", "text"], limit=16_384)
        if len(rows) >= 16_384 and len(doc_ids) > 1:
            return {k: v for d in doc_ids for k, v in self._texts_of(version, [d]).items()}
        parts: dict[str, list[tuple[int, str]]] = {}
        for r in rows:
            parts.setdefault(r["doc_id"], []).append((r["part"], r["text"]))
        return {d: "".join(t for _, t in sorted(ps)) for d, ps in parts.items()}

    def report_texts(self, version: str, doc_ids: Sequence[str],
                     sizes: dict[str, tuple[int, int]]) -> Iterator[tuple[str, str]]:
        """(doc id, text) of each report asked, in order, read REPORTS_PER_READ at a time;
        IndexCorruptError for a text that is missing or not as long as `sizes` says."""
        for lo in range(0, len(doc_ids), REPORTS_PER_READ):
            part = doc_ids[lo : lo + REPORTS_PER_READ]
            try:
                got = self._texts_of(version, part)
            except Exception as exc:
                raise IndexCorruptError(f"the reports' texts of index version {version} in {self} could not be read "
                                        f"({exc})") from exc
            for d in part:
                text = got.get(d)
                if text is None or len(text) != sizes[d][0]:
                    raise IndexCorruptError(f"the text of report {d} in index version {version} in {self} is damaged "
                                            f"({0 if text is None else len(text)} of {sizes[d][0]} characters); "
                                            "rebuild with `cppcc-qa build`")
                yield d, text

    def _documents(self, version: str, manifest: dict) -> tuple[Document, ...]:
        """The reports with their texts."""
        if manifest.get("layout") != LAYOUT:
            try:
                return tuple(Document(**d) for d in self.blob(version, "documents"))
            except (KeyError, TypeError, ValueError) as exc:
                raise IndexCorruptError(f"the reports of index version {version} in {self} could not be read "
                                        f"({exc})") from exc
        docs, sizes = self.reports(version, manifest)
        texts = dict(self.report_texts(version, [d.doc_id for d in docs], sizes))
        return tuple(replace(d, text=texts[d.doc_id]) for d in docs)

    def passages(self, version: str) -> Passages:
        """A kept version's passages: read from Milvus as asked (layout 2), else loaded whole."""
        manifest = self.manifest(version)
        if manifest.get("layout") == LAYOUT:
            from cppcc_qa.indexing.milvus_served import MilvusPassages

            docs, sizes = self.reports(version, manifest)
            return MilvusPassages(self, version, int(manifest["chunks"]), docs, sizes)
        chunks, _ = self._chunks(version, manifest, with_vectors=False)
        return PassageTable(version, self._documents(version, manifest), chunks)

    def read_documents(self) -> tuple[dict, tuple[Document, ...]] | None:
        cur = self.current_version()
        if cur is None:
            return None
        manifest = self.manifest(cur)
        return manifest, self._documents(cur, manifest)

    def checked_manifest(self, expect_embedder: str, expect_chunking: ChunkingConfig,
                         version: str | None = None) -> tuple[str, dict]:
        """The current (or named) version and its manifest, refused when it was made otherwise
        than this service is configured (format, embedder, chunking)."""
        if version is None:
            version = self.current_version()
            if version is None:
                raise IndexMissingError(f"no index in {self}: build one with `cppcc-qa build`")
        manifest = self.manifest(version)
        if manifest.get("format") != FORMAT:
            raise IndexMismatchError(f"index format {manifest.get('format')} is not {FORMAT}; rebuild with `cppcc-qa build`")
        if manifest.get("embedder") != expect_embedder:
            raise IndexMismatchError(
                f"index was built with embedder {manifest.get('embedder')!r} but {expect_embedder!r} is configured; "
                "rebuild with `cppcc-qa build` (or configure the embedder the index was built with)")
        if manifest.get("chunking") != asdict(expect_chunking):
            raise IndexMismatchError(f"index was built with chunking {manifest.get('chunking')} but "
                                     f"{asdict(expect_chunking)} is configured; rebuild with `cppcc-qa build`")
        return version, manifest

    def load(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> IndexData:
        """The current (or named) version whole, as the same IndexData the folder store loads."""
        version, manifest = self.checked_manifest(expect_embedder, expect_chunking, version)
        chunks, rows = self._chunks(version, manifest, with_vectors=True)
        docs = self._documents(version, manifest)
        try:
            vecs = np.asarray([r["vector"] for r in rows], dtype=np.float32).reshape(len(rows), int(manifest["dim"]))
            tokens = [json.loads(r["tokens"]) for r in rows]
            term_df = self.blob(version, "terms")
            lexicon = self.lexicon(version, manifest)
        except Exception as exc:
            raise IndexCorruptError(f"index version {version} in {self} could not be read ({exc}); rebuild") from exc
        faiss_type = manifest.get("faiss_type", "auto")
        vectors = VectorIndex.build(vecs, faiss_type if faiss_type in ("flat", "hnsw") else "auto")
        bm25 = BM25Index.build(tokens)
        return IndexData(version, manifest, docs, chunks, vectors, bm25, term_df, lexicon, None)

    def open(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> ServedIndex:
        """The current (or named) version as requests read it: served from Milvus (layout 2),
        else (`in_memory`, or a version written before layout 2) loaded whole."""
        if self.in_memory:
            return self.load(expect_embedder, expect_chunking, version)
        version, manifest = self.checked_manifest(expect_embedder, expect_chunking, version)
        if manifest.get("layout") != LAYOUT:
            logger.info("%s: index version %s predates serving from Milvus; loading it whole", self, version)
            return self.load(expect_embedder, expect_chunking, version)
        from cppcc_qa.indexing.milvus_served import open_served

        return open_served(self, version, manifest)

    def lexicon(self, version: str, manifest: dict) -> Lexicon | None:
        """The lexicon of a version (None when it has none)."""
        if not manifest.get("lexicon"):
            return None
        terms = self.blob(version, "lexicon_terms")
        lex_rows = self.query(_name(version, "lex"), filter="row >= 0", output_fields=["row", "vector"],
                              limit=16_384) if len(terms) <= 16_384 else self._lex_rows(version, len(terms))
        lex_rows.sort(key=lambda r: r["row"])
        if len(lex_rows) != len(terms):
            raise ValueError(f"{len(lex_rows)} lexicon vectors for {len(terms)} terms")
        return Lexicon(tuple(terms), np.asarray([r["vector"] for r in lex_rows], dtype=np.float32))

    def _lex_rows(self, version: str, n: int) -> list[dict]:
        out: list[dict] = []
        for lo in range(0, n, QUERY_BATCH):
            out.extend(self.query(_name(version, "lex"), filter=f"row >= {lo} and row < {lo + QUERY_BATCH}",
                                  output_fields=["row", "vector"], limit=QUERY_BATCH))
        return out

    def load_serving(self, expect_embedder: str, expect_chunking: ChunkingConfig) -> ServedIndex:
        """The alias's version, or when it is missing or damaged the newest complete version
        that loads, with a warning saying which (raises the alias's error when none does)."""
        try:
            return self.open(expect_embedder, expect_chunking)
        except (IndexMissingError, IndexCorruptError, NotFoundError) as exc:
            failure: Exception = exc
        for v in self.versions():
            try:
                data = self.open(expect_embedder, expect_chunking, version=v)
            except (IndexCorruptError, IndexMismatchError, NotFoundError):
                continue
            logger.warning("%s: the alias %s did not load (%s); serving the newest good version %s", self, ALIAS, failure, v)
            return data
        if isinstance(failure, NotFoundError):
            raise IndexCorruptError(f"the alias {ALIAS} in {self} names a dropped collection and no other version "
                                    "loads; rebuild with `cppcc-qa build`") from failure
        raise failure


def _loaded_state() -> Any:
    from pymilvus.client.types import LoadState

    return LoadState.Loaded


def _built_at(version: str) -> float:
    import calendar

    return float(calendar.timegm(time.strptime(version[:15], "%Y%m%dT%H%M%S")))


class MilvusRetriever:
    """Retrieval served by Milvus itself (no corpus in memory): dense ANN over the passage
    vectors and BM25 over the stored weights of the alias's version, as (scores, row ids) in
    the shapes of `VectorIndex.search` and `BM25Index.top`."""

    def __init__(self, store: MilvusStore, version: str, vocab: dict[str, int]) -> None:
        self.store, self.version, self.vocab = store, version, vocab
        self.collection = _name(version, "chunks")
        store.client.load_collection(self.collection)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        res = self.store.client.search(self.collection, [q.tolist() for q in np.asarray(queries, np.float32)],
                                       anns_field="vector", limit=k, output_fields=["row"],
                                       search_params={"metric_type": "IP"})
        scores = np.full((len(res), k), -np.inf, np.float32)
        ids = np.full((len(res), k), -1, np.int64)
        for qi, hits in enumerate(res):
            for j, h in enumerate(hits):
                scores[qi, j], ids[qi, j] = h["distance"], h["entity"]["row"]
        return scores, ids

    def top(self, query_tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        q: dict[int, float] = {}
        for t in query_tokens:
            if t in self.vocab:
                q[self.vocab[t]] = q.get(self.vocab[t], 0.0) + 1.0
        if not q:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        res = self.store.client.search(self.collection, [q], anns_field="bm25", limit=k, output_fields=["row"],
                                       search_params={"metric_type": "IP"})
        hits = [(h["distance"], h["entity"]["row"]) for h in res[0] if h["distance"] > 0]
        return np.asarray([s for s, _ in hits], np.float32), np.asarray([i for _, i in hits], np.int64)
