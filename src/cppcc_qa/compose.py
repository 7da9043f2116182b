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
- English questions arrive with Chinese focus terms mapped from their words (crosslingual.py).
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
from .question import ANY_COUNT, UNITS, ParsedQuestion
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
MEASURE_WINDOW = 12  # characters next to a figure that name what it counts
NEAR_MISS_CREDIT = 0.5  # a word sharing its first character with a passage word: partly the same verb
NAME_NEIGHBOURHOOD = 3  # characters around a quoted name searched for a question word
TARGET_BONUS = 0.2  # "哪个社区": a clause holding 社区 gains this, one without it loses 1.5 times it
NAMED_BONUS = 0.25  # a quoted name attached to a question word is what "是什么/叫什么" asks for
_TITLE_RE = re.compile(r"主席|副主席|书记|秘书长|主任|部长|市长|委员长")
# "哪个社区" / "哪部资料辑录" / "哪些省市": the word after 哪 names what the answer must contain
_TARGET_RE = re.compile(r"哪(?:个|部|些|项|位|家|所|座|条|种|类|一)?([\u4e00-\u9fff]{1,4}?)(?:[调开举参到去与做的是有在，,？?]|$)")



@dataclass(frozen=True)
class ComposerConfig:
    min_score: float = 0.5  # below this best-clause score a number question is declined
    min_score_text: float = 0.4  # the same for entity / list / open questions
    min_focus_recall: float = 0.34  # share of the question's topic that must stand in the sentence
    min_focus_recall_named: float = 0.2  # the same when a quoted name is attached to a question word
    min_measure_precision: float = 0.5  # number questions: share of the counted phrase the question names
    # English questions reach the passage through word-by-word translation, which loses words
    # ("investment promotion" → 投资 促进, not 招商引资): the counted phrase is matched more loosely.
    min_measure_precision_en: float = 0.3
    max_unmatched_share: float = 0.3  # English: share of content words with no corpus counterpart
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


def _near_miss(term: str, text: str) -> bool:
    """A two-character word of the same first character in the text: 建成/建立, 调研/调查."""
    return len(term) == 2 and any(len(w) == 2 and w[0] == term[0] for w in tokenize(text))


def _weighted_cover(terms: Sequence[str], text: str, idf: Callable[[str], float]) -> float:
    """IDF-weighted share of `terms` found in `text` (as substrings; a near miss counts half)."""
    total = sum(idf(t) for t in terms)
    if total <= 0:
        return 0.0
    got = 0.0
    for t in terms:
        if t in text:
            got += idf(t)
        elif _near_miss(t, text):
            got += NEAR_MISS_CREDIT * idf(t)
    return got / total


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
    if asked == ANY_COUNT:
        return found not in ("元", "%")
    return found == asked or found in UNIT_COMPAT.get(asked, frozenset())


def _names_attached(clause: str, focus: Sequence[str]) -> bool:
    """A quoted name right next to a word of the question: "建设“三区一城市”" for 建设目标是什么."""
    for m in _NAME_RE.finditer(clause):
        near = clause[max(0, m.start() - NAME_NEIGHBOURHOOD) : m.start()] + clause[m.end() : m.end() + NAME_NEIGHBOURHOOD]
        if any(t in near for t in focus):
            return True
    return False


def _shape_bonus(qtype: str, clause: str, target: str, named: bool) -> float:
    """How well a clause has the shape of the answer the question type wants."""
    bonus = 0.0
    if target:
        bonus += TARGET_BONUS if target in clause else -TARGET_BONUS * 1.5
    if qtype == "list" and "、" in clause:
        bonus += 0.1
    elif qtype in ("entity", "open") and named:
        bonus += NAMED_BONUS
    elif qtype in ("entity", "open") and _NAME_RE.search(clause):
        bonus += 0.08
    elif qtype == "date":
        bonus += 0.15 if _DATE_RE.search(clause) else -0.3
    elif qtype == "who":
        bonus += 0.15 if _TITLE_RE.search(clause) else -0.2
    return bonus


class ExtractiveComposer:
    """Chooses the answering clause by lexical evidence (and embeddings for English)."""

    def __init__(
        self,
        replies: Replies,
        idf: Callable[[str], float],
        cfg: ComposerConfig,
        known_committees: Sequence[str] = (),
    ) -> None:
        self.known_committees = tuple(known_committees)
        self.replies = replies
        self.idf = idf
        self.cfg = cfg

    # -- scoring -----------------------------------------------------------------------------
    def _measure_text(self, clause: str, qm: QuantityMatch, counts: list[QuantityMatch]) -> str:
        """The phrase a figure counts. In "3项工作机制" / "124名政协委员参与…" the noun follows the
        classifier; in "调结案件35件" it precedes the number. Only the words nearest the figure
        count (`MEASURE_WINDOW` characters): the head of a Chinese noun phrase sits next to it."""
        after_end = min((m.start for m in counts if m.start >= qm.end), default=len(clause))
        after = re.split(r"[（(、]", clause[qm.end : after_end], maxsplit=1)[0]
        if _terms(after[:MEASURE_WINDOW]):
            return after[:MEASURE_WINDOW]
        prev_end = max((m.end for m in counts if m.end <= qm.start), default=0)
        before = re.sub(r"^[）)、，]+|[（(]", "", clause[prev_end : qm.start])
        return before[-MEASURE_WINDOW:]

    def _candidates(self, q: ParsedQuestion, hits: Sequence[Hit]) -> list[_Cand]:
        focus = _terms(q.focus_text)
        context = q.context_text + " " + q.normalized
        tm = _TARGET_RE.search(q.focus_text)
        target = tm.group(1) if tm else ""
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
                            floor = self.cfg.min_measure_precision_en if q.english else self.cfg.min_measure_precision
                            if prec < floor or sent_rec < self.cfg.min_focus_recall:
                                continue
                            cands.append(_Cand(0.6 * base + 0.4 * prec + prior, rank, clause, sent, qm))
                        continue
                    named = q.qtype in ("entity", "open") and _names_attached(clause.text, focus)
                    if sent_rec < (self.cfg.min_focus_recall if not named else self.cfg.min_focus_recall_named):
                        continue
                    bonus = _shape_bonus(q.qtype, clause.text, target, named)
                    cands.append(_Cand(base + bonus + prior, rank, clause, sent, None))
        return cands

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
        n_focus = len(_terms(q.focus_text))
        if q.unmatched and len(q.unmatched) / (len(q.unmatched) + n_focus) >= self.cfg.max_unmatched_share:
            return self.refuse(q, "not_found")  # the question asks about words the reports never use
        cands = self._candidates(q, hits)
        floor = self.cfg.min_score if q.qtype == "numeric" else self.cfg.min_score_text
        cands = [c for c in cands if c.score >= floor]
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
