"""Answers computed from figures the reports give: sums, differences, ratios and averages.

A question may ask for a figure no report states but two stated figures give: "两个市一共建了多少个
委员工作室？" (a sum over bodies), "武威比平凉多建了多少个？" (a difference), "调解成功率是多少？"
(a ratio: 调解成功27件 of 调结案件35件), "平均每期多少人次？" (an average: 505人次 over 4期). This
module reads which operation a question asks for and which words name its operands
(`parse_operation`), finds the operands among the figures of one sentence (`operands_in`,
`assign`), and does the arithmetic (`compute`). The reply shows the operands, the arithmetic and
the word that it was computed; operands of different years or units are said to be so.

General Chinese only: the cue words are those of arithmetic (一共, 多多少, 率, 占比, 平均每…), never
words of one report. May import: text/, records, settings.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cppcc_qa.text.measure import CHANGE_WORDS, CLAUSE_BREAKS, counted_terms, is_figure
from cppcc_qa.text.numerals import QuantityMatch, find_quantities
from cppcc_qa.text.tokenize import terms_of
from cppcc_qa.text.units import MONEY, PERCENT, asked_unit, compatible

__all__ = ["Operation", "Operand", "Result", "parse_operation", "stated", "operands_in", "assign", "compute",
           "format_value", "strip_operation"]

#: Words asking for a total over several parts.
_SUM = re.compile(r"一共|总共|合计|加起来|加在一起|总计|共计|总数")
#: "多多少 / 少多少 / 相差多少 / 多建了多少 / 高出多少": a difference.
_DIFFERENCE = re.compile(r"(?:多|少|高|低)(?:出)?(?:[\u4e00-\u9fff]{0,3}?了?)(?:多少|几)|相差|差多少|差距|差了多少")
#: "A比B…": the operand before 比 and the one after it.
_COMPARE = re.compile(r"(?P<a>[\u4e00-\u9fff]{1,10}?)的?比(?P<b>[\u4e00-\u9fff]{1,10}?)的?(?:多|少|高|低)")
#: "X率 / X的比例 / X占比 / A占B的比重 / 百分之几 / 几成": a ratio.
_RATIO = re.compile(r"(?P<part>[\u4e00-\u9fff]{1,10}?)的?(?:率|占比|比例|比重|百分比|百分之几|百分之多少|几成)")
_SHARE_OF = re.compile(r"(?P<part>[\u4e00-\u9fff]{1,10}?)占(?!比)(?P<whole>[\u4e00-\u9fff]{1,10}?)的?(?:比例|比重|多少|百分之|几成)")
#: "平均每期多少人次 / 平均每个项目投资多少亿 / 人均": an average per unit.
_AVERAGE = re.compile(r"(?:平均(?:下来)?每|每(?=[个期项次件名场家所户年天位人批][\u4e00-\u9fff]{0,4}平均)|人均)"
                      r"(?P<per>[个期项次件名场家所户年天位人批]?)(?P<den>[\u4e00-\u9fff]{0,4}?)"
                      r"(?=[\u4e00-\u9fff]{0,6}?(?:多少|几|约|大概|是|有))")
#: Particles and question words that name no operand.
_NOISE = re.compile(r"^(?:那|那么|请问|大概|大约|的)+|(?:是|有|为|大概|大约|约)+$")
#: "A转B": what turns into what (线索转立案: 立案 out of 线索).
_TURNS = re.compile(r"(?P<whole>[\u4e00-\u9fff]{1,6}?)(?:转为|转成|转化为|转|变成|到)(?P<part>[\u4e00-\u9fff]{1,6})$")


@dataclass(frozen=True)
class Operation:
    """What a question asks to compute, and the words naming its operands (first: the part, the
    minuend or the numerator; second: the whole, the subtrahend or the denominator)."""

    kind: str  # sum | difference | ratio | average
    first: str = ""
    second: str = ""
    per: str = ""  # average: the unit counted once per share ("期" in 平均每期)


@dataclass(frozen=True)
class Operand:
    """A figure of a sentence, with the words next to it that say what it counts."""

    match: QuantityMatch
    words: tuple[str, ...]
    label: str  # the text just before it in its clause (its local label: 市级, 县区)

    @property
    def value(self) -> float:
        return self.match.quantity.value

    @property
    def unit(self) -> str:
        return self.match.quantity.unit


@dataclass(frozen=True)
class Result:
    """The outcome of `compute`: the value, its unit, and the arithmetic as shown to a reader."""

    kind: str
    value: float
    unit: str
    text: str  # "149＋131＝280个"
    approximate: bool


def _clean(words: str) -> str:
    return _NOISE.sub("", words.strip())


def parse_operation(text: str, several: bool = False) -> Operation | None:
    """The computation a question asks for, if any. Sums and differences over bodies need
    `several` (the question names two or more bodies) or two operands named around 比/和."""
    avg = _AVERAGE.search(text)
    if avg:
        return Operation("average", first=_clean(text[avg.end():]), second=_clean(avg.group("den")),
                         per=avg.group("per") or ("人" if avg.group(0).startswith("人均") else ""))
    share = _SHARE_OF.search(text)
    if share:
        return Operation("ratio", first=_clean(share.group("part")), second=_clean(share.group("whole")))
    ratio = _RATIO.search(text)
    if ratio and not re.search(r"增长率|增速|利率|税率|汇率", text):
        part = _clean(ratio.group("part"))
        turns = _TURNS.search(part)
        if turns:
            return Operation("ratio", first=turns.group("part"), second=turns.group("whole"))
        return Operation("ratio", first=part)
    if _DIFFERENCE.search(text):
        cmp = _COMPARE.search(text)
        if cmp:  # "武威县区的委员工作室比市级的多": the words before 的 tell the two apart
            return Operation("difference", first=_clean(cmp.group("a").split("的")[0]),
                             second=_clean(cmp.group("b").split("的")[0]))
        if several:
            return Operation("difference")
    if several and _SUM.search(text):
        return Operation("sum")
    return None


def stated(op: Operation, quote: str, unit: str) -> bool:
    """Whether a quoted figure already is what `op` asks for: a share for a ratio ("6.6%", "三成"),
    an average the report gives ("平均", "人均"), a change it states ("增加", "减少"…)."""
    if op.kind == "ratio":
        return unit == PERCENT or bool(re.search(r"[一二三四五六七八九]成", quote))
    if op.kind == "average":
        return bool(re.search(r"平均|人均|户均|每[个人户年]", quote))
    if op.kind == "difference":
        return bool(re.search(CHANGE_WORDS, quote))
    return True


def strip_operation(text: str) -> str:
    """A question for one operand: the arithmetic words taken out ("多建了多少" → "建了多少")."""
    text = re.sub(r"(?:相差|差距|差了|差)(?=多少|几)", "", text)
    text = re.sub(r"(?:多|少|高|低)出?(?=[\u4e00-\u9fff]{0,3}?了?(?:多少|几))", "", text, count=1)
    return _SUM.sub("", text)


def operands_in(text: str, start: int = 0, end: int | None = None) -> list[Operand]:
    """The figures of text[start:end] (no dates), each with the words that say what it counts."""
    end = len(text) if end is None else end
    found = [m for m in find_quantities(text) if start <= m.start and m.end <= end and is_figure(m)]
    out = []
    for i, m in enumerate(found):
        lo = max([start, *(f.end for f in found[:i])])
        lo = max(lo, max((text.rfind(ch, 0, m.start) + 1 for ch in CLAUSE_BREAKS + "、"), default=0))
        hi = found[i + 1].start if i + 1 < len(found) else end
        hi = min([hi, *(j for j in (text.find(ch, m.end, hi) for ch in CLAUSE_BREAKS + "、") if j >= 0)])
        words = tuple(counted_terms(text, m.start, m.end, lo, hi))
        out.append(Operand(m, words, text[lo : m.start]))
    return out


def _names(words: str, op: Operand) -> float:
    """How much of `words` (an operand's name in the question) the operand's context holds."""
    terms = terms_of(words) or ([words] if len(words) >= 2 else [])
    if not terms:
        return 0.0
    around = op.label + " " + " ".join(op.words)
    hit = sum(1.0 if t in around else 0.5 if any(w in t or t in w for w in op.words) else 0.0 for t in terms)
    return hit / len(terms)


def _single_out(words: str, found: Sequence[Operand]) -> Operand | None:
    """The one figure `words` name best (by its local label and counted words), or None when
    none is named or two are named as well."""
    scored = sorted(((_names(words, o), i) for i, o in enumerate(found)), reverse=True)
    if not scored or scored[0][0] < 0.5 or (len(scored) > 1 and scored[1][0] >= scored[0][0]):
        return None
    return found[scored[0][1]]


def assign(op: Operation, found: Sequence[Operand]) -> tuple[Operand, Operand] | None:
    """The two operands of `op` among the figures of one sentence, or None when the words of the
    question do not single them out (no guess: a wrong figure is worse than none)."""
    if op.kind == "average":
        dens = [o for o in found if op.per and o.unit == op.per] or [o for o in found if op.second and _names(op.second, o) >= 1]
        if len(dens) != 1:
            return None
        den = dens[0]
        asked = asked_unit(op.first)
        nums = [o for o in found if o is not den and o.unit != den.unit
                and (compatible(asked, o.unit) if asked else o.unit == MONEY or _names(op.first, o) > 0)]
        if len(nums) != 1:
            return None
        return nums[0], den
    if op.kind == "ratio":
        part = _single_out(op.first, [o for o in found if o.unit != PERCENT])
        if part is None:
            return None
        if op.second:
            wholes = [o for o in found if o is not part and _names(op.second, o) >= 1]
        else:
            wholes = [o for o in found if o is not part and o.unit != PERCENT and compatible(o.unit, part.unit)
                      and o.value >= part.value and o.match.start < part.match.start]
            wholes = wholes[-1:]  # the nearest figure before the part: what the part is a share of
        if len(wholes) != 1 or wholes[0].value <= 0:
            return None
        return part, wholes[0]
    if op.kind == "difference" and op.first and op.second:
        first = _single_out(op.first, found)
        second = _single_out(op.second, [o for o in found if o is not first])
        if first is not None and second is not None and compatible(first.unit, second.unit):
            return first, second
    return None


def format_value(value: float, unit: str, like: str = "") -> str:
    """A computed value as a reader expects it: money in the magnitude of `like` (亿元, 万元),
    at most two decimals, trailing zeros dropped."""
    if unit == MONEY:
        for word, scale in (("亿", 1e8), ("万", 1e4)):
            if word in like:
                return f"{_num(value / scale)}{word}元"
    return f"{_num(value)}{unit}"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def compute(kind: str, operands: Sequence[tuple[float, str, str]]) -> Result | None:
    """The arithmetic of `kind` over (value, unit, surface) operands; None when it cannot be done
    (a zero denominator, units that count different things for a sum or difference)."""
    if len(operands) < 2:
        return None
    values = [v for v, _, _ in operands]
    units = [u for _, u, _ in operands]
    surfaces = [s for _, _, s in operands]
    approximate = any(ch in "".join(surfaces) for ch in "余近约多超左右")
    if kind in ("sum", "difference"):
        if any(not compatible(units[0], u) for u in units[1:]):
            return None
        value = sum(values) if kind == "sum" else values[0] - values[1]
        sign = "＋" if kind == "sum" else "－"
        order = surfaces if kind == "sum" or value >= 0 else surfaces[::-1]  # the larger first
        result = format_value(abs(value) if kind == "difference" else value, units[0], surfaces[0])
        return Result(kind, value, units[0], f"{sign.join(order)}{'≈' if approximate else '＝'}{result}", approximate)
    a, b = values[0], values[1]
    if b == 0:
        return None
    if kind == "ratio":
        value = 100 * a / b
        return Result(kind, value, PERCENT, f"{surfaces[0]}÷{surfaces[1]}≈{_num(round(value, 1))}%", True)
    if kind == "average":
        value = a / b
        per = units[1]
        each = format_value(value, units[0], surfaces[0])
        return Result(kind, value, units[0], f"{surfaces[0]}÷{surfaces[1]}≈{each}/{per}" if per else
                      f"{surfaces[0]}÷{surfaces[1]}≈{each}", True)
    return None
