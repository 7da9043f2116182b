"""Clauses and sentences inside a passage, with offsets, for picking the words an answer rests on.

Splits on ，；。！？： but never inside “…”, 《…》 or （…）, so a document title or a bracketed
breakdown ("149个（市级19个、县区130个）") stays whole.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Span", "split_clauses", "split_sentences"]

_OPEN = {"“": "”", "《": "》", "（": "）", "(": ")", "「": "」", "‘": "’"}
_CLAUSE_END = set("，；。！？：,;!?")
_SENT_END = set("。！？!?；;")


@dataclass(frozen=True)
class Span:
    start: int  # offsets into the text that was split
    end: int
    text: str


def _split(text: str, enders: set[str]) -> list[Span]:
    spans: list[Span] = []
    stack: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in enders and not stack:
            if text[start:i].strip():
                spans.append(Span(start, i, text[start:i]))
            start = i + 1
    if text[start:].strip():
        spans.append(Span(start, len(text), text[start:]))
    out = []
    for s in spans:  # trim whitespace, keep offsets exact
        a, b = s.start, s.end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append(Span(a, b, text[a:b]))
    return out


def split_clauses(text: str) -> list[Span]:
    """Clauses (without their closing punctuation)."""
    return _split(text, _CLAUSE_END)


def split_sentences(text: str) -> list[Span]:
    """Sentences (without their closing punctuation)."""
    return _split(text, _SENT_END)
