"""The on-disk index: persist a version with its manifest, load it with checks, swap it in atomically.

Layout under the index folder::

    current -> versions/<version>          (a symlink, replaced atomically with os.replace)
    versions/<version>/manifest.json       (embedder, dim, corpus hash, chunking, checksums…)
    versions/<version>/documents.jsonl, chunks.jsonl, vectors.faiss, bm25/
    .lock                                  (flocked by a writer: build, add, remove)

A build writes into a fresh temporary folder, renames it into versions/, then repoints
`current`; a build killed midway leaves `current` untouched and serving. Writers that read the
current version, change it and write a new one hold `writer_lock` throughout.

Guarantees (copy-on-write versions):
- a version's files are written once, fsynced and made read-only (READ_ONLY) before the folder
  is renamed into place; nothing opens them for writing again, and an update is always a new
  version written from scratch (never a copy or hardlink of the old files changed in place);
- every file is checked against the manifest's checksums before any is mapped, and a file is
  mapped only where this process cannot write it (`_mappable`): as root it is read into memory;
- old versions are only ever deleted whole (`_prune`), which leaves a reader's mapped pages in
  place, and only after VERSION_GRACE_S so the citations of their answers still open;
- the reports of a version are its documents.jsonl: switching `current` switches the library
  and the index at once (library.library_documents);
- a server starting on a `current` that is missing, garbage or damaged serves the newest good
  version and logs a warning (`load_serving`).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cppcc_qa.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    NotFoundError,
)
from cppcc_qa.indexing.bm25 import BM25Index
from cppcc_qa.indexing.build import FORMAT, IndexData
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.indexing.vectors import VectorIndex
from cppcc_qa.records import Chunk, Document

__all__ = ["write_index", "load_index", "load_serving", "read_documents", "read_passages", "version_folder",
           "current_version", "writer_lock", "IndexBusyError", "IndexData", "VERSION_PATTERN", "KEEP_VERSIONS"]

logger = logging.getLogger(__name__)

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
READ_ONLY = 0o444  # the mode of every file of a written version
# A writer waits this long for another build/add to finish before giving up (a full rebuild of a
# large corpus takes minutes; an add of one report seconds).
WRITER_WAIT_S = 600.0
LOCK_POLL_S = 0.05


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def writer_lock(root: Path, wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
    """Hold the index's one writer lock (`fcntl.flock` on `root/.lock`) for a read-modify-write
    of the index, so two builds or adds never lose one another. The kernel drops the lock when
    the holder exits, even by SIGKILL. Raises IndexBusyError after `wait_s` seconds of waiting."""
    root.mkdir(parents=True, exist_ok=True)
    with file_lock(root / LOCK_NAME, str(root), wait_s):
        yield


@contextmanager
def file_lock(path: Path, what: str, wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
    """Hold `fcntl.flock` on `path` (made if missing), polling until `wait_s` has passed; then
    IndexBusyError naming `what`. Closing the descriptor releases the lock."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"another build or update of {what} has held its lock for over "
                                         f"{wait_s:.0f} s; try again later") from None
                time.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(fd)


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
            p.chmod(READ_ONLY)  # never written again: see the module doc
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


def _mappable(*paths: Path) -> bool:
    """Whether files may be memory-mapped: only where this process cannot write them. A mapped
    file cut short under a reader kills it with SIGBUS at the next touch of a lost page (the
    probe: exit 135, nothing logged); a version's files are read-only (READ_ONLY), but root
    ignores file modes, so there they are read into the process's own memory instead (146 MiB
    more per worker at 100k x 384 flat, vectors.py), out of reach of whatever changes the file."""
    return all(not os.access(p, os.W_OK) for p in paths)


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
    version: str | None = None,
) -> IndexData:
    """Load the current index (or the named kept `version`); refuse one built with another
    embedder or chunking settings, or whose files do not match their checksums. The checks run
    before any file is mapped."""
    if version is not None:
        folder = version_folder(root, version)
    else:
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
        vectors = VectorIndex.load(folder / "vectors.faiss", manifest["faiss_type"],
                                   mmap=_mappable(folder / "vectors.faiss"))
        bm25 = BM25Index.load(folder / "bm25", mmap=_mappable(*(folder / "bm25").iterdir()))
        term_df = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        lexicon = None
        if manifest.get("lexicon"):
            terms = json.loads((folder / "lexicon_terms.json").read_text(encoding="utf-8"))
            lexicon = Lexicon(tuple(terms), np.load(folder / "lexicon.npy",
                                                    mmap_mode="r" if _mappable(folder / "lexicon.npy") else None))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(f"index at {folder} could not be read ({exc}); rebuild with `cppcc-qa build`") from exc
    if len(vectors) != len(chunks) or bm25.n != len(chunks):
        raise IndexCorruptError(f"index at {folder} is inconsistent (vectors/BM25/chunks differ); rebuild")
    return IndexData(manifest["version"], manifest, docs, chunks, vectors, bm25, term_df, lexicon, folder)


def load_serving(root: Path, expect_embedder: str, expect_chunking: ChunkingConfig) -> IndexData:
    """The index a starting server answers from: the current one, or, when `current` is
    missing, garbage or names a damaged version, the newest kept version that loads, with a
    warning saying which (raises the current one's error when none does). Writers never fall
    back: they build on `current` or refuse (service._current_for_update)."""
    try:
        return load_index(root, expect_embedder, expect_chunking)
    except (IndexMissingError, IndexCorruptError) as exc:
        failure: IndexMissingError | IndexCorruptError = exc
    folder = root / "versions"
    kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    for v in kept:
        if not re.fullmatch(VERSION_PATTERN, v.name):
            continue
        try:
            data = load_index(root, expect_embedder, expect_chunking, version=v.name)
        except (IndexCorruptError, IndexMismatchError, NotFoundError):
            continue
        logger.warning("index %s: `current` did not load (%s); serving the newest good version %s",
                       root, failure, v.name)
        return data
    raise failure
