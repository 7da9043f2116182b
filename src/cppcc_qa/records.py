"""Frozen records that travel between the steps of the pipeline.

JSON only at the edges: `to_dict()` gives the wire form, nothing else crosses a module border as
a loose dict.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Document", "Chunk", "Hit", "Citation", "Computed", "Turn", "Answer", "Related", "Figure", "Verdict"]


@dataclass(frozen=True)
class Document:
    """A cleaned report. `text` is the body; every chunk offset points into it."""

    doc_id: str
    title: str
    committee: str
    region: str
    source: str
    text: str
    headline: str = ""
    body: str = ""  # the issuing body: a committee, a government, a congress, a department
    kind: str = ""  # 政府工作报告 | 政协工作报告 | 综述 | …
    date: str = ""  # ISO: "2021-03-05", "2021-03" or "2021"; "" when unknown
    period: str = ""  # the years it covers: "2020—2021", "2024"
    added: str = ""  # when it entered the index (UTC, ISO 8601 to the second); stamped by indexing

    @property
    def year(self) -> int | None:
        """The year the report was given in (its "今年"); None when its date is unknown."""
        return int(self.date[:4]) if self.date[:4].isdigit() else None

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_text:
            d.pop("text")
            d["chars"] = len(self.text)
        return d


@dataclass(frozen=True)
class Chunk:
    """A passage: `doc.text[start:end] == text` always holds."""

    chunk_id: str
    doc_id: str
    title: str
    committee: str
    section: str
    paragraph: int
    start: int
    end: int
    text: str

    def index_text(self) -> str:
        """What is embedded / BM25-indexed: the passage with its context (what is quoted is `text`)."""
        return f"{self.committee}｜{self.title}｜{self.section}｜{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None  # cosine of the question with the passage (None: not in the dense list)


@dataclass(frozen=True)
class Citation:
    """One cited passage. `start`/`end` locate `quote` in the document text."""

    n: int
    passage_id: str
    doc_id: str
    title: str
    committee: str
    section: str
    text: str
    quote: str
    start: int
    end: int
    passage_start: int
    passage_end: int
    body: str = ""  # the report's issuing body (a committee, 国务院, a government…)
    date: str = ""  # the report's date (ISO, as precise as known; "" when unknown)
    kind: str = ""  # the kind of report (政府工作报告, 政协工作报告, 综述…)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Computed:
    """A figure the reports do not state but two they do give: `value` in `unit`, the arithmetic
    as shown to a reader (`text`, "27件÷35件≈77.1%"), the citations [n] holding its operands and
    a note when they are of different years or units."""

    kind: str  # sum | difference | ratio | average
    value: float
    unit: str
    text: str
    operands: tuple[int, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": round(self.value, 4), "unit": self.unit, "text": self.text,
                "operands": list(self.operands), "note": self.note}


@dataclass(frozen=True)
class Turn:
    """An earlier question/answer pair sent by a client for follow-up questions."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Related:
    """A passage close to a question the reports do not answer: shown as such, never as an answer."""

    passage_id: str
    doc_id: str
    title: str
    body: str
    section: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The response contract shared by the CLI and the HTTP API."""

    question: str
    answer: str
    answerable: bool
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    index_version: str = ""
    resolved_question: str = ""
    computed: tuple[Computed, ...] = ()  # figures of the answer that were computed, not quoted
    # a refusal's help: the passages closest to the question (no answer) and questions the
    # reports do answer on its topic (answer/suggest.py); empty for an answer
    related: tuple[Related, ...] = ()
    suggestions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "citations": [c.to_dict() for c in self.citations],
            "computed": [c.to_dict() for c in self.computed],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "index_version": self.index_version,
            "resolved_question": self.resolved_question,
            "related": [r.to_dict() for r in self.related],
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class Figure:
    """A quantitative statement found in the corpus."""

    figure_id: str
    committee: str
    measure: str
    value: float
    unit: str
    qualifier: str
    period: str
    surface: str
    passage_id: str
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """The checker's verdict on one claim."""

    claim: str
    verdict: str  # supported | refuted | not_found
    explanation: str
    evidence: tuple[Citation, ...] = ()
    expected: str | None = None
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "claim": self.claim,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "evidence": [c.to_dict() for c in self.evidence],
        }
        if self.expected is not None:
            d["expected"] = self.expected
        if self.span is not None:
            d["span"] = list(self.span)
        return d
