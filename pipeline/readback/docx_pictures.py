"""The pictures a Word document shows, in the order it shows them.

A header's pictures are where our QR code sits (the Word reader looks for it there). The body's
pictures are what a teacher returns who photographed the filled paper forms and pasted the
photos into a Word file: ingest takes each one out and reads it as a photo (pipeline.ingest.archives).
Everything is read through pipeline.readback.safety: sizes bounded, XML parsed without entities.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

from pipeline import defs
from pipeline.readback.safety import DOCUMENT_PART, check_zip_document, parse_xml, read_part

REL_NS = {"rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
# Pictures of paper are raster images; a drawing (EMF, WMF, SVG) or a chart is not one.
RASTER_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".gif", ".webp")


def shown_images(zf: zipfile.ZipFile, part: str, element: etree._Element, path: Path) -> list[tuple[str, bytes]]:
    """(part name, bytes) of each image part ``element`` (the parsed ``part``) shows, first
    shown first, each once; linked (external) pictures are not in the file and are skipped."""
    names = set(zf.namelist())
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", f"{posixpath.basename(part)}.rels")
    shown = list(dict.fromkeys(v for el in element.iter() for k, v in el.attrib.items() if k.startswith(f"{{{R_NS}}}")))
    if rels_name not in names or not shown:
        return []
    rels = parse_xml(read_part(zf, rels_name, path), part=rels_name, path=path)
    targets = {
        rel.get("Id"): posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target", ""))).lstrip("/")
        for rel in rels.iterfind("rel:Relationship", REL_NS)
        if rel.get("Type") == IMAGE_REL and rel.get("TargetMode") != "External"
    }
    parts = dict.fromkeys(targets[r] for r in shown if r in targets and targets[r] in names)
    return [(name, read_part(zf, name, path, limit=defs.DOCX_MAX_UNCOMPRESSED)) for name in parts]


def body_pictures(path: Path) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the raster pictures in the body of the Word document ``path``, in
    document order. Raises the DocumentError family for a file that is no safe Word document."""
    check_zip_document(path)
    with zipfile.ZipFile(path) as zf:
        body = parse_xml(read_part(zf, DOCUMENT_PART, path), part=DOCUMENT_PART, path=path)
        return [(name, data) for name, data in shown_images(zf, DOCUMENT_PART, body, path) if name.lower().endswith(RASTER_SUFFIXES)]
