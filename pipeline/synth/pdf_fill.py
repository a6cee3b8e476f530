"""Fill our PDFs digitally, as a teacher would, for tests, the demo and the benchmark.

:func:`fill_fillable_pdf` types into the AcroForm fields of a fillable PDF (as in a PDF
viewer); :func:`fill_print_pdf` writes onto the print PDF itself (as a PDF editor's
typewriter and stamp tools do): text in the value boxes, one digit per comb cell, a drawn
check mark in each ticked option box and a drawn stroke for a signature; or, with ``ink``, the
text written by hand with a tablet's pen, its strokes flattened into the page as paths.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import pdfplumber
from pikepdf import Array, Dictionary, Name, Object, Page, Pdf, String
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.identity import form_kind
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef, FormDef, load_form
from pipeline.atomic import atomic_write_bytes
from pipeline.render.fillable import ON
from pipeline.render.fonts import default_fonts
from pipeline.render.pen import PT, Pen
from pipeline.synth.docx_fill import SIGNED_NAME, FillValue
from pipeline.synth.strokes import skeleton

__all__ = ["fill_fillable_pdf", "fill_print_pdf"]

_PRINTED_ID = re.compile(r"表单编号\s*([0-9A-Z]{9})")
_MULTILINE_SIZE = 10.0  # pt, typed narrative text
_INK_WIDTH = 0.8  # pt, a tablet pen's stroke
Write = Callable[..., None]  # (text, x mm, baseline mm, size pt, align=...) as Pen.text


def fill_fillable_pdf(src: Path, values: Mapping[str, FillValue], out: Path) -> None:
    """Write ``src`` (a fillable PDF) to ``out`` with ``values`` typed into its fields.

    Text goes into the field named by the id (comb fields: the digits spread over its runs),
    choice options are ticked, a signature of True is typed as a name. Raises KeyError for a
    field the PDF does not have and ValueError for an option the field does not offer.
    """
    buffer = io.BytesIO()
    with Pdf.open(src) as pdf:
        acroform = pdf.Root.AcroForm
        fields = {str(f["/T"]): f for f in acroform.Fields}
        for field_id, value in values.items():
            if field_id not in fields:
                raise KeyError(f"{src.name} has no field {field_id!r}")
            _fill_field(fields[field_id], field_id, value)
        acroform.NeedAppearances = True
        pdf.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())


def _fill_field(field: Object, field_id: str, value: FillValue) -> None:
    kids = list(field.get("/Kids", []))
    if isinstance(value, tuple):
        _tick(kids, field_id, value)
    elif kids:
        for kid, part in zip(kids, _comb_parts(str(value), [int(k["/MaxLen"]) for k in kids])):
            kid.V = String(part)
    elif value is not False:
        field.V = String(SIGNED_NAME if value is True else value)


def _tick(boxes: list[Object], field_id: str, ticked: tuple[str, ...]) -> None:
    offered = [str(box["/TU"]) for box in boxes]
    unknown = set(ticked) - set(offered)
    if unknown:
        raise ValueError(f"field {field_id!r} has no option {sorted(unknown)} (offers {offered})")
    for box, option in zip(boxes, offered):
        state = Name(ON if option in ticked else "/Off")
        box.V = state
        box.AS = state


def _comb_parts(value: str, sizes: list[int]) -> list[str]:
    """Digits of ``value`` per comb run: by its own digit groups when they fit, else in order."""
    groups = re.findall(r"\d+", value)
    if len(groups) == len(sizes) and all(len(g) <= n for g, n in zip(groups, sizes)):
        return groups
    digits = "".join(groups)
    parts = []
    for n in sizes:
        parts.append(digits[:n])
        digits = digits[n:]
    return parts


def fill_print_pdf(
    src: Path,
    values: Mapping[str, FillValue],
    out: Path,
    *,
    first_page: int = 1,
    form: FormDef | None = None,
    markup: bool = False,
    ink: bool = False,
) -> None:
    """Write ``src`` to ``out`` with ``values`` drawn onto the form starting at ``first_page``.

    The form is found from the printed form id when ``form`` is not given. A signature of
    True is drawn as a pen stroke, a signature given as text is typed. With ``markup`` the
    writing goes into an annotation over each page, as a phone or tablet PDF app's "fill &
    sign" keeps it, not into the page's content. With ``ink`` the text is written by hand with
    a pen, each character's strokes a path, as a tablet's ink is once flattened into the page.
    """
    form = form or _printed_form(src, first_page)
    fonts = default_fonts()
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=(form.page_size[0] * mm, form.page_size[1] * mm))
    for page in form.pages:
        pen = Pen(canvas, fonts, form.page_size[1])
        write = partial(_handwrite, pen) if ink else pen.text
        for f in page.fields:
            if f.id in values:
                _draw(pen, f, values[f.id], write)
        canvas.showPage()
    canvas.save()
    buffer = io.BytesIO()
    with Pdf.open(src) as pdf, Pdf.open(overlay) as drawn:
        for target, overlay_page in zip(pdf.pages[first_page - 1 :], drawn.pages):
            if markup:
                _annotate(pdf, target, overlay_page)
            else:
                target.add_overlay(overlay_page, None)  # None: over the target's whole page box
        pdf.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())


def _annotate(pdf: Pdf, target: Page, drawn: Page) -> None:
    """``drawn`` as a text-box annotation's appearance over the whole of ``target``."""
    appearance = pdf.copy_foreign(drawn.as_form_xobject())
    annotation = Dictionary(
        Type=Name.Annot, Subtype=Name.FreeText, Rect=target.mediabox, F=4, DA=String("/Helv 10 Tf 0 g"), AP=Dictionary(N=appearance)
    )
    target.obj.Annots = pdf.make_indirect(Array([*target.obj.get("/Annots", Array()), pdf.make_indirect(annotation)]))


