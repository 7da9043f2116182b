"""Understanding a question: its type, the unit it asks for, the committee it names, and what a
follow-up ("那平凉呢？", "调解成功的呢？") means given the earlier turns.

The server keeps no session: the client sends the earlier turns and they are resolved here.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cppcc_qa.answer.bodies import CommitteeDirectory
from cppcc_qa.records import Turn
from cppcc_qa.search.crosslingual import Translation
from cppcc_qa.text.glossary import Equivalent, default_glossary
from cppcc_qa.text.measure import is_figure
from cppcc_qa.text.normalize import normalize_question
from cppcc_qa.text.numerals import find_quantities
from cppcc_qa.text.periods import QuestionTime, question_time, strip_time
from cppcc_qa.text.places import body_aliases
from cppcc_qa.text.tokenize import terms_of
from cppcc_qa.text.units import ANY_COUNT, asked_unit

__all__ = ["ParsedQuestion", "parse_question", "resolve_history", "split_compound", "small_talk", "inherit_context",
           "recent_turns"]

_EN_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_NUMERIC = re.compile(r"多少|几[个项次件名条篇年人场户期所处家天份座位届支类批]|数量|总数|how many|how much|number of", re.I)
_LIST = re.compile(r"哪些|有哪|which (?:\w+ )?(?:provinces|cities|places|ones)|what are", re.I)
_WHO = re.compile(r"谁|哪位|who\b", re.I)
_DATE = re.compile(r"什么时候|何时|哪一?年(?!度)|哪个月|when\b", re.I)
#: Measure words that follow 哪 in "which one of a kind" ("哪种文化", "哪张名片", "哪所大学").
WHICH_MEASURES = "个部项位家所座条种类张款门支段档级届"
_ENTITY = re.compile(rf"什么|哪一?[{WHICH_MEASURES}]|哪里|叫|名称|what|which|where", re.I)
#: Words asking when: question words, not topic words ("哪一年成立的" is about 成立).
_WHEN_ASKED = re.compile(r"哪一?(?:年|天|日|月)|哪个(?:月|时候|年份)|什么时候|什么时间|何时|哪年份")
#: "介绍一下… / …做了哪些工作 / 主要讲了什么": a question asking for the gist of a report.
_OVERVIEW = re.compile(r"介绍(?:一下|下)?|简介|概括(?:一下)?|概述|总结(?:一下)?|主要(?:讲|说|谈|写|做)了?(?:什么|哪些|啥|些什么)?"
                       r"|主要内容|做了(?:哪些|什么|些什么|啥)(?:工作|事情|事)?|干了(?:哪些|什么|啥)(?:工作|事情|事)?"
                       r"|(?:有|取得了?)哪些(?:工作|成绩|成效|亮点)|工作(?:情况|怎么样|如何)|讲了(?:什么|啥|哪些)"
                       r"|overview|summar|introduc|tell me about|what did .+ do", re.I)
#: Words an overview question may hold beside its cue without naming a topic of its own.
_OVERVIEW_GENERIC = frozenset("工作 政协 报告 情况 主要 内容 方面 一下 这份 这个 那个 整体 总体 全年 一年 近年 "
                              "委员会 政府 政府工作报告 工作报告 亮点 哪些 什么 啥 事情 成绩 成效 "
                              "what did the report cppcc committee do about tell give please overview "
                              "summary summarize introduce city".split())
_MULTI = re.compile(r"各[有是为]?(?:多少|几)|分别|各自|both|respectively|each", re.I)
_FOLLOWUP_LEAD = re.compile(r"^(?:(?:那么|那|还有|另外|and|what about|how about)\s*(?:换成|换作|换到|改成|改为|如果是|要是|轮到)?"
                            r"|换成|换作|换到|改成|改为|如果是|要是|轮到)\s*", re.I)
#: "还有别的吗 / 还有呢 / 其他的呢": more of what the previous answer listed.
_MORE = re.compile(r"^(?:那)?(?:还有|另外|其他|其它|别的)(?:别的|其他|其它|哪些|什么|些什么)?(?:的)?(?:吗|呢|么|没有|没)?[？?。!！\s]*$"
                   r"|^(?:anything|what) else\b|^any (?:other|more)\b|^more\b", re.I)
_FOLLOWUP_TAIL = re.compile(r"(?:的|又|是)?(?:呢|吗)?[？?。!！\s]*$")
# A follow-up is short; longer questions stand on their own.
FOLLOWUP_MAX_CHARS = 14


@dataclass(frozen=True)
class ParsedQuestion:
    original: str
    normalized: str
    retrieval_text: str  # what is embedded (and BM25-searched unless lexical_text is set)
    focus_text: str  # the part whose terms an answer must cover
    context_text: str  # everything the user has asked about (focus + earlier turns)
    qtype: str  # numeric | list | who | date | entity | open
    unit: str  # the unit a numeric question asks for ("" when none)
    committees: tuple[str, ...]
    unknown_places: tuple[str, ...]
    english: bool
    followup: bool = False
    lexical_text: str = ""  # BM25 query when it differs from retrieval_text (English → corpus terms)
    unmatched: tuple[str, ...] = ()  # English content words with no counterpart in the corpus
    multi: bool = False  # asks for several things at once ("…各多少", "分别", two question words)
    time: QuestionTime = QuestionTime()  # the period asked about and a report named by its year
    # figures the question states itself, and those the previous answer gave, which a follow-up
    # does not ask again: never its answer
    avoid: tuple[str, ...] = ()
    overview: bool = False  # asks for the gist of a report ("介绍一下平凉市政协"), not one fact
    seen: str = ""  # "还有别的吗": the previous answer, whose clauses are not given again
    # everyday phrases of the question and the report wordings they stand for (text/glossary.py)
    equivalents: tuple[Equivalent, ...] = ()

    @property
    def bm25_text(self) -> str:
        return self.lexical_text or self.retrieval_text


def _qtype(text: str) -> str:
    for name, pattern in (("list", _LIST), ("numeric", _NUMERIC), ("who", _WHO), ("date", _DATE), ("entity", _ENTITY)):
        if pattern.search(text):
            return name
    return "open"


def _strip_committees(text: str, committees: Sequence[str]) -> str:
    out = text
    for c in committees:
        for alias in body_aliases(c):
            out = out.replace(alias, " ")
    return re.sub(r"\s+", " ", out).strip()


Translator = Callable[[str, Sequence[str]], Translation]


#: A question that asks whether a figure is right states the figure it asks about.
#: (吗 ends a question of its own anywhere: "…二百五十余条吗？有多少条？")
_CONFIRM = re.compile(r"[吗嘛](?:[？?！!。，,；;\s]|$)|是不是|对不对|是否|有没有|核实|核对|确认")


def parse_question(text: str, directory: CommitteeDirectory, translate: Translator | None = None) -> ParsedQuestion:
    """Analyse a stand-alone question (already validated). English questions are given Chinese
    focus terms by `translate` (search.crosslingual.translate) when one is available."""
    norm = normalize_question(text)
    mentions = directory.mentions(norm)
    english = not re.search(r"[\u4e00-\u9fff]", norm)
    when = question_time(norm)
    focus = strip_time(_strip_committees(norm.replace(when.report_ref, " ") if when.report_ref else norm,
                                         mentions.known))
    focus = _WHEN_ASKED.sub(" ", focus)  # "哪一年成立的": the question word is no topic (its 一年 no period)
    lexical = ""
    unmatched: tuple[str, ...] = ()
    alternatives: tuple[Equivalent, ...] = ()
    unit = asked_unit(norm)
    if english and _EN_HOW_MANY.search(norm):
        unit = ANY_COUNT
    if english and translate is not None:
        tr = translate(norm.replace(when.report_ref, " ") if when.report_ref else norm, directory.ascii_aliases())
        focus, unmatched, alternatives = " ".join(tr.terms), tr.unmatched, tr.alternatives
        lexical = " ".join([*mentions.known, focus])
    equivalents = alternatives if english else default_glossary().equivalents(focus)
    # English is embedded as asked (the encoder is multilingual); Chinese gains the report wordings
    retrieval = norm if english else " ".join([norm, *(v for _, values in equivalents for v in values)])
    return ParsedQuestion(
        original=text,
        normalized=norm,
        retrieval_text=retrieval,
        focus_text=focus,
        context_text=focus,
        qtype=_qtype(norm),
        unit=unit,
        committees=mentions.known,
        unknown_places=mentions.unknown,
        english=english,
        lexical_text=lexical,
        unmatched=unmatched,
        multi=bool(_MULTI.search(norm)) or len(re.findall(r"多少|几[个项次件名条篇]", norm)) >= 2,
        time=when,
        equivalents=equivalents,
        avoid=_figures_stated(norm),
        overview=asks_overview(norm, focus if not english else
                               re.sub("|".join(map(re.escape, directory.ascii_aliases())) or "^$", " ", norm.lower())),
    )


def asks_overview(norm: str, focus: str) -> bool:
    """Whether a question asks for the gist of a report: an overview cue and no topic of its own
    beside it ("平凉市政协做了哪些工作？" yes; "…在乡村振兴方面做了哪些工作？" no)."""
    if not _OVERVIEW.search(norm):
        return False
    rest = _OVERVIEW.sub(" ", focus)
    words = [t for t in terms_of(rest) if not t.isascii()] + re.findall(r"[a-z]{4,}", rest.lower())
    return all(w in _OVERVIEW_GENERIC for w in words)


# What makes a piece of text a question of its own (for splitting "…多少个？总投资多少？").
_ASKS = re.compile(r"多少|几[个项次件名条篇年人场户期所处家天份座位届支类批万亿十百千]|哪|什么|谁|何时|啥|"
                   r"how many|how much|what|which|who|when", re.I)
#: A piece shorter than this is no question of its own ("是多少", "又如何"), it stays attached.
MIN_PIECE_CHARS = 3


def split_compound(text: str) -> list[str]:
    """The questions a compound question holds: "签了多少个项目，总投资有多少？" → two, each
    ending where the next begins. A single question, or one whose parts share one question word
    ("从多少降到了多少"), comes back whole."""
    pieces = [p.strip() for p in re.split(r"(?<=[？?；;])", text) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        head, sep, tail = piece.rpartition("，") if "，" in piece else piece.rpartition(",")
        if sep and _ASKS.search(head) and _ASKS.search(tail) and len(tail.strip("？?。 ")) >= MIN_PIECE_CHARS \
                and not re.search(r"分别|各[自是有为]?", piece):
            out += [head.strip(), tail.strip()]
        else:
            out.append(piece)
    asked = [p for p in out if _ASKS.search(p) and len(p.strip("？?。 ")) >= MIN_PIECE_CHARS]
    return asked if len(asked) >= 2 else [text]


_SMALL_TALK: dict[str, tuple[str, ...]] = {
    "greeting": ("你好", "您好", "嗨", "哈喽", "哈啰", "在吗", "在不在", "早上好", "上午好", "下午好", "晚上好",
                 "大家好", "hello", "hi", "hey", "good morning", "good afternoon", "good evening"),
    "thanks": ("谢谢", "多谢", "感谢", "谢了", "辛苦了", "好的谢谢", "thanks", "thank you", "thx"),
    "bye": ("再见", "拜拜", "bye", "goodbye"),
}
_TALK_FILLER = re.compile(r"[\s,，.。!！?？~～、]+|啊|呀|哦|喔|哈|呢|啦|了|吧|您|你|们|机器人|小助手|助手|there|very much|a lot")


def small_talk(text: str) -> str:
    """"greeting", "thanks" or "bye" when the text is only that ("你好！", "谢谢啦", "Thank you!");
    "" for anything that asks something."""
    norm = normalize_question(text).lower()
    for kind, phrases in _SMALL_TALK.items():
        for phrase in phrases:
            if phrase in norm and not _TALK_FILLER.sub("", norm.replace(phrase, "", 1)):
                return kind
    return ""


def _is_followup(norm: str) -> bool:
    if len(norm) > FOLLOWUP_MAX_CHARS:
        return False
    return bool(_FOLLOWUP_LEAD.search(norm) or re.search(r"呢[？?]?$", norm) or len(norm) <= 6)


def _figures_stated(norm: str) -> tuple[str, ...]:
    """The figures a question states itself ("报送的28条社情民意信息里有几条得到了批示？"): what it
    asks is another (a part of it, something about it), unless it asks whether one is right
    ("调结的案件是35件吗？")."""
    if _CONFIRM.search(norm):
        return ()
    return tuple(m.quantity.surface for m in find_quantities(norm) if is_figure(m))


def _figures_said(answer: str) -> tuple[str, ...]:
    """The figures an earlier answer gave, as written (citation marks aside)."""
    return tuple(m.quantity.surface for m in find_quantities(re.sub(r"\[\d+\]", "", answer)))


def recent_turns(history: Sequence[Turn], max_turns: int, max_chars: int) -> tuple[Turn, ...]:
    """The newest turns of `history` (oldest first) that a follow-up reads: at most `max_turns`,
    and no more than fit in `max_chars` characters of questions, counted from the newest turn
    (always at least that one). Each earlier question is parsed again for every question, so
    this bounds what a conversation costs; a follow-up speaks of the turns just before it."""
    kept: list[Turn] = []
    total = 0
    for turn in reversed(history[-max_turns:] if max_turns > 0 else ()):
        total += len(turn.question)
        if kept and total > max_chars:
            break
        kept.append(turn)
    return tuple(reversed(kept))


def resolve_history(
    question: str, history: Sequence[Turn], directory: CommitteeDirectory, translate: Translator | None = None
) -> ParsedQuestion:
    """Parse `question` in the light of earlier turns (oldest first)."""
    prev: ParsedQuestion | None = None
    for turn in history:
        prev = _resolve_one(turn.question, prev, directory, translate)
    cur = _resolve_one(question, prev, directory, translate)
    last = history[-1].answer if history else ""
    if _MORE.search(cur.normalized) and prev is not None and last:
        # "还有别的吗？": the previous question again, without what its answer already said
        return replace(prev, original=question, normalized=cur.normalized, followup=True,
                       seen=last, avoid=(*cur.avoid, *_figures_said(last)))
    if cur.followup and last and not (prev and set(cur.committees) - set(prev.committees)):
        # "会议发言和社情民意信息呢？" asks for another figure than the one just given
        cur = replace(cur, avoid=(*cur.avoid, *_figures_said(last)))
    return cur


def _resolve_one(
    question: str, prev: ParsedQuestion | None, directory: CommitteeDirectory, translate: Translator | None
) -> ParsedQuestion:
    cur = parse_question(question, directory, translate)
    # In a conversation a question naming no body of its own speaks of the one before ("平均每期
    # 多少人次？", "培训了多少人次？"); one naming a body is read on its own unless it is short or
    # opens like a follow-up ("那平凉呢？").
    if prev is None or (cur.committees and not _is_followup(cur.normalized)):
        return cur
    fragment = _FOLLOWUP_TAIL.sub("", _FOLLOWUP_LEAD.sub("", cur.normalized)).strip()
    new_focus = _strip_committees(fragment, cur.committees)
    committees = cur.committees or prev.committees
    when = cur.time if cur.time.named or cur.time.report_year else prev.time
    new_focus = strip_time(new_focus)
    if (cur.time.named or cur.time.report_year) and not new_focus:
        # "那2021年呢？": the same question about another year
        return replace(prev, original=question, normalized=cur.normalized, time=when, followup=True,
                       retrieval_text=f"{strip_time(prev.retrieval_text)} {cur.normalized}".strip())
    if cur.committees and not new_focus:
        # "那平凉呢？": the same question about another committee
        retrieval = _strip_committees(prev.retrieval_text, prev.committees)
        retrieval = f"{' '.join(committees)} {retrieval}".strip()
        return replace(prev, original=question, normalized=cur.normalized, retrieval_text=retrieval,
                       committees=committees, unknown_places=cur.unknown_places, followup=True, time=when)
    if cur.unknown_places:
        return replace(cur, followup=True)
    # "调解成功的呢？": a new focus inside the earlier question's topic and committee
    retrieval = f"{' '.join(committees)} {new_focus} {_strip_committees(prev.retrieval_text, prev.committees)}".strip()
    return replace(
        prev,
        original=question,
        normalized=cur.normalized,
        retrieval_text=retrieval,
        focus_text=new_focus,
        context_text=f"{new_focus} {prev.context_text}",
        qtype=cur.qtype if cur.qtype != "open" else prev.qtype,
        unit=cur.unit if cur.qtype != "open" else prev.unit,  # "总投资有多少" asks its own; "成功的呢" the earlier one
        committees=committees,
        followup=True,
        time=when,
        equivalents=(*cur.equivalents, *prev.equivalents),
    )


def inherit_context(parsed: ParsedQuestion, first: ParsedQuestion) -> ParsedQuestion:
    """A later part of a compound question ("…多少个项目，总投资有多少？") speaks of the first
    part's committee and time unless it names its own, and, when it is short or opens with
    "其中", of its topic too."""
    if parsed.committees or parsed.unknown_places:
        committees = parsed.committees
    else:
        committees = first.committees
    when = parsed.time if parsed.time.named or parsed.time.report_year else first.time
    retrieval = parsed.retrieval_text
    context = parsed.context_text
    if len(parsed.normalized) <= FOLLOWUP_MAX_CHARS or parsed.normalized.startswith(("其中", "其", "这些", "它")):
        # "其中中央和地方各是多少？" / "总投资有多少？" speak of the first part's topic
        retrieval = f"{strip_time(first.focus_text)} {retrieval}"
        context = f"{context} {first.focus_text}"
    missing = [c for c in committees if c not in retrieval]
    if missing:
        retrieval = f"{' '.join(missing)} {retrieval}"
    return replace(parsed, committees=committees, time=when, retrieval_text=retrieval, context_text=context)
