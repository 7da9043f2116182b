"""The work-report glossary: everyday words and English phrases meet the reports' wording."""
from __future__ import annotations

from pathlib import Path

import pytest

from cppcc_qa.text.glossary import covered, default_glossary, load_glossary
from cppcc_qa.text.numerals import find_quantities
from cppcc_qa.text.targets import asks_outcome
from cppcc_qa.text.units import compatible


def test_everyday_words_stand_for_report_wordings() -> None:
    g = default_glossary()
    eq = g.equivalents("咱们国家60岁以上的老人有多少了?")
    assert ("老人", ("60岁以上人口", "老年人口", "老年人")) in eq
    assert covered("我国60岁以上人口已达2.5亿", eq).endswith("老人")
    assert covered("全年粮食产量1.37万亿斤", eq) == "全年粮食产量1.37万亿斤"  # nothing to add
    # the longest phrase wins and a wording the question already holds adds nothing
    assert [k for k, _ in g.equivalents("今年经济增长目标是多少")] == ["经济增长"]
    assert g.equivalents("高校毕业生有多少") == ()


def test_english_phrases_before_single_words() -> None:
    terms, rest = default_glossary().english("How much foreign investment did China actually use in 2018?")
    assert terms[0] == "实际使用外资" and "foreign" not in rest and "investment" not in rest
    terms, _ = default_glossary().english("How much grain did China produce?")
    assert terms == ("粮食产量",)


def test_a_glossary_file_of_staff(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("zh:\n  娃娃: [儿童]\nen:\n  Kids: [儿童]\n", encoding="utf-8")
    g = load_glossary(path)
    assert g.equivalents("娃娃上学") == (("娃娃", ("儿童",)),)
    assert g.english("kids in school")[0] == ("儿童",)
    path.write_text("zh: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_glossary(path)


def test_outcome_questions_and_other_currencies() -> None:
    assert asks_outcome("2021年全国实际新开工改造了多少个城镇老旧小区？")
    assert not asks_outcome("2021年计划新开工改造多少个城镇老旧小区？")
    assert not asks_outcome("2021年新开工改造多少个城镇老旧小区？")
    (m,) = find_quantities("实际使用外资1383亿美元")
    assert m.quantity.unit == "美元" and not compatible("元", "美元")
