"""Extractive answers: the clause(s) of retrieved passages that answer the question, said in one
short, cited reply — or a polite refusal when the passages do not support an answer.

No generative model: every figure in a reply is copied from the passage it cites. Clauses are
scored in `scoring.py`; this module chooses among them and words the reply. A question about two
committees ("武威和平凉分别…") or two things ("…各多少") gets one part per committee or thing, each
with its own citation. The composer sits behind the `Composer` protocol so a generative backend
can be added later.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from cppcc_qa.answer.prompts import Replies
from cppcc_qa.answer.question import ParsedQuestion
from cppcc_qa.answer.scoring import Candidate, ScoringConfig, counts_in, score_candidates, terms_of
from cppcc_qa.records import Hit
from cppcc_qa.text.spans import Span, split_clauses

__all__ = ["Composer", "ExtractiveComposer", "Draft", "Source", "ComposerConfig"]

ComposerConfig = ScoringConfig  # the composer's tunables are the scoring thresholds
MAX_PARTS = 3  # at most this many clauses in one reply
NEW_TOPIC_SHARE = 0.15  # a further part must bring this share of the question's topic weight
MULTI_CONTEXT_BUDGET = 20  # leading context per part when a reply has several
# English questions: their words reach the passages through a word-by-word mapping, which can
# land on the wrong word ("handle" → 抓手, "population" → 居民). Each candidate clause is checked
# against the whole English question with the multilingual sentence model: below this cosine it
# is dropped, above it the similarity adds to the lexical score (measured on the repo's English
# questions: right clauses 0.22–0.36, wrong ones 0.10–0.24).
EN_MIN_CLAUSE_SIMILARITY = 0.18
EN_SIMILARITY_WEIGHT = 2.0
EN_SIMILARITY_CENTRE = 0.2

Similarity = Callable[[str, list[str]], np.ndarray]


@dataclass(frozen=True)
class Source:
    """A passage a reply rests on and the quoted span inside it (offsets in hit.chunk.text)."""

    hit: Hit
    quote_start: int
    quote_end: int


@dataclass(frozen=True)
class Draft:
    """What the composer settled on: the reply text and the sources it cites, in order [1], [2]…"""

    answerable: bool
    text: str
    sources: tuple[Source, ...] = ()
    reason: str = ""


class Composer(Protocol):
    def compose(self, q: ParsedQuestion, hits: Sequence[Hit]) -> Draft: ...

    def refuse(self, q: ParsedQuestion, why: str) -> Draft: ...


class ExtractiveComposer:
    """Chooses answering clauses by lexical evidence and words the reply from prompts/."""

    def __init__(
        self,
        replies: Replies,
        idf: Callable[[str], float],
        cfg: ScoringConfig,
        known_committees: Sequence[str] = (),
        crosslingual: Similarity | None = None,
    ) -> None:
        self.known_committees = tuple(known_committees)
        self.crosslingual = crosslingual
        self.replies = replies
        self.idf = idf
        self.cfg = cfg

    # -- choosing ----------------------------------------------------------------------------
    def _select(self, q: ParsedQuestion, hits: Sequence[Hit], cands: list[Candidate]) -> list[Candidate]:
        ranked = sorted(cands, key=lambda c: (-c.score, c.hit_rank))
        if len(q.committees) >= 2:
            picks = []
            for committee in q.committees:
                own = [c for c in ranked if hits[c.hit_rank].chunk.committee == committee]
                if own:
                    picks.append(own[0])
            return picks
        picks = [ranked[0]]
        if not q.multi:
            return picks
        focus = terms_of(q.focus_text)
        total = sum(self.idf(t) for t in focus) or 1.0
        covered = {t for t in focus if t in ranked[0].clause.text}
        for c in ranked[1:]:
            if len(picks) >= MAX_PARTS:
                break
            if any(c.hit_rank == p.hit_rank and c.clause.start == p.clause.start for p in picks):
                continue
            new = {t for t in focus if t in c.clause.text} - covered
            if sum(self.idf(t) for t in new) / total >= NEW_TOPIC_SHARE:
                picks.append(c)
                covered |= new
        return picks

    def _check_english(self, q: ParsedQuestion, hits: Sequence[Hit], cands: list[Candidate]) -> list[Candidate]:
        """Keep English candidates the sentence model agrees with, re-scored by its similarity."""
        if not cands or self.crosslingual is None:
            return []
        sims = self.crosslingual(q.normalized, [f"{hits[c.hit_rank].chunk.committee}：{c.clause.text}" for c in cands])
        return [
            replace(c, score=c.score + EN_SIMILARITY_WEIGHT * (float(sim) - EN_SIMILARITY_CENTRE))
            for c, sim in zip(cands, sims)
            if sim >= EN_MIN_CLAUSE_SIMILARITY
        ]

    @staticmethod
    def _merge(picks: list[Candidate]) -> list[Candidate]:
        """Parts from one sentence become one span from the first clause to the last."""
        out: list[Candidate] = []
        for c in sorted(picks, key=lambda c: (c.hit_rank, c.clause.start)):
            prev = out[-1] if out else None
            if prev and prev.hit_rank == c.hit_rank and prev.sentence == c.sentence:
                text = c.sentence.text  # offsets of both clauses are sentence-relative + sentence.start
                a, b = prev.clause.start, max(prev.clause.end, c.clause.end)
                whole = text[a - c.sentence.start : b - c.sentence.start]
                out[-1] = replace(prev, clause=Span(a, b, whole), quantity=None, score=max(prev.score, c.score))
            else:
                out.append(c)
        return out

    # -- wording -----------------------------------------------------------------------------
    def _span(self, cand: Candidate, budget: int) -> tuple[str, int, int]:
        """The reply's words: the answering clause, led by as much of its sentence as fits."""
        clauses = [
            Span(cand.sentence.start + c.start, cand.sentence.start + c.end, c.text)
            for c in split_clauses(cand.sentence.text)
        ]
        idx = next(i for i, c in enumerate(clauses) if c.start <= cand.clause.start < c.end + 1)
        unit = cand.quantity.quantity.unit if cand.quantity else None
        parts = [cand.clause.text]
        start = cand.clause.start
        gap = False
        used = len(cand.clause.text)
        for c in reversed(clauses[:idx]):
            if used + len(c.text) > budget:
                break
            if unit and any(m.quantity.unit == unit for m in counts_in(c.text)):
                gap = True  # a competing figure of the same kind stays out of the reply
                continue
            parts.insert(0, c.text + ("，" + self.replies.gap if gap else "，"))
            gap = False
            start = c.start
            used += len(c.text)
        return "".join(parts), start, cand.clause.end

    def compose(self, q: ParsedQuestion, hits: Sequence[Hit]) -> Draft:
        if q.unknown_places and not q.committees:
            return self.refuse(q, "unknown_committee")
        if q.committees:
            hits = [h for h in hits if h.chunk.committee in q.committees]
        if not hits:
            return self.refuse(q, "not_found")
        n_focus = len(terms_of(q.focus_text))
        if q.unmatched and len(q.unmatched) / (len(q.unmatched) + n_focus) >= self.cfg.max_unmatched_share:
            return self.refuse(q, "not_found")  # the question asks about words the reports never use
        floor = self.cfg.min_score if q.qtype == "numeric" else self.cfg.min_score_text
        cands = score_candidates(q, hits, self.cfg, self.idf)
        if q.english:
            cands = self._check_english(q, hits, cands)
        cands = [c for c in cands if c.score >= floor]
        if not cands:
            return self.refuse(q, "not_found")
        picks = self._merge(self._select(q, hits, cands))
        budget = self.cfg.context_budget if len(picks) == 1 else MULTI_CONTEXT_BUDGET
        sources: list[Source] = []
        parts: list[str] = []
        last_committee = None
        for c in sorted(picks, key=lambda c: (q.committees.index(hits[c.hit_rank].chunk.committee)
                                               if hits[c.hit_rank].chunk.committee in q.committees else 0)):
            hit = hits[c.hit_rank]
            words, qs, qe = self._span(c, budget)
            sources.append(Source(hit, qs, qe))
            n = len(sources)
            if len(picks) == 1:
                tmpl = self.replies.answer_en if q.english else self.replies.answer
                return Draft(True, tmpl.format(committee=hit.chunk.committee, title=hit.chunk.title, span=words, n=n),
                             tuple(sources), reason=f"score={c.score:.3f}")
            same = hit.chunk.committee == last_committee
            tmpl = self.replies.part_continued if same else self.replies.answer_part
            parts.append(tmpl.format(committee=hit.chunk.committee, title=hit.chunk.title, span=words, n=n))
            last_committee = hit.chunk.committee
        text = self.replies.parts_joiner.join(parts) + self.replies.parts_end
        return Draft(True, re.sub(r"\s+", " ", text), tuple(sources), reason=f"{len(picks)} parts")

    def refuse(self, q: ParsedQuestion, why: str) -> Draft:
        known = self.known_committees
        if why == "unknown_committee":
            tmpl = self.replies.refuse_unknown_committee_en if q.english else self.replies.refuse_unknown_committee
            place = "、".join(q.unknown_places)
            return Draft(False, tmpl.format(place=place, known="、".join(known) or "已收录的政协"), reason=why)
        tmpl = self.replies.refuse_not_found_en if q.english else self.replies.refuse_not_found
        return Draft(False, tmpl, reason=why)
