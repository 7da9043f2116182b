"""Quantitative statements in a report: "调结案件35件" → Figure(measure="调结案件", value=35, unit="件").

Numbers come from `numerals.find_quantities`; this module decides which of them are figures (not
dates), what they count (`measure`), over which period, and which passage holds them.

`measure` is `text.measure.measure_phrase`, the noun phrase just before the number within its
clause ("协调落实乡村振兴帮扶资金260余万元" → "乡村振兴帮扶资金") or the noun after it. A figure in parentheses right after another
("149个（市级19个、县区130个）") is labelled "<parent measure> (<local label>)".
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from cppcc_qa.records import Chunk, Document, Figure
from cppcc_qa.text.measure import (
    CLAUSE_BREAKS,
    SCOPE_WORDS,
    SENTENCE_BREAKS,
    TIME_PATTERN,
    is_figure,
    measure_phrase,
    remove_scope,
    strip_fillers,
)
from cppcc_qa.text.numerals import QuantityMatch, find_quantities, normalize_numerals
from cppcc_qa.text.spreadsheet import inert_cell

__all__ = ["extract_figures", "figures_to_rows", "figures_csv", "filter_figures", "FIGURE_FIELDS"]

#: Column order of `figures_csv` and keys of `figures_to_rows`.
FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figure))
_OPEN_PARENS = "（("
_CLOSE_PARENS = "）)"


def _break_before(text: str, pos: int, breaks: str, floor: int = 0) -> int:
    """Index just after the last break character before `pos` (never below `floor`)."""
    i = pos - 1
    while i >= floor and text[i] not in breaks:
        i -= 1
    return i + 1


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
        if not is_figure(m):
            continue
        sentence_start = _break_before(text, m.start, SENTENCE_BREAKS)
        clause_start = _break_before(text, m.start, CLAUSE_BREAKS, sentence_start)
        prev_end = max((e for e in by_end if clause_start <= e <= m.start), default=-1)
        paren = _open_paren(text, m.start, sentence_start)
        parent = by_end.get(paren) if paren >= 0 else None
        if parent is not None:
            local = strip_fillers(remove_scope(text[max(paren + 1, prev_end) : m.start]), False)
            measure = f"{parent.measure} ({local})" if local else parent.measure
        else:
            measure = measure_phrase(text, m.start, m.end, max(clause_start, prev_end))
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
    """Figures as CSV text with a header row (columns `FIGURE_FIELDS`).

    A text cell that a spreadsheet would run as a formula (a report's committee or measure
    starting with '=', '+', '-', '@', tab or CR: an uploaded report chooses those words) gets a
    leading apostrophe, the OWASP rule, so Excel and LibreOffice show it as text. Numbers are
    written as numbers: a negative value stays -5, not text.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIGURE_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: inert_cell(v) for k, v in row.items()} for row in figures_to_rows(figs))
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
