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

from cppcc_qa.records import Chunk, Document, Figure
from cppcc_qa.text.glossary import default_glossary
from cppcc_qa.text.measure import CLAUSE_BREAKS, SENTENCE_BREAKS, coverage
from cppcc_qa.text.numerals import QuantityMatch, find_quantities
from cppcc_qa.text.periods import is_year
from cppcc_qa.text.tokenize import content_terms
from cppcc_qa.text.units import compatibility

__all__ = [
    "FigureContext",
    "FigureMatch",
    "Agreement",
    "figure_contexts",
    "claim_quantities",
    "claim_terms",
    "measure_terms",
    "strip_words",
    "score_figure",
    "rank_figures",
    "units_compatible",
    "interval",
    "compare",
    "ABOVE",
    "BELOW",
    "AROUND",
]

#: Where a claim word is found around a report figure, and what that is worth.
IN_CLAUSE = 1.0  # in the figure's measure or its clause: the claim names what the figure counts
IN_SENTENCE = 0.5  # elsewhere in its sentence: the same topic, maybe another count
IN_PARAGRAPH = 0.15  # elsewhere in its paragraph: at most the same heading
#: Share of the score that depends on how much of the figure's measure the claim mentions.
MEASURE_COVERAGE_WEIGHT = 0.3
#: Words shorter than this (single characters: 件, 个, 共) carry no measure.
MIN_TERM_CHARS = 2
#: Claim numbers without a unit that look like years are dates, not figures.
#: Qualifiers: "more than" (an interval above the value), "nearly/under" (below), "about" (around).
ABOVE = frozenset({"余", "多", "以上", "超过", "逾", "上"})  # 上: "上百人", a hundred or more
BELOW = frozenset({"近", "不足", "不到", "以内"})
#: Qualifiers that set a bound ("控制在5.5%以内", "增长6%以上") rather than round a count ("260余万"):
#: a claim that drops or changes one is not the same statement.
BOUNDS = frozenset({"以内", "以上", "超过", "不足", "不到"})
AROUND = frozenset({"约", "左右"})
_CLAIM_CLAUSE_BREAKS = "，,。；;：:！？!?\n"
_DATE_AFTER = re.compile(r"^[月日号]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_JOINERS = "、，,和及与并 "
_LIST_MARKS = "、"
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")
#: Words in a claim that say nothing about what is counted ("其中市级19个").
CLAIM_FILLERS: tuple[str, ...] = (
    "其中", "分别", "合计", "总计", "共计", "一共", "总共", "达到", "约有", "数量", "总数", "数目",
    "个数", "次数", "人数", "总量", "总规模", "规模", "总额", "当年",
)
#: A claim clause naming fewer words than this borrows the clause before it ("…149个，其中市级19个").
MIN_CONTEXT_TERMS = 2


@dataclass(frozen=True)
class FigureContext:
    """A report figure with the texts around it (all from the document text)."""

    figure: Figure
    clause: str  # the figure's own part of its clause (see `figure_contexts`)
    sentence: str
    paragraph: str
    clause_start: int  # offsets in the document text of the span quoted for the figure
    clause_end: int
    after: str = ""  # what its clause says after the number ("参与诉前调解" after "124名政协委员")


@dataclass(frozen=True)
class FigureMatch:
    """How well a report figure matches a claim figure: `score` in 0..1, and `cover`, the share
    of the figure's measure that the claim mentions (0..1)."""

    context: FigureContext
    score: float
    cover: float = 0.0

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
    """Each figure with its clause, sentence and paragraph (the chunk holding it). The clause is
    cut at the neighbouring figures and at the list mark after the figure ("协调办理提案452件、
    现场督办24件": "现场督办" is the 24's), and bracketed breakdowns that do not hold the figure
    are left out of its words."""
    by_doc = {d.doc_id: d for d in docs}
    by_chunk = {c.chunk_id: c for c in chunks}
    figures = list(figures)
    out = []
    for f in figures:
        text = by_doc[f.doc_id].text
        ca, cb = _span(text, f.start, f.end, CLAUSE_BREAKS.replace("（", "").replace("）", ""))
        sa, sb = _span(text, f.start, f.end, SENTENCE_BREAKS)
        lo = max([ca] + [g.end for g in figures if g.doc_id == f.doc_id and ca <= g.end <= f.start])
        hi = min([cb] + [g.start for g in figures if g.doc_id == f.doc_id and f.end <= g.start <= cb]
                 + [k for k in range(f.end, cb) if text[k] in _LIST_MARKS][:1])
        foreign = _foreign_brackets(text, ca, cb, f.start)
        words = "".join(ch for k, ch in enumerate(text[lo:hi], lo) if k not in foreign)
        after = "".join(ch for k, ch in enumerate(text[f.end:hi], f.end) if k not in foreign)
        qa, qb = (ca, cb) if _in_brackets(text, ca, f.start) else _trim_span(text, lo, hi)
        chunk = by_chunk.get(f.passage_id)
        paragraph = chunk.text if chunk else text[sa:sb]
        out.append(FigureContext(f, words, text[sa:sb], paragraph, qa, qb, after))
    return out


def _foreign_brackets(text: str, start: int, end: int, at: int) -> set[int]:
    """Offsets of bracketed breakdowns in text[start:end] that do not hold offset `at`: "市级" in
    "149个（市级19个、县区130个）" describes the 19, not the 149."""
    out: set[int] = set()
    for m in _BRACKETED.finditer(text, start, end):
        if not m.start() <= at < m.end():
            out.update(range(m.start(), m.end()))
    return out


def _in_brackets(text: str, start: int, at: int) -> bool:
    """True when offset `at` is inside brackets opened after `start` (a breakdown's figure is
    quoted with the figure it breaks down)."""
    depth = 0
    for ch in text[start:at]:
        depth += ch in "（("
        depth -= ch in "）)"
    return depth > 0


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without joining punctuation and words at its ends ("、现场督办24件" → "现场督办24件")."""
    while start < end and text[start] in _JOINERS:
        start += 1
    while end > start and text[end - 1] in _JOINERS:
        end -= 1
    return start, end


def claim_quantities(text: str) -> list[QuantityMatch]:
    """The figures of a claim: quantities with a unit other than a year ("2024年"), or, when it
    has none, bare numbers that are not years or dates ("共149" counts, "2024" and "11月" do not)."""
    with_unit, bare = [], []
    for m in find_quantities(text):
        q = m.quantity
        if q.unit == "年" and not q.qualifier and is_year(q.value):
            continue
        if q.unit:
            with_unit.append(m)
        elif not (is_year(q.value) or _DATE_AFTER.match(text[m.end :])):
            bare.append(m)
    return with_unit or bare


def claim_terms(text: str, quantities: Sequence[QuantityMatch], i: int, idf: Callable[[str], float],
                drop: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The IDF-weighted words naming what claim figure `i` counts: its clause, cut at the
    neighbouring figures, without the committee words in `drop`."""
    m = quantities[i]
    a, b = _span(text, m.start, m.end, _CLAIM_CLAUSE_BREAKS)
    lo = max([a] + [q.end for q in quantities[:i] if q.end <= m.start])
    hi = min([b] + [q.start for q in quantities[i + 1 :] if q.start >= m.end])
    terms = _words(f"{text[lo:m.start]} {text[m.end:hi]}", drop)
    if len(terms) < MIN_CONTEXT_TERMS and a > 0:
        pa, _ = _span(text, a - 1, a - 1, _CLAIM_CLAUSE_BREAKS)
        lead = text[pa : a - 1]
        for q in reversed(find_quantities(lead)):  # the figures of the clause before are no words of this one
            lead = lead[: q.start] + " " + lead[q.end :]
        terms = list(dict.fromkeys(_words(lead, drop) + terms))
    return [(t, idf(t)) for t in terms]


def measure_terms(fig: Figure, idf: Callable[[str], float], drop: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The IDF-weighted words of what a report figure counts (its measure; none when it has none),
    to look for the figure counting the same thing in another report."""
    return [(t, idf(t)) for t in _words(fig.measure, drop)] if fig.measure else []


def strip_words(text: str, words: Iterable[str]) -> str:
    """`text` without `words` (longest first); a place's 市/县 before 级 stays ("武威市级" → "市级")."""
    for word in sorted(words, key=len, reverse=True):
        if word[-1:] in "市县":
            text = text.replace(f"{word}级", f" {word[-1]}级")
        text = text.replace(word, " ")
    return text


def _words(context: str, drop: Iterable[str]) -> list[str]:
    """Content words of a claim's context; Latin words in a Chinese claim (markup, codes) name no
    measure of the Chinese reports."""
    context = strip_words(context, [*drop, *CLAIM_FILLERS])
    chinese = bool(_CJK.search(context))
    return list(dict.fromkeys(t for t in content_terms(context)
                              if len(t) >= MIN_TERM_CHARS and not (chinese and t.isascii())))


def units_compatible(claim_unit: str, figure_unit: str) -> float:
    """1 for the same unit (or a claim number without one), less for a related unit, 0 otherwise
    (`text.units.compatibility`)."""
    return compatibility(claim_unit, figure_unit)


def _level(term: str, ctx: FigureContext) -> float:
    """How near a claim word stands to a report figure, in any of its forms ("上年" as "去年")."""
    return max(_level_as_written(f, ctx) for f in default_glossary().forms(term))


def _level_as_written(term: str, ctx: FigureContext) -> float:
    if term in ctx.figure.measure or term in ctx.clause:
        return IN_CLAUSE
    if term in ctx.sentence:
        return IN_SENTENCE
    if term in ctx.paragraph:
        return IN_PARAGRAPH
    return 0.0


def _measure_coverage(claim_text: str, ctx: FigureContext, idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the words saying what the figure counts (its measure, and what its
    clause says after the number) that the claim mentions: "委员人数350名" does not mention
    "参与诉前调解", so it is no reading of "124名政协委员参与诉前调解"."""
    said = content_terms(f"{ctx.figure.measure} {ctx.after}")
    words = [t for t in dict.fromkeys(said) if len(t) >= MIN_TERM_CHARS]
    return coverage(words, lambda t: float(any(f in claim_text for f in default_glossary().forms(t))), idf, decay=1.0, empty=0.0)


def score_figure(terms: Sequence[tuple[str, float]], claim_text: str, unit: str, ctx: FigureContext,
                 idf: Callable[[str], float]) -> FigureMatch:
    """How well report figure `ctx` matches a claim figure with these words and unit."""
    total = sum(w for _, w in terms)
    factor = units_compatible(unit, ctx.figure.unit)
    if not total or not factor:
        return FigureMatch(ctx, 0.0)
    words = sum(w * _level(t, ctx) for t, w in terms) / total
    cover = _measure_coverage(claim_text, ctx, idf)
    return FigureMatch(ctx, factor * words * (1 - MEASURE_COVERAGE_WEIGHT + MEASURE_COVERAGE_WEIGHT * cover), cover)


def rank_figures(terms: Sequence[tuple[str, float]], claim_text: str, unit: str,
                 contexts: Iterable[FigureContext], idf: Callable[[str], float]) -> list[FigureMatch]:
    """Report figures of a compatible unit, best match first (zero scores left out)."""
    scored = [score_figure(terms, claim_text, unit, c, idf) for c in contexts]
    return sorted((m for m in scored if m.score > 0), key=lambda m: -m.score)


def _step(value: float) -> float:
    """The place of the last non-zero digit: 260万 → 10万, 1.9万 → 1000, 400 → 100, 35 → 1 (-35 → 1)."""
    value = abs(value)
    if value == 0 or not math.isfinite(value):
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


def _direction(qualifier: str) -> int:
    """+1 for a qualifier putting the value above its number (超过, 余), -1 below (近, 不足), 0
    for none or an approximation (约, 左右)."""
    return 1 if qualifier in ABOVE else -1 if qualifier in BELOW else 0


def compare(claim_value: float, claim_qualifier: str, fig: Figure) -> Agreement:
    """Does the claim's value agree with the report figure's?"""
    if math.isclose(claim_value, fig.value, rel_tol=1e-9):
        if claim_qualifier == fig.qualifier:
            return Agreement("same")
        c_dir, f_dir = _direction(claim_qualifier), _direction(fig.qualifier)
        if c_dir * f_dir < 0:  # "超过60%" against "接近60%": one above, one below
            return Agreement("differs")
        if claim_qualifier in BOUNDS or fig.qualifier in BOUNDS:
            return Agreement("undecided", "approx")  # "超过60%" against "60%", "5.5%左右" against "5.5%以内"
        return Agreement("same", "approx")
    c_lo, c_hi = interval(claim_value, claim_qualifier)
    r_lo, r_hi = interval(fig.value, fig.qualifier)
    if r_lo == r_hi and c_lo <= r_lo <= c_hi:
        return Agreement("consistent", "approx")
    if c_lo == c_hi and r_lo <= c_lo <= r_hi:
        return Agreement("undecided", "approx")
    if min(c_hi, r_hi) > max(c_lo, r_lo):  # two ranges sharing more than an end point
        return Agreement("undecided", "approx")
    return Agreement("differs")
