"""What the checker reads from one index version: every figure and sentence of the reports, and
how a claim names a committee ("武威市政协", "政协武威市委员会", "武威市", "武威").

`build_facts` runs once per index version (the `Verifier` keeps the result); sentences carry a
normalised copy (numerals as digits, as claims are normalised) with the same clauses as the
original, so what is matched on the copy is quoted from the original.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cppcc_qa.factcheck.claims import FigureContext, figure_contexts
from cppcc_qa.factcheck.figures import extract_figures
from cppcc_qa.factcheck.textcheck import Sentence
from cppcc_qa.records import Chunk, Document, Figure
from cppcc_qa.text.measure import is_change
from cppcc_qa.text.normalize import normalize_question
from cppcc_qa.text.periods import Period, period_of, reviews_last_year
from cppcc_qa.text.places import body_aliases
from cppcc_qa.text.spans import split_clauses, split_sentences
from cppcc_qa.text.targets import is_plan

if TYPE_CHECKING:
    from cppcc_qa.indexing.passages import ServedIndex

__all__ = ["FactIndex", "FigureTime", "build_facts", "committee_words", "strip_committees", "named_outside_titles",
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
    times: dict[str, FigureTime] = field(default_factory=dict)  # figure_id → when it speaks of
    change: dict[str, bool] = field(default_factory=dict)  # figure_id → counts a change (text.measure.is_change)


#: Characters before a figure read for the words that make it a change ("比去年增加").
CHANGE_LOOKBACK = 24


@dataclass(frozen=True)
class FigureTime:
    """When a report figure speaks of, taken once per index version: its report's year, its
    period (`periods.period_of`) and whether it is a plan (`targets.is_plan`)."""

    report_year: int | None
    period: Period | None
    plan: bool


def _figure_time(ctx: FigureContext, doc: Document | None, chunks: dict[str, Chunk]) -> FigureTime:
    ry = doc.year if doc is not None else None
    chunk = chunks.get(ctx.figure.passage_id)
    period = period_of(ctx.sentence, ctx.paragraph, chunk.section if chunk else "", ry)
    # the sentence read back to the full stop before it ("主要预期目标是：…；城镇新增就业1100万人以上")
    i = ctx.paragraph.find(ctx.sentence)
    full = ctx.paragraph[ctx.paragraph.rfind("。", 0, i) + 1 : i + len(ctx.sentence)] if i >= 0 else ctx.sentence
    return FigureTime(ry, period, is_plan(full, period, ry, doc is not None and reviews_last_year(doc)))


def build_facts(index: ServedIndex) -> FactIndex:
    """Extract every figure and sentence of the index's documents, one report at a time (its
    text and passages read from the index's passages, wherever they are held)."""
    figures: list[Figure] = []
    contexts: list[FigureContext] = []
    sentences: list[Sentence] = []
    chunks: dict[str, Chunk] = {}
    docs: dict[str, Document] = {}
    for d, own in index.passages.by_report():
        found = extract_figures(d, own)
        figures.extend(found)
        contexts.extend(figure_contexts([d], own, found))
        sentences.extend(Sentence(c.committee, c.doc_id, c.chunk_id, c.start + s.start, c.start + s.end, s.text,
                                  normalize_question(s.text))
                         for c in own for s in split_sentences(c.text))
        chunks.update((c.chunk_id, c) for c in own)
        docs[d.doc_id] = d
    times = {c.figure.figure_id: _figure_time(c, docs.get(c.figure.doc_id), chunks) for c in contexts}
    change = {f.figure_id: is_change(docs[f.doc_id].text[max(0, f.start - CHANGE_LOOKBACK) : f.start])
              for f in figures if f.doc_id in docs}
    return FactIndex(index.version, tuple(figures), tuple(contexts), tuple(sentences), chunks,
                     tuple(dict.fromkeys(d.committee for d in index.documents)), index.idf, times, change)


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
