"""A Word file that holds several of our forms: a teacher who visited several students pastes
their forms one after another into one document to send. Each form becomes a document of its
own: the same package, its body cut to the paragraphs and tables from where that form's id first
appears to where the next form's does. Ingest then reads each like any returned Word file
(pipeline.ingest.archives); read as one, the file became a record of the first form only.
"""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

from lxml import etree

from pipeline import defs
from pipeline.readback.docx_reader import body_content, form_starts
from pipeline.readback.safety import DOCUMENT_PART, check_zip_document, parse_xml, read_part


def form_parts(path: Path) -> list[tuple[str, bytes]]:
    """(form id, .docx bytes) of each form in the Word file ``path`` when it holds two or more;
    empty when it holds one or none. Raises the DocumentError family for an unsafe file."""
    check_zip_document(path)
    with zipfile.ZipFile(path) as zf:
        document = parse_xml(read_part(zf, DOCUMENT_PART, path), part=DOCUMENT_PART, path=path)
        starts = form_starts(document)
        if len(starts) < 2:
            return []
        parts = {name: read_part(zf, name, path, limit=defs.DOCX_MAX_UNCOMPRESSED) for name in zf.namelist()}
    ends = [index for _, index in starts[1:]] + [len(body_content(document))]
    begins = [0] + ends[:-1]  # the first form keeps what precedes its id (its title)
    return [(fid, _package(document, range(a, b), parts)) for (fid, _), a, b in zip(starts, begins, ends)]


def _package(document: etree._Element, keep: range, parts: dict[str, bytes]) -> bytes:
    """The package with its body cut to the content at ``keep`` (and the section settings)."""
    cut = copy.deepcopy(document)
    for index, child in enumerate(body_content(cut)):
        if index not in keep:
            child.getparent().remove(child)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, etree.tostring(cut, xml_declaration=True, encoding="UTF-8", standalone=True) if name == DOCUMENT_PART else data)
    return out.getvalue()
