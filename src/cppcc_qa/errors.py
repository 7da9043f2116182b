"""One small error hierarchy; translated to HTTP codes / exit codes only at the edges."""
from __future__ import annotations

__all__ = [
    "CppccError",
    "InputError",
    "IngestError",
    "IndexMissingError",
    "IndexMismatchError",
    "IndexCorruptError",
    "ModelUnavailableError",
    "NotFoundError",
    "IndexBusyError",
    "UploadTooLargeError",
    "UnsupportedFileTypeError",
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


class ReplaceRefusedError(InputError):
    """A report would replace an indexed one (same file name or doc id) without the caller
    asking for a replacement (HTTP 409)."""
