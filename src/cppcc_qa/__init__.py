"""cppcc-qa: cited question answering and fact-checking over CPPCC committee work reports.

The public API: build a service from settings, ask it questions, check claims::

    from cppcc_qa import Settings, build_service
    svc = build_service(Settings())
    svc.warm_up()
    svc.ask("武威市建成了多少个委员工作室？")
"""
from __future__ import annotations

__version__ = "0.1.0"

from cppcc_qa.errors import (
    CppccError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    InputError,
    ModelUnavailableError,
    NotFoundError,
    UnsupportedFileTypeError,
    UploadTooLargeError,
)
from cppcc_qa.records import Answer, Chunk, Citation, Document, Figure, Hit, Turn, Verdict
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

__all__ = [
    "__version__", "build_service", "QAService", "Settings",
    "Document", "Chunk", "Hit", "Citation", "Turn", "Answer", "Figure", "Verdict",
    "CppccError", "InputError", "IngestError", "IndexMissingError", "IndexMismatchError",
    "IndexCorruptError", "ModelUnavailableError", "NotFoundError", "IndexBusyError",
    "UploadTooLargeError", "UnsupportedFileTypeError",
]
