"""Reading a Word/WPS/LibreOffice export of our .docx by its printed field labels.

The geometry is not ours here, but the table is: every field sits in the value cell right
of a label cell holding the field's label (see pipeline.render.docx_templates). Tables are
found from their ruling lines (pdfplumber); a value is the text of the cell right of its
label, with soft wraps joined and paragraph breaks kept. A row that Word split across a page
break continues in the first row of the next page, whose label cell is empty. Checkboxes are
the ☒/☐ glyphs before each option label; Word's grey placeholder text reads as empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef, FormDef
from pipeline.model.record import Raw, RawValue
from pipeline.readback.field_doubts import INK, INK_ELSEWHERE, NOTE, NOTE_ELSEWHERE, STRUCK, TEXT_ELSEWHERE, Stray, on_next_fields, shown_in_field
from pipeline.readback.printed_text import printed_text
from pipeline.readback.docx_text import parse_ticks
from pipeline.readback.pdf_text import (
    MM_PER_PT,
    Glyph,
    Line,
    Note,
    inset,
    inside,
    join_lines,
    overlaps,
    page_glyphs,
    page_ink,
    page_marks,
    page_notes,
    page_pictures,
    squash,
    struck_through,
    text_lines,
)
from pipeline.render.docx_templates import SIGNATURE_PLACEHOLDER, TEXT_PLACEHOLDER

__all__ = ["read_by_labels"]

SOURCE = "pdf-text"
_EMPTY_COMB = "_＿"  # Word's comb placeholder "____年__月__日" is underscores and separators


@dataclass
class _Cell:
    """A value cell, possibly continued on the next page."""

    right: float  # mm, right edge of the cell's writing area
    page: int  # 0-based page index
    top: float  # mm
    lines: list[Line] = field(default_factory=list)
    stray: bool = False  # more text in the row before the next label: not our table's shape
    pictured: bool = False  # a picture shows in the cell (a signature pasted as a picture)
    inked: bool = False  # a pen stroke or a PDF app's annotation is on the cell
    struck: list[Glyph] = field(default_factory=list)  # text struck through, left out of ``lines``
    notes: list[str] = field(default_factory=list)  # a PDF app's comments on the cell or its label

    @property
    def glyphs(self) -> list[Glyph]:
        return [g for line in self.lines for g in line.glyphs if not g.text.isspace()]


def read_by_labels(pdf: Any, form: FormDef) -> dict[str, RawValue]:
    """Every field of ``form`` from the value cell right of its label, without text struck
    through; a line printed outside the tables that the form does not print (a note typed below
    the table, a text box, a comment's balloon), ink there (a signature written below its box),
    or a PDF app's comment on no field, is shown on the next field to fill."""
    cells, strays = _value_cells(pdf, form)
    values = {f.id: _read(f, cells[f.id]) for f in form.fields}
    fillable = sorted((((c.page, c.top), f) for f in form.fields if f.fillable for c in cells[f.id][:1]), key=lambda at: at[0])
    return on_next_fields(values, fillable, strays, form.fields[-1], defs.PDF_DOUBT_CONFIDENCE)


def _value_cells(pdf: Any, form: FormDef) -> tuple[dict[str, list[_Cell]], list[Stray]]:
    """Field id → its value cells, and what lies outside the tables: each line the form does not
    print, and each pen stroke or PDF app's annotation."""
    by_label = {squash(f.label): f for f in form.fields}
    found: dict[str, list[_Cell]] = {f.id: [] for f in form.fields}
    printed = printed_text(form)
    if printed is not None and printed.outline:
        printed = None  # its items wrap into lines a text no list holds: no line can be judged
    strays: list[Stray] = []
    last: _Cell | None = None
    for number, page in enumerate(pdf.pages):
        shown = _Shown.of(page)
        glyphs = shown.glyphs
        tables = page.find_tables()
        framed = [_box(t.bbox) for t in tables]
        if printed is not None:
            strays += [((number, line.glyphs[0].top), TEXT_ELSEWHERE, text) for line in _outside(glyphs, framed) if not printed.prints_line(text := line.text)]
        strays += [((number, b.y), INK_ELSEWHERE, "") for b in shown.ink if not any(overlaps(b, t) for t in framed)]
        for t, table in enumerate(tables):
            for r, row in enumerate(table.rows):
                boxes = [_box(c) for c in row.cells if c is not None]
                texts = [squash("".join(g.text for g in inside(b, glyphs))) for b in boxes]
                if t == 0 and r == 0 and last is not None and len(boxes) > 1 and not texts[0]:
                    shown.mark(last, boxes[1])
                    continue
                for i, text in enumerate(texts[:-1]):
                    f = by_label.get(text)
                    if f is not None:
                        cell = boxes[i + 1]
                        last = _Cell(cell.right - defs.DOCX_CELL_MARGIN, number, cell.y)
                        shown.mark(last, cell, label=boxes[i])
                        last.stray = _more_text(texts[i + 2 :], by_label)
                        found[f.id].append(last)
        strays += [((number, n.box.y), NOTE_ELSEWHERE, n.text) for n in shown.notes if not any(n is p for p in shown.placed)]
    return found, strays


@dataclass
class _Shown:
    """What one page shows for the cells on it: its text (without what is struck through), the
    text struck through, pictures, ink and a PDF app's comments; ``placed`` the comments taken
    by a field."""

    glyphs: list[Glyph]
    struck: list[Glyph]
    pictures: list[Box]
    ink: list[Box]
    notes: list[Note]
    placed: list[Note] = field(default_factory=list)

    @classmethod
    def of(cls, page: Any) -> _Shown:
        everything = page_glyphs(page)
        struck = struck_through(everything, page_marks(page))
        gone = set(struck)
        kept = [g for g in everything if g not in gone]
        return cls(kept, struck, page_pictures(page), page_ink(page), page_notes(page, everything))

    def mark(self, cell: _Cell, box: Box, *, label: Box | None = None) -> None:
        """Add to ``cell`` what ``box`` (its area on this page) shows, and the ink or comments on
        its ``label`` (a signature written over 家长签名)."""
        cell.lines += text_lines(inside(box, self.glyphs, spaces=True))
        cell.struck += inside(box, self.struck)
        cell.pictured |= _shows_a_picture(box, self.pictures)
        areas = [box] if label is None else [box, label]
        cell.inked |= any(_touched(a, self.ink) for a in areas)
        on = [n for n in self.notes if any(_touched(a, [n.box]) for a in areas)]
        cell.notes += [n.text for n in on]
        self.placed += on


def _outside(glyphs: list[Glyph], tables: list[Box]) -> list[Line]:
    """The lines of text outside every table of the page."""
    return text_lines(g for g in glyphs if not any(g.centre_in(b) for b in tables))


def _more_text(rest: list[str], labels: Mapping[str, FieldDef]) -> bool:
    """True when cells after a value cell hold text before the row's next label."""
    for text in rest:
        if text in labels:
            return False
        if text:
            return True
    return False


def _shows_a_picture(cell: Box, pictures: Sequence[Box]) -> bool:
    """True when the middle of a picture lies in ``cell``."""
    return any(cell.x <= p.x + p.w / 2 <= cell.right and cell.y <= p.y + p.h / 2 <= cell.bottom for p in pictures)


def _touched(cell: Box, ink: Sequence[Box]) -> bool:
    """True when ink lies on ``cell`` (not only on its border)."""
    inner = inset(cell, defs.PDF_FRAME_INSET)
    return any(overlaps(b, inner) for b in ink)


def _box(bbox: Sequence[float]) -> Box:
    x0, top, x1, bottom = (v * MM_PER_PT for v in bbox)
    return Box(x0, top, x1 - x0, bottom - top)


def _read(f: FieldDef, cells: list[_Cell]) -> RawValue:
    if not cells:
        return RawValue(None, 0.0, SOURCE, f"PDF 中找不到字段“{f.label}”，请人工核对")
    texts = [_cell_text(f, c) for c in cells]
    doubts = [f"“{f.label}”在 PDF 中出现 {len(cells)} 次且内容不同，已取第一处"] if len(set(texts)) > 1 else []
    if cells[0].stray:
        doubts.append(f"“{f.label}”的内容分在几个单元格中，可能没有读全，请核对")
    text = texts[0]
    raw: Raw = text
    if f.kind in CHOICE_KINDS:
        ticks = parse_ticks(text, f.option_values)
        if ticks.problems:
            doubts.append(f"“{f.label}”的勾选无法确定：{'；'.join(ticks.problems)}")
        raw = ticks.ticked
    elif f.kind == "signature":
        raw = bool(text)
    if cells[0].pictured:
        raw = shown_in_field(f, raw, doubts)
    if cells[0].inked:
        raw = shown_in_field(f, raw, doubts, INK)
    struck = "".join(g.text for c in cells[:1] for g in c.struck)
    doubts += [STRUCK.format(label=f.label, how="加了删除线", text=struck)] if struck else []
    doubts += [NOTE.format(label=f.label, text=text) for text in cells[0].notes]
    return _value(raw, doubts)


def _cell_text(f: FieldDef, cell: _Cell) -> str:
    glyphs = cell.glyphs
    if not glyphs or all(g.grey for g in glyphs):
        return ""
    text = join_lines(cell.lines, cell.right)
    return "" if _is_placeholder(f, text) else text


def _is_placeholder(f: FieldDef, text: str) -> bool:
    """The prompt an empty control of the .docx shows, in case its grey colour was lost."""
    if f.kind in COMB_KINDS:
        printed = set(_EMPTY_COMB) | {c for s in f.separators for c in s.text}
        return all(c in printed for c in squash(text))
    return squash(text) in {squash(TEXT_PLACEHOLDER), squash(SIGNATURE_PLACEHOLDER), squash(f.hint)} - {""}


def _value(raw: Raw, doubts: list[str]) -> RawValue:
    confidence = defs.PDF_DOUBT_CONFIDENCE if doubts else defs.PDF_TEXT_CONFIDENCE
    return RawValue(raw, confidence, SOURCE, "；".join(doubts))

