"""The Word (.docx) reader: form identity and field values from a returned .docx.

Fields are read from their content controls by tag (reader ``docx``). When a control is
gone — LibreOffice 7 drops every tag and checkbox alias and splits text controls; a teacher
may delete a control — the field is read from the value cell of its row, found by the
control's alias or by the label cell (reader ``docx-labels``), at a lower confidence and
with a ``doubt`` whenever the text cannot be attributed with certainty. A control that is not
beside its label, where every template puts it, is read the same way from beside its label:
LibreOffice 25 moves an empty multi-paragraph control into the next row's label cell, where it
holds that label's text and the field's own cell is where its value is typed; a control moved
anywhere else, or holding anything else, leaves the field with a doubt.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import zxingcpp
from lxml import etree
from PIL import Image

from pipeline import defs
from pipeline.errors import BlankFormError, ForeignDocumentError, UnknownFormError
from pipeline.identity import FORM_PREFIX, decode_payload, form_kind, is_valid_form_id
from pipeline.model.form import CHOICE_KINDS, FieldDef, FormDef, form_ids, load_form
from pipeline.model.record import RawValue, Reading
from pipeline.readback.docx_asides import COMMENTS_PART, Aside, add_asides, asides, stray_text
from pipeline.readback.docx_pictures import shown_images
from pipeline.readback.field_doubts import STRUCK
from pipeline.readback.docx_text import (
    cell_text,
    checkbox_state,
    computed_fields,
    is_checkbox,
    looks_repeated,
    parse_ticks,
    sdt_property,
    struck_text,
    text_of,
    tracked_changes,
)
from pipeline.readback.printed_text import printed_text, template_document
from pipeline.readback.safety import DOCUMENT_PART, check_zip_document, parse_xml, read_part
from pipeline.render.docx_templates import NS

__all__ = ["DocxIdentity", "docx_form_id", "docx_identity", "read_docx"]

W = NS["w"]
SOURCE = "docx"
CORE_PART = "docProps/core.xml"
CORE_NS = {"dc": "http://purl.org/dc/elements/1.1/"}
FORM_ID_SOURCE = "form.id"
PRINTED_ID = re.compile(r"表单编号\s*[:：]?\s*([0-9A-Za-z]{9})(?![0-9A-Za-z])")
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
HEADER_PART = re.compile(r"word/header\d*\.xml")
LOST_CONTROLS = "文档中的内容控件标记已丢失（可能用 LibreOffice 或 WPS 另存过），这些字段按表格中的字段名称读取"
MOVED_CONTROLS = "文档中有内容控件不在原来的单元格中（可能用新版 LibreOffice 另存过），这些字段按表格中的字段名称读取"
BLANK_FORM = "是系统发放的表，但除了预填的学生信息，没有填写任何内容"
REVISED = "“{label}”中有未接受的修订（{changes}），已按修订后的文字读入，请核对"
COMPUTED = "“{label}”中的“{text}”是 Word 自动生成的内容（域 {kind}），不是填写的文字，请核对"
COMPUTED_DATE = "“{label}”中的“{text}”是 Word 插入的自动更新日期（域 {kind}），显示的是文件最后一次打开、保存或打印的日期，不一定是填写的日期，请核对"
DATE_FIELDS = frozenset({"DATE", "TIME", "SAVEDATE", "PRINTDATE", "CREATEDATE", "EDITTIME"})
MOVED_CONTROL = "“{label}”的控件被移出了它的单元格（另存时发生），已按表格读取，请核对"


@dataclass(frozen=True)
class DocxIdentity:
    """Who a returned .docx belongs to, from the best of its four identity sources."""

    form_id: str
    source: str  # control / core / qr / text
    school_code: str | None  # from the header QR
    form_kind: str | None  # record / outline / memo
    layout_hash: str | None  # from the header QR
    notes: tuple[str, ...] = ()  # sources that disagree (Chinese, for the user)
    forms: tuple[str, ...] = ()  # the form ids the body holds, in order: two or more when forms were pasted together


@dataclass(frozen=True)
class _Package:
    """The parts of one .docx a reader needs, parsed safely once."""

    path: Path
    document: etree._Element
    headers: tuple[etree._Element, ...]
    core: etree._Element | None
    comments: etree._Element | None
    header_images: tuple[bytes, ...]


def docx_form_id(path: Path) -> str:
    """The form id of a returned .docx (see :func:`docx_identity` for what it raises)."""
    return docx_identity(path).form_id


def docx_identity(path: Path) -> DocxIdentity:
    """Identify a returned .docx: the locked form-id control, else the core properties'
    identifier, else the header QR, else a printed "表单编号 X"; the first valid id wins.

    Raises UnreadableFileError/UnsafeFileError (see safety), ForeignDocumentError for a Word
    document that is not one of ours, UnknownFormError for one of ours without a valid id.
    """
    pkg = _load(path, with_images=True)
    payloads = [p for p in (decode_payload(t) for t in _qr_texts(pkg)) if p is not None and not p.is_blank]
    candidates = _id_candidates(pkg) + [("qr", p.form_id) for p in payloads]
    candidates += [("text", m) for m in _printed_ids(pkg)]
    valid = [(source, fid) for source, fid in candidates if is_valid_form_id(fid)]
    if not valid:
        raise _no_valid_id(pkg, candidates, bool(payloads))
    source, form_id = valid[0]
    used = f"{_SOURCE_NAMES[source]}中的 {form_id}"
    notes = [
        f"{_SOURCE_NAMES[s]}中的表单编号 {fid} 无效（校验位不符），已改用{used}"
        for s, fid in dict.fromkeys(c for c in candidates if not is_valid_form_id(c[1]))
    ]
    notes += [f"文档中另有表单编号 {o}，与{used}不一致，请核对" for o in sorted({fid for _, fid in valid} - {form_id})]
    payload = next((p for p in payloads if p.form_id == form_id), payloads[0] if payloads else None)
    return DocxIdentity(
        form_id=form_id,
        source=source,
        school_code=payload.school if payload else None,
        form_kind=form_kind(form_id),
        layout_hash=payload.layout_hash if payload else None,
        notes=tuple(notes),
        forms=tuple(fid for fid, _ in form_starts(pkg.document)),
    )


_SOURCE_NAMES = {"control": "表单编号控件", "core": "文档属性", "qr": "页眉二维码", "text": "页面文字"}


def read_docx(path: Path, form: FormDef, *, form_id: str) -> Reading:
    """Every field of ``form`` as the returned .docx at ``path`` holds it."""
    pkg = _load(path, with_images=False)
    doc = pkg.document
    controls = _tagged_controls(doc)
    beside_labels = _label_cells(doc, form)
    values: dict[str, RawValue] = {}
    cells: dict[str, list[etree._Element]] | None = None
    moved = []
    for f in form.fields:
        found = controls.get(f.id)
        if found and _in_place(found[0], beside_labels[f.id]):
            values[f.id] = _read_control(f, found, form)
        elif found:
            moved.append(f.id)
            doubt = "" if _holds_a_label(found[0], form) else MOVED_CONTROL.format(label=f.label)
            values[f.id] = _read_by_label(f, beside_labels[f.id], form, doubt=doubt)
        else:
            if cells is None:
                cells = _value_cells(doc, form, beside_labels)
            values[f.id] = _read_by_label(f, cells[f.id], form)
    homes = {f.id: _homes(controls.get(f.id, []), (cells or beside_labels)[f.id]) for f in form.fields}
    aside = _asides(pkg, form, controls, cells or beside_labels)
    add_asides(doc, form, values, homes, [a for a in aside if a.kind != "picture"])
    fallback = cells is not None or bool(moved)
    ids = {fid for _, fid in _id_candidates(pkg)}
    if not (controls.keys() & values.keys() or ids or _printed_ids(pkg)):
        raise ForeignDocumentError(
            path, f"不是本系统发放的{form.title}（没有表单编号，也没有表单的字段控件）", "请交回系统生成的 .docx 文件（文件名中含表单编号）"
        )
    if not any(values[f.id].written for f in form.fields if f.fillable):
        raise BlankFormError(path, BLANK_FORM, "请交回老师填写后的表：填好的 Word 文件，或纸质表的扫描件、照片")
    # after the blank check: a picture alone is a photo of the paper pasted in, which ingest reads
    add_asides(doc, form, values, homes, [a for a in aside if a.kind == "picture"])
    notes = [LOST_CONTROLS] if cells is not None else []
    notes += [MOVED_CONTROLS] if moved else []
    notes += [
        f"文档中的表单编号 {fid} 与 {form_id} 不一致，请核对"
        for fid in sorted({fid for fid in ids if is_valid_form_id(fid)} - {form_id})
    ]
    return Reading(form_id=form_id, values=values, reader="docx-labels" if fallback else "docx", notes=tuple(notes))


# --- reading fields -----------------------------------------------------------------------


def _tagged_controls(doc: etree._Element) -> dict[str, list[etree._Element]]:
    """Field id → its field-level controls (checkbox controls excluded), in document order."""
    controls: dict[str, list[etree._Element]] = {}
    for sdt in doc.iter(f"{{{W}}}sdt"):
        tag = sdt_property(sdt, "tag")
        if tag and not is_checkbox(sdt):
            controls.setdefault(tag, []).append(sdt)
    return controls


def _read_control(f: FieldDef, sdts: list[etree._Element], form: FormDef) -> RawValue:
    sdt = sdts[0]
    doubts = []
    if len(sdts) > 1 and len({_control_text(s, f, form) for s in sdts}) > 1:
        doubts.append(f"文档中有 {len(sdts)} 个“{f.label}”控件且内容不同，已取第一个")
    cell = _enclosing_cell(sdt)
    if cell is not None and _text_outside(cell, sdt):
        doubts.append(f"“{f.label}”单元格中控件外还有文字，请核对")
    doubts += _text_doubts(f, sdt)
    if f.kind in CHOICE_KINDS:
        boxes = [b for b in sdt.iter(f"{{{W}}}sdt") if is_checkbox(b)]
        if not boxes:
            return _value(_ticks_from_text(text_of(sdt), f, doubts), 1.0, doubts)
        return _value(_ticks_from_boxes(sdt, boxes, f, doubts), 1.0, doubts)
    text = _control_text(sdt, f, form)
    if text and sdt.find("w:sdtPr/w:showingPlcHdr", NS) is not None:
        doubts.append(f"“{f.label}”的控件仍标记为显示占位文字，但其中的文字不是占位文字，请核对")
    return _value(_text_value(f, text), 1.0, doubts)


def _control_text(sdt: etree._Element, f: FieldDef, form: FormDef) -> str:
    """The control's text; "" where it is the template's placeholder. A control still flagged
    as showing its placeholder is not taken as empty on the flag alone: an editor that does
    not clear it (LibreOffice 25 through its API) would lose what was typed."""
    text = text_of(sdt.find("w:sdtContent", NS))
    return "" if text == _placeholders(form.id).get(f.id) else text


def _ticks_from_boxes(sdt: etree._Element, boxes: list[etree._Element], f: FieldDef, doubts: list[str]) -> tuple[str, ...]:
    states = [(sdt_property(b, "alias"), *checkbox_state(b)) for b in boxes]
    ticked = tuple(alias for alias, checked, _ in states if checked)
    if not all(consistent for _, _, consistent in states):
        doubts.append(f"“{f.label}”的复选框状态与显示的符号不一致")
    unknown = [alias for alias, _, _ in states if alias not in f.option_values]
    if unknown:
        doubts.append(f"“{f.label}”有表单中没有的选项 {'、'.join(unknown)}")
    from_text = parse_ticks(text_of(sdt), f.option_values)
    if from_text.problems or from_text.ticked != ticked:
        doubts.append(f"“{f.label}”的勾选框与文字不一致（{'；'.join(from_text.problems) or '手工输入了勾选符号'}）")
    return ticked


def _ticks_from_text(text: str, f: FieldDef, doubts: list[str]) -> tuple[str, ...]:
    ticks = parse_ticks(text, f.option_values)
    if ticks.problems:
        doubts.append(f"“{f.label}”的勾选无法确定：{'；'.join(ticks.problems)}")
    return ticks.ticked


def _text_doubts(f: FieldDef, el: etree._Element) -> list[str]:
    """A doubt per way text in ``el`` shows other than as typed, naming the text: taken back
    (struck through, hidden: not in the value, and whether the teacher meant that is for a person
    to say); tracked changes nobody accepted (a head teacher's suggestions, read as if accepted);
    and a Word field's computed result (a DATE field's day is the day the file was last saved)."""
    found: dict[str, list[str]] = {}
    for how, text in struck_text(el):
        found.setdefault(how, []).append(text)
    doubts = [STRUCK.format(label=f.label, how=how, text="……".join(texts)) for how, texts in found.items()]
    if changes := tracked_changes(el):
        said = "；".join(f"{'加入' if added else '删去'}“{text}”" for added, text in changes)
        doubts.append(REVISED.format(label=f.label, changes=said))
    for kind, text in computed_fields(el):
        if text:
            doubts.append((COMPUTED_DATE if kind in DATE_FIELDS else COMPUTED).format(label=f.label, text=text, kind=kind))
    return doubts


def _text_value(f: FieldDef, text: str) -> str | bool:
    return bool(text) if f.kind == "signature" else text


def _value(raw: str | bool | tuple[str, ...], confidence: float, doubts: list[str]) -> RawValue:
    if doubts:
        confidence = min(confidence, defs.DOCX_DOUBT_CONFIDENCE)
    return RawValue(raw=raw, confidence=confidence, source=SOURCE, doubt="；".join(doubts))


def _read_by_label(f: FieldDef, cells: list[etree._Element], form: FormDef, *, doubt: str = "") -> RawValue:
    """A field whose tagged control is gone or misplaced, from the candidate value cells of its
    row; ``doubt`` says why it was read so, when that alone needs a person."""
    if not cells:
        return RawValue(raw=None, confidence=0.0, source=SOURCE, doubt=f"文档中找不到该字段（“{f.label}”的控件和表格单元格都不在了），请人工核对")
    doubts = [doubt] if doubt else []
    doubts += [f"“{f.label}”在文档中有 {len(cells)} 处，已取第一处"] if len(cells) > 1 else []
    text, clean = cell_text(cells[0])
    doubts += _text_doubts(f, cells[0])
    if not clean:
        doubts.append(f"“{f.label}”的文字在另存时被拆分重复，无法可靠还原，请人工核对")
    elif looks_repeated(text):
        doubts.append(f"“{f.label}”的文字有重复，可能是另存时产生的，请人工核对")
    for box in (b for b in cells[0].iter(f"{{{W}}}sdt") if is_checkbox(b)):
        if not checkbox_state(box)[1]:
            doubts.append(f"“{f.label}”的复选框状态与显示的符号不一致")
            break
    if f.kind in CHOICE_KINDS:
        return _value(_ticks_from_text(text, f, doubts), defs.DOCX_FALLBACK_CONFIDENCE, doubts)
    if text == _placeholders(form.id).get(f.id):
        text = ""
    return _value(_text_value(f, text), defs.DOCX_FALLBACK_CONFIDENCE, doubts)


def _asides(
    pkg: _Package, form: FormDef, controls: dict[str, list[etree._Element]], cells: dict[str, list[etree._Element]]
) -> list[Aside]:
    """Text boxes, comments and pictures, and text outside the fields' controls and value
    ``cells`` that the form does not print."""
    printed = printed_text(form)
    values_in = [el for f in form.fields for el in (*controls.get(f.id, []), *cells[f.id])]
    return asides(pkg.document, pkg.comments) + (stray_text(pkg.document, printed, values_in) if printed else [])


def _homes(controls: list[etree._Element], cells: list[etree._Element]) -> list[etree._Element]:
    """Where a field is: its controls, value cells and the label cells before them."""
    values = [*cells, *(c for c in map(_enclosing_cell, controls) if c is not None)]
    labels = [c.getprevious() for c in values if c.getprevious() is not None and c.getprevious().tag == f"{{{W}}}tc"]
    return [*controls, *labels, *cells]


def _value_cells(doc: etree._Element, form: FormDef, beside_labels: dict[str, list[etree._Element]]) -> dict[str, list[etree._Element]]:
    """Field id → candidate value cells: the cell holding a control aliased with the field's
    label, and the cells ``beside_labels``. A choice control's alias is not trusted:
    LibreOffice gives it one of its options' alias."""
    by_label = _fields_by_label(form)
    cells: dict[str, list[etree._Element]] = {f.id: [] for f in form.fields}
    for sdt in doc.iter(f"{{{W}}}sdt"):
        f = by_label.get("".join(sdt_property(sdt, "alias").split()))
        if f is not None and f.kind not in CHOICE_KINDS and not is_checkbox(sdt):
            _add_cell(cells[f.id], _enclosing_cell(sdt))
    for fid, found in beside_labels.items():
        for cell in found:
            _add_cell(cells[fid], cell)
    return cells


