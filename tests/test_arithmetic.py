"""Computed answers: which operation a question asks for, which figures of a sentence are its
operands, and the arithmetic shown (fast, no model)."""
from __future__ import annotations

import pytest

from cppcc_qa.answer.arithmetic import assign, compute, operands_in, parse_operation, stated, strip_operation
from cppcc_qa.answer.bodies import CommitteeDirectory
from cppcc_qa.text.normalize import normalize_question


def _op(question: str, several: bool = False):
    return parse_operation(normalize_question(question), several)


@pytest.mark.parametrize(("question", "kind", "first", "second"), [
    ("那调解成功率是多少？", "ratio", "调解成功", ""),
    ("线索转立案的比例大概多少？", "ratio", "立案", "线索"),
    ("现场督办占比多少？", "ratio", "现场督办", ""),
    ("党员委员占全体委员的比例是多少？", "ratio", "党员委员", "全体委员"),
    ("平均每期多少人次？", "average", "多少人次?", ""),
    ("县区的比市级的多多少个？", "difference", "县区", "市级"),
    ("武威县区的委员工作室比市级的多多少个？", "difference", "武威县区", "市级"),
])
def test_operations_and_their_operand_words(question: str, kind: str, first: str, second: str) -> None:
    op = _op(question)
    assert op is not None and (op.kind, op.first, op.second) == (kind, first, second)


def test_sums_and_differences_over_bodies_need_several_bodies() -> None:
    assert _op("武威一共建了多少个委员工作室？") is None  # a stated total, not a sum to compute
    assert _op("两个市一共建了多少个委员工作室？", several=True).kind == "sum"
    assert _op("武威比平凉多建了多少个？", several=True).kind == "difference"
    assert _op("城镇新增就业多少万人？") is None
    assert _op("居民消费价格涨幅是多少？") is None
    assert _op("粮食产量增长率是多少？") is None  # a stated growth rate, not a share


@pytest.mark.parametrize(("sentence", "question", "arithmetic"), [
    ("联合市中级人民法院推进诉源治理，2024年以来共有124名政协委员参与诉前调解，调结案件35件，调解成功27件",
     "调解成功率是多少", "27件÷35件≈77.1%"),
    ("发现公益诉讼案件线索78条，立案办理公益诉讼案件69件", "线索转立案的比例", "69件÷78条≈88.5%"),
    ("协调办理提案452件、现场督办24件", "现场督办的提案占比是多少", "24件÷452件≈5.3%"),
    ("举办委员履职能力提升培训班4期，培训委员505人次", "平均每期多少人次", "505人次÷4期≈126.25人次/期"),
    ("市县区政协共签约引进项目23个，总投资91.69亿元", "平均每个项目投资多少亿", "91.69亿元÷23个≈3.99亿元/个"),
    ("建成“委员工作室”149个（市级19个、县区130个）", "县区的比市级的多多少个", "130个－19个＝111个"),
])
def test_operands_are_found_in_one_sentence(sentence: str, question: str, arithmetic: str) -> None:
    op = _op(question)
    pair = assign(op, operands_in(sentence))
    assert pair is not None
    result = compute(op.kind, [(o.value, o.unit, o.match.surface) for o in pair])
    assert result is not None and result.text == arithmetic


def test_no_guess_when_the_words_do_not_single_out_the_operands() -> None:
    # nothing in the sentence is what the ratio's part names
    assert assign(_op("调解成功率是多少"), operands_in("共有124名政协委员参与诉前调解，调结案件35件")) is None
    # two figures named equally well
    assert assign(_op("县区的比市级的多多少个"), operands_in("市级19个、市级20个")) is None
    # an average needs the figure counted once per share
    assert assign(_op("平均每期多少人次"), operands_in("培训委员505人次")) is None


def test_arithmetic_is_shown_larger_first_and_money_in_its_magnitude() -> None:
    diff = compute("difference", [(131, "个", "131个"), (149, "个", "149个")])
    assert diff is not None and diff.value == -18 and diff.text == "149个－131个＝18个"
    total = compute("sum", [(149, "个", "149个"), (131, "个", "131个")])
    assert total is not None and total.value == 280 and total.text == "149个＋131个＝280个"
    assert compute("sum", [(3, "个", "3个"), (2e8, "元", "2亿元")]) is None  # different things
    assert compute("ratio", [(1, "件", "1件"), (0, "件", "0件")]) is None
    approx = compute("sum", [(2.6e6, "元", "260余万元"), (1e6, "元", "100万元")])
    assert approx is not None and approx.approximate and approx.text.endswith("≈360万元")


def test_a_stated_figure_is_not_recomputed() -> None:
    assert stated(_op("城镇调查失业率是多少"), "城镇调查失业率5.5%", "%")
    assert not stated(_op("调解成功率是多少"), "调解成功27件", "件")
    assert stated(_op("平均每户多少元"), "人均可支配收入3万元", "元")


def test_one_question_per_body() -> None:
    d = CommitteeDirectory(["武威市政协", "平凉市政协"], lambda w: True)
    assert d.per_body("武威和平凉各建了多少个委员工作室?") == [
        ("武威市政协", "武威建了多少个委员工作室?"), ("平凉市政协", "平凉建了多少个委员工作室?")]
    assert d.per_body("平凉的委员工作室比武威多多少个?") == [
        ("平凉市政协", "平凉的委员工作室多多少个?"), ("武威市政协", "武威的委员工作室多多少个?")]
    assert [t for _, t in d.per_body("2个市一共建了多少个委员工作室?")] == [
        "武威一共建了多少个委员工作室?", "平凉一共建了多少个委员工作室?"]
    assert d.per_body("3个市一共建了多少个?") == []  # the corpus holds two: no guess at the third
    assert d.per_body("武威建了多少个?") == []
    assert strip_operation("武威多建了多少个委员工作室?") == "武威建了多少个委员工作室?"
    assert strip_operation("武威的委员工作室一共多少个?") == "武威的委员工作室多少个?"
