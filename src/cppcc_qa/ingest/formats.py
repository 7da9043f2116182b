"""Recognising and opening the file formats staff bring: plain text, Markdown, PDF, DOCX, HTML.

The type is read from the content bytes, never trusted from the name alone: `sniff` says what a
file really is, `readers.read_document` compares that with the extension. The extractors turn a
PDF, a Word file or a web page into `cjk.Block`s; every failure of the underlying parser
(pypdf, python-docx, zipfile, lxml) becomes an IngestError naming the file.
"""
from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

import filetype

from cppcc_qa.errors import IngestError, UploadTooLargeError
from cppcc_qa.ingest import bounds
from cppcc_qa.ingest.cjk import Block, split_blocks, tidy_spaces

__all__ = [
    "Sniffed",
    "sniff",
    "decode_text",
    "clean_text",
    "pdf_text",
    "docx_blocks",
    "html_blocks",
    "text_blocks",
]

_PDF_MAGIC = b"%PDF-"
_LEADING_BLANKS = b" \t\r\n\x00\xef\xbb\xbf"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)
# Decoded text is sniffed for an HTML start within this many characters.
HTML_SNIFF_CHARS = 4096
# Cc controls other than \n and \t, plus the BOM and zero-width space that web copies carry.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff\u200b]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\u2028\u2029\x85]")
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_TAGS = (*_HEADING_TAGS, "p", "li")
_DROP_TAGS = ("script", "style", "nav", "noscript", "template")
# pypdf's settings bounding what one stream may inflate to, by filter.
_PDF_OUTPUT_LIMITS = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
                      "brotli_maximum_output_length", "array_based_stream_maximum_output_length")


@dataclass(frozen=True)
class Sniffed:
    """What the bytes of a file are. `kind` is 'pdf', 'docx', 'html' or 'text' (readable), or
    'other' (not supported); `label` describes it for messages; `text` is the decoded text of
    'html'/'text' files."""

    kind: str
    label: str
    text: str = ""


_INVISIBLE_LINE = re.compile(r"^[\u200b-\u200f\u2060\ufeff\u00ad]+\n", re.M)


def clean_text(text: str) -> str:
    """NFC, line ends folded to \\n, control characters (except \\n and \\t) removed.

    Traditional characters are kept: documents are quoted as written.
    """
    text = _LINE_BREAKS.sub("\n", text)
    # a line of nothing but invisible characters is no line: left empty, it would read as the
    # blank line that ends a heading, cutting a sentence in two
    text = _INVISIBLE_LINE.sub("", text)
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def decode_text(data: bytes) -> str | None:
    """Decode text bytes: UTF-16 when it has a BOM, else UTF-8 (BOM or not), else GB18030.

    Returns None when none of them fits (the bytes are not text in a supported encoding).
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return Sniffed("other", "a damaged ZIP archive")
    if "word/document.xml" in names:
        return Sniffed("docx", "a Word .docx document")
    if "xl/workbook.xml" in names:
        return Sniffed("other", "an Excel workbook")
    if "ppt/presentation.xml" in names:
        return Sniffed("other", "a PowerPoint presentation")
    return Sniffed("other", "a ZIP archive")


def sniff(data: bytes) -> Sniffed:
    """Tell the real type of a file from its bytes (magic numbers first, then decodability).

    Text is decoded before `filetype` is asked, because its short magics match ordinary text
    ("BM…" is a bitmap, "ID3…" an MP3); so it only names binary data that is not text.
    """
    if data.lstrip(_LEADING_BLANKS).startswith(_PDF_MAGIC):
        return Sniffed("pdf", "a PDF document")
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data)
    if data.startswith(_OLE_MAGIC):
        return Sniffed("other", "a legacy Office file (.doc/.xls); save it as .docx")
    try:
        utf8: str | None = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is None:
        guess = filetype.guess(data)
        if guess is not None:
            return Sniffed("other", f"a binary {guess.mime} file")
    text = utf8 if utf8 is not None else decode_text(data)
    if text is None:
        return Sniffed("other", "binary data that is neither UTF-8 nor GB18030 text")
    if _HTML_START.match(text[:HTML_SNIFF_CHARS]):
        return Sniffed("html", "an HTML page", text)
    return Sniffed("text", "plain text", text)


def _page_content_bytes(page: Any, pypdf: Any, number: int, name: str) -> int:
    """How many bytes page `number`'s content streams inflate to, inflating no further than
    MAX_PDF_PAGE_CONTENT_BYTES (pypdf caches what it inflated, so extraction reuses it)."""
    limit = bounds.MAX_PDF_PAGE_CONTENT_BYTES
    too_big = UploadTooLargeError(f"{name}: page {number}'s content inflates past {bounds.size_label(limit)}; "
                                  f"a page may have at most {bounds.size_label(limit)} (a possible PDF bomb)")
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = [s.get_object() for s in contents] if isinstance(contents, list) else [contents]
    total = 0
    with pypdf.apply_configuration(**{key: limit + 1 for key in _PDF_OUTPUT_LIMITS}):
        try:
            for stream in streams:
                total += len(stream.get_data())
                if total > limit:
                    raise too_big
        except pypdf.errors.LimitReachedError as exc:
            raise too_big from exc
    return total


def pdf_text(data: bytes, name: str) -> str:
    """The text of every page, in content order (column-broken lines kept for `split_blocks`),
    within the bounds of `bounds` (pages, inflated content per page and in all, characters,
    seconds): past one, UploadTooLargeError naming it."""
    import pypdf  # heavy; only needed for PDFs

    budget = bounds.ExtractionBudget(name)
    pages: list[str] = []
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{name}: the PDF is password-protected; send an unprotected copy")
        if len(reader.pages) > bounds.MAX_PDF_PAGES:
            raise UploadTooLargeError(f"{name}: the PDF has {len(reader.pages)} pages; a report may have at most "
                                      f"{bounds.MAX_PDF_PAGES} pages")
        content = 0
        for number, page in enumerate(reader.pages, 1):
            content += _page_content_bytes(page, pypdf, number, name)
            if content > bounds.MAX_PDF_CONTENT_BYTES:
                raise UploadTooLargeError(
                    f"{name}: the pages' content inflates past {bounds.size_label(bounds.MAX_PDF_CONTENT_BYTES)} "
                    f"by page {number}; a PDF may have at most {bounds.size_label(bounds.MAX_PDF_CONTENT_BYTES)}")
            pages.append(page.extract_text() or "")
            budget.add(pages[-1])
    except IngestError:
        raise
    # pypdf raises a wide spread of types on damaged files (PdfReadError, ValueError, KeyError,
    # struct/zlib errors, RecursionError...); all mean the same to the caller.
    except Exception as exc:
        raise IngestError(f"{name}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    return text


def _para_text(raw: str) -> str:
    """One paragraph of already-flowed text: whitespace folded, spaces between CJK dropped."""
    return tidy_spaces(re.sub(r"\s+", " ", clean_text(raw)))


def _block(kind: str, raw: str) -> Block | None:
    text = _para_text(raw)
    if not text:
        return None
    if kind == "para" and text.startswith("▲"):
        kind = "caption"
    return Block(kind, text)


def _is_heading_style(style_name: str) -> bool:
    name = style_name.strip().lower()
    return name.startswith(("heading", "title", "标题"))


def _check_docx_xml(data: bytes, name: str) -> None:
    """UploadTooLargeError when the archive declares a word/document.xml larger than
    MAX_DOCX_XML_BYTES (zipfile never inflates a member past its declared size)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        size = zf.getinfo("word/document.xml").file_size
    if size > bounds.MAX_DOCX_XML_BYTES:
        raise UploadTooLargeError(f"{name}: its text (word/document.xml) is {bounds.size_label(size)}; a Word "
                                  f"report may have at most {bounds.size_label(bounds.MAX_DOCX_XML_BYTES)}")


