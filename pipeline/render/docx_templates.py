"""Word templates generated from the form definitions, and the check that they still agree.

Each form gets one docxtpl template, ``templates/<form>.docx``, built here from
``forms/<form>.yaml`` (``jiafang forms build-docx-templates``) and committed. The contract a
reader relies on:

- every field of the definition is exactly one field-level content control (``w:sdt``) with
  ``w:tag`` = field id and ``w:alias`` = field label, in the value cell of a table row whose
  label cell (shaded) holds the same label, so a document whose controls were lost in a
  LibreOffice round trip can still be read by label;
- a choice field's control wraps one ``w14:checkbox`` control per option, tagged with the
  field id and aliased with the option value;
- the form id control (prefill ``form.id``) is locked.

Jinja tags: ``{{ title }}``, ``{{ form_id }}``, ``{{ values.<field id> }}``, ``{{ qr }}`` (the
header's QR image) and, where the form has content boxes, the ``outline.sections`` loops.
Each tag is written into one run, as docxtpl requires.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from itertools import count, groupby
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm
from lxml import etree

from pipeline import defs
from pipeline.atomic import atomic_write_bytes
from pipeline.model.filled import BULLET
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, FieldDef, FormDef, PageDef, qr_side_mm
from pipeline.resources import templates_dir

__all__ = [
    "CHECKED",
    "FORM_ID_LOCK",
    "UNCHECKED",
    "build_docx_template",
    "check_template",
    "template_field_tags",
    "template_path",
]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
NS = {"w": W, "w14": W14}
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

CHECKED, UNCHECKED = "\u2612", "\u2610"  # ☒ ☐, the glyphs Word itself uses for checkboxes
# sdtContentLocked: the teacher can neither edit the form id nor delete its control.
# (sdtLocked would still allow editing the id; contentLocked alone would allow deleting it.)
FORM_ID_LOCK = "sdtContentLocked"
FORM_ID_SOURCE = "form.id"
TEXT_PLACEHOLDER = "请填写…"
SIGNATURE_PLACEHOLDER = "（签名）"
DIGIT_PLACEHOLDER = "_"
FIRST_CONTROL_ID = 1001  # w:id of the first control; ids only need to be unique in a document
OUTLINE_LOOP = (
    "{%p for s in outline.sections %}",
    "{{ s.heading }}",
    "{%p for item in s.items %}",
    BULLET + " {{ item }}",
    "{%p endfor %}",
    "{%p endfor %}",
)
Element = BaseOxmlElement


def template_path(form_id: str) -> Path:
    """Where the committed template of form ``form_id`` lives."""
    return templates_dir() / f"{form_id}.docx"


def build_docx_template(form: FormDef, out: Path) -> None:
    """Write the docxtpl template of ``form`` to ``out`` (atomically)."""
    doc = Document()
    _set_defaults(doc)
    _set_page(doc, form)
    _fill_header(doc, form)
    body_end = doc.element.body.sectPr
    for old in list(doc.element.body.iterchildren(f"{{{W}}}p")):
        doc.element.body.remove(old)
    for block in _body_blocks(form):
        body_end.addprevious(block)
    doc.core_properties.title = form.title
    doc.core_properties.subject = form.id  # lets a reader tell the form apart without controls
    doc.core_properties.identifier = "{{ form_id }}"
    doc.core_properties.author = "jiafang"
    doc.core_properties.comments = form.description
    doc.core_properties.language = "zh-CN"
    _trim_package(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())


# --- document setup ---------------------------------------------------------------------


def _set_defaults(doc: WordDocument) -> None:
    """Document-wide fonts, size and paragraph spacing (no theme fonts, no other fonts)."""
    defaults = doc.styles.element.find(f"{{{W}}}docDefaults")
    rpr = defaults.find(f"{{{W}}}rPrDefault/{{{W}}}rPr")
    for child in list(rpr):
        rpr.remove(child)
    rpr.extend(
        [
            _el("w:rFonts", {"w:ascii": defs.DOCX_FONT_LATIN, "w:hAnsi": defs.DOCX_FONT_LATIN,
                             "w:eastAsia": defs.DOCX_FONT_EAST_ASIA, "w:cs": defs.DOCX_FONT_LATIN}),
            _el("w:sz", {"w:val": _half_points(defs.DOCX_FONT_SIZE)}),
            _el("w:szCs", {"w:val": _half_points(defs.DOCX_FONT_SIZE)}),
            _el("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}),
        ]
    )
    ppr = defaults.find(f"{{{W}}}pPrDefault/{{{W}}}pPr")
    for child in list(ppr):
        ppr.remove(child)
    ppr.append(_spacing())


def _set_page(doc: WordDocument, form: FormDef) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = (Mm(v) for v in form.page_size)
    margin = Mm(defs.DOCX_MARGIN)
    section.top_margin = section.bottom_margin = margin
    section.left_margin = section.right_margin = margin
    section.header_distance = section.footer_distance = Mm(defs.DOCX_HEADER_DISTANCE)


def _fill_header(doc: WordDocument, form: FormDef) -> None:
    """Header: the form id as text on the left, the page-1 QR image on the right."""
    header = doc.sections[0].header
    header.is_linked_to_previous = False
    hdr = header._element
    for old in list(hdr):
        hdr.remove(old)
    width = _text_width(form)
    qr_width = qr_side_mm() + 2 * defs.DOCX_CELL_MARGIN
    left = _cell(width - qr_width, [_paragraph(_run("表单编号 {{ form_id }}"))], v_align="bottom")
    right = _cell(qr_width, [_paragraph(_run("{{ qr }}"), align="right")])
    hdr.append(_table([width - qr_width, qr_width], [_el("w:tr", None, left, right)], borders=False))
    hdr.append(_paragraph())


def _text_width(form: FormDef) -> float:
    """mm between the left and right page margins."""
    return form.page_size[0] - 2 * defs.DOCX_MARGIN


def _trim_package(doc: WordDocument) -> None:
    """Drop what python-docx's default package carries but a form never uses.

    Its styles part lists ~160 styles and its stylesWithEffects copy is larger still; parsing
    and writing them was most of the render time. Also a thumbnail of some other document.
    """
    styles = doc.styles.element
    for child in list(styles):
        unused_style = child.tag == qn("w:style") and child.get(qn("w:default")) != "1"
        if unused_style or child.tag == qn("w:latentStyles"):
            styles.remove(child)
    unused_parts = {RT.CUSTOM_XML, RT.THUMBNAIL, STYLES_WITH_EFFECTS}
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id in [k for k, rel in rels.items() if rel.reltype in unused_parts]:
            rels.pop(r_id)


# --- body ---------------------------------------------------------------------------------


def _body_blocks(form: FormDef) -> Iterator[Element]:
    """Title, then each page's texts, field tables and guidance text, top to bottom."""
    yield _paragraph(_run("{{ title }}", bold=True, size=defs.TITLE_FONT_SIZE), align="center")
    ids = count(FIRST_CONTROL_ID)
    width = _text_width(form)
    loop_written = False
    for page in form.pages:
        rows: list[list[FieldDef]] = []
        for kind, item in _page_items(page):
            if kind == "row":
                rows.append(item)
                continue
            if rows:
                yield from _field_table(rows, ids, width)
                rows = []
            if kind == "text":
                yield _paragraph(_run(item.text, bold=item.bold))
            elif not loop_written:  # the guidance text flows on through later content boxes
                yield from _outline_loop()
                loop_written = True
        if rows:
            yield from _field_table(rows, ids, width)


