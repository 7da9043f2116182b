"""Chinese tokenisation for BM25 and for lexical overlap: the one module that imports jieba.

jieba's search mode yields both words and their sub-words ("委员工作室" → 委员, 工作, 工作室,
委员工作室), which lets a question's short word match a passage's compound. Latin words are
lower-cased; punctuation and a small set of function words are dropped.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from cppcc_qa.text.units import is_unit_word

__all__ = ["tokenize", "content_terms", "terms_of", "place_names", "STOPWORDS", "QUESTION_WORDS"]

_lock = threading.Lock()
_jieba = None

# Function words and question scaffolding that carry no topic. Kept small on purpose: topic words
# such as 政协 stay, because they separate passages of different committees' reports.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 在 是 有 为 对 把 被 将 等 也 都 而 并 其 之 以 于 从 到 向 由 给
    这 那 这个 那个 哪 吗 呢 吧 啊 么 个 年 月 日 中 上 下 又 还 就 才 已 已经 已有 共 共有 共计 累计 先后
    其中 达到 达 超过 总计
    the a an of in on to for by with and or did does do is are was were how what which who many much
    """.split()
)
# Words that only make a question a question.
QUESTION_WORDS = frozenset(
    """多少 几 几个 几项 几次 什么 哪些 哪个 哪部 哪里 哪 谁 何 如何 怎样 怎么 是否 有没有 叫 叫做
    名称 大约 约 大概 请问 一下 呢 吗 各 各自 分别 比 相差 差 多 少 一共 总共 合计 加起来 how many much what which who when where
    第几 第几次 第几个 第几届 哪几 哪几个 哪几种 哪一 哪一年 哪年 哪天 哪类 哪项 哪份 哪位 那位 几届 几条 几种 几件 几处 几块
    啥 啥事 干啥 多大 多长 何时 时候 名字 次数 件数 户数 数目 情况 事情 东西 方面 哪些方面 百分之 百分之几 各是
    听说 核实 核实一下 确认 想问 想知道 知道 告诉 介绍 说说 讲讲 具体 到底 究竟 大致 差不多 一般 平常 还有 另外
    咱们 我们 你们 他们 那边 这边 这块 那块 那些 这些 是不是 对不对 怎么样 麻烦 原话 说法 包括 涉及 为了 以后 之后
    最后 最终 最新 目前 现在 当时 一起 报告 那份 这份 里面 提到 提出 说 讲""".split()
)
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def _get_jieba():
    global _jieba
    with _lock:
        if _jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


@lru_cache(maxsize=65536)
def _tokenize_cached(text: str) -> tuple[str, ...]:
    jb = _get_jieba()
    out = []
    for tok in jb.cut_for_search(text):
        tok = tok.strip().lower()
        if not tok or not _TOKEN_OK.search(tok) or tok in STOPWORDS:
            continue
        out.append(tok)
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: jieba search-mode words, lower-cased, without punctuation and stopwords."""
    return list(_tokenize_cached(text))


def content_terms(text: str) -> list[str]:
    """Topic tokens of a question: `tokenize` without question words and bare numbers."""
    return [t for t in tokenize(text) if t not in QUESTION_WORDS and not t.isdigit()]


@lru_cache(maxsize=4096)
def _places_cached(text: str) -> tuple[str, ...]:
    import jieba.posseg as pseg

    _get_jieba()
    return tuple(w.word for w in pseg.cut(text) if w.flag == "ns")


@lru_cache(maxsize=4096)
def tagged_words(text: str) -> tuple[tuple[str, str], ...]:
    """The words of a text with jieba's part-of-speech tags ("凉州" 'ns', "擦亮" 'v')."""
    import jieba.posseg as pseg

    _get_jieba()
    return tuple((w.word, w.flag) for w in pseg.cut(text))


def place_names(text: str) -> list[str]:
    """Place names in a text, by jieba's part-of-speech tag 'ns' ("酒泉市政协…" → ["酒泉市"])."""
    return list(_places_cached(text))


def terms_of(text: str) -> list[str]:
    """Topic words of a text: no question words, stopwords, units, numbers, or lone characters
    (a single character such as 比 or 多 is grammar far more often than topic)."""
    words = (t[:-1] if len(t) >= 2 and t.endswith("了") else t for t in tokenize(text))  # "建了" is 建
    return list(dict.fromkeys(
        t for t in words
        if len(t) > 1 and t not in QUESTION_WORDS and t not in STOPWORDS and not is_unit_word(t)
        and not re.fullmatch(r"[\d.]+", t)
    ))
