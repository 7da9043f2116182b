"""How much work reading one report may take: its characters, a PDF's pages and inflated content,
a Word file's XML, and the time extraction may run. Past any bound the file is refused with
UploadTooLargeError (HTTP 413, CLI exit 2) naming the bound and its value, before anything is
added. The probe's 73 KB PDF inflated to 70 MB of page content and took 116 s to read.

Measured on this machine (2 shared cores) with pypdf 7.1 and python-docx 1.2:
- a dense CJK page written by reportlab has 17 KB of content for ~3,000 characters; pypdf reads
  plain text operators at ~3 s per inflated MiB;
- python-docx writes ~3.8 bytes of document.xml per character (Word, with its run attributes,
  several times more) and walks 1.4 MB of it in 0.45 s.
"""
from __future__ import annotations

import time

from cppcc_qa.errors import UploadTooLargeError

__all__ = ["MAX_REPORT_CHARS", "MAX_PDF_PAGES", "MAX_PDF_PAGE_CONTENT_BYTES", "MAX_PDF_CONTENT_BYTES",
           "MAX_DOCX_XML_BYTES", "MAX_EXTRACT_SECONDS", "ExtractionBudget", "size_label", "check_report_chars"]

#: Characters of text one report may have. The longest real report here (the 2019 government
#: work report) has 20,889; five times that is ~600 chunks, minutes of embedding on one core
#: while the index's writer lock is held. Longer documents are sent in parts.
MAX_REPORT_CHARS = 100_000
#: Pages of a PDF: MAX_REPORT_CHARS fills ~35 dense pages; sparse pages and pictures need more.
MAX_PDF_PAGES = 300
#: Inflated content of one page: ~60 times a dense CJK page (17 KB), ~3 s of pypdf at most.
MAX_PDF_PAGE_CONTENT_BYTES = 1024 * 1024
#: Inflated content of all pages: MAX_REPORT_CHARS at ~6 content bytes a character is ~600 KB
#: (a few MiB as Word writes it); 8 MiB is ~25 s of pypdf at most.
MAX_PDF_CONTENT_BYTES = 8 * 1024 * 1024
#: Declared size of a .docx's word/document.xml: MAX_REPORT_CHARS at ~20 bytes of Word XML a
#: character is ~2 MB; 16 MiB takes python-docx ~5 s to walk.
MAX_DOCX_XML_BYTES = 16 * 1024 * 1024
#: Wall time text extraction of one file may take, checked between pages and paragraphs.
MAX_EXTRACT_SECONDS = 30.0


def size_label(n: int) -> str:
    """Bytes as "8 MiB" or "64 KiB" for messages."""
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def check_report_chars(count: int, name: str) -> None:
    """UploadTooLargeError when a report has more than MAX_REPORT_CHARS characters."""
    if count > MAX_REPORT_CHARS:
        raise UploadTooLargeError(f"{name}: the text has more than {count:,} characters; a report may have "
                                  f"at most {MAX_REPORT_CHARS:,} characters (send a longer one in parts)")


class ExtractionBudget:
    """The characters and seconds left to the extraction of one file (stateful: it counts; not
    the request's `cppcc_qa.budget.Budget`, which ends an answer, not a file)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.chars = 0
        self.started = time.monotonic()

    def add(self, text: str) -> None:
        """Count extracted text; refuse the file once it passes MAX_REPORT_CHARS or the time."""
        self.chars += len(text)
        check_report_chars(self.chars, self.name)
        self.check_time()

    def check_time(self) -> None:
        """Refuse the file once extraction has run MAX_EXTRACT_SECONDS."""
        spent = time.monotonic() - self.started
        if spent >= MAX_EXTRACT_SECONDS:
            raise UploadTooLargeError(f"{self.name}: reading its text took more than {spent:.0f} seconds; at most "
                                      f"{MAX_EXTRACT_SECONDS:.0f} seconds are allowed (send a smaller file)")
