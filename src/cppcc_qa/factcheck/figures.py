"""Quantitative statements in a report: "调结案件35件" → Figure(measure="调结案件", value=35, unit="件").

Numbers come from `numerals.find_quantities`; this module decides which of them are figures (not
dates), what they count (`measure`), over which period, and which passage holds them.

`measure` is the noun phrase just before the number within its clause ("协调落实乡村振兴帮扶资金
260余万元" → "乡村振兴帮扶资金"): the clause text is cut after the last verb from `CUT_MARKERS`
and stripped of fillers. When nothing is left, or the text ends with an enumeration 等 ("等3项工作
机制"), the noun after the unit is taken instead. A figure in parentheses right after another
("149个（市级19个、县区130个）") is labelled "<parent measure> (<local label>)".
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from cppcc_qa.records import Chunk, Document, Figure
from cppcc_qa.text.numerals import QuantityMatch, find_quantities, normalize_numerals
from cppcc_qa.text.periods import years_in

__all__ = ["extract_figures", "figures_to_rows", "figures_csv", "filter_figures", "FIGURE_FIELDS"]

#: Column order of `figures_csv` and keys of `figures_to_rows`.
FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figure))
#: Characters that end a clause (the measure never crosses one).
CLAUSE_BREAKS = "，,。；;：:！？!?\n（(）)"
#: Characters that end a sentence (the period is looked for within it).
SENTENCE_BREAKS = "。；;！？!?\n"
#: Time expressions that scope the figures after them in the same sentence.
TIME_PATTERN = re.compile(
    r"[0-9]{4}年以来|今年以来|去年以来|近年来|近[0-9一二三四五两]+年来|截至目前|目前"
    r"|[0-9一二三四五六七八九十]+届[^，。；、\s]{0,6}?以来"
)
#: Scope words that apply only within their clause ("累计开展…2.1万场次").
SCOPE_WORDS: tuple[str, ...] = ("累计",)
#: Verbs (and the enumeration mark 等) after which the counted noun phrase starts.
CUT_MARKERS: tuple[str, ...] = (
    "开展", "建成", "建立", "落实", "形成", "提出", "召开", "报送", "发现", "办理", "制发", "签约",
    "引进", "解决", "联合", "举办", "推荐", "提交", "参与", "参加", "对接", "督导", "修订", "设置",
    "担任", "完成", "发出", "制定", "培育", "围绕", "等",
)
#: Words stripped from the end / start of a measure ("履职历程已有22年" → "履职历程").
TRAILING_FILLERS: tuple[str, ...] = ("已有", "共有", "共计", "总计", "合计", "达到", "共", "达")
LEADING_FILLERS: tuple[str, ...] = ("了", "先后", "并", "还", "其中")
#: A text that is only a place scope ("全市") names no measure.
SCOPE_ONLY: tuple[str, ...] = ("全市", "全省", "全国", "市县区", "市级", "县区")
#: Below this many characters a phrase after a verb keeps its verb ("解决问题", not "问题").
MIN_MEASURE_CHARS = 3
#: The noun phrase taken after a number is cut at this length.
MAX_AFTER_CHARS = 16
_STRIP_CHARS = " \t\u3000、，,和及与“”‘’\"'「」『』"
_AFTER_STOPS = CLAUSE_BREAKS + "、“”\"「」"
_AFTER_LEADING = "的来之"
_OPEN_PARENS = "（("
_CLOSE_PARENS = "）)"
_MAGNITUDE_CHARS = "万亿"


def _is_date(m: QuantityMatch) -> bool:
    """A year ("2024年", "二〇二四年") or a unitless number (a month, a code) is not a figure."""
    q = m.quantity
    if not q.unit:
        return not any(c in q.surface for c in _MAGNITUDE_CHARS)
    if q.unit != "年" or q.qualifier:
        return False
    number = q.surface[: -len(q.unit)].strip()
    return bool(years_in(number + "年"))


def _break_before(text: str, pos: int, breaks: str, floor: int = 0) -> int:
    """Index just after the last break character before `pos` (never below `floor`)."""
    i = pos - 1
    while i >= floor and text[i] not in breaks:
        i -= 1
    return i + 1


def _strip_fillers(phrase: str, scope_only_is_empty: bool = True) -> str:
    """Drop punctuation, quotes and filler words from both ends of a phrase; a bare place scope
    ("全市") counts as empty unless it labels a breakdown ("（市级19个…）")."""
    changed = True
    while changed:
        before = phrase
        phrase = phrase.strip(_STRIP_CHARS)
        for w in TRAILING_FILLERS:
            if phrase.endswith(w):
                phrase = phrase[: -len(w)]
        for w in LEADING_FILLERS:
            if phrase.startswith(w):
                phrase = phrase[len(w) :]
        changed = phrase != before
    return "" if scope_only_is_empty and phrase in SCOPE_ONLY else phrase


def _remove_scope(phrase: str) -> str:
    """Remove time expressions and scope words, which are reported as `period` instead."""
    phrase = TIME_PATTERN.sub("", phrase)
    for w in SCOPE_WORDS:
        phrase = phrase.replace(w, "")
    return phrase


def _cut_at_marker(phrase: str) -> str:
    """The noun phrase after the last verb marker; a short remainder keeps its verb, an empty one
    gives "" (the counted noun then comes after the number: "推荐29名委员")."""
    hits = sorted((m.start(), w) for w in CUT_MARKERS for m in re.finditer(re.escape(w), phrase))
    for at, word in reversed(hits):
        rest = _strip_fillers(phrase[at + len(word) :])
        if len(rest) >= MIN_MEASURE_CHARS:
            return rest
        if not rest:
            return ""
        if word != "等":
            return word + rest
    return _strip_fillers(phrase)


def _after_noun(text: str, end: int) -> str:
    """The noun phrase right after a number ("5所知名高校联合办班" → "知名高校")."""
    stop = end
    while stop < len(text) and stop - end < MAX_AFTER_CHARS and text[stop] not in _AFTER_STOPS:
        stop += 1
    phrase = text[end:stop].lstrip(_AFTER_LEADING)
    cut = min((phrase.find(w) for w in CUT_MARKERS if phrase.find(w) > 0), default=len(phrase))
    return _strip_fillers(phrase[:cut])


def _measure(text: str, m: QuantityMatch, clause_start: int, prev_end: int) -> str:
    """What the number counts, from the text before it in its clause (or the noun after it)."""
    before = text[max(clause_start, prev_end) : m.start]
    quote = before.rfind("“")
    if quote > before.rfind("”"):
        before = before[quote + 1 :]
    before = _remove_scope(before)
    if _strip_fillers(before).endswith("等"):
        return _after_noun(text, m.end)
    measure = _cut_at_marker(before)
    return measure or _after_noun(text, m.end)


def _period(text: str, m: QuantityMatch, sentence_start: int, clause_start: int) -> str:
    """The time expression of the sentence and the scope word of the clause, if any."""
    times = TIME_PATTERN.findall(text, sentence_start, m.start)
    clause = text[clause_start : m.start]
    scopes = [w for w in SCOPE_WORDS if w in clause]
    return " ".join([*times[-1:], *scopes])


def _open_paren(text: str, pos: int, floor: int) -> int:
    """Index of the unclosed opening parenthesis before `pos` (not before `floor`), or -1."""
    depth = 0
    for i in range(pos - 1, floor - 1, -1):
        if text[i] in _CLOSE_PARENS:
            depth += 1
        elif text[i] in _OPEN_PARENS:
            if depth == 0:
                return i
            depth -= 1
    return -1


def _passage_id(chunks: Sequence[Chunk], start: int, end: int) -> str:
    """The id of the first chunk whose span contains [start, end), or "" if none does."""
    for c in chunks:
        if c.start <= start and end <= c.end:
            return c.chunk_id
    return ""


def extract_figures(doc: Document, chunks: Sequence[Chunk]) -> list[Figure]:
    """Every quantitative statement in `doc`, in text order, located in `doc.text` and in a chunk.

    Years ("2002年", "2024年以来") and unitless numbers are skipped; durations ("22年") are kept.
    Only chunks of this document are used to fill `passage_id`.
    """
    text = doc.text
    own = [c for c in chunks if c.doc_id == doc.doc_id]
    figures: list[Figure] = []
    by_end: dict[int, Figure] = {}
    for m in find_quantities(text):
        if _is_date(m):
            continue
        sentence_start = _break_before(text, m.start, SENTENCE_BREAKS)
        clause_start = _break_before(text, m.start, CLAUSE_BREAKS, sentence_start)
        prev_end = max((e for e in by_end if clause_start <= e <= m.start), default=-1)
        paren = _open_paren(text, m.start, sentence_start)
        parent = by_end.get(paren) if paren >= 0 else None
        if parent is not None:
            local = _strip_fillers(_remove_scope(text[max(paren + 1, prev_end) : m.start]), False)
            measure = f"{parent.measure} ({local})" if local else parent.measure
        else:
            measure = _measure(text, m, clause_start, prev_end)
        fig = Figure(
            figure_id=f"{doc.doc_id}:{m.start}",
            committee=doc.committee,
            measure=measure,
            value=m.quantity.value,
            unit=m.quantity.unit,
            qualifier=m.quantity.qualifier,
            period=_period(text, m, sentence_start, clause_start),
            surface=m.surface,
            passage_id=_passage_id(own, m.start, m.end),
            doc_id=doc.doc_id,
            start=m.start,
            end=m.end,
        )
        figures.append(fig)
        by_end[m.end] = fig
    return figures


def _plain_value(value: float) -> int | float:
    """An integral float as int (35.0 → 35) so JSON and CSV show counts as counts."""
    return int(value) if float(value).is_integer() else value


def figures_to_rows(figs: Iterable[Figure]) -> list[dict[str, Any]]:
    """Figures as JSON-ready dicts (keys `FIGURE_FIELDS`; integral values as int)."""
    rows = []
    for f in figs:
        row = f.to_dict()
        row["value"] = _plain_value(f.value)
        rows.append(row)
    return rows


def figures_csv(figs: Iterable[Figure]) -> str:
    """Figures as CSV text with a header row (columns `FIGURE_FIELDS`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIGURE_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(figures_to_rows(figs))
    return out.getvalue()


def filter_figures(
    figs: Iterable[Figure], committee: str | None = None, text: str | None = None
) -> list[Figure]:
    """Figures of a committee (substring: "武威" matches "武威市政协") whose measure, surface or
    period contains `text`, compared after numeral normalisation ("22年" finds "二十二年").
    None or blank means no filter on that field."""
    want_committee = (committee or "").strip()
    want_text = normalize_numerals((text or "").strip())
    kept = []
    for f in figs:
        if want_committee and want_committee not in f.committee:
            continue
        haystack = normalize_numerals(f"{f.measure}\n{f.surface}\n{f.period}")
        if want_text and want_text not in haystack:
            continue
        kept.append(f)
    return kept
