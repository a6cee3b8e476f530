"""Word files edited the way teachers edit them, for the readers' tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import docx
from docx.text.paragraph import Paragraph
from lxml import etree
from PIL import Image, ImageDraw

from pipeline.render.docx_templates import NS


def in_control(field_id: str) -> Callable[[etree._Element], etree._Element]:
    """The last paragraph in the field's control, or the one holding it (an inline control)."""
    control = f"w:sdt[w:sdtPr/w:tag/@w:val='{field_id}']"
    return lambda root: etree.XPath(f"//{control}//w:p | //w:p[{control}]", namespaces=NS)(root)[-1]


def with_pictures(src: Path, out: Path, paragraphs: Mapping[str, Callable[[etree._Element], etree._Element]]) -> Path:
    """``src`` with a small picture (a scribbled line) inserted by python-docx at the end of each
    paragraph ``paragraphs`` finds; "end" adds one more paragraph holding a picture to the body."""
    picture = io.BytesIO()
    scribble = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(scribble).line([(20, 70), (80, 20), (140, 80), (260, 30)], fill="black", width=4)
    scribble.save(picture, "PNG")
    document = docx.Document(str(src))
    for name, paragraph in paragraphs.items():
        picture.seek(0)
        p = document.add_paragraph() if name == "end" else Paragraph(paragraph(document.element), document.part)
        p.add_run().add_picture(picture, width=docx.shared.Mm(30))
    document.save(str(out))
    return out
