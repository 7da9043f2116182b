"""The one table of units and families (text/units.py) and the one input check (text/validate.py)."""
from __future__ import annotations

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.text.units import ANY_COUNT, RELATED_FACTOR, asked_unit, compatibility, compatible, is_unit_word
from cppcc_qa.text.validate import clean_text


@pytest.mark.parametrize(("question", "unit"), [
    ("武威市政协调结了多少件案件？", "件"),
    ("平凉建成了几个委员工作室", "个"),
    ("总投资多少亿元？", "元"),
    ("帮扶资金有多少万元", "元"),
    ("总投资多少亿？", ""),
    ("培训了多少人次", "人次"),
    ("政协是哪一年成立的", ""),
])
def test_asked_unit(question: str, unit: str) -> None:
    assert asked_unit(question) == unit


def test_families_make_units_compatible() -> None:
    assert compatibility("件", "件") == 1.0
    assert compatibility("人", "名") == RELATED_FACTOR  # 多少人 is answered by 124名
    assert compatibility("次", "人次") == RELATED_FACTOR  # 人次 counts occasions too
    assert compatibility("个", "项") == RELATED_FACTOR
    assert compatibility("个", "元") == 0.0
    assert compatibility("", "元") == 1.0  # nothing asked: anything goes
    assert compatible(ANY_COUNT, "件") and not compatible(ANY_COUNT, "元") and not compatible(ANY_COUNT, "%")


def test_unit_words_are_not_topic() -> None:
    assert is_unit_word("人次") and is_unit_word("亿元") and not is_unit_word("委员")


def test_clean_text_one_rule_for_every_door() -> None:
    assert clean_text("  你好  ", "问题/question", 10) == "你好"
    with pytest.raises(InputError, match="question is empty"):
        clean_text("   ", "问题/question", 10)
    with pytest.raises(InputError, match="at most 3 are allowed"):
        clean_text("一二三四", "问题/question", 3)
    with pytest.raises(InputError, match="control character U\\+0007"):
        clean_text("a\x07b", "问题/question", 10)
    with pytest.raises(InputError, match="U\\+200B"):
        clean_text("a\u200bb", "问题/question", 10)
    with pytest.raises(InputError, match="surrogate"):
        clean_text("a\ud800", "问题/question", 10)
    with pytest.raises(InputError, match="string"):
        clean_text(5, "问题/question", 10)
    assert clean_text("", "评论/comment", 10, required=False) == ""
    assert clean_text("第一行\n第二行", "稿件/draft", 20) == "第一行\n第二行"


# -- places and the bodies named after them (text/places.py) -----------------------------------
from cppcc_qa.text.places import body_aliases, place_of, split_place  # noqa: E402


@pytest.mark.parametrize(("name", "place", "level"), [
    ("武威市政协", "武威", "市"),
    ("政协平凉市委员会", "平凉", "市"),
    ("临夏回族自治州政协", "临夏", "自治州"),
    ("海西蒙古族藏族自治州", "海西", "自治州"),
    ("云岭县政协", "云岭", "县"),
    ("武威", "武威", ""),
])
def test_split_place(name: str, place: str, level: str) -> None:
    assert split_place(name) == (place, level)
    assert place_of(name) == place


def test_body_aliases_follow_the_level_not_a_fixed_市() -> None:
    assert body_aliases("云岭县政协")[:3] == ("云岭县政协", "中国人民政治协商会议云岭县委员会", "政协云岭县委员会")
    assert "云岭县" in body_aliases("云岭县政协") and "云岭市" not in body_aliases("云岭县政协")
    assert "政协临夏回族自治州委员会" in body_aliases("临夏回族自治州政协")