def _printed_form(src: Path, first_page: int) -> FormDef:
    with pdfplumber.open(src) as pdf:
        found = _PRINTED_ID.search(pdf.pages[first_page - 1].extract_text() or "")
    kind = form_kind(found.group(1) if found else None)
    if kind is None:
        raise ValueError(f"{src.name} page {first_page} shows no form id")
    return load_form(kind)


def _draw(pen: Pen, f: FieldDef, value: FillValue, write: Write) -> None:
    if f.kind in CHOICE_KINDS:
        if not isinstance(value, tuple) or set(value) - set(f.option_values):
            raise ValueError(f"field {f.id!r} offers {list(f.option_values)}, not {value!r}")
        for option in f.options:
            if option.value in value:
                _tick_mark(pen, option.box)
    elif f.kind == "signature" and value is True:
        _scribble(pen, f.value_box)
    elif f.kind in COMB_KINDS:
        size = defs.VALUE_FONT_SIZE
        for digit, cell in zip(re.sub(r"\D", "", str(value)), f.cells):
            write(digit, cell.x + cell.w / 2, pen.centred_baseline(cell, size), size, align="center")
    elif f.kind == "multiline":
        _lines(pen, f, str(value), write)
    elif value is not False:
        size = defs.VALUE_FONT_SIZE
        write(str(value), f.value_box.x + defs.PADDING, pen.centred_baseline(f.value_box, size), size)


def _lines(pen: Pen, f: FieldDef, text: str, write: Write) -> None:
    """A narrative: one line per guide-line band, wrapped at the box width."""
    room = f.value_box.w - 2 * defs.PADDING
    lines = [line for paragraph in text.split("\n") for line in pen.wrap(paragraph, _MULTILINE_SIZE, room)]
    if len(lines) > len(f.lines):
        raise ValueError(f"field {f.id!r}: {len(lines)} lines do not fit {len(f.lines)} bands")
    for line, band in zip(lines, f.lines):
        write(line, band.x + defs.PADDING, band.bottom - _MULTILINE_SIZE * PT * 0.3, _MULTILINE_SIZE)


def _handwrite(pen: Pen, text: str, x: float, baseline: float, size: float, *, align: str = "left") -> None:
    """``text`` written with a pen where Pen.text would type it: each character's centre-line
    strokes (pipeline.synth.strokes) drawn as paths of straight segments."""
    fonts = pen.fonts
    font = next(f for f in fonts.fonts if f.name == fonts.primary)
    widths = [pen.canvas.stringWidth(char, fonts.primary, size) * PT for char in text]
    x -= {"left": 0.0, "center": sum(widths) / 2, "right": sum(widths)}[align]
    em = size * PT
    pen.canvas.setLineWidth(_INK_WIDTH)
    for char, width in zip(text, widths):
        for stroke in (s for part in skeleton(char, font.path) for s in part):
            points = [((x + width / 2 + sx * em) * mm, pen.y(baseline + sy * em)) for sx, sy in stroke]
            path = pen.canvas.beginPath()
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            pen.canvas.drawPath(path, stroke=1, fill=0)
        x += width


def _tick_mark(pen: Pen, box: Box) -> None:
    c = pen.canvas
    c.setLineWidth(1.2)
    path = c.beginPath()
    path.moveTo((box.x + box.w * 0.2) * mm, pen.y(box.y + box.h * 0.5))
    path.lineTo((box.x + box.w * 0.42) * mm, pen.y(box.y + box.h * 0.8))
    path.lineTo((box.x + box.w * 0.85) * mm, pen.y(box.y + box.h * 0.15))
    c.drawPath(path, stroke=1, fill=0)


def _scribble(pen: Pen, box: Box) -> None:
    c = pen.canvas
    c.setLineWidth(1.0)
    x, y = box.x + box.w * 0.2, box.y + box.h * 0.6
    path = c.beginPath()
    path.moveTo(x * mm, pen.y(y))
    path.curveTo((x + 8) * mm, pen.y(y - 8), (x + 14) * mm, pen.y(y + 6), (x + 24) * mm, pen.y(y - 3))
    path.curveTo((x + 30) * mm, pen.y(y - 7), (x + 34) * mm, pen.y(y + 2), (x + 40) * mm, pen.y(y - 1))
    c.drawPath(path, stroke=1, fill=0)
