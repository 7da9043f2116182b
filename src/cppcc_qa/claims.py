"""Matching the figures of a claim to the report's figures: by unit, by what is counted, by value.

A claim figure ("调结案件53件") is compared with every report figure of a compatible unit. How well
the two count the same thing is the IDF-weighted share of the claim's words near its number that
are found around the report figure: in its measure or its clause (full weight), in its sentence
(less), in its paragraph (little). Words are compared as substrings, so jieba segmenting a claim
differently from the report ("调结案件" vs "调结"+"案件") does not matter. The share is tempered by
how much of the report figure's own measure the claim mentions, which separates neighbours such as
"专题学习8次" and "专题学习研讨12次".

Values are compared as intervals: "260余万元" is (260万, 270万), "近400次" is [350, 400], "约300"
is [250, 350], an exact figure is a point (see `interval`).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .figures import CLAUSE_BREAKS, SENTENCE_BREAKS
from .numerals import QuantityMatch, find_quantities
from .records import Chunk, Document, Figure
from .tokenize import content_terms

__all__ = [
    "FigureContext",
    "FigureMatch",
    "figure_contexts",
    "claim_quantities",
    "claim_terms",
    "rank_figures",
    "compare",
    "units_compatible",
    "Agreement",
]

#: Units that count the same kind of thing; a figure in a related unit ("3个" for "3项") is
#: compared too, at `RELATED_UNIT_FACTOR` of the score.
UNIT_GROUPS: tuple[frozenset[str], ...] = (
    frozenset("人 人次 名 位".split()),
    frozenset("次 场次 场 批次 期 轮 件次 户次 家次".split()),
    frozenset("个 项 件 条 篇 处 所 家 户 份 部 座 套 张 类 支 组 本 册 台 辆 批".split()),
)
RELATED_UNIT_FACTOR = 0.85
#: Where a claim word is found around a report figure, and what that is worth.
IN_CLAUSE = 1.0  # in the figure's measure or its clause: the claim names what the figure counts
IN_SENTENCE = 0.35  # elsewhere in its sentence: the same topic, maybe another count
IN_PARAGRAPH = 0.15  # elsewhere in its paragraph: at most the same heading
#: Share of the score that depends on how much of the figure's measure the claim mentions.
MEASURE_COVERAGE_WEIGHT = 0.3
#: Words shorter than this (single characters: 件, 个, 共) carry no measure.
MIN_TERM_CHARS = 2
#: Claim numbers without a unit that look like years are dates, not figures.
YEAR_RANGE = (1900, 2100)
#: Qualifiers: "more than" (an interval above the value), "nearly/under" (below), "about" (around).
ABOVE = frozenset({"余", "多", "以上", "超过", "逾"})
BELOW = frozenset({"近", "不足", "不到"})
AROUND = frozenset({"约", "左右"})
_CLAIM_CLAUSE_BREAKS = "，,。；;：:！？!?\n"
_DATE_AFTER = re.compile(r"^[月日号]")


@dataclass(frozen=True)
class FigureContext:
    """A report figure with the texts around it (all from the document text)."""

    figure: Figure
    clause: str
    sentence: str
    paragraph: str
    clause_start: int  # offsets in the document text of the clause holding the figure
    clause_end: int


@dataclass(frozen=True)
class FigureMatch:
    """How well a report figure matches a claim figure (score in 0..1)."""

    context: FigureContext
    score: float

    @property
    def figure(self) -> Figure:
        return self.context.figure


@dataclass(frozen=True)
class Agreement:
    """Claim value against report value: `same`, `consistent` (the claim's approximation holds),
    `undecided` (the report is vaguer than the claim, or the two approximations overlap) or
    `differs`."""

    kind: str
    note: str = ""


def _span(text: str, start: int, end: int, breaks: str) -> tuple[int, int]:
    """The run of text around [start, end) bounded by `breaks`."""
    a = start
    while a > 0 and text[a - 1] not in breaks:
        a -= 1
    b = end
    while b < len(text) and text[b] not in breaks:
        b += 1
    return a, b


def figure_contexts(docs: Sequence[Document], chunks: Sequence[Chunk], figures: Iterable[Figure]
                    ) -> list[FigureContext]:
    """Each figure with its clause, sentence and paragraph (the chunk holding it)."""
    by_doc = {d.doc_id: d for d in docs}
    by_chunk = {c.chunk_id: c for c in chunks}
    out = []
    for f in figures:
        text = by_doc[f.doc_id].text
        ca, cb = _span(text, f.start, f.end, CLAUSE_BREAKS.replace("（", "").replace("）", ""))
        sa, sb = _span(text, f.start, f.end, SENTENCE_BREAKS)
        chunk = by_chunk.get(f.passage_id)
        paragraph = chunk.text if chunk else text[sa:sb]
        out.append(FigureContext(f, text[ca:cb], text[sa:sb], paragraph, ca, cb))
    return out


def claim_quantities(text: str) -> list[QuantityMatch]:
    """The figures of a claim: quantities with a unit other than a year ("2024年"), and bare
    numbers that are not years or dates ("共149" counts, "2024" and "11月" do not)."""
    out = []
    for m in find_quantities(text):
        q = m.quantity
        if q.unit == "年" and not q.qualifier and YEAR_RANGE[0] <= q.value <= YEAR_RANGE[1]:
            continue
        if not q.unit:
            if YEAR_RANGE[0] <= q.value <= YEAR_RANGE[1] or _DATE_AFTER.match(text[m.end:]):
                continue
        out.append(m)
    return out


def claim_terms(text: str, quantities: Sequence[QuantityMatch], i: int, idf: Callable[[str], float],
                drop: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The IDF-weighted words naming what claim figure `i` counts: its clause, cut at the
    neighbouring figures, without the committee words in `drop`."""
    m = quantities[i]
    a, b = _span(text, m.start, m.end, _CLAIM_CLAUSE_BREAKS)
    lo = max([a] + [q.end for q in quantities[:i] if q.end <= m.start])
    hi = min([b] + [q.start for q in quantities[i + 1 :] if q.start >= m.end])
    context = f"{text[lo:m.start]} {text[m.end:hi]}"
    for word in sorted(drop, key=len, reverse=True):
        context = context.replace(word, " ")
    terms = dict.fromkeys(t for t in content_terms(context) if len(t) >= MIN_TERM_CHARS)
    return [(t, idf(t)) for t in terms]


def units_compatible(claim_unit: str, figure_unit: str) -> float:
    """1 for the same unit (or a claim number without one), `RELATED_UNIT_FACTOR` for units of one
    group, 0 otherwise."""
    if not claim_unit or claim_unit == figure_unit:
        return 1.0
    if any(claim_unit in g and figure_unit in g for g in UNIT_GROUPS):
        return RELATED_UNIT_FACTOR
    return 0.0


def _level(term: str, ctx: FigureContext) -> float:
    if term in ctx.figure.measure or term in ctx.clause:
        return IN_CLAUSE
    if term in ctx.sentence:
        return IN_SENTENCE
    if term in ctx.paragraph:
        return IN_PARAGRAPH
    return 0.0


def _measure_coverage(claim_text: str, ctx: FigureContext, idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the figure's measure words that the claim mentions."""
    words = [t for t in dict.fromkeys(content_terms(ctx.figure.measure)) if len(t) >= MIN_TERM_CHARS]
    total = sum(idf(t) for t in words)
    if not total:
        return 0.0
    return sum(idf(t) for t in words if t in claim_text) / total


def score_figure(terms: Sequence[tuple[str, float]], claim_text: str, unit: str, ctx: FigureContext,
                 idf: Callable[[str], float]) -> float:
    """How well report figure `ctx` matches a claim figure with these words and unit (0..1)."""
    total = sum(w for _, w in terms)
    factor = units_compatible(unit, ctx.figure.unit)
    if not total or not factor:
        return 0.0
    words = sum(w * _level(t, ctx) for t, w in terms) / total
    cover = _measure_coverage(claim_text, ctx, idf)
    return factor * words * (1 - MEASURE_COVERAGE_WEIGHT + MEASURE_COVERAGE_WEIGHT * cover)


def rank_figures(terms: Sequence[tuple[str, float]], claim_text: str, unit: str,
                 contexts: Iterable[FigureContext], idf: Callable[[str], float]) -> list[FigureMatch]:
    """Report figures of a compatible unit, best match first (zero scores left out)."""
    scored = [FigureMatch(c, score_figure(terms, claim_text, unit, c, idf)) for c in contexts]
    return sorted((m for m in scored if m.score > 0), key=lambda m: -m.score)


def _step(value: float) -> float:
    """The place of the last non-zero digit: 260万 → 10万, 1.9万 → 1000, 400 → 100, 35 → 1."""
    if value <= 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(value))
    for _ in range(12):
        if abs(value / step - round(value / step)) < 1e-9:
            return step
        step /= 10
    return step


def interval(value: float, qualifier: str) -> tuple[float, float]:
    """The values a quantity stands for: "260余万" → (260万, 270万), "近400" → (350, 400),
    "约300" → (250, 350); exact → (value, value)."""
    step = _step(value)
    if qualifier in ABOVE:
        return value, value + step
    if qualifier in BELOW:
        return value - step / 2, value
    if qualifier in AROUND:
        return value - step / 2, value + step / 2
    return value, value


def compare(claim_value: float, claim_qualifier: str, fig: Figure) -> Agreement:
    """Does the claim's value agree with the report figure's?"""
    if math.isclose(claim_value, fig.value, rel_tol=1e-9):
        if claim_qualifier == fig.qualifier:
            return Agreement("same")
        return Agreement("same", "approx")
    c_lo, c_hi = interval(claim_value, claim_qualifier)
    r_lo, r_hi = interval(fig.value, fig.qualifier)
    if r_lo == r_hi and c_lo <= r_lo <= c_hi:
        return Agreement("consistent", "approx")
    if c_lo <= r_hi and r_lo <= c_hi:
        return Agreement("undecided", "approx")
    return Agreement("differs")
