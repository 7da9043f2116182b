"""Scoring the clauses of retrieved passages as answers to a question.

All overlaps are IDF-weighted over jieba tokens, tested as substrings so that "调结" in a question
meets "调结案件" in a passage:
- focus recall in the clause and in its sentence: how much of what the question asks about is there;
- for a number question, measure precision: how much of the phrase the figure counts ("调解成功" in
  "调解成功27件") the question mentions — this keeps "124名政协委员参与诉前调解" from answering
  "how many members does the committee have";
- the shape the question type wants (a list, a quoted name, a date, a title, the word after 哪个).
Its floors are `settings.ScoringConfig` (`Settings.scoring`); with the fitted model they only keep
the candidate pool small.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cppcc_qa.answer.question import WHICH_MEASURES, ParsedQuestion
from cppcc_qa.records import Hit
from cppcc_qa.search.wordsim import SoftMatch
from cppcc_qa.settings import ScoringConfig
from cppcc_qa.text.glossary import covered
from cppcc_qa.text.measure import asked_action, counted_terms, coverage
from cppcc_qa.text.numerals import QuantityMatch, find_quantities
from cppcc_qa.text.periods import Period, is_year, resolve, section_period
from cppcc_qa.text.spans import Span, split_clauses, split_sentences
from cppcc_qa.text.targets import asks_outcome, asks_target, is_plan, is_target
from cppcc_qa.text.tokenize import tagged_words, terms_of, tokenize
from cppcc_qa.text.units import compatible

__all__ = ["Candidate", "NAME_RE", "SIGNALS", "score_candidates", "counts_in", "measure_terms", "measure_precision"]

_DATE_RE = re.compile(r"\d{4}年(?:\d{1,2}月)?|[一二三四五六七八九十]+月")
#: A quoted name ("“三区一城市”", "《…》"): what "是什么/叫什么/哪个" asks for.
NAME_RE = re.compile(r"[“《「][^”》」]{2,40}[”》」]")
#: A sentence whose period is unknown, for a question that names one, loses this much.
TIME_UNKNOWN_PENALTY = 0.08
#: A question naming no year prefers later reports: each year older than the latest costs this.
RECENCY_STEP = 0.02
NEAR_MISS_CREDIT = 0.5  # a word sharing its first character with a passage word: partly the same verb
NAME_NEIGHBOURHOOD = 3  # characters around a quoted name searched for a question word
TARGET_BONUS = 0.2  # "哪个社区": a clause holding 社区 gains this, one without it loses 1.5 times it
NAMED_BONUS = 0.25  # a quoted name attached to a question word is what "是什么/叫什么" asks for
SLOT_HEAD = 2  # the head of an asked-for kind: its last two characters ("地方文化" → 文化)
_TITLE_RE = re.compile(r"主席|副主席|书记|秘书长|主任|部长|市长|委员长")
# "哪个社区" / "哪部资料辑录" / "哪些省市": the word after 哪 names what the answer must contain
_TARGET_RE = re.compile(rf"哪一?[{WHICH_MEASURES}些]?([\u4e00-\u9fff]{{1,4}}?)(?:[调开举参到去与做的是有在，,、？?]|$)")

_WHICH_RE = re.compile(rf"哪一?[{WHICH_MEASURES}些]?")
# "哪一届/第几届/哪一级": the answer is a numeral before that measure word ("五届", "三级")
_ORDINAL_ASK = re.compile(r"(?:哪一?|第几)([届级档期批次轮])")
ORDINAL_DIGITS = "0-9一二三四五六七八九十百"
# jieba tags of words that can name a thing before a head noun: nouns, places, persons,
# organisations, other proper names, abbreviations ("川藏")
_NOMINAL_TAGS = ("n", "j")


@dataclass(frozen=True)
class Candidate:
    """A clause that may answer the question (offsets inside the passage text)."""

    score: float
    hit_rank: int
    clause: Span
    sentence: Span
    quantity: QuantityMatch | None
    period: Period | None = None  # what the sentence speaks of (periods.resolve / its section)
    signals: tuple[float, ...] = ()  # the evidence for it, named by SIGNALS (the fitted model's input)
    asked: float = 0.5  # whether its clause holds the action the figure is asked by (`asked_fit`)


#: What is measured of every candidate; answer/model.py weighs them with weights fitted on the
#: question bank (evaluation/fit.py). "_soft" variants credit words of like meaning (wordsim.py);
#: the "_gap" ones compare a candidate with the best of its question, the "_margin" ones with the
#: best candidate giving another answer, and "agreeing_passages" counts other passages giving the
#: same one; "echoes_question" says the figure is one the question itself gives ("那23个项目里…").
SIGNALS: tuple[str, ...] = (
    "clause_recall", "sentence_recall", "clause_recall_soft", "sentence_recall_soft",
    "measure_precision", "measure_precision_soft", "numeric", "shape", "named", "type_fit",
    "passage_rank", "dense_rank", "bm25_rank", "dense_cosine", "time_match", "time_unknown",
    "years_behind", "unit_exact", "other_figures", "absent_missing", "english", "followup",
    "hand_score", "target_match", "echoes_question", "hand_gap", "recall_gap", "hand_margin", "precision_margin",
    "agreeing_passages",
)


def _near_miss(term: str, text: str) -> bool:
    """A two-character word of the same first character in the text: 建成/建立, 调研/调查."""
    return len(term) == 2 and any(len(w) == 2 and w[0] == term[0] for w in tokenize(text))


def soft_credit(sim: float, cfg: ScoringConfig) -> float:
    """The credit a word of like meaning earns (0 below the floor, rising to `soft_credit`)."""
    if sim < cfg.soft_min:
        return 0.0
    return cfg.soft_credit * min(1.0, (sim - cfg.soft_min) / max(1e-6, 1.0 - cfg.soft_min) + 0.5)


def _weighted_cover(terms: Sequence[str], text: str, idf: Callable[[str], float],
                    soft: SoftMatch | None = None, cfg: ScoringConfig | None = None) -> float:
    """IDF-weighted share of `terms` found in `text` (as substrings; a near miss counts half; a
    word of like meaning, by `soft`, counts `soft_credit`)."""
    total = sum(idf(t) for t in terms)
    if total <= 0:
        return 0.0
    got = 0.0
    for t in terms:
        if t in text:
            got += idf(t)
        elif _near_miss(t, text):
            got += NEAR_MISS_CREDIT * idf(t)
        elif soft is not None and cfg is not None:
            got += soft_credit(soft.to_text(t, text), cfg) * idf(t)
    return got / total


def counts_in(clause_text: str) -> list[QuantityMatch]:
    """Counted quantities in a clause (a year such as "2024年" is a date, not a count)."""
    return [m for m in find_quantities(clause_text) if not (m.quantity.unit == "年" and is_year(m.quantity.value))]


def _names_attached(clause: str, focus: Sequence[str]) -> bool:
    """A quoted name right next to a word of the question: "建设“三区一城市”" for 建设目标是什么."""
    for m in NAME_RE.finditer(clause):
        near = clause[max(0, m.start() - NAME_NEIGHBOURHOOD) : m.start()] + clause[m.end() : m.end() + NAME_NEIGHBOURHOOD]
        if any(t in near for t in focus):
            return True
    return False


def _shape_bonus(qtype: str, clause: str, targets: Sequence[str], named: bool) -> float:
    """How well a clause has the shape of the answer the question type wants."""
    bonus = 0.0
    if targets:
        bonus += TARGET_BONUS if any(t in clause for t in targets) else -TARGET_BONUS * 1.5
    if qtype == "list" and "、" in clause:
        bonus += 0.1
    elif qtype in ("entity", "open") and named:
        bonus += NAMED_BONUS
    elif qtype in ("entity", "open") and NAME_RE.search(clause):
        bonus += 0.08
    elif qtype == "date":
        bonus += 0.15 if _DATE_RE.search(clause) else -0.3
    elif qtype == "who":
        bonus += 0.15 if _TITLE_RE.search(clause) else -0.2
    return bonus


def asked_kinds(question: str) -> list[str]:
    """The kinds of thing a "哪…" question asks for: the nouns after 哪 and its measure word
    ("哪种地方文化" → 地方文化, "哪所大学合办的" → 大学), else the characters up to the next
    verb or particle (`_TARGET_RE`)."""
    out = []
    for m in _WHICH_RE.finditer(question):
        nouns: list[str] = []
        for word, flag in tagged_words(question[m.end() : m.end() + 8]):
            if not flag.startswith(_NOMINAL_TAGS) or len("".join(nouns)) + len(word) > 4:
                break
            nouns.append(word)
        if nouns:
            out.append("".join(nouns))
        else:
            fallback = _TARGET_RE.match(question, m.start())
            kind = re.sub(r"^(?:什么|啥|何)", "", fallback.group(1)) if fallback else ""  # "哪一级什么机构"
            if kind:
                out.append(kind)
    return out


def _slot_filled(clause: str, targets: Sequence[str], question: str) -> bool:
    """Whether the clause names the kind of thing "哪种X" asks for with a name of its own: the
    head of X (a noun phrase ends in its head: "地方文化" → 文化) with a noun before it, or inside
    a longer word, that the question does not give: "擦亮凉州文化名片", "川藏铁路", "清华大学"
    for "哪种地方文化", "哪条铁路", "哪所大学"; not "擦亮文化名片" or "完成铁路投资" (a verb)."""
    for m in _ORDINAL_ASK.finditer(question):  # "从哪一届开始": "五届市政协以来"
        if re.search(rf"[{ORDINAL_DIGITS}]{m.group(1)}", clause):
            return True
    heads = {t[-SLOT_HEAD:] for t in targets}
    if not heads:
        return False
    words = tagged_words(clause)
    for i, (word, _) in enumerate(words):
        for head in heads:
            if not word.endswith(head):
                continue
            own = word[: -len(head)]
            if not own and i > 0 and words[i - 1][1].startswith(_NOMINAL_TAGS):
                own = words[i - 1][0]
            if own and re.search(r"[\u4e00-\u9fff]", own) and not any(ch in question for ch in own):
                return True
    return False


def _type_fit(qtype: str, clause: str, slot: bool = False) -> float:
    """Whether a clause has what the question type wants at all: a list mark, a quoted name (or
    the asked-for kind with a modifier of its own, `_slot_filled`), a date, a title of office
    (1), or not (0); open questions take anything (0.5)."""
    if qtype == "list":
        return float("、" in clause or "和" in clause)
    if qtype == "date":
        return float(bool(_DATE_RE.search(clause)))
    if qtype == "who":
        return float(bool(_TITLE_RE.search(clause)))
    if qtype == "entity":
        return float(bool(NAME_RE.search(clause)) or slot)
    return 0.5


def measure_terms(clause: str, qm: QuantityMatch, counts: list[QuantityMatch]) -> list[str]:
    """The words of the phrase a figure of `clause` counts, nearest it first, bounded by the
    neighbouring figures `counts` (`text.measure.counted_terms`)."""
    after_end = min((m.start for m in counts if m.start >= qm.end), default=len(clause))
    prev_end = max((m.end for m in counts if m.end <= qm.start), default=0)
    return counted_terms(clause, qm.start, qm.end, prev_end, after_end)


def measure_precision(terms: Sequence[str], question: str, idf: Callable[[str], float],
                      soft: SoftMatch | None = None, cfg: ScoringConfig | None = None) -> float:
    """How much of a figure's counted phrase the question names (`text.measure.coverage`): in
    "组织共建立委员工作室131个" 工作室 decides, the verbs before it matter less. A near miss
    earns `NEAR_MISS_CREDIT`, a word of like meaning by `soft` its soft credit."""
    def credit(t: str) -> float:
        if t in question:
            return 1.0
        if _near_miss(t, question):
            return NEAR_MISS_CREDIT
        return soft_credit(soft.to_question(t), cfg) if soft is not None and cfg is not None else 0.0

    return coverage(terms, credit, idf)


#: `asked_fit` of a question with no asked action, or of a candidate that is no figure.
ASKED_NONE = 0.5
#: An action word this long or longer, found beside a rival figure, speaks against a figure.
MIN_RIVAL_ACTION = 2


def asked_fit(asked: str, clause: str, rivals: Sequence[str], soft_sim: float, cfg: ScoringConfig) -> float:
    """Whether a figure's clause holds the action the question asks it by (`asked_action`): 1 when
    it does, 0.75 for a word of like meaning or a near miss, −1 when the word stands instead in
    one of `rivals`, the other clauses of the sentence that hold figures of their own ("收到提案
    163件，立案148件" for "立案了多少"; only for a word of two characters or more: a lone
    character such as 办 stands inside many words, "举办" as well as "办理"), 0 when neither;
    `ASKED_NONE` when the question names none."""
    if not asked:
        return ASKED_NONE
    if asked in clause:
        return 1.0
    if len(asked) >= MIN_RIVAL_ACTION and any(asked in r for r in rivals):
        return -1.0
    if _near_miss(asked, clause) or soft_credit(soft_sim, cfg) > 0:
        return 0.75
    return 0.0


def _no_year(doc_id: str) -> int | None:
    return None


def score_candidates(q: ParsedQuestion, hits: Sequence[Hit], cfg: ScoringConfig, idf: Callable[[str], float],
                     report_year: Callable[[str], int | None] = _no_year,
                     soft: SoftMatch | None = None, known: Callable[[str], bool] | None = None,
                     gates: bool = True, reviews: Callable[[str], bool] = lambda doc_id: False) -> list[Candidate]:
    """Every clause of the top passages that could answer `q`, with its score. `report_year`
    gives a document's year, against which relative periods ("过去一年") are resolved. With
    `gates` the hand-set floors drop weak candidates; without (a fitted model decides), only the
    looser generation floors do. `reviews` says whether a report reviews the year before its own
    (what it says of its own year is then a plan)."""
    focus = terms_of(q.focus_text)
    # Words of the question no report uses: a sentence must hold one of like meaning ("老人" →
    # "人口"), else it does not speak of what was asked ("…里有多少是律师").
    absent = [t for t in focus if known is not None and not known(t) and not q.english]
    wants_target = asks_target(q.normalized)
    wants_outcome = asks_outcome(q.normalized)
    years_known = [y for y in (report_year(h.chunk.doc_id) for h in hits[: cfg.passages]) if y]
    latest = max(years_known, default=None)
    context = " ".join([q.context_text, q.normalized, *(v for _, vs in q.equivalents for v in vs)])
    targets = asked_kinds(q.focus_text)
    action = asked_action(q.focus_text) if q.qtype == "numeric" and not q.english else ""
    inv = lambda r: 1.0 / r if r else 0.0  # noqa: E731
    raw: list[tuple[Candidate, list[float]]] = []
    for rank, hit in enumerate(hits[: cfg.passages]):
        text = hit.chunk.text
        ry = report_year(hit.chunk.doc_id)
        if q.time.report_year and ry != q.time.report_year:
            continue  # "2019年政府工作报告…": only that year's report
        asked = q.time.period_years(ry)
        heading = section_period(hit.chunk.section, ry)
        carried: Period | None = None  # a paragraph's opening time frame holds for what follows it
        hit_sig = [1.0 / (rank + 1), inv(hit.dense_rank), inv(hit.bm25_rank), hit.dense_score or 0.0]
        for sent in split_sentences(text):
            carried = resolve(sent.text, ry) or carried
            period = carried or heading
            behind = float(latest - ry) if latest is not None and ry is not None else 0.0
            time_adj = 0.0 if asked else -RECENCY_STEP * behind
            time_sig = [0.0, 0.0, 0.0 if asked else behind]
            if asked:
                if period is None:
                    time_adj, time_sig = -TIME_UNKNOWN_PENALTY, [0.0, 1.0, 0.0]
                elif not period.fits(asked):
                    continue  # "2018年…多少" is not answered by a sentence about another year
                else:
                    time_sig = [1.0, 0.0, 0.0]
            missing = sum(1 for t in absent if t not in covered(sent.text, q.equivalents)
                          and (soft is None or soft.to_text(t, sent.text) < cfg.soft_min))
            if missing and gates:
                continue  # the question names something the reports never mention, nor anything like it
            stated = is_target(sent.text)
            plan = is_plan(sent.text, period, ry, reviews(hit.chunk.doc_id))
            if wants_target and q.qtype == "numeric" and not plan and not (ry is not None and period == Period(ry, ry)):
                continue  # "…提出的目标是多少" is answered by a target figure (or a plan for the report's year)
            if wants_outcome and plan:
                continue  # "2021年实际新开工…" is never answered by the 2021 report's plan for the year
            # a plan offered for a year's outcome ("2021年实际新开工…" answered by the 2021 report's
            # "今年…5.3万个"): questions rarely say which they mean, so the model weighs it
            target_match = float(stated == wants_target) - float(plan and bool(asked) and not wants_target
                                                                 and q.time.report_year is None)
            where = covered(sent.text + hit.chunk.section, q.equivalents)
            sent_strict = _weighted_cover(focus, where, idf)
            sent_rec = _weighted_cover(focus, where, idf, soft, cfg) if soft is not None else sent_strict
            clauses = split_clauses(sent.text)
            seen = [covered(c.text, q.equivalents) for c in clauses]  # each clause as the question's words meet it
            figures = [counts_in(c.text) for c in clauses]
            with_figures = [v for v, f in zip(seen, figures) if f] if action else []
            for cl, cl_seen, counts in zip(clauses, seen, figures):
                clause = Span(sent.start + cl.start, sent.start + cl.end, cl.text)
                cl_strict = _weighted_cover(focus, cl_seen, idf)
                cl_rec = _weighted_cover(focus, cl_seen, idf, soft, cfg) if soft is not None else cl_strict
                base = 0.55 * cl_rec + 0.45 * sent_rec
                prior = 0.04 / (rank + 1) + time_adj
                common = [cl_strict, sent_strict, cl_rec, sent_rec]
                tail = [*hit_sig, *time_sig]
                after = [float(missing), float(q.english), float(q.followup)]
                if q.qtype == "numeric":
                    for qm in counts:
                        if not compatible(q.unit, qm.quantity.unit) or qm.quantity.surface in q.avoid:
                            continue
                        terms = measure_terms(clause.text, qm, counts)
                        prec_strict = measure_precision(terms, context, idf)
                        prec = measure_precision(terms, context, idf, soft, cfg) if soft is not None else prec_strict
                        floor = (cfg.min_measure_precision_en if q.english
                                 else cfg.min_measure_precision_multi if q.multi else cfg.min_measure_precision)
                        if gates and (prec < floor or sent_rec < cfg.min_focus_recall):
                            continue
                        if not gates and (prec < cfg.gen_precision or sent_rec < cfg.gen_recall):
                            continue
                        hand = 0.6 * base + 0.4 * prec + prior
                        exact = float(not q.unit or q.unit == qm.quantity.unit)
                        sim = soft.to_text(action, cl_seen) if soft is not None and action else 0.0
                        sig = [*common, prec_strict, prec, 1.0, 0.0, 0.0, 1.0, *tail, exact, float(len(counts) - 1),
                               *after, hand, target_match, float(qm.quantity.surface in q.normalized)]
                        fit = asked_fit(action, cl_seen, [r for r in with_figures if r != cl_seen], sim, cfg)
                        raw.append((Candidate(hand, rank, clause, sent, qm, period, asked=fit), sig))
                    continue
                slot = q.qtype == "entity" and _slot_filled(clause.text, targets, q.normalized)
                named = q.qtype in ("entity", "open") and (_names_attached(clause.text, focus) or slot)
                floor = cfg.min_focus_recall if not named else cfg.min_focus_recall_named
                if sent_rec < (floor if gates else cfg.gen_recall):
                    continue
                bonus = _shape_bonus(q.qtype, clause.text, targets, named)
                hand = base + bonus + prior
                sig = [*common, 0.0, 0.0, 0.0, bonus, float(named), _type_fit(q.qtype, clause.text, slot), *tail, 0.0,
                       float(len(counts)), *after, hand, target_match,
                       float(bool(counts) and all(m.quantity.surface in q.normalized for m in counts))]
                raw.append((Candidate(hand, rank, clause, sent, None, period), sig))
    if not raw:
        return []
    hand_at = SIGNALS.index("hand_score")
    best_hand = max(sig[hand_at] for _, sig in raw)
    best_rec = max(sig[3] for _, sig in raw)

    def answer_of(c: Candidate) -> str:
        return c.quantity.quantity.surface if c.quantity is not None else c.clause.text

    out = []
    for c, sig in raw:
        mine = answer_of(c)
        rivals = [(o[hand_at], o[5]) for d, o in raw if answer_of(d) != mine]
        hand_margin = sig[hand_at] - max((h for h, _ in rivals), default=sig[hand_at] - 1.0)
        prec_margin = sig[5] - max((pr for _, pr in rivals), default=sig[5] - 1.0)
        agree = sum(1 for d, _ in raw if answer_of(d) == mine and d.hit_rank != c.hit_rank)
        out.append(replace(c, signals=(*sig, sig[hand_at] - best_hand, sig[3] - best_rec, hand_margin, prec_margin,
                                       float(agree))))
    return out

