"""Any sentence-transformers model folder on local disk (e.g. a deployment's bge-small-zh).

Never downloads: the hub is switched off before the model loads, and a name that is not a local
folder gives ModelUnavailableError naming the fix.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailableError
from .base import l2_normalize

__all__ = ["SentenceTransformerEmbedder"]


class SentenceTransformerEmbedder:
    def __init__(self, name_or_path: str, threads: int = 2) -> None:
        self.path = name_or_path
        self.name = f"sentence-transformers:{name_or_path}"
        self.threads = threads
        self._model = None

    @property
    def dim(self) -> int:
        self.warm_up()
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

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
        self.warm_up()
        return l2_normalize(self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        return l2_normalize(vecs)
