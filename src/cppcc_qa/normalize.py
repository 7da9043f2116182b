"""Question normalisation: Traditional → Simplified (OpenCC), full-width → half-width (NFKC),
Chinese numerals before a classifier → Arabic digits, whitespace folded.

`normalize_question` is idempotent: normalising twice gives the same text.
"""
from __future__ import annotations

import re
import threading
import unicodedata

from .errors import InputError

__all__ = ["normalize_question", "validate_question", "to_simplified"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_lock = threading.Lock()
_converter = None


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese with OpenCC (the maintained converter, phrase-aware)."""
    global _converter
    with _lock:
        if _converter is None:
            import opencc

            _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


def validate_question(text: object, max_chars: int) -> str:
    """Check a question where it enters: a non-empty string of at most `max_chars` characters,
    with no control characters. Returns it stripped; raises InputError saying what is allowed."""
    if not isinstance(text, str):
        raise InputError("question must be a string")
    stripped = text.strip()
    if not stripped:
        raise InputError("question is empty: type a question, e.g. 武威市建成了多少个委员工作室？")
    if len(stripped) > max_chars:
        raise InputError(f"question is {len(stripped)} characters long; at most {max_chars} are allowed")
    if _CONTROL.search(stripped.replace("\n", " ").replace("\t", " ")):
        raise InputError("question contains control characters; send plain text")
    if any("\ud800" <= ch <= "\udfff" for ch in stripped):
        raise InputError("question contains an unpaired surrogate (broken Unicode); send valid text")
    return stripped


def _fold_fullwidth(text: str) -> str:
    # NFKC maps full-width ASCII to half-width, but also Chinese punctuation we want to keep
    # (，。？ stay as they are under NFKC, ：；！ become ASCII — harmless for matching).
    return unicodedata.normalize("NFKC", text)


def normalize_question(text: str) -> str:
    """Canonical form of a question for retrieval and matching (idempotent)."""
    from .numerals import normalize_numerals

    out = _fold_fullwidth(text)
    out = to_simplified(out)
    out = normalize_numerals(out)
    out = re.sub(r"\s+", " ", out).strip()
    return out
