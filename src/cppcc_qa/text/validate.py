"""Checking free text where it enters (a question, a history turn, a claim, a draft, a comment):
one rule for every door, so the CLI, the API and the checker refuse the same things with the
same words. Returns the text stripped; raises InputError saying what was wrong and what is
allowed."""
from __future__ import annotations

import unicodedata

from cppcc_qa.errors import InputError

__all__ = ["clean_text", "ALLOWED_CONTROLS"]

#: Control characters that plain text may hold: tab and line breaks.
ALLOWED_CONTROLS = frozenset("\t\n\r")
#: Invisible format characters that only hide text (zero-width, direction marks, BOM).
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2028\u2029\ufeff")


def clean_text(value: object, what: str, max_chars: int, required: bool = True, example: str = "") -> str:
    """`value` stripped, when it is a string of at most `max_chars` characters with no control or
    invisible characters and no unpaired surrogate (and not blank, when `required`). Length and
    characters are judged on the text as sent, before stripping (a control character is refused
    at the ends too), so the API's schema can say the same rule as maxLength and a pattern.

    `what` names the field as "中文/english" for the message ("问题/question"); `example`, if
    given, shows what to send instead of an empty value.
    """
    zh, _, en = what.partition("/")
    en = en or zh
    if not isinstance(value, str):
        raise InputError(f"{zh}必须是文字。(The {en} must be a string of text.)")
    text = value.strip()
    if required and not text:
        hint = f" e.g. {example}" if example else ""
        raise InputError(f"{zh}不能为空。(The {en} is empty: it must not be empty.{hint})")
    if len(value) > max_chars:
        raise InputError(f"{zh}过长：{len(value)} 字，上限 {max_chars} 字。"
                         f"(The {en} is {len(value)} characters long; at most {max_chars} are allowed.)")
    lone = next((c for c in value if unicodedata.category(c) == "Cs"), None)
    if lone is not None:  # a JSON "\ud800" escape: not text, and no encoder downstream takes it
        raise InputError(f"{zh}含有不成对的代理码位 U+{ord(lone):04X}，不是有效的 Unicode 文本。"
                         f"(The {en} contains the unpaired surrogate U+{ord(lone):04X} (broken Unicode);"
                         " send valid text.)")
    bad = next((c for c in value if (unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS)
                or c in _INVISIBLE), None)
    if bad is not None:
        raise InputError(f"{zh}含有控制字符 U+{ord(bad):04X}，只允许普通文字、空格和换行。"
                         f"(The {en} contains control character U+{ord(bad):04X}; only text, spaces"
                         " and line breaks are allowed.)")
    return text
