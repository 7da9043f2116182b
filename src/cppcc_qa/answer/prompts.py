"""Reply wording, loaded from `prompts/replies.yaml` so staff can change it without code."""
from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from cppcc_qa.errors import CppccError

__all__ = ["Replies", "load_replies"]

_REQUIRED = {
    "answer": {"span", "n"},
    "answer_en": {"span", "n"},
    "answer_part": {"span", "n"},
    "part_continued": {"span", "n"},
    "parts_joiner": set(),
    "parts_end": set(),
    "refuse_not_found": set(),
    "refuse_not_found_en": set(),
    "refuse_unknown_committee": {"place"},
    "refuse_unknown_committee_en": {"place"},
    "gap": set(),
    "when": {"period"},
    "part_not_found": {"part"},
    "greeting": set(), "greeting_en": set(), "thanks": set(), "thanks_en": set(), "bye": set(), "bye_en": set(),
    "when_en": {"period"},
    "refuse_no_more": set(), "refuse_no_more_en": set(),
    "overview": {"items"}, "overview_en": {"items"}, "overview_item": {"heading", "n"},
    "overview_which": {"known"}, "overview_which_en": {"known"},
    "computed": {"arithmetic", "note"}, "computed_en": {"arithmetic", "note"},
    "computed_years": {"years"}, "computed_years_en": {"years"},
    "computed_units": {"units"}, "computed_units_en": {"units"},
}


@dataclass(frozen=True)
class Replies:
    answer: str
    answer_en: str
    answer_part: str
    part_continued: str
    parts_joiner: str
    parts_end: str
    refuse_not_found: str
    refuse_not_found_en: str
    refuse_unknown_committee: str
    refuse_unknown_committee_en: str
    gap: str
    when: str
    part_not_found: str
    greeting: str
    greeting_en: str
    thanks: str
    thanks_en: str
    bye: str
    bye_en: str
    when_en: str
    refuse_no_more: str
    refuse_no_more_en: str
    overview: str
    overview_en: str
    overview_item: str
    overview_which: str
    overview_which_en: str
    computed: str
    computed_en: str
    computed_years: str
    computed_years_en: str
    computed_units: str
    computed_units_en: str


def load_replies(folder: Path) -> Replies:
    """Read and check the reply templates: every key present, every required placeholder kept."""
    path = folder / "replies.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CppccError(f"cannot read reply wording from {path}: {exc}") from exc
    for key, needed in _REQUIRED.items():
        if not isinstance(data.get(key), str):
            raise CppccError(f"{path}: key {key!r} is missing or not text")
        fields = {f for _, f, _, _ in string.Formatter().parse(data[key]) if f}
        if not needed <= fields:
            raise CppccError(f"{path}: {key!r} must keep the placeholders {sorted(needed)}")
    return Replies(**{k: data[k] for k in _REQUIRED})
