"""Which figure of a sentence a question asks for: the action word before 多少 (text.measure.
asked_action), whether a figure's clause holds it (scoring.asked_fit), the sentence's score moved to
the figure it attaches to (compose.reattach), and a purpose clause quoted with the clause it
depends on."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cppcc_qa.answer.compose import reattach
from cppcc_qa.answer.scoring import ASKED_NONE, Candidate, asked_fit
from cppcc_qa.service import build_service
from cppcc_qa.settings import ScoringConfig, Settings
from cppcc_qa.text.measure import asked_action
from cppcc_qa.text.numerals import find_quantities
from cppcc_qa.text.spans import Span


@pytest.mark.parametrize(("question", "action"), [
    ("立案了多少件提案？", "立案"),
    ("收到了多少件提案？", "收到"),
    ("总投资有多少？", "投资"),
    ("一共拿出了多少钱", "拿出"),
    ("GDP增长了多少", "增长"),
    ("提出了几条建议", "提出"),
    ("平凉市政协有多少个委员工作室？", ""),  # a body, not an action
    ("多少人参加了培训？", ""),  # nothing before the question word
    ("委员工作室是什么？", ""),  # no figure asked
    ("城镇老旧小区惠及了多少家庭？", "惠及"),  # jieba tags 惠及 a place; 了 makes it a verb
    ("武威市政协有多少件提案？", ""),  # 有 is no aspect mark: the body stays a body
])
def test_the_action_a_figure_is_asked_by(question: str, action: str) -> None:
    assert asked_action(question) == action


def test_a_clause_holding_the_action_fits_and_one_beside_a_rival_holding_it_does_not() -> None:
    cfg = ScoringConfig()
    rivals = ["经审查立案148件"]
    assert asked_fit("立案", "经审查立案148件", [], 0.0, cfg) == 1.0
    assert asked_fit("立案", "县政协共收到委员提案163件", rivals, 0.0, cfg) == -1.0
    assert asked_fit("立案", "县政协共收到委员提案163件", [], 0.0, cfg) == 0.0  # said nowhere: no evidence either way
    assert asked_fit("", "县政协共收到委员提案163件", rivals, 0.0, cfg) == ASKED_NONE
    # "办了几场": 办 stands in 举办 beside another figure, which is no sign that this figure is not it
    assert asked_fit("办", "开展主席荐书等活动18场次", ["举办读书分享会5次"], 0.0, cfg) == 0.0


def _cand(text: str, start: int, surface: str, score: float, fit: float) -> Candidate:
    qm = next(m for m in find_quantities(text) if m.quantity.surface == surface)
    sentence = Span(0, len(SENTENCE), SENTENCE)
    return Candidate(score, 0, Span(start, start + len(text), text), sentence, qm, asked=fit)


SENTENCE = "县政协共收到委员提案163件，经审查立案148件，已全部办结"


def test_the_sentences_score_moves_to_the_figure_its_action_word_counts() -> None:
    received = _cand("县政协共收到委员提案163件", 0, "163件", 0.84, -1.0)
    filed = _cand("经审查立案148件", 15, "148件", 0.47, 1.0)
    out = {c.quantity.quantity.surface: c.score for c in reattach([received, filed])}  # type: ignore[union-attr]
    assert out == {"148件": 0.84, "163件": 0.47}
    # the attached figure already leading, or no figure holding the word: nothing moves
    assert reattach([replace(received, score=0.3), filed])[1].score == 0.47
    assert reattach([received, replace(filed, asked=-1.0)])[0].score == 0.84


REPORT = """云岭县政协2024年工作报告

——2025年1月8日在政协云岭县第十届委员会第五次会议上

一、2024年工作回顾

过去一年，县政协共收到委员提案163件，经审查立案148件，已全部办结。

加强机关建设。建成集学习交流、委员服务、议事协商于一体的网上议政大厅，以信息化手段推动政协工作提质增效。

县政协建成委员工作站19个，全年接待群众来访1260人次。
"""


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("county")
    svc = build_service(Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash",
                                 lexicon_embedder=""))
    svc.add_files([("yunling-2024.txt", REPORT.encode())], metadata={"body": "云岭县政协"})
    return svc


def test_each_figure_of_a_sentence_answers_its_own_action(county) -> None:
    filed = county.ask("云岭县政协立案了多少件提案？")
    received = county.ask("云岭县政协收到了多少件提案？")
    assert filed.answerable and "148件" in filed.answer and "163件" not in filed.answer
    assert received.answerable and "163件" in received.answer


def test_a_purpose_clause_is_quoted_with_what_was_done(county) -> None:
    answer = county.ask("云岭县政协在信息化手段方面做了什么？")
    assert answer.answerable and "网上议政大厅" in answer.answer  # not "以信息化手段推动…" alone
