"""Fill an issued .docx as a teacher would in Word, for tests, the demo and the benchmark.

Text goes into the field's content control (found by tag) and the placeholder state is
cleared; multi-line values become separate paragraphs in block-level controls and line
breaks in inline ones. Choice options are ticked the way Word ticks them: ``w14:checked``
set and the checkbox glyph switched. Every other part of the package is copied unchanged.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

from lxml import etree

from pipeline.readback.safety import DOCUMENT_PART, parse_xml
from pipeline.atomic import atomic_write_bytes
from pipeline.render.docx_templates import NS

__all__ = ["SIGNED_NAME", "FillValue", "fill_docx"]

W = NS["w"]
W14 = NS["w14"]
SIGNED_NAME = "张老师"  # typed into a signature control for a value of True
FillValue = str | tuple[str, ...] | bool


def fill_docx(src: Path, values: Mapping[str, FillValue], out: Path) -> None:
    """Write ``src`` to ``out`` with ``values`` (field id → text, ticked options or signed).

    Raises KeyError for a field id with no tagged control and ValueError for an option the
    field does not offer.
    """
    with zipfile.ZipFile(src) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    document = dict((i.filename, data) for i, data in parts)[DOCUMENT_PART]
    root = parse_xml(document, part=DOCUMENT_PART, path=src)
    for field_id, value in values.items():
        _fill_control(_field_control(root, field_id), field_id, value)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            if info.filename == DOCUMENT_PART:
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)
    atomic_write_bytes(out, buffer.getvalue())


def _field_control(root: etree._Element, field_id: str) -> etree._Element:
    found = root.xpath(
        "//w:sdt[w:sdtPr/w:tag/@w:val=$tag][not(w:sdtPr/w14:checkbox)]", namespaces=NS, tag=field_id
    )
    if not found:
        raise KeyError(f"no content control tagged {field_id!r}")
    return found[0]


def _fill_control(sdt: etree._Element, field_id: str, value: FillValue) -> None:
    boxes = sdt.xpath(".//w:sdt[w:sdtPr/w14:checkbox]", namespaces=NS)
    if isinstance(value, tuple):
        _tick(boxes, field_id, value)
        return
    if value is False:
        return
    text = SIGNED_NAME if value is True else value
    for placeholder in sdt.xpath("./w:sdtPr/w:showingPlcHdr", namespaces=NS):
        placeholder.getparent().remove(placeholder)
    content = sdt.find(f"{{{W}}}sdtContent")
    lines = text.split("\n")
    if content.find(f"{{{W}}}p") is not None:
        _set_paragraphs(content, lines)
    else:
        _set_runs(content, lines)


def _tick(boxes: list[etree._Element], field_id: str, ticked: tuple[str, ...]) -> None:
    offered = [box.xpath("string(w:sdtPr/w:alias/@w:val)", namespaces=NS) for box in boxes]
    unknown = set(ticked) - set(offered)
    if unknown:
        raise ValueError(f"field {field_id!r} has no option {sorted(unknown)} (offers {offered})")
    for box, option in zip(boxes, offered):
        on = option in ticked
        box.find(f"w:sdtPr/{{{W14}}}checkbox/{{{W14}}}checked", NS).set(f"{{{W14}}}val", "1" if on else "0")
        state = "checkedState" if on else "uncheckedState"
        glyph = chr(int(box.xpath(f"string(w:sdtPr/w14:checkbox/w14:{state}/@w14:val)", namespaces=NS), 16))
        box.find("w:sdtContent/w:r/w:t", NS).text = glyph


def _set_runs(content: etree._Element, lines: list[str]) -> None:
    """Replace an inline control's runs with the text, lines separated by breaks."""
    for child in list(content):
        content.remove(child)
    for i, line in enumerate(lines):
        if i:
            etree.SubElement(etree.SubElement(content, f"{{{W}}}r"), f"{{{W}}}br")
        content.append(_run(line))


def _set_paragraphs(content: etree._Element, lines: list[str]) -> None:
    """Replace a block-level control's paragraphs with one paragraph per line."""
    paragraphs = content.findall(f"{{{W}}}p")
    ppr = paragraphs[0].find(f"{{{W}}}pPr")
    for p in paragraphs:
        content.remove(p)
    for line in lines:
        p = etree.SubElement(content, f"{{{W}}}p")
        if ppr is not None:
            p.append(etree.fromstring(etree.tostring(ppr)))
        p.append(_run(line))


def _run(text: str) -> etree._Element:
    run = etree.Element(f"{{{W}}}r")
    t = etree.SubElement(run, f"{{{W}}}t")
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text
    return run
