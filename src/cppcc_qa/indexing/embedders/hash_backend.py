"""A deterministic, model-free embedder: character uni/bi-gram feature hashing.

For tests and for synthetic benchmarks where embedding a million passages with a real model
would take too long; it is not a semantic model and is never the default.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from cppcc_qa.indexing.embedders.base import l2_normalize

__all__ = ["HashEmbedder"]

HASH_DIM = 256


class HashEmbedder:
    name = "hash"

    @property
    def dim(self) -> int:
        return HASH_DIM

    def warm_up(self) -> None:
        return None

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(HASH_DIM, np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for g in grams:
            h = int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=4).digest(), "little")
            v[h % HASH_DIM] += 1.0 if (h >> 31) & 1 else -1.0
        return v

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return l2_normalize(np.stack([self._one(t) for t in texts])) if texts else np.zeros((0, HASH_DIM), np.float32)

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.embed_queries(texts)
