"""Checking a claim's words against one report sentence, for claims without a figure ("武威市政协
主席是李宏伟", "同乌鲁木齐市政协建立友好政协", "完成《静宁苹果产业链建设资料辑录》出版").

The claim is covered, left to right, by the longest pieces (two atoms or more) that occur anywhere
in the sentence; an atom is a character, a run of digits or a Latin word, so "2003" never matches
inside "2002". Function characters (的, 是, 与…) and punctuation need no cover. What stays uncovered
are the gaps. A sentence supports the claim when there is no gap. It contradicts the claim when
there is exactly one gap, the pieces next to it anchor it in the sentence, the sentence says
something else in that slot, and the slot holds a name, place, title, quoted phrase or number
(`is_entity_slot`): then the claim put a different entity where the report has one. Anything
else is left undecided.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cppcc_qa.text.places import LOCAL_SUFFIXES
from cppcc_qa.text.tokenize import place_names, tokenize

__all__ = ["Sentence", "Alignment", "align", "split_atoms", "is_content", "is_entity_slot", "ROLE_WORDS"]

#: Characters that carry no claim by themselves and need no cover.
FUNCTION_CHARS = frozenset("的了是与和同及在为有已共将对把被于也都并其之以等曾过着又还就达到")
#: Words that only mark time or manner ("正在编辑", "已经建成") and need no cover.
FUNCTION_WORDS: tuple[str, ...] = ("正在", "已经", "曾经", "目前", "先后", "分别", "一共", "总共")
#: A claim piece must be at least this many atoms long to count as found in a sentence.
MIN_PIECE_ATOMS = 2
#: A slot shorter than this (one character: 级, 未) is a word ending or a negation, not an entity,
#: unless it is a number.
MIN_SLOT_CHARS = 2
#: A slot longer than this is a clause, not an entity.
MAX_SLOT_CHARS = 16
#: Words after which the slot is a person's name ("主席李宏伟"), read as `NAME_CHARS` long.
ROLE_WORDS: tuple[str, ...] = ("主席", "副主席", "秘书长", "主任", "书记", "部长", "会长", "组长")
#: Most Chinese names have three characters; a name after a role word is read as this long
#: unless the claim's is longer.
NAME_CHARS = 3
#: A claim's slot after a role word longer than this is more than a name ("王小明出席会议").
MAX_NAME_CHARS = 4
#: Endings that make a slot a place ("兰州市", "阿拉善盟").
PLACE_SUFFIXES = LOCAL_SUFFIXES
_ATOM = re.compile(r"[0-9]+(?:\.[0-9]+)?|[A-Za-z]+|\S")
_SLOT_BREAKS = "，,。；;：:！？!?、\n▲"
_QUOTES = "《》“”「」『』\"'"
_OPENING, _CLOSING = "《“「『\"'", "》”」』\"'"  # "建成“委员工作室”": 建成 is before the quote, not in it
_PUA = 0xE000
_DATE_HEAD = re.compile(r"^([0-9]+)([年月日])")
_NUMERAL_CHARS = frozenset("0123456789.零〇一二两三四五六七八九十百千万亿")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a report, located in its document and chunk."""

    committee: str
    doc_id: str
    chunk_id: str
    start: int  # offsets in the document text
    end: int
    text: str
    norm: str = ""  # `text` normalised like a question (numerals as digits); same clauses as `text`

    @property
    def matched(self) -> str:
        """The text claims are lined up with."""
        return self.norm or self.text


@dataclass(frozen=True)
class Alignment:
    """How a claim lines up with a sentence. `span` is the part of the sentence that the claim's
    pieces cover (offsets in `sentence.matched`); `slot`/`counterpart` are set when the sentence
    says something else where the claim names an entity."""

    sentence: Sentence
    covered: int  # content atoms of the claim found in the sentence
    content: int  # content atoms of the claim
    gaps: tuple[str, ...]
    span: tuple[int, int]
    slot: str = ""
    counterpart: str = ""
    by_role: bool = False  # the slot is the person named after a role word ("主席" 张三)

    @property
    def supports(self) -> bool:
        return not self.gaps and self.covered > 0

    @property
    def contradicts(self) -> bool:
        return bool(self.slot and self.counterpart)

    @property
    def coverage(self) -> float:
        return self.covered / self.content if self.content else 0.0


