"""Word files edited the way teachers edit them, for the readers' tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import docx
from docx.opc.packuri import PackURI
from docx.opc.part import Part
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


# Ink as Word's 绘图 tab saves it: a drawing whose graphic is a w14:contentPart naming an InkML part.
_INK_RUN = """<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"
 xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<mc:AlternateContent><mc:Choice Requires="wpi"><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">
<wp:extent cx="1080000" cy="360000"/><wp:docPr id="{n}" name="墨迹 {n}"/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingInk">
<w14:contentPart bwMode="auto" r:id="{rid}"><w14:nvContentPartPr><w14:cNvContentPartPr/></w14:nvContentPartPr>
<w14:xfrm><a:off x="0" y="0"/><a:ext cx="1080000" cy="360000"/></w14:xfrm></w14:contentPart>
</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice></mc:AlternateContent></w:r>"""
_INKML = b'<inkml:ink xmlns:inkml="http://www.w3.org/2003/InkML"><inkml:trace>120 300, 400 80, 700 420, 1100 150</inkml:trace></inkml:ink>'
_INK_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"


def with_ink(src: Path, out: Path, paragraphs: Mapping[str, Callable[[etree._Element], etree._Element]]) -> Path:
    """``src`` with a pen stroke drawn (as Word's 绘图 tab saves one) at the end of each paragraph
    ``paragraphs`` finds; "end" adds one more paragraph holding a stroke to the body."""
    document = docx.Document(str(src))
    for n, (name, paragraph) in enumerate(paragraphs.items(), start=1):
        ink = Part(PackURI(f"/word/ink/ink{n}.xml"), "application/inkml+xml", _INKML, document.part.package)
        rid = document.part.relate_to(ink, _INK_RELATION)
        p = document.add_paragraph() if name == "end" else Paragraph(paragraph(document.element), document.part)
        p._p.append(etree.fromstring(_INK_RUN.format(n=900 + n, rid=rid)))
    document.save(str(out))
    return out
