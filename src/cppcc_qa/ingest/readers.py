"""Turning a report staff bring (.txt, .md, .pdf, .docx, .html/.htm) into a `Document`.

The type comes from the content bytes and must agree with the extension: a `.txt` that holds
PDF bytes is rejected with a message telling to rename it, rather than guessed at, so a file
is never indexed as something its owner did not say it was. A file without an extension is
read as whatever its content is.

Bodies are rendered like the built-in corpus (`page.py`): `## heading` lines, paragraphs
separated by blank lines, photo captions (▲…) gathered under `## 图片说明`. Markdown keeps its
front matter and body as written. Text is NFC-normalised and control characters are dropped,
but Traditional characters are kept: a document is quoted as written.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

from cppcc_qa.errors import IngestError, UploadTooLargeError
from cppcc_qa.ingest.bounds import MAX_REPORT_CHARS, check_report_chars
from cppcc_qa.ingest.cjk import MAX_HEADING_CHARS, Block
from cppcc_qa.ingest.docfile import check_fields, parse_document
from cppcc_qa.ingest.formats import Sniffed, clean_text, docx_blocks, html_blocks, pdf_text, sniff, text_blocks
from cppcc_qa.ingest.metadata import infer_metadata
from cppcc_qa.ingest.page import CAPTIONS_HEADING
from cppcc_qa.records import Document
from cppcc_qa.text.places import LEVEL_PATTERN

__all__ = ["read_document", "detect_committee", "render_blocks", "make_doc_id", "SUPPORTED_SUFFIXES"]

# Extension -> the kind of content it promises ('text' covers Markdown's bytes too).
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
_ALLOWED = ", ".join(SUPPORTED_SUFFIXES)
# Content kinds each extension accepts: an .html file may be a fragment with no <html> tag.
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "text": ("text",),
    "markdown": ("text",),
    "pdf": ("pdf",),
    "docx": ("docx",),
    "html": ("html", "text"),
}
_RENAME_TO = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
# A title found in the text (not a heading) is the first line at most this long, the same bound
# `cjk` uses for a heading, so a paragraph is never taken for a title.
MAX_TITLE_CHARS = MAX_HEADING_CHARS
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
# HTML read at most: pages carry several times their text in markup; 20 times the text of the
# longest report allowed parses in a few seconds.
MAX_HTML_CHARS = 20 * MAX_REPORT_CHARS
SLUG_MAX_CHARS = 40
DOC_ID_HASH_CHARS = 8

# Committee names. The formal "政协武威市委员会" / "中国人民政治协商会议武威市委员会" is trusted
# first; otherwise the most frequent "武威市政协"-style mention.
_LEVEL = LEVEL_PATTERN
_FORMAL = re.compile(rf"(?:中国人民政治协商会议|政协)([\u4e00-\u9fff]{{2,12}}?{_LEVEL})委员会")
_SHORT = re.compile(rf"([\u4e00-\u9fff]{{1,10}}?)({_LEVEL})政协")
# Characters that cannot be part of a place name here: function words, time/count words and
# administrative levels. A candidate name is cut after the last of them ("近年来武威" -> "武威",
# "外省" -> "", "市县" -> ""), so running text before a name does not stick to it.
_NOT_IN_NAME = set("的了在和与及同对由向从为将把被是有年月日届次个位名全各本外该我其这那等省市县区州盟旗来社")
MIN_NAME_CHARS = 2
_META_KEYS = ("body", "kind", "title", "date", "period")


def _place_name(run: str) -> str:
    cut = max((i for i, ch in enumerate(run) if ch in _NOT_IN_NAME), default=-1)
    name = run[cut + 1 :]
    return name if len(name) >= MIN_NAME_CHARS else ""


def detect_committee(text: str) -> str:
    """The committee a report is about, as "武威市政协"; "" when the text names none.

    The formal name "政协武威市委员会" wins; otherwise the most frequent "XX市/县/区/州/省政协"
    mention (first one on a tie).
    """
    formal: Counter[str] = Counter()
    for m in _FORMAL.finditer(text):
        name = m.group(1)
        if "省" in name[:-1]:  # "甘肃省武威市" -> "武威市"
            name = name[name.rindex("省", 0, len(name) - 1) + 1 :]
        formal[name + "政协"] += 1
    if formal:
        return formal.most_common(1)[0][0]
    short: Counter[str] = Counter()
    for m in _SHORT.finditer(text):
        name = _place_name(m.group(1))
        if name:
            short[name + m.group(2) + "政协"] += 1
    return short.most_common(1)[0][0] if short else ""


def render_blocks(blocks: list[Block]) -> str:
    """Body text as the corpus writes it: `## heading`, blank-line paragraphs, captions last."""
    body = [b for b in blocks if b.kind != "caption"]
    captions = [Block("para", b.text) for b in blocks if b.kind == "caption"]
    if captions:
        body = body + [Block("heading", CAPTIONS_HEADING)] + captions
    if not body:
        return ""
    return "\n\n".join(f"## {b.text}" if b.kind == "heading" else b.text for b in body) + "\n"


def make_doc_id(stem: str, body: str) -> str:
    """A stable id: an ASCII slug of the file stem plus the first hex of the body's sha256
    ("wuwei-report-1a2b3c4d"; a stem with no ASCII letters gives "doc-1a2b3c4d")."""
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", stem).lower()).strip("-")
    slug = slug[:SLUG_MAX_CHARS].strip("-") or "doc"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:DOC_ID_HASH_CHARS]
    return f"{slug}-{digest}"


def _title_from(body: str, stem: str) -> str:
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    for line in lines:
        m = _MD_HEADING.match(line)
        if m and m.group(1) != CAPTIONS_HEADING:
            return m.group(1)
    for line in lines:
        if len(line) <= MAX_TITLE_CHARS and not _MD_HEADING.match(line) and not line.endswith(("：", ":")):
            return line
    return stem


def _check_type(path: Path, found: Sniffed) -> str:
    """The kind to read the file as, after checking the content against the extension."""
    suffix = path.suffix.lower()
    promised = SUPPORTED_SUFFIXES.get(suffix)
    if suffix and promised is None:
        raise IngestError(f"{path.name}: unsupported file type '{suffix}'; allowed: {_ALLOWED}")
    if found.kind == "other":
        what = f"the name says {suffix} but the content is" if suffix else "unsupported content:"
        raise IngestError(f"{path.name}: {what} {found.label}; allowed: {_ALLOWED}")
    if promised is None:
        return found.kind
    if found.kind not in _ACCEPTS[promised]:
        raise IngestError(
            f"{path.name}: the name says {suffix} but the content is {found.label}; "
            f"rename it to {_RENAME_TO[found.kind]} (allowed: {_ALLOWED})"
        )
    return promised


def _parse_markdown(text: str, name: str) -> tuple[dict[str, str], str]:
    """`docfile.parse_document`, with PyYAML's construction errors (an impossible date such as
    `2024-13-01` raises ValueError) also reported as IngestError."""
    try:
        return parse_document(text, name)
    except (ValueError, OverflowError, RecursionError) as exc:
        raise IngestError(f"{name}: front matter has a value YAML cannot read: {exc}") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_document(path: Path, data: bytes | None = None, overrides: dict[str, str | None] | None = None) -> Document:
    """Read one report. `data` is the file's content when it came from an upload (the path then
    only gives the name); otherwise the file is read from disk. `overrides` (body, title, date,
    kind, period, committee) win over the front matter and over what is inferred (metadata.py).

    Raises IngestError for an empty file, an unsupported type, a name that contradicts the
    content, undecodable text or a damaged PDF/DOCX.
    """
    path = Path(path)
    if data is None:
        data = _read_bytes(path)
    if not data:
        raise IngestError(f"{path.name}: the file is empty (0 bytes)")
    found = sniff(data)
    kind = _check_type(path, found)
    meta: dict[str, str] = {}
    if kind == "markdown":
        meta, body = _parse_markdown(clean_text(found.text), path.name)
    elif kind == "text":
        body = render_blocks(text_blocks(found.text))
    elif kind == "html":
        if len(found.text) > MAX_HTML_CHARS:  # before the parser builds its tree of it
            raise UploadTooLargeError(f"{path.name}: the page has {len(found.text):,} characters of HTML; at most "
                                      f"{MAX_HTML_CHARS:,} are read")
        body = render_blocks(html_blocks(clean_text(found.text)))
    elif kind == "pdf":
        body = render_blocks(text_blocks(pdf_text(data, path.name)))
    else:
        body = render_blocks(docx_blocks(data, path.name))
    if not body.strip():
        raise IngestError(f"{path.name}: the file is empty (no text in it)")
    check_report_chars(len(body), path.name)
    given = {**meta, **check_fields({k: v for k, v in (overrides or {}).items() if v is not None}, path.name)}
    committee = given.get("committee") or detect_committee(body)
    fallback = _title_from(body, path.stem)
    info = infer_metadata(body, path.stem, committee, {k: given[k] for k in _META_KEYS if k in given}, path.name,
                          fallback_title=fallback)
    title = given.get("title") or (fallback if kind == "markdown" else info.title)
    return Document(
        doc_id=given.get("doc_id") or make_doc_id(path.stem, body),
        title=title,
        committee=committee,
        region=given.get("region", ""),
        source=given.get("source") or path.name,
        text=body,
        headline=given.get("headline", ""),
        body=info.body,
        kind=info.kind,
        date=info.date,
        period=info.period,
    )
