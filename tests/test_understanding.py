"""Question understanding and the signals of the scorer, one at a time and in seconds: compound
questions, small talk, time in questions and sentences, and what a reply says of its source."""
from __future__ import annotations

import pytest

from cppcc_qa.answer.bodies import CommitteeDirectory
from cppcc_qa.answer.question import parse_question, resolve_history, small_talk, split_compound
from cppcc_qa.answer.scoring import SIGNALS, score_candidates
from cppcc_qa.records import Chunk, Hit, Turn
from cppcc_qa.settings import ScoringConfig

DIRECTORY = CommitteeDirectory(["武威市政协", "平凉市政协"], lambda w: True)


def _hit(text: str, doc_id: str, section: str = "", rank: int = 1) -> Hit:
    chunk = Chunk(f"{doc_id}:p1", doc_id, "政府工作报告", "", section, 1, 0, len(text), text)
    return Hit(chunk, 1.0 / rank, rank, rank, 0.8)


@pytest.mark.parametrize(("question", "parts"), [
    ("武威市县区政协签了多少个项目，总投资有多少？", 2),
    ("2019年财政赤字安排了多少？其中中央和地方各是多少？", 2),
    ("关税总水平从多少降到了多少？", 1),
    ("武威和平凉分别建了多少个委员工作室？", 1),
    ("武威市政协委员参与诉前调解调结了多少件案件？", 1),
])
def test_compound_questions_are_split(question: str, parts: int) -> None:
    assert len(split_compound(question)) == parts


@pytest.mark.parametrize(("text", "kind"), [
    ("你好", "greeting"), ("您好！", "greeting"), ("谢谢啦", "thanks"), ("Thank you!", "thanks"),
    ("再见", "bye"), ("你好，武威建了几个委员工作室？", ""), ("感谢信有多少封？", ""),
])
def test_small_talk_is_told_from_questions(text: str, kind: str) -> None:
    assert small_talk(text) == kind


def test_a_named_report_year_and_period_reach_the_parsed_question() -> None:
    q = parse_question("2019年政府工作报告里说，过去一年农村贫困人口减少了多少？", DIRECTORY)
    assert q.time.report_year == 2019 and q.time.period_years(2019) == (2018,)
    assert "报告" not in q.focus_text and "过去一年" not in q.focus_text and "贫困人口" in q.focus_text


def test_a_follow_up_naming_another_year_keeps_the_question() -> None:
    q = resolve_history("那2021年呢？", [Turn("2020年城镇新增就业多少人？")], DIRECTORY)
    assert q.followup and q.time.years == (2021,) and "就业" in q.focus_text


YEARS = {"gwr2019": 2019, "gwr2021": 2021}.get


def _best(question: str, hits: list[Hit]) -> str:
    q = parse_question(question, DIRECTORY)
    cands = score_candidates(q, hits, ScoringConfig(), lambda t: 1.0, YEARS)
    assert all(len(c.signals) == len(SIGNALS) for c in cands)
    return max(cands, key=lambda c: c.score).clause.text if cands else ""


def test_the_year_asked_picks_the_report_that_speaks_of_it() -> None:
    hits = [_hit("城镇新增就业1186万人，年末全国城镇调查失业率降到5.2%。", "gwr2021", "一、2020年工作回顾"),
            _hit("城镇新增就业1361万人、调查失业率稳定在5%左右的较低水平。", "gwr2019", "一、2018年工作回顾", 2)]
    assert "1361万" in _best("2018年全国城镇新增就业多少人？", hits)
    assert "1186万" in _best("2020年全国城镇新增就业多少人？", hits)
    assert _best("2016年全国城镇新增就业多少人？", hits) == ""
    assert "1186万" in _best("全国城镇新增就业多少人？", hits)  # no year named: the latest report


