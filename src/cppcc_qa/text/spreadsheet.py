"""Text cells for a CSV that people open in a spreadsheet.

One home for the OWASP "CSV injection" rule, shared by every CSV the package writes (the
figures table, the feedback export): a text cell whose first character would make Excel or
LibreOffice run it as a formula gets a leading apostrophe, so it is shown as the text it is.
"""
from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "inert_cell"]

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(cell: Any) -> Any:
    """`cell`, with an apostrophe before it when it is text a spreadsheet would read as a formula.
    Numbers are left alone: a negative value stays -5, not text."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