def _page_items(page: PageDef) -> list[tuple[str, Any]]:
    """Static texts, field rows and content boxes of one page, sorted top to bottom.

    Fields whose boxes start at the same height share a row, two at a time.
    """
    items: list[tuple[float, int, str, Any]] = [(t.y, 0, "text", t) for t in page.texts]
    items += [(b.y, 1, "content", b) for b in page.content_boxes]
    ordered = sorted(page.fields, key=lambda f: (round(f.box.y, 1), f.box.x))
    for y, same_height in groupby(ordered, key=lambda f: round(f.box.y, 1)):
        line = list(same_height)
        items += [(y, 2, "row", line[i : i + 2]) for i in range(0, len(line), 2)]
    return [(kind, item) for _, _, kind, item in sorted(items, key=lambda i: (i[0], i[1]))]


def _outline_loop() -> Iterator[Element]:
    for text in OUTLINE_LOOP:
        if text.startswith(BULLET):
            yield _paragraph(_run(text), indent=defs.DOCX_BULLET_INDENT)
        else:
            yield _paragraph(_run(text, bold=text.startswith("{{")))


def _field_table(rows: list[list[FieldDef]], ids: Iterator[int], width: float) -> Iterator[Element]:
    """One bordered table: label cell (shaded) | value cell, one or two fields per row."""
    label_w = defs.DOCX_LABEL_WIDTH
    value_w = (width - 2 * label_w) / 2
    table_rows = []
    for fields in rows:
        cells = []
        for f in fields:
            span = 1 if len(fields) == 2 else 3
            cells.append(_cell(label_w, [_paragraph(_run(f.label))], shade=defs.DOCX_LABEL_SHADE))
            cells.append(_cell(value_w * span + label_w * (span - 1), _value_content(f, ids), span=span))
        table_rows.append(_el("w:tr", None, *cells))
    yield _table([label_w, value_w, label_w, value_w], table_rows, borders=True)
    yield _paragraph()  # keeps adjacent tables apart; Word needs a paragraph after a table


