"""The PDF reader: what kind of returned PDF a file is, whose form it is, and its field values.

Four kinds (:class:`PdfInfo`): ``acroform`` — our fillable PDF, read from its form fields
(pipeline.render.fillable documents the names); ``ours`` — our print PDF filled digitally,
read by the layout boxes (pipeline.readback.pdf_layout); ``text`` — any other text layer,
normally a Word/WPS export of our .docx, read by its labels (pipeline.readback.pdf_labels);
``image`` — pages without text, scans whose only text is a copier's invisible OCR layer, and
our print PDF (or our fillable PDF with its fields empty) written on with a PDF app's markup
(typed text boxes, pen strokes, ticks, as "fill & sign" on a phone or tablet adds them: read
from the page as shown), left to the scan reader. Any kind returned with nothing written in it
is refused as blank. A page a PDF app turned (/Rotate) is read in its own space, where the
layout is (:mod:`pipeline.pdf_space`); a text layer drawn on its side there is left to the scan
reader. The form id comes from the first of:
the AcroForm ``form_id`` field, the document information, the printed "表单编号 X", the QR code
on page 1 (which also gives the school code).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import zxingcpp
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from pipeline import defs
from pipeline.errors import BlankFormError, ForeignDocumentError, UnreadableFileError
from pipeline.identity import PagePayload, decode_payload, form_kind, is_valid_form_id
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, FieldDef, FormDef, form_ids, load_form
from pipeline.model.record import RawValue, Reading
from pipeline.pdf_annots import writes_on
from pipeline.pdf_runs import page_runs
from pipeline.pdf_space import is_turned, open_unturned, upright
from pipeline.readback.pdf_labels import read_by_labels
from pipeline.readback.field_doubts import GARBLED, INK, doubted, garbled, shown_on
from pipeline.readback.pdf_layout import FOOTER, form_pages, ink_on_fields, layout_matches, pen_strokes_on, read_by_layout, shown_on_next_fields
from pipeline.readback.pdf_text import Glyph, pdfium_glyphs, squash
from pipeline.render.fillable import FORM_ID_FIELD, FORM_ID_INFO, comb_runs
from pipeline.scan.load import is_scanned_page

__all__ = ["KINDS", "PdfInfo", "guard_parse", "inspect_pdf", "read_pdf"]

KINDS = ("acroform", "ours", "text", "image")
PRINTED_ID = re.compile(r"表单编号\s*[:：]?\s*([0-9A-Z]{9})(?![0-9A-Z])")
BLANK_PRINT = "这是打印用的空白表，不是交回的表"
BLANK_FILLABLE = "是系统发放的可填写 PDF，但没有填写任何内容"
_DAMAGED = "PDF 文件已损坏或不完整，无法读取"
_REEXPORT = "请重新导出或重新扫描后再交回"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_ENCRYPTED = "PDF 文件已加密（有密码），请去掉密码后再交"
UNMAPPED_TEXT = "PDF 中的文字取不出来（导出时字体没有带上文字编码，常见于一些 PDF 虚拟打印机），无法按栏目读取"
_NO_PASSWORD = "可在原软件中取消密码后重新导出，或“打印”为新的 PDF"
Field = dict[str, str]  # an AcroForm terminal field's /V and /AS, as text


@dataclass(frozen=True)
class PdfInfo:
    kind: str  # one of KINDS
    form_id: str | None  # None: no valid form id anywhere (not one of ours, or unreadable id)
    school_code: str | None  # from the page-1 QR code
    pages: int
    notes: tuple[str, ...] = ()  # e.g. two sources naming different form ids (Chinese)
    forms: tuple[str, ...] = ()  # our print layout: the form ids printed in it, two or more for a class's PDF
    turned: bool = False  # a page is turned for display (/Rotate): its text is read in the page's own space


def inspect_pdf(path: Path) -> PdfInfo:
    """Kind, form id, school code and page count of a returned PDF.

    Raises UnreadableFileError for an empty, truncated, damaged or password-protected file.
    """
    _check_bytes(path)
    fields, info = _acro_fields(path)
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc
    try:
        if len(doc) == 0:
            raise UnreadableFileError(path, f"{_DAMAGED}（没有页面）", _REEXPORT)
        first = pdfium_glyphs(doc[0])
        payload = _qr_payload(doc[0])
        text = doc[0].get_textpage().get_text_range()
        pages = len(doc)
        scanned = is_scanned_page(doc[0])
        upright_text = upright(doc[0])
    finally:
        doc.close()
    # a scan's own text is a copier's OCR layer ("searchable PDF"), not a document's text
    has_text = not scanned and (bool(first) or _later_pages_have_text(path, pages))
    if has_text and _unmapped(first):
        raise UnreadableFileError(path, UNMAPPED_TEXT, "请交回 Word 原文件（.docx），或在 Word / WPS 中用“另存为 PDF”重新导出后再交回")
    candidates = [_text(fields[FORM_ID_FIELD]) if FORM_ID_FIELD in fields else None, info]
    candidates += PRINTED_ID.findall(text)
    candidates.append(payload.form_id if payload else None)
    valid = list(dict.fromkeys(c.strip().upper() for c in candidates if c and is_valid_form_id(c.strip().upper())))
    form_id = valid[0] if valid else None
    notes = tuple(f"PDF 中另有表单编号 {other}，与 {form_id} 不一致，请核对" for other in valid[1:])
    kind = _kind(fields, first, has_text, form_id)
    turned = kind != "image" and _turned(path, pages)  # a scan's pages are read as shown
    if kind == "text" and turned and not upright_text:
        kind = "image"  # its text lies on its side where the labels are looked for: the scan reader reads the page as shown
    elif kind == "text" and FOOTER.search(squash(text)):
        # our print layout, but not where the layout puts it (printed to a PDF printer, shrunk to
        # fit): the labels reader misreads its rows; the scan reader registers the page as shown
        kind = "image"
    elif (kind == "ours" or (kind == "acroform" and not _any_value(fields))) and _marked_up(path, pages):
        kind = "image"  # what was written is in annotations, not in the text layer or the fields
    elif kind == "ours" and _handwritten(path, pages, _form_of(form_id)):
        kind = "image"  # a tablet's pen strokes, flattened into the page: the scan reader reads them
    if kind == "text" and len(forms := _printed_form_ids(path, pages)) > 1:
        raise ForeignDocumentError(
            path, f"一个 PDF 文件里有 {len(forms)} 份表（表单编号 {'、'.join(forms)}），无法分开读取",
            "请每份表单独导出为一个 PDF 后重新交回，或直接交回 Word 文件（一个 Word 文件里的几份表能自动分开）",
        )
    class_forms = tuple(_printed_form_ids(path, pages)) if kind == "ours" else ()
    return PdfInfo(kind, form_id, payload.school if payload else None, pages, notes, class_forms, turned)


def _printed_form_ids(path: Path, count: int) -> list[str]:
    """The valid form ids printed anywhere in the PDF ("表单编号 R…"), in order."""
    try:
        found = [fid for doc, run in page_runs(path, count) for i in run for fid in PRINTED_ID.findall(doc[i].get_textpage().get_text_range())]
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc
    return list(dict.fromkeys(fid for fid in found if is_valid_form_id(fid)))


def read_pdf(path: Path, form: FormDef, *, form_id: str, info: PdfInfo) -> Reading:
    """Every field of ``form`` from the returned PDF ``path`` of kind ``info.kind``."""
    if info.kind == "image":
        raise ValueError(f"{path} has no text layer: the scan reader reads it")
    if info.kind == "text":
        with _open(path, info.turned) as pdf:
            values = guard_parse(path, lambda: read_by_labels(pdf, form))
        return Reading(form_id, _garble_checked(values, form), "pdf-labels", info.notes)
    doc = pdfium.PdfDocument(str(path))
    try:
        indices, notes = form_pages(doc, form, form_id)
    finally:
        doc.close()
    with _open(path, info.turned) as pdf:
        pages = {n: pdf.pages[i] for n, i in indices.items()}
        values = guard_parse(path, lambda: read_by_layout(pages, form))
        ink = guard_parse(path, lambda: ink_on_fields(pages, form))
    reader = "pdf-layout"
    if info.kind == "acroform":
        fields, _ = _acro_fields(path)
        # what the page shows besides the fields (text typed onto it by a PDF editor) stays doubted
        values.update({f.id: _with_doubt(_acro_value(f, fields), values[f.id].doubt) for f in form.fields if f.prefill is None})
        # a signature or a note written with a pen or a PDF app's tools over the typed fields
        values.update({f.id: shown_on(values[f.id], f, INK, defs.PDF_DOUBT_CONFIDENCE) for f in ink.in_boxes if f.prefill is None})
        reader, notes = "acroform", ()
    values.update({f.id: shown_on(values[f.id], f, INK, defs.PDF_DOUBT_CONFIDENCE) for f in ink.on_labels})
    values = shown_on_next_fields(values, form, ink.elsewhere)
    if not any(values[f.id].written for f in form.fields if f.fillable and f.id in values):
        # Our print layout, or our fillable PDF, and not one value typed in: the file as issued.
        raise BlankFormError(path, BLANK_FILLABLE if reader == "acroform" else BLANK_PRINT, "请交回老师填写后的表：纸质表的扫描件，或填好的 Word、PDF 文件")
    return Reading(form_id, _garble_checked(values, form), reader, (*info.notes, *notes))


def _garble_checked(values: Mapping[str, RawValue], form: FormDef) -> dict[str, RawValue]:
    """``values`` with each text holding characters a broken text encoding makes sent to a person."""
    return {fid: _with_doubt(v, GARBLED.format(label=form.field(fid).label, chars=chars)) if (chars := _garbled_in(v)) else v for fid, v in values.items()}


def _garbled_in(value: RawValue) -> str:
    return garbled(value.raw) if isinstance(value.raw, str) else ""


def _with_doubt(value: RawValue, doubt: str) -> RawValue:
    return doubted(value, doubt, defs.PDF_DOUBT_CONFIDENCE) if doubt else value


# --- opening safely -------------------------------------------------------------------------


def _later_pages_have_text(path: Path, count: int) -> bool:
    try:
        return any(doc[i].get_textpage().count_chars() for doc, run in page_runs(path, count, start=1) for i in run)
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc


def _pdfium_error(path: Path, exc: pdfium.PdfiumError) -> UnreadableFileError:
    if "password" in str(exc).lower():
        return UnreadableFileError(path, _ENCRYPTED, _NO_PASSWORD)
    return UnreadableFileError(path, _DAMAGED, _REEXPORT)


def _check_bytes(path: Path) -> None:
    """Head and tail only: a scanned stack can be hundreds of megabytes."""
    try:
        with path.open("rb") as file:
            head = file.read(1024)
            file.seek(max(0, path.stat().st_size - defs.PDF_EOF_WINDOW))
            tail = file.read()
    except OSError as exc:
        raise UnreadableFileError(path, "无法读取文件（文件不存在或没有读取权限）", "请检查文件是否存在、是否有权限") from exc
    if not head:
        raise UnreadableFileError(path, "文件是空的（0 字节）", _REEXPORT)
    if b"%PDF-" not in head:
        raise UnreadableFileError(path, "不是 PDF 文件", "请交回 PDF、Word 文件或扫描件")
    if b"%%EOF" not in tail:
        raise UnreadableFileError(path, f"{_DAMAGED}（文件不完整，可能在下载或复制时中断）", _REEXPORT)


def _acro_fields(path: Path) -> tuple[dict[str, Field], str | None]:
    """AcroForm terminal fields by qualified name, and the form id in the document information.

    qpdf opens a PDF protected by an owner password only (the empty user password) and, like a
    viewer, repairs a damaged cross-reference table; one that needs a password to open is refused.
    """
    try:
        with pikepdf.open(path) as pdf:  # read on demand: a scanned stack can be hundreds of MB
            fields: dict[str, Field] = {}
            for node in pdf.Root.get("/AcroForm", pikepdf.Dictionary()).get("/Fields", pikepdf.Array()):
                _collect(node, "", fields)
            info = pdf.docinfo.get(FORM_ID_INFO)
            return fields, str(info) if info else None
    except pikepdf.PasswordError as exc:
        raise UnreadableFileError(path, _ENCRYPTED, _NO_PASSWORD) from exc
    except pikepdf.PdfError as exc:
        if "encrypt" in str(exc).lower():  # a security handler qpdf does not implement
            raise UnreadableFileError(path, _ENCRYPTED, _NO_PASSWORD) from exc
        raise UnreadableFileError(path, _DAMAGED, _REEXPORT) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadableFileError(path, _DAMAGED, _REEXPORT) from exc


def _collect(node: pikepdf.Object, prefix: str, out: dict[str, Field], seen: frozenset[tuple[int, int]] = frozenset()) -> None:
    """Terminal fields under ``node``, copied out as text so they outlive the open file. A field
    that is its own ancestor (a damaged or crafted ``/Kids`` loop) is not followed again."""
    if node.is_indirect and node.objgen in seen:
        return
    seen = seen | {node.objgen} if node.is_indirect else seen
    name = f"{prefix}.{node['/T']}" if prefix and "/T" in node else str(node.get("/T", prefix))
    named = [k for k in node.get("/Kids", pikepdf.Array()) if "/T" in k]
    if not named:
        out[name] = {key: str(node[key]) for key in ("/V", "/AS") if key in node}
    for kid in named:
        _collect(kid, name, out, seen)


def _open(path: Path, turned: bool) -> Any:
    try:
        return open_unturned(path, turned)
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError) as exc:
        raise UnreadableFileError(path, _DAMAGED, _REEXPORT) from exc
    except Exception as exc:  # pdfminer raises a wide, undocumented range of errors
        raise UnreadableFileError(path, _DAMAGED, _REEXPORT) from exc


def guard_parse(path: Path, read: Any) -> Any:
    """Run ``read`` (which parses page content), turning a parser failure into UnreadableFileError."""
    try:
        return read()
    except Exception as exc:  # pdfminer fails lazily on damaged page content, with any error type
        raise UnreadableFileError(path, _DAMAGED, _REEXPORT) from exc


# --- identity and kind ----------------------------------------------------------------------


def _unmapped(glyphs: list[Glyph]) -> bool:
    """Text whose fonts carry no map to Unicode: glyph numbers come back as control characters."""
    shown = [g.text for g in glyphs if not g.text.isspace()]
    unmapped = sum(unicodedata.category(t) in ("Cc", "Co") or t == "\ufffd" for t in shown)
    return bool(shown) and unmapped > defs.PDF_UNMAPPED_SHARE * len(shown)


def _qr_payload(page: Any) -> PagePayload | None:
    """Our QR payload on ``page`` (a pypdfium2 page), if any; a padding page's does not count."""
    image = np.asarray(page.render(scale=defs.PDF_QR_DPI / 72, grayscale=True).to_pil().convert("L"))
    codes = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    payloads = [p for p in (decode_payload(c.text) for c in codes) if p is not None and not p.is_blank]
    return payloads[0] if payloads else None


