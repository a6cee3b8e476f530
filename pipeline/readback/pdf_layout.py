"""Reading our own print PDF filled digitally, by the layout boxes of the form definition.

The page keeps our geometry, so each field is read from where the definition put it: text
inside its value box, one digit per comb cell, a tick (any character, or a drawn mark that
is not the printed frame) inside an option box, a signature as any text or stroke in its
box. The printed static content (labels, option labels, separators) lies outside those
areas; a pre-filled value printed by us lies inside and is read as the field's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef, FormDef, PageDef
from pipeline.model.record import Raw, RawValue
from pipeline.pdf_space import media_height
from pipeline.readback.field_doubts import INK_ELSEWHERE, NOTE, NOTE_ELSEWHERE, TEXT, TEXT_ELSEWHERE, Stray, doubted, on_next_fields, shown_in_field
from pipeline.readback.pdf_text import (
    MM_PER_PT,
    Glyph,
    Line,
    Mark,
    inset,
    inside,
    join_lines,
    overlaps,
    page_glyphs,
    page_ink,
    page_marks,
    page_notes,
    page_pictures,
    pdfium_glyphs,
    squash,
    text_lines,
)

__all__ = ["FOOTER", "InkOnFields", "footer_of", "form_pages", "ink_on_fields", "layout_matches", "pen_strokes_on", "read_by_layout", "shown_on_next_fields"]

SOURCE = "pdf-text"
FOOTER = re.compile(r"表单编号\s*([0-9A-Z]{9})\s*第\s*(\d+)\s*/\s*(\d+)\s*页")
FOOTER_BOX = Box(*defs.FOOTER_BOX)  # where every form prints its footer


def layout_matches(glyphs: Sequence[Glyph], page: PageDef) -> bool:
    """True when the page's labels are printed where ``page`` puts them (our print geometry)."""
    found = sum(_label_in_place(glyphs, f) for f in page.fields)
    return bool(page.fields) and found >= defs.PDF_LAYOUT_MATCH * len(page.fields)


def _label_in_place(glyphs: Sequence[Glyph], f: FieldDef) -> bool:
    lines = text_lines(inside(f.label_box, glyphs))
    if not lines or not squash("".join(line.text for line in lines)).startswith(squash(f.label)):
        return False
    return abs(lines[0].glyphs[0].x0 - (f.label_box.x + defs.PADDING)) <= defs.PDF_LABEL_TOLERANCE


def form_pages(doc: Any, form: FormDef, form_id: str) -> tuple[dict[int, int], tuple[str, ...]]:
    """Form page number → 0-based page index of a pypdfium2 document, from the printed footers.

    A class PDF holds many forms; only the footer region is read (fast). A PDF whose footers do
    not name ``form_id`` (e.g. re-printed without them) is taken page by page from its start.
    """
    pages: dict[int, int] = {}
    for index in range(len(doc)):
        found = footer_of(doc[index])
        if found and found.group(1) == form_id:
            pages.setdefault(int(found.group(2)), index)
            if len(pages) == form.page_count:
                break
    if pages:
        return pages, ()
    fallback = {number: number - 1 for number in range(1, min(form.page_count, len(doc)) + 1)}
    return fallback, (f"页脚中没有表单编号 {form_id}，已按页序读取",)


def footer_of(page: pdfium.PdfPage) -> re.Match[str] | None:
    """The printed footer of a page of our layout ("表单编号 R… 第 n/m 页": groups form id,
    page number, page count), read from its box alone (fast)."""
    box = FOOTER_BOX
    if page.get_rotation():
        # pdfium gives bounded text in the order it is shown: a page turned upside down, its words backwards
        return FOOTER.search(squash("".join(g.text for g in sorted(inside(box, pdfium_glyphs(page)), key=lambda g: g.x0))))
    height = media_height(page)  # points; pdfium's y runs up
    text = page.get_textpage().get_text_bounded(box.x / MM_PER_PT, height - box.bottom / MM_PER_PT, box.right / MM_PER_PT, height - box.y / MM_PER_PT)
    return FOOTER.search(text)


def pen_strokes_on(page: pdfium.PdfPage, form: FormDef) -> bool:
    """Whether a pen wrote on ``page`` of our print layout where text is written: a curved or
    many-pointed path inside a text, date or digit box, as a tablet's ink leaves it once
    flattened into the page (our print draws only rectangles and straight lines there). The
    layout reader reads typed characters only; such a page is for the scan reader."""
    found = footer_of(page)
    page_def = next((p for p in form.pages if p.number == (int(found.group(2)) if found else 1)), None)
    if page_def is None:
        return False
    boxes = [inset(f.value_box, defs.PDF_FRAME_INSET) for f in page_def.fields if f.kind not in CHOICE_KINDS and f.kind != "signature"]
    height = media_height(page)
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,)):
        left, bottom, right, top = obj.get_bounds()
        x, y = (left + right) / 2 * MM_PER_PT, height * MM_PER_PT - (bottom + top) / 2 * MM_PER_PT
        if any(b.x <= x <= b.right and b.y <= y <= b.bottom for b in boxes) and _drawn_by_hand(obj):
            return True
    return False