def _label_cells(doc: etree._Element, form: FormDef) -> dict[str, list[etree._Element]]:
    """Field id → the cells right of a cell reading the field's label (whitespace ignored):
    where the form's template puts every field's control."""
    by_label = _fields_by_label(form)
    cells: dict[str, list[etree._Element]] = {f.id: [] for f in form.fields}
    for cell in doc.iter(f"{{{W}}}tc"):
        f = by_label.get("".join(text_of(cell).split()))
        if f is not None:
            _add_cell(cells[f.id], cell.getnext())
    return cells


def _holds_a_label(sdt: etree._Element, form: FormDef) -> bool:
    """True for a control that holds nothing but one of the form's labels: LibreOffice 25's move
    of an empty control, which left the field's own cell as the one place to type its value."""
    return "".join(text_of(sdt).split()) in _fields_by_label(form)


def _fields_by_label(form: FormDef) -> dict[str, FieldDef]:
    return {"".join(f.label.split()): f for f in form.fields}


def _add_cell(cells: list[etree._Element], cell: etree._Element | None) -> None:
    if cell is not None and cell.tag == f"{{{W}}}tc" and not any(c is cell for c in cells):
        cells.append(cell)


def _in_place(sdt: etree._Element, beside_label: list[etree._Element]) -> bool:
    """False when the field's label is found and its control is not in a cell beside it:
    LibreOffice 25 moves an empty multi-paragraph control into the next row's label cell, where
    it holds that label's text."""
    cell = _enclosing_cell(sdt)
    return not beside_label or any(c is cell for c in beside_label)


