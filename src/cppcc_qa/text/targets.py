"""Targets and outcomes: whether a statement sets a goal or reports what was done.

Work reports set targets in plan language ("预期目标", "拟安排", "要…", "力争", "5.5%左右" in a
plan) and report outcomes in review language ("完成", "实现", "增长6.6%" under "过去一年"). A
target is never evidence for an outcome, nor the reverse: the fact checker and the answer scorer
both ask `is_target` of a report's sentence and of a claim or question.
"""
from __future__ import annotations

import re

from cppcc_qa.text.periods import Period

__all__ = ["is_target", "asks_target", "asks_outcome", "is_plan", "TARGET_PATTERN"]

#: Plan language: words that make a figure a goal, not a result.
TARGET_PATTERN = re.compile(r"预期目标|主要预期|预期增长|预计|拟[安按定将用]?|计划[安用]|力争|争取|目标是|目标为|主要目标")
_DONE = re.compile(r"完成了|实现了|达到了|过去一年|一年来|已经|已达|好于预期|超预期|超出预期|高于预期|低于预期")


def is_target(sentence: str) -> bool:
    """Whether a report sentence states a target ("今年…预期目标…5.5%左右", "拟安排…")."""
    return bool(TARGET_PATTERN.search(sentence)) and not _DONE.search(sentence)


def asks_target(text: str) -> bool:
    """Whether a claim or question is about a target ("…提出的增长目标", "拟安排…", "计划…")."""
    return bool(re.search(r"目标|预期|预计|拟|计划|力争|要求|提出要", text))


def asks_outcome(text: str) -> bool:
    """Whether a question or claim says it wants what was done, not what was planned ("实际新开工
    了多少", "最终完成了多少")."""
    return bool(re.search(r"实际|最终|实实在在|完成了|实现了|达到了|做到了", text)) and not asks_target(text)


def is_plan(statement: str, period: Period | None, report_year: int | None, reviews_last_year: bool) -> bool:
    """Whether a report statement is a plan: in plan language, or — in a report given early in a
    year that reviews the one before — about the report's own year ("今年…5.3万个")."""
    own_year = report_year is not None and period == Period(report_year, report_year)
    return is_target(statement) or (reviews_last_year and own_year)