def _drawn_by_hand(path: pdfium.PdfObject) -> bool:
    """A path with a curve, or with more straight segments than a rectangle has."""
    kinds = [pdfium_c.FPDFPathSegment_GetType(pdfium_c.FPDFPath_GetPathSegment(path.raw, i)) for i in range(pdfium_c.FPDFPath_CountSegments(path.raw))]
    return pdfium_c.FPDF_SEGMENT_BEZIERTO in kinds or kinds.count(pdfium_c.FPDF_SEGMENT_LINETO) > defs.PDF_RECT_SEGMENTS


def read_by_layout(pages: Mapping[int, Any], form: FormDef) -> dict[str, RawValue]:
    """Every field of ``form`` from the pages holding it (form page number → pdfplumber page);
    a PDF app's comment is shown on the field it lies on, and it or text typed where the form
    prints nothing on no field is shown on the next field to fill."""
    values: dict[str, RawValue] = {}
    strays: list[Stray] = []
    for page_def in form.pages:
        page = pages.get(page_def.number)
        if page is None:
            missing = f"PDF 中没有表单第 {page_def.number} 页，请核对"
            values.update({f.id: RawValue(None, 0.0, SOURCE, missing) for f in page_def.fields})
            continue
        glyphs, marks, pictures = page_glyphs(page), page_marks(page), page_pictures(page)
        values.update({f.id: read_field(f, glyphs, marks, pictures) for f in page_def.fields})
        for run in _stray_runs(glyphs, page_def, form):
            text = "".join(g.text for g in run).strip()
            own = next((f for f in page_def.fields if run[0].centre_in(f.box)), None)
            if own is not None:
                values[own.id] = doubted(values[own.id], TEXT.format(label=own.label, text=text), defs.PDF_DOUBT_CONFIDENCE)
            else:
                strays.append(((page_def.number, run[0].top), TEXT_ELSEWHERE, text))
        for note in page_notes(page, glyphs):
            on = [f for f in page_def.fields if overlaps(note.box, f.box)]
            values.update({f.id: doubted(values[f.id], NOTE.format(label=f.label, text=note.text), defs.PDF_DOUBT_CONFIDENCE) for f in on})
            strays += [] if on else [((page_def.number, note.box.y), NOTE_ELSEWHERE, note.text)]
    return shown_on_next_fields(values, form, strays)


def shown_on_next_fields(values: dict[str, RawValue], form: FormDef, strays: Sequence[Stray]) -> dict[str, RawValue]:
    """``values`` with each of ``strays`` (found at (form page, top) outside every field) shown
    on the next field to fill."""
    fillable = [((p.number, f.value_box.y), f) for p in form.pages for f in p.fields if f.fillable]
    return on_next_fields(values, fillable, strays, form.fields[-1], defs.PDF_DOUBT_CONFIDENCE)


def _stray_runs(glyphs: Sequence[Glyph], page: PageDef, form: FormDef) -> list[list[Glyph]]:
    """The runs of characters outside the page's value and content boxes that the layout does
    not print there: its labels, its texts, the title and the footer."""
    boxes = [*(f.value_box for f in page.fields), *page.content_boxes]
    labels = {squash(f.label) for f in page.fields}
    texts = [squash(t.text) for t in page.texts]
    title = squash(form.title)
    found = []
    for line in text_lines(g for g in glyphs if not any(g.centre_in(b) for b in boxes)):
        for run in _runs(line):
            text = squash("".join(g.text for g in run))
            printed = text in labels or text.endswith(title) or FOOTER.fullmatch(text) or any(text in t for t in texts)
            if text and not printed:
                found.append(run)
    return found


def _runs(line: Line) -> list[list[Glyph]]:
    """A line's characters in runs set apart by a gap wider than two characters (two labels
    of one row, a label and what was typed far from it)."""
    runs = [[line.glyphs[0]]]
    for a, b in zip(line.glyphs, line.glyphs[1:]):
        if b.x0 - a.x1 > defs.PDF_RUN_GAP * a.size:
            runs.append([])
        runs[-1].append(b)
    return runs


@dataclass(frozen=True)
class InkOnFields:
    """Where pen strokes and a PDF app's annotations lie on our layout: on the boxes of
    ``in_boxes`` (a signature, or a note over typed text), on the labels of ``on_labels`` (a
    signature written over 家长签名), and outside every field (``elsewhere``: a signature written
    below its box, a note over the printed guidance). Our print draws no such thing."""

    in_boxes: list[FieldDef]
    on_labels: list[FieldDef]
    elsewhere: list[Stray]