def split_atoms(text: str) -> list[tuple[str, int]]:
    """(atom, offset) pairs: characters, digit runs ("91.69") and Latin words; spaces dropped."""
    return [(m.group(), m.start()) for m in _ATOM.finditer(text)]


def is_content(atom: str) -> bool:
    """False for punctuation, spaces and `FUNCTION_CHARS`."""
    if atom in FUNCTION_CHARS:
        return False
    return not unicodedata.category(atom[0]).startswith(("P", "S", "Z"))


class _Codec:
    """One character per atom, so substring search works on atoms (shared by the two texts)."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def encode(self, atoms: list[tuple[str, int]]) -> str:
        out = []
        for atom, _ in atoms:
            if len(atom) == 1:
                out.append(atom)
            else:
                out.append(self.codes.setdefault(atom, chr(_PUA + len(self.codes))))
        return "".join(out)


def _cover(claim: str, sent: str) -> list[tuple[int, int, int]]:
    """Greedy left-to-right cover of `claim` by pieces found in `sent`: (claim_i, claim_j, sent_pos)."""
    pieces = []
    i = 0
    while i < len(claim):
        j = i + MIN_PIECE_ATOMS
        best = -1
        while j <= len(claim) and claim[i:j] in sent:
            best = j
            j += 1
        if best > 0:
            pieces.append((i, best, sent.find(claim[i:best])))
            i = best
        else:
            i += 1
    return pieces


def _gaps(atoms: list[tuple[str, int]], covered: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of uncovered atoms holding content (function atoms trimmed off the ends)."""
    runs: list[tuple[int, int]] = []
    start = None
    for k, (atom, _) in enumerate(atoms):
        if not covered[k] and is_content(atom):
            if start is None:
                start = k
            end = k + 1
        elif covered[k] and start is not None:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    return runs


def _trim(text: str) -> str:
    return text.strip(" \u3000" + "".join(FUNCTION_CHARS) + "，,、" + _QUOTES)


def _counterpart(sent: str, s_atoms: list[tuple[str, int]], left: tuple[int, int, int] | None,
                 right: tuple[int, int, int] | None, anchor_left: str, gap: str) -> str:
    """What the sentence says in the slot between the anchoring pieces (sentence text)."""
    def off(k: int) -> int:
        return s_atoms[k][1] if k < len(s_atoms) else len(sent)

    if left and right and left[2] + (left[1] - left[0]) <= right[2]:
        between = sent[off(left[2] + left[1] - left[0]) : off(right[2])]
        return "" if any(c in between for c in _SLOT_BREAKS) else _trim(between)
    if right and not left:
        before = sent[: off(right[2])]
        cut = max(before.rfind(c) for c in _SLOT_BREAKS)
        return _trim(before[cut + 1 :])
    if left and not right:
        after = sent[off(left[2] + left[1] - left[0]) :].lstrip("".join(FUNCTION_CHARS))
        if anchor_left.endswith(ROLE_WORDS):
            name = after[: max(len(gap), NAME_CHARS)]
            return name if _looks_like_name(name) else ""
        if after and after[0] in "《“":
            close = after.find("》" if after[0] == "《" else "”")
            return after[: close + 1] if close > 0 else ""
        cut = min([i for i in (after.find(c) for c in _SLOT_BREAKS) if i >= 0] or [len(after)])
        return _trim(after[:cut])
    return ""


def _looks_like_name(text: str) -> bool:
    """Chinese characters that do not begin with a common word: "李宏伟" and "宋全科" may be
    names; "会议成" (from "主席会议成员") is not."""
    if not text or not all("\u4e00" <= c <= "\u9fff" for c in text):
        return False
    return not any(len(w) >= MIN_SLOT_CHARS and len(w) < len(text) and text.startswith(w) for w in tokenize(text))


def _numeric(text: str) -> bool:
    return bool(text) and all(c in _NUMERAL_CHARS for c in text)


