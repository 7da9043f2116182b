"""Targets and outcomes (text/targets.py), and the fact checker's use of them and of time."""
from __future__ import annotations

import pytest

from cppcc_qa.factcheck.claims import compare
from cppcc_qa.records import Figure
from cppcc_qa.service import QAService
from cppcc_qa.text.targets import asks_target, is_target


@pytest.mark.parametrize(("sentence", "target"), [
    ("今年发展主要预期目标是：国内生产总值增长5.5%左右", True),
    ("今年拟安排地方政府专项债券3.65万亿元", True),
    ("经济恢复好于预期，全年国内生产总值增长2.3%", False),
    ("紧扣建设“两区两地”目标定位，累计形成协商成果40篇", False),
    ("过去一年，城镇新增就业1269万人", False),
])
def test_plan_language_marks_a_target(sentence: str, target: bool) -> None:
    assert is_target(sentence) is target


def test_a_claim_about_a_goal_asks_for_a_target() -> None:
    assert asks_target("2022年政府工作报告提出的经济增长预期目标是5.5%左右")
    assert not asks_target("2021年，全国城镇新增就业1269万人")


def _fig(value: float, qualifier: str, surface: str) -> Figure:
    return Figure("f", "", "服务业贡献率", value, "%", qualifier, "", surface, "p", "d", 0, 1)


def test_opposite_qualifiers_do_not_agree() -> None:
    assert compare(60, "超过", _fig(60, "近", "近60%")).kind == "differs"
    assert compare(5.5, "左右", _fig(5.5, "以内", "5.5%以内")).kind == "undecided"
    assert compare(60, "", _fig(60, "超过", "超过60%")).kind == "undecided"
    assert compare(260, "约", _fig(260, "", "260万元")).kind == "same"
    assert compare(260, "", _fig(260, "余", "260余万元")).kind == "same"  # a rounded count, not a bound


REPORTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "eval" / "reports"


@pytest.fixture(scope="module")
def reports_checker(tmp_path_factory: pytest.TempPathFactory) -> QAService:
    from cppcc_qa.service import build_service
    from cppcc_qa.settings import Settings

    root = tmp_path_factory.mktemp("gwr")
    svc = build_service(Settings(index_dir=root / "index", embedder="hash", lexicon_embedder=""))
    svc.build([REPORTS])
    return svc


@pytest.mark.parametrize(("claim", "verdict"), [
    ("2021年，全国城镇新增就业1269万人。", "supported"),  # the 2022 report's 过去一年
    ("2021年，全国城镇新增就业1186万人。", "refuted"),  # 1186万 is 2020's; 1100万以上 was a target
    ("2019年，全国城镇新增就业1352万人。", "not_found"),  # no report reviews 2019; its target is no outcome
    ("2021年政府工作报告安排中央预算内投资6100亿元。", "supported"),
    ("2018年服务业对经济增长的贡献率超过60%。", "refuted"),  # the report: 接近60%
    ("2019年政府工作报告提出，当年财政赤字2.76万亿元，其中中央财政赤字9300亿元。", "not_found"),
])
def test_claims_about_other_years_are_checked_against_the_right_year(reports_checker: QAService, claim: str,
                                                                      verdict: str) -> None:
    assert reports_checker.verify(claim).verdict == verdict
