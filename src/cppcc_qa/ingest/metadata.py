"""What a report is: its issuing body, kind, title, date and the period it covers.

Given values (front matter, `cppcc-qa add --body/--title/--date`, an upload's form fields) win and
are checked; missing ones are inferred from the text and the file name:
- the body from "政协XX市委员会" / "XX市政协" (`readers.detect_committee`) or "我代表国务院" /
  "XX市人民政府" / "…人民代表大会常务委员会";
- the date from the "——2021年3月5日在…会议上" line, else a year in the file name or title;
- the kind from the title ("政府工作报告", "政协工作报告", "常委会工作报告", "综述"…);
- the title from a heading that names the kind of report, else the file name, with the year put
  in front when a yearly report's title lacks one ("政府工作报告" → "2021年政府工作报告");
- the period from a review heading ("一、2018年工作回顾") and the date.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from cppcc_qa.errors import IngestError
from cppcc_qa.text.periods import date_in_text, parse_date, section_period, year_of_date, years_in
from cppcc_qa.text.places import LEVEL_PATTERN

__all__ = ["is_heading", "ReportMeta", "infer_metadata", "KINDS", "display_name"]

#: Kinds of report, by a word their titles carry (first match wins).
KINDS: tuple[tuple[str, str], ...] = (
    ("政府工作报告", "政府工作报告"),
    ("常务委员会工作报告", "常委会工作报告"),
    ("常委会工作报告", "常委会工作报告"),
    ("综述", "综述"),
    ("公报", "公报"),
    ("讲话", "讲话"),
    ("规划", "规划"),
    ("政协", "政协工作报告"),
    ("工作报告", "工作报告"),
)
_TITLE_WORDS = re.compile(r"报告|综述|公报|讲话|规划|纲要|总结|情况")
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.M)
_SPEAKER = re.compile(r"我代表([\u4e00-\u9fff]{0,20}?(?:国务院|人民政府|常务委员会|常委会|委员会))")
_GOVERNMENT = re.compile(rf"([\u4e00-\u9fff]{{1,10}}?{LEVEL_PATTERN})人民政府")
#: How far into the text the date line of a speech is looked for.
DATE_LINE_CHARS = 800
_REVIEW = re.compile(r"((?:19|20)\d{2})年[^，。]{0,6}(?:工作)?回顾")


@dataclass(frozen=True)
class ReportMeta:
    body: str
    kind: str
    title: str
    date: str
    period: str


def _kind(*texts: str) -> str:
    for text in texts:
        for word, kind in KINDS:
            if word in text:
                return kind
    return "报告"


def _body(text: str, committee: str) -> str:
    if committee:
        return committee
    m = _SPEAKER.search(text)
    if m:
        return m.group(1)
    govs = Counter(m.group(1) + "人民政府" for m in _GOVERNMENT.finditer(text[:DATE_LINE_CHARS * 4]))
    return govs.most_common(1)[0][0] if govs else ""


def _title(text: str, stem: str, given: str, fallback: str) -> str:
    """The given title; else a heading that names a kind of report; else a file name that does
    ("2019年政府工作报告.txt"); else `fallback` (the reader's first heading or line)."""
    if given:
        return given
    heads = [h for h in _HEADING.findall(text[: DATE_LINE_CHARS * 2]) if not h.endswith(("：", ":"))]
    named = next((h for h in heads if _TITLE_WORDS.search(h) and len(h) <= 40 and not h.startswith("——")), "")
    if named:
        return named
    if re.search(r"[\u4e00-\u9fff]", stem) and _TITLE_WORDS.search(stem):
        return stem
    return fallback or stem


def _checked_date(given: str, source: str) -> str:
    date = parse_date(given)
    if date is None:
        raise IngestError(f"{source}: date {given!r} is not a date (use 2024, 2024-03 or 2024-03-05)")
    return date


def infer_metadata(text: str, stem: str, committee: str, given: dict[str, str], source: str,
                   fallback_title: str = "") -> ReportMeta:
    """The report's metadata: `given` values (checked) first, the rest inferred."""
    for key in ("body", "title"):
        if key in given and not str(given[key]).strip():
            raise IngestError(f"{source}: {key} is empty")
    date = _checked_date(given["date"], source) if given.get("date") else ""
    title = _title(text, stem, given.get("title", "").strip(), fallback_title)
    if not date:
        date = date_in_text(text[:DATE_LINE_CHARS]) or ""
    if not date:
        ys = years_in(stem) or years_in(title) or tuple(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", stem))
        date = str(ys[0]) if ys else ""
    kind = given.get("kind", "").strip() or _kind(title, stem, text[:DATE_LINE_CHARS])
    year = year_of_date(date)
    if year and not given.get("title") and not years_in(title) and kind in ("政府工作报告", "政协工作报告", "常委会工作报告", "工作报告"):
        title = f"{year}年{title}"
    body = given.get("body", "").strip() or _body(text, committee)
    period = given.get("period", "").strip()
    if not period and year:
        m = _REVIEW.search(text)
        p = section_period(m.group(0), year) if m else None
        period = f"{p.start}—{year}" if p and p.start < year else str(year)
    return ReportMeta(body, kind, title, date, period)


def display_name(committee: str, title: str) -> str:
    """How a reply names where a passage comes from: the committee, else the title (which for
    a yearly report carries its year); never empty."""
    return committee or title or "报告"


#: Below this many characters a section title is a label ("图片说明"), not a heading of the report.
MIN_HEADING_CHARS = 6


def is_heading(section: str) -> bool:
    """Whether a section title heads a part of the report: not empty, not a salutation
    ("各位代表："), not a short label ("图片说明")."""
    section = section.strip()
    return len(section) >= MIN_HEADING_CHARS and not section.endswith(("：", ":"))
