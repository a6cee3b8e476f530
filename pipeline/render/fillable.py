"""The fillable PDF: one issued form's print pages plus an AcroForm field per fillable field.

The pages are the print PDF's (same geometry, QR code and footer), so the file prints like
the paper form and a scan of the printout reads like one. On top, pikepdf adds:

- a text field named ``<field id>`` at the value box of each text, multi-line (multi-line
  flag) and signature field (a typed name is the signature);
- for date, time-range, phone and digit fields, one comb text field per run of adjacent
  cells, named ``<field id>.<run>`` (runs numbered from 1, ``/MaxLen`` = its cell count), so
  each typed digit lands in its printed cell; the printed 年/月/日/:/— stay between runs;
- for choice fields, one checkbox per option, named ``<field id>.<option index>`` (0-based,
  in the definition's order; the option value is its tooltip), on value ``/Yes``;
- ``form_id``: a hidden, read-only text field holding the form id (also in the document
  information as ``/JiafangFormId``).

Pre-filled fields get no widget: their printed value is their value. Text fields use the
non-embedded Adobe-GB1 font STSong-Light with the UniGB-UTF16-H encoding, which every CJK PDF
viewer substitutes with a Song face, and the AcroForm asks viewers to draw the values
(``NeedAppearances``), so values typed in Chinese display; the values themselves are stored
as Unicode text strings and read back exactly.
"""

from __future__ import annotations

import io
import tempfile
from decimal import Decimal
from pathlib import Path

from pikepdf import Array, Dictionary, Name, Object, Pdf, Stream, String
from reportlab.lib.units import mm

from pipeline import defs
from pipeline.model.filled import FilledForm
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef
from pipeline.atomic import atomic_write_bytes
from pipeline.render.fonts import FontSet
from pipeline.render.pdf import render_pdf

__all__ = ["FORM_ID_FIELD", "FORM_ID_INFO", "ON", "comb_runs", "render_fillable_pdf"]

FORM_ID_FIELD = "form_id"
FORM_ID_INFO = "/JiafangFormId"
ON = "/Yes"  # a ticked checkbox's state
TEXT_FONT = "/STSong"  # resource name of the CJK field font in the AcroForm's /DR
TICK_FONT = "/ZaDb"
# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4.3)
READ_ONLY, MULTILINE, DO_NOT_SCROLL, COMB = 1, 1 << 12, 1 << 23, 1 << 24
PRINT, HIDDEN = 4, 2  # annotation flags
_INSET = 0.4  # mm between a printed frame line and the widget inside it


def render_fillable_pdf(filled: FilledForm, out: Path, *, fonts: FontSet | None = None, batch_id: str = "") -> None:
    """Write ``filled`` as a one-form fillable PDF to ``out`` (atomically)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        printed = Path(tmp) / "print.pdf"
        render_pdf([filled], printed, batch_id=batch_id, duplex=False, fonts=fonts)
        with Pdf.open(printed) as pdf:
            _add_form(pdf, filled)
            pdf.save(buffer)
    atomic_write_bytes(Path(out), buffer.getvalue())


def _add_form(pdf: Pdf, filled: FilledForm) -> None:
    """The AcroForm, its widgets on each page and the form id in the document information."""
    fields = Array()
    height = filled.form.page_size[1]
    for page_def, page in zip(filled.form.pages, pdf.pages):
        annots = Array()
        for f in page_def.fields:
            if f.prefill is None:
                fields.append(_add_field(pdf, f, page.obj, height, annots))
            elif f.id == FORM_ID_FIELD:
                fields.append(_form_id_field(pdf, f, filled.form_id, page.obj, height, annots))
        page.obj[Name.Annots] = annots
    pdf.Root[Name.AcroForm] = pdf.make_indirect(_acroform(pdf, fields))
    pdf.docinfo[Name(FORM_ID_INFO)] = String(filled.form_id)


def comb_runs(f: FieldDef) -> list[list[Box]]:
    """The field's comb cells split into runs of adjacent cells (one comb text field each)."""
    runs: list[list[Box]] = []
    for cell in f.cells:
        if runs and abs(runs[-1][-1].right - cell.x) < 1e-6:
            runs[-1].append(cell)
        else:
            runs.append([cell])
    return runs


def _add_field(pdf: Pdf, f: FieldDef, page: Object, height: float, annots: Array) -> Object:
    if f.kind in COMB_KINDS:
        kids = [_text_widget(_span(run), height, page, name=str(i), flags=COMB | DO_NOT_SCROLL, max_len=len(run)) for i, run in enumerate(comb_runs(f), start=1)]
        return _parent(pdf, f, Name.Tx, kids, annots)
    if f.kind in CHOICE_KINDS:
        kids = [_checkbox(pdf, o.box, height, page, str(i), o.value) for i, o in enumerate(f.options)]
        return _parent(pdf, f, Name.Btn, kids, annots)
    flags = MULTILINE if f.kind == "multiline" else 0
    widget = _text_widget(f.value_box, height, page, name=f.id, flags=flags)
    widget.update({"/FT": Name.Tx, "/TU": String(f.label)})
    ref = pdf.make_indirect(widget)
    annots.append(ref)
    return ref


