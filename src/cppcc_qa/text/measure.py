"""What a figure counts: one implementation for the answer scorer, the claim checker and the
figures table.

A figure's measure is the noun phrase that names what its number counts. In a Chinese clause it
stands just before the number ("调结案件35件") or, after a classifier, just after it ("124名政协委员
参与…"). Two readings are offered, both from the same clause bounds:

- `measure_phrase`: the phrase before the number, cut after the last verb of `CUT_MARKERS` and
  stripped of fillers, time and scope words; else the noun after the number (the figures table,
  and through it the claim checker);
- `counted_terms`: the topic words next to the number, nearest first, those after it first (the
  answer scorer, which weighs each word by its distance with `coverage`).

`coverage` is the share of a measure's words that another text names, IDF-weighted and decayed
with distance from the figure. May import: text/ only.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from cppcc_qa.text.numerals import QuantityMatch
from cppcc_qa.text.periods import years_in
from cppcc_qa.text.tokenize import STOPWORDS, tagged_words, terms_of

__all__ = [
    "CLAUSE_BREAKS", "SENTENCE_BREAKS", "TIME_PATTERN", "SCOPE_WORDS", "CUT_MARKERS",
    "strip_fillers", "remove_scope", "is_figure", "is_narrative", "is_change", "CHANGE_WORDS", "measure_phrase", "counted_terms", "coverage",
    "WINDOW", "PROXIMITY_DECAY", "asked_action",
]

#: Characters that end a clause (the measure never crosses one).
CLAUSE_BREAKS = "，,。；;：:！？!?\n（(）)"
#: Characters that end a sentence.
SENTENCE_BREAKS = "。；;！？!?\n"
#: Time expressions that scope the figures after them in the same sentence (not part of a measure).
TIME_PATTERN = re.compile(
    r"[0-9]{4}年以来|今年以来|去年以来|近年来|近[0-9一二三四五两]+年来|截至目前|目前"
    r"|[0-9一二三四五六七八九十]+届[^，。；、\s]{0,6}?以来"
)
#: Scope words that apply only within their clause ("累计开展…2.1万场次").
SCOPE_WORDS: tuple[str, ...] = ("累计",)
#: Verbs (and the enumeration mark 等) after which the counted noun phrase starts.
CUT_MARKERS: tuple[str, ...] = (
    "开展", "建成", "建立", "落实", "形成", "提出", "召开", "报送", "发现", "办理", "制发", "签约",
    "引进", "解决", "联合", "举办", "推荐", "提交", "参与", "参加", "对接", "督导", "修订", "设置",
    "担任", "完成", "发出", "制定", "培育", "围绕", "等",
)
#: Words stripped from the end / start of a measure ("履职历程已有22年" → "履职历程").
TRAILING_FILLERS: tuple[str, ...] = ("已有", "共有", "共计", "总计", "合计", "达到", "共", "达")
LEADING_FILLERS: tuple[str, ...] = ("了", "先后", "并", "还", "其中")
#: A text that is only a place scope ("全市") names no measure.
SCOPE_ONLY: tuple[str, ...] = ("全市", "全省", "全国", "市县区", "市级", "县区")
#: Below this many characters a phrase after a verb keeps its verb ("解决问题", not "问题").
MIN_MEASURE_CHARS = 3
#: The noun phrase taken after a number is cut at this length.
MAX_AFTER_CHARS = 16
#: Characters next to a figure whose words `counted_terms` returns: the head of a Chinese noun
#: phrase sits next to its number.
WINDOW = 12
#: Weight of each further word of a counted phrase, nearest the figure first.
PROXIMITY_DECAY = 0.7

_STRIP_CHARS = " \t\u3000、，,和及与“”‘’\"'「」『』"
_AFTER_STOPS = CLAUSE_BREAKS + "、“”\"「」"
_AFTER_LEADING = "的来之"


def is_figure(m: QuantityMatch) -> bool:
    """Whether a number counts something: a year ("2024年", "二〇二四年") or a unitless number (a
    month, a code) is no figure; a duration ("22年") and "3万" are."""
    q = m.quantity
    if not q.unit:
        return any(c in q.surface for c in "万亿")
    if q.unit != "年" or q.qualifier:
        return True
    number = q.surface[: -len(q.unit)].strip()
    return not years_in(number + "年")


#: Units of a length of time: the number may be a duration ("履职历程已有22年").
DURATION_UNITS: tuple[str, ...] = ("年", "周年", "个月", "月", "天", "日")
#: Words right after a duration that make it a time frame or a figure of speech, not a count:
#: a modifier ("二十二年的砥砺奋进"), a time frame ("二十二年来", "五年间"), an idiom
#: ("三十年如一日", "七十年风雨").
NARRATIVE_AFTER = re.compile(r"的|来|以来|间|之间|之中|如一日|风雨|峥嵘|春秋|征程|奋斗|历程")
#: Words right before a duration that make it the length of a journey told, not a result:
#: "历经七十年风雨", "经过五年持续奋斗", "走过22年", "过去五年，" (a period).
NARRATIVE_BEFORE = re.compile(r"(?:历经|经过|走过|过去|回望|回首)(?:了)?$")
#: An ordinal before a duration names a plan period ("第十四个五年规划"), not a count.
ORDINAL_BEFORE = re.compile(r"第[0-9一二三四五六七八九十百]+个$")
#: "三大攻坚战", "九大重点产业链": a number before 大 names a set of programmes, not a count.
NAME_UNITS: tuple[str, ...] = ("大",)
#: Quotation marks whose content is a name or slogan ("“全市九大重点产业链建设”").
_QUOTES = (("“", "”"), ("「", "」"), ("《", "》"))


def _inside_quotes(text: str, start: int, floor: int) -> bool:
    """Whether `start` lies inside a quoted name that opens after `floor` (its clause)."""
    for open_, close in _QUOTES:
        i = text.rfind(open_, floor, start)
        if i >= 0 and text.find(close, i, start) < 0:
            return True
    return False


def is_narrative(text: str, m: QuantityMatch, floor: int = 0) -> bool:
    """Whether a number in `text` is part of a narrative phrase or a name, counting nothing the
    report achieved: a duration told as a journey or used as a time frame or modifier ("二十二年的
    砥砺奋进", "二十二年来", "历经七十年风雨", "三十年如一日", "第十四个五年规划"), a numbered
    name ("三大攻坚战") or a number inside a quoted name ("“全市九大重点产业链建设”"). A duration
    that is what its clause states stays a figure ("履职历程已有22年。", "提高到11.3年"), and so
    does one that measures a policy ("长江十年禁渔", "延长30年"). `floor` is where the number's
    sentence starts (a quote never spans sentences)."""
    q = m.quantity
    if q.unit in NAME_UNITS or _inside_quotes(text, m.start, floor):
        return True
    if q.unit not in DURATION_UNITS or q.qualifier:
        return False
    before = text[max(floor, m.start - 6) : m.start]
    if NARRATIVE_BEFORE.search(before) or ORDINAL_BEFORE.search(before):
        return True
    return bool(NARRATIVE_AFTER.match(text, m.end))


#: Words that make a figure a change ("增加8000亿元", "多18个").
CHANGE_WORDS = "增加|减少|增长|下降|提高|降低|上升|下调|上调|扩大|缩小|多|少"
_CHANGE = re.compile(rf"(?:{CHANGE_WORDS})(?:了|到)?$")


def is_change(before: str) -> bool:
    """Whether a number counts a change, not a level, from the words just before it in its
    clause: "比去年增加8000亿元", "较上年多8000亿元", "增长6.6%" (but "增长到", "新增就业1100万人"
    and "达到" are levels)."""
    before = re.split(r"[，,。；;：:、（(]", before)[-1].strip()
    return bool(_CHANGE.search(before)) and not before.endswith("到")


def strip_fillers(phrase: str, scope_only_is_empty: bool = True) -> str:
    """Drop punctuation, quotes and filler words from both ends of a phrase; a bare place scope
    ("全市") counts as empty unless it labels a breakdown ("（市级19个…）")."""
    changed = True
    while changed:
        before = phrase
        phrase = phrase.strip(_STRIP_CHARS)
        for w in TRAILING_FILLERS:
            if phrase.endswith(w):
                phrase = phrase[: -len(w)]
        for w in LEADING_FILLERS:
            if phrase.startswith(w):
                phrase = phrase[len(w) :]
        changed = phrase != before
    return "" if scope_only_is_empty and phrase in SCOPE_ONLY else phrase


def remove_scope(phrase: str) -> str:
    """Remove time expressions and scope words, which are a figure's period, not its measure."""
    phrase = TIME_PATTERN.sub("", phrase)
    for w in SCOPE_WORDS:
        phrase = phrase.replace(w, "")
    return phrase


def _cut_at_marker(phrase: str) -> str:
    """The noun phrase after the last verb marker; a short remainder keeps its verb, an empty one
    gives "" (the counted noun then comes after the number: "推荐29名委员")."""
    hits = sorted((m.start(), w) for w in CUT_MARKERS for m in re.finditer(re.escape(w), phrase))
    for at, word in reversed(hits):
        rest = strip_fillers(phrase[at + len(word) :])
        if len(rest) >= MIN_MEASURE_CHARS:
            return rest
        if not rest:
            return ""
        if word != "等":
            return word + rest
    return strip_fillers(phrase)


def _after_noun(text: str, end: int) -> str:
    """The noun phrase right after a number ("5所知名高校联合办班" → "知名高校")."""
    stop = end
    while stop < len(text) and stop - end < MAX_AFTER_CHARS and text[stop] not in _AFTER_STOPS:
        stop += 1
    phrase = text[end:stop].lstrip(_AFTER_LEADING)
    cut = min((phrase.find(w) for w in CUT_MARKERS if phrase.find(w) > 0), default=len(phrase))
    return strip_fillers(phrase[:cut])


def measure_phrase(text: str, start: int, end: int, lo: int) -> str:
    """What the number at text[start:end] counts, from the text before it back to `lo` (its
    clause start or the previous figure's end), or the noun after it."""
    before = text[lo:start]
    quote = before.rfind("“")
    if quote > before.rfind("”"):
        before = before[quote + 1 :]
    before = remove_scope(before)
    if strip_fillers(before).endswith("等"):
        return _after_noun(text, end)
    return _cut_at_marker(before) or _after_noun(text, end)


def counted_terms(text: str, start: int, end: int, lo: int, hi: int) -> list[str]:
    """The topic words of what the number at text[start:end] counts, nearest it first: those
    after it up to `hi` (the next figure) when there are any ("3项工作机制"), else those before
    it back to `lo` ("调结案件35件"). Only `WINDOW` characters each side count."""
    after = re.split(r"[（(、]", text[end:hi], maxsplit=1)[0][:WINDOW]
    terms = terms_of(after)
    if terms:
        return terms
    before = re.sub(r"^[）)、，]+|[（(]", "", text[lo:start])[-WINDOW:]
    return sorted(terms_of(before), key=lambda t: -before.rfind(t))


def coverage(terms: Sequence[str], credit: Callable[[str], float], idf: Callable[[str], float],
             decay: float = PROXIMITY_DECAY, empty: float = 0.5) -> float:
    """How much of a measure another text names: the IDF-weighted mean of `credit` (1 for a word
    it holds, less for a near one) over `terms`, each further word weighted down by `decay`;
    `empty` when the terms weigh nothing."""
    weights = [idf(t) * decay**k for k, t in enumerate(terms)]
    total = sum(weights)
    if total <= 0:
        return empty
    return sum(w * credit(t) for t, w in zip(terms, weights)) / total


#: What stands between a question's action and its "多少": "立案了多少", "总投资有多少", "一共建了几个".
_ASK_FILLERS = re.compile(r"(?:了|有|共|一共|总共|共计|累计|合计|总|都|又|还|的|是|达到|达)+$")
_ASKED = re.compile(r"多少|几")
_ASPECT = "了"
#: Part-of-speech tags of a word that names who or where, not what was done (jieba: place,
#: organisation, person, abbreviation such as 政协).
_NOT_ACTION_TAGS = ("ns", "nt", "nr", "j", "r", "m", "q", "t")


def asked_action(question: str) -> str:
    """The word just before a question's "多少/几", past 了/有/一共…: what the asked figure counts
    by ("立案了多少件提案" → 立案, "收到了多少件" → 收到, "总投资有多少" → 投资, "涨了多少" → 涨); ""
    when the word names a body or place ("平凉市政协有多少…") or nothing precedes the question word.
    The clause whose figure answers holds this word; a figure of another word of the same sentence
    ("收到提案163件，立案148件") answers another question."""
    m = _ASKED.search(question)
    if m is None:
        return ""
    head = question[: m.start()]
    before = _ASK_FILLERS.sub("", head)
    words = [(w, f) for w, f in tagged_words(before[-12:]) if re.search(r"[\u4e00-\u9fff]", w)]
    if not words:
        return ""
    word, flag = words[-1]
    # the aspect mark 了 right after it makes it a verb whatever its tag (jieba tags 惠及 a place:
    # "惠及了多少家庭"); no place or body takes 了 ("平凉有多少…")
    verb = head[len(before) :].startswith(_ASPECT)
    if (flag.startswith(_NOT_ACTION_TAGS) and not verb) or word in STOPWORDS:
        return ""
    return word
