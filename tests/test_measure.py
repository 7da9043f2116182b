"""What a figure counts: one implementation, read three ways (figures table, scorer, checker)."""
from __future__ import annotations

import pytest

from cppcc_qa.text.measure import counted_terms, coverage, measure_phrase
from cppcc_qa.text.numerals import find_quantities


def _at(text: str, surface: str) -> tuple[int, int]:
    (m,) = [q for q in find_quantities(text) if q.surface == surface]
    return m.start, m.end


@pytest.mark.parametrize(("text", "surface", "measure"), [
    ("调结案件35件", "35件", "调结案件"),
    ("协调落实乡村振兴帮扶资金260余万元", "260余万元", "乡村振兴帮扶资金"),
    ("推荐29名委员担任特约监督员", "29名", "委员"),
    ("累计开展协商活动2.1万场次", "2.1万场次", "协商活动"),
    ("2024年以来全市建成委员工作室149个", "149个", "委员工作室"),
    ("履职历程已有22年", "22年", "履职历程"),
])
def test_measure_phrase_names_what_is_counted(text: str, surface: str, measure: str) -> None:
    start, end = _at(text, surface)
    assert measure_phrase(text, start, end, 0) == measure


def test_counted_terms_prefer_the_noun_after_a_classifier_then_the_nearest_before() -> None:
    text = "124名政协委员参与诉前调解，调结案件35件"
    start, end = _at(text, "124名")
    assert counted_terms(text, start, end, 0, len(text))[:2] == ["政协", "委员"]
    start, end = _at(text, "35件")
    assert counted_terms(text, start, end, text.index("调结"), len(text)) == ["案件", "调结"]


def test_coverage_weighs_words_near_the_figure_more() -> None:
    idf = lambda t: 1.0  # noqa: E731
    terms = ["工作室", "委员", "建立"]
    near = coverage(terms, lambda t: float(t == "工作室"), idf)
    far = coverage(terms, lambda t: float(t == "建立"), idf)
    assert near > 0.4 > far > 0
    assert coverage(terms, lambda t: 1.0, idf) == pytest.approx(1.0)
    assert coverage(terms, lambda t: float(t == "建立"), idf, decay=1.0) == pytest.approx(1 / 3)
    assert coverage([], lambda t: 1.0, idf) == 0.5 and coverage([], lambda t: 1.0, idf, empty=0.0) == 0.0


@pytest.mark.parametrize(("before", "change"), [
    ("今年拟安排地方政府专项债券2.15万亿元，比去年增加", True),
    ("较上年多", True),
    ("国内生产总值增长", True),
    ("居民消费价格上涨到", False),
    ("城镇新增就业", False),
    ("调结案件", False),
])
def test_a_change_is_told_from_a_level(before: str, change: bool) -> None:
    from cppcc_qa.text.measure import is_change

    assert is_change(before) is change
