"""Quantity parsing, finding and normalising: exact examples from the reports plus properties."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cppcc_qa.text.numerals import (
    Quantity,
    find_quantities,
    normalize_numerals,
    parse_quantity,
)

# Characters that make the scanner work hard: numerals, magnitudes, qualifiers, units, quotes.
_TRICKY = "0123456789０１２.．,%％零〇一二两三四五六七八九十百千万亿点余多近约超过以上第个件次年人（次）“”元大系列批统 "


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("2.1万", 21000.0, "", ""),
        ("91.69亿元", 9169000000.0, "元", ""),
        ("二十二年", 22.0, "年", ""),
        ("260余万元", 2600000.0, "元", "余"),
        ("近400次", 400.0, "次", "近"),
        ("1.9万余人次", 19000.0, "人次", "余"),
        ("180多人（次）", 180.0, "人次", "多"),
        ("35件", 35.0, "件", ""),
        ("百分之三十", 30.0, "%", ""),
        ("三十五", 35.0, "", ""),
        ("5 所", 5.0, "所", ""),
        ("１２件", 12.0, "件", ""),
        ("约3.5万人", 35000.0, "人", "约"),
        ("超过1,186次", 1186.0, "次", "超过"),
        ("20次以上", 20.0, "次", "以上"),
        ("12.5%", 12.5, "%", ""),
        ("两千三百万元", 23000000.0, "元", ""),
    ],
)
def test_parse_quantity_examples(text: str, value: float, unit: str, qualifier: str) -> None:
    q = parse_quantity(text)
    assert q == Quantity(value=value, unit=unit, qualifier=qualifier, surface=text)


@pytest.mark.parametrize("text", ["", "   ", "委员", "十十件", "35件和40件", "abc"])
def test_parse_quantity_rejects_non_quantities(text: str) -> None:
    assert parse_quantity(text) is None


def test_parse_quantity_surface_is_stripped_text() -> None:
    q = parse_quantity("  260余万元\n")
    assert q is not None and q.surface == "260余万元"


def test_find_quantities_in_running_text() -> None:
    text = "累计开展协商议事活动2.1万场次、解决问题1.9万件，培育九大重点产业链，二十二年来"
    found = [(m.surface, m.quantity.value, m.quantity.unit) for m in find_quantities(text)]
    assert found == [
        ("2.1万场次", 21000.0, "场次"),
        ("1.9万件", 19000.0, "件"),
        ("九大", 9.0, "大"),
        ("二十二年", 22.0, "年"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "建立一系列制度",
        "打造了一批品牌",
        "发挥统一战线组织的独特优势",
        "严格落实“第一议题”制度",
        "融学习教育于一体",
        "画出最大同心圆",
        "增强“四个意识”、做到“两个维护”",
        "涌现一个个身影，提出一份份建言，开展一次次实践",
        "党的二十大精神",
        "制定文史资料征编工作五年计划",
        "委员“八个一”履职",
        "举办第一次委员培训班",
        "十万火急",
        "“千站千室万名委员”",
        "零件",
    ],
)
def test_find_quantities_is_conservative_with_chinese_numerals(text: str) -> None:
    assert find_quantities(text) == []


def test_qualifier_inside_a_word_is_not_a_qualifier() -> None:
    (m,) = find_quantities("最近3年")
    assert (m.surface, m.quantity.qualifier) == ("3年", "")
    (m,) = find_quantities("开展各类活动近400次")
    assert (m.surface, m.quantity.qualifier) == ("近400次", "近")


def test_codes_and_ordinals_are_not_quantities() -> None:
    assert find_quantities("5G网络，H5页面，第3次会议") == []


def test_find_quantities_offsets_with_full_width_digits() -> None:
    text = "帮办实事１２件"
    (m,) = find_quantities(text)
    assert (m.start, m.end, m.quantity.value) == (4, 7, 12.0)
    assert text[m.start : m.end] == m.surface == "１２件"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("调结案件三十五件", "调结案件35件"),
        ("二十二年的砥砺奋进", "22年的砥砺奋进"),
        ("帮办实事１２件，占３０％", "帮办实事12件，占30%"),
        ("增长１２．５％。", "增长12.5%。"),
        ("严格落实“第一议题”制度，建立一系列制度", "严格落实“第一议题”制度，建立一系列制度"),
        ("百分之三十的委员", "百分之三十的委员"),
        ("十二点五万元", "12.5万元"),
        ("协调资金三十万元", "协调资金30万元"),
        ("三亿五千万元", "35000万元"),
    ],
)
def test_normalize_numerals_examples(text: str, expected: str) -> None:
    assert normalize_numerals(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**8))
def test_chinese_numeral_with_classifier_round_trips(n: int) -> None:
    q = parse_quantity(cn2an.an2cn(n) + "件")
    assert q is not None and q.value == n and q.unit == "件"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=4))
def test_arabic_with_wan_round_trips(digits: int, places: int) -> None:
    number = Decimal(digits).scaleb(-places)
    q = parse_quantity(f"{number:f}万件")
    assert q is not None and q.value == float(number * 10_000) and q.unit == "件"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_TRICKY)))
def test_normalize_numerals_is_idempotent(text: str) -> None:
    once = normalize_numerals(text)
    assert normalize_numerals(once) == once


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_TRICKY)))
def test_find_quantities_spans_match_surface(text: str) -> None:
    for m in find_quantities(text):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.surface


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_TRICKY))
def test_parse_quantity_never_raises(text: str) -> None:
    q = parse_quantity(text)
    assert q is None or q.surface == text.strip()


def test_importing_does_not_load_cn2an() -> None:
    """cn2an reads a config file when imported, so it is loaded on first use only."""
    src = Path(__file__).resolve().parents[1] / "src"
    code = "import sys, cppcc_qa.text.numerals, cppcc_qa.factcheck.figures; sys.exit('cn2an' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(src)}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


@pytest.mark.parametrize("text, value, unit, qualifier, surface", [
    ("参加政协各类会议活动近百人次。", 100, "人次", "近", "近百人次"),
    ("吸引上千名群众参与", 1000, "名", "上", "上千名"),
    ("逾万人次参加", 10000, "人次", "逾", "逾万人次"),
    ("投资超过百万元", 1_000_000, "元", "超过", "超过百万元"),
    ("帮助近千万家庭", 10_000_000, "家", "近", "近千万家"),
])
def test_round_magnitude_after_a_qualifier(text: str, value: float, unit: str, qualifier: str, surface: str) -> None:
    (m,) = find_quantities(text)
    assert (m.quantity.value, m.quantity.unit, m.quantity.qualifier, m.quantity.surface) == (value, unit, qualifier, surface)
    assert text[m.start : m.end] == surface


@pytest.mark.parametrize("text", ["最近百家企业入驻", "数百人参加", "近百", "线上百姓说事", "上万"])
def test_round_magnitude_needs_a_qualifier_and_a_unit(text: str) -> None:
    assert [m.quantity.surface for m in find_quantities(text) if "百" in m.quantity.surface or "万" in m.quantity.surface] == []
