"""Extractive answers: pick the clause of a retrieved passage that answers the question and say
it in one short, cited sentence — or decline when the passages do not support an answer.

No generative model: every figure in a reply is copied from the passage it cites. The composer
sits behind the `Composer` protocol so a generative backend can be added later.

Scoring a clause (all overlaps IDF-weighted over jieba tokens, tested as substrings so that
"调结" in a question meets "调结案件" in a passage):
- focus recall in the clause and in its sentence: how much of what the question asks about is there;
- for a number question, measure precision: how much of the phrase the figure counts ("调解成功" in
  "调解成功27件") the question mentions — this keeps "124名政协委员参与诉前调解" from answering
  "how many members does the committee have";
- for English questions (no shared words), cosine similarity of clause and question embeddings.
Thresholds are settings measured on the dev set (README, "Answer thresholds").
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .clauses import Span, split_clauses, split_sentences
from .numerals import QuantityMatch, find_quantities
from .prompts import Replies
from .question import UNITS, ParsedQuestion
from .records import Hit
from .tokenize import QUESTION_WORDS, STOPWORDS, tokenize

__all__ = ["Composer", "ExtractiveComposer", "Draft", "ComposerConfig", "UNIT_COMPAT"]

# Units a question's unit accepts in a passage ("多少人" is answered by "124名" or "180多人（次）").
UNIT_COMPAT: dict[str, frozenset[str]] = {
    "人": frozenset({"人", "名", "人次", "位"}),
    "名": frozenset({"名", "人", "人次", "位"}),
    "位": frozenset({"位", "名", "人"}),
    "人次": frozenset({"人次", "人", "名"}),
    "次": frozenset({"次", "场次", "人次", "批次", "场"}),
    "场次": frozenset({"场次", "次", "场"}),
    "场": frozenset({"场", "场次", "次"}),
    "批次": frozenset({"批次", "次"}),
    "万元": frozenset({"元"}),
    "亿元": frozenset({"元"}),
    "元": frozenset({"元"}),
    "万": frozenset({"元", "人次", "场次", "件", "人", "次"}),
    "亿": frozenset({"元"}),
    "个": frozenset({"个", "项", "家", "所", "处", "户", "座", "支", "条", "件", "篇", "类"}),
}
_YEAR_MIN = 1900  # "2024年" with no count after it is a date, not a quantity
_DATE_RE = re.compile(r"\d{4}年(?:\d{1,2}月)?|[一二三四五六七八九十]+月")
_NAME_RE = re.compile(r"[“《「][^”》」]{2,40}[”》」]")
_UNIT_WORDS = frozenset(UNITS)


@dataclass(frozen=True)
class ComposerConfig:
    min_score: float = 0.5  # below this best-clause score the composer declines
    min_focus_recall: float = 0.34  # share of the question's topic that must stand in the sentence
    min_measure_precision: float = 0.5  # number questions: share of the counted phrase the question names
    min_dense_similarity: float = 0.80  # English questions: clause/question cosine (e5 scale)
    passages: int = 4  # how many top passages are read for clauses
    context_budget: int = 46  # characters of leading context kept before the answering clause


@dataclass(frozen=True)
class Draft:
    """What the composer settled on: a hit, the quoted span in its passage, and the reply text."""

    answerable: bool
    text: str
    hit: Hit | None = None
    quote_start: int = 0  # offsets inside hit.chunk.text
    quote_end: int = 0
    reason: str = ""


class Composer(Protocol):
    def compose(self, q: ParsedQuestion, hits: Sequence[Hit], query_vector: np.ndarray | None = None) -> Draft: ...

    def refuse(self, q: ParsedQuestion, why: str) -> Draft: ...


@dataclass(frozen=True)
class _Cand:
    score: float
    hit_rank: int
    clause: Span
    sentence: Span
    quantity: QuantityMatch | None


def _weighted_cover(terms: Sequence[str], text: str, idf: Callable[[str], float]) -> float:
    total = sum(idf(t) for t in terms)
    if total <= 0:
        return 0.0
    return sum(idf(t) for t in terms if t in text) / total


def _terms(text: str) -> list[str]:
    return list(dict.fromkeys(
        t for t in tokenize(text)
        if t not in QUESTION_WORDS and t not in STOPWORDS and t not in _UNIT_WORDS and not re.fullmatch(r"[\d.]+", t)
    ))


def _counts(clause_text: str) -> list[QuantityMatch]:
    """Counted quantities in a clause (a year such as "2024年" is a date, not a count)."""
    return [m for m in find_quantities(clause_text) if not (m.quantity.unit == "年" and m.quantity.value >= _YEAR_MIN)]


def _unit_ok(asked: str, found: str) -> bool:
    if not asked:
        return True
    return found == asked or found in UNIT_COMPAT.get(asked, frozenset())


class ExtractiveComposer:
    """Chooses the answering clause by lexical evidence (and embeddings for English)."""

    def __init__(
        self,
        replies: Replies,
        idf: Callable[[str], float],
        cfg: ComposerConfig,
        known_committees: Sequence[str] = (),
        embed_passages: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self.known_committees = tuple(known_committees)
        self.replies = replies
        self.idf = idf
        self.cfg = cfg
        self.embed_passages = embed_passages

    # -- scoring -----------------------------------------------------------------------------
    def _measure_text(self, clause: str, qm: QuantityMatch, counts: list[QuantityMatch]) -> str:
        prev_end = max((m.end for m in counts if m.end <= qm.start), default=0)
        before = clause[prev_end : qm.start]
        after_end = min((m.start for m in counts if m.start >= qm.end), default=len(clause))
        after = clause[qm.end : after_end]
        before = re.sub(r"[（(、]", "", before)
        if len(_terms(before)) == 0 or (len(before) <= 4 and after):
            return before + after
        return before

    def _candidates(self, q: ParsedQuestion, hits: Sequence[Hit]) -> list[_Cand]:
        focus = _terms(q.focus_text)
        context = q.context_text + " " + q.normalized
        cands: list[_Cand] = []
        for rank, hit in enumerate(hits[: self.cfg.passages]):
            text = hit.chunk.text
            sentences = split_sentences(text)
            for sent in sentences:
                sent_rec = _weighted_cover(focus, sent.text + hit.chunk.section, self.idf)
                for cl in split_clauses(sent.text):
                    clause = Span(sent.start + cl.start, sent.start + cl.end, cl.text)
                    cl_rec = _weighted_cover(focus, clause.text, self.idf)
                    base = 0.55 * cl_rec + 0.45 * sent_rec
                    prior = 0.04 / (rank + 1)
                    if q.qtype == "numeric":
                        counts = _counts(clause.text)
                        for qm in counts:
                            if not _unit_ok(q.unit, qm.quantity.unit):
                                continue
                            mterms = _terms(self._measure_text(clause.text, qm, counts))
                            prec = _weighted_cover(mterms, context, self.idf) if mterms else 0.5
                            if prec < self.cfg.min_measure_precision or sent_rec < self.cfg.min_focus_recall:
                                continue
                            cands.append(_Cand(0.6 * base + 0.4 * prec + prior, rank, clause, sent, qm))
                        continue
                    if sent_rec < self.cfg.min_focus_recall:
                        continue
                    bonus = 0.0
                    if q.qtype == "list" and "、" in clause.text:
                        bonus = 0.1
                    elif q.qtype in ("entity", "open") and _NAME_RE.search(clause.text):
                        bonus = 0.08
                    elif q.qtype == "date":
                        bonus = 0.15 if _DATE_RE.search(clause.text) else -0.3
                    cands.append(_Cand(base + bonus + prior, rank, clause, sent, None))
        return cands

    def _english_candidates(self, q: ParsedQuestion, hits: Sequence[Hit], qvec: np.ndarray | None) -> list[_Cand]:
        if self.embed_passages is None or qvec is None:
            return []
        pool: list[tuple[int, Span, Span, QuantityMatch | None]] = []
        for rank, hit in enumerate(hits[: self.cfg.passages]):
            for sent in split_sentences(hit.chunk.text):
                for cl in split_clauses(sent.text):
                    clause = Span(sent.start + cl.start, sent.start + cl.end, cl.text)
                    counts = _counts(clause.text) if q.qtype == "numeric" else [None]
                    if counts:
                        pool.append((rank, clause, sent, counts[0]))
        if not pool:
            return []
        vecs = self.embed_passages([f"{hits[r].chunk.committee} {s.text} {c.text}" for r, c, s, _ in pool])
        sims = vecs @ qvec.reshape(-1)
        return [
            _Cand(float(sim), r, c, s, qm)
            for (r, c, s, qm), sim in zip(pool, sims)
            if sim >= self.cfg.min_dense_similarity
        ]

    # -- wording -----------------------------------------------------------------------------
    def _span(self, text: str, cand: _Cand) -> tuple[str, int, int]:
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
            if used + len(c.text) > self.cfg.context_budget:
                break
            competing = unit and any(m.quantity.unit == unit for m in _counts(c.text))
            if competing:
                gap = True
                continue
            parts.insert(0, c.text + ("，" + self.replies.gap if gap else "，"))
            gap = False
            start = c.start
            used += len(c.text)
        words = "".join(parts)
        return words, start, cand.clause.end

    def compose(self, q: ParsedQuestion, hits: Sequence[Hit], query_vector: np.ndarray | None = None) -> Draft:
        if q.unknown_places and not q.committees:
            return self.refuse(q, "unknown_committee")
        if q.committees:
            hits = [h for h in hits if h.chunk.committee in q.committees] or []
        if not hits:
            return self.refuse(q, "not_found")
        cands = self._english_candidates(q, hits, query_vector) if q.english else self._candidates(q, hits)
        cands = [c for c in cands if c.score >= (self.cfg.min_score if not q.english else self.cfg.min_dense_similarity)]
        if not cands:
            return self.refuse(q, "not_found")
        best = max(cands, key=lambda c: (c.score, -c.hit_rank))
        hit = hits[best.hit_rank]
        words, qs, qe = self._span(hit.chunk.text, best)
        tmpl = self.replies.answer_en if q.english else self.replies.answer
        text = tmpl.format(committee=hit.chunk.committee, title=hit.chunk.title, span=words, n=1)
        return Draft(True, text, hit, qs, qe, reason=f"score={best.score:.3f}")

    def refuse(self, q: ParsedQuestion, why: str) -> Draft:
        known = self.known_committees
        if why == "unknown_committee":
            tmpl = self.replies.refuse_unknown_committee_en if q.english else self.replies.refuse_unknown_committee
            place = "、".join(q.unknown_places)
            return Draft(False, tmpl.format(place=place, known="、".join(known) or "已收录的政协"), reason=why)
        tmpl = self.replies.refuse_not_found_en if q.english else self.replies.refuse_not_found
        return Draft(False, tmpl, reason=why)