def _quoted(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is inside a 《…》 or “…” pair (or starts or ends one)."""
    if (start > 0 and text[start - 1] in _OPENING) or (end < len(text) and text[end] in _CLOSING):
        return True
    before = text[:start]
    return before.count("《") > before.count("》") or before.count("“") > before.count("”")


def is_entity_slot(gap: str, counterpart: str, anchor_left: str, claim: str, sent: str) -> bool:
    """A slot that names something: a number or date (against a number), a title or quoted
    phrase, a place, or the person after a role word."""
    g, c = gap, counterpart
    while g and c and g[-1] == c[-1] and g[-1] not in _NUMERAL_CHARS:  # "10月" against "11月"
        g, c = g[:-1], c[:-1]
    head_g, head_c = _DATE_HEAD.match(g), _DATE_HEAD.match(c)
    if head_g and head_c and head_g.group(2) == head_c.group(2) and head_g.group(1) != head_c.group(1):
        return True  # "2003年" against "2002年11月": another year, whatever the precision
    if any(ch.isdigit() for ch in g + c) or _numeric(g) or _numeric(c):
        return _numeric(g) and _numeric(c)  # a number only against a number
    if anchor_left.endswith(ROLE_WORDS):
        return True
    for text, part in ((claim, gap), (sent, counterpart)):
        at = text.find(part)
        if at >= 0 and _quoted(text, at, at + len(part)):
            return True
    if gap.endswith(PLACE_SUFFIXES) or counterpart.endswith(PLACE_SUFFIXES):
        return True
    return bool(place_names(gap) or place_names(counterpart))


def align(claim: str, sentence: Sentence) -> Alignment:
    """Line `claim` (committee already stripped) up with `sentence` (see the module docstring)."""
    for word in FUNCTION_WORDS:
        claim = claim.replace(word, "")
    c_atoms, s_atoms = split_atoms(claim), split_atoms(sentence.matched)
    codec = _Codec()
    c_enc, s_enc = codec.encode(c_atoms), codec.encode(s_atoms)
    pieces = _cover(c_enc, s_enc)
    covered = [False] * len(c_atoms)
    for i, j, _ in pieces:
        for k in range(i, j):
            covered[k] = True
    content = sum(1 for a, _ in c_atoms if is_content(a))
    n_cov = sum(1 for k, (a, _) in enumerate(c_atoms) if covered[k] and is_content(a))
    gaps = _gaps(c_atoms, covered)

    def text_of(k0: int, k1: int, atoms: list[tuple[str, int]], src: str) -> str:
        end = atoms[k1 - 1][1] + len(atoms[k1 - 1][0])
        return src[atoms[k0][1] : end]

    found = [(s_atoms[p][1], s_atoms[p + j - i - 1][1] + len(s_atoms[p + j - i - 1][0]))
             for i, j, p in pieces if any(is_content(c_atoms[k][0]) for k in range(i, j))]
    span = (min(a for a, _ in found), max(b for _, b in found)) if found else (0, 0)
    gap_texts = tuple(text_of(a, b, c_atoms, claim) for a, b in gaps)
    result = Alignment(sentence, n_cov, content, gap_texts, span)
    if len(gaps) != 1 or not pieces:
        return result
    g0, g1 = gaps[0]
    left = next((p for p in reversed(pieces) if p[1] <= g0), None)
    right = next((p for p in pieces if p[0] >= g1), None)
    if left and any(is_content(a) for a, _ in c_atoms[left[1] : g0]):
        left = None
    if right and any(is_content(a) for a, _ in c_atoms[g1 : right[0]]):
        right = None
    anchor_left = text_of(left[0], left[1], c_atoms, claim) if left else ""
    gap = gap_texts[0]
    other = _counterpart(sentence.matched, s_atoms, left, right, anchor_left, gap)
    if not other or other == gap or gap in other or len(other) > MAX_SLOT_CHARS:
        return result
    if len(gap) < MIN_SLOT_CHARS and not _numeric(gap):
        return result
    if not is_entity_slot(gap, other, anchor_left, claim, sentence.matched):
        return result
    by_role = anchor_left.endswith(ROLE_WORDS) and len(gap) <= MAX_NAME_CHARS
    return Alignment(sentence, n_cov, content, gap_texts, span, gap, other, by_role)
