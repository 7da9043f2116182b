"""Quantity expressions in Chinese report prose: "2.1万场次", "260余万元", "近400次", "二十二年".

Chinese numeral words ("二十二", "两千三百万", "十二点五", "二〇二四") are turned into numbers by
`cn2an` (normal mode): it is the maintained converter for exactly this job, handles 两, 零-gaps,
digit-by-digit years and decimals, and raises `ValueError` on malformed runs, which is what lets us
reject "十十" instead of guessing. What `cn2an` does not do, and this module adds: finding
quantities in running text (its `transform` turns 一系列 into 1系列), magnitude words after Arabic
digits, qualifiers (余/多/近/约/以上...), units/classifiers, and offsets into the original text.

Value convention: `Quantity.value` is the plain number with every magnitude applied, and a money
unit is kept in yuan: "260余万元" → value 2600000.0, unit "元"; "91.69亿元" → 9169000000.0, unit
"元"; "2.1万场次" → 21000.0, unit "场次". The expression as written stays in `surface`, so nothing is
lost and values compare directly across "万元" and "亿元". A minus sign ("-", "－" or "−") right
before Arabic digits is part of the figure: "-35件" is -35, never 35 (a hyphen after a digit or a
letter is a range or a code: "2018-2022年", "A-35"; so is one right after a figure:
"6%－6.5%", "3万-5万元", "2018年-2022年"). Values are computed as Decimals and a number
past MAX_FIGURE_DIGITS digits or MAX_FIGURE_VALUE is no figure at all.

Running text is matched conservatively: a Chinese numeral counts only when a unit/classifier from
`UNITS` follows it, when it is not inside a fixed word (`FIXED_WORDS`), not an ordinal (第一),
not a quoted slogan ("“两个确立”"), not a reduplicated classifier (一个个) and not a lone 一, which
in report prose is nearly always an article ("一个重要平台"), not a count.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cppcc_qa.text.units import UNIT_ALIASES, UNITS

__all__ = [
    "Quantity",
    "QuantityMatch",
    "UNITS",
    "FIXED_WORDS",
    "PREFIX_QUALIFIERS",
    "SUFFIX_QUALIFIERS",
    "parse_quantity",
    "find_quantities",
    "normalize_numerals",
]

#: Bounds of a figure (checked on the Decimal, before it becomes a float). A double holds 15
#: significant decimal digits exactly (`sys.float_info.dig`), so an Arabic number with more digits
#: cannot be a figure the checker compares; the longest digit run in the built-in and evaluation
#: reports is 9 digits. The largest value there is 114万亿元 (1.14e14 yuan, a national GDP); 1e16
#: leaves ~100x room. Past either bound a number is no figure: 400 digits used to become
#: float('inf') and overflow the claim parser (a 500).
MAX_FIGURE_DIGITS = 15
MAX_FIGURE_VALUE = 10**16
#: Magnitude words after Arabic digits (or after a qualifier: "260余万元").
MAGNITUDES: dict[str, int] = {
    "万亿": 10**12, "千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3,
}
#: Qualifiers written before the number ("近400次") and after it ("250余条", "20次以上").
PREFIX_QUALIFIERS: tuple[str, ...] = ("超过", "不足", "不到", "近", "约", "逾")
SUFFIX_QUALIFIERS: tuple[str, ...] = ("余", "多", "以上", "以内", "左右")
#: Words in which a prefix-qualifier character is not a qualifier ("最近3年" is not "nearly 3").
NOT_QUALIFIER_WORDS: tuple[str, ...] = (
    "最近", "附近", "就近", "邻近", "节约", "预约", "签约", "制约", "公约", "条约", "契约",
    "邀约", "履约", "集约", "特约", "相约",
)
#: Fixed words that contain a Chinese numeral but state no count (names, slogans, idioms).
FIXED_WORDS: tuple[str, ...] = (
    "一系列", "一批", "统一", "第一", "一体", "同心圆", "一些", "一起", "一道", "一线",
    "一份份", "一个个", "一次次", "两个确立", "四个意识", "四个自信", "两个维护", "两个全覆盖",
    "八个一", "八项规定", "五年计划", "十五大", "十六大", "十七大", "十八大", "十九大", "二十大",
)
#: Characters that mark the next number as an ordinal, not a count.
ORDINAL_MARKERS: str = "第"
#: Opening quotes: a Chinese numeral right after one starts a slogan ("“四个意识”").
OPENING_QUOTES: str = "“「『\""

_CN_DIGITS = "零〇一二两三四五六七八九"
#: A round magnitude with no digit, read only after a qualifier ("近百人次", "上千名", "逾万人"):
#: "上" qualifies it only here ("上百" is a hundred or more; "线上3场" is no "上3").
_BARE_MAGNITUDES = "百千万"
_BARE_QUALIFIER = "上"
_CN_NUMERAL_CHARS = _CN_DIGITS + "十百千万亿"
_CN_ZERO_STARTS = "零〇"
_LONE_ONE = "一"
#: A trailing magnitude word stays a word when normalising, as reports write it ("30万元").
_KEPT_MAGNITUDES = "万亿"
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%"})
# Full-width digits and signs, and U+2212 MINUS SIGN, read as ASCII (one character for one, so
# offsets into the work copy are offsets into the text).
_WORK_TABLE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": ".",
                             "－": "-", "\u2212": "-"})


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first so "人次" wins over "人"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_AR = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_CN = rf"[{_CN_DIGITS}十][{_CN_NUMERAL_CHARS}]*(?:点[{_CN_DIGITS}]+)?"
_PATTERN = re.compile(
    rf"(?P<pre>{_alt(PREFIX_QUALIFIERS)})?"
    r"(?:"
    rf"百分之(?:(?P<par>(?<![0-9.])(?<![A-Za-z_\-]){_AR})|(?P<pcn>{_CN}))"
    r"|"
    rf"(?:(?P<ar>(?<![0-9.A-Za-z_\-])-?{_AR})|(?P<cn>(?<![{_CN_NUMERAL_CHARS}0-9.]){_CN})"
    rf"|(?P<bare>(?:(?<=近|逾|上)|(?<=超过|不到|不足))[{_BARE_MAGNITUDES}](?![{_CN_DIGITS}十百千])))"
    r"(?P<q1>余|多)?"
    rf"(?P<mag>{_alt(MAGNITUDES)})?"
    r"(?P<q2>余|多)?"
    rf"(?:[ \u3000]?(?P<unit>{_alt([*UNITS, *UNIT_ALIASES])}))?"
    r")"
    r"(?P<post>以上|以内|左右)?"
)


@dataclass(frozen=True)
class Quantity:
    """One quantity: `value` with magnitudes applied (money in yuan), canonical `unit` ("" if none),
    `qualifier` ("" if exact) and the expression as written (`surface`)."""

    value: float
    unit: str
    qualifier: str
    surface: str


@dataclass(frozen=True)
class QuantityMatch:
    """A quantity found in running text: `text[start:end] == surface`."""

    start: int
    end: int
    quantity: Quantity

    @property
    def surface(self) -> str:
        """The matched expression as written."""
        return self.quantity.surface


@dataclass(frozen=True)
class _Candidate:
    """A regex match turned into a quantity, with the span of the Chinese numeral (if any)."""

    match: QuantityMatch
    cn_span: tuple[int, int] | None
    is_percent: bool


def _cn_value(numeral: str) -> Decimal | None:
    """The value of a Chinese numeral run via cn2an, or None when cn2an rejects it.

    cn2an is imported here, not at module top: importing it reads its packaged config.yaml, and
    importing this module must touch no disk (after the first call it comes from sys.modules).
    """
    import cn2an

    try:
        value = cn2an.cn2an(numeral, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return Decimal(str(value))


def _ar_value(digits: str) -> Decimal | None:
    """The value of Arabic digits with an optional minus sign, thousands separators and
    decimals; None past MAX_FIGURE_DIGITS digits (no figure)."""
    if sum(c.isdigit() for c in digits) > MAX_FIGURE_DIGITS:
        return None
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None


def _prefix_is_word(work: str, start: int, prefix: str) -> bool:
    """True when the prefix qualifier at `start` is really part of a word such as 最近 or 节约."""
    window = work[max(0, start - 1) : start + len(prefix) + 1]
    return any(w in window and (prefix in w) for w in NOT_QUALIFIER_WORDS)


def _in_fixed_word(work: str, start: int, end: int) -> bool:
    """True when [start, end) overlaps an occurrence of a fixed word."""
    longest = max(len(w) for w in FIXED_WORDS)
    lo = max(0, start - longest)
    window = work[lo : end + longest]
    for word in FIXED_WORDS:
        at = window.find(word)
        while at >= 0:
            if lo + at < end and lo + at + len(word) > start:
                return True
            at = window.find(word, at + 1)
    return False


def _cn_rejected(work: str, start: int, end: int, unit: str, numeral: str) -> bool:
    """Running-text rules for a Chinese numeral (see the module docstring)."""
    if not unit or numeral[0] in _CN_ZERO_STARTS or numeral == _LONE_ONE:
        return True
    if start > 0 and work[start - 1] in OPENING_QUOTES:
        return True
    return _in_fixed_word(work, start, end)


def _candidate(m: re.Match[str], text: str, work: str, strict: bool, figure_end: int = -1) -> _Candidate | None:
    """Turn one regex match into a candidate, or None when a running-text rule rejects it.
    `figure_end` is where the figure before it ends: a dash right after a figure joins a range
    ("6%-6.5%", "3万-5万元"), it is no minus sign of the next one."""
    name = next(g for g in ("par", "pcn", "ar", "cn", "bare") if m.group(g) is not None)
    num_start, num_end = m.span(name)
    numeral = m.group(name)
    start = m.start()
    if name == "ar" and numeral.startswith("-") and figure_end >= 0 and not work[figure_end:num_start].strip():
        numeral, num_start = numeral[1:], num_start + 1
        start = max(start, num_start)
    value = _cn_value(f"一{numeral}") if name == "bare" else _cn_value(numeral) if name in ("pcn", "cn") \
        else _ar_value(numeral)
    if value is None:
        return None
    is_percent = name in ("par", "pcn")
    raw_unit = "" if is_percent else (m.group("unit") or "")
    unit = "%" if is_percent else UNIT_ALIASES.get(raw_unit, raw_unit)
    mag = "" if is_percent else (m.group("mag") or "")
    end = m.end()
    prefix = m.group("pre") or ""
    if strict:
        if prefix and _prefix_is_word(work, start, prefix):
            start, prefix = start + len(prefix), ""
        if num_start > 0 and work[num_start - 1] in ORDINAL_MARKERS:
            return None
        if name == "cn" and _cn_rejected(work, num_start, num_end, unit, numeral):
            return None
        if raw_unit and len(raw_unit) == 1 and work[end : end + 1] == raw_unit:
            return None  # reduplicated classifier: 两个个
        after = work[end : end + 1]
        if name == "ar" and not raw_unit and after.isascii() and after.isalpha():
            return None  # a code such as 5G, not a quantity
    if name == "bare":  # only after a qualifier, and with a unit ("近百人次"; "近百年来" is a phrase)
        if not prefix and work[num_start - 1 : num_start] == _BARE_QUALIFIER:
            start, prefix = num_start - 1, _BARE_QUALIFIER
        if not prefix or not raw_unit:
            return None
    qualifier = prefix or m.group("q1") or m.group("q2") or m.group("post") or ""
    total = value * MAGNITUDES.get(mag, 1)
    if abs(total) >= MAX_FIGURE_VALUE:
        return None
    quantity = Quantity(float(total), unit, qualifier, text[start:end])
    cn_span = (num_start, num_end) if name == "cn" else None
    return _Candidate(QuantityMatch(start, end, quantity), cn_span, is_percent)


def _scan(text: str, strict: bool) -> Iterator[_Candidate]:
    """All candidates in `text`, left to right, never overlapping."""
    work = text.translate(_WORK_TABLE)
    figure_end = -1
    for m in _PATTERN.finditer(work):
        cand = _candidate(m, text, work, strict, figure_end)
        if cand is not None:
            figure_end = cand.match.end
            yield cand


def parse_quantity(text: str) -> Quantity | None:
    """Parse one quantity expression ("2.1万", "260余万元", "近400次", "百分之三十", "１２件", "三十五").

    The whole (stripped) text must be one expression; returns None otherwise. Unlike
    `find_quantities`, a bare Chinese numeral or a lone 一 is accepted here: the caller has
    already said this string is a quantity.
    """
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped:
        return None
    work = stripped.translate(_WORK_TABLE)
    m = _PATTERN.fullmatch(work)
    if m is None:
        return None
    cand = _candidate(m, stripped, work, strict=False)
    return None if cand is None else cand.match.quantity


def find_quantities(text: str) -> list[QuantityMatch]:
    """Every quantity in running text with its span; `text[m.start:m.end] == m.surface`.

    Arabic numbers are taken with or without a unit; Chinese numerals only before a unit or
    classifier, and only outside fixed words, ordinals and quoted slogans. Never raises.
    """
    if not isinstance(text, str):
        return []
    return [cand.match for cand in _scan(text, strict=True)]


def _arabic(value: Decimal) -> str:
    """Arabic digits for a value, without exponent notation or a trailing ".0"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def normalize_numerals(text: str) -> str:
    """Full-width digits and ％ → ASCII (CJK punctuation kept); "．" between digits → ".";
    Chinese numerals before a classifier → Arabic ("三十五件" → "35件", "二十二年" → "22年"),
    keeping a trailing 万/亿 as reports write it ("三十万元" → "30万元", "十二点五万元" → "12.5万元").

    Percentages written 百分之… keep their words. Idempotent: normalising twice changes nothing.
    """
    if not isinstance(text, str):
        return ""
    folded = text.translate(_FULLWIDTH)
    folded = re.sub(r"(?<=[0-9])．(?=[0-9])", ".", folded)
    parts: list[str] = []
    last = 0
    for cand in _scan(folded, strict=True):
        if cand.cn_span is None or cand.is_percent:
            continue
        lo, hi = cand.cn_span
        value = _cn_value(folded[lo:hi])
        if value is None:  # pragma: no cover - the scan already parsed it
            continue
        numeral = folded[lo:hi]
        tail = numeral[-1] if numeral[-1] in _KEPT_MAGNITUDES else ""
        scale = MAGNITUDES[tail] if tail else 1
        parts.append(folded[last:lo])
        parts.append(_arabic(value / scale) + tail)
        last = hi
    parts.append(folded[last:])
    return "".join(parts)