def ink_on_fields(pages: Mapping[int, Any], form: FormDef) -> InkOnFields:
    """Where the ink on the pages holding ``form`` (form page number → pdfplumber page) lies."""
    found = InkOnFields([], [], [])
    for page_def in form.pages:
        page = pages.get(page_def.number)
        for b in page_ink(page) if page is not None else []:
            if boxed := [f for f in page_def.fields if overlaps(b, inset(f.value_box, defs.PDF_FRAME_INSET))]:
                found.in_boxes.extend(f for f in boxed if f not in found.in_boxes)
                continue
            on = [f for f in page_def.fields if overlaps(b, f.box)]
            found.on_labels.extend(f for f in on if f not in found.on_labels)
            found.elsewhere.extend([] if on else [((page_def.number, b.y), INK_ELSEWHERE, "")])
    return found


def read_field(f: FieldDef, glyphs: Sequence[Glyph], marks: Sequence[Mark], pictures: Sequence[Box]) -> RawValue:
    doubts: list[str] = []
    raw: Raw
    pictured = any(overlaps(p, inset(f.value_box, defs.PDF_FRAME_INSET)) for p in pictures)
    if f.kind in CHOICE_KINDS:
        raw = tuple(o.value for o in f.options if _ticked(o.box, glyphs, marks))
    elif f.kind in COMB_KINDS:
        raw = _comb(f, glyphs, doubts)
    elif f.kind == "signature":
        area = inset(f.value_box, defs.PDF_FRAME_INSET)
        raw = bool(inside(area, glyphs)) or any(m.kind != "rect" and overlaps(m.box, area) for m in marks)
    else:
        raw = _text(f, glyphs, doubts)
    if pictured:
        raw = shown_in_field(f, raw, doubts)
    confidence = defs.PDF_DOUBT_CONFIDENCE if doubts else 1.0
    return RawValue(raw, confidence, SOURCE, "；".join(doubts))


def _text(f: FieldDef, glyphs: Sequence[Glyph], doubts: list[str]) -> str:
    box = f.value_box
    straddling = [g for g in glyphs if not g.centre_in(box) and not g.text.isspace() and _overlap(g, box) > defs.PDF_STRADDLE_SHARE]
    if straddling:
        doubts.append(f"“{f.label}”的文字超出了方框，请核对")
    lines = text_lines(inside(box, glyphs, spaces=True))
    return join_lines(lines, box.right - defs.PADDING)


def _overlap(g: Glyph, box: Box) -> float:
    """Share of a glyph's area that lies inside ``box``."""
    w = max(0.0, min(g.x1, box.right) - max(g.x0, box.x))
    h = max(0.0, min(g.bottom, box.bottom) - max(g.top, box.y))
    area = (g.x1 - g.x0) * (g.bottom - g.top)
    return w * h / area if area > 0 else 0.0


def _comb(f: FieldDef, glyphs: Sequence[Glyph], doubts: list[str]) -> str:
    """Digits cell by cell with the printed separators between them ("2025年11月03日")."""
    in_field = inside(f.value_box, glyphs)
    parts: list[tuple[float, str]] = []
    for cell in f.cells:
        chars = "".join(g.text for g in sorted(inside(cell, in_field), key=lambda g: g.x0))
        if len(chars) > 1:
            doubts.append(f"“{f.label}”的一个方格中有“{chars}”（应一格一个数字）")
        parts.append((cell.x, chars))
    placed = (*f.cells, *(s.box for s in f.separators))
    stray = [g for g in in_field if not any(g.centre_in(b) for b in placed)]
    if stray:
        doubts.append(f"“{f.label}”有写在方格外的字符“{''.join(g.text for g in stray)}”")
    if not any(chars for _, chars in parts):
        return ""
    parts += [(s.box.x, s.text) for s in f.separators]
    return "".join(text for _, text in sorted(parts))


def _ticked(box: Box, glyphs: Sequence[Glyph], marks: Sequence[Mark]) -> bool:
    """A character or a drawn mark inside the option box; the box's own frame does not count."""
    inner = inset(box, defs.PDF_FRAME_INSET)
    if inside(inner, glyphs):
        return True
    return any(overlaps(m.box, inner) and not _is_frame(m, box) for m in marks)


def _is_frame(mark: Mark, box: Box) -> bool:
    """A printed rectangle around the option box: its own square or the field's frame."""
    tol = defs.PDF_FRAME_INSET
    b = mark.box
    return mark.kind == "rect" and b.x <= box.x + tol and b.y <= box.y + tol and b.right >= box.right - tol and b.bottom >= box.bottom - tol
