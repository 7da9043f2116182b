"""BM25 over pre-tokenised passages with bm25s (sparse-matrix BM25: fast to score a whole corpus,
saved as .npy arrays that load memory-mapped). Takes tokens, never text: the tokenizer is
`cppcc_qa.tokenize`."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BM25Index"]


class BM25Index:
    def __init__(self, retriever: Any, n: int) -> None:
        self._r: Any = retriever  # a bm25s.BM25 (bm25s ships no type information)
        self.n = n

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]]) -> BM25Index:
        import bm25s

        r = bm25s.BM25()
        docs = [list(t) if t else ["∅"] for t in corpus_tokens]
        r.index(docs, show_progress=False)
        return cls(r, len(docs))

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query (zeros where no token matches)."""
        vocab = self._r.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self._r.get_scores(known), dtype=np.float32)

    def top(self, query_tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k best passages with a positive score, best first."""
        s = self.scores(query_tokens)
        k = min(k, len(s))
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        keep = s[idx] > 0
        return s[idx][keep], idx[keep]

    def save(self, folder: Path) -> None:
        self._r.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> BM25Index:
        import bm25s

        r = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
        n = int(r.scores["num_docs"]) if hasattr(r, "scores") and "num_docs" in r.scores else len(r.scores["indptr"]) - 1
        return cls(r, n)
