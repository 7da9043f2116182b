"""Reading and writing a cleaned report: Markdown with YAML front matter."""
from __future__ import annotations

from pathlib import Path

import yaml

from cppcc_qa.errors import IngestError
from cppcc_qa.records import Document

__all__ = ["dump_document", "parse_document", "FRONT_MATTER_FIELDS"]

FRONT_MATTER_FIELDS = ("doc_id", "title", "headline", "committee", "region", "source", "body", "kind", "date", "period")
_ALWAYS = FRONT_MATTER_FIELDS[:6]  # written even when empty; the metadata fields only when known


def dump_document(doc: Document) -> str:
    """Serialise a Document as Markdown with front matter; `parse_document` gives it back exactly."""
    meta = {k: getattr(doc, k) for k in FRONT_MATTER_FIELDS if k in _ALWAYS or getattr(doc, k)}
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{head}---\n{doc.text}"


def parse_document(text: str, fallback_id: str = "") -> tuple[dict[str, str], str]:
    """Split front matter from body. Returns (metadata, body); no front matter gives ({}, text)."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise IngestError(f"{fallback_id or 'document'}: front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{fallback_id or 'document'}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise IngestError(f"{fallback_id or 'document'}: front matter must be a mapping")
    return {str(k): "" if v is None else str(v) for k, v in meta.items()}, text[end + 5 :]


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
