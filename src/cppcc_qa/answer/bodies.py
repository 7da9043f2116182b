"""Which committee a question is about.

Known committees come from the corpus ("武威市政协" → place 武威, aliases 武威市, 政协武威市委员会,
and its pinyin "wuwei" for English questions). A question may also name a place the corpus does
not cover ("酒泉市政协…"): that is reported as unknown so the composer can decline.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from cppcc_qa.text.numerals import parse_quantity
from cppcc_qa.text.places import GENERIC_PLACE_WORDS, body_aliases, place_of, strip_level
from cppcc_qa.text.tokenize import place_names, tokenize

__all__ = ["CommitteeDirectory", "Mentions", "GROUP_PATTERN"]

_EN_PLACE = re.compile(r"\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+(?:City\s+|County\s+|Municipal\s+)?(?:CPPCC|Committee|city|City|County)\b")
_EN_PLACE_BEFORE = re.compile(r"\b(?:in|of|for|about)\s+([A-Z][a-z]+)\b")


#: "两个市 / 2个市 / 两地 / 两个政协 / 三个县区": several bodies named by their number.
GROUP_PATTERN = re.compile(r"(?P<n>[2-9两二三四五六七八九])(?:个|家)?(?:市州|市|州|县区|县|区|地方|地|政协|委员会)(?:政协)?")
#: Words joining two bodies ("武威和平凉", "武威比平凉").
_JOINERS = r"(?:和|与|及|跟|同|、|比|较|,|，)"
#: Distributive words, which a question about one body no longer needs ("各建了多少", "分别").
_DISTRIBUTIVE = re.compile(r"各自|分别|各(?=[\u4e00-\u9fff]{0,8}?(?:多少|几))")


@lru_cache(maxsize=256)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


@dataclass(frozen=True)
class Mentions:
    known: tuple[str, ...]  # committees of the corpus the question names, in order of mention
    unknown: tuple[str, ...]  # places named like a committee that the corpus does not cover


class CommitteeDirectory:
    """Resolves committee mentions in questions against the committees of the corpus."""

    def __init__(self, committees: Iterable[str], in_corpus: Callable[[str], bool]) -> None:
        self.committees = tuple(dict.fromkeys(c for c in committees if c))
        self._in_corpus = in_corpus
        self._alias: dict[str, str] = {}
        for c in self.committees:
            place = place_of(c)
            for a in (*body_aliases(c), f"政协{place}"):
                self._alias.setdefault(a, c)
            self._alias.setdefault(_pinyin(place), c)

    def ascii_aliases(self) -> tuple[str, ...]:
        """Latin-letter names of the known committees ("wuwei"), to leave out of translation."""
        return tuple(a for a in self._alias if a.isascii())

    def committee_for_place(self, place: str) -> str | None:
        return self._alias.get(place) or self._alias.get(strip_level(place))

    def _candidate_places(self, text: str) -> list[str]:
        found = [p for p in place_names(text)]
        toks = tokenize(text)
        for i, t in enumerate(toks[:-1]):
            if toks[i + 1] in ("政协", "政协委员") and t not in GENERIC_PLACE_WORDS and len(t) >= 2:
                found.append(t)
        for m in _EN_PLACE.finditer(text):
            found.append(m.group(1).replace(" ", "").lower())
        for m in _EN_PLACE_BEFORE.finditer(text):
            found.append(m.group(1).lower())
        return found

    def mentions(self, text: str) -> Mentions:
        """Known committees named in `text` (by place, alias or pinyin) and unknown places."""
        known: list[tuple[int, str]] = []
        for alias, c in self._alias.items():
            pos = text.find(alias) if not alias.isascii() else text.lower().find(alias)
            if pos >= 0 and alias:
                if alias.isascii() and not re.search(rf"\b{re.escape(alias)}\b", text.lower()):
                    continue
                known.append((pos, c))
        known_committees = tuple(dict.fromkeys(c for _, c in sorted(known)))
        unknown = []
        for p in self._candidate_places(text):
            bare = strip_level(p)
            if self.committee_for_place(p) or self.committee_for_place(bare):
                continue
            if bare.isascii():
                if bare in {_pinyin(place_of(c)) for c in self.committees} or bare in ("cppcc", "china", "the"):
                    continue
                unknown.append(bare)
            elif not self._in_corpus(bare):
                unknown.append(bare)
        return Mentions(known_committees, tuple(dict.fromkeys(unknown)))

    def per_body(self, text: str) -> list[tuple[str, str]]:
        """A question about several bodies as one question per body: "武威和平凉各建了多少个…"
        → ("武威市政协", "武威建了多少个…"), ("平凉市政协", "平凉建了多少个…"). A group named
        by its number ("两个市") stands for the corpus's bodies when there are that many. Fewer
        than two bodies: []."""
        spans: list[tuple[int, int, str]] = []  # (start, end, committee)
        for alias in sorted((a for a in self._alias if a and not a.isascii()), key=len, reverse=True):
            for m in re.finditer(re.escape(alias), text):
                if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
                    spans.append((m.start(), m.end(), self._alias[alias]))
        spans.sort()
        if len({c for _, _, c in spans}) < 2:
            group = GROUP_PATTERN.search(text)
            count = parse_quantity(group.group("n") + "个") if group is not None else None
            if group is None or count is None or count.value != len(self.committees):
                return []
            return [(c, _DISTRIBUTIVE.sub("", text[: group.start()] + (place_of(c) or c) + text[group.end():]))
                    for c in self.committees]
        first = spans[0]
        out = []
        for body in dict.fromkeys(c for _, _, c in spans):
            own = next(text[a:b] for a, b, c in spans if c == body)
            pieces = [text[: first[0]], own]
            at = first[1]
            for a, b, _ in spans[1:]:
                pieces.append(re.sub(rf"{_JOINERS}\s*$", "", text[at:a]))  # "…比武威" → "…"
                at = b
            tail = text[at:]
            group = GROUP_PATTERN.match(tail.lstrip("的"))  # "武威、平凉两地的…": the group is named already
            if group is not None:
                tail = tail.lstrip("的")[group.end():]
            tail = re.sub(r"^(的?)都", r"\1", tail)  # "武威和平凉都…"
            out.append((body, _DISTRIBUTIVE.sub("", "".join(pieces) + tail)))
        return out