def _parent(pdf: Pdf, f: FieldDef, kind: Name, kids: list[Dictionary], annots: Array) -> Object:
    """A non-terminal field named after ``f`` whose kids are its widgets."""
    ref = pdf.make_indirect(Dictionary({"/FT": kind, "/T": String(f.id), "/TU": String(f.label)}))
    refs = Array()
    for kid in kids:
        kid[Name.Parent] = ref
        kid_ref = pdf.make_indirect(kid)
        refs.append(kid_ref)
        annots.append(kid_ref)
    ref[Name.Kids] = refs
    return ref


def _text_widget(box: Box, height: float, page: Object, *, name: str, flags: int, max_len: int | None = None) -> Dictionary:
    widget = _widget(box, height, page, name)
    widget.update({"/DA": String(f"{TEXT_FONT} {defs.VALUE_FONT_SIZE:g} Tf 0 g"), "/Ff": flags})
    if max_len is not None:
        widget[Name.MaxLen] = max_len
    return widget


def _checkbox(pdf: Pdf, box: Box, height: float, page: Object, name: str, value: str) -> Dictionary:
    widget = _widget(box, height, page, name, inset=_INSET)
    side = (box.w - 2 * _INSET) * mm
    widget.update({
        "/TU": String(value),
        "/DA": String(f"{TICK_FONT} 0 Tf 0 g"),
        "/MK": Dictionary({"/CA": String("4")}),
        "/AS": Name.Off,
        "/AP": Dictionary({"/N": Dictionary({ON: _tick_stream(pdf, side), "/Off": _appearance(pdf, side, b"")})}),
    })
    return widget


def _widget(box: Box, height: float, page: Object, name: str, *, inset: float = _INSET) -> Dictionary:
    x0, x1 = (box.x + inset) * mm, (box.right - inset) * mm
    y0, y1 = (height - box.bottom + inset) * mm, (height - box.y - inset) * mm
    return Dictionary({
        "/Type": Name.Annot,
        "/Subtype": Name.Widget,
        "/T": String(name),
        "/Rect": Array([Decimal(f"{v:.3f}") for v in (x0, y0, x1, y1)]),
        "/F": PRINT,
        "/P": page,
    })


def _span(cells: list[Box]) -> Box:
    return Box(cells[0].x, cells[0].y, cells[-1].right - cells[0].x, cells[0].h)


def _form_id_field(pdf: Pdf, f: FieldDef, form_id: str, page: Object, height: float, annots: Array) -> Object:
    """The form id as data: hidden (the page prints it already) and read-only."""
    widget = _text_widget(f.value_box, height, page, name=f.id, flags=READ_ONLY)
    widget.update({"/FT": Name.Tx, "/V": String(form_id), "/F": HIDDEN})
    ref = pdf.make_indirect(widget)
    annots.append(ref)
    return ref


def _tick_stream(pdf: Pdf, side: float) -> Stream:
    """A check mark drawn as two strokes, so no font is needed to show a ticked box."""
    s = side
    path = f"q 0 G {s * 0.12:.2f} w 1 J 1 j {s * 0.2:.2f} {s * 0.52:.2f} m {s * 0.42:.2f} {s * 0.25:.2f} l {s * 0.82:.2f} {s * 0.8:.2f} l S Q"
    return _appearance(pdf, side, path.encode("ascii"))


def _appearance(pdf: Pdf, side: float, content: bytes) -> Stream:
    return Stream(pdf, content, {"/Type": Name.XObject, "/Subtype": Name.Form, "/BBox": Array([0, 0, Decimal(f"{side:.3f}"), Decimal(f"{side:.3f}")])})


def _acroform(pdf: Pdf, fields: Array) -> Dictionary:
    return Dictionary({
        "/Fields": fields,
        "/NeedAppearances": True,
        "/DA": String(f"{TEXT_FONT} {defs.VALUE_FONT_SIZE:g} Tf 0 g"),
        "/DR": Dictionary({
            "/Font": Dictionary({
                TEXT_FONT: pdf.make_indirect(_cjk_font()),
                TICK_FONT: pdf.make_indirect(_zapf_dingbats()),
            })
        }),
    })


def _cjk_font() -> Dictionary:
    """STSong-Light, not embedded: a standard Adobe-GB1 font that viewers substitute."""
    descriptor = Dictionary({
        "/Type": Name.FontDescriptor,
        "/FontName": Name("/STSong-Light"),
        "/Flags": 6,
        "/FontBBox": Array([-25, -254, 1000, 880]),
        "/ItalicAngle": 0,
        "/Ascent": 880,
        "/Descent": -120,
        "/CapHeight": 880,
        "/StemV": 93,
    })
    cid_font = Dictionary({
        "/Type": Name.Font,
        "/Subtype": Name.CIDFontType0,
        "/BaseFont": Name("/STSong-Light"),
        "/CIDSystemInfo": Dictionary({"/Registry": String("Adobe"), "/Ordering": String("GB1"), "/Supplement": 5}),
        "/FontDescriptor": descriptor,
        "/DW": 1000,
    })
    return Dictionary({
        "/Type": Name.Font,
        "/Subtype": Name.Type0,
        "/BaseFont": Name("/STSong-Light-UniGB-UTF16-H"),
        "/Encoding": Name("/UniGB-UTF16-H"),
        "/DescendantFonts": Array([cid_font]),
    })


def _zapf_dingbats() -> Dictionary:
    return Dictionary({"/Type": Name.Font, "/Subtype": Name.Type1, "/BaseFont": Name.ZapfDingbats})
