"""Any sentence-transformers model folder on local disk (e.g. a deployment's bge-small-zh).

Never downloads: the hub is switched off before the model loads, and a name that is not a local
folder gives ModelUnavailableError naming the fix.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cppcc_qa.errors import ModelUnavailableError
from cppcc_qa.indexing.embedders.base import l2_normalize

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["SentenceTransformerEmbedder"]


class SentenceTransformerEmbedder:
    def __init__(self, name_or_path: str, threads: int = 2) -> None:
        self.path = name_or_path
        self.name = f"sentence-transformers:{name_or_path}"
        self.threads = threads
        self._model: SentenceTransformer | None = None

    def _loaded(self) -> SentenceTransformer:
        """The model, loading it first if needed (warm_up() either loads it or raises)."""
        self.warm_up()
        if self._model is None:
            raise ModelUnavailableError(f"sentence-transformers model {self.path!r} is not loaded")
        return self._model

    @property
    def dim(self) -> int:
        model = self._loaded()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:  # sentence-transformers returns None when the model cannot tell its dimension
            raise ModelUnavailableError(f"sentence-transformers model {self.path!r} does not report its embedding dimension")
        return int(dim)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        folder = Path(self.path).expanduser()
        if not (folder / "config.json").is_file() and not (folder / "modules.json").is_file():
            raise ModelUnavailableError(
                f"sentence-transformers model folder {self.path!r} not found (no config.json / modules.json there). "
                "Models are never downloaded: copy the model folder onto this machine and pass its path, "
                "e.g. --embedder sentence-transformers:/models/bge-small-zh"
            )
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailableError("sentence-transformers is not installed: pip install sentence-transformers") from exc
        torch.set_num_threads(self.threads)
        try:
            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelUnavailableError(f"could not load sentence-transformers model from {folder}: {exc}") from exc

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        model = self._loaded()
        return l2_normalize(model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        model = self._loaded()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        return l2_normalize(vecs)