def _any_value(fields: Mapping[str, Any]) -> bool:
    """Whether any AcroForm field but the form id holds a value: text, or a box switched on."""
    return any(name != FORM_ID_FIELD and _is_on(field) for name, field in fields.items())


def _turned(path: Path, count: int) -> bool:
    """Whether a page of the PDF is turned for display (/Rotate: a PDF app's 旋转页面, saved)."""
    try:
        return any(is_turned(doc, run) for doc, run in page_runs(path, count))
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc


def _marked_up(path: Path, count: int) -> bool:
    """Whether a PDF app wrote on any page: a text box, pen strokes, a stamp or a shape."""
    try:
        return any(writes_on(doc[i]) for doc, run in page_runs(path, count) for i in run)
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc


def _handwritten(path: Path, count: int, form: FormDef | None) -> bool:
    """Whether a pen wrote on any page where text is written (see pen_strokes_on)."""
    try:
        return form is not None and any(pen_strokes_on(doc[i], form) for doc, run in page_runs(path, count) for i in run)
    except pdfium.PdfiumError as exc:
        raise _pdfium_error(path, exc) from exc


def _kind(fields: Mapping[str, Any], first: list[Glyph], has_text: bool, form_id: str | None) -> str:
    ours = {f.id for kind in form_ids() for f in load_form(kind).fields}
    if {name.split(".")[0] for name in fields} & ours - {FORM_ID_FIELD}:
        return "acroform"
    if not has_text:
        return "image"
    form = _form_of(form_id)
    if form is not None and layout_matches(first, form.pages[0]):
        return "ours"
    return "text"