def _enclosing_cell(el: etree._Element) -> etree._Element | None:
    return next(el.iterancestors(f"{{{W}}}tc"), None)


def _text_outside(cell: etree._Element, sdt: etree._Element) -> bool:
    """True when ``cell`` shows text that is not inside the control ``sdt``."""
    return any(
        (t.text or "").strip() and not any(a is sdt for a in t.iterancestors(f"{{{W}}}sdt"))
        for t in cell.iter(f"{{{W}}}t")
    )


@cache
def _placeholders(form_id: str) -> dict[str, str]:
    """Field id → the grey placeholder text its empty control shows in the form's template."""
    return {
        sdt_property(sdt, "tag"): text_of(sdt.find("w:sdtContent", NS))
        for sdt in template_document(form_id).xpath("//w:sdt[w:sdtPr/w:showingPlcHdr]", namespaces=NS)
    }


# --- identity -----------------------------------------------------------------------------


def _form_id_controls(el: etree._Element) -> list[str]:
    """The text of each form-id control in ``el`` (by tag, or by alias after LibreOffice)."""
    tags = {f.id for form in _forms() for f in form.fields if f.prefill == FORM_ID_SOURCE}
    labels = {f.label for form in _forms() for f in form.fields if f.prefill == FORM_ID_SOURCE}
    return [
        "".join(text_of(sdt).split()).upper()
        for sdt in el.iter(f"{{{W}}}sdt")
        if (tag := sdt_property(sdt, "tag")) in tags or (not tag and sdt_property(sdt, "alias") in labels)
    ]


