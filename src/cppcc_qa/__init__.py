"""cppcc-qa: cited question answering and fact-checking over CPPCC committee work reports."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