def test_relative_time_is_resolved_against_the_report_date() -> None:
    hits = [_hit("过去一年，农村贫困人口减少1386万。", "gwr2019")]
    assert "1386万" in _best("2018年农村贫困人口减少了多少？", hits)
    assert _best("2019年农村贫困人口减少了多少？", hits) == ""


def test_a_five_year_figure_does_not_answer_one_year() -> None:
    hits = [_hit("过去五年，我国经济社会发展取得新的历史性成就。国内生产总值从不到70万亿元增加到超过100万亿元。",
                 "gwr2021", "二、“十三五”时期发展成就和“十四五”时期主要目标任务")]
    assert _best("2020年国内生产总值增加到多少？", hits) == ""


def test_a_follow_up_does_not_repeat_the_figure_just_given() -> None:
    history = [Turn("平凉各民主党派、人民团体和无党派人士提交了多少件提案？", "平凉市政协：提交提案85件[1]。")]
    q = resolve_history("会议发言和社情民意信息呢？", history, DIRECTORY)
    assert q.followup and "85件" in q.avoid
    hits = [_hit("积极搭建合作平台，提交提案85件、会议发言及社情民意信息75篇。", "pl")]
    cands = score_candidates(q, hits, ScoringConfig(), lambda t: 1.0)
    assert cands and all(c.quantity is None or c.quantity.quantity.surface != "85件" for c in cands)


def test_english_questions_know_their_time_too() -> None:
    from cppcc_qa.text.periods import question_time

    t = question_time("According to the 2019 government work report, how much foreign investment was used in 2018?")
    assert (t.report_year, t.years) == (2019, (2018,))
    assert question_time("How many jobs were created last year?").relative == -1


def test_a_later_part_of_a_compound_question_keeps_the_first_parts_topic() -> None:
    from cppcc_qa.answer.question import inherit_context

    first, second = split_compound("2019年财政赤字安排了多少？其中中央和地方各是多少？")
    p1 = parse_question(first, DIRECTORY)
    p2 = inherit_context(parse_question(second, DIRECTORY), p1)
    assert p2.time.years == (2019,) and "赤字" in p2.retrieval_text and "赤字" in p2.context_text


def test_a_question_asking_for_a_target_is_answered_by_one() -> None:
    hits = [_hit("粮食产量1.37万亿斤，创历史新高。", "gwr2022x", "一、2021年工作回顾"),
            _hit("今年发展主要预期目标是：粮食产量保持在1.3万亿斤以上。", "gwr2022x", "二、2022年总体要求", 2)]
    years = {"gwr2022x": 2022}.get
    q = parse_question("2022年政府工作报告定的粮食产量目标是多少？", DIRECTORY)
    cands = score_candidates(q, hits, ScoringConfig(), lambda t: 1.0, years)
    assert cands and all("1.3万亿斤" in c.clause.text for c in cands)


@pytest.mark.parametrize(("question", "overview"), [
    ("介绍一下平凉市政协", True),
    ("平凉市政协做了哪些工作？", True),
    ("2021年政府工作报告主要讲了什么？", True),
    ("武威市政协2024年有哪些工作亮点？", True),
    ("平凉市政协在乡村振兴方面做了哪些工作？", False),  # a topic of its own: a list question
    ("平凉市政协主席是谁？", False),
    ("武威建成了多少个委员工作室？", False),
])
def test_overview_questions_name_no_topic_of_their_own(question: str, overview: bool) -> None:
    from cppcc_qa.answer.question import asks_overview
    from cppcc_qa.text.normalize import normalize_question

    norm = normalize_question(question)
    focus = norm.replace("平凉市政协", "").replace("武威市政协", "").replace("2021年政府工作报告", "")
    assert asks_overview(norm, focus) is overview


