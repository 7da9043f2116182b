"""Checking a staff draft: split it into checkable statements, give each a verdict and evidence.

A statement is a sentence holding a figure; a sentence with figures in several clauses gives one
statement per figure clause (a clause without a figure joins the next one, so "联合市中级人民法院
推进诉源治理，2024年以来共有124名政协委员参与诉前调解" stays whole). A sentence without a
figure is a statement when it names something that can be checked: a title (《…》), a quoted
name (“…”), a year, a person by role (主席…) or a place other than the committees' own. Other
sentences (opinions, slogans) are not statements. A statement that names no committee is checked
against the committee named last before it in the draft.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cppcc_qa.errors import InputError
from cppcc_qa.factcheck.claims import claim_quantities
from cppcc_qa.factcheck.figures import inert_cell
from cppcc_qa.factcheck.textcheck import ROLE_WORDS
from cppcc_qa.records import Verdict
from cppcc_qa.text.periods import years_in
from cppcc_qa.text.places import body_aliases
from cppcc_qa.text.spans import Span, split_clauses, split_sentences
from cppcc_qa.text.tokenize import place_names
from cppcc_qa.text.validate import clean_text

if TYPE_CHECKING:
    from cppcc_qa.factcheck.verify import Verifier

__all__ = ["Statement", "DraftCheck", "split_statements", "check_draft", "MAX_DRAFT_CHARS", "draft_markdown",
           "draft_csv", "DRAFT_CSV_FIELDS", "VERDICT_NAMES"]

#: A draft is a report or a speech, not a book: longer texts should be checked in parts.
MAX_DRAFT_CHARS = 20000
_FACT_MARKS = ("《", "“", "「")
VERDICT_KINDS = ("supported", "refuted", "not_found")


@dataclass(frozen=True)
class Statement:
    """A checkable part of a draft: `draft[start:end] == text`."""

    start: int
    end: int
    text: str


def _figure_groups(sentence: Span) -> list[tuple[int, int]]:
    """Spans (in the sentence) of the figure clauses, each with the figure-less clauses before it."""
    groups, lead = [], None
    for clause in split_clauses(sentence.text):
        start = clause.start if lead is None else lead
        if claim_quantities(clause.text):
            groups.append((start, clause.end))
            lead = None
        elif lead is None:
            lead = clause.start
    return groups


def _names_a_fact(text: str, own_places: set[str]) -> bool:
    """True when a sentence without a figure names something checkable (see the module docstring)."""
    if any(m in text for m in _FACT_MARKS) or years_in(text) or any(w in text for w in ROLE_WORDS):
        return True
    return any(p not in own_places and p.rstrip("市县区") not in own_places for p in place_names(text))


def split_statements(text: str, committees: tuple[str, ...] = ()) -> list[Statement]:
    """The checkable statements of a draft, in order (see the module docstring); `committees`
    are the corpus committees, whose own place names do not make a sentence checkable."""
    own_places = {p for c in committees for p in body_aliases(c)}
    out = []
    for sentence in split_sentences(text):
        figures = claim_quantities(sentence.text)
        if not figures:
            if _names_a_fact(sentence.text, own_places):
                out.append(Statement(sentence.start, sentence.end, sentence.text))
            continue
        groups = _figure_groups(sentence)
        if len(groups) <= 1:
            out.append(Statement(sentence.start, sentence.end, sentence.text))
            continue
        for a, b in groups:
            out.append(Statement(sentence.start + a, sentence.start + b, sentence.text[a:b]))
    return out


@dataclass(frozen=True)
class DraftCheck:
    """The verdicts on a draft's statements (each `Verdict.span` locates it in the draft)."""

    text: str
    verdicts: tuple[Verdict, ...]
    index_version: str = ""

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICT_KINDS, 0)
        for v in self.verdicts:
            counts[v.verdict] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        statements = []
        for v in self.verdicts:
            d = v.to_dict()
            d.pop("span", None)
            start, end = v.span or (0, 0)
            statements.append({"text": v.claim, "start": start, "end": end, **d})
        return {"text": self.text, "statements": statements, "summary": self.summary(),
                "index_version": self.index_version}