# --- content controls ---------------------------------------------------------------------


def _value_content(f: FieldDef, ids: Iterator[int]) -> list[Element]:
    """The block-level content of a field's value cell: its one field-level control."""
    if f.kind == "multiline":
        paragraphs = [_paragraph() for _ in range(max(1, len(f.lines)))]
        return [_sdt(_sdt_pr(f.id, f.label, next(ids)), *paragraphs)]
    if f.kind in CHOICE_KINDS:
        return [_paragraph(_choice_control(f, ids))]
    if f.prefill == FORM_ID_SOURCE:
        return [_paragraph(_text_control(f, "{{ form_id }}", ids, lock=True))]
    if f.prefill is not None:
        return [_paragraph(_text_control(f, f"{{{{ values.{f.id} }}}}", ids))]
    return [_paragraph(_text_control(f, _placeholder(f), ids, placeholder=True))]


def _text_control(
    f: FieldDef, text: str, ids: Iterator[int], *, lock: bool = False, placeholder: bool = False
) -> Element:
    extra = []
    if lock:
        extra.append(_el("w:lock", {"w:val": FORM_ID_LOCK}))
    if placeholder:
        extra.append(_el("w:showingPlcHdr"))
    extra.append(_el("w:text"))
    run = _run(text, color=defs.DOCX_PLACEHOLDER_COLOR if placeholder else None)
    return _sdt(_sdt_pr(f.id, f.label, next(ids), *extra), run)


def _choice_control(f: FieldDef, ids: Iterator[int]) -> Element:
    """A rich-text control holding one checkbox control and label run per option.

    Options start a new line where the definition starts a new row of option boxes.
    """
    content: list[Element] = []
    for i, option in enumerate(f.options):
        if i and option.box.y > f.options[i - 1].box.y + 1e-6:
            content.append(_el("w:r", None, _el("w:br")))
        elif i:
            content.append(_run("\u3000"))
        content.append(_checkbox(f.id, option.value, next(ids)))
        content.append(_run(f" {option.value}"))
    return _sdt(_sdt_pr(f.id, f.label, next(ids)), *content)


def _checkbox(tag: str, value: str, sdt_id: int) -> Element:
    font = defs.DOCX_CHECKBOX_FONT
    checkbox = _el(
        "w14:checkbox",
        None,
        _el("w14:checked", {"w14:val": "0"}),
        _el("w14:checkedState", {"w14:val": f"{ord(CHECKED):04X}", "w14:font": font}),
        _el("w14:uncheckedState", {"w14:val": f"{ord(UNCHECKED):04X}", "w14:font": font}),
    )
    return _sdt(_sdt_pr(tag, value, sdt_id, checkbox), _run(UNCHECKED, font=font))


