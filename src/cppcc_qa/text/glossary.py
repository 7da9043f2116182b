"""Everyday words and the wording of work reports: "老人" → 60岁以上人口, "大学生" → 高校毕业生,
"foreign investment" → 实际使用外资.

General vocabulary of work reports, kept as data (`assets/lexicon/glossary.yaml`, which staff may
extend), never words of one report. `equivalents` finds the glossary phrases of a question and
the report wordings they stand for; `covered` lets a passage that holds a report wording count as
holding the question's phrase; `english` maps English phrases to Chinese terms before the word
vectors are asked (search/crosslingual.py). May import: text/ only.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

__all__ = ["Glossary", "load_glossary", "default_glossary", "Equivalent", "covered"]

#: A question phrase and the report wordings it stands for.
Equivalent = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Glossary:
    zh: Mapping[str, tuple[str, ...]]
    en: Mapping[str, tuple[str, ...]]
    same: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # word → all words of its meaning

    def forms(self, word: str) -> tuple[str, ...]:
        """`word` and the words of the same meaning in report language ("上年" → 上年, 去年, …)."""
        return self.same.get(word, (word,))

    def equivalents(self, text: str) -> tuple[Equivalent, ...]:
        """The glossary phrases of a Chinese question (longest first, not overlapping) with their
        report wordings; a phrase whose wording the question already holds adds nothing."""
        out: list[Equivalent] = []
        taken: list[tuple[int, int]] = []
        for key in sorted(self.zh, key=len, reverse=True):
            at = text.find(key)
            if at < 0 or any(a < at + len(key) and at < b for a, b in taken):
                continue
            taken.append((at, at + len(key)))
            values = tuple(v for v in self.zh[key] if v not in text)
            if values:
                out.append((key, values))
        return tuple(out)

    def english(self, text: str) -> tuple[tuple[str, ...], str]:
        """Chinese terms for the English glossary phrases of `text` (longest first), and the text
        left for the word vectors."""
        low = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
        terms: list[str] = []
        for key in sorted(self.en, key=len, reverse=True):
            pattern = f" {key} "
            if pattern in low:
                terms.extend(v for v in self.en[key] if v not in terms)
                low = low.replace(pattern, " | ")
        return tuple(terms), low


def covered(text: str, equivalents: Sequence[Equivalent]) -> str:
    """`text` with the question phrases whose report wording it holds appended, so that word
    coverage counts "老人" as found in "60岁以上人口已达2.5亿"."""
    extra = [key for key, values in equivalents if key not in text and any(v in text for v in values)]
    return f"{text} {' '.join(extra)}" if extra else text


def load_glossary(path: Path | None = None) -> Glossary:
    """The glossary at `path` (read now), else the one shipped in the package (read once)."""
    return _parse(path.read_text(encoding="utf-8")) if path is not None else default_glossary()


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The glossary shipped in the package."""
    return _parse(resources.files("cppcc_qa").joinpath("assets", "lexicon", "glossary.yaml").read_text(encoding="utf-8"))


def _parse(raw: str) -> Glossary:
    data = yaml.safe_load(raw) or {}

    def table(name: str) -> dict[str, tuple[str, ...]]:
        section = data.get(name) or {}
        if not isinstance(section, dict):
            raise ValueError(f"glossary: {name!r} must map words to lists of words")
        return {str(k): tuple(str(v) for v in (vs if isinstance(vs, list) else [vs])) for k, vs in section.items()}

    groups = data.get("same") or []
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise ValueError("glossary: 'same' must be a list of lists of words")
    same = {str(w): tuple(str(v) for v in g) for g in groups for w in g}
    return Glossary(table("zh"), {k.lower(): v for k, v in table("en").items()}, same)

