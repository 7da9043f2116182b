"""Years and periods: the one home of time in report prose and in questions.

A report is given at a date (a government work report in March of year Y reviews Y-1 and plans
Y). A sentence speaks of a period: its own year ("2018年"), a relative one resolved against the
report's year ("过去一年", "去年", "一年来" → Y-1; "今年" → Y; "五年来" → Y-5…Y-1;
"2024年以来" → 2024…Y), else the period of its section heading ("一、2018年工作回顾"), else
nothing known. A question names years too, but "2019年政府工作报告" names a report, not a period:
`question_time` tells the two apart.

General Chinese only: no report, committee or figure is named here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from cppcc_qa.records import Document

__all__ = [
    "Period", "YEAR_MIN", "YEAR_MAX", "is_year", "years_in", "resolve", "section_period",
    "QuestionTime", "question_time", "year_of_date", "parse_date", "date_in_text", "strip_time", "parse_period", "reviews_last_year", "period_of", "LEAD_CHARS",
    "FIVE_YEAR_PLANS",
]

YEAR_MIN, YEAR_MAX = 1900, 2100
#: How many years longer than the asked span a sentence's period may be and still answer it.
SPAN_SLACK = 1
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2}|[〇零一二三四五六七八九]{4})(?=年)")
_SINCE = re.compile(r"(?<![\d.])((?:19|20)\d{2})年(?:以来|至今)")
_SPAN = re.compile(r"(?<![\d.])((?:19|20)\d{2})[—\-－~～至到](?:(?:19|20)?(\d{2}))年")
#: "过去五年" / "五年来" / "近五年": the N years before the report's year.
_LAST_N = re.compile(r"(?:过去|近|最近)([一两二三四五六七八九十\d]{1,2})年(?!级)|([两二三四五六七八九十\d]{1,2})年来")
#: The five-year plans by their ordinal: general knowledge of Chinese planning.
FIVE_YEAR_PLANS: dict[str, tuple[int, int]] = {
    "十一五": (2006, 2010), "十二五": (2011, 2015), "十三五": (2016, 2020),
    "十四五": (2021, 2025), "十五五": (2026, 2030),
}
#: Relative words and their offset from the report's year.
_RELATIVE: tuple[tuple[str, int], ...] = (
    ("过去一年", -1), ("一年来", -1), ("去年", -1), ("上一年", -1), ("上年", -1), ("前年", -2),
    ("今年", 0), ("本年度", 0), ("本年", 0), ("明年", 1),
)
#: A year right before one of these names a report, not the period asked about.
_REPORT_REF = re.compile(
    r"((?:19|20)\d{2})\s*年?\s*(?:的|那份|那个|这份|版|度)?\s*"
    r"(?:《)?(?:[\u4e00-\u9fff]{0,8}?)(?:工作报告|报告|综述|讲话|公报)》?"
    # "…报告里说，" / "…报告中提到": where, not what
    r"(?:里面|里|中|上)?(?:说|提到|讲|写|指出|显示)?(?:的|了)?[，,]?"
)


@dataclass(frozen=True)
class Period:
    """The years a statement speaks of, inclusive."""

    start: int
    end: int

    def covers(self, year: int) -> bool:
        return self.start <= year <= self.end

    def overlaps(self, years: tuple[int, ...]) -> bool:
        return any(self.covers(y) for y in years)

    def fits(self, years: tuple[int, ...]) -> bool:
        """Whether this period answers a question about `years`: it overlaps them and is at most
        `SPAN_SLACK` years longer ("过去五年" does not answer "2020年…"; "2024年以来" answers "2024年…")."""
        return self.overlaps(years) and (self.end - self.start) - (max(years) - min(years)) <= SPAN_SLACK

    @property
    def label(self) -> str:
        return f"{self.start}年" if self.start == self.end else f"{self.start}—{self.end}年"


def _cn_year(text: str) -> int:
    return int("".join(str(_CN_DIGITS[c]) for c in text)) if not text.isdigit() else int(text)


def _small(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 2 and text[0] == "十":
        return 10 + _SMALL[text[1]]
    if len(text) == 2 and text[1] == "十":
        return _SMALL[text[0]] * 10
    return _SMALL.get(text, 0)


def is_year(value: float) -> bool:
    return YEAR_MIN <= value <= YEAR_MAX and float(value).is_integer()


def years_in(text: str) -> tuple[int, ...]:
    """Every year written in the text ("2018年", "二〇二四年"), in order, without repeats."""
    out = [_cn_year(m.group(1)) for m in _YEAR.finditer(text)]
    return tuple(dict.fromkeys(y for y in out if YEAR_MIN <= y <= YEAR_MAX))


def resolve(text: str, report_year: int | None) -> Period | None:
    """The period a sentence (or clause) speaks of, by its own words, or None.

    Order: a span of years, "N年以来", a written year, a five-year plan, "过去N年", a relative word.
    Relative expressions need the report's year; without one they say nothing."""
    m = _SPAN.search(text)
    if m:
        a = int(m.group(1))
        b = int(m.group(1)[:2] + m.group(2))
        if a <= b:
            return Period(a, b)
    m = _SINCE.search(text)
    if m:
        return Period(int(m.group(1)), report_year or int(m.group(1)))
    ys = years_in(text)
    if ys:
        return Period(ys[0], ys[0])
    for name, (a, b) in FIVE_YEAR_PLANS.items():
        if re.search(rf"{name}[”」]?(?:时期|期间)", text):
            return Period(a, b)
    if report_year is None:
        return None
    m = _LAST_N.search(text)
    if m:
        n = _small(m.group(1) or m.group(2))
        if n == 1:
            return Period(report_year - 1, report_year - 1)
        if n > 1:
            return Period(report_year - n, report_year - 1)
    offset = _first_relative(text)
    return None if offset is None else Period(report_year + offset, report_year + offset)


