"""Copy a FAISS folder index version into Milvus (`cppcc-qa migrate --to milvus`): the stored
vectors, passages, reports, term table and lexicon are copied as they are, under the same version
name; nothing is embedded again. The alias then points at the copy."""
from __future__ import annotations

from pathlib import Path

from cppcc_qa.errors import IndexMissingError
from cppcc_qa.indexing import store
from cppcc_qa.indexing.build import IndexData
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.milvus_store import MilvusStore

__all__ = ["migrate_to_milvus"]


def migrate_to_milvus(index_dir: Path, target: MilvusStore, version: str | None = None) -> IndexData:
    """Copy the current (or named) version of the folder index at `index_dir` into `target`
    and point its alias at it; returns the copied index."""
    version = version or store.current_version(index_dir)
    if version is None:
        raise IndexMissingError(f"no index at {index_dir}: nothing to migrate")
    manifest = store._read_manifest(store.version_folder(index_dir, version))
    data = store.load_index(index_dir, manifest.get("embedder", ""), ChunkingConfig(**manifest.get("chunking", {})),
                            version=version)
    with target.lock():
        if target.current_version() != version:
            target.drop(version)  # the remains of an earlier migrate of it that did not finish
            target.write(data)
    return data