def _placeholder(f: FieldDef) -> str:
    """Grey text shown in an empty control: the comb's shape, a hint, or a generic prompt."""
    if f.kind in COMB_KINDS:
        parts = [(c.x, DIGIT_PLACEHOLDER) for c in f.cells] + [(s.box.x, s.text) for s in f.separators]
        return "".join(text for _, text in sorted(parts))
    if f.kind == "signature":
        return SIGNATURE_PLACEHOLDER
    return f.hint or TEXT_PLACEHOLDER


def _sdt_pr(tag: str, alias: str, sdt_id: int, *extra: Element) -> Element:
    return _el(
        "w:sdtPr",
        None,
        _el("w:alias", {"w:val": alias}),
        _el("w:tag", {"w:val": tag}),
        _el("w:id", {"w:val": str(sdt_id)}),
        *extra,
    )


def _sdt(sdt_pr: Element, *content: Element) -> Element:
    return _el("w:sdt", None, sdt_pr, _el("w:sdtContent", None, *content))


# --- small WordprocessingML builders --------------------------------------------------------


def _el(tag: str, attrs: dict[str, str] | None = None, *children: Element) -> Element:
    element = OxmlElement(tag, attrs={qn(k): v for k, v in (attrs or {}).items()})
    element.extend(children)
    return element


def _run(
    text: str, *, bold: bool = False, size: float | None = None, color: str | None = None, font: str | None = None
) -> Element:
    rpr = _el("w:rPr")
    if font:
        rpr.append(_el("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:eastAsia": font, "w:hint": "eastAsia"}))
    if bold:
        rpr.append(_el("w:b"))
    if color:
        rpr.append(_el("w:color", {"w:val": color}))
    if size:
        rpr.append(_el("w:sz", {"w:val": _half_points(size)}))
    t = _el("w:t", {"xml:space": "preserve"})
    t.text = text
    return _el("w:r", None, *([rpr] if len(rpr) else []), t)


def _paragraph(*runs: Element, align: str | None = None, indent: float | None = None) -> Element:
    ppr = _el("w:pPr")
    if align:
        ppr.append(_el("w:jc", {"w:val": align}))
    if indent:
        ppr.append(_el("w:ind", {"w:left": _twips(indent), "w:hanging": _twips(indent)}))
    ppr.insert(0, _spacing())
    return _el("w:p", None, ppr, *runs)


def _spacing() -> Element:
    line = str(round(240 * defs.DOCX_LINE_SPACING))
    return _el("w:spacing", {"w:before": "0", "w:after": "0", "w:line": line, "w:lineRule": "auto"})


def _table(widths_mm: list[float], rows: list[Element], *, borders: bool) -> Element:
    tbl_pr = _el("w:tblPr", None, _el("w:tblW", {"w:w": _twips(sum(widths_mm)), "w:type": "dxa"}))
    if borders:
        edges = ("top", "left", "bottom", "right", "insideH", "insideV")
        line = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}
        tbl_pr.append(_el("w:tblBorders", None, *(_el(f"w:{e}", line) for e in edges)))
    tbl_pr.append(_el("w:tblLayout", {"w:type": "fixed"}))
    margin = {"w:w": _twips(defs.DOCX_CELL_MARGIN), "w:type": "dxa"}
    tbl_pr.append(_el("w:tblCellMar", None, _el("w:left", margin), _el("w:right", margin)))
    grid = _el("w:tblGrid", None, *(_el("w:gridCol", {"w:w": _twips(w)}) for w in widths_mm))
    return _el("w:tbl", None, tbl_pr, grid, *rows)


