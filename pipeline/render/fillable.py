"""The fillable PDF: one issued form's print pages plus an AcroForm field per fillable field.

The pages are the print PDF's (same geometry, QR code and footer), so the file prints like
the paper form and a scan of the printout reads like one. On top, pypdf adds:

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

import tempfile
from pathlib import Path
from typing import cast

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
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
    with tempfile.TemporaryDirectory() as tmp:
        printed = Path(tmp) / "print.pdf"
        render_pdf([filled], printed, batch_id=batch_id, duplex=False, fonts=fonts)
        writer = PdfWriter(clone_from=printed)
    fields = ArrayObject()
    height = filled.form.page_size[1]
    for page_def, page in zip(filled.form.pages, writer.pages):
        annots = ArrayObject()
        page_ref = cast(IndirectObject, page.indirect_reference)  # always set on a writer's page
        for f in page_def.fields:
            if f.prefill is None:
                fields.append(_add_field(writer, f, page_ref, height, annots))
            elif f.id == FORM_ID_FIELD:
                fields.append(_form_id_field(writer, f, filled.form_id, page_ref, height, annots))
        page[NameObject("/Annots")] = annots
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(_acroform(writer, fields))
    writer.add_metadata({FORM_ID_INFO: filled.form_id})
    with tempfile.SpooledTemporaryFile() as buffer:
        writer.write(buffer)
        buffer.seek(0)
        atomic_write_bytes(Path(out), buffer.read())


def comb_runs(f: FieldDef) -> list[list[Box]]:
    """The field's comb cells split into runs of adjacent cells (one comb text field each)."""
    runs: list[list[Box]] = []
    for cell in f.cells:
        if runs and abs(runs[-1][-1].right - cell.x) < 1e-6:
            runs[-1].append(cell)
        else:
            runs.append([cell])
    return runs


def _add_field(writer: PdfWriter, f: FieldDef, page: IndirectObject, height: float, annots: ArrayObject) -> IndirectObject:
    if f.kind in COMB_KINDS:
        kids = [_text_widget(_span(run), height, page, name=str(i), flags=COMB | DO_NOT_SCROLL, max_len=len(run)) for i, run in enumerate(comb_runs(f), start=1)]
        return _parent(writer, f, "/Tx", kids, annots)
    if f.kind in CHOICE_KINDS:
        kids = [_checkbox(writer, o.box, height, page, str(i), o.value) for i, o in enumerate(f.options)]
        return _parent(writer, f, "/Btn", kids, annots)
    flags = MULTILINE if f.kind == "multiline" else 0
    widget = _text_widget(f.value_box, height, page, name=f.id, flags=flags)
    widget[NameObject("/FT")] = NameObject("/Tx")
    widget[NameObject("/TU")] = TextStringObject(f.label)
    ref = writer._add_object(widget)
    annots.append(ref)
    return ref


def _parent(writer: PdfWriter, f: FieldDef, kind: str, kids: list[DictionaryObject], annots: ArrayObject) -> IndirectObject:
    """A non-terminal field named after ``f`` whose kids are its widgets."""
    parent = DictionaryObject({
        NameObject("/FT"): NameObject(kind),
        NameObject("/T"): TextStringObject(f.id),
        NameObject("/TU"): TextStringObject(f.label),
    })
    ref = writer._add_object(parent)
    refs = ArrayObject()
    for kid in kids:
        kid[NameObject("/Parent")] = ref
        kid_ref = writer._add_object(kid)
        refs.append(kid_ref)
        annots.append(kid_ref)
    parent[NameObject("/Kids")] = refs
    return ref


def _text_widget(
    box: Box, height: float, page: IndirectObject, *, name: str, flags: int, max_len: int | None = None
) -> DictionaryObject:
    widget = _widget(box, height, page, name)
    widget[NameObject("/DA")] = TextStringObject(f"{TEXT_FONT} {defs.VALUE_FONT_SIZE:g} Tf 0 g")
    widget[NameObject("/Ff")] = NumberObject(flags)
    if max_len is not None:
        widget[NameObject("/MaxLen")] = NumberObject(max_len)
    return widget