def form_ids_in(el: etree._Element) -> list[str]:
    """The valid form ids ``el`` holds, in form-id controls or printed ("表单编号 R…"), in order."""
    found = [*_form_id_controls(el), *(m.upper() for m in PRINTED_ID.findall(text_of(el)))]
    return list(dict.fromkeys(fid for fid in found if is_valid_form_id(fid)))


def body_content(document: etree._Element) -> list[etree._Element]:
    """The body's paragraphs and tables, without its closing section settings."""
    body = document.find(f"{{{W}}}body")
    return [] if body is None else [c for c in body if c.tag != f"{{{W}}}sectPr"]


def form_starts(document: etree._Element) -> list[tuple[str, int]]:
    """(form id, index in the body's content) where each form's id first appears."""
    starts: list[tuple[str, int]] = []
    for index, child in enumerate(body_content(document)):
        starts += [(fid, index) for fid in form_ids_in(child) if fid not in {f for f, _ in starts}]
    return starts


def _id_candidates(pkg: _Package) -> list[tuple[str, str]]:
    """(source, text) of the form-id control (by tag, or by alias after LibreOffice) and the
    core properties' identifier, valid or not."""
    found = [("control", text) for text in _form_id_controls(pkg.document)]
    if pkg.core is not None:
        identifier = pkg.core.xpath("string(dc:identifier)", namespaces=CORE_NS).strip()
        if identifier:
            found.append(("core", identifier.upper()))
    return found


