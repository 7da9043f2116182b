"""One small error hierarchy; translated to HTTP codes / exit codes only at the edges."""
from __future__ import annotations

__all__ = [
    "CppccError",
    "InputError",
    "IngestError",
    "IndexMissingError",
    "IndexMismatchError",
    "IndexCorruptError",
    "LibraryMismatchError",
    "ModelUnavailableError",
    "NotFoundError",
    "IndexBusyError",
    "UploadTooLargeError",
    "UnsupportedFileTypeError",
    "StorageError",
    "TimeBudgetError",
    "RequestCancelledError",
    "ReplaceRefusedError",
]


class CppccError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(CppccError):
    """The caller's input is not acceptable (empty, too long, control characters...)."""


class IngestError(CppccError):
    """A source file could not be read or parsed."""


class IndexMissingError(CppccError):
    """No index has been built at the configured location."""


class IndexMismatchError(CppccError):
    """The index on disk was built with another embedder or other settings."""


class IndexCorruptError(CppccError):
    """An index file is truncated or altered (checksum mismatch)."""


class LibraryMismatchError(CppccError):
    """The reports a plain build would read disagree with the index it would replace (a build
    refuses rather than silently drop or change reports)."""


class ModelUnavailableError(CppccError):
    """The embedding model is not installed / not present locally."""


class NotFoundError(CppccError):
    """A passage or document id does not exist."""


class IndexBusyError(CppccError):
    """Another process has been building or updating the index for longer than a writer waits."""


class UploadTooLargeError(IngestError):
    """A file is over the size limit, or would expand past it (HTTP 413)."""


class UnsupportedFileTypeError(IngestError):
    """A file's name or content is of a type reports cannot come in (HTTP 415)."""


class StorageError(CppccError):
    """A store the service writes (the feedback database) cannot be read or written now: the disk
    is full, the file is damaged or cannot be opened. Says the cause; the next call tries again."""


class TimeBudgetError(CppccError):
    """A request ran past its time budget and was stopped (HTTP 503: try again later)."""


class RequestCancelledError(CppccError):
    """A request was stopped because its client went away; nobody is left to answer."""


class ReplaceRefusedError(InputError):
    """A report would replace an indexed one (same file name or doc id) without the caller
    asking for a replacement (HTTP 409)."""
