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

from cppcc_qa.answer.arithmetic import Operation, Result, assign, compute, operands_in, stated
from cppcc_qa.answer.model import ScorerModel
from cppcc_qa.answer.prompts import Replies
from cppcc_qa.answer.question import ParsedQuestion
from cppcc_qa.answer.scoring import NAME_RE, Candidate, counts_in, score_candidates
from cppcc_qa.ingest.metadata import display_name
from cppcc_qa.records import Computed, Hit
from cppcc_qa.search.wordsim import SoftMatch, WordVectors
from cppcc_qa.settings import ComposerConfig, ScoringConfig
from cppcc_qa.text.numerals import Quantity
from cppcc_qa.text.spans import Span, split_clauses, split_sentences
from cppcc_qa.text.tokenize import terms_of
from cppcc_qa.text.units import compatible

__all__ = ["Composer", "ExtractiveComposer", "Draft", "Source"]

MAX_PARTS = 3  # at most this many clauses in one reply
ITEM_OPEN = "、（("  # an enumeration item starts after one of these…
ITEM_CLOSE = "、）)"  # …and ends before one of these
MIN_ITEM_CHARS = 4  # an item shorter than this ("9个") is quoted with its whole clause
NEW_TOPIC_SHARE = 0.15  # a further part must bring this share of the question's topic weight
MULTI_CONTEXT_BUDGET = 20  # leading context per part when a reply has several
OVERVIEW_MAX_CHARS = 160  # headings of an overview beyond this many characters are shortened
#: A clause of purpose or result, which depends on the clause before it: "以…" (so as to; not
#: 以来/以上/以下…), "从而/进而/以便/为了/确保/力争…".
_DEPENDENT = re.compile(r"(?:以(?![来上下后前内外及])|从而|进而|以便|为了|确保|力争)")
ECHO_NEW_TERMS = 3  # a clause repeating the question's figures answers "哪个" only with this many words of its own
SAID_SHARE = 0.6  # a clause this much of whose character pairs an earlier answer holds was said there
COMPUTE_SENTENCES = 3  # sentences of the best candidates searched for the operands of a computation
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
    figure: Quantity | None = None  # the figure the quote gives, when it gives one
    year: int | None = None  # the year that figure speaks of (its period's last year, else its report's)


@dataclass(frozen=True)
class Draft:
    """What the composer settled on: the reply text and the sources it cites, in order [1], [2]…"""

    answerable: bool
    text: str
    sources: tuple[Source, ...] = ()
    reason: str = ""
    computed: tuple[Computed, ...] = ()  # figures of the reply computed from cited ones


class Composer(Protocol):
    def compose(self, q: ParsedQuestion, hits: Sequence[Hit]) -> Draft: ...

    def refuse(self, q: ParsedQuestion, why: str) -> Draft: ...


def _said_before(clause: str, earlier: str) -> bool:
    """Whether most of a clause stands in an earlier answer (by character pairs): "还有别的吗"
    is not answered by the clause just given."""
    def pairs(t: str) -> set[str]:
        t = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", t)
        return {t[i : i + 2] for i in range(len(t) - 1)}

    own = pairs(clause)
    return bool(own) and len(own & pairs(earlier)) >= SAID_SHARE * len(own)


def _renumber(text: str, offset: int) -> str:
    """Citation marks [n] of a part moved on by `offset` ([1] → [3] after two earlier sources)."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


def reattach(cands: list[Candidate]) -> list[Candidate]:
    """Within one sentence, the figure the question's action word stands beside takes the
    sentence's best score: "立案了多少件提案" over "收到提案163件，经审查立案148件" scores the
    sentence by its words, and of its figures 148 is the one 立案 counts. The others keep at most
    the attached figure's own score, so the sentence no longer answers with them."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, c in enumerate(cands):
        if c.quantity is not None:
            groups.setdefault((c.hit_rank, c.sentence.start), []).append(i)
    out = list(cands)
    for members in groups.values():
        fits = {i: cands[i].asked for i in members}
        attached = {cands[i].quantity.quantity.surface for i in members if fits[i] == 1.0}  # type: ignore[union-attr]
        top = max(members, key=lambda i: cands[i].score)
        if len(attached) != 1 or fits[top] != -1.0:
            continue
        mine = [i for i in members if fits[i] == 1.0]
        own = max(cands[i].score for i in mine)
        for i in members:
            if fits[i] == 1.0:
                out[i] = replace(cands[i], score=cands[top].score)
            elif fits[i] == -1.0:
                out[i] = replace(cands[i], score=min(cands[i].score, own))
    return out


