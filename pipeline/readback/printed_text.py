"""What a form's Word template prints around its fields: labels, headings, instructions.

Readers of a returned Word file, or of its PDF export, compare what they find outside the
fields with this, so that text a teacher typed anywhere else (a note below the table, words
beside a label) is shown to a person instead of being dropped.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import cache

from lxml import etree

from pipeline.model.filled import BULLET
from pipeline.model.form import FormDef
from pipeline.outline import is_section_heading, item_patterns
from pipeline.readback.docx_text import paragraphs, text_of, without_controls
from pipeline.readback.safety import DOCUMENT_PART, parse_xml, read_part
from pipeline.render.docx_templates import OUTLINE_LOOP, template_path

__all__ = ["PrintedText", "printed_text", "template_document"]

HEADER_ID = "表单编号"  # the header's "表单编号 R…", printed above every page of an export


@dataclass(frozen=True)
class PrintedText:
    """A template's paragraphs outside its controls and its title, whitespace removed; with
    ``outline``, also the section headings and the items (as the templates can fill them in)
    the 访谈提纲 generates per student."""

    paragraphs: frozenset[str]
    title: str
    outline: bool = False

    def prints(self, text: str) -> bool:
        """Whether ``text`` is one of the form's printed paragraphs, or its heading."""
        squashed = "".join(text.split())
        if self.outline and squashed.startswith(BULLET):
            return _an_item(squashed[len(BULLET) :])
        if self.outline and is_section_heading(squashed):
            return True
        return not squashed or squashed in self.paragraphs or squashed.endswith(self.title)

    def prints_line(self, text: str) -> bool:
        """Whether ``text`` is a line of a printed paragraph as a PDF export wraps it, the
        heading, or the header's form id. (An outline's items wrap into lines that may start
        anywhere in a text no list holds: its lines cannot be judged so.)"""
        squashed = "".join(text.split())
        return self.prints(text) or squashed.startswith(HEADER_ID) or any(squashed in p for p in self.paragraphs)


def _an_item(text: str) -> bool:
    """Whether ``text`` is an outline item as printed: an answer typed after a question is not.
    Outlines printed before 6b2bb7a glued an item to the privacy cautions before it ("。- ")."""
    return all(any(p.fullmatch(part) for p in item_patterns()) for part in re.split(r"(?<=。)-", text))


@cache
def printed_text(form: FormDef) -> PrintedText | None:
    """What ``form``'s template prints; None for a template that generates paragraphs other
    than the outline's, whose printed text no list holds."""
    printed = {"".join(text_of(p).split()) for p in paragraphs(without_controls(template_document(form.id)))}
    loop = {"".join(t.split()) for t in OUTLINE_LOOP}
    outline = loop <= printed
    if any("{%" in t for t in printed - (loop if outline else set())):
        return None
    return PrintedText(frozenset(printed - loop - {""}), "".join(form.title.split()), outline)


@cache
def template_document(form_id: str) -> etree._Element:
    """The parsed body of form ``form_id``'s Word template (shared: never modify it)."""
    path = template_path(form_id)
    with zipfile.ZipFile(path) as zf:
        return parse_xml(read_part(zf, DOCUMENT_PART, path), part=DOCUMENT_PART, path=path)