#: A relative year after a comparison word is the base of a change, not the period spoken of
#: ("比去年增加8000亿元", "较上年下降").
_COMPARED = re.compile(r"(?:比|较|同比|相比|对比|高于|低于|超过|与)(?:上一年|上年|去年|前年|上年度)(?:同期)?")


def _first_relative(text: str) -> int | None:
    """The offset of the relative word written first ("今年…比去年" speaks of 今年); a year a
    change is measured from ("比去年增加") does not count."""
    text = _COMPARED.sub(" ", text)
    found = [(text.find(word), -len(word), off) for word, off in _RELATIVE if word in text]
    return min(found)[2] if found else None


def section_period(heading: str, report_year: int | None) -> Period | None:
    """The period a section heading gives the sentences under it ("一、2018年工作回顾"); None
    when it names none, or several ("“十三五”时期发展成就和“十四五”时期主要目标任务")."""
    if not heading:
        return None
    named = len(years_in(heading)) + sum(1 for name in FIVE_YEAR_PLANS if name in heading)
    return resolve(heading, report_year) if named <= 1 else None


_DATE = re.compile(r"^\s*((?:19|20)\d{2})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?\s*$")
_DATE_IN_TEXT = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")


#: A paragraph's opening words that may name the period of all it says ("过去一年，…").
LEAD_CHARS = 12


def period_of(sentence: str, paragraph: str, heading: str, report_year: int | None) -> Period | None:
    """The period a report sentence speaks of: by its own words, else by its paragraph's opening
    words, else by its section heading, each resolved against the report's year."""
    return (resolve(sentence, report_year) or resolve(paragraph[:LEAD_CHARS], report_year)
            or section_period(heading, report_year))


def parse_date(text: str) -> str | None:
    """An ISO date ("2024", "2024-03", "2024-03-05") from "2024-3-5", "2024年3月5日", "2024.03";
    None when the text is no date."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if mo and not 1 <= int(mo) <= 12 or d and not 1 <= int(d) <= 31:
        return None
    return y + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if d else "")


def parse_period(text: str) -> Period | None:
    """A document's period field ("2020—2021", "2024") as a Period; None when empty or unreadable."""
    ys = [int(y) for y in re.findall(r"(?:19|20)\d{2}", text)]
    return Period(min(ys), max(ys)) if ys else None