def docx_blocks(data: bytes, name: str) -> list[Block]:
    """Paragraphs of a Word file in order; Heading/Title styles become headings, table rows
    paragraphs (cells joined by ' | '). Refused (UploadTooLargeError) when its document.xml
    declares more than MAX_DOCX_XML_BYTES (before python-docx parses it), or its text passes
    MAX_REPORT_CHARS or MAX_EXTRACT_SECONDS."""
    import docx  # python-docx; only needed for Word files
    from docx.table import Table

    budget = bounds.ExtractionBudget(name)
    try:
        _check_docx_xml(data, name)
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block | None] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    cells = [_para_text(c.text) for c in row.cells]
                    unique = [c for i, c in enumerate(cells) if c and c not in cells[:i]]
                    blocks.append(Block("para", " | ".join(unique)) if unique else None)
                    budget.add(" | ".join(unique))
                continue
            style = item.style.name if item.style is not None else ""
            blocks.append(_block("heading" if _is_heading_style(style or "") else "para", item.text))
            budget.add(blocks[-1].text if blocks[-1] is not None else "")
    except IngestError:
        raise
    # python-docx surfaces damage as PackageNotFoundError, BadZipFile, KeyError, lxml syntax
    # errors...; all mean "not a readable .docx".
    except Exception as exc:
        raise IngestError(f"{name}: not a readable Word .docx file ({type(exc).__name__}: {exc})") from exc
    return [b for b in blocks if b is not None]


def html_blocks(text: str) -> list[Block]:
    """h1-h6 become headings, p/li paragraphs (outermost only, so nested ones are not doubled);
    script/style/nav are dropped. A page with none of those tags falls back to its text lines."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        # a short fragment such as "report.html" is still markup to us, not a file name
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    blocks: list[Block | None] = []
    for el in soup.find_all(_BLOCK_TAGS):
        if any(parent.name in _BLOCK_TAGS for parent in el.parents):
            continue
        blocks.append(_block("heading" if el.name in _HEADING_TAGS else "para", el.get_text("")))
    found = [b for b in blocks if b is not None]
    if found:
        return found
    if soup.head is not None:
        soup.head.decompose()
    fallback = (_block("para", line) for line in soup.get_text("\n").split("\n"))
    return [b for b in fallback if b is not None]


def text_blocks(text: str) -> list[Block]:
    """Column-broken text (a .txt or a PDF's text layer) joined into blocks."""
    return split_blocks(clean_text(text))
