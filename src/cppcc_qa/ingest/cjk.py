"""Joining text that a PDF extraction broke at the column width.

Chinese has no spaces between words, so a line break inside a paragraph must vanish without a
trace ("习\\n近平" -> "习近平"), numbers split across lines are rejoined ("1.9 万\\n件" -> "1.9万件"),
and stray spaces between a CJK character and a digit are dropped ("调结案件 35件" -> "调结案件35件").
Latin words broken across lines keep one space.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "join_lines", "tidy_spaces", "split_blocks", "ends_sentence"]

# A paragraph can only end where a line ends with a sentence end (a closing quote counts only
# right after one: "…到那里”。" ends, "“两个确立”" at a line end does not).
TERMINAL = "。！？!?…"
_ENDS_SENTENCE = re.compile(r"[。！？!?…][”」』）)]?$")
_HAS_SENTENCE_END = re.compile(r"[。！？!?]")
# A block with no sentence end, at most this long, followed by a blank line is a heading; a
# longer one (or one holding a sentence end) runs on: the blank line was an extraction artefact.
MAX_HEADING_CHARS = 40
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2018-\u201d"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{_CJK}])")
_SPACE_IN_NUMBER = re.compile(r"(?<=\d)[ \t]+(?=[.%‰]\d|\.|%)|(?<=\d\.)[ \t]+(?=\d)")


@dataclass(frozen=True)
class Block:
    """A joined paragraph-like unit: `kind` is 'para', 'heading' or 'caption'."""

    kind: str
    text: str


def tidy_spaces(text: str) -> str:
    """Drop spaces that sit next to a CJK character or inside a number; fold other runs to one."""
    text = _SPACE_NEAR_CJK.sub("", text)
    text = _SPACE_IN_NUMBER.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph: no space between CJK, one space between Latin words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and re.search(r"[A-Za-z]$", out) and re.match(r"[A-Za-z]", line):
            out += " " + line
        else:
            out += line
    return tidy_spaces(out)


def ends_sentence(line: str) -> bool:
    """True when a line ends a sentence (and so may end a paragraph)."""
    return bool(_ENDS_SENTENCE.search(line.strip()))


def split_blocks(raw: str) -> list[Block]:
    """Turn column-broken text into paragraphs, headings and photo captions (lines starting ▲).

    A paragraph ends where a line ends a sentence. A blank line ends a block only when the block
    is a short heading (no sentence end inside); otherwise it is an extraction artefact and the
    paragraph runs on.
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    cur: list[str] = []
    kind = "para"

    def flush(as_kind: str) -> None:
        nonlocal cur, kind
        text = join_lines(cur)
        if text:
            blocks.append(Block(as_kind, text))
        cur, kind = [], "para"

    for raw_line in lines:
        line = raw_line.strip()
        if not line:
            if not cur:
                continue
            joined = join_lines(cur)
            if kind == "caption":
                flush("caption")
            elif ends_sentence(joined):
                flush("para")
            elif len(joined) <= MAX_HEADING_CHARS and not _HAS_SENTENCE_END.search(joined):
                flush("heading")
            continue
        if line.startswith("▲") and cur:
            flush("caption" if kind == "caption" else "para")
        if line.startswith("▲"):
            kind = "caption"
        cur.append(line)
        if kind == "para" and ends_sentence(line):
            flush("para")
    if cur:
        joined = join_lines(cur)
        if kind == "caption" or ends_sentence(joined) or len(joined) > MAX_HEADING_CHARS:
            flush(kind)
        else:
            flush("heading")
    return blocks
