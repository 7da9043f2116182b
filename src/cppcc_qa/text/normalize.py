"""Question normalisation: Traditional → Simplified (OpenCC), full-width → half-width (NFKC),
Chinese numerals before a classifier → Arabic digits, whitespace folded.

`normalize_question` is idempotent: normalising twice gives the same text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from cppcc_qa.text.validate import clean_text

__all__ = ["normalize_question", "validate_question", "to_simplified", "opencc_converter"]


@cache
def opencc_converter(config: str) -> Any:
    """The OpenCC converter of `config` ("t2s", "s2t"), made once (loading its dictionaries
    takes a while)."""
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese with OpenCC (the maintained converter, phrase-aware)."""
    return str(opencc_converter("t2s").convert(text))


def validate_question(text: object, max_chars: int) -> str:
    """Check a question where it enters (`text.validate.clean_text`): returns it stripped."""
    return clean_text(text, "问题/question", max_chars, example="武威市建成了多少个委员工作室？")


def _fold_fullwidth(text: str) -> str:
    # NFKC maps full-width ASCII to half-width, but also Chinese punctuation we want to keep
    # (，。？ stay as they are under NFKC, ：；！ become ASCII — harmless for matching).
    return unicodedata.normalize("NFKC", text)


def normalize_question(text: str) -> str:
    """Canonical form of a question for retrieval and matching (idempotent)."""
    from cppcc_qa.text.numerals import normalize_numerals

    out = _fold_fullwidth(text)
    out = to_simplified(out)
    out = normalize_numerals(out)
    out = re.sub(r"\s+", " ", out).strip()
    return out