def year_of_date(date: str) -> int | None:
    """The year of an ISO date ("2024-03-05" → 2024); None for ""."""
    return int(date[:4]) if len(date) >= 4 and date[:4].isdigit() else None


def date_in_text(text: str) -> str | None:
    """The first full date written in Chinese in a text ("2021年3月5日" → "2021-03-05")."""
    m = _DATE_IN_TEXT.search(text)
    return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}") if m else None


@dataclass(frozen=True)
class QuestionTime:
    """What a question says about time: the years of its period, the year of a report it names,
    and whether it asks relative to a report ("今年", "去年") that must be resolved."""

    years: tuple[int, ...] = ()
    report_year: int | None = None
    relative: int | None = None  # offset from the report's year ("今年" 0, "去年" -1)
    report_ref: str = ""  # the words that name a report ("2019年政府工作报告")

    def period_years(self, report_year: int | None) -> tuple[int, ...]:
        """The years asked about, with a relative word resolved against `report_year`."""
        if self.years:
            return self.years
        if self.relative is not None and report_year is not None:
            return (report_year + self.relative,)
        return ()

    @property
    def named(self) -> bool:
        return bool(self.years or self.relative is not None)


def question_time(text: str) -> QuestionTime:
    """Read the time a question asks about: "2018年…" (a period), "2019年政府工作报告…" (a
    report), "今年/去年/过去一年…" (relative to the report asked about, or the latest)."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return _english_time(text)
    report_year = None
    rest = text
    m = _REPORT_REF.search(text)
    if m:
        report_year = int(m.group(1))
        rest = text[: m.start()] + " " + text[m.end() :]
    p = resolve(rest, None)
    years: tuple[int, ...] = tuple(range(p.start, p.end + 1)) if p else ()
    relative = None
    if not years:
        m2 = _LAST_N.search(rest)
        if m2 and _small(m2.group(1) or m2.group(2)) == 1:
            relative = -1
        else:
            relative = _first_relative(rest)
    return QuestionTime(years, report_year, relative, m.group(0) if m else "")


_EN_REPORT = re.compile(r"\b((?:19|20)\d{2})(?:'s)?\s+(?:[a-z]+\s+){0,3}?(?:report|speech|communiqu)", re.I)
_EN_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_EN_RELATIVE: tuple[tuple[str, int], ...] = (("last year", -1), ("past year", -1), ("previous year", -1),
                                             ("this year", 0), ("next year", 1))


def _english_time(text: str) -> QuestionTime:
    """The same for an English question: "the 2019 government work report", "in 2018", "last year"."""
    m = _EN_REPORT.search(text)
    report_year = int(m.group(1)) if m else None
    rest = text[: m.start()] + " " + text[m.end() :] if m else text
    years = tuple(dict.fromkeys(int(y) for y in _EN_YEAR.findall(rest)))
    low = rest.lower()
    relative = None if years else next((off for w, off in _EN_RELATIVE if w in low), None)
    return QuestionTime(years, report_year, relative, m.group(0) if m else "")


_TIME_WORDS = re.compile(
    r"(?:19|20)\d{2}年(?:以来|至今|底|末|初|全年|上半年|下半年)?(?:的)?"
    r"|(?:过去|近|最近)[一两二三四五六七八九十\d]{1,2}年(?:来|间|里)?|[两二三四五六七八九十\d]{1,2}年来"
    r"|过去一年|一年来|去年|上一年|上年|前年|今年|本年度|本年|明年"
)


def strip_time(text: str) -> str:
    """The text without its time expressions (they are matched as periods, not as words)."""
    return re.sub(r"\s+", " ", _TIME_WORDS.sub(" ", text)).strip()


def reviews_last_year(doc: Document) -> bool:
    """Whether a report was given early in its year and reviews the year before (period
    "2020—2021" on a 2021 report): what it says of its own year ("今年…5.3万个") is a plan."""
    p = parse_period(doc.period)
    return p is not None and doc.year is not None and p.start < doc.year
