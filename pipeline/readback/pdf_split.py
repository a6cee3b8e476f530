"""A print PDF of a whole class (as jiafang prints it: every student's form one after another),
typed into for several students in a PDF editor and returned as one file. Each form with
anything written on it becomes a PDF of its own, its pages found by their printed footers;
forms left blank are left out. Ingest then reads each like any returned PDF
(pipeline.ingest.archives); read as one, the file became a record of the first form only.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf

from pipeline.identity import form_kind
from pipeline.model.form import load_form
from pipeline.pdf_runs import page_runs
from pipeline.pdf_space import is_turned, open_unturned
from pipeline.readback.pdf_layout import footer_of, ink_on_fields, read_by_layout
from pipeline.readback.pdf_reader import guard_parse

__all__ = ["written_forms"]


def written_forms(path: Path) -> list[tuple[str, bytes]]:
    """(form id, PDF bytes) of each form of our print layout in ``path`` with anything written
    on it, in the file's order. UnreadableFileError when a page's content cannot be parsed."""
    return guard_parse(path, lambda: _written_forms(path))


def _written_forms(path: Path) -> list[tuple[str, bytes]]:
    pages, turned = _pages_by_form(path)
    with open_unturned(path, turned) as pdf:
        written = [form_id for form_id, indices in pages.items() if _written(pdf, form_id, indices)]
    return [(form_id, _extract(path, pages[form_id])) for form_id in written]


def _pages_by_form(path: Path) -> tuple[dict[str, dict[int, int]], bool]:
    """Form id → (form page number → 0-based page index), from each page's printed footer; and
    whether a page is turned for display."""
    found: dict[str, dict[int, int]] = {}
    turned = False
    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    for doc, run in page_runs(path, count):
        turned = turned or is_turned(doc, run)
        for index in run:
            footer = footer_of(doc[index])
            if footer and form_kind(footer.group(1)):
                found.setdefault(footer.group(1), {}).setdefault(int(footer.group(2)), index)
    return found, turned


def _written(pdf: Any, form_id: str, indices: dict[int, int]) -> bool:
    """Whether anything was typed, ticked, signed or drawn on the form's pages of ``pdf`` (a
    pdfplumber document)."""
    form = load_form(form_kind(form_id) or "")
    pages = {number: pdf.pages[index] for number, index in indices.items()}
    try:
        values = read_by_layout(pages, form)
        return any(values[f.id].written for f in form.fields if f.fillable) or bool(ink_on_fields(pages, form).in_boxes)
    finally:
        for page in pages.values():
            page.close()  # its parsed objects: a class's PDF holds dozens of forms


def _extract(path: Path, indices: dict[int, int]) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(path) as pdf, pikepdf.Pdf.new() as part:
        for number in sorted(indices):
            part.pages.append(pdf.pages[indices[number]])
        part.save(out)
    return out.getvalue()
