"""The on-disk index: build, persist with a manifest, load with checks, swap in atomically.

Layout under the index folder::

    current -> versions/<version>          (a symlink, replaced atomically with os.replace)
    versions/<version>/manifest.json       (embedder, dim, corpus hash, chunking, checksums…)
    versions/<version>/documents.jsonl, chunks.jsonl, vectors.faiss, bm25/
    .lock                                  (flocked by a writer: build, add, remove)

A build writes into a fresh temporary folder, renames it into versions/, then repoints
`current`; a build killed midway leaves `current` untouched and serving. Writers that read the
current version, change it and write a new one hold `writer_lock` throughout.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from cppcc_qa import __version__
from cppcc_qa.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    NotFoundError,
)
from cppcc_qa.indexing.bm25 import BM25Index
from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.indexing.embedders import Embedder
from cppcc_qa.indexing.lexicon import Lexicon, lexicon_vocabulary
from cppcc_qa.indexing.vectors import VectorIndex
from cppcc_qa.records import Chunk, Document
from cppcc_qa.text.tokenize import tokenize

__all__ = ["IndexData", "build_index", "assemble_index", "embed_chunks", "chunk_tokens", "term_counts",
           "write_index", "load_index", "read_documents", "read_passages", "version_folder", "corpus_hash",
           "current_version", "writer_lock", "IndexBusyError", "VERSION_PATTERN", "KEEP_VERSIONS"]

FORMAT = 1
KEEP_VERSIONS = 3  # current + two earlier, so a reader that started on an old one can finish
# A version replaced less than this long ago is kept whatever the count, so the citations of
# answers it gave stay readable (`read_passages`) while their reader is likely still on the
# page: an hour covers a long reading session, and a reader coming back later asks again.
VERSION_GRACE_S = 3600.0
# ...but never more versions than this on disk, so a burst of updates cannot fill it (each
# version is a whole index: about 1.5 GB at 1M passages).
MAX_VERSIONS = 10
# Version names: build time (UTC), corpus hash prefix, a random suffix (see assemble_index).
VERSION_PATTERN = r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}-[0-9a-f]{4}$"
LOCK_NAME = ".lock"
# A writer waits this long for another build/add to finish before giving up (a full rebuild of a
# large corpus takes minutes; an add of one report seconds).
WRITER_WAIT_S = 600.0
LOCK_POLL_S = 0.05


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
        n = len(self.chunks)
        df = self.term_df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def corpus_hash(docs: Sequence[Document]) -> str:
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc_id):
        h.update(json.dumps(asdict(d), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


@contextmanager
def writer_lock(root: Path, wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
    """Hold the index's one writer lock (`fcntl.flock` on `root/.lock`) for a read-modify-write
    of the index, so two builds or adds never lose one another. The kernel drops the lock when
    the holder exits, even by SIGKILL. Raises IndexBusyError after `wait_s` seconds of waiting."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"another build or update of {root} has held its lock for over "
                                         f"{wait_s:.0f} s; try again later") from None
                time.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_index(data: IndexData, root: Path) -> Path:
    """Persist `data` as a new version under `root` and make it current, atomically."""
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", [asdict(d) for d in data.documents])
        _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in data.chunks])
        data.vectors.save(tmp / "vectors.faiss")
        data.bm25.save(tmp / "bm25")
        (tmp / "terms.json").write_text(json.dumps(data.term_df, ensure_ascii=False), encoding="utf-8")
        if data.lexicon is not None:
            (tmp / "lexicon_terms.json").write_text(json.dumps(data.lexicon.terms, ensure_ascii=False), encoding="utf-8")
            np.save(tmp / "lexicon.npy", data.lexicon.vectors)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = dict(data.manifest, files={str(p.relative_to(tmp)): _sha256(p) for p in files})
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for p in [*files, tmp / "manifest.json"]:
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
        final = versions / data.version
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link_tmp = root / f".current-{uuid.uuid4().hex}"
    os.symlink(Path("versions") / data.version, link_tmp)
    os.replace(link_tmp, root / "current")
    _prune(root, keep=data.version)
    return final