def _checkbox(writer: PdfWriter, box: Box, height: float, page: IndirectObject, name: str, value: str) -> DictionaryObject:
    widget = _widget(box, height, page, name, inset=_INSET)
    side = (box.w - 2 * _INSET) * mm
    widget.update({
        NameObject("/TU"): TextStringObject(value),
        NameObject("/DA"): TextStringObject(f"{TICK_FONT} 0 Tf 0 g"),
        NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject("4")}),
        NameObject("/AS"): NameObject("/Off"),
        NameObject("/AP"): DictionaryObject({
            NameObject("/N"): DictionaryObject({
                NameObject(ON): writer._add_object(_tick_stream(side)),
                NameObject("/Off"): writer._add_object(_appearance(side, b"")),
            })
        }),
    })
    return widget


def _widget(box: Box, height: float, page: IndirectObject, name: str, *, inset: float = _INSET) -> DictionaryObject:
    x0, x1 = (box.x + inset) * mm, (box.right - inset) * mm
    y0, y1 = (height - box.bottom + inset) * mm, (height - box.y - inset) * mm
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/T"): TextStringObject(name),
        NameObject("/Rect"): ArrayObject(FloatObject(round(v, 3)) for v in (x0, y0, x1, y1)),
        NameObject("/F"): NumberObject(PRINT),
        NameObject("/P"): page,
    })


def _span(cells: list[Box]) -> Box:
    return Box(cells[0].x, cells[0].y, cells[-1].right - cells[0].x, cells[0].h)


def _form_id_field(
    writer: PdfWriter, f: FieldDef, form_id: str, page: IndirectObject, height: float, annots: ArrayObject
) -> IndirectObject:
    """The form id as data: hidden (the page prints it already) and read-only."""
    widget = _text_widget(f.value_box, height, page, name=f.id, flags=READ_ONLY)
    widget.update({
        NameObject("/FT"): NameObject("/Tx"),
        NameObject("/V"): TextStringObject(form_id),
        NameObject("/F"): NumberObject(HIDDEN),
    })
    ref = writer._add_object(widget)
    annots.append(ref)
    return ref


def _tick_stream(side: float) -> StreamObject:
    """A check mark drawn as two strokes, so no font is needed to show a ticked box."""
    s = side
    path = f"q 0 G {s * 0.12:.2f} w 1 J 1 j {s * 0.2:.2f} {s * 0.52:.2f} m {s * 0.42:.2f} {s * 0.25:.2f} l {s * 0.82:.2f} {s * 0.8:.2f} l S Q"
    return _appearance(side, path.encode("ascii"))


def _appearance(side: float, content: bytes) -> StreamObject:
    stream = StreamObject()
    stream.set_data(content)
    stream.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(side), FloatObject(side)]),
    })
    return stream


def _acroform(writer: PdfWriter, fields: ArrayObject) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Fields"): fields,
        NameObject("/NeedAppearances"): BooleanObject(True),
        NameObject("/DA"): TextStringObject(f"{TEXT_FONT} {defs.VALUE_FONT_SIZE:g} Tf 0 g"),
        NameObject("/DR"): DictionaryObject({
            NameObject("/Font"): DictionaryObject({
                NameObject(TEXT_FONT): writer._add_object(_cjk_font()),
                NameObject(TICK_FONT): writer._add_object(_zapf_dingbats()),
            })
        }),
    })


def _cjk_font() -> DictionaryObject:
    """STSong-Light, not embedded: a standard Adobe-GB1 font that viewers substitute."""
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject("/STSong-Light"),
        NameObject("/Flags"): NumberObject(6),
        NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in (-25, -254, 1000, 880)),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(880),
        NameObject("/Descent"): NumberObject(-120),
        NameObject("/CapHeight"): NumberObject(880),
        NameObject("/StemV"): NumberObject(93),
    })
    cid_font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/CIDFontType0"),
        NameObject("/BaseFont"): NameObject("/STSong-Light"),
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"),
            NameObject("/Ordering"): TextStringObject("GB1"),
            NameObject("/Supplement"): NumberObject(5),
        }),
        NameObject("/FontDescriptor"): descriptor,
        NameObject("/DW"): NumberObject(1000),
    })
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject("/STSong-Light-UniGB-UTF16-H"),
        NameObject("/Encoding"): NameObject("/UniGB-UTF16-H"),
        NameObject("/DescendantFonts"): ArrayObject([cid_font]),
    })


def _zapf_dingbats() -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/ZapfDingbats"),
    })
