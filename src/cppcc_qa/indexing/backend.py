"""Where index versions live: one interface, two stores (settings.index_backend).

- ``faiss`` (the default, embedded): the versioned folder of store.py, `current` a symlink;
- ``milvus``: Milvus Lite (a local file) or a Milvus server (milvus_store.py), `cppcc_qa_current`
  an alias.

Both write a whole version before switching to it. What they serve is a `ServedIndex`
(indexing/passages.py): the folder store's is the version in memory (`IndexData`); Milvus's
answers searches and passage reads from Milvus (`milvus_served.MilvusIndex`; or, with
`milvus_in_memory`, the version loaded whole). The answer path (fusion, composer, citations) is
the same whichever holds it. Writers read the whole current version (`load`). `make_store` is
the one place that picks.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from cppcc_qa.indexing import store
from cppcc_qa.indexing.build import IndexData
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.passages import Passages, PassageTable, ServedIndex
from cppcc_qa.records import Document
from cppcc_qa.settings import Settings

__all__ = ["IndexStore", "FolderStore", "make_store", "BACKENDS"]

BACKENDS = ("faiss", "milvus")


class IndexStore(Protocol):
    def current_version(self) -> str | None: ...

    def load(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> IndexData:
        """The whole version in memory (what a writer changes)."""
        ...

    def open(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> ServedIndex:
        """The current (or named) version as requests read it."""
        ...

    def load_serving(self, expect_embedder: str, expect_chunking: ChunkingConfig) -> ServedIndex:
        """`open`, or when the current version does not open the newest one that does (logged)."""
        ...

    def write(self, data: IndexData) -> None: ...

    def passages(self, version: str) -> Passages:
        """The passages and reports of a kept version (an older answer's citations open them)."""
        ...

    def read_documents(self) -> tuple[dict, tuple[Document, ...]] | None: ...

    def lock(self) -> AbstractContextManager[None]: ...


class FolderStore:
    """The FAISS folder store (store.py) under the IndexStore calls."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return str(self.root)

    def current_version(self) -> str | None:
        return store.current_version(self.root)

    def load(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> IndexData:
        return store.load_index(self.root, expect_embedder, expect_chunking, version=version)

    def open(self, expect_embedder: str, expect_chunking: ChunkingConfig, version: str | None = None) -> IndexData:
        return self.load(expect_embedder, expect_chunking, version)

    def load_serving(self, expect_embedder: str, expect_chunking: ChunkingConfig) -> IndexData:
        return store.load_serving(self.root, expect_embedder, expect_chunking)

    def write(self, data: IndexData) -> None:
        store.write_index(data, self.root)

    def passages(self, version: str) -> PassageTable:
        return PassageTable(version, *store.read_passages(self.root, version))

    def read_documents(self) -> tuple[dict, tuple[Document, ...]] | None:
        return store.read_documents(self.root)

    @contextmanager
    def lock(self) -> Iterator[None]:
        with store.writer_lock(self.root):
            yield


def make_store(settings: Settings) -> IndexStore:
    """The index store the settings name."""
    if settings.index_backend == "milvus":
        from cppcc_qa.indexing.milvus_store import MilvusStore

        db = settings.database_url.get_secret_value() if settings.database_url is not None else ""
        return MilvusStore(settings.milvus_uri or str(settings.index_dir / "milvus.db"), settings.index_dir,
                           db or None, in_memory=settings.milvus_in_memory)
    return FolderStore(settings.index_dir)