def _prune(root: Path, keep: str, grace_s: float | None = None) -> None:
    """Delete the versions no reader should need: beyond the newest KEEP_VERSIONS, those
    replaced (their successor written) over `grace_s` ago, and any beyond MAX_VERSIONS. Never
    `keep` (the new current). A server still mapping a deleted version's files is unharmed:
    unlinking leaves an open file's pages in place; only truncating them would hurt."""
    grace = VERSION_GRACE_S if grace_s is None else grace_s
    written = sorted(((p.stat().st_mtime, p) for p in (root / "versions").iterdir()), reverse=True)
    now = time.time()
    for rank, (_, v) in enumerate(written):
        if v.name == keep or rank < KEEP_VERSIONS:
            continue
        replaced_at = written[rank - 1][0]  # when its successor was written
        if rank >= MAX_VERSIONS or now - replaced_at > grace:
            shutil.rmtree(v, ignore_errors=True)
    for stale in root.glob(".tmp-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def version_folder(root: Path, version: str) -> Path:
    """The folder of a named version (InputError for a name no build makes, NotFoundError when
    it has been deleted)."""
    if not re.fullmatch(VERSION_PATTERN, version):
        raise InputError(f"{version!r} is not an index version name (like 20240301T120000-1a2b3c4d-5e6f)")
    folder = root / "versions" / version
    if not (folder / "manifest.json").is_file():
        raise NotFoundError(f"index version {version} is no longer kept (versions replaced over "
                            f"{VERSION_GRACE_S / 3600:g} h ago are deleted); ask again for a current citation")
    return folder


def read_passages(root: Path, version: str) -> tuple[tuple[Document, ...], tuple[Chunk, ...]]:
    """The reports and passages of a kept version, checked against their checksums: what a
    citation of an answer given on a replaced version opens (service.passage)."""
    folder = version_folder(root, version)
    manifest = _read_manifest(folder)
    _verify(folder, manifest, ["documents.jsonl", "chunks.jsonl"])
    try:
        chunks = tuple(Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").open(encoding="utf-8"))
        return _read_documents(folder), chunks
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"the passages of index version {version} could not be read ({exc})") from exc


def current_version(root: Path) -> str | None:
    """The version `current` points at, or None when there is no index."""
    link = root / "current"
    if not link.exists():
        return None
    return os.readlink(link).split("/")[-1] if link.is_symlink() else link.resolve().name


def _read_manifest(folder: Path) -> dict:
    """The manifest of a version folder (IndexCorruptError when it is unreadable)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"index manifest at {folder} is unreadable ({exc}); rebuild with `cppcc-qa build`") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"index manifest at {folder} is not an object; rebuild with `cppcc-qa build`")
    return manifest


def _verify(folder: Path, manifest: dict, names: Sequence[str] | None = None) -> None:
    """Check the files of a version (or just `names`) against the checksums in its manifest."""
    files = manifest.get("files") or {}
    for name in names if names is not None else list(files):
        p = folder / name
        if name not in files or not p.is_file() or _sha256(p) != files[name]:
            raise IndexCorruptError(f"index file {name} in {folder} is missing or altered; rebuild with `cppcc-qa build`")


def _read_documents(folder: Path) -> tuple[Document, ...]:
    return tuple(Document(**json.loads(line)) for line in (folder / "documents.jsonl").open(encoding="utf-8"))


def read_documents(root: Path) -> tuple[dict, tuple[Document, ...]] | None:
    """The current version's manifest and reports, checked against their checksum (and nothing
    else: whatever embedder or chunking it was built with); None when there is no index. What a
    plain `build` rebuilds from (library.py)."""
    if not (root / "current").exists():
        return None
    folder = (root / "current").resolve()
    manifest = _read_manifest(folder)
    _verify(folder, manifest, ["documents.jsonl"])
    try:
        return manifest, _read_documents(folder)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"the reports of the index at {folder} could not be read ({exc})") from exc


def load_index(
    root: Path,
    expect_embedder: str,
    expect_chunking: ChunkingConfig,
    verify_checksums: bool = True,
) -> IndexData:
    """Load the current index; refuse one built with another embedder or chunking settings, or
    whose files do not match their checksums."""
    link = root / "current"
    if not link.exists():
        raise IndexMissingError(f"no index at {root}: build one with `cppcc-qa build`")
    folder = link.resolve()
    manifest = _read_manifest(folder)
    if manifest.get("format") != FORMAT:
        raise IndexMismatchError(f"index format {manifest.get('format')} is not {FORMAT}; rebuild with `cppcc-qa build`")
    if manifest.get("embedder") != expect_embedder:
        raise IndexMismatchError(
            f"index was built with embedder {manifest.get('embedder')!r} but {expect_embedder!r} is configured; "
            "rebuild with `cppcc-qa build` (or configure the embedder the index was built with)"
        )
    if manifest.get("chunking") != asdict(expect_chunking):
        raise IndexMismatchError(
            f"index was built with chunking {manifest.get('chunking')} but {asdict(expect_chunking)} is configured; "
            "rebuild with `cppcc-qa build`"
        )
    if verify_checksums:
        _verify(folder, manifest)
    try:
        docs = _read_documents(folder)
        chunks = tuple(Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").open(encoding="utf-8"))
        vectors = VectorIndex.load(folder / "vectors.faiss", manifest["faiss_type"])
        bm25 = BM25Index.load(folder / "bm25")
        term_df = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        lexicon = None
        if manifest.get("lexicon"):
            terms = json.loads((folder / "lexicon_terms.json").read_text(encoding="utf-8"))
            lexicon = Lexicon(tuple(terms), np.load(folder / "lexicon.npy", mmap_mode="r"))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(f"index at {folder} could not be read ({exc}); rebuild with `cppcc-qa build`") from exc
    if len(vectors) != len(chunks) or bm25.n != len(chunks):
        raise IndexCorruptError(f"index at {folder} is inconsistent (vectors/BM25/chunks differ); rebuild")
    return IndexData(manifest["version"], manifest, docs, chunks, vectors, bm25, term_df, lexicon, folder)
