"""Which script a question is written in, and a reply put into Traditional characters.

A question is Traditional when OpenCC's t2s changes one of its Chinese characters (the same
converter `normalize.to_simplified` reads questions with). The reply to it is converted with
OpenCC's s2t, except the spans that quote a report: those stay as the report writes them, so a
page still finds and highlights them in the passage.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from cppcc_qa.text.normalize import opencc_converter, to_simplified

__all__ = ["is_traditional", "to_traditional", "MIN_KEPT_CHARS"]

#: A shorter run found in a quote is a common word ("政协"), converted like the rest of the reply.
MIN_KEPT_CHARS = 4
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_traditional(text: str) -> bool:
    """Whether `text` has a Chinese character that Traditional → Simplified conversion changes."""
    return bool(_CJK.search(text)) and to_simplified(text) != text


def _s2t(text: str) -> str:
    return str(opencc_converter("s2t").convert(text))


def to_traditional(text: str, keep: Iterable[str] = ()) -> str:
    """`text` in Traditional characters, except each run of at least `MIN_KEPT_CHARS` characters
    that one of `keep` (the quotes) holds: a reply quotes its passage in pieces joined by "……"."""
    quotes = [k for k in keep if k]
    out, plain, i = [], 0, 0
    while i < len(text):
        j = i
        while j < len(text) and any(text[i:j + 1] in q for q in quotes):
            j += 1
        if j - i >= MIN_KEPT_CHARS:
            out += [_s2t(text[plain:i]), text[i:j]]
            plain = i = j
        else:
            i += 1
    out.append(_s2t(text[plain:]))
    return "".join(out)