def _cell(
    width_mm: float, content: list[Element], *, span: int = 1, shade: str | None = None, v_align: str = "center"
) -> Element:
    tc_pr = _el("w:tcPr", None, _el("w:tcW", {"w:w": _twips(width_mm), "w:type": "dxa"}))
    if span > 1:
        tc_pr.append(_el("w:gridSpan", {"w:val": str(span)}))
    if shade:
        tc_pr.append(_el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": shade}))
    tc_pr.append(_el("w:vAlign", {"w:val": v_align}))
    return _el("w:tc", None, tc_pr, *content)


def _twips(mm: float) -> str:
    return str(round(mm * 1440 / 25.4))


def _half_points(pt: float) -> str:
    return str(round(pt * 2))


# --- reading the controls back ------------------------------------------------------------


def template_field_tags(path: Path) -> dict[str, list[str]]:
    """Field id → option aliases (empty for non-choice fields) of a template or filled docx."""
    tags: dict[str, list[str]] = {}
    for tag, options in _field_controls(_document_root(path)):
        tags.setdefault(tag, []).extend(options)
    return tags


def check_template(form: FormDef, path: Path) -> list[str]:
    """Every way the Word file at ``path`` disagrees with ``form`` (empty when they agree)."""
    root = _document_root(path)
    controls = _field_controls(root)
    found = [tag for tag, _ in controls]
    expected = {f.id: f for f in form.fields}
    problems = [f"{path.name}：缺少字段 {fid}（{f.label}）的内容控件" for fid, f in expected.items() if fid not in found]
    problems += [f"{path.name}：多出标记为 {tag} 的内容控件（表单定义中没有此字段）" for tag in sorted(set(found) - set(expected))]
    problems += [
        f"{path.name}：字段 {tag} 有 {found.count(tag)} 个内容控件（应为 1 个）"
        for tag in sorted(set(found))
        if found.count(tag) > 1
    ]
    for tag, options in controls:
        f = expected.get(tag)
        if f is not None and options != list(f.option_values):
            problems.append(f"{path.name}：字段 {tag} 的选项 {options} 与表单定义 {list(f.option_values)} 不一致")
    problems += _stray_checkboxes(root, path)
    problems += _unlocked_form_id(root, form, path)
    return problems


def _document_root(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("word/document.xml"), parser)


def _tag(sdt: etree._Element) -> str | None:
    values = sdt.xpath("./w:sdtPr/w:tag/@w:val", namespaces=NS)
    return str(values[0]) if values else None


def _is_checkbox(sdt: etree._Element) -> bool:
    return bool(sdt.xpath("./w:sdtPr/w14:checkbox", namespaces=NS))


def _field_controls(root: etree._Element) -> list[tuple[str, list[str]]]:
    """(tag, option aliases) of every tagged field-level control, in document order."""
    controls = []
    for sdt in root.iter(f"{{{W}}}sdt"):
        tag = _tag(sdt)
        if tag is None or _is_checkbox(sdt):
            continue
        options = [
            str(box.xpath("string(./w:sdtPr/w:alias/@w:val)", namespaces=NS))
            for box in sdt.iter(f"{{{W}}}sdt")
            if box is not sdt and _is_checkbox(box)
        ]
        controls.append((tag, options))
    return controls


def _stray_checkboxes(root: etree._Element, path: Path) -> list[str]:
    """Checkbox controls not inside the field-level control carrying their tag."""
    problems = []
    for sdt in root.iter(f"{{{W}}}sdt"):
        if not _is_checkbox(sdt):
            continue
        owners = [_tag(a) for a in sdt.iterancestors(f"{{{W}}}sdt") if not _is_checkbox(a)]
        if _tag(sdt) not in owners:
            problems.append(f"{path.name}：标记为 {_tag(sdt)} 的复选框不在同名字段的内容控件里")
    return problems


def _unlocked_form_id(root: etree._Element, form: FormDef, path: Path) -> list[str]:
    problems = []
    for f in form.fields:
        if f.prefill != FORM_ID_SOURCE:
            continue
        locks = root.xpath(
            "//w:sdt[w:sdtPr/w:tag/@w:val=$tag]/w:sdtPr/w:lock/@w:val", namespaces=NS, tag=f.id
        )
        if FORM_ID_LOCK not in locks:
            problems.append(f"{path.name}：表单编号控件 {f.id} 没有锁定（应为 {FORM_ID_LOCK}）")
    return problems
