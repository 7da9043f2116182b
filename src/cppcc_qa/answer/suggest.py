"""Questions the reports can answer, derived from the corpus as it is: for the welcome screen and
for a refusal ("the reports do cover these").

Each figure the figure table extracts (`records.Figure`: its body, measure phrase and unit) makes
one candidate, "<body><measure>有多少<unit>？". A candidate is only shown once the engine has
answered it with that figure (`Suggester`, which keeps the verdicts per index version and works
within a time allowance), so a report added or removed changes the examples and none of them is
written into the code.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cppcc_qa.records import Figure
from cppcc_qa.text.tokenize import content_terms
from cppcc_qa.text.units import FAMILIES, asked_unit

__all__ = ["Candidate", "candidates", "on_topic", "spread", "Suggester",
           "MIN_MEASURE_CHARS", "MAX_MEASURE_CHARS"]

#: A measure phrase shorter than this names no topic ("数"); a longer one is a clause, not a name.
MIN_MEASURE_CHARS = 2
MAX_MEASURE_CHARS = 16
#: Verdicts kept per index version before the oldest version's are dropped.
VERSIONS_KEPT = 3


@dataclass(frozen=True)
class Candidate:
    """A question built from one figure, and what its answer must quote (the figure as written)."""

    question: str
    surface: str
    doc_id: str
    measure: str
    terms: frozenset[str] = frozenset()  # the measure's content words (`on_topic` matches them)


def candidates(figures: Iterable[Figure]) -> list[Candidate]:
    """One question per figure whose measure phrase names it alone within its body (two figures of
    one body under one measure, "意见建议 120余条" and "30余条", would make a question with two
    answers), whose unit a question can ask for, in the figure table's order. Spans of time
    (年, 天…) are left out: "二十二年的砥砺奋进" makes "砥砺奋进有多少年？", no question about work done."""
    figs = [f for f in figures if MIN_MEASURE_CHARS <= len(f.measure) <= MAX_MEASURE_CHARS
            and f.unit and f.unit not in FAMILIES["time"]]
    seen = Counter((f.committee, f.measure) for f in figs)
    out: list[Candidate] = []
    for f in figs:
        if seen[(f.committee, f.measure)] != 1:
            continue
        question = f"{f.committee}{f.measure}有多少{f.unit}？"
        if asked_unit(question) != f.unit:
            continue
        out.append(Candidate(question, f.surface, f.doc_id, f.measure, frozenset(content_terms(f.measure))))
    return out


def spread(cands: Sequence[Candidate]) -> list[Candidate]:
    """The candidates taking turns by report, so the first few come from different reports."""
    by_doc: dict[str, list[Candidate]] = {}
    for c in cands:
        by_doc.setdefault(c.doc_id, []).append(c)
    out: list[Candidate] = []
    queues = list(by_doc.values())
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def on_topic(cands: Sequence[Candidate], topic: str) -> list[Candidate]:
    """The candidates sharing content words with `topic`, most shared first (none: [])."""
    words = set(content_terms(topic))
    if not words:
        return []
    scored = [(len(words & c.terms), i, c) for i, c in enumerate(cands)]
    return [c for n, _, c in sorted(scored, key=lambda t: (-t[0], t[1])) if n > 0]


class Suggester:
    """Which candidates the engine answers, asked once per index version.

    `answers(candidate)` runs the engine on its question and says whether the reply quotes the
    candidate's figure; verdicts are kept per version, so a later call costs nothing for them.
    """

    def __init__(self, answers: Callable[[Candidate], bool], clock: Callable[[], float] = time.monotonic) -> None:
        self._answers = answers
        self._clock = clock
        self._verdicts: dict[str, dict[str, bool]] = {}
        self._lock = threading.Lock()

    def pick(self, version: str, cands: Sequence[Candidate], limit: int, seconds: float) -> list[str]:
        """Up to `limit` questions of `cands` (in order) the engine answers; candidates not yet
        asked are asked only while `seconds` last."""
        deadline = self._clock() + seconds
        with self._lock:
            verdicts = self._verdicts.setdefault(version, {})
            while len(self._verdicts) > VERSIONS_KEPT:
                self._verdicts.pop(next(iter(self._verdicts)))
        out: list[str] = []
        for c in cands:
            if len(out) >= limit:
                break
            ok = verdicts.get(c.question)
            if ok is None:
                if self._clock() > deadline:
                    continue
                ok = self._answers(c)
                with self._lock:
                    verdicts[c.question] = ok
            if ok:
                out.append(c.question)
        return out
