"""What the checker reads from one index version: every figure and sentence of the reports, and
how a claim names a committee ("武威市政协", "政协武威市委员会", "武威市", "武威").

`build_facts` runs once per index version (the `Verifier` keeps the result); sentences carry a
normalised copy (numerals as digits, as claims are normalised) with the same clauses as the
original, so what is matched on the copy is quoted from the original.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cppcc_qa.factcheck.claims import FigureContext, figure_contexts
from cppcc_qa.factcheck.figures import extract_figures
from cppcc_qa.factcheck.textcheck import Sentence
from cppcc_qa.records import Chunk, Figure
from cppcc_qa.text.normalize import normalize_question
from cppcc_qa.text.places import body_aliases
from cppcc_qa.text.spans import split_clauses, split_sentences

if TYPE_CHECKING:
    from cppcc_qa.indexing.store import IndexData

__all__ = ["FactIndex", "build_facts", "committee_words", "strip_committees", "named_outside_titles",
           "quote_clause"]

#: How many of one committee's `committee_words` are full names (the rest are places, which are
#: stripped only as the subject: "平凉" stays in "平凉地区工作委员会").
_FULL_NAMES = 6  # the first names of `text.places.body_aliases` that only a committee has


@dataclass(frozen=True)
class FactIndex:
    """Figures and sentences of one index version."""

    version: str
    figures: tuple[Figure, ...]
    contexts: tuple[FigureContext, ...]
    sentences: tuple[Sentence, ...]
    chunks: dict[str, Chunk]
    committees: tuple[str, ...]
    idf: Callable[[str], float]  # the term weights of the same index version


def build_facts(index: IndexData) -> FactIndex:
    """Extract every figure and sentence of the index's documents."""
    figures = [f for d in index.documents for f in extract_figures(d, index.chunks)]
    sentences = [Sentence(c.committee, c.doc_id, c.chunk_id, c.start + s.start, c.start + s.end, s.text,
                          normalize_question(s.text))
                 for c in index.chunks for s in split_sentences(c.text)]
    return FactIndex(index.version, tuple(figures),
                     tuple(figure_contexts(index.documents, index.chunks, figures)), tuple(sentences),
                     {c.chunk_id: c for c in index.chunks},
                     tuple(dict.fromkeys(d.committee for d in index.documents)), index.idf)


def committee_words(committees: Sequence[str]) -> list[str]:
    """How a claim may name these committees ("武威市政协", "政协武威市委员会", "武威市", "武威")."""
    return list(dict.fromkeys(w for c in committees for w in body_aliases(c)))


def strip_committees(text: str, committees: Sequence[str]) -> str:
    """The claim without its committee: full names anywhere, the bare place only as the subject."""
    for c in committees:
        for w in committee_words([c])[:_FULL_NAMES]:
            text = text.replace(w, "")
    for w in committee_words(committees):
        if text.startswith(w) and not text[len(w) :].startswith("级"):  # "武威市级…" keeps "市级"
            text = text[len(w) :]
    return text.strip()


def named_outside_titles(text: str, committees: Sequence[str]) -> tuple[str, ...]:
    """The committees a claim names as such, not only inside a title or quote ("《人文武威》")."""
    kept = []
    for c in committees:
        for w in committee_words([c]):
            at = text.find(w)
            while at >= 0 and _inside_marks(text, at):
                at = text.find(w, at + 1)
            if at >= 0:
                kept.append(c)
                break
    return tuple(kept)


def _inside_marks(text: str, at: int) -> bool:
    before = text[:at]
    return before.count("《") > before.count("》") or before.count("“") > before.count("”")


def quote_clause(s: Sentence, a: int, b: int) -> tuple[int, int]:
    """The clauses of `s` holding [a, b) (offsets in `s.matched`), as document offsets. The
    normalised text has the same clauses as the original, so clauses are matched by position."""
    matched, original = split_clauses(s.matched), split_clauses(s.text)
    hit = [i for i, c in enumerate(matched) if c.end > a and c.start < b]
    if not hit or len(matched) != len(original):
        return s.start, s.end
    return s.start + original[hit[0]].start, s.start + original[hit[-1]].end
