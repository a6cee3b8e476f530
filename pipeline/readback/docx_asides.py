"""What a person sees in a Word form beside the text of its fields: text boxes, comments (批注),
pictures, and text typed outside every field.

None is in the text of a field, and none may be lost: a text box's text is joined to the text
field it is anchored in; a comment is shown on its field; a picture in a signature field is a
signature (a parent's signature photographed or drawn on a phone), and in any other field a
picture whose content is not read; ink drawn with a pen (Word's 绘图 tab) is read the same.
Text typed beside a label, or a paragraph the form does not print (a note added below the
table), is shown on its field. A text box, comment, paragraph or ink drawing outside every field
is shown on the next field to fill (ink there may be a signature written beside its box); a
picture there is an attachment (a photo of the visit) and stays in the stored file. Every field they touch gets a doubt, so a
person sees what was placed there. Nothing is placed by where a box is drawn: Word keeps an
anchor wherever it was inserted, and a box is dragged freely.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from lxml import etree

from pipeline.model.form import FieldDef, FormDef
from pipeline.model.record import RawValue
from pipeline.readback.docx_text import FALLBACK, TEXT_BOX, paragraphs, text_boxes, text_of, without_controls
from pipeline.readback.field_doubts import INK, INK_ELSEWHERE, PICTURE, TEXT, TEXT_ELSEWHERE, doubted, next_field, shown_on
from pipeline.readback.printed_text import PrintedText
from pipeline.render.docx_templates import NS

__all__ = ["COMMENTS_PART", "Aside", "add_asides", "asides", "stray_text"]

W = NS["w"]
W14 = NS["w14"]
R = f"{{{W}}}r"
# DrawingML and VML pictures, embedded objects, and ink drawn with a pen (Word's 绘图 tab)
INK_PARTS = (f"{{{W14}}}contentPart", f"{{{W}}}contentPart")
PICTURES = (f"{{{W}}}drawing", f"{{{W}}}pict", f"{{{W}}}object", *INK_PARTS)
COMMENTS_PART = "word/comments.xml"
BOX_JOINED = "“{label}”栏里有一个文本框，其中的文字“{text}”已接在此栏文字之后，请核对"
BOX_NOT_READ = "“{label}”栏里有一个文本框，其中的文字“{text}”没有读入此栏，请核对"
BOX_ELSEWHERE = "文档中有一个文本框不在任何填写栏里，其中的文字“{text}”没有读入，请核对应填入哪一栏（此提示放在“{label}”栏）"
COMMENT = "“{label}”栏上有一条批注：“{text}”，请核对"
COMMENT_ELSEWHERE = "文档中有一条批注不在任何填写栏上：“{text}”，请核对（此提示放在“{label}”栏）"


@dataclass(frozen=True)
class Aside:
    """Something beside the fields' text: the element it is anchored at, its kind, and its
    text (a picture has none)."""

    anchor: etree._Element
    kind: Literal["box", "comment", "picture", "ink", "text"]
    text: str = ""


def asides(document: etree._Element, comments: etree._Element | None) -> list[Aside]:
    """The text boxes and comments holding any text, and the pictures, of a document."""
    found = [Aside(anchor, "box", text) for anchor, text in text_boxes(document)]
    texts = {c.get(f"{{{W}}}id"): text_of(c) for c in comments.iter(f"{{{W}}}comment")} if comments is not None else {}
    for ref in document.iter(f"{{{W}}}commentReference"):
        text = texts.get(ref.get(f"{{{W}}}id"), "")
        start = document.find(f".//w:commentRangeStart[@w:id='{ref.get(f'{{{W}}}id')}']", NS)
        if text:
            found.append(Aside(ref.getparent() if start is None else start, "comment", text))
    return found + _pictures(document)


def stray_text(document: etree._Element, printed: PrintedText, values_in: list[etree._Element]) -> list[Aside]:
    """Paragraphs outside ``values_in`` (the fields' controls and value cells) holding text the
    form does not print."""
    found, fields = [], set(values_in)
    for p in paragraphs(document):
        if any(a in fields for a in p.iterancestors()):
            continue
        text = text_of(p if p.find(f".//{{{W}}}sdt") is None else without_controls(p))
        if not printed.prints(text):
            found.append(Aside(p, "text", text))
    return found


def _pictures(document: etree._Element) -> list[Aside]:
    """Each picture or drawn object, and each ink drawing, at its run; a text box is no picture."""
    found = []
    for el in document.iter(*PICTURES):
        inside = [a.tag for a in el.iterancestors()]
        if FALLBACK in inside or any(a in PICTURES for a in inside) or el.find(f".//{TEXT_BOX}") is not None:
            continue
        run = next(el.iterancestors(R), None)
        if run is not None:  # el.iter includes el: a contentPart itself, or a drawing holding one
            found.append(Aside(run, "ink" if next(el.iter(*INK_PARTS), None) is not None else "picture"))
    return found


def add_asides(
    document: etree._Element, form: FormDef, values: dict[str, RawValue], homes: dict[str, list[etree._Element]], found: list[Aside]
) -> None:
    """Put each of ``found`` on the field it is anchored in (``homes``: field id → the
    controls and cells where that field is), else on the next field to fill (the last, after
    every field)."""
    if not found:
        return
    order = {el: i for i, el in enumerate(document.iter())}
    starts = sorted(((order[hs[0]], f) for f in form.fields if f.fillable and (hs := homes[f.id])), key=lambda s: s[0])
    for aside in found:
        own = next((f for f in form.fields if any(h in aside.anchor.iterancestors() for h in homes[f.id])), None)
        if own is not None:
            values[own.id] = _on_own_field(values[own.id], own, aside)
        elif aside.kind != "picture":
            f = next_field(starts, order[aside.anchor], form.fields[-1])
            elsewhere = {"box": BOX_ELSEWHERE, "comment": COMMENT_ELSEWHERE, "ink": INK_ELSEWHERE, "text": TEXT_ELSEWHERE}[aside.kind]
            values[f.id] = doubted(values[f.id], elsewhere.format(text=aside.text, label=f.label))


def _on_own_field(raw: RawValue, f: FieldDef, aside: Aside) -> RawValue:
    if aside.kind in ("picture", "ink"):
        return shown_on(raw, f, PICTURE if aside.kind == "picture" else INK)
    if aside.kind in ("comment", "text"):
        return doubted(raw, (COMMENT if aside.kind == "comment" else TEXT).format(label=f.label, text=aside.text))
    if not isinstance(raw.raw, str) or f.kind == "signature":
        return doubted(raw, BOX_NOT_READ.format(label=f.label, text=aside.text))
    joined = replace(raw, raw="\n".join(t for t in (raw.raw, aside.text) if t))
    return doubted(joined, BOX_JOINED.format(label=f.label, text=aside.text))
