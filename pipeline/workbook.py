"""The one way jiafang saves an xlsx workbook: no cell becomes a live formula, the file is
written atomically, and a file held open by Excel gets a message a clerk can act on.

Cell values come from OCR, Word files, rosters and reviewers. openpyxl stores any string that
starts with "=" as a formula (``<f>`` in the sheet XML), so ``=HYPERLINK(...)`` read off a
return would run when the office opens the export. Every string cell that a spreadsheet app
could take for the start of a formula (= + - @, tab, CR, and the full-width ＝＋－＠ that Excel
and WPS also accept) is saved as plain text with Excel's "quote prefix" (the stored form of a
leading apostrophe): the text stays intact, and editing the cell does not turn it into a
formula either. jiafang writes no formulas of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.atomic import atomic_write

if TYPE_CHECKING:  # openpyxl is imported where a workbook is built, not at CLI start-up
    from openpyxl import Workbook

__all__ = ["FORMULA_START", "could_be_formula", "csv_safe", "guard_formulas", "save_workbook"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def could_be_formula(value: object) -> bool:
    """True for text a spreadsheet app might run as a formula when it starts a cell."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: object) -> object:
    """A CSV cell as Excel must see it: formula-like text behind an apostrophe, as typed text."""
    return "'" + value if could_be_formula(value) else value  # type: ignore[operator]


def guard_formulas(book: Workbook) -> int:
    """Make every cell of ``book`` whose text could start a formula plain, quoted text;
    returns how many cells were changed."""
    guarded = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if could_be_formula(cell.value):  # merged-away cells hold None
                    cell.data_type = "s"  # openpyxl typed it "f" on assignment
                    cell.quotePrefix = True
                    guarded += 1
    return guarded


def save_workbook(book: Workbook, out: Path) -> Path:
    """Guard ``book``'s cells and save it to ``out`` atomically (see pipeline.atomic)."""
    guard_formulas(book)
    return atomic_write(out, book.save)
