"""Reading returned documents back: safety checks, then one reader per kind of file.

Each reader turns one returned file into a :class:`pipeline.model.record.Reading` of raw
field values; normalisation and validation happen later (pipeline.validate).
"""

from pipeline.readback.docx_reader import DocxIdentity, docx_form_id, docx_identity, read_docx
from pipeline.readback.pdf_reader import PdfInfo, inspect_pdf, read_pdf
from pipeline.readback.safety import check_zip_document, parse_xml

__all__ = [
    "DocxIdentity",
    "check_zip_document",
    "docx_form_id",
    "docx_identity",
    "parse_xml",
    "read_docx",
    "PdfInfo",
    "inspect_pdf",
    "read_pdf",
]
