"""How near two words are in meaning, by the multilingual word vectors stored with the index.

Citizens do not use the reports' words: "老人" for "60岁以上人口", "大学生" for "高校毕业生",
"物价" for "居民消费价格", "涨" for "上涨". The lexicon built beside the index (indexing/lexicon.py)
holds a vector for every corpus term; a question's words are embedded once per question by the
same model. `SoftMatch` then says how near a question word comes to some word of a passage, and
a passage word to some word of the question, so that the scorer can give such a pair part of the
credit of the same word (answer/scoring.py, with a floor and a credit fitted on the bank).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.text.tokenize import tokenize

__all__ = ["WordVectors", "SoftMatch"]


class WordVectors:
    """Vectors of corpus terms (from the lexicon) and of other words (embedded on demand)."""

    def __init__(self, lexicon: Lexicon, embed: Callable[[list[str]], np.ndarray]) -> None:
        self.lexicon = lexicon
        self.row = {t: i for i, t in enumerate(lexicon.terms)}
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}

    def known(self, words: Sequence[str]) -> np.ndarray:
        """Rows of the corpus terms among `words` (others are left out)."""
        rows = [self.row[w] for w in words if w in self.row]
        return self.lexicon.vectors[rows] if rows else np.zeros((0, self.lexicon.vectors.shape[1]), dtype=np.float32)

    def of(self, words: Sequence[str]) -> np.ndarray:
        """A vector for every word: the lexicon's, else one embedded now (and kept)."""
        missing = [w for w in dict.fromkeys(words) if w not in self.row and w not in self._cache]
        if missing:
            for w, v in zip(missing, self._embed(missing)):
                self._cache[w] = np.asarray(v, dtype=np.float32)
            if len(self._cache) > 50_000:
                self._cache.clear()
        dim = self.lexicon.vectors.shape[1]
        if not words:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([self.lexicon.vectors[self.row[w]] if w in self.row else self._cache[w] for w in words])


class SoftMatch:
    """Nearness in meaning between one question's words and passages' words."""

    def __init__(self, vectors: WordVectors, question: str, terms: Sequence[str]) -> None:
        self.vectors = vectors
        self.q_words = list(dict.fromkeys([*terms, *tokenize(question)]))
        self.q_vecs = vectors.of(self.q_words)
        self._index = {w: i for i, w in enumerate(self.q_words)}

        @lru_cache(maxsize=512)
        def text_vecs(text: str) -> np.ndarray:
            return vectors.known([t for t in tokenize(text) if len(t) >= 2])

        self._text_vecs = text_vecs

    def to_text(self, term: str, text: str) -> float:
        """The best cosine of a question word with a corpus word of `text` (0 when none)."""
        i = self._index.get(term)
        tv = self._text_vecs(text)
        if i is None or len(tv) == 0:
            return 0.0
        return float((tv @ self.q_vecs[i]).max())

    def to_question(self, term: str) -> float:
        """The best cosine of a passage word with a word of the question (0 when unknown)."""
        if term not in self.vectors.row or len(self.q_vecs) == 0:
            return 0.0
        return float((self.q_vecs @ self.vectors.lexicon.vectors[self.vectors.row[term]]).max())