def test_follow_ups_that_switch_the_body_or_ask_for_more() -> None:
    q = resolve_history("换成武威呢？", [Turn("平凉市建成了多少个委员工作室？", "…131个[1]。")], DIRECTORY)
    assert q.committees == ("武威市政协",) and q.followup and "委员工作室" in q.retrieval_text
    more = resolve_history("还有别的吗？", [Turn("武威市政协赴哪些省市开展招商引资？", "赴上海、浙江等省市[1]。")], DIRECTORY)
    assert more.followup and more.seen.startswith("赴上海") and more.committees == ("武威市政协",)
    assert more.qtype == "list"
    computes = resolve_history("平均每期多少人次？", [Turn("平凉委员培训班办了几期？", "培训班4期。")], DIRECTORY)
    assert computes.followup and computes.committees == ("平凉市政协",)


def test_a_question_of_its_own_is_no_follow_up() -> None:
    q = resolve_history("平凉市政协是哪一年成立的？", [Turn("武威建成了多少个委员工作室？", "149个")], DIRECTORY)
    assert not q.followup and q.committees == ("平凉市政协",)


def test_asking_when_is_no_topic() -> None:
    q = parse_question("平凉市政协是哪一年成立的？", DIRECTORY)
    assert q.qtype == "date" and "一年" not in q.focus_text and "成立" in q.focus_text


@pytest.mark.parametrize(("question", "qtype"), [
    ("武威在深挖哪种地方文化？", "entity"), ("要加快建设的是哪条铁路？", "entity"),
    ("与哪所大学合办的？", "entity"), ("从哪一届市政协开始？", "entity"),
    ("哪一年成立的？", "date"), ("有哪些重点产业链？", "list"),
])
def test_which_with_a_measure_word_asks_for_one_of_a_kind(question: str, qtype: str) -> None:
    assert parse_question(question, DIRECTORY).qtype == qtype


@pytest.mark.parametrize(("clause", "question", "filled"), [
    ("擦亮凉州文化名片", "武威在深挖哪种地方文化？", True),  # a place name before the head 文化
    ("加快规划建设川藏铁路", "要加快建设的是哪条铁路？", True),  # an abbreviation before it
    ("与清华大学合办研修班", "与哪所大学合办的？", True),  # the head inside a longer word
    ("五届市政协以来", "从哪一届市政协开始统计？", True),  # a numeral before the asked measure word
    ("擦亮文化名片", "擦亮哪张文化名片？", False),  # nothing of its own before the head
    ("完成铁路投资8000亿元", "要加快建设的是哪条铁路？", False),  # a verb is no name
    ("建设地方文化", "武威在深挖哪种地方文化？", False),  # the question's own words
])
def test_a_clause_fills_the_slot_of_which_kind(clause: str, question: str, filled: bool) -> None:
    from cppcc_qa.answer.scoring import _slot_filled, asked_kinds

    assert _slot_filled(clause, asked_kinds(question), question) is filled


@pytest.mark.parametrize(("question", "stated"), [
    ("武威报送的28条社情民意信息里有几条得到了市领导批示？", ("28条",)),
    ("参与诉前调解的124名委员里有多少是律师？", ("124名",)),
    ("调结的案件是35件吗？", ()),  # asks whether the figure is right: it may be the answer
    ("核实一下，调结案件35件，对不对", ()),
    ("提出对策建议二百五十余条吗？有多少条？", ()),
    ("28条信息的内容是什么？", ("28条",)),  # 么 of 什么 asks no confirmation
    ("2024年武威立案多少件？", ()),  # a year is no figure
])
def test_a_figure_the_question_states_is_not_what_it_asks(question: str, stated: tuple[str, ...]) -> None:
    assert parse_question(question, DIRECTORY).avoid == stated


def test_a_stated_figure_never_answers_and_a_confirmed_one_does() -> None:
    hits = [_hit("今年以来，报送社情民意信息28条，编发《社情民意》12期。", "wuwei", "二、")]
    assert _best("报送的28条社情民意信息里有几条得到了批示？", hits) == ""
    assert "28条" in _best("报送社情民意信息是28条吗？", hits)
