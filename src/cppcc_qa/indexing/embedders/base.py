"""The Embedder interface: texts in, L2-normalised float32 vectors out."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Embedder", "BatchedEmbedder", "l2_normalize"]


@runtime_checkable
class Embedder(Protocol):
    """Queries and passages are embedded separately: some models (E5) prefix them differently."""

    name: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Row-normalise to unit length (inner product == cosine), float32, C-contiguous."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class BatchedEmbedder:
    """Shared plumbing of the bundled backends: lazy loading, batching, normalising.

    A subclass sets `name` and `dim` and implements `_load()` (returns the model) and
    `_encode(model, texts, is_query)` (returns raw vectors)."""

    name = ""
    dim = 0

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model: object | None = None

    def _load(self) -> object:
        raise NotImplementedError

    def _encode(self, model: object, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def warm_up(self) -> None:
        if self._model is None:
            self._model = self._load()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.warm_up()
        return l2_normalize(self._encode(self._model, list(texts), True))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = [self._encode(self._model, list(texts[i : i + batch_size]), False) for i in range(0, len(texts), batch_size)]
        return l2_normalize(np.vstack(parts))