def _form_of(form_id: str | None) -> FormDef | None:
    kind = form_kind(form_id)
    return load_form(kind) if kind else None


# --- AcroForm values ------------------------------------------------------------------------


def _acro_value(f: FieldDef, fields: Mapping[str, Field]) -> RawValue:
    """One field from its AcroForm field(s), named as pipeline.render.fillable names them."""
    if f.kind in CHOICE_KINDS:
        boxes = [fields.get(f"{f.id}.{i}") for i in range(len(f.options))]
        if None in boxes:
            return _missing(f)
        return RawValue(tuple(o.value for o, box in zip(f.options, boxes) if _is_on(box)), 1.0, "acroform")
    if f.kind in COMB_KINDS:
        runs = [fields.get(f"{f.id}.{i}") for i in range(1, len(comb_runs(f)) + 1)]
        if None in runs:
            return _missing(f)
        return RawValue(_comb_text(f, [_text(r) for r in runs]), 1.0, "acroform")
    if f.id not in fields:
        return _missing(f)
    text = _text(fields[f.id])
    return RawValue(bool(text.strip()) if f.kind == "signature" else text, 1.0, "acroform")


def _missing(f: FieldDef) -> RawValue:
    return RawValue(None, 0.0, "acroform", f"PDF 表单中没有字段“{f.label}”，请人工核对")


def _text(field: Any) -> str:
    value = field.get("/V")
    return "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")


def _is_on(box: Any) -> bool:
    state = box.get("/V", box.get("/AS"))
    return state is not None and str(state) not in ("/Off", "")


def _comb_text(f: FieldDef, parts: list[str]) -> str:
    """The runs' digits with the printed separators between and after them ("2025年11月3日")."""
    if not any(p.strip() for p in parts):
        return ""
    starts = [run[0].x for run in comb_runs(f)]
    pieces = [(x, p.strip()) for x, p in zip(starts, parts)] + [(s.box.x, s.text) for s in f.separators]
    return "".join(text for _, text in sorted(pieces))
