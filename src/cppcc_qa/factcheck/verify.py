"""Fact-checking a claim against the reports: supported, refuted or not_found, with evidence.

A claim with figures is checked figure by figure (`claims`): the report figure that counts the
same thing, in the committee the claim names, decides; other committees' figures only explain a
wrong attribution. When the claimed value is another committee's figure, that figure's measure
finds the named committee's own figure for the same thing, which the claim should have given
("报告为131个，而非149个；149个是武威市政协的数字"); the item is missing from the named committee's
report only when it has no such figure and does not mention the measure at all (when it mentions
it without a count, the claim may be true: not_found). A claim without figures is lined up with the
report's sentences (`textcheck`). Every supported or refuted verdict cites the passage, quoting
the clause that holds the figure or the words. When the match is weak or the values cannot be
told apart (the report says "260余万元", the claim "265万元"), the verdict is not_found: a wrong
figure with a citation is worse than no verdict.

Figures and sentences are extracted once per index version and kept by the `Verifier`.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cppcc_qa.answer.bodies import CommitteeDirectory
from cppcc_qa.errors import CppccError
from cppcc_qa.factcheck.claims import (
    ABOVE,
    BELOW,
    Agreement,
    FigureContext,
    FigureMatch,
    claim_quantities,
    claim_terms,
    compare,
    measure_terms,
    rank_figures,
    strip_words,
)
from cppcc_qa.factcheck.factindex import (
    FactIndex,
    build_facts,
    committee_words,
    named_outside_titles,
    quote_clause,
    strip_committees,
)
from cppcc_qa.factcheck.figures import filter_figures
from cppcc_qa.factcheck.textcheck import ROLE_WORDS, Alignment, Sentence, align, is_content, split_atoms
from cppcc_qa.records import Citation, Figure, Hit, Verdict
from cppcc_qa.text.measure import is_change
from cppcc_qa.text.numerals import QuantityMatch
from cppcc_qa.text.periods import question_time
from cppcc_qa.text.places import place_of
from cppcc_qa.text.targets import asks_target
from cppcc_qa.text.tokenize import place_names, tokenize
from cppcc_qa.text.validate import clean_text

if TYPE_CHECKING:
    from cppcc_qa.answer.question import ParsedQuestion
    from cppcc_qa.indexing.passages import ServedIndex
    from cppcc_qa.records import Turn

logger = logging.getLogger(__name__)


class EngineState(Protocol):
    """What the checker reads of one loaded index version (the service's request state)."""

    @property
    def index(self) -> ServedIndex: ...

    @property
    def directory(self) -> CommitteeDirectory: ...


class Engine(Protocol):
    """What the checker needs of the answering engine; `service.QAService` is one. The checker
    is built in the wiring place (`service.py`) and handed the engine, never the other way round."""

    @property
    def max_question_chars(self) -> int: ...

    def state(self) -> EngineState: ...

    def parse(self, question: str, history: Sequence[Turn] = (), st: Any = None,
              max_chars: int | None = None) -> ParsedQuestion: ...

    def citation_for(self, hit: Hit, n: int, quote_start: int, quote_end: int) -> Citation: ...

__all__ = ["Verifier", "Engine", "EngineState", "CheckedVerdict", "SUPPORTED", "REFUTED", "NOT_FOUND"]

SUPPORTED, REFUTED, NOT_FOUND = "supported", "refuted", "not_found"
# The thresholds below (and the weights in `claims`) were set by hand on the dev claims plus about
# 200 claims written for the two reports (right, wrong, misattributed, approximate, uncovered),
# favouring not_found whenever a setting traded a wrong verdict against a missed one.
#: A report figure must match a claim figure at least this well to support it (value equal)...
MIN_SUPPORT = 0.45
#: ...and at least this well to refute it (value different): refuting needs more certainty.
MIN_REFUTE = 0.6
#: To refute (or to name another committee as the source), the claim must also mention at least
#: this share of the report figure's measure: "送医活动50次" does not refute "送医、送教…等联系服务界别
#: 群众活动298次", which counts something wider; "调解成功35件" does refute "调解成功27件".
MIN_REFUTE_COVER = 0.5
#: Figures scoring within this share of the best, whose measure the claim mentions nearly as
#: fully (`COVER_SLACK`), are equally good readings of the claim; if one of them has the claimed
#: value, the claim is supported ("意见建议30余条" and "意见建议120余条"). "县区委员工作室19个" is no
#: reading of "委员工作室 (市级) 19个" when "委员工作室 (县区) 130个" is named in full.
PLAUSIBLE_RATIO = 0.8
COVER_SLACK = 0.25
#: Another committee's figure must match this well to make a claim about a committee whose
#: report has no such figure refuted ("平凉…5所知名高校": a wrong attribution)...
MIN_OTHER = 0.7
#: ...and this well to be named as the source of a figure already refuted.
MIN_OTHER_NOTE = MIN_SUPPORT
#: When the claimed value is another committee's, the named committee's figure for the same
#: measure refutes the claim if the other figure's measure words are found around it at least this
#: well, and name at least this share of its own measure: "委员工作室131个" for 武威's
#: "委员工作室149个" (1.0 both ways), but not "会议发言及社情民意信息75篇" for "社情民意信息28条"
#: (0.74, 0.58: it counts more) nor "委员工作室131个" for "委员工作室 (市级) 19个" (0.55: a part).
MIN_SAME_MEASURE = 0.8
#: A sentence refuting a claim must cover at least this many content characters of the claim,
#: and this share of them, so the claim and the sentence are about the same thing (a person named
#: after a role word needs only the role word: "主席是王小明" has 2 of 5 covered).
MIN_ANCHOR_ATOMS = 2
MIN_ANCHOR_COVERAGE = 0.5
#: A claim without figures needs this many content characters (besides its committee) to say
#: anything checkable: "主席" alone is found everywhere and claims nothing; "成立于2002年" is enough.
MIN_CLAIM_ATOMS = 4


@dataclass(frozen=True)
class CheckedVerdict(Verdict):
    """A `Verdict` that says which index version the claim was checked against, so every
    verify response (CLI JSON, API) carries it; `records.Verdict` has no such field."""

    index_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index_version": self.index_version}


@dataclass(frozen=True)
class _Outcome:
    """The verdict on one figure (or on the words) of a claim, before assembly."""

    verdict: str
    explanation: str
    evidence: tuple[tuple[str, int, int], ...] = ()  # (chunk_id, quote start, quote end) in doc text
    expected: str | None = None


#: Characters before a claim figure whose words must not be swapped for others ("中央"→"地方").
SWAP_WINDOW = 8


def _swapped_words(before: str, ctx: FigureContext) -> list[str]:
    """Words right before a claim figure that its report figure's clause replaces by others, while
    the report's sentence gives them to another figure: "中央财政赤字9300亿元" read against
    "其中中央财政赤字1.83万亿元，地方财政赤字9300亿元" (地方 for 中央). [] when there is no swap."""
    before = re.split(r"[，,；;。：:]", before)[-1]  # the claim figure's own clause, not the figure before it
    words = [t for t in tokenize(before) if len(t) >= 2 and not any(ch.isdigit() for ch in t)]
    lead = ctx.clause[: max(0, ctx.figure.start - ctx.clause_start)] if ctx.clause_start <= ctx.figure.start else ctx.clause
    own = [t for t in tokenize(lead) if len(t) >= 2]
    missing = [t for t in words if t not in ctx.clause and t in ctx.sentence.replace(ctx.clause, " ")]
    extra = [t for t in own if t not in before]
    return missing if missing and extra else []


def _fig_label(f: Figure) -> str:
    return f"{f.committee}{'·' + f.measure if f.measure else ''}{f.surface}"


def _decided(kind: str, match: FigureMatch | None) -> FigureMatch:
    """The report figure behind a figure verdict of `kind`: `_decide` gives one for every kind
    but "none"."""
    if match is None:
        raise CppccError(f"figure check: verdict {kind!r} came without a report figure")
    return match


def _approx_note(f: Figure, claimed: str, agreement: Agreement) -> str:
    """How an approximate claim or figure was matched ("报告原文为“260余万元”，即260万元以上…")."""
    if not agreement.note:
        return ""
    number = f.surface
    for q in (*ABOVE, *BELOW, "约", "左右"):
        number = number.replace(q, "")
    if f.qualifier in ABOVE:
        meaning = f"，即{number}以上"
    elif f.qualifier in BELOW:
        meaning = f"，即接近而不到{number}"
    elif f.qualifier:
        meaning = f"，即约{number}"
    else:
        meaning = "（确数）"
    if agreement.kind == "same":
        return f"报告原文为“{f.surface}”{meaning}；说法“{claimed}”按约数相符。"
    return f"报告原文为“{f.surface}”{meaning}，在说法“{claimed}”的约数范围内。"


class Verifier:
    """Checks claims against the service's current index (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._facts: FactIndex | None = None
        self._building: tuple[str, threading.Thread] | None = None  # (version, its build)
        self._lock = threading.Lock()

    def facts(self, index: ServedIndex | None = None) -> FactIndex:
        """The figures and sentences of `index` (default: the current version), extracted once
        per version (waiting for a build under way)."""
        index = index or self.engine.state().index
        build = self._start(index)
        if build is not None:
            build.join()
        with self._lock:
            if self._facts is None or self._facts.version != index.version:  # the build failed: raise its error here
                self._facts = build_facts(index)
            return self._facts

    def facts_within(self, seconds: float, index: ServedIndex | None = None) -> FactIndex | None:
        """The facts of `index` if they are ready within `seconds`, else None while their
        build goes on in the background (a request that only wants help, such as example
        questions, is never held up by the tables of a large corpus)."""
        index = index or self.engine.state().index
        build = self._start(index)
        if build is not None:
            build.join(max(0.0, seconds))
        with self._lock:
            return self._facts if self._facts is not None and self._facts.version == index.version else None

    def _start(self, index: ServedIndex) -> threading.Thread | None:
        """The build of `index`'s facts under way (started if none is); None when they are made."""
        with self._lock:
            if self._facts is not None and self._facts.version == index.version:
                return None
            if self._building is not None and self._building[0] == index.version:
                build = self._building[1]
                return build if build.is_alive() else None  # ended without facts: facts() builds again and raises
            thread = threading.Thread(target=self._build, args=(index,), name="facts-build", daemon=True)
            self._building = (index.version, thread)
            thread.start()
            return thread

    def _build(self, index: ServedIndex) -> None:
        try:
            facts = build_facts(index)
        except Exception:
            logger.exception("the figures of index version %s could not be extracted", index.version)
            return
        with self._lock:
            if self._building is not None and self._building[0] == facts.version:
                self._facts = facts  # (not when a newer version's build began meanwhile)

    def figures(self, committee: str | None = None, text: str | None = None) -> list[Figure]:
        """The table of figures, filtered by committee and text (see `figures.filter_figures`)."""
        return filter_figures(self.facts().figures, committee, text)

    # -- one claim ---------------------------------------------------------------------------
    def verify(self, claim: str, context: Sequence[str] = ()) -> CheckedVerdict:
        """The verdict on `claim`; `context` names the committees of a draft's earlier sentences,
        used when the claim names none (a name that is no committee of the corpus, a place the
        draft spoke of, makes the claim one about a body the reports do not cover, as it would be
        had the claim named it)."""
        claim = clean_text(claim, "说法/claim", self.engine.max_question_chars, example="武威市政协委员调结案件35件。")
        st = self.engine.state()  # one index version for the whole verdict, even if a new one lands
        parsed = self.engine.parse(claim, st=st, max_chars=self.engine.max_question_chars)
        facts = self.facts(st.index)
        text = parsed.normalized
        committees = named_outside_titles(text, parsed.committees) or tuple(c for c in context if c in facts.committees)
        foreign = () if committees else (*parsed.unknown_places, *self._other_committees(text, st.directory))
        if not committees and not foreign:  # a draft's earlier sentence named a body the corpus lacks
            foreign = tuple(c for c in context if c not in facts.committees)
        if foreign:
            places = "、".join(dict.fromkeys(place_of(p) for p in foreign))
            return CheckedVerdict(claim, NOT_FOUND, f"已收录的报告中没有关于{places}的工作报告，无法核对这一说法。",
                                  index_version=facts.version)
        quantities = claim_quantities(text)
        in_time, dated = self._claim_time(text, facts)
        outcomes = [self._check_figure(text, quantities, i, committees, facts, in_time, dated)
                    for i in range(len(quantities))]
        if outcomes and all(o.verdict == SUPPORTED for o in outcomes):
            # the figures are right; is a name or title around them wrong ("与清华等5所高校")?
            held = {(ch, a) for o in outcomes for ch, a, _ in o.evidence}
            near = [s for s in facts.sentences if any(ch == s.chunk_id and s.start <= a < s.end for ch, a in held)]
            words = self._check_words(text, committees, facts, numbers=False, sentences=near)
            if words.verdict == REFUTED:
                outcomes.append(words)
        if not outcomes or all(o.verdict == NOT_FOUND and not o.evidence for o in outcomes):
            # no figure to check (a date, a name) or none found: line the words up; a number in
            # the slot decides only when the claim has no figure (dates: "成立于2002年11月")
            words = self._check_words(text, committees, facts, numbers=not outcomes)
            if words.verdict != NOT_FOUND or not outcomes:
                outcomes = [words]
        return self._assemble(claim, outcomes, facts)

    @staticmethod
    def _other_committees(text: str, directory: CommitteeDirectory) -> list[str]:
        """Places named as a committee ("甘肃省政协") that are not a committee of the corpus."""
        return [p for p in place_names(text)
                if f"{p}政协" in text and directory.committee_for_place(p) is None]

    def _assemble(self, claim: str, outcomes: list[_Outcome], facts: FactIndex) -> CheckedVerdict:
        if any(o.verdict == REFUTED for o in outcomes):
            verdict = REFUTED
            used = [o for o in outcomes if o.verdict == REFUTED]
        elif all(o.verdict == SUPPORTED for o in outcomes):
            verdict, used = SUPPORTED, outcomes
        else:
            verdict = NOT_FOUND
            used = [o for o in outcomes if o.verdict == NOT_FOUND] + [o for o in outcomes if o.verdict != NOT_FOUND]
        seen: dict[tuple[str, int, int], None] = {}
        for o in used:
            seen.update(dict.fromkeys(ev for ev in o.evidence if ev[0] in facts.chunks))
        evidence = tuple(self._citation(facts, n, *ev) for n, ev in enumerate(seen, 1)) if verdict != NOT_FOUND else ()
        if verdict != NOT_FOUND and not evidence:  # a verdict the reports cannot be cited for is no verdict
            return CheckedVerdict(claim, NOT_FOUND, "报告中没有找到可以引用的依据。", index_version=facts.version)
        explanation = "".join(dict.fromkeys(o.explanation for o in used))
        expected = next((o.expected for o in used if o.expected), None) if verdict == REFUTED else None
        return CheckedVerdict(claim, verdict, explanation, evidence, expected, index_version=facts.version)

    def _citation(self, facts: FactIndex, n: int, chunk_id: str, start: int, end: int) -> Citation:
        chunk = facts.chunks[chunk_id]
        start, end = max(start, chunk.start), min(end, chunk.end)
        return self.engine.citation_for(Hit(chunk, 1.0), n, start, end)

    @staticmethod
    def _fig_evidence(facts: FactIndex, ctx: FigureContext) -> tuple[str, int, int]:
        f = ctx.figure
        chunk_id = f.passage_id or next(
            (c.chunk_id for c in facts.chunks.values() if c.doc_id == f.doc_id and c.start <= f.start < c.end), "")
        return chunk_id, ctx.clause_start, ctx.clause_end

    # -- figures -----------------------------------------------------------------------------
    @staticmethod
    def _claim_time(claim_text: str, facts: FactIndex) -> tuple[Callable[[FigureContext], bool],
                                                                  Callable[[FigureContext], bool]]:
        """Two tests of a report figure against the claim's time (each figure's own time was
        taken once per index version, `FactIndex.times`):
        - may it speak of it: from the report the claim names ("2021年政府工作报告提出…") and of
          the year it names ("2021年，全国…"), a plan only for a plan; one of unknown period may,
          so that another year's figure never supports or refutes a claim;
        - is its period known when the claim names one: only such a figure may refute."""
        when = question_time(claim_text)
        target = asks_target(claim_text)

        def in_time(ctx: FigureContext) -> bool:
            t = facts.times[ctx.figure.figure_id]
            if when.report_year and t.report_year != when.report_year:
                return False
            asked = when.period_years(t.report_year)
            # "2021年政府工作报告安排…" (a report, no period) may be a plan or a result: both may answer
            if target or asked:
                plan = target or (when.report_year is not None and asked == (t.report_year,))
                if t.plan != plan:
                    return False  # a target is never evidence for an outcome, nor the reverse
            return not asked or t.period is None or t.period.fits(asked)

        def dated(ctx: FigureContext) -> bool:
            t = facts.times[ctx.figure.figure_id]
            return not when.period_years(t.report_year) or t.period is not None

        return in_time, dated

    def _check_figure(self, text: str, quantities: list[QuantityMatch], i: int,
                      committees: tuple[str, ...], facts: FactIndex,
                      in_time: Callable[[FigureContext], bool] = lambda ctx: True,
                      dated: Callable[[FigureContext], bool] = lambda ctx: True) -> _Outcome:
        m = quantities[i]
        q = m.quantity
        idf = facts.idf
        names = committee_words(facts.committees)
        terms = claim_terms(text, quantities, i, idf, names)
        bare = strip_words(text, names)  # the measure a claim mentions is never its committee's name
        # a change ("较上年多8000亿元") is checked against changes, a level against levels
        change = is_change(text[max([0, *(p.end for p in quantities[:i])]) : m.start])
        pool = [c for c in facts.contexts if in_time(c) and facts.change.get(c.figure.figure_id, False) == change]
        own = [c for c in pool if not committees or c.figure.committee in committees]
        ranked = rank_figures(terms, bare, q.unit, own, idf)
        kind, match, agreement = self._decide(ranked, q.value, q.qualifier)
        other = None
        if committees and kind not in (SUPPORTED, "undecided"):  # undecided: the own figure may be it
            rest = [c for c in pool if c.figure.committee not in committees]
            need = MIN_OTHER_NOTE if kind == REFUTED else MIN_OTHER
            other = next((o for o in rank_figures(terms, bare, q.unit, rest, idf)
                          if o.score >= need and o.cover >= MIN_REFUTE_COVER
                          and compare(q.value, q.qualifier, o.figure).kind in ("same", "consistent")), None)
        if other is not None and kind != REFUTED:
            same = self._same_measure(other, ranked, own, q.value, q.qualifier, names, facts)
            if same is not None:  # "平凉…委员工作室149个": 149 is 武威's, 平凉's own count is 131
                kind, match = REFUTED, same
        claimed = m.surface
        if kind == SUPPORTED:
            ctx = _decided(kind, match).context
            elsewhere = _swapped_words(text[max(0, m.start - SWAP_WINDOW) : m.start], ctx)
            if elsewhere:  # "中央财政赤字9300亿元" vs "…中央财政赤字1.83万亿元，地方财政赤字9300亿元"
                f = ctx.figure
                return _Outcome(NOT_FOUND, f"报告中{f.surface}（{_fig_label(f)}）说的不是“{'、'.join(elsewhere)}”，"
                                           f"无法确认说法中的“{claimed}”。", (self._fig_evidence(facts, ctx),))
        if kind == SUPPORTED:
            match = _decided(kind, match)
            if agreement is None:  # _decide pairs a supporting figure with its agreement
                raise CppccError("figure check: a supporting figure came without its agreement")
            f = match.figure
            note = _approx_note(f, claimed, agreement)
            return _Outcome(SUPPORTED, f"报告：{_fig_label(f)}。{note}", (self._fig_evidence(facts, match.context),))
        if kind == REFUTED:
            match = _decided(kind, match)
            f = match.figure
            if not dated(match.context):
                return _Outcome(NOT_FOUND, f"报告中的{f.surface}（{_fig_label(f)}）说的是哪一年不明确，无法核对“{claimed}”。",
                                (self._fig_evidence(facts, match.context),))
            why = f"报告为{f.surface}，而非{claimed}（{_fig_label(f)}）。"
            ev = [self._fig_evidence(facts, match.context)]
            if other is not None:
                why += f"{claimed}是{other.figure.committee}的数字（{_fig_label(other.figure)}）。"
                ev.append(self._fig_evidence(facts, other.context))
            return _Outcome(REFUTED, why, tuple(ev), f.surface)
        if other is not None:
            return self._misattributed(claimed, other, own, committees, facts, names)
        if kind == "undecided":
            match = _decided(kind, match)
            f = match.figure
            return _Outcome(NOT_FOUND, f"报告为“{f.surface}”（{_fig_label(f)}），无法确认说法中的“{claimed}”。",
                            (self._fig_evidence(facts, match.context),))
        if kind == "unsure":
            match = _decided(kind, match)
            f = match.figure
            return _Outcome(NOT_FOUND, f"报告中相近的数字是{f.surface}（{_fig_label(f)}），但统计的未必是说法所指的事项，"
                                       f"无法判定“{claimed}”。", (self._fig_evidence(facts, match.context),))
        return _Outcome(NOT_FOUND, f"报告中没有找到与“{claimed}”对应的数字。")

    def _same_measure(self, other: FigureMatch, ranked: list[FigureMatch], own: list[FigureContext],
                      value: float, qualifier: str, names: list[str], facts: FactIndex) -> FigureMatch | None:
        """The named committee's figure counting what `other` (another committee's figure with the
        claimed value) counts, as a reading of the claim; None when it has no such figure, when
        several count it ambiguously, or when one of them may hold the claimed value."""
        idf = facts.idf
        terms = measure_terms(other.figure, idf, names)
        if not terms:
            return None
        same = [m for m in rank_figures(terms, other.figure.measure, other.figure.unit, own, idf)
                if m.score >= MIN_SAME_MEASURE and m.cover >= MIN_SAME_MEASURE]
        if not same or any(compare(value, qualifier, m.figure).kind != "differs" for m in same):
            return None
        readings = {m.context: m for m in ranked if m.score >= MIN_SUPPORT}
        return next((readings[m.context] for m in same if m.context in readings), None)

    def _misattributed(self, claimed: str, other: FigureMatch, own: list[FigureContext], committees: tuple[str, ...],
                       facts: FactIndex, names: list[str]) -> _Outcome:
        """The claimed value is `other`'s, another committee's, and the named committees have no
        figure for its measure: refuted, unless one of their sentences holds every word of that
        measure ("持续开展监督性调研视察活动" for 平凉's "监督性调研视察活动20次"): then they did it
        too, without a count of their own, and the claim may still be true."""
        named = "、".join(committees)
        source = f"{claimed}是{other.figure.committee}的数字（{_fig_label(other.figure)}）"
        terms = [t for t, _ in measure_terms(other.figure, facts.idf, names)]
        mention = next((s for s in facts.sentences if terms and s.committee in committees
                        and all(t in s.matched for t in terms)), None)
        if mention is None:
            return _Outcome(REFUTED, f"{source}，{named}的报告中没有这一项。", (self._fig_evidence(facts, other.context),))
        wider = next((c.figure for c in own if c.figure.doc_id == mention.doc_id
                      and mention.start <= c.figure.start < mention.end and other.figure.measure in c.figure.measure),
                     None)  # "会议发言及社情民意信息75篇" for "社情民意信息28条"
        said = (f"中相关的数字是{wider.surface}（{_fig_label(wider)}），统计的不是同一事项" if wider else
                f"提到“{other.figure.measure}”，但没有给出对应的数字")
        return _Outcome(NOT_FOUND, f"{source}；{named}的报告{said}，无法核对“{claimed}”。",
                        ((mention.chunk_id, mention.start, mention.end),))

    @staticmethod
    def _decide(ranked: list[FigureMatch], value: float, qualifier: str
                ) -> tuple[str, FigureMatch | None, Agreement | None]:
        """supported / refuted / undecided (values overlap) / unsure (the best figure may count
        something else) / none, with the deciding report figure."""
        if not ranked or ranked[0].score < MIN_SUPPORT:
            return "none", None, None
        floor = max(MIN_SUPPORT, ranked[0].score * PLAUSIBLE_RATIO)
        cover_floor = max(m.cover for m in ranked if m.score >= floor) - COVER_SLACK
        plausible = [(m, compare(value, qualifier, m.figure)) for m in ranked
                     if m.score >= floor and m.cover >= cover_floor]
        for m, a in plausible:
            if a.kind in ("same", "consistent"):
                return SUPPORTED, m, a
        for m, a in plausible:
            if a.kind == "undecided":
                return "undecided", m, a
        best, agreement = plausible[0]  # never empty: it holds the best-covered figure above the floor
        if best.score >= MIN_REFUTE and best.cover >= MIN_REFUTE_COVER:
            return REFUTED, best, agreement
        if best.score >= MIN_REFUTE:
            return "unsure", best, agreement
        return "none", None, None

    # -- words -------------------------------------------------------------------------------
    def _check_words(self, text: str, committees: tuple[str, ...], facts: FactIndex, numbers: bool,
                     sentences: Sequence[Sentence] | None = None) -> _Outcome:
        """Line the claim up with the report's sentences (`textcheck`), or only with `sentences`.
        With numbers=False, a slot holding a number is left to the figure check."""
        core = strip_committees(text, committees or facts.committees)
        if sum(1 for a, _ in split_atoms(core) if is_content(a)) < MIN_CLAIM_ATOMS:
            return _Outcome(NOT_FOUND, "这一说法没有可以核对的内容。")
        own: list[Sentence] = []
        rest: list[Sentence] = []
        for s in facts.sentences if sentences is None else sentences:
            (own if not committees or s.committee in committees else rest).append(s)
        aligned = [align(core, s) for s in own]
        support = max((a for a in aligned if a.supports), key=lambda a: (a.covered, -len(a.sentence.matched)), default=None)
        if support is not None:
            return _Outcome(SUPPORTED, f"报告：“{self._quote(support)}”。", (self._evidence(support),))
        against = [a for a in aligned if a.contradicts and a.covered >= MIN_ANCHOR_ATOMS
                   and (a.coverage >= MIN_ANCHOR_COVERAGE or a.by_role)
                   and (numbers or not any(ch.isdigit() for ch in a.slot))]
        elsewhere = max((a for a in (align(core, s) for s in rest) if a.supports),
                        key=lambda a: a.covered, default=None) if committees else None
        if against:
            best = max(against, key=lambda a: (a.coverage, self._rarity(a.counterpart, facts.idf)))
            why = f"报告为“{best.counterpart}”，而非“{best.slot}”：“{self._quote(best)}”。"
            ev = [self._evidence(best)]
            if elsewhere is not None:
                why += f"“{best.slot}”出自{elsewhere.sentence.committee}的报告。"
                ev.append(self._evidence(elsewhere))
            return _Outcome(REFUTED, why, tuple(ev), best.counterpart)
        if elsewhere is not None and self._specific(core):
            named = "、".join(committees)
            return _Outcome(REFUTED, f"这是{elsewhere.sentence.committee}的工作（“{self._quote(elsewhere)}”），"
                                     f"{named}的报告中没有这一项。", (self._evidence(elsewhere),))
        return _Outcome(NOT_FOUND, "报告中没有找到可以核对这一说法的内容。")

    @staticmethod
    def _rarity(text: str, idf: Callable[[str], float]) -> float:
        """Mean IDF of the words of a slot: a name ("宋全科") is rarer than a phrase ("会议组")."""
        words = tokenize(text) or [text]
        return sum(idf(w) for w in words) / len(words)

    @staticmethod
    def _specific(core: str) -> bool:
        """A claim naming a title, quoted phrase, number or person belongs to one committee only."""
        return any(ch in core for ch in "《“\"") or any(ch.isdigit() for ch in core) or any(w in core for w in ROLE_WORDS)

    @staticmethod
    def _evidence(a: Alignment) -> tuple[str, int, int]:
        start, end = quote_clause(a.sentence, *a.span)
        return a.sentence.chunk_id, start, end

    @staticmethod
    def _quote(a: Alignment) -> str:
        start, end = quote_clause(a.sentence, *a.span)
        return a.sentence.text[start - a.sentence.start : end - a.sentence.start]