class ExtractiveComposer:
    """Chooses answering clauses by lexical evidence and words the reply from prompts/."""

    def __init__(
        self,
        replies: Replies,
        idf: Callable[[str], float],
        cfg: ComposerConfig,
        scoring: ScoringConfig,
        known_committees: Sequence[str] = (),
        crosslingual: Similarity | None = None,
        report_year: Callable[[str], int | None] | None = None,
        model: ScorerModel | None = None,
        words: WordVectors | None = None,
        known: Callable[[str], bool] | None = None,
        reviews: Callable[[str], bool] | None = None,
    ) -> None:
        self.reviews = reviews or (lambda doc_id: False)
        self.known = known
        self.model = model
        self.words = words
        self.report_year = report_year or (lambda doc_id: None)
        self.known_committees = tuple(known_committees)
        self.crosslingual = crosslingual
        self.replies = replies
        self.idf = idf
        self.cfg = cfg
        self.scoring = scoring

    # -- choosing ----------------------------------------------------------------------------
    def _select(self, q: ParsedQuestion, hits: Sequence[Hit], cands: list[Candidate]) -> list[Candidate]:
        ranked = sorted(cands, key=lambda c: (-c.score, c.hit_rank))
        if not q.time.named and not q.time.report_year:
            # no year named: the latest report that answers, its year said in the reply
            years = [self.report_year(hits[c.hit_rank].chunk.doc_id) for c in ranked]
            latest = max((y for y in years if y is not None), default=None)
            if latest is not None:
                ranked = [c for c, y in zip(ranked, years) if y in (latest, None)] or ranked
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

    @staticmethod
    def _echoes_only(q: ParsedQuestion, c: Candidate) -> bool:
        """A clause whose figures are all ones the question itself gives, offered for a question
        asking which, who or what ("那23个项目里投资最大的是哪个？" is not answered by "签约引进
        项目23个"): it repeats the question instead of answering it."""
        if q.qtype not in ("entity", "who", "list"):
            return False
        counts = counts_in(c.clause.text)
        if not counts or not all(m.surface in q.normalized for m in counts) or NAME_RE.search(c.clause.text):
            return False
        new = [t for t in terms_of(c.clause.text) if t not in q.normalized and t not in ("政协", "委员会")]
        return len(new) < ECHO_NEW_TERMS  # a list of names would bring words of its own ("招商引资走深走实…")

    # -- wording -----------------------------------------------------------------------------
    def _span(self, cand: Candidate, budget: int, whole: bool = False) -> tuple[str, int, int]:
        """The reply's words: the answering clause, led by as much of its sentence as fits. A
        figure listed with others is quoted alone unless `whole` (a question asking for several).
        A clause of purpose or result ("…平台，以数字化建设赋能…", "从而…", "确保…") is led by the
        clause it depends on whatever the budget (up to twice it): alone it says why, not what was
        done."""
        clauses = [
            Span(cand.sentence.start + c.start, cand.sentence.start + c.end, c.text)
            for c in split_clauses(cand.sentence.text)
        ]
        idx = next(i for i, c in enumerate(clauses) if c.start <= cand.clause.start < c.end + 1)
        unit = cand.quantity.quantity.unit if cand.quantity else None
        parts = [cand.clause.text]
        start, end = cand.clause.start, cand.clause.end
        gap = False
        item = None if whole else self._item(cand)
        if item is not None:  # "设置党支部4个、党小组9个" → "党小组9个": no other figure in the reply
            a, b = item
            parts, start, end, gap = [cand.clause.text[a:b]], cand.clause.start + a, cand.clause.start + b, a > 0
        used = len(parts[0])
        for c in reversed(clauses[:idx]):
            if used + len(c.text) > budget:
                break
            if unit is not None and counts_in(c.text):
                gap = True  # a competing figure stays out of a reply that gives one figure
                continue
            parts.insert(0, c.text + ("，" + self.replies.gap if gap else "，"))
            gap = False
            start = c.start
            used += len(c.text)
        if len(parts) == 1 and idx > 0 and unit is None and _DEPENDENT.match(cand.clause.text):
            before = clauses[idx - 1]
            if len(before.text) <= 2 * budget:
                parts.insert(0, before.text + "，")
                start = before.start
        return "".join(parts), start, end

    @staticmethod
    def _item(cand: Candidate) -> tuple[int, int] | None:
        """The enumeration item ("、", brackets) holding a figure, when its clause holds others;
        None when the figure stands alone or its item would be too short to say what it counts."""
        qm = cand.quantity
        text = cand.clause.text
        if qm is None or len(counts_in(text)) < 2:
            return None
        a = max((text.rfind(ch, 0, qm.start) for ch in ITEM_OPEN), default=-1) + 1
        after = qm.end
        if text[after : after + 1] in ("（", "("):  # "149个（市级19个、县区130个）": its breakdown goes with it
            close = min((i for i in (text.find(ch, after) for ch in "）)") if i >= 0), default=len(text) - 1)
            after = close + 1
        ends = [i for i in (text.find(ch, after) for ch in ITEM_CLOSE) if i >= 0]
        b = min(ends, default=len(text))
        if b - a < MIN_ITEM_CHARS or (a, b) == (0, len(text)):
            return None
        return a, b

    def _fields(self, q: ParsedQuestion, c: Candidate, hit: Hit, words: str, n: int) -> dict[str, str | int]:
        """What a reply template may say: where the passage comes from ({source}: the committee,
        else the report's title), when it speaks of ({when}, only when the question named no year
        and the quoted words do not say it) and the quoted words."""
        when = ""
        if c.period is not None and not q.time.named and c.period.label.rstrip("年") not in words:
            when = (self.replies.when_en if q.english else self.replies.when).format(period=c.period.label)
        source = display_name(hit.chunk.committee, hit.chunk.title)
        return {"committee": hit.chunk.committee or source, "title": hit.chunk.title, "source": source,
                "when": when, "span": words, "n": n}

    def candidates(self, q: ParsedQuestion, hits: Sequence[Hit],
                   loose: bool = False) -> tuple[list[Candidate], list[Hit], str]:
        """The scored candidates (by the fitted model when one is loaded), the hits they index
        and, when there can be none, why ("unknown_committee", "not_found"). `loose` keeps the
        whole pool a fitted model sees even without one (evaluation/fit.py)."""
        if q.unknown_places and not q.committees:
            return [], [], "unknown_committee"
        if q.committees:
            hits = [h for h in hits if h.chunk.committee in q.committees]
        if not hits:
            return [], [], "not_found"
        n_focus = len(terms_of(q.focus_text))
        if q.unmatched and len(q.unmatched) / (len(q.unmatched) + n_focus) >= self.cfg.max_unmatched_share:
            return [], [], "not_found"  # the question asks about words the reports never use
        soft = SoftMatch(self.words, q.normalized, terms_of(q.focus_text)) if self.words is not None and not q.english else None
        cands = score_candidates(q, hits, self.scoring, self.idf, self.report_year, soft, self.known,
                                 gates=self.model is None and not loose, reviews=self.reviews)
        if q.english:
            cands = self._check_english(q, hits, cands)
        if self.model is not None:
            model = self.model
            cands = reattach([replace(c, score=model.prob(c.signals)) for c in cands])
        return cands, list(hits), ""

    def floor(self, q: ParsedQuestion) -> float:
        """The score below which a candidate is not an answer: the calibrated threshold of the
        fitted model, else the hand-set floors."""
        if self.model is not None:
            return self.model.threshold
        return self.cfg.min_score if q.qtype == "numeric" else self.cfg.min_score_text

    def compose(self, q: ParsedQuestion, hits: Sequence[Hit]) -> Draft:
        cands, hits, why = self.candidates(q, hits)
        if why:
            return self.refuse(q, why)
        floor = self.floor(q)
        cands = [c for c in cands if c.score >= floor and not self._echoes_only(q, c)
                 and not (q.seen and _said_before(c.clause.text, q.seen))]
        if not cands:
            return self.refuse(q, "no_more" if q.seen else "not_found")
        picks = self._merge(self._select(q, hits, cands))
        budget = self.cfg.context_budget if len(picks) == 1 else MULTI_CONTEXT_BUDGET
        sources: list[Source] = []
        parts: list[str] = []
        last_source = None
        for c in sorted(picks, key=lambda c: (q.committees.index(hits[c.hit_rank].chunk.committee)
                                               if hits[c.hit_rank].chunk.committee in q.committees else 0)):
            hit = hits[c.hit_rank]
            words, qs, qe = self._span(c, budget, whole=q.multi)
            sources.append(Source(hit, qs, qe, c.quantity.quantity if c.quantity else None, self._year(c, hit)))
            n = len(sources)
            fields = self._fields(q, c, hit, words, n)
            if len(picks) == 1:
                tmpl = self.replies.answer_en if q.english else self.replies.answer
                return Draft(True, tmpl.format(**fields), tuple(sources), reason=f"score={c.score:.3f}")
            same = fields["source"] == last_source
            tmpl = self.replies.part_continued if same else self.replies.answer_part
            parts.append(tmpl.format(**fields))
            last_source = fields["source"]
        text = self.replies.parts_joiner.join(parts) + self.replies.parts_end
        return Draft(True, re.sub(r"\s+", " ", text), tuple(sources), reason=f"{len(picks)} parts")

    def join(self, pieces: Sequence[str], drafts: Sequence[Draft]) -> Draft:
        """One reply for the parts of a compound question: each answered part with its citations
        renumbered in order, each part the reports do not answer said so; a refusal when none is
        answered."""
        if not any(d.answerable for d in drafts):
            return drafts[0]
        parts: list[str] = []
        sources: list[Source] = []
        computed: list[Computed] = []
        for piece, d in zip(pieces, drafts):
            if not d.answerable:
                parts.append(self.replies.part_not_found.format(part=piece.rstrip("？?。；; ")))
                continue
            offset = len(sources)
            text = _renumber(d.text, offset)
            parts.append(text.rstrip("。"))
            sources.extend(d.sources)
            computed.extend(replace(c, operands=tuple(n + offset for n in c.operands)) for c in d.computed)
        text = self.replies.parts_joiner.join(parts) + self.replies.parts_end
        return Draft(True, text, tuple(sources), reason=f"{len(pieces)} questions", computed=tuple(computed))

    # -- computing ---------------------------------------------------------------------------
    def _year(self, c: Candidate, hit: Hit) -> int | None:
        if c.period is not None:
            return c.period.end
        return self.report_year(hit.chunk.doc_id)

    def _computed(self, result: Result, operands: tuple[int, ...], notes: Sequence[str],
                  english: bool) -> tuple[str, Computed]:
        """The words that add a computed figure to a reply, and its record."""
        tmpl = self.replies.computed_en if english else self.replies.computed
        note = "".join(notes)
        return (tmpl.format(arithmetic=result.text, note=note),
                Computed(result.kind, result.value, result.unit, result.text, operands, note.lstrip("；; ")))

    def _notes(self, years: Sequence[int | None], units: Sequence[str], english: bool) -> list[str]:
        """What a reader must know of the operands: of different years, or of units that count
        different things."""
        notes = []
        known = [y for y in years if y is not None]
        if len(set(known)) > 1:
            tmpl = self.replies.computed_years_en if english else self.replies.computed_years
            notes.append(tmpl.format(years="、".join(f"{y}年" if not english else str(y) for y in known)))
        if any(not compatible(units[0], u) for u in units[1:]):
            tmpl = self.replies.computed_units_en if english else self.replies.computed_units
            notes.append(tmpl.format(units="、".join(dict.fromkeys(units))))
        return notes

    @staticmethod
    def states(draft: Draft, op: Operation) -> bool:
        """Whether the quoted reply already gives what `op` asks to compute."""
        if not draft.answerable or not draft.sources:
            return False
        src = draft.sources[0]
        quote = src.hit.chunk.text[src.quote_start : src.quote_end]
        return stated(op, quote, src.figure.unit if src.figure else "")

    def join_computed(self, pieces: Sequence[str], drafts: Sequence[Draft], op: Operation | None,
                      english: bool = False) -> Draft:
        """The parts of a question about several bodies, each cited, and, when it asks for a sum
        or a difference and each part gives one figure, the figure computed from them."""
        joined = self.join(pieces, drafts)
        if op is None or op.kind not in ("sum", "difference") or not joined.answerable:
            return joined
        if not all(d.answerable and len(d.sources) == 1 and d.sources[0].figure is not None for d in drafts):
            return joined
        figures = [d.sources[0].figure for d in drafts if d.sources[0].figure is not None]
        if op.kind == "difference" and len(figures) != 2:
            return joined
        result = compute(op.kind, [(f.value, f.unit, f.surface) for f in figures])
        if result is None:
            return joined
        notes = self._notes([d.sources[0].year for d in drafts], [f.unit for f in figures], english)
        words, done = self._computed(result, tuple(range(1, len(figures) + 1)), notes, english)
        return replace(joined, text=joined.text + words, computed=(*joined.computed, done), reason=f"computed {op.kind}")

    def compute_in_sentence(self, q: ParsedQuestion, hits: Sequence[Hit], op: Operation) -> Draft | None:
        """A ratio, an average or a difference of two figures one sentence of the top passages
        gives ("调结案件35件，调解成功27件" → 调解成功率), the sentence cited; None when no sentence
        holds two figures the question's words single out."""
        q = replace(q, avoid=())  # the operands may well be the figures the previous answer gave
        cands, hits, why = self.candidates(q, hits, loose=True)
        if why or not cands:
            return None
        seen: set[tuple[int, int]] = set()
        for c in sorted(cands, key=lambda c: (-c.score, c.hit_rank)):
            key = (c.hit_rank, c.sentence.start)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > COMPUTE_SENTENCES:
                break
            hit = hits[c.hit_rank]
            text = hit.chunk.text
            pair = assign(op, operands_in(text, c.sentence.start, c.sentence.end))
            if pair is None:
                continue
            result = compute(op.kind, [(o.value, o.unit, o.match.surface) for o in pair])
            if result is None:
                continue
            a = min(o.match.start for o in pair)
            b = max(o.match.end for o in pair)
            if text.count("（", c.sentence.start, b) > text.count("）", c.sentence.start, b):
                b = max(b, text.find("）", b) + 1)  # "149个（市级19个、县区130个）" quoted whole
            qs = max([c.sentence.start, *(text.rfind(ch, c.sentence.start, a) + 1 for ch in "，,；;：:")])
            fields = self._fields(q, c, hit, text[qs:b], 1)
            notes = self._notes([self._year(c, hit)], [o.unit for o in pair], q.english) if op.kind == "ratio" else []
            tmpl = self.replies.answer_en if q.english else self.replies.answer
            words, done = self._computed(result, (1,), notes, q.english)
            return Draft(True, tmpl.format(**fields) + words, (Source(hit, qs, b),), reason=f"computed {op.kind}",
                         computed=(done,))
        return None

    def overview(self, q: ParsedQuestion, sections: Sequence[tuple[str, Hit]], year: int | None) -> Draft:
        """The gist of one report: its main sections by heading, each cited to the opening
        sentence of its first passage. Long headings give their last clause (the part that says
        what was done) when the whole list would not fit `OVERVIEW_MAX_CHARS`."""
        if not sections:
            return self.refuse(q, "not_found")
        chunk = sections[0][1].chunk
        source = display_name(chunk.committee, chunk.title)
        when = (self.replies.when_en.format(period=year) if q.english else self.replies.when.format(period=f"{year}年")) \
            if year and str(year) not in source else ""
        headings = [h for h, _ in sections]
        if sum(len(h) for h in headings) > OVERVIEW_MAX_CHARS:
            headings = [re.split(r"[，,]", h)[-1] for h in headings]
        sources, items = [], []
        for heading, (_, hit) in zip(headings, sections):
            first = split_sentences(hit.chunk.text)[0]
            sources.append(Source(hit, first.start, first.end))
            items.append(self.replies.overview_item.format(heading=heading, n=len(sources)))
        tmpl = self.replies.overview_en if q.english else self.replies.overview
        report = source if source.endswith(("报告", "综述")) or q.english else f"{source}的报告"
        text = tmpl.format(source=source, report=report, when=when, count=len(items),
                           items=self.replies.parts_joiner.join(items))
        return Draft(True, text, tuple(sources), reason=f"overview of {len(items)} sections")

    def which_report(self, q: ParsedQuestion, reports: Sequence[str]) -> Draft:
        """An overview asked of no report in particular: which reports there are."""
        tmpl = self.replies.overview_which_en if q.english else self.replies.overview_which
        return Draft(False, tmpl.format(known="、".join(reports)), reason="overview_which")

    def small_talk(self, kind: str, english: bool = False) -> Draft:
        """A short reply to a greeting, thanks or goodbye, with a hint of what can be asked."""
        known = "、".join(self.known_committees) or ("the reports" if english else "已收录的报告")
        tmpl = getattr(self.replies, f"{kind}_en" if english else kind)
        return Draft(False, tmpl.format(known=known), reason=kind)

    def refuse(self, q: ParsedQuestion, why: str) -> Draft:
        known = self.known_committees
        if why == "unknown_committee":
            tmpl = self.replies.refuse_unknown_committee_en if q.english else self.replies.refuse_unknown_committee
            place = "、".join(q.unknown_places)
            return Draft(False, tmpl.format(place=place, known="、".join(known) or "已收录的政协"), reason=why)
        if why == "no_more":
            return Draft(False, self.replies.refuse_no_more_en if q.english else self.replies.refuse_no_more, reason=why)
        tmpl = self.replies.refuse_not_found_en if q.english else self.replies.refuse_not_found
        return Draft(False, tmpl, reason=why)