def _printed_ids(pkg: _Package) -> list[str]:
    text = "\n".join(text_of(part) for part in (*pkg.headers, pkg.document))
    return [m.upper() for m in PRINTED_ID.findall(text)]


def _qr_texts(pkg: _Package) -> list[str]:
    texts = []
    for data in pkg.header_images:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > defs.DOCX_MAX_IMAGE_PIXELS:
                    continue
                codes = zxingcpp.read_barcodes(image.convert("L"), formats=QR_ONLY)
            texts += [code.text for code in codes]
        except (OSError, ValueError, Image.DecompressionBombError):
            continue  # an image we cannot decode is simply not our QR
    return texts


@cache
def _forms() -> tuple[FormDef, ...]:
    return tuple(load_form(fid) for fid in form_ids())


def _no_valid_id(pkg: _Package, candidates: list[tuple[str, str]], has_qr: bool) -> Exception:
    subject = pkg.core.xpath("string(dc:subject)", namespaces=CORE_NS) if pkg.core is not None else ""
    tagged = _tagged_controls(pkg.document).keys() & _all_field_ids()
    ours = [fid for source, fid in candidates if source != "core" or _shaped_like_form_id(fid)]
    if not (ours or has_qr or subject in form_ids() or tagged):
        return ForeignDocumentError(
            pkg.path, "不是本系统生成的家访表（文档中没有本系统的表单编号、二维码或字段控件）",
            "请交回系统生成的 .docx 文件（文件名中含表单编号），不要另建新文档",
        )
    seen = "、".join(sorted(set(ours))) or "无"
    return UnknownFormError(
        pkg.path, f"是本系统的表格，但找不到有效的表单编号（文档中的编号：{seen}，校验位不符或已被改动）",
        "请用系统发放的原始 .docx 重新填写，或联系德育处按学生姓名核对后人工录入",
    )


