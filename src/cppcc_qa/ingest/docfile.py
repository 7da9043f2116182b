"""Reading and writing a cleaned report: Markdown with YAML front matter.

Front matter is untrusted input (an upload's own): it is read only up to MAX_FRONT_MATTER_CHARS,
refused when it holds a YAML anchor or alias (a 325-byte alias bomb expanded to a 722,220-character
title and held the index's writer lock for 9+ minutes; reports have no use for either), and every
field must be a scalar of at most FIELD_MAX_CHARS characters (`check_fields`, applied also to the
values given beside a file).
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

import yaml

from cppcc_qa.errors import IngestError
from cppcc_qa.records import Document

__all__ = ["dump_document", "parse_document", "check_fields", "FRONT_MATTER_FIELDS", "FIELD_MAX_CHARS",
           "MAX_FRONT_MATTER_CHARS"]

FRONT_MATTER_FIELDS = ("doc_id", "title", "headline", "committee", "region", "source", "body", "kind", "date", "period")
_ALWAYS = FRONT_MATTER_FIELDS[:6]  # written even when empty; the metadata fields only when known
#: The longest value each field may have. The built-in and evaluation reports use at most: doc_id
#: 25, title 14, headline 15, committee 5, region 6, source 24, body 3, kind 6, date 10, period 9;
#: the bounds leave room for real names while keeping every field a line, not a text.
FIELD_MAX_CHARS: dict[str, int] = {
    "doc_id": 120,  # library.DOC_ID_PATTERN's bound
    "title": 255,  # a title may be the file stem, and a file name has at most 255 bytes
    "headline": 200,
    "committee": 60,  # "中国人民政治协商会议XX省XX市XX县委员会" is ~25
    "region": 60,
    "source": 255,  # uploads.MAX_NAME_BYTES: a file name
    "body": 60,
    "kind": 40,
    "date": 20,  # 2024-03-05; room for a time of day, so parse_date can say what is wrong with it
    "period": 40,  # "2018—2022", or a few words
}
#: Longest front matter read: every field at its bound, with keys, is about 1,200 characters;
#: the built-in reports' are 150.
MAX_FRONT_MATTER_CHARS = 4096
_SCALARS = (str, int, float, bool, datetime.date)


def check_fields(values: Mapping[str, object], source: str) -> dict[str, str]:
    """`values` as strings, when each is a scalar no longer than its FIELD_MAX_CHARS bound (an
    unknown key: the title's); IngestError naming the field, its length and the bound otherwise."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            out[key] = ""
            continue
        if not isinstance(value, _SCALARS):
            raise IngestError(f"{source}: {key} must be text, not a YAML {type(value).__name__}")
        text = str(value)
        limit = FIELD_MAX_CHARS.get(key, FIELD_MAX_CHARS["title"])
        if len(text) > limit:
            raise IngestError(f"{source}: {key} is {len(text)} characters long; at most {limit} are allowed")
        out[key] = text
    return out


def _refuse_anchors(head: str, source: str) -> None:
    """IngestError if the YAML `head` holds an anchor (&a) or an alias (*a), read from the event
    stream, which never expands anything."""
    for event in yaml.parse(head, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)  # an alias event names the anchor it repeats
        if anchor is not None:
            mark = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise IngestError(f"{source}: front matter uses a YAML anchor or alias ({mark}{anchor}), which "
                              "reports have no use for (they can expand a few bytes into megabytes); write each value out")


def dump_document(doc: Document) -> str:
    """Serialise a Document as Markdown with front matter; `parse_document` gives it back exactly."""
    meta = {k: getattr(doc, k) for k in FRONT_MATTER_FIELDS if k in _ALWAYS or getattr(doc, k)}
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{head}---\n{doc.text}"


def parse_document(text: str, fallback_id: str = "") -> tuple[dict[str, str], str]:
    """Split front matter from body. Returns (metadata, body); no front matter gives ({}, text)."""
    if not text.startswith("---\n"):
        return {}, text
    source = fallback_id or "document"
    end = text.find("\n---\n", 4, MAX_FRONT_MATTER_CHARS + 5)
    if end < 0:
        if text.find("\n---\n", 4) > 0:
            raise IngestError(f"{source}: front matter is longer than {MAX_FRONT_MATTER_CHARS} characters")
        raise IngestError(f"{source}: front matter is not closed by a '---' line")
    head = text[4:end]
    try:
        _refuse_anchors(head, source)
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{source}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise IngestError(f"{source}: front matter must be a mapping")
    return check_fields({str(k): v for k, v in meta.items()}, source), text[end + 5 :]


def read_markdown_document(path: Path) -> Document:
    """Load a cleaned corpus file (metadata it does not give is inferred, as on reading)."""
    from cppcc_qa.ingest.metadata import infer_metadata

    meta, body = parse_document(path.read_text(encoding="utf-8"), path.name)
    title = meta.get("title") or path.stem
    info = infer_metadata(body, path.stem, meta.get("committee", ""),
                          {k: meta[k] for k in ("body", "kind", "title", "date", "period") if k in meta}, path.name,
                          fallback_title=title)
    return Document(
        doc_id=meta.get("doc_id") or path.stem,
        title=title,
        committee=meta.get("committee", ""),
        region=meta.get("region", ""),
        source=meta.get("source", path.name),
        text=body,
        headline=meta.get("headline", ""),
        body=info.body,
        kind=info.kind,
        date=info.date,
        period=info.period,
    )
