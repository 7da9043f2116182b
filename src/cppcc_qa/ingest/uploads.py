"""Checking a report file before it is read: its name, its size, its real type, and (for ZIP-based
files such as .docx) how far it would expand.

Uploaded bytes are read from memory and never written under the name they came with: the name
only gives the extension the content must agree with and the `source` shown to readers. So a
name is refused when it is anything but a plain file name (folders, `..`, a drive, NUL or other
control characters), rather than cleaned up and trusted.

A ZIP archive is checked from its central directory before any parser opens it: Python's
`zipfile` never inflates a member past the size the directory declares for it (and then checks
its CRC), so bounding the declared sizes bounds what python-docx can be made to hold in memory.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path, PureWindowsPath

from cppcc_qa.errors import IngestError, UnsupportedFileTypeError, UploadTooLargeError
from cppcc_qa.ingest.formats import sniff
from cppcc_qa.ingest.readers import SUPPORTED_SUFFIXES, read_document
from cppcc_qa.records import Document

__all__ = ["UploadTooLargeError", "UnsupportedFileTypeError", "check_name", "check_archive",
           "read_report", "MAX_NAME_BYTES", "MAX_EXPANDED_BYTES", "MAX_COMPRESSION_RATIO"]

# Longest file name most file systems accept; a longer one is not a real report's name.
MAX_NAME_BYTES = 255
# A .docx expands to its XML parts, which python-docx and lxml hold in memory (several times
# their size once parsed). Real reports are a few MiB expanded; 100 MiB leaves ample room.
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
# Parts in a real .docx: a few dozen (XML, relationships, media). A bomb may use many thousands.
MAX_ARCHIVE_MEMBERS = 2000
# Word XML deflates 5-20x, media ~1x; bombs reach 1000x. Only members expanding past
# RATIO_MIN_BYTES are judged, so a tiny, very repetitive styles part is not taken for one.
MAX_COMPRESSION_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_ALLOWED = ", ".join(SUPPORTED_SUFFIXES)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def check_name(name: str | None) -> str:
    """The name if it is a plain file name; IngestError saying what is wrong otherwise."""
    if name is None or not name.strip():
        raise IngestError("every uploaded file needs a file name, such as report.pdf")
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf")), None)
    if bad is not None:
        raise IngestError(f"file name {name!r} contains the control character U+{ord(bad):04X}; "
                          "send a plain file name such as report.pdf")
    if "/" in name or "\\" in name or name.strip() in (".", "..") or PureWindowsPath(name).drive:
        raise IngestError(f"file name {name!r} names a folder or a path; send a plain file name "
                          "such as report.pdf")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise IngestError(f"file name is {len(name.encode('utf-8'))} bytes long; at most "
                          f"{MAX_NAME_BYTES} are allowed")
    return name


def check_archive(data: bytes, name: str) -> None:
    """Refuse a ZIP (such as a .docx) that would expand past MAX_EXPANDED_BYTES (413), that has
    too many members or a member compressed more than MAX_COMPRESSION_RATIO times (422), judged
    from its central directory alone (nothing is inflated here)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestError(f"{name}: a damaged ZIP archive ({exc})") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise IngestError(f"{name}: the archive holds {len(members)} parts; a document has at most "
                          f"{MAX_ARCHIVE_MEMBERS}")
    expanded = sum(m.file_size for m in members)
    if expanded > MAX_EXPANDED_BYTES:
        raise UploadTooLargeError(f"{name}: the archive would expand to {_mib(expanded)}; at most "
                                  f"{_mib(MAX_EXPANDED_BYTES)} is allowed")
    for m in members:
        if m.file_size > RATIO_MIN_BYTES and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise IngestError(f"{name}: part {m.filename!r} is compressed "
                              f"{m.file_size // max(m.compress_size, 1)}x (more than "
                              f"{MAX_COMPRESSION_RATIO}x): refused as a possible ZIP bomb")


def read_report(name: str | None, data: bytes, max_bytes: int | None = None,
                metadata: dict[str, str | None] | None = None) -> Document:
    """Check and read one report given as a name and its bytes (an upload, or a file staff
    named on the command line). Raises UploadTooLargeError (size), UnsupportedFileTypeError
    (a type reports do not come in) or IngestError (a bad name, a name that contradicts the
    content, a damaged or empty file, bad `metadata`: an empty body, a date that is none)."""
    name = check_name(name)
    if max_bytes is not None and len(data) > max_bytes:
        raise UploadTooLargeError(f"{name} is {_mib(len(data))}; at most {_mib(max_bytes)} is allowed")
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileTypeError(f"{name}: unsupported file type '{suffix}'; allowed: {_ALLOWED}")
    if data.startswith(_ZIP_MAGIC):
        check_archive(data, name)
    found = sniff(data) if data else None
    if found is not None and found.kind == "other":
        raise UnsupportedFileTypeError(f"{name}: the content is {found.label}; allowed: {_ALLOWED}")
    return read_document(Path(name), data, metadata)
