"""Collecting documents for a build: files and folders → Documents (one per report)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cppcc_qa.errors import IngestError
from cppcc_qa.ingest.readers import SUPPORTED_SUFFIXES, read_document
from cppcc_qa.records import Document

__all__ = ["collect_files", "load_corpus"]


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """Supported files named directly, and those at the top level of named folders (a folder's
    sub-folders, such as corpus/raw/, are not read), in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        elif p.is_file():
            out.append(p)
        else:
            raise IngestError(f"no such file or folder: {p}")
    return list(dict.fromkeys(out))


def load_corpus(paths: Sequence[Path]) -> list[Document]:
    """Read every report; the same doc_id twice is an error naming both files."""
    docs: dict[str, tuple[Document, Path]] = {}
    for f in collect_files(paths):
        doc = read_document(f)
        if doc.doc_id in docs:
            raise IngestError(f"two files give the document id {doc.doc_id!r}: {docs[doc.doc_id][1]} and {f}")
        docs[doc.doc_id] = (doc, f)
    if not docs:
        raise IngestError(f"no reports found in {', '.join(map(str, paths))} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    return [d for d, _ in docs.values()]