def validate_draft(text: object) -> str:
    """A draft: non-empty text of at most MAX_DRAFT_CHARS characters (`text.validate.clean_text`)."""
    clean_text(text, "稿件/draft", MAX_DRAFT_CHARS, example="武威市政协调结案件35件。")
    return str(text)  # a str (clean_text raised otherwise), unstripped: offsets index the draft as sent


def _committees_named(verifier: Verifier, text: str) -> tuple[str, ...]:
    """The committee a piece of the draft names last, else the places outside the corpus it names
    ("张掖市政协…": later statements are about 张掖, which no report covers); none when it names
    none or is blank. `Verifier.verify` reads the same parse of the same words when they are in
    the claim, so a statement and the claim it would be on its own get one verdict."""
    limit = verifier.engine.max_question_chars
    try:
        parsed = verifier.engine.parse(text[-limit:], max_chars=limit)
    except InputError:
        return ()
    return tuple(parsed.committees)[-1:] or tuple(dict.fromkeys(parsed.unknown_places))


def check_draft(verifier: Verifier, text: str) -> DraftCheck:
    """Split `text` into statements and check each (see the module docstring)."""
    text = validate_draft(text)
    facts = verifier.facts()
    statements = split_statements(text, facts.committees)
    verdicts = []
    context: tuple[str, ...] = ()
    pos = 0
    for st in statements:
        named = _committees_named(verifier, text[pos : st.start]) if st.start > pos else ()
        context = named or context
        v: Verdict
        try:
            v = verifier.verify(st.text, context)
        except InputError as exc:  # e.g. a sentence longer than a claim may be
            v = Verdict(st.text, "not_found", f"无法核对这一句：{exc}")
        verdicts.append(Verdict(v.claim, v.verdict, v.explanation, v.evidence, v.expected, (st.start, st.end)))
        context = _committees_named(verifier, st.text) or context
        pos = st.end
    return DraftCheck(text, tuple(verdicts), facts.version)


#: How a verdict is named in an export: a word, never colour alone (the pages' labels).
VERDICT_NAMES = {"supported": "相符", "refuted": "不符", "not_found": "未找到依据"}
#: Columns of `draft_csv`: one row per statement, its evidence quotes joined.
DRAFT_CSV_FIELDS = ("n", "start", "end", "statement", "verdict", "verdict_label", "suggested", "explanation",
                    "evidence")


def _evidence_lines(statement: dict[str, Any]) -> list[str]:
    return [f"[{c['n']}] {c['committee']} · {c['title']} · {c['passage_id']}：“{c['quote']}”"
            for c in statement["evidence"]]


def draft_markdown(result: DraftCheck) -> str:
    """The result as Markdown: the summary, then each statement with its verdict, the figure the
    report gives when it refutes the statement, the explanation and the quoted evidence."""
    d = result.to_dict()
    s = d["summary"]
    out = ["# 稿件核对结果", "",
           f"相符 {s['supported']} · 不符 {s['refuted']} · 未找到依据 {s['not_found']}"
           f"（索引版本 {d['index_version']}）", ""]
    for n, st in enumerate(d["statements"], 1):
        out.append(f"## {n}. {VERDICT_NAMES[st['verdict']]}：{st['text']}")
        out.append("")
        if st.get("expected"):
            out.append(f"- 建议改为：{st['expected']}")
        out.append(f"- 说明：{st['explanation']}")
        out.extend(f"- 依据 {line}" for line in _evidence_lines(st))
        out.append("")
    return "\n".join(out)


def draft_csv(result: DraftCheck) -> str:
    """The result as CSV with a header row (`DRAFT_CSV_FIELDS`); a text cell a spreadsheet would
    run as a formula gets a leading apostrophe, as in `figures.figures_csv` (a draft is anyone's
    text)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(DRAFT_CSV_FIELDS), lineterminator="\n")
    writer.writeheader()
    for n, st in enumerate(result.to_dict()["statements"], 1):
        row = {"n": n, "start": st["start"], "end": st["end"], "statement": st["text"], "verdict": st["verdict"],
               "verdict_label": VERDICT_NAMES[st["verdict"]], "suggested": st.get("expected") or "",
               "explanation": st["explanation"], "evidence": "\n".join(_evidence_lines(st))}
        writer.writerow({k: inert_cell(v) for k, v in row.items()})
    return buf.getvalue()
