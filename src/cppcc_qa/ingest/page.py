"""Split an extracted newspaper page into its reports, following a layout file beside it.

The layout (YAML) names each report's first and last paragraph, its committee, and the page
furniture to drop. Every block of the page must land somewhere: in a report, as a caption of a
report, or in the drop list; anything else is an error, so nothing is lost silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from cppcc_qa.errors import IngestError
from cppcc_qa.ingest.cjk import Block, split_blocks
from cppcc_qa.records import Document

__all__ = ["ReportLayout", "split_page", "load_layout"]

CAPTIONS_HEADING = "图片说明"


@dataclass(frozen=True)
class ReportLayout:
    doc_id: str
    title: str
    headline: str
    committee: str
    region: str
    starts_with: str
    ends_with: str
    captions_mention: str


def load_layout(path: Path) -> tuple[str, tuple[str, ...], tuple[ReportLayout, ...]]:
    """Read a layout file: (source file name, blocks to drop, reports)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        reports = tuple(ReportLayout(**r) for r in data["reports"])
        return str(data["source"]), tuple(data.get("drop") or ()), reports
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise IngestError(f"layout file {path} is not valid: {exc}") from exc


def _render(blocks: list[Block]) -> str:
    parts = []
    for b in blocks:
        parts.append(f"## {b.text}" if b.kind == "heading" else b.text)
    return "\n\n".join(parts) + "\n"


def split_page(raw: str, source: str, drop: tuple[str, ...], reports: tuple[ReportLayout, ...]) -> list[Document]:
    """Cut the page into one Document per report, captions appended under their own heading."""
    blocks = split_blocks(raw)
    used = [False] * len(blocks)
    for i, b in enumerate(blocks):
        if b.text in drop:
            used[i] = True
    docs = []
    for rep in reports:
        first = next((i for i, b in enumerate(blocks) if b.kind != "caption" and b.text.startswith(rep.starts_with)), None)
        last = next((i for i, b in enumerate(blocks) if b.kind != "caption" and b.text.endswith(rep.ends_with)), None)
        if first is None or last is None or last < first:
            raise IngestError(f"report {rep.doc_id}: could not find its first/last paragraph on the page")
        body = [b for b in blocks[first : last + 1] if b.kind != "caption"]
        for i in range(first, last + 1):
            if blocks[i].kind != "caption":
                used[i] = True
        captions = []
        for i, b in enumerate(blocks):
            if b.kind == "caption" and rep.captions_mention in b.text:
                captions.append(Block("para", b.text))
                used[i] = True
        if captions:
            body = body + [Block("heading", CAPTIONS_HEADING)] + captions
        docs.append(
            Document(
                doc_id=rep.doc_id,
                title=rep.title,
                committee=rep.committee,
                region=rep.region,
                source=source,
                text=_render(body),
                headline=rep.headline,
            )
        )
    stray = [b.text for b, u in zip(blocks, used) if not u]
    if stray:
        raise IngestError(f"blocks on the page belong to no report and are not in the drop list: {stray[:3]}")
    return docs


def rebuild_corpus(raw_dir: Path, out_dir: Path) -> list[Path]:
    """Regenerate cleaned reports from every `<page>.layout.yaml` in raw_dir; returns the paths."""
    from cppcc_qa.ingest.docfile import dump_document

    written = []
    layouts = sorted(raw_dir.glob("*.layout.yaml"))
    if not layouts:
        raise IngestError(f"no *.layout.yaml files in {raw_dir}")
    for layout in layouts:
        source, drop, reports = load_layout(layout)
        raw = (raw_dir / source).read_text(encoding="utf-8")
        for doc in split_page(raw, source, drop, reports):
            path = out_dir / f"{doc.doc_id}.md"
            tmp = path.with_suffix(".md.tmp")
            tmp.write_text(dump_document(doc), encoding="utf-8")
            tmp.replace(path)
            written.append(path)
    return written