def _shaped_like_form_id(text: str) -> bool:
    """A document identifier that could be one of our form ids (any other program may set one)."""
    return len(text) == 9 and text.isalnum() and text[0] in FORM_PREFIX.values()


@cache
def _all_field_ids() -> frozenset[str]:
    return frozenset(f.id for form in _forms() for f in form.fields)


# --- the package --------------------------------------------------------------------------


def _load(path: Path, *, with_images: bool) -> _Package:
    check_zip_document(path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())

        def xml(name: str) -> etree._Element:
            return parse_xml(read_part(zf, name, path), part=name, path=path)

        headers = {n: xml(n) for n in sorted(names) if HEADER_PART.fullmatch(n)}
        images = _header_images(zf, headers, path) if with_images else ()
        return _Package(
            path=path,
            document=xml(DOCUMENT_PART),
            headers=tuple(headers.values()),
            core=xml(CORE_PART) if CORE_PART in names else None,
            comments=xml(COMMENTS_PART) if COMMENTS_PART in names else None,
            header_images=images,
        )


def _header_images(zf: zipfile.ZipFile, headers: dict[str, etree._Element], path: Path) -> tuple[bytes, ...]:
    """The image parts the headers show (where our QR sits)."""
    return tuple(data for name, header in headers.items() for _, data in shown_images(zf, name, header, path))
