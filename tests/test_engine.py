"""Answers on the built-in corpus with the real default embedder: right figures, cited, or a
polite refusal. Every figure in an answer must stand in the passage it cites."""
from __future__ import annotations

import re

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.records import Turn
from cppcc_qa.service import QAService

pytestmark = pytest.mark.model

_NUM = re.compile(r"\d+(?:\.\d+)?")


def _figures_stand_in_citation(answer) -> None:
    body = re.sub(r"\[\d+\]", "", answer.answer)
    cited = "".join(c.text for c in answer.citations)
    for n in _NUM.findall(body):
        assert n in cited, f"{n} in {answer.answer!r} is not in the cited passage"


@pytest.mark.parametrize(
    "question,figure,evidence",
    [
        ("武威市政协委员参与诉前调解调结了多少件案件？", "35件", "调结案件35件"),
        ("武威市政协委员参与诉前调解，调解成功了多少件？", "27件", "调解成功27件"),
        ("平凉市建成了多少个委员工作室？", "131个", "委员工作室131个"),
        ("武威市级委员工作室有多少个？", "19个", "市级19个"),
        ("平凉市政协履职历程有多少年？", "22年", "履职历程已有22年"),
        ("平凉委员工作室开展委员学习交流活动大约多少次？", "近400次", "近400次"),
        ("平凉市政协協調落實鄉村振興幫扶資金多少？", "260余万元", "帮扶资金260余万元"),
        ("How many projects did the Wuwei CPPCC sign through investment promotion?", "23", "签约引进项目23个"),
    ],
)
def test_figure_questions_are_answered_and_cited(engine: QAService, question: str, figure: str, evidence: str) -> None:
    a = engine.ask(question)
    assert a.answerable, a.answer
    assert figure in a.answer
    assert len(a.answer) <= 80
    assert a.citations and evidence in a.citations[0].text
    c = a.citations[0]
    assert c.quote and c.quote in c.text
    doc = next(d for d in engine.documents() if d.doc_id == c.doc_id)
    assert doc.text[c.start : c.end] == c.quote and doc.text[c.passage_start : c.passage_end] == c.text
    _figures_stand_in_citation(a)


def test_committee_named_in_question_is_preferred(engine: QAService) -> None:
    ping = engine.ask("平凉委员帮办实事多少件？")
    wuwei = engine.ask("武威委员工作室帮办实事多少件？")
    assert "765件" in ping.answer and "397" not in ping.answer and ping.citations[0].committee == "平凉市政协"
    assert "397件" in wuwei.answer and "765" not in wuwei.answer and wuwei.citations[0].committee == "武威市政协"


@pytest.mark.parametrize(
    "question",
    [
        "酒泉市政协2024年报送了多少条社情民意信息？",  # a committee the reports do not cover
        "武威市政协2025年的财政预算是多少？",  # a figure the reports do not give
        "武威市政协共有多少名委员？",  # total membership: not in the reports
        "平凉市2024年的GDP是多少？",
        "What is the annual budget of the Wuwei CPPCC?",
    ],
)
def test_unsupported_questions_are_refused(engine: QAService, question: str) -> None:
    a = engine.ask(question)
    assert a.answerable is False and a.citations == ()
    assert "抱歉" in a.answer or "Sorry" in a.answer


def test_refusal_names_the_unknown_committee(engine: QAService) -> None:
    a = engine.ask("酒泉市政协2024年报送了多少条社情民意信息？")
    assert "酒泉" in a.answer and "武威市政协" in a.answer


def test_follow_up_questions_use_the_earlier_turns(engine: QAService) -> None:
    first = "武威建成了多少个委员工作室？"
    assert "149" in engine.ask(first).answer
    then = engine.ask("那平凉呢？", [Turn(first, "")])
    assert "131" in then.answer and "149" not in then.answer
    med = "武威市政协委员参与诉前调解调结了多少件案件？"
    then = engine.ask("调解成功的呢？", [Turn(med, "")])
    assert "27件" in then.answer


def test_list_and_entity_answers(engine: QAService) -> None:
    a = engine.ask("武威市政协赴哪些省市开展招商引资？")
    assert all(x in a.answer for x in ("上海", "浙江", "江苏"))
    a = engine.ask("平凉市政协主席带领委员到哪个社区调研公共交通出行难问题？")
    assert "甘沟路社区" in a.answer


@pytest.mark.parametrize("bad", ["", "   ", "问" * 1001, "武威\x00政协", "武威\x1b[31m"])
def test_bad_questions_raise_input_error(engine: QAService, bad: str) -> None:
    with pytest.raises(InputError):
        engine.ask(bad)


