"""The corpus vocabulary with its multilingual vectors, built beside the index.

An index artefact like the BM25 term table: which corpus terms exist and where each sits in a
multilingual embedding space. `search.crosslingual` maps an English question's words onto it.
The store keeps it as two files; it never knows which model made the vectors except by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Lexicon", "lexicon_vocabulary", "MAX_VOCAB"]

MAX_VOCAB = 30_000  # most frequent corpus terms embedded at build time


def lexicon_vocabulary(term_df: dict[str, int]) -> list[str]:
    """The Chinese terms worth mapping to: two characters or more, most frequent first."""
    terms = [t for t in term_df if len(t) >= 2 and re.search(r"[\u4e00-\u9fff]", t)]
    terms.sort(key=lambda t: (-term_df[t], t))
    return terms[:MAX_VOCAB]


@dataclass(frozen=True)
class Lexicon:
    """Corpus terms with their (unit-length) multilingual vectors, row i for term i."""

    terms: tuple[str, ...]
    vectors: np.ndarray
