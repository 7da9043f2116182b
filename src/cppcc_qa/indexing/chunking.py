"""Paragraph- and sentence-aware chunking of a cleaned report.

A chunk never crosses a paragraph; inside a paragraph, whole sentences (ending 。！？；, with a
closing quote or bracket kept on the sentence it closes) are packed up to `max_chars`. A sentence
longer than that is a chunk of its own. Offsets always satisfy `doc.text[start:end] == text`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cppcc_qa.errors import InputError
from cppcc_qa.records import Chunk, Document

__all__ = ["ChunkingConfig", "chunk_document", "sentence_spans", "paragraph_spans"]

_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk sizes; the default was chosen by measurement on the dev set (README, "Chunk size")."""

    max_chars: int = 160
    overlap_sentences: int = 0

    def __post_init__(self) -> None:
        if self.max_chars < 20:
            raise InputError(f"chunk max_chars must be at least 20. Currently, it is {self.max_chars}")
        if self.overlap_sentences < 0:
            raise InputError(f"chunk overlap_sentences must be >= 0. Currently, it is {self.overlap_sentences}")


def paragraph_spans(text: str) -> Iterator[tuple[int, int, str | None]]:
    """Yield (start, end, heading) for each non-empty line-block; heading is set for '## ' lines."""
    for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        start, end = m.start(), m.end()
        block = text[start:end]
        lead = len(block) - len(block.lstrip())
        trail = len(block) - len(block.rstrip())
        start, end = start + lead, end - trail
        if start >= end:
            continue
        h = _HEADING.match(text[start:end])
        yield start, end, (h.group(1).strip() if h else None)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence boundaries inside text[start:end], as absolute offsets."""
    spans = []
    cur = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.end() > cur:
            spans.append((cur, m.end()))
            cur = m.end()
    if cur < end:
        spans.append((cur, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _pack(sents: list[tuple[int, int]], cfg: ChunkingConfig) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(sents):
        a, b = sents[i]
        j = i + 1
        while j < len(sents) and sents[j][1] - a <= cfg.max_chars:
            b = sents[j][1]
            j += 1
        groups.append((a, b))
        if j >= len(sents):
            break
        i = max(j - cfg.overlap_sentences, i + 1)
    return groups


def chunk_document(doc: Document, cfg: ChunkingConfig) -> list[Chunk]:
    """Cut a document into chunks with section, paragraph number and exact offsets."""
    chunks: list[Chunk] = []
    section = ""
    para_no = 0
    for start, end, heading in paragraph_spans(doc.text):
        if heading is not None:
            section = heading
            continue
        para_no += 1
        for k, (a, b) in enumerate(_pack(sentence_spans(doc.text, start, end), cfg)):
            # strip whitespace at the edges so the quoted text is clean, offsets stay exact
            while a < b and doc.text[a].isspace():
                a += 1
            while b > a and doc.text[b - 1].isspace():
                b -= 1
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:p{para_no:03d}.{k}",
                    doc_id=doc.doc_id,
                    title=doc.title,
                    committee=doc.committee,
                    section=section,
                    paragraph=para_no,
                    start=a,
                    end=b,
                    text=doc.text[a:b],
                )
            )
    return chunks