def test_response_contract(engine: QAService) -> None:
    d = engine.ask("武威市政协围绕中心工作累计形成了多少篇协商成果？").to_dict()
    assert set(d) >= {"question", "answer", "answerable", "citations", "timings_ms", "index_version"}
    c = d["citations"][0]
    assert set(c) >= {"n", "passage_id", "doc_id", "title", "committee", "section", "text", "quote", "start", "end"}
    assert c["n"] == 1 and "[1]" in d["answer"] and d["timings_ms"]["total"] > 0


def test_a_compound_question_answers_each_part_with_its_own_citation(engine: QAService) -> None:
    a = engine.ask("武威市县区政协签约引进了多少个项目，总投资有多少？")
    assert a.answerable and "23个" in a.answer and "91.69亿" in a.answer, a.answer
    assert [c.n for c in a.citations] == [1, 2] and "[2]" in a.answer
    _figures_stand_in_citation(a)


def test_a_greeting_gets_a_greeting_and_a_hint_not_a_refusal(engine: QAService) -> None:
    a = engine.ask("你好！")
    assert not a.answerable and not a.citations
    assert "您好" in a.answer and "武威市政协" in a.answer and "没有找到" not in a.answer


def _computed_figures_are_marked(answer) -> None:
    """Every number of a reply stands in a cited passage or in the arithmetic of a computed
    figure, whose operands are cited figures."""
    body = re.sub(r"\[\d+\]", "", answer.answer)
    cited = "".join(c.text for c in answer.citations)
    shown = "".join(c.text for c in answer.computed)
    for n in _NUM.findall(body):
        assert n in cited or n in shown, f"{n} in {answer.answer!r} is neither cited nor computed"
    for c in answer.computed:
        assert c.operands and all(1 <= k <= len(answer.citations) for k in c.operands)
        assert "计算" in answer.answer  # the reader is told


@pytest.mark.parametrize(("question", "history", "kind", "value", "quoted"), [
    ("两个市一共建了多少个委员工作室？", (), "sum", 280, ("149个", "131个")),
    ("武威比平凉多建了多少个委员工作室？", (), "difference", 18, ("149个", "131个")),
    ("武威市政协调解成功率是多少？", (), "ratio", 77.14, ("35件", "27件")),
    ("平均每期多少人次？", (("平凉委员培训班办了几期？", "委员履职能力提升培训班4期。"),
                           ("培训了多少人次？", "培训委员505人次。")), "average", 126.25, ("4期", "505人次")),
])
def test_computed_answers_cite_their_operands_and_say_so(engine: QAService, question: str, history, kind: str,
                                                         value: float, quoted: tuple[str, ...]) -> None:
    a = engine.ask(question, [Turn(q, ans) for q, ans in history])
    assert a.answerable and len(a.computed) == 1, a.answer
    c = a.computed[0]
    assert c.kind == kind and abs(c.value - value) < 0.01
    quotes = "".join(a.citations[k - 1].quote for k in c.operands)
    assert all(q in quotes for q in quoted), (quotes, quoted)
    _computed_figures_are_marked(a)


def test_a_share_the_reports_neither_state_nor_give_operands_for_is_refused(engine: QAService) -> None:
    a = engine.ask("武威市政协委员工作室的覆盖率是多少？")
    assert not a.answerable and not a.computed


def test_overview_lists_the_reports_sections_each_cited(engine: QAService) -> None:
    a = engine.ask("介绍一下平凉市政协")
    assert a.answerable and len(a.citations) >= 3
    assert all(c.committee == "平凉市政协" for c in a.citations)
    sections = [c.section for c in a.citations]
    assert len(set(sections)) == len(sections) and all(s in a.answer for s in sections)
    assert all(c.quote and c.quote in c.text for c in a.citations)
    which = engine.ask("介绍一下")  # two committees: which one?
    assert not which.answerable and "平凉市政协" in which.answer and "武威市政协" in which.answer


def test_citations_carry_the_reports_body_date_and_kind(engine: QAService) -> None:
    c = engine.ask("平凉市建成了多少个委员工作室？").citations[0]
    doc = next(d for d in engine.documents() if d.doc_id == c.doc_id)
    assert (c.body, c.date, c.kind) == (doc.body, doc.date, doc.kind) == ("平凉市政协", "2024", "综述")
    assert {"body", "date", "kind"} <= set(c.to_dict())


def test_asking_for_more_never_repeats_the_answer_just_given(engine: QAService) -> None:
    first = "武威市政协赴哪些省市开展招商引资？"
    a = engine.ask(first)
    more = engine.ask("还有别的吗？", [Turn(first, a.answer)])
    assert not more.answerable or more.citations[0].quote not in a.answer
